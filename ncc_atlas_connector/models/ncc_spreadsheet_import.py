"""Spreadsheet import of registrations with Odoo's own import (CSV, XLSX), column by column by label.

- The list of registrations offers a template with one example row (``static/xls``).
- The contact person's columns ("Contact first name", "Contact email", ...) create the contact person when the
  company has none yet (a related field alone would drop them).
- Vocabulary columns ("Organisation type", "Fields of activity", "Knowledge domains", "Sectors", "Technologies",
  "Use cases") take term names: each is looked up in the column's own vocabulary only (the same name may exist in
  two vocabularies), also as "Domain / Sub-domain" (how Odoo exports them) or as the Atlas UUID, and a name that
  holds a comma is read whole (Odoo splits the cell on commas).
"""

from odoo import api, models
from odoo.fields import Domain
from odoo.tools.misc import clean_context

from ..atlas.contract import UUID_RE
from .atlas_mapping import TERM_VOCABULARIES

TEMPLATE = "/ncc_atlas_connector/static/xls/ncc_registrations_import_template.xlsx"

# Contact person columns of the company -> the field of the contact person.
REPRESENTATIVE_COLUMNS = {
    "ncc_representative_first_name": "ncc_first_name",
    "ncc_representative_family_name": "ncc_family_name",
    "ncc_representative_function": "function",
    "ncc_representative_email": "email",
    "ncc_representative_phone": "phone",
}


def _term_vocabulary(field):
    """The vocabulary a registration field links to, or None for any other field."""
    if field.model_name == "res.partner" and field.comodel_name == "ncc.atlas.term":
        return TERM_VOCABULARIES.get(field.name)
    return None


class ResPartner(models.Model):
    _inherit = "res.partner"

    @api.model
    def get_import_templates(self):
        if self.env.context.get("default_ncc_is_applicant"):
            return [{"label": self.env._("Import template for Community registrations"), "template": TEMPLATE}]
        return super().get_import_templates()

    @api.model_create_multi
    def create(self, vals_list):
        # New dicts: the import retries a failed batch record by record with the same values.
        representatives = [
            {REPRESENTATIVE_COLUMNS[key]: value for key, value in vals.items() if key in REPRESENTATIVE_COLUMNS}
            for vals in vals_list
        ]
        vals_list = [
            {key: value for key, value in vals.items() if key not in REPRESENTATIVE_COLUMNS} for vals in vals_list
        ]
        partners = super().create(vals_list)
        for partner, rep_vals in zip(partners, representatives, strict=True):
            if rep_vals:  # a colleague creating a contact has no access to the officers' fields read there
                partner._ncc_set_representative_values(rep_vals)
        return partners

    def write(self, vals):
        rep_vals = {REPRESENTATIVE_COLUMNS[key]: vals[key] for key in vals if key in REPRESENTATIVE_COLUMNS}
        if not any(rep_vals.values()) or all(partner.ncc_representative_id for partner in self):
            return super().write(vals)
        vals = {key: value for key, value in vals.items() if key not in REPRESENTATIVE_COLUMNS}
        result = super().write(vals) if vals else True
        for partner in self:
            partner._ncc_set_representative_values(rep_vals)
        return result

    def _ncc_set_representative_values(self, rep_vals):
        """Write the contact person's values, creating the contact person when there is none."""
        self.ensure_one()
        if self.ncc_representative_id:
            if rep_vals:
                self.ncc_representative_id.write(rep_vals)
            return
        rep_vals = {key: value for key, value in rep_vals.items() if value}
        if rep_vals:  # without the defaults meant for the company (default_is_company...)
            self.with_context(clean_context(self.env.context))._ncc_create_representative(rep_vals)


class NccAtlasTerm(models.Model):
    _inherit = "ncc.atlas.term"

    @api.model
    def _search_display_name(self, operator, value):
        domain = super()._search_display_name(operator, value)
        if operator in ("=", "in"):  # exact names (Odoo turns "=" into "in")
            for text in [value] if isinstance(value, str) else value:
                text = text.strip() if isinstance(text, str) else None
                if text and " / " in text:  # the display name of a sub-term, as Odoo exports it
                    parent, _sep, name = text.rpartition(" / ")
                    domain |= Domain("name", "=", name.strip()) & Domain("parent_id.name", "=", parent.strip())
                if text and UUID_RE.match(text):
                    domain |= Domain("atlas_uuid", "=", text)
        vocabulary = self.env.context.get("ncc_term_vocabulary")
        if vocabulary and operator not in Domain.NEGATIVE_OPERATORS:
            domain &= Domain("vocabulary", "=", vocabulary)
        return domain


class IrFieldsConverter(models.AbstractModel):
    _inherit = "ir.fields.converter"

    @api.model
    def db_id_for(self, model, field, subfield, value, savepoint):
        converter = self
        vocabulary = _term_vocabulary(field)
        if vocabulary and subfield is None:
            converter = self.with_context(ncc_term_vocabulary=vocabulary)
            value = value.strip() if isinstance(value, str) else value
        return super(IrFieldsConverter, converter).db_id_for(model, field, subfield, value, savepoint)

    @api.model
    def _str_to_many2many(self, model, field, value, savepoint):
        vocabulary = _term_vocabulary(field)
        [record] = value
        subfield, warnings = self._referencing_subfield(record)
        if not vocabulary or subfield is not None:
            return super()._str_to_many2many(model, field, value, savepoint)
        ids = []
        for name in self._ncc_split_terms(vocabulary, record[subfield]):
            term_id, term_warnings = self.db_id_for(model, field, subfield, name, savepoint)
            ids.append(term_id)
            warnings.extend(term_warnings)
        # What Odoo does with references it could not resolve, per the import options.
        if field.name in self.env.context.get("import_set_empty_fields", []) and any(i is None for i in ids):
            ids = [i for i in ids if i]
        elif field.name in self.env.context.get("import_skip_records", []) and any(i is None for i in ids):
            return None, warnings
        if self.env.context.get("update_many2many"):
            return [(4, i) for i in ids], warnings
        return [(6, 0, ids)], warnings

    @api.model
    def _ncc_split_terms(self, vocabulary, text):
        """The term names of a cell: split on commas, but a name holding commas is kept whole (longest match)."""
        Term = self.env["ncc.atlas.term"].with_context(active_test=False)
        known = {
            name.casefold()
            for term in Term.search([("vocabulary", "=", vocabulary)])
            for name in (term.name, term.display_name)
        }
        parts = (text or "").split(",")
        names, start = [], 0
        while start < len(parts):
            end = next(
                (end for end in range(len(parts), start, -1)
                 if ",".join(parts[start:end]).strip().casefold() in known),
                start + 1,
            )
            name = ",".join(parts[start:end]).strip()
            if name:
                names.append(name)
            start = end
        return names
