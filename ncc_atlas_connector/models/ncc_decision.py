from odoo import api, fields, models
from odoo.exceptions import AccessError, ValidationError

DECISION_KINDS = [
    ("approved", "Approved"),
    ("rejected", "Rejected"),
    ("revoked", "Revoked"),
    ("withdrawn", "Withdrawn"),
    ("reopened", "Reopened"),
]
# The kinds that close an application, each sent to the applicant with its reasons.
REASONED_KINDS = ("rejected", "revoked", "withdrawn")
ORIGINS = [
    ("ncc", "The NCC"),
    ("atlas", "The ECCC, on the Atlas"),
    ("migration", "Recorded before decision records"),
]


class NccDecision(models.Model):
    """One decision on an application, kept as it was taken: who, when, the reasons, the checklist as it stood and
    the emails sent. Nothing overwrites it; the application's current decision is the last one of its current
    round. Recorded by the decision flow only (a manager's Approve, Reject, Revoke, Withdraw, or a manager moving
    a decided application back, which sets the decision aside: "reopened")."""

    _name = "ncc.decision"
    _description = "Decision on an application"
    _order = "date desc, id desc"
    _rec_name = "kind"

    partner_id = fields.Many2one("res.partner", "Application", required=True, ondelete="cascade", index=True)
    round_id = fields.Many2one("ncc.assessment.round", "Round", required=True, ondelete="cascade", index=True)
    round_number = fields.Integer(related="round_id.number", string="Round no.")
    kind = fields.Selection(DECISION_KINDS, "Decision", required=True)
    date = fields.Datetime("Decided on", required=True, default=fields.Datetime.now)
    user_id = fields.Many2one("res.users", "Decided by", ondelete="set null")
    origin = fields.Selection(ORIGINS, required=True, default="ncc")
    reason = fields.Text("Reasons", help="Sent to the applicant with a rejection, a revocation or a withdrawal.")
    stage_id = fields.Many2one("ncc.assessment.stage", "Moved to", ondelete="set null")
    check_ids = fields.One2many("ncc.decision.check", "decision_id", "Checklist at the decision")
    template_id = fields.Many2one("mail.template", "Email template", ondelete="set null")
    message_ids = fields.Many2many("mail.message", string="Emails sent", readonly=True)

    @api.constrains("kind", "reason")
    def _check_reason(self):
        for decision in self:
            if decision.kind in REASONED_KINDS and not (decision.reason or "").strip():
                raise ValidationError(self.env._(
                    "A rejection, a revocation or a withdrawal needs its reasons (%(name)s).",
                    name=decision.partner_id.display_name,
                ))

    @api.model_create_multi
    def create(self, vals_list):
        if not self.env.su:
            raise AccessError(self.env._("Decisions are recorded by a manager's Approve, Reject, Revoke or "
                                         "Withdraw, never created directly."))
        return super().create(vals_list)

    @api.model
    def _ncc_record(self, partners, kind, reason=False, origin="ncc", stage=None, template=None, user=None):
        """Record a decision on each of these applications, in its current round, with its checklist as it
        stands."""
        values = []
        for partner in partners.sudo():
            values.append({
                "partner_id": partner.id,
                "round_id": partner._ncc_current_round().id,
                "kind": kind,
                "user_id": (self.env.user if user is None else user).id,
                "origin": origin,
                "reason": reason or False,
                "stage_id": (stage or partner.ncc_stage_id).id,
                "template_id": template and template.id,
                # a member's re-validation checklist too: what a revocation from re-validation rests on
                "check_ids": [fields.Command.create(line._ncc_snapshot())
                              for line in partner.ncc_check_ids | partner.ncc_revalidation_check_ids],
            })
        return self.sudo().create(values)
