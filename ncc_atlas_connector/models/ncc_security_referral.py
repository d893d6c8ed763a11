from datetime import timedelta

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError

MANAGER_GROUP = "ncc_atlas_connector.group_ncc_manager"
AUTHORITY_PARAM = "ncc_atlas_connector.security_authority_id"
SECURITY_CHECK = "ncc_atlas_connector.check_security_assessment"

OUTCOMES = [
    ("pending", "Awaiting the answer"),
    ("no_objection", "No objection"),
    ("objection", "Objection"),
    ("no_answer", "No answer in time"),
]
# What the authority answered: a letter, changed afterwards by a manager only.
ANSWERS = ("no_objection", "objection")
# Fields the referral keeps as created: who referred, for which application.
FIXED_FIELDS = {"partner_id", "referred_by_id", "round_id"}
STAMP_FIELDS = {"outcome_recorded_by_id", "outcome_recorded_date"}
DEFAULT_ANSWER_DAYS = 30


class NccSecurityReferral(models.Model):
    """The referral of an application to the national authority competent for security-ground assessments
    (Art. 8(4) Regulation 2021/887: the NCC's assessment takes such an assessment into account).

    Confidential: only managers and the officer who referred read it and its documents (record rules; the
    documents are attachments of the referral, which Odoo grants only to those who may read the referral). The
    application's decision waits for its outcome, and an objection only allows a reasoned, proportionate refusal."""

    _name = "ncc.security.referral"
    _description = "Security-ground referral"
    _order = "date_sent desc, id desc"
    _rec_name = "reference"

    partner_id = fields.Many2one(
        "res.partner", "Application", required=True, ondelete="cascade", index=True,
        domain=[("ncc_is_applicant", "=", True)],
    )
    round_id = fields.Many2one(
        "ncc.assessment.round", "Assessment round", readonly=True, index=True, ondelete="set null",
        help="The round of the application it was referred in: a new round is assessed on a referral of its own.",
    )
    referred_by_id = fields.Many2one(
        "res.users", "Referred by", required=True, readonly=True, index=True, default=lambda self: self.env.user,
    )
    authority_id = fields.Many2one(
        "res.partner", "Competent authority", required=True, ondelete="restrict",
        default=lambda self: self._default_authority(),
        help="The national authority competent for security-ground assessments (set in Settings > Community "
        "Registration).",
    )
    date_sent = fields.Date("Sent on", required=True, default=fields.Date.context_today)
    answer_deadline = fields.Date(
        "Answer expected by", required=True,
        default=lambda self: fields.Date.context_today(self) + timedelta(days=DEFAULT_ANSWER_DAYS),
        help="“No answer in time” can be recorded once this day has passed.",
    )
    reference = fields.Char(help="The referral's reference, the NCC's or the authority's.")
    request_note = fields.Text("What was asked", help="What the NCC asked the authority to assess, and why.")
    request_document = fields.Binary("Referral letter", attachment=True)
    request_document_filename = fields.Char("Request document file name")
    outcome = fields.Selection(OUTCOMES, required=True, default="pending")
    outcome_date = fields.Date("Outcome on", help="The date of the authority's answer, or when the time ran out.")
    outcome_document = fields.Binary("Answer of the authority", attachment=True)
    outcome_document_filename = fields.Char("Outcome document file name")
    outcome_note = fields.Text("Outcome note", help="What the authority found, as far as it may be recorded here.")
    outcome_recorded_by_id = fields.Many2one("res.users", "Outcome recorded by", readonly=True)
    outcome_recorded_date = fields.Datetime("Outcome recorded on", readonly=True)
    is_open = fields.Boolean("Open", compute="_compute_is_open", store=True, help="Still awaiting the outcome.")

    @api.model
    def _default_authority(self):
        authority_id = self.env["ir.config_parameter"].sudo().get_param(AUTHORITY_PARAM)
        return self.env["res.partner"].browse(int(authority_id)).exists() if authority_id else False

    @api.depends("outcome")
    def _compute_is_open(self):
        for referral in self:
            referral.is_open = referral.outcome == "pending"

    @api.depends("reference", "partner_id", "date_sent")
    def _compute_display_name(self):
        for referral in self:
            referral.display_name = referral.reference or self.env._(
                "Referral of %(name)s, %(date)s", name=referral.partner_id.name or "", date=referral.date_sent or "")

    @api.constrains("outcome", "outcome_date", "outcome_document", "date_sent", "answer_deadline")
    def _check_outcome(self):
        today = fields.Date.context_today(self)
        for referral in self:
            if referral.answer_deadline and referral.answer_deadline < referral.date_sent:
                raise ValidationError(self.env._("The answer cannot be expected before the referral is sent."))
            if referral.outcome == "pending":
                continue
            if not referral.outcome_date:
                raise ValidationError(self.env._("Record the date of the outcome."))
            if referral.outcome_date < referral.date_sent:
                raise ValidationError(self.env._("The outcome cannot precede the referral."))
            if referral.outcome in ANSWERS and not referral.outcome_document:
                raise ValidationError(self.env._("Attach the authority's answer to record its outcome."))
            if referral.outcome == "no_answer" and referral.answer_deadline >= today:
                raise ValidationError(self.env._(
                    "The authority may still answer until %(date)s: “No answer in time” can be recorded after that.",
                    date=referral.answer_deadline,
                ))

    # --- create and write: who referred, and who recorded the outcome --------------------------------------------

    @api.model_create_multi
    def create(self, vals_list):
        self.check_access("create")  # who may refer at all, before anything is said about the application
        if not self.env.su:
            context_defaults = {key[8:] for key in self.env.context if key.startswith("default_")}
            names = {name for vals in vals_list for name in vals} | context_defaults
            if (STAMP_FIELDS | {"referred_by_id", "round_id", "is_open"}) & names:
                raise AccessError(self.env._("Who referred and who recorded the outcome are recorded by the "
                                             "referral itself."))
        Partner = self.env["res.partner"]
        for vals in vals_list:
            partner = Partner.browse(vals.get("partner_id") or self.env.context.get("default_partner_id")).sudo()
            partner._ncc_check_referable()
            vals["round_id"] = partner._ncc_current_round().id
            if vals.get("outcome", "pending") != "pending":
                vals.update(self._outcome_stamp())
        referrals = super().create(vals_list)
        referrals._reopen_security_check()
        return referrals

    def write(self, vals):
        if not self.env.su:
            if (FIXED_FIELDS | STAMP_FIELDS | {"is_open"}) & set(vals):
                raise AccessError(self.env._("A referral keeps its application and who referred it; the outcome "
                                             "records who set it and when."))
            if "outcome" in vals and not self.env.user.has_group(MANAGER_GROUP):
                answered = self.filtered(lambda referral: referral.outcome in ANSWERS
                                         and referral.outcome != vals["outcome"])
                if answered:
                    raise AccessError(self.env._("The authority's answer is recorded: only an NCC manager can "
                                                 "change it."))
        if "outcome" not in vals:
            return super().write(vals)
        changed = self.filtered(lambda referral: referral.outcome != vals["outcome"])
        res = super().write(vals)
        if changed:
            stamp = self._outcome_stamp() if vals["outcome"] != "pending" else dict.fromkeys(STAMP_FIELDS, False)
            super(NccSecurityReferral, changed.sudo()).write(stamp)
            changed._reopen_security_check()
        return res

    def _outcome_stamp(self):
        return {"outcome_recorded_by_id": self.env.user.id, "outcome_recorded_date": fields.Datetime.now()}

    def _reopen_security_check(self):
        """A new referral or another outcome: the officer assesses the security line again, on that outcome."""
        template = self.env.ref(SECURITY_CHECK, raise_if_not_found=False)
        lines = self.sudo().partner_id.ncc_check_ids.filtered(
            lambda line: line.template_id == template and line.result != "pending")
        lines.write({"result": "pending"})

    def action_ncc_open(self):
        """Open the referral on its own, to record the outcome."""
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Security-ground referral"),
            "res_model": self._name,
            "res_id": self.id,
            "view_mode": "form",
            "target": "new",
        }

    @api.model
    def _check_decidable(self, partners):
        """Raise while one of these applications waits for the authority: its decision waits with it."""
        for partner in partners:
            latest = partner._ncc_security_referral_latest()
            if latest.outcome == "pending":
                raise UserError(self.env._(
                    "%(name)s was referred to the competent authority on %(date)s: the decision waits for its "
                    "outcome (expected by %(deadline)s).",
                    name=partner.display_name, date=latest.date_sent, deadline=latest.answer_deadline,
                ))
