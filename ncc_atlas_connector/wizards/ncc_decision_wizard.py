from odoo import api, fields, models
from odoo.tools.misc import clean_context

MODES = [
    ("approve", "Approve the application"),
    ("request_information", "Request information"),
    ("reject", "Reject the application"),
    ("revoke", "Revoke the registration"),
    ("withdraw", "Record a withdrawal"),
]


class NccDecisionWizard(models.TransientModel):
    """Asks for the text a decision sends to the applicant: the reasons of a rejection or a revocation, or what
    information is missing."""

    _name = "ncc.decision.wizard"
    _description = "Decision on an application"

    partner_ids = fields.Many2many("res.partner", string="Applications", required=True)
    mode = fields.Selection(MODES, required=True)
    # required by the view for the modes that send it; the actions refuse an empty one
    text = fields.Text(compute="_compute_text", store=True, readonly=False)
    security_grounds = fields.Boolean(
        "On security grounds",
        help="The decision rests on security grounds: it must be proportionate and reasoned (Art. 8(4)).",
    )

    @api.depends("mode", "partner_ids")
    def _compute_text(self):
        for wizard in self:
            if wizard.mode == "request_information" and len(wizard.partner_ids) == 1 and not wizard.text:
                wizard.text = wizard.partner_ids.ncc_missing_items or False

    def action_confirm(self):
        self.ensure_one()
        text = self.text
        if self.security_grounds and self.mode in ("reject", "revoke"):
            text = self.env._("Decision on security grounds.") + "\n" + text
        # the wizard's default_* keys must not reach what the decision creates (messages, activities)
        partners = self.partner_ids.with_context(clean_context(self.env.context))
        if self.mode == "approve":
            partners.action_ncc_approve()
        elif self.mode == "request_information":
            partners.action_ncc_request_information(message=text)
        elif self.mode == "reject":
            partners.action_ncc_reject(reason=text)
        elif self.mode == "withdraw":
            partners.action_ncc_withdraw(reason=text)
        else:
            partners.action_ncc_revoke(reason=text)
        return {"type": "ir.actions.act_window_close"}
