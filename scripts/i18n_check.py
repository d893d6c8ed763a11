"""Are the addon's translations current? Prints what is not and exits non-zero; quick, needs no database.

    python scripts/i18n_check.py [EXPORT.pot]

- every term the Python code marks (``_()``, ``env._()``, ``_lt()``) is in i18n/ncc_atlas_connector.pot;
- with EXPORT.pot (a fresh ``odoo-bin i18n export`` of the addon), the .pot holds exactly its terms: the terms of
  fields, selections, views, data and templates too (the test command does this in the database it installed);
- every i18n/<lang>.po holds the terms of the .pot, none fuzzy, with the placeholders of the term (``%(name)s``,
  ``%s``, ``{{ … }}``, QWeb's ``t-…`` attributes) kept intact; the back office's languages (``FULL_LANGUAGES``)
  translate every term, the applicants' languages (the other official EU languages) every term an applicant
  reads: the registration form, the status page, the emails and the registration rules' messages. The rest falls
  back to English, as Odoo does for a term without translation.

After a change of terms: ./scripts/i18n_export.sh, then translate what this reports.
"""

import re
import sys
from pathlib import Path

import polib

ROOT = Path(__file__).resolve().parents[1]
ADDON = ROOT / "ncc_atlas_connector"
I18N = ADDON / "i18n"
POT = I18N / "ncc_atlas_connector.pot"

PLACEHOLDERS = re.compile(
    r"%\([A-Za-z0-9_]+\)[sdrf]|%[sdrf]|\{\{.*?\}\}|\bt-[a-z-]+=\"[^\"]*\"|\$\{[^}]*\}", re.DOTALL
)


# The languages the NCC's staff work in: every term translated.
FULL_LANGUAGES = {"fr", "de"}
# Where a term an applicant reads comes from, as the export's references name it.
APPLICANT_SOURCES = re.compile(
    r"ncc_atlas_connector\.portal_"
    r"|/controllers/portal"
    r"|/models/(ncc_portal_submission|res_partner_portal|ncc_decision_portal|res_partner_registration)\.py"
    r"|^model:mail\.template,(subject|body_html):"
    r"|selection__res_partner__ncc_portal_status__"
)


def applicant_reads(entry):
    return any(APPLICANT_SOURCES.search(where) for where, _line in entry.occurrences)


def python_terms():
    """The terms the addon's Python files mark for translation, as Odoo's export reads them."""
    from babel.messages import extract  # noqa: PLC0415 - Odoo's dependency, as its export calls it

    found = {}
    for path in sorted(ADDON.rglob("*.py")):
        with path.open("rb") as source:
            for lineno, message, _comments, _context in extract.extract(
                "odoo.tools.babel:extract_python", source, keywords={"_": None, "_lt": None},
                options={"encoding": "UTF-8"},
            ):
                for term in message if isinstance(message, tuple) else (message,):
                    if term and any(char.isalpha() for char in term):  # as the export, which skips the others
                        found.setdefault(term, f"{path.relative_to(ROOT)}:{lineno}")
    return found


def placeholders(text):
    return sorted(PLACEHOLDERS.findall(text))


def problems(export=None):
    """Sentences saying what is out of date, empty when all is current."""
    if not POT.exists():
        return [f"{POT.relative_to(ROOT)} is missing: run ./scripts/i18n_export.sh"]
    pot = polib.pofile(str(POT))
    ids = {entry.msgid for entry in pot}
    out = [f"{where}: not in the .pot: {term!r}" for term, where in python_terms().items() if term not in ids]
    if export:
        fresh = {entry.msgid for entry in polib.pofile(str(export))}
        out += [f"the export holds a term the .pot lacks: {term!r}" for term in sorted(fresh - ids)]
        out += [f"the .pot holds a term the export no longer has: {term!r}" for term in sorted(ids - fresh)]
    if out:
        out.append("the .pot is out of date: run ./scripts/i18n_export.sh")
    for po_path in sorted(I18N.glob("*.po")):
        po = polib.pofile(str(po_path))
        name = po_path.name
        have = {entry.msgid for entry in po if not entry.obsolete}
        out += [f"{name}: missing {term!r}" for term in sorted(ids - have)]
        out += [f"{name}: not in the .pot {term!r}" for term in sorted(have - ids)]
        for entry in po:
            if entry.obsolete or entry.msgid not in ids:
                continue
            if "fuzzy" in entry.flags:
                out.append(f"{name}: fuzzy, to review: {entry.msgid!r}")
            elif not entry.msgstr.strip():
                if po_path.stem not in FULL_LANGUAGES and not applicant_reads(entry):
                    continue
                out.append(f"{name}: untranslated: {entry.msgid!r}")
            elif placeholders(entry.msgid) != placeholders(entry.msgstr):
                out.append(f"{name}: placeholders differ: {entry.msgid!r} -> {entry.msgstr!r}")
    return out


def main(argv):
    found = problems(argv[1] if len(argv) > 1 else None)
    for line in found:
        print(line)
    langs = ", ".join(p.stem for p in sorted(I18N.glob("*.po"))) or "none"
    print(f"translations: {'%d problems' % len(found) if found else 'current'} (languages: {langs})")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
