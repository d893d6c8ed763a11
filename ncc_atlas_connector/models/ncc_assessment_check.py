from markupsafe import Markup

from odoo import api, fields, models
from odoo.exceptions import AccessError

CHECK_RESULTS = [
    ("pending", "Pending"),
    ("pass", "Pass"),
    ("fail", "Fail"),
    ("na", "Not applicable"),
]
PASSED_RESULTS = ("pass", "na")
STAMP_FIELDS = {"checked_by_id", "checked_date"}
# Where a transaction gathers the checklist lines whose result changed, until it posts one note per application.
CHECKLIST_LOG = "ncc.assessment.check.log"
LINE_STRUCTURE = {"partner_id", "round_id", "template_id", "required", "revalidation"}


class NccAssessmentCheckTemplate(models.Model):
    """One point of the officer's checklist (spec: the 18 checks grounded in Regulation 2021/887 Art. 8), edited by
    managers; every application gets one assessment line per active template."""

    _name = "ncc.assessment.check.template"
    _description = "Assessment check (template)"
    _order = "sequence, id"

    name = fields.Char("Check", required=True, translate=True)
    sequence = fields.Integer(default=10)
    code = fields.Char(help="Short reference of the check, e.g. its number in the NCC's procedure.")
    guidance = fields.Text(translate=True, help="What the officer looks at and what counts as evidence.")
    legal_basis = fields.Char(
        "Legal basis", help="The provision the check applies, e.g. Art. 8(3) Regulation 2021/887.")
    stage_id = fields.Many2one(
        "ncc.assessment.stage",
        "Stage",
        ondelete="set null",
        domain="[('kind', 'in', ('intake', 'assessment'))]",
        help="The stage in which the check is normally done.",
    )
    required = fields.Boolean(
        default=True,
        help="A required check must be passed (or not applicable) before the application can be approved.",
    )
    revalidation = fields.Boolean(
        "Re-validation check",
        help="Part of the periodic re-validation of members, not of the assessment of an application.",
    )
    active = fields.Boolean(default=True)


class NccAssessmentCheck(models.Model):
    """One point of the checklist on one application: result, note, evidence, who and when."""

    _name = "ncc.assessment.check"
    _description = "Assessment line"
    # grouped by the stage the check belongs to, in the pipeline's order; the checks of no stage last
    _order = "partner_id, stage_id, sequence, id"
    _rec_name = "name"

    partner_id = fields.Many2one("res.partner", "Application", required=True, ondelete="cascade", index=True)
    round_id = fields.Many2one("ncc.assessment.round", "Round", required=True, ondelete="cascade", index=True)
    template_id = fields.Many2one("ncc.assessment.check.template", "Check template", ondelete="set null", index=True)
    name = fields.Char("Check", required=True)
    sequence = fields.Integer(default=10)
    code = fields.Char()
    guidance = fields.Text(related="template_id.guidance")
    legal_basis = fields.Char(related="template_id.legal_basis")
    stage_id = fields.Many2one("ncc.assessment.stage", "Stage", ondelete="set null")
    stage_label = fields.Char("Stage (short name)", compute="_compute_stage_label",
                              help="The stage's short name, for the list.")
    # the check's name as the application form lists it: a column "name" in the company form gets the company
    # name's widget, which cuts it to one line
    check_label = fields.Char("Check (as listed)", related="name")
    required = fields.Boolean(default=True)
    revalidation = fields.Boolean("Re-validation check", readonly=True)
    result = fields.Selection(CHECK_RESULTS, default="pending", required=True)
    is_passed = fields.Boolean("Passed", compute="_compute_is_passed", store=True, help="Passed or not applicable.")
    note = fields.Text(help="The officer's finding, and the reasons when the check fails.")
    evidence = fields.Binary(attachment=True, help="A document supporting the finding (register extract, ...).")
    evidence_filename = fields.Char("Evidence file name")
    checked_by_id = fields.Many2one("res.users", "Checked by", readonly=True)
    checked_date = fields.Datetime("Checked on", readonly=True)

    _template_unique = models.Constraint(
        "UNIQUE(round_id, template_id)", "Each check appears once in an application's round."
    )

    @api.depends("stage_id.short_name", "stage_id.name")
    def _compute_stage_label(self):
        for line in self:
            line.stage_label = line.stage_id.short_name or line.stage_id.name

    @api.depends("result")
    def _compute_is_passed(self):
        for line in self:
            line.is_passed = line.result in PASSED_RESULTS

    @api.model
    def _check_stamp_untouched(self, names):
        """Who checked what, and when, is recorded by the check itself (setting its result), never written."""
        if not self.env.su and (STAMP_FIELDS | {"is_passed"}).intersection(names):
            raise AccessError(self.env._("“Checked by” and “Checked on” are recorded when a result is set, and "
                                         "whether the check is passed follows from that result."))

    @api.model_create_multi
    def create(self, vals_list):
        context_defaults = {key[8:] for key in self.env.context if key.startswith("default_")}
        self._check_stamp_untouched({name for vals in vals_list for name in vals} | context_defaults)
        if not self.env.su:
            Template = self.env["ncc.assessment.check.template"]
            for vals in vals_list:
                template = Template.browse(vals.get("template_id") or self.env.context.get("default_template_id"))
                if template and any(name in vals and bool(vals[name]) != template[name]
                                    for name in ("required", "revalidation")):
                    raise AccessError(self.env._("Whether a check is required, and whether it belongs to the "
                                                 "re-validation, is set on its template, by a manager."))
        Partner = self.env["res.partner"]
        for vals in vals_list:
            if vals.get("result", "pending") != "pending":
                vals.update(self._checked_values())
            if not vals.get("round_id"):  # a line belongs to the application's current round
                partner = Partner.browse(vals.get("partner_id") or self.env.context.get("default_partner_id"))
                vals["round_id"] = partner._ncc_current_round().id
        return super().create(vals_list)

    def write(self, vals):
        self._check_stamp_untouched(vals)
        if not self.env.su and self.round_id.filtered(lambda round_: not round_.is_current):
            raise AccessError(self.env._("The checklist of an earlier round is kept as it stood."))
        if not self.env.su and LINE_STRUCTURE.intersection(vals):
            # what the approval gate counts: a line stays on its application, for its check, required or not
            raise AccessError(self.env._("A checklist line keeps its application, its check and whether it is "
                                         "required; officers record its result, note and evidence."))
        if "result" not in vals:
            return super().write(vals)
        changed = self.filtered(lambda line: line.result != vals["result"])
        res = super().write(vals)
        if changed:
            stamp = {"checked_by_id": False, "checked_date": False}
            if vals["result"] != "pending":
                stamp = self._checked_values()
            super(NccAssessmentCheck, changed.sudo()).write(stamp)
            changed._log_result_on_application()
        return res

    def _log_result_on_application(self):
        """Keep the application's chatter complete: one note per application naming the checks whose result
        changed. Not the results: everyone who sees the company reads its chatter, while the findings (the
        security screening among them) are for officers, on the checklist lines with who set them and when.

        One note per application and transaction, written when it commits: a save of the form writes each changed
        line on its own, and one save is one note."""
        data = self.env.cr.precommit.data
        if CHECKLIST_LOG not in data:
            self.env.cr.precommit.add(self._post_checklist_log)
        changed = data.setdefault(CHECKLIST_LOG, {})
        for line in self:
            changed.setdefault(line.partner_id.id, {})[line.id] = None  # ordered, each line once

    def _post_checklist_log(self):
        changed = self.env.cr.precommit.data.pop(CHECKLIST_LOG, {})
        Line = self.env["ncc.assessment.check"].sudo()
        for partner_id, line_ids in changed.items():
            lines = Line.browse(list(line_ids)).exists().sorted()
            partner = self.env["res.partner"].browse(partner_id).exists()
            if not lines or not partner:
                continue
            items = Markup("").join(Markup("<li>%s</li>") % line.name for line in lines)
            partner._message_log(body=Markup("%s<ul>%s</ul>") % (self.env._("Checklist updated"), items))

    def _result_label(self):
        self.ensure_one()
        return dict(self._fields["result"]._description_selection(self.env))[self.result]

    def _ncc_snapshot(self):
        """The line as a decision keeps it."""
        self.ensure_one()
        return {
            "sequence": self.sequence, "code": self.code, "name": self.name, "required": self.required,
            "result": self.result, "note": self.note, "checked_by_id": self.checked_by_id.id,
            "checked_date": self.checked_date,
        }

    def _checked_values(self):
        return {"checked_by_id": self.env.user.id, "checked_date": fields.Datetime.now()}

    @api.model
    def _values_from_template(self, template, partner):
        return {
            "partner_id": partner.id,
            "template_id": template.id,
            "name": template.name,
            "sequence": template.sequence,
            "code": template.code,
            "stage_id": template.stage_id.id,
            "required": template.required,
            "revalidation": template.revalidation,
        }
