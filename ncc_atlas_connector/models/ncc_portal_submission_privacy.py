"""Portal submissions in data-subject requests: the privacy lookup finds a submission by its contact person's email
or name (a pending one names the person only in its typed answers), and an applicant's export and erasure include
the submissions that made its application."""

from odoo import api, models
from odoo.tools import SQL

# Bookkeeping of the confirmation link and the rate limit: hashes, nothing the applicant gave.
NOT_EXPORTED = {"token_hash", "address_hash", "confirmation_key"}


class NccPortalSubmission(models.Model):
    _name = "ncc.portal.submission"
    _inherit = ["ncc.portal.submission", "ncc.privacy.mixin"]
    _ncc_privacy_section = "portal_submissions"

    @api.model
    def _ncc_privacy_fields(self):
        return [field for field in super()._ncc_privacy_fields() if field.name not in NOT_EXPORTED]

    @api.model
    def _ncc_privacy_lookup_conditions(self, name, email):
        # The answers keep the contact person's first and family names apart: the lookup gives the full name.
        answers = SQL.identifier("values")
        return super()._ncc_privacy_lookup_conditions(name, email) + [SQL(
            "concat_ws(' ', %s->>'contact_ncc_first_name', %s->>'contact_ncc_family_name') ILIKE %s",
            answers, answers, f"%{name}%",
        )]
