from odoo import api, fields, models

from .ncc_assessment_stage import STAGE_KINDS


class NccStageHistory(models.Model):
    """One stay of an application in a stage: when it came in, when it left, who moved it. The exact source of the
    "days spent in each stage" figures; written by the pipeline only."""

    _name = "ncc.stage.history"
    _description = "Application stage history"
    _order = "date_in desc, id desc"
    _rec_name = "stage_id"

    partner_id = fields.Many2one("res.partner", "Application", required=True, ondelete="cascade", index=True)
    round_id = fields.Many2one("ncc.assessment.round", "Round", required=True, ondelete="cascade", index=True)
    round_number = fields.Integer(related="round_id.number", string="Round no.")
    stage_id = fields.Many2one("ncc.assessment.stage", "Stage", required=True, ondelete="restrict", index=True)
    kind = fields.Selection(STAGE_KINDS, required=True)
    previous_stage_id = fields.Many2one("ncc.assessment.stage", "From stage", ondelete="set null")
    date_in = fields.Datetime("Entered", required=True, default=fields.Datetime.now)
    date_out = fields.Datetime("Left")
    user_id = fields.Many2one("res.users", "Moved by", default=lambda self: self.env.user)
    is_system_move = fields.Boolean("Moved by the system", help="Moved by the Atlas synchronisation, not a person.")
    is_open = fields.Boolean("Current", compute="_compute_duration", store=True)
    duration_days = fields.Float(
        "Days in stage",
        compute="_compute_duration",
        store=True,
        aggregator="avg",
        digits=(16, 1),
        help="Length of a completed stay, in days (fractions included).",
    )
    country_id = fields.Many2one(related="partner_id.country_id", string="Country")

    @api.depends("date_in", "date_out")
    def _compute_duration(self):
        for stay in self:
            stay.is_open = not stay.date_out
            stay.duration_days = (stay.date_out - stay.date_in).total_seconds() / 86400 if stay.date_out else 0.0

    def _days_so_far(self, now=None):
        """Length of the stay up to now (or its end), in days: the figure for a stay still open."""
        self.ensure_one()
        end = self.date_out or now or fields.Datetime.now()
        return (end - self.date_in).total_seconds() / 86400
