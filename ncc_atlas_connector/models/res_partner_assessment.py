from datetime import timedelta

from markupsafe import Markup

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tools.misc import clean_context

from .ncc_assessment_stage import OFFICER_TARGET_KINDS, WORK_KINDS

OFFICER_GROUP = "ncc_atlas_connector.group_ncc_officer"
MANAGER_GROUP = "ncc_atlas_connector.group_ncc_manager"
STAGE_ACTIVITY = "ncc_atlas_connector.mail_activity_type_ncc_stage"
INFORMATION_ACTIVITY = "ncc_atlas_connector.mail_activity_type_ncc_information"

PRIORITIES = [("0", "Normal"), ("1", "Medium"), ("2", "High"), ("3", "Urgent")]
DECISIONS = [("approved", "Approved"), ("rejected", "Rejected"), ("revoked", "Revoked")]
# Kinds from which an application can be rejected, and from which an approval can be revoked.
REJECTABLE_KINDS = WORK_KINDS
REVOCABLE_KINDS = ("approved", "eccc_review", "member")


class ResPartner(models.Model):
    """The assessment of an application (the applicant company): pipeline stage, assessor, checklist, decision.

    Stage moves go through `write`, whoever makes them (button, statusbar, kanban drag, the Atlas synchronisation):
    the gates run there, and so do the stage history, the deadline, the assessor's activity and the decision.
    A move under sudo is a move by the system (the Atlas synchronisation): it skips the permission gates, not the
    approval gate, and still leaves history and tracking.
    """

    _inherit = "res.partner"

    ncc_stage_id = fields.Many2one(
        "ncc.assessment.stage",
        "Assessment stage",
        tracking=True,
        index=True,
        copy=False,
        ondelete="restrict",
        group_expand="_read_group_ncc_stage_ids",
        groups=OFFICER_GROUP,
    )
    ncc_stage_kind = fields.Selection(
        related="ncc_stage_id.kind", store=True, string="Stage kind", groups=OFFICER_GROUP
    )
    ncc_assessor_id = fields.Many2one(
        "res.users",
        "Assessor",
        tracking=True,
        index=True,
        copy=False,
        domain=lambda self: [("all_group_ids", "in", self.env.ref(OFFICER_GROUP).ids), ("share", "=", False)],
        help="The officer who assesses the application; gets the activity of each stage with a target.",
        groups=OFFICER_GROUP,
    )
    ncc_submitted_date = fields.Datetime(
        "Submitted on", copy=False, readonly=True, tracking=True, groups=OFFICER_GROUP
    )
    ncc_stage_entered_date = fields.Datetime("In stage since", copy=False, readonly=True, groups=OFFICER_GROUP)
    ncc_decision_date = fields.Datetime("Decided on", copy=False, readonly=True, groups=OFFICER_GROUP)
    ncc_deadline = fields.Date(
        "Stage deadline",
        compute="_compute_ncc_deadline",
        store=True,
        help="When the application should leave its stage: the day it entered it plus the stage's target.",
        groups=OFFICER_GROUP,
    )
    ncc_next_stage_id = fields.Many2one(
        "ncc.assessment.stage",
        "Next stage",
        compute="_compute_ncc_next_stage_id",
        groups=OFFICER_GROUP,
        help="The next stage of the NCC's own work (intake and assessment stages); none when the decision is next.",
    )
    ncc_is_late = fields.Boolean(
        "Late", compute="_compute_ncc_is_late", search="_search_ncc_is_late", groups=OFFICER_GROUP
    )
    ncc_days_in_stage = fields.Integer("Days in stage", compute="_compute_ncc_days_in_stage", groups=OFFICER_GROUP)
    ncc_decision = fields.Selection(
        DECISIONS, "Decision", copy=False, readonly=True, tracking=True, groups=OFFICER_GROUP
    )
    ncc_decision_reason = fields.Text(
        "Reasons for the decision",
        copy=False,
        tracking=True,
        groups=OFFICER_GROUP,
        help="Mandatory for a rejection or a revocation; a refusal or revocation on security grounds must be "
        "proportionate and reasoned (Art. 8(4) Regulation 2021/887). Sent to the applicant.",
    )
    ncc_information_request = fields.Text(
        "Information requested",
        copy=False,
        tracking=True,
        groups=OFFICER_GROUP,
        help="The last request for information sent to the applicant.",
    )
    ncc_priority = fields.Selection(PRIORITIES, "Priority", default="0", copy=False, groups=OFFICER_GROUP)
    ncc_check_ids = fields.One2many(
        "ncc.assessment.check", "partner_id", "Checklist", copy=False, groups=OFFICER_GROUP
    )
    ncc_stage_history_ids = fields.One2many(
        "ncc.stage.history", "partner_id", "Stage history", copy=False, groups=OFFICER_GROUP
    )
    ncc_check_required_count = fields.Integer(
        "Required checks", compute="_compute_ncc_check_counts", groups=OFFICER_GROUP
    )
    ncc_check_passed_count = fields.Integer(
        "Required checks passed", compute="_compute_ncc_check_counts", groups=OFFICER_GROUP
    )
    ncc_check_failed_count = fields.Integer("Failed checks", compute="_compute_ncc_check_counts", groups=OFFICER_GROUP)
    ncc_check_progress = fields.Float("Checklist progress", compute="_compute_ncc_check_counts", groups=OFFICER_GROUP)
    ncc_needs_attention = fields.Boolean(
        "Needs attention",
        compute="_compute_ncc_needs_attention",
        search="_search_ncc_needs_attention",
        groups=OFFICER_GROUP,
        help="Being assessed and late, unassigned, with a failed check, with an incomplete registration, or sent "
        "back by the ECCC.",
    )

    @api.constrains("ncc_decision", "ncc_decision_reason")
    def _check_ncc_decision_reason(self):
        for partner in self:
            if partner.ncc_decision in ("rejected", "revoked") and not (partner.ncc_decision_reason or "").strip():
                raise ValidationError(
                    self.env._("A rejection or a revocation needs its reasons (%(name)s).", name=partner.display_name)
                )

    # --- computes --------------------------------------------------------------------------------------------------

    @api.model
    def default_get(self, fields):
        # Not a field default: every create would carry the stage (empty), and reading it back as a colleague
        # without the officers' fields, who creates a contact person, would raise.
        res = super().default_get(fields)
        if "ncc_stage_id" in fields and "ncc_stage_id" not in res and self.env.context.get("default_ncc_is_applicant"):
            res["ncc_stage_id"] = self._ncc_stage_of_kind("intake").id
        return res

    @api.model
    def _read_group_ncc_stage_ids(self, stages, domain):
        """Show every stage as a column, the empty ones too (folded stages stay folded)."""
        return stages.sudo().search([], order=stages._order).with_env(stages.env)

    @api.model
    def _ncc_stage_of_kind(self, kind):
        """The first stage of a kind: where the pipeline (and the Atlas synchronisation) moves an application."""
        return self.env["ncc.assessment.stage"]._first_of_kind(kind)

    @api.depends("ncc_stage_entered_date", "ncc_stage_id.target_days")
    def _compute_ncc_deadline(self):
        for partner in self:
            target = partner.ncc_stage_id.target_days
            entered = partner.ncc_stage_entered_date
            partner.ncc_deadline = (entered + timedelta(days=target)).date() if target and entered else False

    @api.depends("ncc_stage_id")
    def _compute_ncc_next_stage_id(self):
        stages = self.env["ncc.assessment.stage"].search([("kind", "in", list(OFFICER_TARGET_KINDS))])
        for partner in self:
            current = (partner.ncc_stage_id.sequence, partner.ncc_stage_id.id)
            following = [stage for stage in stages if (stage.sequence, stage.id) > current]
            partner.ncc_next_stage_id = (
                following[0] if following and partner.ncc_stage_kind in OFFICER_TARGET_KINDS else False
            )

    @api.depends("ncc_deadline")
    def _compute_ncc_is_late(self):
        today = fields.Date.context_today(self)
        for partner in self:
            partner.ncc_is_late = bool(partner.ncc_deadline) and partner.ncc_deadline < today

    def _search_ncc_is_late(self, operator, value):
        if operator not in ("in", "not in"):
            return NotImplemented
        late = [("ncc_deadline", "<", fields.Date.context_today(self))]
        return late if (operator == "in") == (True in value) else [("id", "not in", self._search(late))]

    @api.depends("ncc_stage_entered_date")
    def _compute_ncc_days_in_stage(self):
        now = fields.Datetime.now()
        for partner in self:
            entered = partner.ncc_stage_entered_date
            partner.ncc_days_in_stage = (now - entered).days if entered else 0

    @api.depends("ncc_check_ids.result", "ncc_check_ids.required")
    def _compute_ncc_check_counts(self):
        for partner in self:
            required = partner.ncc_check_ids.filtered("required")
            partner.ncc_check_required_count = len(required)
            partner.ncc_check_passed_count = len(required.filtered("is_passed"))
            partner.ncc_check_failed_count = len(partner.ncc_check_ids.filtered(lambda line: line.result == "fail"))
            partner.ncc_check_progress = 100.0 * len(required.filtered("is_passed")) / len(required) if required else 0

    def _ncc_attention_domain(self):
        return [
            ("ncc_stage_kind", "in", list(WORK_KINDS)),
            "|", "|", "|", "|",
            ("ncc_stage_kind", "=", "revision"),
            ("ncc_assessor_id", "=", False),
            ("ncc_deadline", "<", fields.Date.context_today(self)),
            ("ncc_check_ids.result", "=", "fail"),
            ("ncc_registration_complete", "=", False),
        ]

    @api.depends("ncc_stage_kind", "ncc_assessor_id", "ncc_deadline", "ncc_check_ids.result",
                 "ncc_registration_complete")
    def _compute_ncc_needs_attention(self):
        for partner in self:
            partner.ncc_needs_attention = partner.ncc_stage_kind in WORK_KINDS and (
                partner.ncc_stage_kind == "revision"
                or not partner.ncc_assessor_id
                or partner.ncc_is_late
                or partner.ncc_check_failed_count > 0
                or not partner.ncc_registration_complete
            )

    def _search_ncc_needs_attention(self, operator, value):
        if operator not in ("in", "not in"):
            return NotImplemented
        domain = self._ncc_attention_domain()
        return domain if (operator == "in") == (True in value) else [("id", "not in", self._search(domain))]

    # --- stage moves and their gates -------------------------------------------------------------------------------

    @api.model_create_multi
    def create(self, vals_list):
        partners = super().create(vals_list)
        Stage = self.env["ncc.assessment.stage"]
        # Created straight into a stage (a form in a kanban column, Odoo's import, the Atlas import): that stage's
        # gates run on the new records, as for a move, and so does everything a move brings.
        # (Read under sudo: colleagues outside the NCC, who lack these fields, create contacts too.)
        for stage, group in partners.sudo().filtered("ncc_stage_id").grouped("ncc_stage_id").items():
            group = group.with_env(self.env)
            group._ncc_check_move(stage.with_env(self.env), {})
            group._ncc_after_move(stage.with_env(self.env), dict.fromkeys(group, Stage), {})
        newcomers = partners.sudo().filtered(
            lambda partner: partner.ncc_is_applicant and not partner.ncc_stage_id).with_env(self.env)
        if newcomers:
            newcomers.write({"ncc_stage_id": self._ncc_stage_of_kind("intake").id})
        return partners

    def write(self, vals):
        if "ncc_stage_id" not in vals:
            newcomers = self.browse()
            if vals.get("ncc_is_applicant"):
                newcomers = self.filtered(lambda partner: not partner.ncc_stage_id)
            res = super().write(vals)
            if newcomers:
                newcomers.write({"ncc_stage_id": self._ncc_stage_of_kind("intake").id})
            if "ncc_assessor_id" in vals:
                self._ncc_reassign_stage_activities()
            return res
        stage = self.env["ncc.assessment.stage"].browse(vals["ncc_stage_id"])
        moving = self.filtered(lambda partner: partner.ncc_stage_id != stage)
        moving._ncc_check_move(stage, vals)
        previous = {partner: partner.ncc_stage_id for partner in moving}
        res = super().write(vals)
        if moving and stage:
            moving._ncc_after_move(stage, previous, vals)
        elif moving:
            moving._ncc_close_stays()
        if "ncc_assessor_id" in vals:
            self._ncc_reassign_stage_activities()
        return res

    def _ncc_is_system(self):
        """A move by the system (the Atlas synchronisation, a cron, a portal submission): made under sudo. A
        person's decision recorded under sudo (its fields are guarded) says so with `ncc_acting_user`: a context
        key that only takes privileges away, so forging it gains nothing."""
        return self.env.su and not self.env.context.get("ncc_acting_user")

    def _ncc_as_acting_user(self):
        """These records as the decision flow writes them: under sudo, for the guarded decision fields, but with
        the gates, the emails and the history of the person deciding."""
        return self.sudo().with_context(ncc_acting_user=True)

    def _ncc_check_move(self, stage, vals):
        """Raise when these applications may not move into `stage` (with the other values `vals` being written)."""
        env = self.env
        system = self._ncc_is_system()
        if not system and not env.user.has_group(OFFICER_GROUP):
            raise AccessError(env._("Only NCC officers move applications through the assessment pipeline."))
        manager = system or env.user.has_group(MANAGER_GROUP)
        if not manager:
            if stage.kind == "approved":
                raise AccessError(env._("Only an NCC manager can approve an application."))
            if stage.kind == "rejected":
                raise AccessError(env._("Only an NCC manager can reject an application or revoke a registration."))
            if stage.kind not in OFFICER_TARGET_KINDS:
                raise AccessError(env._(
                    "Only an NCC manager can move an application into “%(stage)s”: the Atlas synchronisation does "
                    "that when the ECCC acts.", stage=stage.name,
                ))
            for partner in self:
                if partner.ncc_stage_id and partner.ncc_stage_kind not in WORK_KINDS:
                    raise AccessError(env._(
                        "%(name)s has been decided (stage “%(stage)s”): only an NCC manager can move it back.",
                        name=partner.display_name, stage=partner.ncc_stage_id.name,
                    ))
        if stage.kind == "rejected" and not system and not vals.get("ncc_decision"):
            raise UserError(env._(
                "A rejection needs its reasons, which are sent to the applicant: open the application and use "
                "“Reject” (or “Revoke” for a registered member) instead of moving it into “%(stage)s”.",
                stage=stage.name,
            ))
        if stage.kind == "approved":
            self._ncc_check_approvable()

    def _ncc_check_approvable(self):
        """The approval gate: a complete registration and every required check passed (or not applicable)."""
        templates = self.env["ncc.assessment.check.template"].search([("required", "=", True)])
        for partner in self:
            problems = []
            if not partner.ncc_registration_complete:
                problems.append(self.env._("The registration is incomplete: %(missing)s",
                                           missing=partner.ncc_missing_items or self.env._("see the registration")))
            open_checks = partner.ncc_check_ids.filtered(lambda line: line.required and not line.is_passed)
            problems += [f"{line.code or ''} {line.name}: {line._result_label()}".strip() for line in open_checks]
            missing = templates - partner.ncc_check_ids.template_id
            problems += [f"{template.code or ''} {template.name}: {self.env._('not assessed')}".strip()
                         for template in missing]
            if problems:
                raise ValidationError(
                    self.env._("%(name)s cannot be approved yet:", name=partner.display_name)
                    + "\n- " + "\n- ".join(problems)
                )

    def _ncc_after_move(self, stage, previous, vals):
        """Everything a stage move brings: stage history, deadline, the assessor's activity, the decision."""
        now = fields.Datetime.now()
        system = self._ncc_is_system()
        self._ncc_close_stays(now)
        self.env["ncc.stage.history"].sudo().create([{
            "partner_id": partner.id,
            "stage_id": stage.id,
            "kind": stage.kind,
            "previous_stage_id": previous[partner].id,
            "date_in": now,
            "user_id": self.env.uid,
            "is_system_move": system,
        } for partner in self])
        super(ResPartner, self.sudo()).write({"ncc_stage_entered_date": now})
        if stage.kind in OFFICER_TARGET_KINDS:
            decided = self.filtered("ncc_decision")
            if decided:  # reopened: the earlier decision no longer stands
                super(ResPartner, decided.sudo()).write(
                    {"ncc_decision": False, "ncc_decision_date": False, "ncc_decision_reason": False}
                )
            self._ncc_generate_checks()
        elif stage.kind == "approved":
            approved = self.filtered(lambda partner: partner.ncc_decision != "approved")
            super(ResPartner, approved.sudo()).write({"ncc_decision": "approved", "ncc_decision_date": now})
            if not system:
                approved._ncc_notify("mail_template_ncc_approved")
        elif stage.kind == "rejected":
            for partner in self:
                decision = vals.get("ncc_decision") or (
                    partner.ncc_decision if partner.ncc_decision in ("rejected", "revoked") else "rejected")
                reason = partner.ncc_decision_reason or self.env._("Rejected by the ECCC on the Atlas.")
                super(ResPartner, partner.sudo()).write(
                    {"ncc_decision": decision, "ncc_decision_date": now, "ncc_decision_reason": reason}
                )
            if not system:
                for decision, partners in self.grouped("ncc_decision").items():
                    partners._ncc_notify(
                        "mail_template_ncc_revoked" if decision == "revoked" else "mail_template_ncc_rejected")
        self._ncc_schedule_stage_activity(stage)

    def _ncc_close_stays(self, now=None):
        self.env["ncc.stage.history"].sudo().search(
            [("partner_id", "in", self.ids), ("date_out", "=", False)]
        ).write({"date_out": now or fields.Datetime.now()})

    def _ncc_activity_user(self):
        """Who gets the stage activity: the assessor, else the officer making the move."""
        self.ensure_one()
        if self.ncc_assessor_id:
            return self.ncc_assessor_id
        user = self.env.user
        if not self._ncc_is_system() and not user.share and user.has_group(OFFICER_GROUP):
            return user
        return self.env["res.users"]

    def _ncc_schedule_stage_activity(self, stage):
        """Replace the previous stage's activity by one for this stage, due on its deadline, when it has a target."""
        self.activity_unlink([STAGE_ACTIVITY])
        if not stage.target_days:
            return
        for partner in self:
            user = partner._ncc_activity_user()
            if user:
                partner.activity_schedule(
                    STAGE_ACTIVITY,
                    date_deadline=partner.ncc_deadline,
                    summary=stage.name,
                    note=stage.description and Markup("<p>%s</p>") % stage.description,
                    user_id=user.id,
                )

    def _ncc_reassign_stage_activities(self):
        """A new assessor takes over the open stage activity (or gets one when there was none)."""
        for partner in self.filtered("ncc_assessor_id"):
            activities = partner.activity_ids.filtered(
                lambda act: act.activity_type_id == self.env.ref(STAGE_ACTIVITY, raise_if_not_found=False)
            )
            if activities:
                activities.write({"user_id": partner.ncc_assessor_id.id})
            elif partner.ncc_stage_id.target_days and partner.ncc_deadline:
                partner._ncc_schedule_stage_activity(partner.ncc_stage_id)

    def _ncc_generate_checks(self):
        """Add the checklist lines this application lacks, one per active check template."""
        templates = self.env["ncc.assessment.check.template"].search([])
        Check = self.env["ncc.assessment.check"].sudo()
        Check.create([
            Check._values_from_template(template, partner)
            for partner in self
            for template in templates - partner.ncc_check_ids.template_id
        ])

    # --- decisions -------------------------------------------------------------------------------------------------

    def _ncc_require_group(self, group, message):
        if not self._ncc_is_system() and not self.env.user.has_group(group):
            raise AccessError(message)

    def _ncc_wizard(self, mode):
        return {
            "type": "ir.actions.act_window",
            "name": dict(self.env["ncc.decision.wizard"]._fields["mode"]._description_selection(self.env))[mode],
            "res_model": "ncc.decision.wizard",
            "view_mode": "form",
            "target": "new",
            "context": {"default_partner_ids": self.ids, "default_mode": mode},
        }

    def action_ncc_submit(self):
        """The application is in: record the date, open its checklist, acknowledge it to the representative."""
        env = self.env
        self._ncc_require_group(OFFICER_GROUP, env._("Only NCC officers submit applications."))
        for partner in self:
            if not partner.ncc_is_applicant:
                raise UserError(env._("%(name)s is not an applicant.", name=partner.display_name))
            if partner.ncc_submitted_date:
                raise UserError(env._("%(name)s has already been submitted.", name=partner.display_name))
        self.sudo().write({"ncc_submitted_date": fields.Datetime.now()})
        unstaged = self.filtered(lambda partner: not partner.ncc_stage_id)
        if unstaged:
            unstaged.write({"ncc_stage_id": self._ncc_stage_of_kind("intake").id})
        self._ncc_generate_checks()
        self._ncc_notify("mail_template_ncc_received")
        return True

    def action_ncc_next_stage(self):
        """Move on to the next stage of the NCC's own work (intake and assessment stages, by sequence)."""
        for partner in self:
            if not partner.ncc_next_stage_id:
                raise UserError(self.env._(
                    "%(name)s has no further assessment stage: it is ready for the manager's decision.",
                    name=partner.display_name,
                ))
            partner.write({"ncc_stage_id": partner.ncc_next_stage_id.id})
        return True

    def action_ncc_request_information(self, message=None):
        """Ask the applicant for what is missing: an email to the representative and a follow-up activity."""
        self._ncc_require_group(OFFICER_GROUP, self.env._("Only NCC officers request information from applicants."))
        if message is None:
            return self._ncc_wizard("request_information")
        if not (message or "").strip():
            raise UserError(self.env._("Say what information is needed."))
        self.write({"ncc_information_request": message.strip()})
        self._ncc_notify("mail_template_ncc_information_requested")
        activity_type = self.env.ref(INFORMATION_ACTIVITY)
        for partner in self:
            user = partner._ncc_activity_user()
            if user:
                partner.activity_schedule(
                    INFORMATION_ACTIVITY,
                    date_deadline=activity_type._get_date_deadline(),
                    note=Markup("<p>%s</p>") % partner.ncc_information_request,
                    user_id=user.id,
                )
        return True

    def action_ncc_approve(self):
        """The NCC's approval: the application moves to the approved stage (and from there to the Atlas)."""
        self._ncc_require_group(MANAGER_GROUP, self.env._("Only an NCC manager can approve an application."))
        for partner in self:
            if partner.ncc_stage_kind not in WORK_KINDS:
                raise UserError(self.env._("%(name)s is not being assessed.", name=partner.display_name))
        self.write({"ncc_stage_id": self._ncc_stage_of_kind("approved").id})
        return True

    def action_ncc_reject(self, reason=None):
        """Refuse the application, with reasons sent to the applicant."""
        self._ncc_require_group(MANAGER_GROUP, self.env._("Only an NCC manager can reject an application."))
        for partner in self:
            if partner.ncc_stage_kind not in REJECTABLE_KINDS:
                raise UserError(self.env._(
                    "%(name)s is not being assessed: revoke a registration instead of rejecting it.",
                    name=partner.display_name,
                ))
        if reason is None:
            return self._ncc_wizard("reject")
        return self._ncc_decide("rejected", reason)

    def action_ncc_revoke(self, reason=None):
        """Revoke an approved registration (Art. 8(4)): criteria no longer met, exclusion, or security reasons."""
        self._ncc_require_group(MANAGER_GROUP, self.env._("Only an NCC manager can revoke a registration."))
        for partner in self:
            if partner.ncc_stage_kind not in REVOCABLE_KINDS:
                raise UserError(self.env._(
                    "Only an approved application or a registered member can be revoked; %(name)s is not one.",
                    name=partner.display_name,
                ))
        if reason is None:
            return self._ncc_wizard("revoke")
        return self._ncc_decide("revoked", reason)

    def _ncc_decide(self, decision, reason):
        if not (reason or "").strip():
            raise UserError(self.env._("A rejection or a revocation needs its reasons."))
        self._ncc_as_acting_user().write({
            "ncc_stage_id": self._ncc_stage_of_kind("rejected").id,
            "ncc_decision": decision,
            "ncc_decision_reason": reason.strip(),
        })
        return True

    # --- the applicant is told -------------------------------------------------------------------------------------

    def _ncc_notify(self, template_xmlid):
        """Email the representative with a template of this addon (or a full xml id), in the partner's language,
        and keep it in the chatter. Used by the decisions; the Atlas synchronisation sends `mail_template_ncc_published`
        with it."""
        if "." not in template_xmlid:
            template_xmlid = f"ncc_atlas_connector.{template_xmlid}"
        template = self.env.ref(template_xmlid)
        for partner in self.with_context(clean_context(self.env.context)):  # no default_* for the composer
            partner.message_post_with_source(template, message_type="comment", subtype_xmlid="mail.mt_comment")
