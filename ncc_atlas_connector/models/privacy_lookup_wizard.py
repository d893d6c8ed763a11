"""Odoo's privacy lookup, taught the addon's models: it finds a person's data by email fields and by links to the
person's contact, but an applicant's records link to the company (with ``ondelete=cascade``, which the lookup
skips) and name the contact person only in their texts (sync log excerpts, imported Atlas values)."""

from odoo import models
from odoo.tools import SQL


class PrivacyLookupWizard(models.TransientModel):
    _inherit = "privacy.lookup.wizard"

    def _get_query_models_blacklist(self):
        # Looked up below, once each, with the links the generic lookup misses.
        return super()._get_query_models_blacklist() + [
            model._name for model in self.env["res.partner"]._ncc_privacy_models()
        ]

    def _get_query(self):
        query = super()._get_query()
        name = f"%{self.name.strip()}%"
        email = f"%{self.email.strip()}%"
        # The companies the person found represents (the CTE of the parent query holds the person's contacts).
        represented = SQL("SELECT id FROM indirect_references UNION SELECT parent_id FROM res_partner "
                          "WHERE id IN (SELECT id FROM indirect_references) AND ncc_is_representative "
                          "AND parent_id IS NOT NULL")
        for model in self.env["res.partner"]._ncc_privacy_models():
            conditions = [
                SQL("%s IN (%s)", SQL.identifier(field.name), represented)
                for field in model._fields.values()
                if field.store and field.type == "many2one" and field.comodel_name == "res.partner"
            ]
            conditions += [
                SQL("(CAST(%s AS text) ILIKE %s OR CAST(%s AS text) ILIKE %s)",
                    SQL.identifier(field.name), name, SQL.identifier(field.name), email)
                for field in model._fields.values()
                if field.store and not field.translate and field.type in ("char", "text", "json")
                and field.column_type
            ]
            conditions += model._ncc_privacy_lookup_conditions(self.name.strip(), self.email.strip())
            if not conditions:
                continue
            query = SQL(
                "%s UNION ALL SELECT %s AS res_model_id, id AS res_id, %s AS is_active FROM %s WHERE %s",
                query,
                self.env["ir.model"]._get_id(model._name),
                SQL.identifier("active") if "active" in model._fields else True,
                SQL.identifier(model._table),
                SQL(" OR ").join(conditions),
            )
        return query
