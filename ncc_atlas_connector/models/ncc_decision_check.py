from odoo import fields, models

from .ncc_assessment_check import CHECK_RESULTS


class NccDecisionCheck(models.Model):
    """One line of the checklist as it stood when a decision was taken: a copy, which later work on the checklist
    never changes."""

    _name = "ncc.decision.check"
    _description = "Checklist line at a decision"
    _order = "decision_id, sequence, id"

    decision_id = fields.Many2one("ncc.decision", "Decision", required=True, ondelete="cascade", index=True)
    sequence = fields.Integer()
    code = fields.Char()
    name = fields.Char("Check", required=True)
    required = fields.Boolean()
    result = fields.Selection(CHECK_RESULTS, required=True)
    note = fields.Text()
    checked_by_id = fields.Many2one("res.users", "Checked by")
    checked_date = fields.Datetime("Checked on")
