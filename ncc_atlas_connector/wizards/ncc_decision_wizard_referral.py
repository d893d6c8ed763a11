from odoo import api, fields, models


class NccDecisionWizard(models.TransientModel):
    """A refusal after the competent authority's objection: on security grounds, with its own reasoned text."""

    _inherit = "ncc.decision.wizard"

    security_objection = fields.Boolean(
        "Objection of the competent authority",
        compute="_compute_security_objection",
        help="The competent authority objected to one of these applications on security grounds.",
    )
    security_grounds = fields.Boolean(
        "On security grounds", compute="_compute_security_grounds", store=True, readonly=False)
    security_reasoning = fields.Text(
        "Security grounds and proportionality",
        help="Which security grounds the refusal rests on, how the authority's objection was weighed, and why "
        "refusing is proportionate. Sent to the applicant with the reasons.",
    )

    @api.depends("partner_ids", "mode")
    def _compute_security_objection(self):
        for wizard in self:
            wizard.security_objection = wizard.mode in ("reject", "revoke") and any(
                partner._ncc_security_referral_latest().outcome == "objection" for partner in wizard.partner_ids
            )

    @api.depends("security_objection")
    def _compute_security_grounds(self):
        for wizard in self:
            wizard.security_grounds = wizard.security_grounds or wizard.security_objection

    def action_confirm(self):
        wizard = self
        if self.security_objection:
            wizard = self.with_context(ncc_security_reasoning=self.security_reasoning or "")
        return super(NccDecisionWizard, wizard).action_confirm()
