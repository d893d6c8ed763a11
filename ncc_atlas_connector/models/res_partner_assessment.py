from collections import defaultdict
from datetime import timedelta

from markupsafe import Markup

from odoo import Command, api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tools.misc import clean_context

from .ncc_assessment_stage import DRAFT_KIND, OFFICER_TARGET_KINDS, WORK_KINDS

OFFICER_GROUP = "ncc_atlas_connector.group_ncc_officer"
MANAGER_GROUP = "ncc_atlas_connector.group_ncc_manager"
STAGE_ACTIVITY = "ncc_atlas_connector.mail_activity_type_ncc_stage"
INFORMATION_ACTIVITY = "ncc_atlas_connector.mail_activity_type_ncc_information"
DECISION_ACTIVITY = "ncc_atlas_connector.mail_activity_type_ncc_decision"

PRIORITIES = [("0", "Normal"), ("1", "Medium"), ("2", "High"), ("3", "Urgent")]
# The values a stage move into the rejected stage carries for the decision it records; never stored as such.
DECISION_VALUES = ("ncc_decision", "ncc_decision_reason")
DECISION_TEMPLATES = {
    "approved": "mail_template_ncc_approved",
    "rejected": "mail_template_ncc_rejected",
    "revoked": "mail_template_ncc_revoked",
    "withdrawn": "mail_template_ncc_withdrawn",
}
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
        index="btree_not_null",
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
        index="btree_not_null",
        copy=False,
        domain=lambda self: [("all_group_ids", "in", self.env.ref(OFFICER_GROUP).ids), ("share", "=", False)],
        help="The officer who assesses the application; gets the activity of each stage with a target.",
        groups=OFFICER_GROUP,
    )
    ncc_submitted_date = fields.Datetime(
        "Submitted on", copy=False, readonly=True, tracking=True, groups=OFFICER_GROUP
    )
    ncc_stage_entered_date = fields.Datetime("In stage since", copy=False, readonly=True, groups=OFFICER_GROUP)
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
    # Every decision is a record of its own (ncc.decision); the application's current one is the last of its
    # current round, and these fields show it.
    ncc_round_id = fields.Many2one(
        "ncc.assessment.round", "Current round", copy=False, readonly=True, index="btree_not_null",
        ondelete="set null", groups=OFFICER_GROUP,
    )
    ncc_round_number = fields.Integer(related="ncc_round_id.number", string="Round", groups=OFFICER_GROUP)
    ncc_round_ids = fields.One2many(
        "ncc.assessment.round", "partner_id", "Assessment rounds", copy=False, groups=OFFICER_GROUP
    )
    ncc_decision_ids = fields.One2many("ncc.decision", "partner_id", "Decisions", copy=False, groups=OFFICER_GROUP)
    ncc_decision_id = fields.Many2one(
        "ncc.decision", "Current decision", related="ncc_round_id.decision_id", store=True, copy=False,
        groups=OFFICER_GROUP,
    )
    ncc_decision = fields.Selection(
        related="ncc_decision_id.kind", string="Decision", store=True, copy=False, tracking=True,
        groups=OFFICER_GROUP,
    )
    ncc_decision_date = fields.Datetime(
        related="ncc_decision_id.date", string="Decided on", store=True, copy=False, groups=OFFICER_GROUP
    )
    ncc_decision_reason = fields.Text(
        related="ncc_decision_id.reason",
        string="Reasons for the decision",
        store=True,
        copy=False,
        tracking=True,
        groups=OFFICER_GROUP,
        help="Mandatory for a rejection, a revocation or a withdrawal; a refusal or revocation on security grounds "
        "must be proportionate and reasoned (Art. 8(4) Regulation 2021/887). Sent to the applicant.",
    )
    ncc_information_request = fields.Text(
        "Information requested",
        copy=False,
        tracking=True,
        groups=OFFICER_GROUP,
        help="The last request for information sent to the applicant.",
    )
    ncc_priority = fields.Selection(PRIORITIES, "Priority", default="0", copy=False, groups=OFFICER_GROUP)
    ncc_ready_for_decision = fields.Boolean(
        "Ready for decision", copy=False, readonly=True, tracking=True, groups=OFFICER_GROUP,
        help="The officer has finished the assessment and handed it over: a manager decides. Any stage move ends "
        "the hand-off.",
    )
    ncc_check_ids = fields.One2many(
        "ncc.assessment.check", "partner_id", "Checklist", copy=False, groups=OFFICER_GROUP,
        domain=[("round_id.is_current", "=", True), ("revalidation", "=", False)],
        help="The checklist of the current round; earlier rounds keep theirs, and the re-validation of a member "
        "has its own.",
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
    # The kanban card counts what the checklist shows: every line of the current round, the optional ones too.
    ncc_check_count = fields.Integer("Checks", compute="_compute_ncc_check_counts", groups=OFFICER_GROUP)
    ncc_check_done_count = fields.Integer(
        "Checks done", compute="_compute_ncc_check_counts", groups=OFFICER_GROUP,
        help="Checklist lines with a result (passed, failed or not applicable).",
    )
    ncc_check_progress = fields.Float("Checklist progress", compute="_compute_ncc_check_counts", groups=OFFICER_GROUP)
    ncc_needs_attention = fields.Boolean(
        "Needs attention",
        compute="_compute_ncc_needs_attention",
        search="_search_ncc_needs_attention",
        groups=OFFICER_GROUP,
        help="Being assessed and late, unassigned, with a failed check, with an incomplete registration, or sent "
        "back by the ECCC.",
    )

    # --- computes --------------------------------------------------------------------------------------------------

    @api.model
    def default_get(self, fields):
        # Not a field default: every create would carry the stage (empty), and reading it back as a colleague
        # without the officers' fields, who creates a contact person, would raise.
        res = super().default_get(fields)
        if "ncc_stage_id" in fields and "ncc_stage_id" not in res and self.env.context.get("default_ncc_is_applicant"):
            res["ncc_stage_id"] = self._ncc_first_stage().id
        return res

    @api.model
    def _read_group_ncc_stage_ids(self, stages, domain):
        """Show every stage as a column, the empty ones too (folded stages stay folded)."""
        return stages.sudo().search([], order=stages._order).with_env(stages.env)

    @api.model
    def _ncc_first_stage(self):
        """Where a new application waits: the draft stage (the first intake stage where a database has none)."""
        return self._ncc_stage_of_kind(DRAFT_KIND) or self._ncc_stage_of_kind("intake")

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
            partner.ncc_check_count = len(partner.ncc_check_ids)
            partner.ncc_check_done_count = len(partner.ncc_check_ids.filtered(lambda line: line.result != "pending"))
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

    def _ncc_pop_decision_values(self, vals):
        """Take out of ``vals`` the decision values a move into the rejected stage carries (the guard refuses
        them to anyone but the decision flow)."""
        self._ncc_check_guarded(vals)
        return {name: vals.pop(name) for name in DECISION_VALUES if name in vals}

    @api.model_create_multi
    def create(self, vals_list):
        vals_list = [dict(vals) for vals in vals_list]
        decisions = [self._ncc_pop_decision_values(vals) for vals in vals_list]
        partners = super().create(vals_list)
        Stage = self.env["ncc.assessment.stage"]
        # Created straight into a stage (a form in a kanban column, Odoo's import, the Atlas import): that stage's
        # gates run on the new records, as for a move, and so does everything a move brings.
        # (Read under sudo: colleagues outside the NCC, who lack these fields, create contacts too.)
        staged = defaultdict(list)
        for partner, decision in zip(partners.sudo(), decisions, strict=True):
            if partner.ncc_stage_id:
                staged[partner.ncc_stage_id, tuple(decision.items())].append(partner.id)
        for (stage, decision), ids in staged.items():
            group, stage, decision = self.browse(ids), stage.with_env(self.env), dict(decision)
            group._ncc_check_move(stage, decision)
            group._ncc_after_move(stage, dict.fromkeys(group, Stage), decision)
        newcomers = partners.sudo().filtered(
            lambda partner: partner.ncc_is_applicant and not partner.ncc_stage_id).with_env(self.env)
        if newcomers:
            newcomers.write({"ncc_stage_id": self._ncc_first_stage().id})
        return partners

    def write(self, vals):
        vals = dict(vals)
        decision = self._ncc_pop_decision_values(vals)
        if decision and not (
            "ncc_stage_id" in vals
            and self.env["ncc.assessment.stage"].browse(vals["ncc_stage_id"]).kind == "rejected"
            and all(partner.ncc_stage_kind != "rejected" for partner in self.sudo())
        ):
            raise UserError(self.env._("A decision is recorded with the move into the rejected stage, through "
                                       "Reject, Revoke or Withdraw."))
        if "ncc_stage_id" not in vals:
            newcomers = self.browse()
            if vals.get("ncc_is_applicant"):
                newcomers = self.filtered(lambda partner: not partner.ncc_stage_id)
            res = super().write(vals)
            if newcomers:
                newcomers.write({"ncc_stage_id": self._ncc_first_stage().id})
            if "ncc_assessor_id" in vals:
                self._ncc_reassign_stage_activities()
            return res
        stage = self.env["ncc.assessment.stage"].browse(vals["ncc_stage_id"])
        moving = self.filtered(lambda partner: partner.ncc_stage_id != stage)
        moving._ncc_check_move(stage, {**vals, **decision})
        previous = {partner: partner.ncc_stage_id for partner in moving}
        res = super().write(vals)
        if moving and stage:
            moving._ncc_after_move(stage, previous, {**vals, **decision})
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
            if stage.kind not in (*OFFICER_TARGET_KINDS, DRAFT_KIND):
                raise AccessError(env._(
                    "Only an NCC manager can move an application into “%(stage)s”: the Atlas synchronisation does "
                    "that when the ECCC acts.", stage=stage.name,
                ))
            for partner in self:
                # a round that has not moved yet starts from the first stage, whoever started it
                fresh_round = not partner.sudo().ncc_round_id.stage_history_ids
                if partner.ncc_stage_id and partner.ncc_stage_kind not in (*WORK_KINDS, DRAFT_KIND) and not fresh_round:
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
        self._ncc_check_submission_order(stage, system)
        if not system:
            self._ncc_check_stage_work_done(stage)
        if stage.kind == "approved":
            self._ncc_check_approvable()

    def _ncc_check_submission_order(self, stage, system):
        """Submit is the one way out of the draft stage (it dates the submission, opens the checklist and
        acknowledges receipt), and a submitted application never goes back to draft."""
        env = self.env
        for partner in self.sudo():
            submitted = partner.ncc_submitted_date
            if stage.kind == DRAFT_KIND and submitted:
                raise UserError(env._(
                    "%(name)s has been submitted: it cannot go back to “%(stage)s”.",
                    name=partner.display_name, stage=stage.name,
                ))
            if not system and not submitted and stage.kind in WORK_KINDS:
                raise UserError(env._(
                    "%(name)s has not been submitted yet: use “Submit”, which records the submission, opens the "
                    "checklist and acknowledges receipt to the contact person.",
                    name=partner.display_name,
                ))

    def _ncc_pending_stage_checks(self, stage=None):
        """The checklist lines of a stage (this application's current one by default) still pending."""
        self.ensure_one()
        stage = stage or self.ncc_stage_id
        return self.ncc_check_ids.filtered(lambda line: line.stage_id == stage and line.result == "pending")

    def _ncc_check_stage_work_done(self, stage):
        """Moving on to a later assessment stage needs the current stage's checks done: each one passed, failed or
        not applicable. A refusal, not a warning: the move may be a kanban drag or a statusbar click, where no
        warning can be read, and a stage left with its checks pending makes the pipeline say the work is further
        than it is. Moving back is always allowed."""
        if stage.kind not in OFFICER_TARGET_KINDS:
            return
        for partner in self:
            current = partner.ncc_stage_id
            if current.kind not in OFFICER_TARGET_KINDS or (stage.sequence, stage.id) <= (current.sequence, current.id):
                continue
            pending = partner._ncc_pending_stage_checks()
            if pending:
                raise UserError(self.env._(
                    "%(name)s still has checks of “%(stage)s” pending; record each one as passed, failed or not "
                    "applicable before moving on:\n- %(checks)s",
                    name=partner.display_name, stage=current.name,
                    checks="\n- ".join(f"{line.code or ''} {line.name}".strip() for line in pending),
                ))

    def _ncc_check_approvable(self):
        """The approval gate: a complete registration and every required check passed (or not applicable)."""
        templates = self.env["ncc.assessment.check.template"].search(
            [("required", "=", True), ("revalidation", "=", False)])
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
            "round_id": partner._ncc_current_round().id,
            "stage_id": stage.id,
            "kind": stage.kind,
            "previous_stage_id": previous[partner].id,
            "date_in": now,
            "user_id": self.env.uid,
            "is_system_move": system,
        } for partner in self])
        super(ResPartner, self.sudo()).write({"ncc_stage_entered_date": now, "ncc_ready_for_decision": False})
        # a move ends the hand-off: the managers' decision activity goes with it (a decision is a move too)
        self.sudo().activity_unlink([DECISION_ACTIVITY])
        Decision = self.env["ncc.decision"]
        if stage.kind in OFFICER_TARGET_KINDS:
            decided = self.filtered(lambda partner: partner.sudo().ncc_decision_id)
            if decided:  # reopened: the earlier decision no longer stands (it stays on record)
                Decision._ncc_record(decided, "reopened", stage=stage)
            self._ncc_generate_checks()
        elif stage.kind == "approved":
            approved = self.filtered(lambda partner: partner.ncc_decision != "approved")
            approved._ncc_record_decision("approved", stage, notify=not system)
        elif stage.kind == "rejected":
            kind = vals.get("ncc_decision") or "rejected"
            # A system move with no decision of the NCC's: the ECCC rejected it on the Atlas.
            by_atlas = system and not vals.get("ncc_decision")
            reason = vals.get("ncc_decision_reason") or self.env._("Rejected by the ECCC on the Atlas.")
            self._ncc_record_decision(kind, stage, reason=reason, origin="atlas" if by_atlas else "ncc",
                                      notify=not system)
        self._ncc_schedule_stage_activity(stage)

    def _ncc_record_decision(self, kind, stage, reason=False, origin="ncc", notify=True):
        """Record the decision on these applications, and tell each representative with the kind's email."""
        template = self.env.ref(f"ncc_atlas_connector.{DECISION_TEMPLATES[kind]}")
        decisions = self.env["ncc.decision"]._ncc_record(
            self, kind, reason=reason, origin=origin, stage=stage, template=template if notify else None,
            user=self.env["res.users"] if origin == "atlas" else None,
        )
        if notify:
            messages = self._ncc_notify(DECISION_TEMPLATES[kind])
            for decision in decisions:
                decision.write({"message_ids": [Command.link(m.id) for m in messages[decision.partner_id]]})
        return decisions

    def _ncc_current_round(self):
        """The application's current assessment round, the first one started when there is none yet."""
        self.ensure_one()
        partner = self.sudo()
        if not partner.ncc_round_id:
            first = self.env["ncc.assessment.round"].sudo().create({
                "partner_id": partner.id, "number": 1, "submitted_date": partner.ncc_submitted_date,
            })
            super(ResPartner, partner).write({"ncc_round_id": first.id})
        return partner.ncc_round_id

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
        """Add the checklist lines this application lacks, one per active check template (of the assessment, not
        of the re-validation)."""
        templates = self.env["ncc.assessment.check.template"].search([("revalidation", "=", False)])
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
        """The application is in: record the date, move it out of the draft stage into the first intake stage,
        open its checklist, acknowledge it to the representative. The one way out of the draft stage; a public
        registration form calls it under sudo for a confirmed submission."""
        env = self.env
        self._ncc_require_group(OFFICER_GROUP, env._("Only NCC officers submit applications."))
        for partner in self:
            if not partner.ncc_is_applicant:
                raise UserError(env._("%(name)s is not an applicant.", name=partner.display_name))
            if partner.ncc_submitted_date:
                raise UserError(env._("%(name)s has already been submitted.", name=partner.display_name))
        now = fields.Datetime.now()
        self.sudo().write({"ncc_submitted_date": now})
        for partner in self:
            partner._ncc_current_round().write({"submitted_date": now})
        waiting = self.filtered(lambda partner: partner.ncc_stage_kind in (False, DRAFT_KIND))
        if waiting:
            waiting.write({"ncc_stage_id": self._ncc_stage_of_kind("intake").id})
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

    def action_ncc_ready_for_decision(self):
        """The officer hands the assessment over: every required check has a result, a manager decides. Each NCC
        manager gets the decision activity (the decision, or any move, closes them all); the stage activity of the
        officer is marked done."""
        env = self.env
        self._ncc_require_group(OFFICER_GROUP, env._("Only NCC officers hand an application over for decision."))
        for partner in self:
            if partner.ncc_stage_kind not in WORK_KINDS or not partner.ncc_submitted_date:
                raise UserError(env._("%(name)s is not being assessed.", name=partner.display_name))
            if partner.ncc_ready_for_decision:
                raise UserError(env._("%(name)s is already waiting for a manager's decision.",
                                      name=partner.display_name))
            if partner.ncc_next_stage_id:
                raise UserError(env._(
                    "%(name)s is in “%(stage)s”: its assessment goes on in “%(next)s”. Hand it over from the last "
                    "assessment stage.",
                    name=partner.display_name, stage=partner.ncc_stage_id.name, next=partner.ncc_next_stage_id.name,
                ))
            pending = partner.ncc_check_ids.filtered(lambda line: line.required and line.result == "pending")
            if pending:
                raise UserError(env._(
                    "%(name)s still has required checks pending; record each one as passed, failed or not "
                    "applicable before handing it over:\n- %(checks)s",
                    name=partner.display_name,
                    checks="\n- ".join(f"{line.code or ''} {line.name}".strip() for line in pending),
                ))
        managers = env.ref(MANAGER_GROUP).sudo().all_user_ids.filtered(lambda user: user.active and not user.share)
        activity_type = env.ref(DECISION_ACTIVITY)
        self.sudo().write({"ncc_ready_for_decision": True})
        for partner in self:
            partner.activity_feedback([STAGE_ACTIVITY], feedback=env._("Ready for decision"))
            for manager in managers:
                partner.activity_schedule(
                    DECISION_ACTIVITY,
                    date_deadline=activity_type._get_date_deadline(),
                    note=Markup("<p>%s</p>") % env._("Assessed by %(officer)s: approve or reject.",
                                                     officer=env.user.name),
                    user_id=manager.id,
                )
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
        self._ncc_check_approve()
        self.write({"ncc_stage_id": self._ncc_stage_of_kind("approved").id})
        return True

    def action_ncc_approve_dialog(self):
        """The Approve button: the gates speak first (who may approve, what is still pending), and only an
        application that can be approved asks for the confirmation."""
        self._ncc_check_approve()
        self._ncc_check_approvable()
        return self._ncc_wizard("approve")

    def _ncc_check_approve(self):
        self._ncc_require_group(MANAGER_GROUP, self.env._("Only an NCC manager can approve an application."))
        for partner in self:
            if partner.ncc_stage_kind not in WORK_KINDS:
                raise UserError(self.env._("%(name)s is not being assessed.", name=partner.display_name))

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

    def action_ncc_withdraw(self, reason=None):
        """Record the applicant's withdrawal (its own request, in writing): the application or registration is
        closed, withdrawn from the Atlas if it is there, and the representative is told."""
        self._ncc_require_group(MANAGER_GROUP, self.env._("Only an NCC manager can record a withdrawal."))
        for partner in self:
            if not partner.ncc_stage_id or partner.ncc_stage_kind == "rejected":
                raise UserError(self.env._(
                    "%(name)s has no open application or registration to withdraw.", name=partner.display_name))
        if reason is None:
            return self._ncc_wizard("withdraw")
        return self._ncc_decide("withdrawn", reason)

    def action_ncc_new_round(self):
        """The company applies again after a rejection, a withdrawal or a revocation: a new round starts in the
        draft stage, and gets a fresh checklist when it is submitted; the earlier rounds keep theirs, with their
        history and decisions."""
        env = self.env
        self._ncc_require_group(OFFICER_GROUP, env._("Only NCC officers start a new application round."))
        for partner in self:
            if partner.ncc_stage_kind != "rejected":
                raise UserError(env._(
                    "%(name)s is not rejected, revoked or withdrawn: its application is still open.",
                    name=partner.display_name,
                ))
        Round = env["ncc.assessment.round"].sudo()
        now = fields.Datetime.now()
        for partner in self:
            current = partner._ncc_current_round()
            current.write({"is_current": False, "date_end": now})
            new_round = Round.create({
                "partner_id": partner.id, "number": max(partner.sudo().ncc_round_ids.mapped("number")) + 1,
                "date_start": now,
            })
            super(ResPartner, partner.sudo()).write({"ncc_round_id": new_round.id, "ncc_submitted_date": False})
        self.invalidate_recordset(["ncc_check_ids"])
        # back to draft: the new application is submitted as the first one was, and its checklist opens then
        self.write({"ncc_stage_id": self._ncc_first_stage().id})
        return True

    def _ncc_decide(self, decision, reason):
        if not (reason or "").strip():
            raise UserError(self.env._("A rejection, a revocation or a withdrawal needs its reasons."))
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
        messages = {}
        for partner in self.with_context(clean_context(self.env.context)):  # no default_* for the composer
            messages[partner] = partner.message_post_with_source(
                template, message_type="comment", subtype_xmlid="mail.mt_comment")
        return messages
