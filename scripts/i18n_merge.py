"""Merge a fresh export of the addon's terms into its .pot and every .po (called by i18n_export.sh).

    python scripts/i18n_merge.py EXPORT.pot ADDON.pot LANG.po...

The .pot is replaced only when its terms or their places changed (the export stamps the time it ran). Each .po
gets the template's entries: a translation is kept for an unchanged term, a new term comes in untranslated, a gone
one leaves. With GNU msgmerge available, a term that changed a little comes in as a fuzzy suggestion of the old
translation, to review (the check refuses fuzzy entries); without it the merge is polib's, exact matches only.
"""

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import polib

WRAP = 78


def terms(po):
    return [(e.msgctxt, e.msgid, e.msgid_plural, sorted(e.occurrences), e.comment) for e in po]


def write_template(export, target):
    fresh = polib.pofile(str(export), wrapwidth=WRAP)
    if target.exists() and terms(polib.pofile(str(target))) == terms(fresh):
        return False
    fresh.save(str(target))
    return True


def merge(template, po_path):
    if shutil.which("msgmerge"):
        with tempfile.TemporaryDirectory() as tmp:
            out = Path(tmp) / po_path.name
            subprocess.run(["msgmerge", "--quiet", "--previous", "-o", str(out), str(po_path), str(template)],
                           check=True)
            po = polib.pofile(str(out), wrapwidth=WRAP)
    else:
        po = polib.pofile(str(po_path), wrapwidth=WRAP)
        po.merge(polib.pofile(str(template)))
    for entry in po.obsolete_entries():
        po.remove(entry)
    po.save(str(po_path))


def main(export, template, *po_paths):
    template = Path(template)
    changed = write_template(Path(export), template)
    print(f"{template.name}: {'updated' if changed else 'unchanged'}")
    for po_path in map(Path, po_paths):
        merge(template, po_path)
        po = polib.pofile(str(po_path))
        todo = len(po.untranslated_entries()) + len(po.fuzzy_entries())
        print(f"{po_path.name}: {todo} entries to translate or review")


if __name__ == "__main__":
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    main(*sys.argv[1:])
