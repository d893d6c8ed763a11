from odoo import fields, models

from .res_partner_registration import DECLARATIONS

DECLARATION_LABELS = {
    "ncc_no_exclusion": "No exclusion situation",
    "ncc_data_sharing_consent": "Data sharing consent",
    "ncc_privacy_notice_accepted": "Data-protection notice accepted",
    "ncc_member_tasks_accepted": "Member tasks accepted",
    "ncc_form_completed": "Form completed",
}
assert DECLARATION_LABELS.keys() == DECLARATIONS.keys()
SOURCES = [
    ("odoo", "Recorded here"),
    ("atlas", "Imported from the Atlas: no local evidence"),
]


class NccConsentEvidence(models.Model):
    """When a declaration of the form was given (or taken back), by whom it was recorded, and which version of the
    data-protection notice was shown. Written by the registration itself, never edited."""

    _name = "ncc.consent.evidence"
    _description = "Consent evidence"
    _order = "date desc, id desc"

    partner_id = fields.Many2one("res.partner", "Registration", required=True, index=True, ondelete="cascade")
    declaration = fields.Selection(
        list(DECLARATION_LABELS.items()), required=True, help="The declaration of the form."
    )
    given = fields.Boolean(help="Ticked (given) or unticked (taken back).")
    date = fields.Datetime(required=True, default=fields.Datetime.now)
    notice_id = fields.Many2one(
        "ncc.privacy.notice", "Notice version shown", ondelete="restrict",
        help="Empty when the declaration came from the Atlas: no notice was shown here.",
    )
    source = fields.Selection(SOURCES, required=True, default="odoo")
    user_id = fields.Many2one("res.users", "Recorded by", default=lambda self: self.env.uid)
