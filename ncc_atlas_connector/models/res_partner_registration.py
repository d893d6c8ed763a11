"""The Community registration record: every question of the ECCC form FORM-ECCC-001 on a company.

Odoo's own partner fields carry what they already mean (name = name in English, address, website, general email,
phone, ``company_registry`` = registration number); everything else is an ``ncc_`` field. Validation only applies
to applicants (``ncc_is_applicant``) so that ordinary contacts of the database are never blocked by Atlas rules.
The contact person is a child contact, see ``res_partner_representative.py``.
"""

import importlib
import re
from urllib.parse import urlsplit

from markupsafe import Markup

from odoo import api, fields, models
from odoo.exceptions import ValidationError
from odoo.tools import SQL, email_normalize
from odoo.tools.mail import single_email_re
from odoo.tools.translate import LazyTranslate

from ..atlas import registration_number_key
from .atlas_mapping import TAXONOMY_FIELDS, TERM_VOCABULARIES, TEXT_LIMITS

_lt = LazyTranslate(__name__)

OFFICER = "ncc_atlas_connector.group_ncc_officer"

# Declarations of the form: the box and the date it was given.
DECLARATIONS = {
    "ncc_no_exclusion": "ncc_no_exclusion_date",
    "ncc_data_sharing_consent": "ncc_data_sharing_consent_date",
    "ncc_privacy_notice_accepted": "ncc_privacy_notice_accepted_date",
    "ncc_member_tasks_accepted": "ncc_member_tasks_accepted_date",
    "ncc_form_completed": "ncc_form_completed_date",
}

# National numbers python-stdnum can check, only where one number identifies every kind of legal person (companies,
# associations, public bodies), so no genuine applicant is refused: country code -> (stdnum modules, other
# accepted patterns). A number passes when any of them accepts it; other countries pass.
# Left out on purpose: AT (the Firmenbuchnummer excludes associations, which have a ZVR number), RO (ONRC: trade
# register only), DE (the Handelsregisternummer needs the court's name), and the countries stdnum has nothing for.
REGISTRY_VALIDATORS = {
    "BE": (("stdnum.be.vat",), ()),
    "DK": (("stdnum.dk.cvr",), ()),
    "EE": (("stdnum.ee.registrikood",), ()),
    "ES": (("stdnum.es.cif",), ()),
    "FI": (("stdnum.fi.ytunnus",), ()),
    # Associations without a SIREN are known by their RNA number (W and nine digits).
    "FR": (("stdnum.fr.siren", "stdnum.fr.siret"), (r"W\d{9}",)),
    "SE": (("stdnum.se.orgnr",), ()),
    "SI": (("stdnum.si.maticna",), ()),
}
# What each of those numbers is called, for a person.
REGISTRY_NUMBER_NAMES = {
    "BE": _lt("Belgian enterprise number (KBO/BCE)"),
    "DK": _lt("Danish CVR number"),
    "EE": _lt("Estonian registry code (registrikood)"),
    "ES": _lt("Spanish tax identification number of a legal person (NIF/CIF)"),
    "FI": _lt("Finnish business ID (Y-tunnus)"),
    "FR": _lt("French SIREN, SIRET or RNA number"),
    "SE": _lt("Swedish organisation number"),
    "SI": _lt("Slovenian registration number (matična številka)"),
}


def registry_number_valid(country_code, number):
    """(valid, what the number is called) for a national registration number; countries without a check pass."""
    code = (country_code or "").upper()
    modules, patterns = REGISTRY_VALIDATORS.get(code, ((), ()))
    label = REGISTRY_NUMBER_NAMES.get(code, "")
    checks = [re.compile(pattern).fullmatch for pattern in patterns]
    for module_name in modules:
        try:
            checks.append(importlib.import_module(module_name).is_valid)
        except ImportError:  # python-stdnum is an Odoo dependency, but an old version may lack a module
            continue
    compact = re.sub(r"[\s.\-/]", "", number or "").upper()
    return (not checks or any(check(number) or check(compact) for check in checks)), label


SIZE_CLASSES = [
    ("micro", "Micro (fewer than 10 staff, turnover or balance sheet up to €2 m)"),
    ("small", "Small (fewer than 50 staff, turnover or balance sheet up to €10 m)"),
    ("medium", "Medium (fewer than 250 staff, turnover up to €50 m or balance sheet up to €43 m)"),
    ("large", "Large (above the medium thresholds)"),
]

_HOST_RE = re.compile(r"^(?=.{1,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+(?:[a-z]{2,63}|xn--[a-z0-9-]{1,59})$")


def email_error(env, email):
    """Why ``email`` is not one plain email address, or None when it is."""
    email = (email or "").strip()
    if not email or (single_email_re.match(email) and email_normalize(email)):
        return None
    return env._(
        "“%(email)s” is not a valid email address (expected something like name@organisation.eu).", email=email
    )


def url_error(env, url):
    """Why ``url`` is not a web address with an http(s) scheme and a host, or None when it is."""
    try:
        parts = urlsplit((url or "").strip())
        parts.port  # noqa: B018 - raises ValueError on a malformed port
        host = parts.hostname or ""
        host = host.encode("idna").decode("ascii") if host else ""
    except (ValueError, UnicodeError):
        parts, host = None, ""
    if parts and parts.scheme in ("http", "https") and _HOST_RE.match(host):
        return None
    return env._(
        "“%(url)s” is not a valid website address: it needs to start with http:// or https:// followed by a "
        "domain name, e.g. https://www.organisation.eu.",
        url=url,
    )



def _declaration_date(string):
    """The date a declaration was given: set when its box is ticked (unless given), cleared when unticked."""
    return fields.Date(
        string, compute="_compute_ncc_declaration_dates", store=True, readonly=False, copy=False, groups=OFFICER
    )


# What the completeness check reads (see _ncc_missing_items).
COMPLETENESS_DEPENDS = (
    "ncc_is_applicant",
    "is_company",
    "parent_id",
    "name",
    "ncc_name_national",
    "street",
    "city",
    "country_id",
    "email",
    "website",
    "ncc_is_headquarters",
    "ncc_headquarters_details",
    "ncc_has_subsidiaries",
    "ncc_subsidiaries_details",
    "ncc_has_majority_outside",
    "ncc_majority_outside_details",
    "ncc_cluster_type_id",
    "ncc_field_of_activity_ids",
    *TAXONOMY_FIELDS,
    "ncc_expertise_description",
    "ncc_representative_id",
    # the page's own fields, so that the banner follows what is typed there before the save
    "ncc_representative_first_name",
    "ncc_representative_family_name",
    "ncc_representative_email",
    *DECLARATIONS,
)


class ResPartner(models.Model):
    _inherit = "res.partner"

    # --- Organisation -------------------------------------------------------------------------------------------
    ncc_is_applicant = fields.Boolean(
        "Community applicant",
        index="btree_not_null",
        groups="base.group_user",  # not the portal's: nothing of the addon is readable there
        copy=False,
        tracking=True,
        help="This organisation has a registration for the EU Cybersecurity Competence Community: the form below "
        "applies and is checked before the registration can go to the ECCC Atlas.",
    )
    ncc_name_national = fields.Char(
        "Name in the national language",
        groups=OFFICER,
        help="Official name in the national language (max 400 characters).",
    )
    ncc_department = fields.Char(
        "Entity or department",
        groups=OFFICER,
        help="The entity or department that applies, if it is only part of the organisation (max 400 characters).",
    )
    ncc_size_class = fields.Selection(
        SIZE_CLASSES,
        string="Size class",
        groups=OFFICER,
        help="Enterprise size per Commission Recommendation 2003/361/EC, recorded for a balanced representation of "
        "SMEs in the Community.",
    )
    ncc_country_term_id = fields.Many2one(
        "ncc.atlas.term",
        string="Atlas country",
        compute="_compute_ncc_country_term_id",
        search="_search_ncc_country_term_id",
        groups="base.group_user",
        help="The Atlas country term matching the country of the address.",
    )

    # --- Ownership and control ----------------------------------------------------------------------------------
    ncc_is_headquarters = fields.Boolean(
        "Main seat", default=True, groups=OFFICER, help="Is this address the main seat (headquarters)?"
    )
    ncc_headquarters_details = fields.Text(
        "Main seat details",
        groups=OFFICER,
        help="Name and address of the main seat, when this is not the headquarters.",
    )
    ncc_has_subsidiaries = fields.Boolean("Subsidiaries in other EU, EEA or EFTA states", groups=OFFICER)
    ncc_subsidiaries_details = fields.Text("Subsidiaries details", groups=OFFICER)
    ncc_has_majority_outside = fields.Boolean(
        "Majority shares held outside the Member State",
        groups=OFFICER,
        help="Does the organisation hold majority shares of organisations outside its Member State?",
    )
    ncc_majority_outside_details = fields.Text("Majority shares details", groups=OFFICER)

    # --- Declarations (box + date given) ------------------------------------------------------------------------
    ncc_no_exclusion = fields.Boolean(
        "No exclusion situation",
        copy=False,
        groups=OFFICER,
        tracking=True,
        help="The organisation declares it is in none of the exclusion situations of Art. 136 of the Financial "
        "Regulation 2018/1046 (Art. 138 of the 2024 recast).",
    )
    ncc_no_exclusion_date = _declaration_date("No exclusion declared on")
    ncc_data_sharing_consent = fields.Boolean(
        "Data sharing consent",
        copy=False,
        groups=OFFICER,
        tracking=True,
        help="The data of this form may be shared with the ECCC and the other National Coordination Centres.",
    )
    ncc_data_sharing_consent_date = _declaration_date("Data sharing consent given on")
    ncc_privacy_notice_accepted = fields.Boolean(
        "Data-protection notice accepted",
        copy=False,
        groups=OFFICER,
        tracking=True,
        help="The confidentiality and data-protection notice of the NCC was read and accepted.",
    )
    ncc_privacy_notice_accepted_date = _declaration_date("Data-protection notice accepted on")
    ncc_member_tasks_accepted = fields.Boolean(
        "Member tasks accepted",
        copy=False,
        groups=OFFICER,
        tracking=True,
        help="The organisation accepts the tasks of Community members (Art. 9 of Regulation (EU) 2021/887): support "
        "the mission, take part in activities and working groups, promote and disseminate.",
    )
    ncc_member_tasks_accepted_date = _declaration_date("Member tasks accepted on")
    ncc_form_completed = fields.Boolean(
        "Form completed",
        copy=False,
        groups=OFFICER,
        tracking=True,
        help="“I have finished the form and accept that the NCC reviews it.”",
    )
    ncc_form_completed_date = _declaration_date("Form completed on")

    # --- Expertise and taxonomy ---------------------------------------------------------------------------------
    ncc_cluster_type_id = fields.Many2one(
        "ncc.atlas.term",
        string="Organisation type",
        domain="[('vocabulary', '=', 'cluster_type')]",
        ondelete="restrict",
        groups=OFFICER,
        help="Category of Art. 8(2) of Regulation (EU) 2021/887 the organisation belongs to.",
    )
    ncc_field_of_activity_ids = fields.Many2many(
        "ncc.atlas.term",
        "ncc_partner_field_of_activity_rel",
        "partner_id",
        "term_id",
        string="Fields of activity",
        domain="[('vocabulary', '=', 'fields_of_activity')]",
        groups=OFFICER,
        help="Art. 8(3) domains in which the organisation has cybersecurity expertise (at least one).",
    )
    ncc_thematic_area_ids = fields.Many2many(
        "ncc.atlas.term",
        "ncc_partner_thematic_area_rel",
        "partner_id",
        "term_id",
        string="Knowledge domains",
        domain="[('vocabulary', '=', 'cluster_thematic_area')]",
        groups=OFFICER,
        help="JRC Cybersecurity Taxonomy: knowledge domains and their sub-domains.",
    )
    ncc_thematic_area_summary = fields.Html(
        "Knowledge domains by domain",
        compute="_compute_ncc_thematic_area_summary",
        sanitize=False,
        groups=OFFICER,
    )
    ncc_sector_ids = fields.Many2many(
        "ncc.atlas.term",
        "ncc_partner_sector_rel",
        "partner_id",
        "term_id",
        string="Sectors",
        domain="[('vocabulary', '=', 'sectors')]",
        groups=OFFICER,
    )
    ncc_technology_ids = fields.Many2many(
        "ncc.atlas.term",
        "ncc_partner_technology_rel",
        "partner_id",
        "term_id",
        string="Technologies",
        domain="[('vocabulary', '=', 'technologies')]",
        groups=OFFICER,
    )
    ncc_use_case_ids = fields.Many2many(
        "ncc.atlas.term",
        "ncc_partner_use_case_rel",
        "partner_id",
        "term_id",
        string="Use cases",
        domain="[('vocabulary', '=', 'use_cases')]",
        groups=OFFICER,
    )
    ncc_expertise_description = fields.Text(
        "Description of the expertise",
        groups=OFFICER,
        help="Detailed description of the cybersecurity expertise: products, services, research, publications, "
        "CSIRT or SOC role, standards work (max 800 characters).",
    )
    ncc_goals_to_achieve = fields.Text(
        "What the organisation seeks from the Community", groups=OFFICER, help="Max 800 characters."
    )
    ncc_goals_to_contribute = fields.Text(
        "How the organisation can contribute", groups=OFFICER, help="Max 800 characters."
    )
    ncc_expertise_description_length = fields.Integer(
        compute="_compute_ncc_text_lengths", string="Characters used (description)", groups=OFFICER
    )
    ncc_goals_to_achieve_length = fields.Integer(
        compute="_compute_ncc_text_lengths", string="Characters used (seeks)", groups=OFFICER
    )
    ncc_goals_to_contribute_length = fields.Integer(
        compute="_compute_ncc_text_lengths", string="Characters used (contribution)", groups=OFFICER
    )

    # --- Completeness -------------------------------------------------------------------------------------------
    ncc_registration_complete = fields.Boolean(
        "Registration complete",
        compute="_compute_ncc_completeness",
        store=True,
        groups=OFFICER,
        help="Everything the Atlas requires, and every declaration, is there.",
    )
    # Not stored: the words are the reader's, in the reader's language, whoever made the last change.
    ncc_missing_items = fields.Text(
        "Missing before the Atlas",
        compute="_compute_ncc_missing_items",
        groups=OFFICER,
        help="What is still missing before the registration can go to the ECCC Atlas.",
    )

    # ------------------------------------------------------------------------------------------------------------
    # Computes
    # ------------------------------------------------------------------------------------------------------------
    def _ncc_country_terms_by_code(self):
        terms = self.env["ncc.atlas.term"].sudo().search([("vocabulary", "=", "country"), ("iso_code", "!=", False)])
        return {term.iso_code.upper(): term for term in terms}

    @api.depends("country_id.code")
    def _compute_ncc_country_term_id(self):
        by_code = self._ncc_country_terms_by_code()
        for partner in self:
            term = by_code.get((partner.country_id.code or "").upper())
            partner.ncc_country_term_id = term.id if term else False

    def _search_ncc_country_term_id(self, operator, value):
        if operator not in ("in", "not in"):
            return NotImplemented
        ids = [v for v in value if v]
        codes = (
            self.env["ncc.atlas.term"]
            .sudo()
            .browse(ids)
            .filtered(lambda t: t.vocabulary == "country")
            .mapped("iso_code")
        )
        domain = [("country_id.code", "in", [c.upper() for c in codes if c])]
        if False in value:
            all_codes = list(self._ncc_country_terms_by_code())
            domain = ["|", *domain, "|", ("country_id", "=", False), ("country_id.code", "not in", all_codes)]
        if operator == "not in":
            domain = ["!", *domain]
        return domain

    @api.depends(*DECLARATIONS)
    def _compute_ncc_declaration_dates(self):
        """The date a declaration was given: today when the box gets ticked (unless a date is written with it),
        cleared when it is unticked."""
        today = fields.Date.context_today(self)
        for partner in self:
            for flag, date_field in DECLARATIONS.items():
                if not partner[flag]:
                    partner[date_field] = False
                elif not partner[date_field]:
                    partner[date_field] = today

    @api.depends("ncc_thematic_area_ids")
    def _compute_ncc_thematic_area_summary(self):
        for partner in self:
            groups = {}
            for term in partner.ncc_thematic_area_ids.sorted(lambda t: (t.sequence, t.name)):
                domain = term.parent_id or term
                groups.setdefault(domain, [])
                if term.parent_id:
                    groups[domain].append(term.name)
            if not groups:
                partner.ncc_thematic_area_summary = False
                continue
            items = Markup("").join(
                Markup("<li><strong>%s</strong>%s</li>")
                % (domain.name, Markup(": %s") % ", ".join(subs) if subs else "")
                for domain, subs in sorted(groups.items(), key=lambda item: item[0].name)
            )
            partner.ncc_thematic_area_summary = Markup('<ul class="mb-0">%s</ul>') % items

    @api.depends("ncc_expertise_description", "ncc_goals_to_achieve", "ncc_goals_to_contribute")
    def _compute_ncc_text_lengths(self):
        for partner in self:
            partner.ncc_expertise_description_length = len(partner.ncc_expertise_description or "")
            partner.ncc_goals_to_achieve_length = len(partner.ncc_goals_to_achieve or "")
            partner.ncc_goals_to_contribute_length = len(partner.ncc_goals_to_contribute or "")

    @api.depends(*COMPLETENESS_DEPENDS)
    def _compute_ncc_completeness(self):
        for partner in self:
            partner.ncc_registration_complete = partner.ncc_is_applicant and not partner._ncc_missing_items()

    @api.depends(*COMPLETENESS_DEPENDS)
    @api.depends_context("lang")
    def _compute_ncc_missing_items(self):
        for partner in self:
            missing = partner._ncc_missing_items() if partner.ncc_is_applicant else []
            partner.ncc_missing_items = "\n".join("• " + item for item in missing) or False

    def _ncc_missing_items(self):
        """What the Atlas (spec §5, the fields marked *) and the NCC's declarations still need, as officer-readable
        sentences in the order of the form."""
        self.ensure_one()
        missing = []

        def blank(value):
            return not (value or "").strip()

        if not self.is_company or self.parent_id:
            missing.append(
                self.env._("The applicant must be an organisation (a company), not an individual or a contact")
            )
        if blank(self.name):
            missing.append(self.env._("Name in English"))
        if blank(self.ncc_name_national):
            missing.append(self.env._("Name in the national language"))
        if not self.country_id:
            missing.append(self.env._("Country"))
        elif not self.ncc_country_term_id:
            missing.append(self.env._("Country: %(country)s is not an Atlas country", country=self.country_id.name))
        if blank(self.city):
            missing.append(self.env._("City"))
        if blank(self.street):
            missing.append(self.env._("Street address"))
        if blank(self.website):
            missing.append(self.env._("Website"))
        if blank(self.email):
            missing.append(self.env._("General contact email"))
        if not self.ncc_is_headquarters and blank(self.ncc_headquarters_details):
            missing.append(self.env._("Name and address of the main seat (this address is not the headquarters)"))
        if self.ncc_has_subsidiaries and blank(self.ncc_subsidiaries_details):
            missing.append(self.env._("Details of the subsidiaries"))
        if self.ncc_has_majority_outside and blank(self.ncc_majority_outside_details):
            missing.append(self.env._("Details of the majority shares held outside the Member State"))
        if not self.ncc_cluster_type_id:
            missing.append(self.env._("Organisation type"))
        person = (self.ncc_representative_first_name, self.ncc_representative_family_name,
                  self.ncc_representative_email)
        if not self.ncc_representative_id and all(blank(value) for value in person):
            missing.append(
                self.env._("Contact person (a contact of the organisation marked as Community representative)")
            )
        else:
            if blank(self.ncc_representative_first_name):
                missing.append(self.env._("Contact person: first name"))
            if blank(self.ncc_representative_family_name):
                missing.append(self.env._("Contact person: family name"))
            if blank(self.ncc_representative_email):
                missing.append(self.env._("Contact person: email"))
        if not self.ncc_field_of_activity_ids:
            missing.append(self.env._("At least one field of activity (Art. 8(3))"))
        if blank(self.ncc_expertise_description):
            missing.append(self.env._("Description of the expertise"))
        if not any(self[fname] for fname in TAXONOMY_FIELDS):
            missing.append(
                self.env._("At least one taxonomy classification (knowledge domain, sector, technology or use case)")
            )
        for flag in DECLARATIONS:
            if not self[flag]:
                missing.append(self.env._("Declaration: %(declaration)s", declaration=self._ncc_field_label(flag)))
        return missing

    def _ncc_field_label(self, fname):
        return self._fields[fname]._description_string(self.env)

    def _ncc_length_errors(self, limits):
        """One message for each text of this partner longer than the Atlas accepts ({field: limit})."""
        self.ensure_one()
        return [
            self.env._(
                "%(field)s is %(length)s characters long; the Atlas accepts at most %(limit)s.",
                field=self._ncc_field_label(fname),
                length=len(self[fname]),
                limit=limit,
            )
            for fname, limit in limits.items()
            if self[fname] and len(self[fname]) > limit
        ]

    # ------------------------------------------------------------------------------------------------------------
    # Validation (applicants only, except the vocabulary of the links which always holds)
    # ------------------------------------------------------------------------------------------------------------
    @api.constrains("ncc_is_applicant", *TEXT_LIMITS)
    def _check_ncc_text_limits(self):
        for partner in self.filtered("ncc_is_applicant"):
            errors = partner._ncc_length_errors(TEXT_LIMITS)
            if errors:
                raise ValidationError(
                    self.env._("%(name)s: some answers are too long.", name=partner.display_name)
                    + "\n"
                    + "\n".join(errors)
                )

    @api.constrains("ncc_is_applicant", "email")
    def _check_ncc_email(self):
        for partner in self.filtered("ncc_is_applicant"):
            if error := email_error(self.env, partner.email):
                raise ValidationError(self.env._("General contact email: %(error)s", error=error))

    @api.constrains("ncc_is_applicant", "website")
    def _check_ncc_website(self):
        for partner in self.filtered(lambda p: p.ncc_is_applicant and p.website):
            if error := url_error(self.env, partner.website):
                raise ValidationError(error)

    @api.constrains(
        "ncc_is_applicant",
        "ncc_is_headquarters",
        "ncc_headquarters_details",
        "ncc_has_subsidiaries",
        "ncc_subsidiaries_details",
        "ncc_has_majority_outside",
        "ncc_majority_outside_details",
    )
    def _check_ncc_ownership_details(self):
        for partner in self.filtered("ncc_is_applicant"):
            if not partner.ncc_is_headquarters and not (partner.ncc_headquarters_details or "").strip():
                raise ValidationError(
                    self.env._(
                        "This address is not the main seat: give the name and address of the main seat (headquarters)."
                    )
                )
            if partner.ncc_has_subsidiaries and not (partner.ncc_subsidiaries_details or "").strip():
                raise ValidationError(
                    self.env._(
                        "The organisation has subsidiaries in other EU/EEA/EFTA states: list them (name and country)."
                    )
                )
            if partner.ncc_has_majority_outside and not (partner.ncc_majority_outside_details or "").strip():
                raise ValidationError(
                    self.env._(
                        "The organisation holds majority shares of organisations outside its Member State: say "
                        "which organisations and where."
                    )
                )

    @api.constrains("ncc_is_applicant", "country_id")
    def _check_ncc_country(self):
        applicants = self.filtered(lambda p: p.ncc_is_applicant and p.country_id)
        if not applicants:
            return
        eu_codes = set(self._ncc_country_terms_by_code())
        for partner in applicants:
            if (partner.country_id.code or "").upper() not in eu_codes:
                raise ValidationError(
                    self.env._(
                        "%(country)s is not an EU Member State: only organisations established in a Member State "
                        "can be registered in the Community (Art. 8(3) of Regulation (EU) 2021/887).",
                        country=partner.country_id.name,
                    )
                )

    @api.constrains("ncc_is_applicant", "company_registry", "country_id")
    def _check_ncc_registry_number(self):
        """Check the number with python-stdnum where it knows the national format; other countries pass."""
        for partner in self.filtered(lambda p: p.ncc_is_applicant and p.company_registry and p.country_id):
            valid, label = registry_number_valid(partner.country_id.code, partner.company_registry)
            if not valid:
                raise ValidationError(
                    self.env._(
                        "“%(number)s” is not a valid %(label)s: check the registration number against the register "
                        "extract.",
                        number=partner.company_registry,
                        label=label,
                    )
                )

    @api.constrains("ncc_is_applicant", "company_registry", "country_id", "active")
    def _check_ncc_unique_registration(self):
        """At most one registration per (registration number, country) among active applicants: the Atlas uses the
        same pair to find duplicates. Numbers are compared ignoring case, spaces and punctuation."""
        candidates = self.filtered(
            lambda p: p.ncc_is_applicant and p.active and p.country_id and registration_number_key(p.company_registry)
        )
        if not candidates:
            return
        self.flush_model(["ncc_is_applicant", "company_registry", "country_id", "active"])
        for partner in candidates:
            self.env.cr.execute(
                SQL(
                    """SELECT id FROM res_partner
                        WHERE ncc_is_applicant AND active AND id != %s AND country_id = %s
                          AND regexp_replace(upper(company_registry), '[^A-Z0-9]', '', 'g') = %s
                        ORDER BY id LIMIT 1""",
                    partner.id,
                    partner.country_id.id,
                    registration_number_key(partner.company_registry),
                )
            )
            row = self.env.cr.fetchone()
            if row:
                other = self.browse(row[0]).sudo()
                raise ValidationError(
                    self.env._(
                        "%(other)s is already registered with the registration number %(number)s in %(country)s. An "
                        "organisation can have only one Community registration per country: open the existing one "
                        "instead.",
                        other=other.display_name,
                        number=partner.company_registry,
                        country=partner.country_id.name,
                    )
                )

    @api.constrains(*TERM_VOCABULARIES)
    def _check_ncc_term_vocabularies(self):
        Term = self.env["ncc.atlas.term"]
        vocabulary_labels = dict(Term._fields["vocabulary"]._description_selection(self.env))
        for partner in self:
            for fname, vocabulary in TERM_VOCABULARIES.items():
                wrong = partner.sudo()[fname].filtered(lambda t, v=vocabulary: t.vocabulary != v)
                if wrong:
                    raise ValidationError(
                        self.env._(
                            "%(field)s only takes terms of the “%(vocabulary)s” vocabulary; “%(term)s” is not one.",
                            field=partner._ncc_field_label(fname),
                            vocabulary=vocabulary_labels.get(vocabulary, vocabulary),
                            term=wrong[0].display_name,
                        )
                    )
