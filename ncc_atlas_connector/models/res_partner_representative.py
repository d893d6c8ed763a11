"""The contact person of a Community registration: a child contact of the company marked as its representative.

The Atlas wants the first and the family name apart (``field_first_name``, ``field_family_name``), Odoo keeps one
``name``. The two ``ncc_`` name fields are therefore stored on the contact:
- when a contact becomes representative, or its ``name`` changes, they are derived from ``name``: the first word is
  the first name, the rest the family name ("Ana García López" -> "Ana" / "García López", "Jan van der Berg" ->
  "Jan" / "van der Berg"); a split the officer corrected is kept as long as it still spells the name;
- when the officer writes them, ``name`` becomes "first family".
Position, email and direct phone are the contact's own ``function``, ``email`` and ``phone``.
"""

from odoo import api, fields, models
from odoo.exceptions import ValidationError

from .atlas_mapping import REPRESENTATIVE_TEXT_LIMITS
from .res_partner_registration import OFFICER, email_error

# The person's fields the company's registration page shows, and the page's fields that show them.
PERSON_VALUES = frozenset({"name", "ncc_first_name", "ncc_family_name", "function", "email", "phone"})
REPRESENTATIVE_PAGE_FIELDS = [
    "ncc_representative_first_name", "ncc_representative_family_name", "ncc_representative_function",
    "ncc_representative_email", "ncc_representative_phone",
]


def _squash(text):
    return " ".join((text or "").split())


class ResPartner(models.Model):
    _inherit = "res.partner"

    # --- on the contact person ----------------------------------------------------------------------------------
    ncc_is_representative = fields.Boolean(
        "Community representative",
        copy=False,
        groups=OFFICER,
        help="This person is the contact person of the organisation's Community registration (one per organisation).",
    )
    ncc_first_name = fields.Char(
        "First name",
        compute="_compute_ncc_person_names",
        store=True,
        readonly=False,
        groups=OFFICER,
        help="First name as sent to the Atlas (max 400 characters).",
    )
    ncc_family_name = fields.Char(
        "Family name",
        compute="_compute_ncc_person_names",
        store=True,
        readonly=False,
        groups=OFFICER,
        help="Family name as sent to the Atlas (max 400 characters).",
    )

    # --- on the company -----------------------------------------------------------------------------------------
    ncc_representative_id = fields.Many2one(
        "res.partner",
        string="Contact person",
        compute="_compute_ncc_representative_id",
        inverse="_inverse_ncc_representative_id",
        store=True,
        readonly=False,
        copy=False,
        index="btree_not_null",
        groups=OFFICER,
        domain="[('parent_id', '=', id), ('is_company', '=', False)]",
        help="The contact of the organisation who represents it in the Community (its child contact marked as "
        "Community representative).",
    )
    # The contact person as the registration page shows and edits it. Computed rather than related: a contact
    # chosen on the page shows its name split before it is saved as representative, and the values typed on the
    # page of a company without a contact person are kept until the save creates it (ncc_spreadsheet_import.py).
    ncc_representative_first_name = fields.Char(
        "Contact first name", compute="_compute_ncc_representative_values",
        inverse="_inverse_ncc_representative_values", readonly=False, groups=OFFICER,
        help="Taken from the contact's name (its first word) until corrected here.",
    )
    ncc_representative_family_name = fields.Char(
        "Contact family name", compute="_compute_ncc_representative_values",
        inverse="_inverse_ncc_representative_values", readonly=False, groups=OFFICER,
        help="Taken from the contact's name (all but its first word) until corrected here.",
    )
    ncc_representative_function = fields.Char(
        "Contact position", compute="_compute_ncc_representative_values",
        inverse="_inverse_ncc_representative_values", readonly=False, groups=OFFICER,
    )
    ncc_representative_email = fields.Char(
        "Contact email", compute="_compute_ncc_representative_values",
        inverse="_inverse_ncc_representative_values", readonly=False, groups=OFFICER,
    )
    ncc_representative_phone = fields.Char(
        "Contact direct phone", compute="_compute_ncc_representative_values",
        inverse="_inverse_ncc_representative_values", readonly=False, groups=OFFICER,
    )

    # Not on the person's own fields (ncc_representative_id.phone, ...): every contact's edit of its phone or
    # position would then search which company names it as contact person. A representative's write tells its
    # company instead (`_ncc_person_values_changed`).
    @api.depends("ncc_representative_id")
    def _compute_ncc_representative_values(self):
        for company in self:
            person = company.ncc_representative_id
            first, family = person.ncc_first_name, person.ncc_family_name
            if person and not (first or family):  # not saved as representative yet: the split it will get
                first, _sep, family = _squash(person.name).partition(" ")
            company.ncc_representative_first_name = first or False
            company.ncc_representative_family_name = family or False
            company.ncc_representative_function = person.function
            company.ncc_representative_email = person.email
            company.ncc_representative_phone = person.phone

    def _inverse_ncc_representative_values(self):
        """Write what changed to the contact person (its name follows a corrected split). A company without one
        gets it created from these values by the write itself, before this runs."""
        for company in self:
            person = company.ncc_representative_id
            if not person:
                continue
            values = {
                "ncc_first_name": company.ncc_representative_first_name,
                "ncc_family_name": company.ncc_representative_family_name,
                "function": company.ncc_representative_function,
                "email": company.ncc_representative_email,
                "phone": company.ncc_representative_phone,
            }
            changed = {
                name: value or False for name, value in values.items() if (person[name] or False) != (value or False)
            }
            if changed:
                person.write(changed)

    @api.depends("name", "is_company", "ncc_is_representative")
    def _compute_ncc_person_names(self):
        for partner in self:
            first, family = partner.ncc_first_name, partner.ncc_family_name
            if partner.ncc_is_representative and not partner.is_company:
                name = _squash(partner.name)
                if _squash(f"{first or ''} {family or ''}") != name:
                    first, _sep, family = name.partition(" ")
            partner.ncc_first_name = first or False
            partner.ncc_family_name = family or False

    @api.onchange("ncc_first_name", "ncc_family_name")
    def _onchange_ncc_person_names(self):
        for partner in self:
            full = _squash(f"{partner.ncc_first_name or ''} {partner.ncc_family_name or ''}")
            if full and not partner.is_company:
                partner.name = full

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            if (
                not vals.get("name")
                and not vals.get("is_company")
                and (vals.get("ncc_first_name") or vals.get("ncc_family_name"))
            ):
                vals["name"] = _squash(f"{vals.get('ncc_first_name') or ''} {vals.get('ncc_family_name') or ''}")
        return super().create(vals_list)

    def write(self, vals):
        if "name" in vals or not ({"ncc_first_name", "ncc_family_name"} & set(vals)):
            result = super().write(vals)
        else:
            # The officer corrected the split: the contact's name follows it.
            for partner in self:
                partner_vals = dict(vals)
                if not partner.is_company:
                    first = vals.get("ncc_first_name", partner.ncc_first_name)
                    family = vals.get("ncc_family_name", partner.ncc_family_name)
                    if full := _squash(f"{first or ''} {family or ''}"):
                        partner_vals["name"] = full
                super(ResPartner, partner).write(partner_vals)
            result = True
        if PERSON_VALUES.intersection(vals):
            self._ncc_person_values_changed()
        return result

    def _ncc_person_values_changed(self):
        """The contact persons among these changed what their company's registration page shows: it shows it
        again, and what follows from it (completeness, missing items) is computed again. Read under sudo: a
        colleague without the officers' fields edits a contact too."""
        companies = self.sudo().filtered("ncc_is_representative").parent_id  # each has one: its contact person
        if companies:
            companies.invalidate_recordset(REPRESENTATIVE_PAGE_FIELDS)
            companies.modified(REPRESENTATIVE_PAGE_FIELDS)

    @api.depends("child_ids.ncc_is_representative")
    def _compute_ncc_representative_id(self):
        for partner in self:
            partner.ncc_representative_id = partner.child_ids.filtered("ncc_is_representative")[:1]

    def _inverse_ncc_representative_id(self):
        for company in self:
            representative = company.ncc_representative_id
            if representative and representative.parent_id and representative.parent_id != company:
                raise ValidationError(
                    self.env._(
                        "%(person)s is a contact of %(other)s, not of %(company)s: the contact person must be a "
                        "contact of the organisation itself.",
                        person=representative.name,
                        other=representative.parent_id.display_name,
                        company=company.display_name,
                    )
                )
            (company.child_ids.filtered("ncc_is_representative") - representative).ncc_is_representative = False
            if representative:
                vals = {"ncc_is_representative": True}
                if not representative.parent_id:
                    # A person created from the registration page before the company was saved.
                    vals.update(parent_id=company.id, type="contact")
                representative.write(vals)

    @api.constrains("ncc_is_representative", "parent_id", "is_company", "active")
    def _check_ncc_representative(self):
        for partner in self.filtered("ncc_is_representative"):
            if partner.is_company or not partner.parent_id:
                raise ValidationError(
                    self.env._(
                        "%(name)s cannot be a Community representative: the representative is a person who is a "
                        "contact of the organisation.",
                        name=partner.display_name,
                    )
                )
            if not partner.active:
                continue
            others = partner.parent_id.child_ids.filtered("ncc_is_representative") - partner
            if others:
                raise ValidationError(
                    self.env._(
                        "%(company)s already has a Community representative: %(other)s. An organisation has one "
                        "contact person: choose it on the Community registration page, or untick the other one first.",
                        company=partner.parent_id.display_name,
                        other=others[0].name,
                    )
                )

    @api.constrains("ncc_is_representative", "email", *REPRESENTATIVE_TEXT_LIMITS)
    def _check_ncc_representative_values(self):
        for partner in self.filtered("ncc_is_representative"):
            errors = partner._ncc_length_errors(REPRESENTATIVE_TEXT_LIMITS)
            if error := email_error(self.env, partner.email):
                errors.append(error)
            if errors:
                raise ValidationError(
                    self.env._("Contact person %(name)s:", name=partner.display_name) + "\n" + "\n".join(errors)
                )
