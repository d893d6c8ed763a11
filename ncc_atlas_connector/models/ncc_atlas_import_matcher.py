"""Which company each Atlas registration of the day-one import belongs to, and which registrations compete.

Plain Python over the companies Odoo already has (the import model hands it the environment). The rules, in order:
registration number and country, website domain, exact name. A rule that finds several companies decides nothing.
Registrations that claim one company, or share a registration number and country, compete: every one of them says
so, whether the company is still free or already linked (by an earlier run), so that each run gives the same
warnings for the same situation; the manager picks.
"""

from urllib.parse import urlsplit

from ..atlas import registration_number_key

MATCH_RULES = [
    ("registry", "Registration number and country"),
    ("domain", "Website domain"),
    ("name", "Exact name"),
    ("manual", "Chosen by hand"),
]
RULES = ("registry", "domain", "name")


def domain_key(url):
    """The host of a web address, lower case, without ``www.``: ``https://www.Example.eu/x`` -> ``example.eu``."""
    url = (url or "").strip()
    if not url:
        return ""
    if "://" not in url:
        url = "http://" + url
    try:
        host = (urlsplit(url).hostname or "").lower()
    except ValueError:
        return ""
    return host.removeprefix("www.")


def name_key(name):
    """A name as compared: spaces collapsed, case folded."""
    return " ".join((name or "").split()).casefold()


def registration_key(number, country_code):
    """(number, country) as the Atlas compares them for duplicates, or None without either."""
    number = registration_number_key(number)
    return (number, country_code.upper()) if number and country_code else None


class ImportMatcher:
    """Matches import lines (plain dicts, as they are about to be created) to companies, in place: it sets
    ``partner_id``, ``match_rule``, ``excluded``, ``note`` and ``compete_keys``."""

    def __init__(self, env):
        self.env = env
        companies = env["res.partner"].search_fetch(
            [("is_company", "=", True), ("parent_id", "=", False)],
            ["name", "website", "company_registry", "country_id", "ncc_atlas_uuid"],
        )
        self.index = {rule: {} for rule in RULES}
        for company in companies:
            for rule in RULES:
                key = self._company_key(rule, company)
                if key:
                    self.index[rule].setdefault(key, []).append(company)
        self._countries = {}

    def country_code(self, term_uuid):
        if not term_uuid:
            return False
        if term_uuid not in self._countries:
            term = self.env["ncc.atlas.term"].with_context(active_test=False).search(
                [("vocabulary", "=", "country"), ("atlas_uuid", "=", term_uuid)], limit=1)
            self._countries[term_uuid] = (term.iso_code or "").upper() or False
        return self._countries[term_uuid]

    @staticmethod
    def _company_key(rule, company):
        if rule == "registry":
            return registration_key(company.company_registry, company.country_id.code or "")
        if rule == "domain":
            return domain_key(company.website)
        return name_key(company.name)

    @staticmethod
    def _line_key(rule, line):
        if rule == "registry":
            return registration_key(line["registration_number"], line["country_code"] or "")
        if rule == "domain":
            return domain_key(line["website"])
        return name_key(line["title"])

    def match(self, lines):
        _ = self.env._
        rule_labels = dict(MATCH_RULES)
        notes = {id(line): [] for line in lines}
        doubts = {id(line): [] for line in lines}  # rules that found several companies: said when none decided
        claims = {}  # company -> the lines that claim it (linked to it, or matched to it)
        for line in lines:
            line.setdefault("compete_keys", "")
            if line.get("linked_partner_id"):
                claims.setdefault(self.env["res.partner"].browse(line["linked_partner_id"]), []).append(line)
                continue
            for rule in RULES:
                key = self._line_key(rule, line)
                companies = self.index[rule].get(key, []) if key else []
                if len(companies) == 1:
                    line["match_rule"] = rule
                    claims.setdefault(companies[0], []).append(line)
                    break
                if companies:
                    doubts[id(line)].append(_(
                        "%(rule)s: %(count)s companies match (%(names)s)", rule=rule_labels[rule],
                        count=len(companies), names=", ".join(c.name for c in companies[:3])))

        def compete(group, key, reason):
            for line in group:
                others = sorted({other["title"] for other in group if other is not line})
                notes[id(line)].append(reason(", ".join(f"“{title}”" for title in others)))
                line["compete_keys"] = " ".join(filter(None, [line["compete_keys"], key]))

        # The Atlas finds duplicates by registration number and country: two registrations holding the same pair
        # are one organisation twice, whatever company each of them matched.
        by_number = {}
        for line in lines:
            key = self._line_key("registry", line)
            if key:
                by_number.setdefault(key, []).append(line)
        for key, group in by_number.items():
            if len(group) > 1:
                compete(group, "registry-" + "-".join(key), lambda others: _(
                    "Competes with %s: same registration number and country, pick one", others))

        def competing(group):
            """Already competing with each other (for the same registration number): said once."""
            keys = [set(line["compete_keys"].split()) for line in group]
            return bool(set.intersection(*keys))

        for company, group in claims.items():
            linked_to = company.ncc_atlas_uuid
            for line in group:
                if not line.get("linked_partner_id") and not linked_to:
                    line["partner_id"] = company.id
            if len(group) > 1 and not competing(group):
                compete(group, f"company-{company.id}", lambda others, company=company: _(
                    "Competes with %(others)s for %(company)s: pick one", others=others, company=company.name))
            elif len(group) == 1 and linked_to and not group[0].get("linked_partner_id"):
                notes[id(group[0])].append(_(
                    "%(company)s is already linked to another Atlas registration (%(uuid)s)",
                    company=company.name, uuid=linked_to))

        for line in lines:
            if doubts[id(line)] and not line.get("match_rule") and not line.get("linked_partner_id"):
                notes[id(line)].append(_("Choose: %s", "; ".join(doubts[id(line)])))
            if notes[id(line)]:
                line["note"] = "; ".join(notes[id(line)])
                if not line.get("linked_partner_id"):
                    line["excluded"] = True
