from odoo import api, fields, models
from odoo.exceptions import AccessError


class NccAssessmentRound(models.Model):
    """One application of a company, from its first stage to its decision. A rejected or withdrawn company that
    applies again starts a new round, with a fresh checklist; the earlier rounds keep their checklist, stage
    history and decisions as they were. Started by the pipeline only."""

    _name = "ncc.assessment.round"
    _description = "Assessment round"
    _order = "partner_id, number desc"

    partner_id = fields.Many2one("res.partner", "Application", required=True, ondelete="cascade", index=True)
    number = fields.Integer("Round", required=True, default=1)
    is_current = fields.Boolean("Current", default=True, index=True)
    date_start = fields.Datetime("Started on", required=True, default=fields.Datetime.now)
    date_end = fields.Datetime("Closed on", help="When a new round replaced this one.")
    started_by_id = fields.Many2one("res.users", "Started by", default=lambda self: self.env.user)
    submitted_date = fields.Datetime("Submitted on")
    check_ids = fields.One2many("ncc.assessment.check", "round_id", "Checklist")
    stage_history_ids = fields.One2many("ncc.stage.history", "round_id", "Stage history")
    decision_ids = fields.One2many("ncc.decision", "round_id", "Decisions")
    decision_id = fields.Many2one(
        "ncc.decision", "Decision", compute="_compute_decision_id", store=True,
        help="The last decision of the round, unless a manager set it aside (reopened) since.",
    )
    decision = fields.Selection(related="decision_id.kind", string="Outcome")

    _number_unique = models.Constraint("UNIQUE(partner_id, number)", "Each round of an application has its number.")

    @api.depends("number")
    def _compute_display_name(self):
        for round_ in self:
            round_.display_name = self.env._("Round %(number)s", number=round_.number)

    @api.depends("decision_ids.kind", "decision_ids.date")
    def _compute_decision_id(self):
        for round_ in self:
            last = round_.decision_ids.sorted(lambda d: (d.date, d.id))[-1:]
            round_.decision_id = last if last.kind != "reopened" else False

    @api.model_create_multi
    def create(self, vals_list):
        if not self.env.su:
            raise AccessError(self.env._("Assessment rounds are started by the pipeline: “Start a new application "
                                         "round” on a rejected or withdrawn application."))
        return super().create(vals_list)
