from odoo import api, fields, models

# What a stage means, so that code never depends on a particular stage record: managers may rename, reorder and add
# stages, the pipeline logic only asks for "the first stage of this kind".
STAGE_KINDS = [
    ("draft", "Draft (not submitted yet)"),
    ("intake", "Intake"),
    ("assessment", "Assessment"),
    ("approved", "Approved by the NCC"),
    ("eccc_review", "Under ECCC review"),
    ("member", "Member (published)"),
    ("revision", "Revision requested by the ECCC"),
    ("rejected", "Rejected or revoked"),
]
# Kinds an officer works in; moving into or out of any other kind is a decision (or the Atlas's doing).
WORK_KINDS = ("intake", "assessment", "revision")
# Kinds an officer may move an application into.
OFFICER_TARGET_KINDS = ("intake", "assessment")
# Where an application waits until it is submitted: only `action_ncc_submit` moves it on, into the first intake stage.
DRAFT_KIND = "draft"


class NccAssessmentStage(models.Model):
    """A column of the assessment pipeline, in the style of crm.stage, with a kind that carries its meaning."""

    _name = "ncc.assessment.stage"
    _description = "Assessment stage"
    _order = "sequence, id"

    name = fields.Char(required=True, translate=True)
    short_name = fields.Char(
        translate=True,
        help="The stage's label in the statusbar of the application form, where the full names of every stage do not "
        "fit beside the buttons; the name when empty.",
    )
    sequence = fields.Integer(default=10, help="Order of the stages in the pipeline: lower comes first.")
    kind = fields.Selection(
        STAGE_KINDS,
        required=True,
        default="assessment",
        help="What the stage means to the pipeline: the gates, the decisions and the Atlas synchronisation rely on "
        "the kind, never on a particular stage.",
    )
    fold = fields.Boolean(
        "Folded in pipeline",
        help="Show the column folded in the kanban view, as a narrow band with its count: a click unfolds it. The "
        "stages outside the officers' work (the ECCC's side, closed) are folded.",
    )
    description = fields.Text(translate=True, help="What is done in this stage; shown as the column tooltip.")
    target_days = fields.Integer(
        "Target (days)",
        help="Service-level target: an application should leave this stage within so many days. Zero for none. "
        "Entering a stage with a target schedules an activity for the assessor, due on the deadline.",
    )
    active = fields.Boolean(default=True)
    application_count = fields.Integer(compute="_compute_application_count", string="Applications")

    _target_days_positive = models.Constraint("CHECK(target_days >= 0)", "A target cannot be negative.")

    def _compute_application_count(self):
        counts = dict(
            self.env["res.partner"]._read_group([("ncc_stage_id", "in", self.ids)], ["ncc_stage_id"], ["__count"])
        )
        for stage in self:
            stage.application_count = counts.get(stage, 0)

    @api.model
    def _first_of_kind(self, kind):
        """The first stage (by sequence) of a kind, or an empty recordset."""
        return self.search([("kind", "=", kind)], order="sequence, id", limit=1)
