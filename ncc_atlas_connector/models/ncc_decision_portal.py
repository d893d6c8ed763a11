from odoo import fields, models


class NccDecision(models.Model):
    """A decision can be the applicant's own: a withdrawal made on the portal's status page."""

    _inherit = "ncc.decision"

    origin = fields.Selection(selection_add=[("applicant", "The applicant, on the portal")],
                              ondelete={"applicant": "set default"})
