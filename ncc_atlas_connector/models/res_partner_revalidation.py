from dateutil.relativedelta import relativedelta
from markupsafe import Markup

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.fields import Domain
from odoo.tools import format_date

from .res_partner_assessment import MANAGER_GROUP, OFFICER_GROUP

REVALIDATION_ACTIVITY = "ncc_atlas_connector.mail_activity_type_ncc_revalidation"
YEARS_PARAM = "ncc_atlas_connector.revalidation_years"
USER_PARAM = "ncc_atlas_connector.revalidation_user_id"
DEFAULT_YEARS = 3
BATCH_SIZE = 50


class ResPartner(models.Model):
    """Periodic re-validation of members (assessment checklist point 18): registration is not limited in time but
    may be revoked when the criteria lapse (Art. 8(4) Regulation 2021/887). Every N years (a setting) a member is
    put in front of an officer with an activity and a short checklist; the officer records it as passed, or a
    manager revokes the registration through the decision flow."""

    _inherit = "res.partner"

    ncc_member_since = fields.Date(
        "Member since", compute="_compute_ncc_member_since", store=True, groups=OFFICER_GROUP,
        help="The day the registration was last published by the ECCC (the application entered a member stage).",
    )
    ncc_revalidated_date = fields.Date("Last re-validated", copy=False, readonly=True, tracking=True,
                                       groups=OFFICER_GROUP)
    ncc_revalidation_base_date = fields.Date(
        "Re-validation counted from", compute="_compute_ncc_revalidation_base_date", store=True,
        index="btree_not_null",
        groups=OFFICER_GROUP, help="The last re-validation, or the day the entity became a member.",
    )
    ncc_revalidation_due_date = fields.Date(
        "Re-validation due on", compute="_compute_ncc_revalidation_due", groups=OFFICER_GROUP,
    )
    ncc_revalidation_due = fields.Boolean(
        "Re-validation due", compute="_compute_ncc_revalidation_due", search="_search_ncc_revalidation_due",
        groups=OFFICER_GROUP,
    )
    ncc_revalidation_started_date = fields.Date(
        "Re-validation opened on", copy=False, readonly=True, groups=OFFICER_GROUP,
        help="Set when the scheduled job puts the member in front of an officer; cleared when the re-validation "
        "is passed or the registration revoked.",
    )
    ncc_revalidation_check_ids = fields.One2many(
        "ncc.assessment.check", "partner_id", "Re-validation checklist",
        domain=[("round_id.is_current", "=", True), ("revalidation", "=", True)],
        copy=False, groups=OFFICER_GROUP,
    )

    @api.depends("ncc_stage_history_ids.kind", "ncc_stage_history_ids.date_in")
    def _compute_ncc_member_since(self):
        for partner in self:
            stays = partner.sudo().ncc_stage_history_ids.filtered(lambda stay: stay.kind == "member")
            partner.ncc_member_since = max(stays.mapped("date_in")).date() if stays else False

    @api.depends("ncc_member_since", "ncc_revalidated_date")
    def _compute_ncc_revalidation_base_date(self):
        for partner in self:
            dates = [day for day in (partner.ncc_member_since, partner.ncc_revalidated_date) if day]
            partner.ncc_revalidation_base_date = max(dates) if dates else False

    @api.model
    def _ncc_revalidation_years(self):
        value = self.env["ir.config_parameter"].sudo().get_param(YEARS_PARAM, DEFAULT_YEARS)
        try:
            return max(int(value), 0)
        except (TypeError, ValueError):
            return DEFAULT_YEARS

    @api.depends("ncc_stage_kind", "ncc_revalidation_base_date")
    def _compute_ncc_revalidation_due(self):
        years = self._ncc_revalidation_years()
        today = fields.Date.context_today(self)
        for partner in self:
            base = partner.ncc_revalidation_base_date
            due_date = base + relativedelta(years=years) if years and base and partner.ncc_stage_kind == "member" \
                else False
            partner.ncc_revalidation_due_date = due_date
            partner.ncc_revalidation_due = bool(due_date) and due_date <= today

    @api.model
    def _ncc_revalidation_due_domain(self):
        """Members whose last re-validation (or membership) is N years old or more; none when N is 0."""
        years = self._ncc_revalidation_years()
        if not years:
            return Domain.FALSE
        limit = fields.Date.context_today(self) - relativedelta(years=years)
        return Domain([("ncc_stage_kind", "=", "member"), ("ncc_revalidation_base_date", "<=", limit)])

    def _search_ncc_revalidation_due(self, operator, value):
        if operator not in ("in", "not in"):
            return NotImplemented
        domain = self._ncc_revalidation_due_domain()
        return domain if (operator == "in") == (True in value) else [("id", "not in", self._search(domain))]

    # --- the scheduled job -----------------------------------------------------------------------------------------

    @api.model
    def _cron_ncc_revalidation(self):
        """ONE batch per call: Odoo's cron runner calls it again while members remain (`_commit_progress`). A
        member already opened is not opened again, so a second run adds neither an activity nor a checklist."""
        domain = self._ncc_revalidation_due_domain() & Domain("ncc_revalidation_started_date", "=", False)
        partners = self.env["ncc.atlas.sync"]._lock_next(domain, BATCH_SIZE)
        if not partners:
            return
        partners._ncc_open_revalidation()
        remaining = 0 if len(partners) < BATCH_SIZE else self.search_count(domain)
        if self.env.context.get("ir_cron_progress_id"):
            self.env["ir.cron"]._commit_progress(len(partners), remaining=remaining)

    def _ncc_revalidation_user(self):
        """The assessor, else the officer named in the settings for re-validations."""
        self.ensure_one()
        if self.ncc_assessor_id:
            return self.ncc_assessor_id
        user_id = self.env["ir.config_parameter"].sudo().get_param(USER_PARAM)
        user = self.env["res.users"].browse(int(user_id)).exists() if (user_id or "").isdigit() else None
        return user if user and user.active and user.has_group(OFFICER_GROUP) else self.env["res.users"]

    def _ncc_open_revalidation(self):
        """A fresh re-validation checklist (earlier results set back to pending) and one activity for the officer."""
        templates = self.env["ncc.assessment.check.template"].search([("revalidation", "=", True)])
        Check = self.env["ncc.assessment.check"].sudo()
        today = fields.Date.context_today(self)
        activity_type = self.env.ref(REVALIDATION_ACTIVITY)
        for partner in self:
            lines = partner.sudo().ncc_revalidation_check_ids
            lines.filtered(lambda line: line.result != "pending").write({"result": "pending", "note": False})
            Check.create([Check._values_from_template(template, partner)
                          for template in templates - lines.template_id])
            user = partner._ncc_revalidation_user()
            if user and not partner.activity_ids.filtered(lambda act: act.activity_type_id == activity_type):
                partner.activity_schedule(
                    REVALIDATION_ACTIVITY,
                    date_deadline=activity_type._get_date_deadline(),
                    note=Markup("<p>%s</p>") % self.env._(
                        "Member since %(since)s: check that it still meets the criteria, then record the "
                        "re-validation as passed or have a manager revoke the registration.",
                        since=format_date(self.env, partner.ncc_member_since) or "-"),
                    user_id=user.id,
                )
        super(ResPartner, self.sudo()).write({"ncc_revalidation_started_date": today})

    # --- the officer's outcome -------------------------------------------------------------------------------------

    def action_ncc_revalidation_pass(self):
        """The member still meets the criteria: the re-validation date moves on, the member stays."""
        self._ncc_require_group(OFFICER_GROUP, self.env._("Only NCC officers record re-validations."))
        for partner in self:
            if partner.ncc_stage_kind != "member" or not partner.ncc_revalidation_started_date:
                raise UserError(self.env._("%(name)s has no re-validation open.", name=partner.display_name))
            open_lines = partner.ncc_revalidation_check_ids.filtered(lambda line: line.required and not line.is_passed)
            if open_lines:
                raise UserError(
                    self.env._("%(name)s cannot pass its re-validation yet:", name=partner.display_name)
                    + "\n- " + "\n- ".join(f"{line.name}: {line._result_label()}" for line in open_lines)
                )
        today = fields.Date.context_today(self)
        for partner in self:
            items = Markup("").join(
                Markup("<li>%s: %s</li>") % (line.name, line._result_label())
                for line in partner.ncc_revalidation_check_ids
            )
            partner._message_log(body=Markup("%s<ul>%s</ul>") % (self.env._("Re-validation passed"), items))
        self.sudo().write({"ncc_revalidated_date": today, "ncc_revalidation_started_date": False})
        self._ncc_close_revalidation_activities(self.env._("Re-validation passed."))
        return True

    def action_ncc_revalidation_revoke(self):
        """A lapsed member: the manager's revocation through the decision flow (reasons mandatory, the
        representative told, `to_be_rejected` on the Atlas)."""
        self._ncc_require_group(MANAGER_GROUP, self.env._("Only an NCC manager can revoke a registration."))
        return self.action_ncc_revoke()

    def _ncc_close_revalidation_activities(self, feedback):
        activities = self.activity_ids.filtered(
            lambda act: act.activity_type_id == self.env.ref(REVALIDATION_ACTIVITY))
        if activities:
            activities.sudo().action_feedback(feedback=feedback)

    def _ncc_after_move(self, stage, previous, vals):
        super()._ncc_after_move(stage, previous, vals)
        if stage.kind != "member":  # revoked, or sent back: no re-validation stays open
            leaving = self.filtered("ncc_revalidation_started_date")
            if leaving:
                super(ResPartner, leaving.sudo()).write({"ncc_revalidation_started_date": False})
                leaving._ncc_close_revalidation_activities(self.env._("The member left the Community."))
