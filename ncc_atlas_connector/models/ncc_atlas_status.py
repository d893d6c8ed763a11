from datetime import datetime, timedelta

from markupsafe import Markup

from odoo import api, fields, models
from odoo.tools import SQL, format_datetime

from .atlas_mapping import PARAM_PREFIX as PARAM
from .ir_cron import STATUS_CRONS
from .ncc_atlas_sync import OUTAGE_EXCHANGES

MANAGER_GROUP = "ncc_atlas_connector.group_ncc_manager"
ALERT_ACTIVITY = "ncc_atlas_connector.mail_activity_type_ncc_pending_alert"
ALERT_HOURS_PARAM = PARAM + "pending_alert_hours"
ALERT_HOURS_DEFAULT = 24
# Set while the managers have been alerted of the current long wait: one alert per wait, not one per run.
ALERT_RAISED_PARAM = PARAM + "pending_alert_raised"
# Operations of the scheduled sync: an outage is read from their exchanges.
JOB_OPERATIONS = ("push", "look-up", "read", "pull", "vocabulary")
REQUEST_DAYS = 14
CONNECTION_STATES = [
    ("not_configured", "Not configured"),
    ("key_refused", "Key refused"),
    ("outage", "Not answering"),
    ("connected", "Answering"),
    ("unknown", "No exchange yet"),
]
# Sync states shown on the panel, each a click to the applications in it.
PANEL_SYNC_STATES = ("pending", "error", "conflict", "needs_choice")


class NccAtlasStatus(models.TransientModel):
    """The Atlas status panel of managers and administrators: is the Atlas answering, did the jobs run, what waits
    and what needs a person. Everything is read when the panel opens; nothing is stored."""

    _name = "ncc.atlas.status"
    _description = "Atlas status"

    connection_state = fields.Selection(CONNECTION_STATES, "Connection", compute="_compute_status")
    connection_since = fields.Datetime("Since", compute="_compute_status")
    connection_message = fields.Char("Connection details", compute="_compute_status")
    last_test_date = fields.Datetime("Last connection test", compute="_compute_status")
    last_test_ok = fields.Boolean("Last test succeeded", compute="_compute_status")
    outage = fields.Boolean(
        "Held back by an outage", compute="_compute_status",
        help="The last exchanges of the scheduled sync got no answer at all: everything waits, and the next run "
        "tries again.",
    )
    pending_count = fields.Integer("Pending", compute="_compute_status")
    oldest_pending_hours = fields.Integer("Oldest pending (hours)", compute="_compute_status")
    error_count = fields.Integer("In error", compute="_compute_status")
    conflict_count = fields.Integer("In conflict", compute="_compute_status")
    needs_choice_count = fields.Integer("Needing a choice", compute="_compute_status")
    alert_hours = fields.Integer("Alert after (hours)", compute="_compute_status")
    jobs_html = fields.Html("Scheduled jobs", compute="_compute_status", sanitize=False)
    requests_html = fields.Html("Requests to the Atlas", compute="_compute_status", sanitize=False)

    # --- what the panel reads --------------------------------------------------------------------------------------

    def _compute_status(self):
        # sudo: administrators see the panel without the officers' fields; the panel shows counts, not records
        Partner = self.env["res.partner"].sudo()
        counts = dict(Partner._read_group(
            [("ncc_is_applicant", "=", True), ("ncc_sync_state", "in", PANEL_SYNC_STATES)],
            ["ncc_sync_state"], ["__count"],
        ))
        oldest = self._oldest_pending()
        state, since, message = self._connection()
        last_test = self.env["ncc.atlas.sync.log"].sudo().search([("operation", "=", "connection test")], limit=1)
        outage_since = self._outage_since()
        values = {
            "connection_state": state,
            "connection_since": since,
            "connection_message": message,
            "last_test_date": last_test.create_date,
            "last_test_ok": last_test.outcome == "ok",
            "outage": bool(outage_since),
            "pending_count": counts.get("pending", 0),
            "oldest_pending_hours": oldest,
            "error_count": counts.get("error", 0),
            "conflict_count": counts.get("conflict", 0),
            "needs_choice_count": counts.get("needs_choice", 0),
            "alert_hours": self._alert_hours(),
            "jobs_html": self._jobs_html(),
            "requests_html": self._requests_html(),
        }
        for panel in self:
            panel.update(values)

    @api.model
    def _oldest_pending(self):
        """The age in hours of the application waiting longest to be sent, 0 when none waits. One queued before
        the waiting time was recorded counts from its last change."""
        self.env.cr.execute(SQL("""
            SELECT min(COALESCE(ncc_pending_since, write_date)) FROM res_partner
             WHERE ncc_is_applicant AND ncc_sync_state = 'pending'
        """))
        since = self.env.cr.fetchone()[0]
        return int((fields.Datetime.now() - since).total_seconds() // 3600) if since else 0

    @api.model
    def _alert_hours(self):
        value = self.env["ir.config_parameter"].sudo().get_param(ALERT_HOURS_PARAM, ALERT_HOURS_DEFAULT)
        try:
            return max(0, int(value))
        except ValueError:
            return ALERT_HOURS_DEFAULT

    @api.model
    def _connection(self):
        """(state, since, words) of the link to the Atlas, from the settings and the sync's own flags and log."""
        env = self.env
        params = env["ir.config_parameter"].sudo()
        if not params.get_param(PARAM + "url") or not params.get_param(PARAM + "api_key"):
            return "not_configured", False, env._("An administrator sets the Atlas URL and API key in Settings.")
        refused = params.get_param(PARAM + "key_refused_since")
        if refused:
            return "key_refused", fields.Datetime.to_datetime(refused), env._(
                "The Atlas refuses the API key: nothing is sent until an administrator fixes it in Settings.")
        outage = self._outage_since()
        if outage:
            return "outage", outage, env._(
                "The Atlas does not answer: applications wait, and every run tries again.")
        last = env["ncc.atlas.sync.log"].sudo().search([("status", "!=", 0)], limit=1)
        if not last:
            return "unknown", False, env._("No exchange with the Atlas yet.")
        return "connected", last.create_date, env._("The Atlas answered the last request.")

    @api.model
    def _outage_since(self):
        """When the scheduled sync's run of exchanges without any answer began, if the last ones all got none
        (the sync's own outage rule: so many in a row end its run)."""
        self.env.cr.execute(SQL("""
            SELECT status, outcome, create_date FROM ncc_atlas_sync_log
             WHERE operation IN %s ORDER BY id DESC LIMIT 200
        """, JOB_OPERATIONS))
        silent = []
        for status, outcome, date in self.env.cr.fetchall():
            if status or outcome not in ("retryable", "unknown"):
                break
            silent.append(date)
        return silent[-1] if len(silent) >= OUTAGE_EXCHANGES else False

    @api.model
    def _jobs_html(self):
        env = self.env
        statuses = dict(env["ir.cron"]._fields["ncc_last_run_status"]._description_selection(env))
        rows = []
        for xmlid in STATUS_CRONS:
            cron = env.ref(f"ncc_atlas_connector.{xmlid}", raise_if_not_found=False)
            if not cron:
                continue
            cron = cron.sudo()
            if cron.ncc_last_run_start:
                outcome = statuses.get(cron.ncc_last_run_status, "")
                when = format_datetime(env, cron.ncc_last_run_start)
                took = env._("%(seconds)s s", seconds=f"{cron.ncc_last_run_duration:.2f}")
            else:
                outcome, when, took = env._("Not run yet"), "", ""
            css = {"failed": "text-danger fw-bold", "partially done": "text-warning"}.get(cron.ncc_last_run_status, "")
            state = env._("Active") if cron.active else env._("Stopped")
            rows.append(Markup(
                "<tr><td>%s</td><td>%s</td><td class='%s'>%s</td><td>%s</td><td>%s</td><td>%s</td></tr>"
            ) % (cron.cron_name, when, css, outcome, took, format_datetime(env, cron.nextcall), state))
        head = Markup("<tr><th>%s</th><th>%s</th><th>%s</th><th>%s</th><th>%s</th><th>%s</th></tr>") % (
            env._("Job"), env._("Last run"), env._("Outcome"), env._("Duration"), env._("Next run"), env._("State"))
        return Markup("<table class='table table-sm o_ncc_status_jobs'><thead>%s</thead><tbody>%s</tbody></table>") % (
            head, Markup("").join(rows))

    @api.model
    def _requests_html(self):
        """Requests to the Atlas per day over the last two weeks, from the sync log (one entry per request)."""
        env = self.env
        start = fields.Date.context_today(self) - timedelta(days=REQUEST_DAYS - 1)
        groups = env["ncc.atlas.sync.log"].sudo()._read_group(
            [("create_date", ">=", fields.Datetime.to_datetime(start))], ["create_date:day", "outcome"], ["__count"])
        per_day = {}
        for day, outcome, count in groups:
            day = day.date() if isinstance(day, datetime) else day
            total, failed = per_day.get(day, (0, 0))
            per_day[day] = (total + count, failed + (count if outcome != "ok" else 0))
        if not per_day:
            return Markup("<p class='text-muted'>%s</p>") % env._("No request to the Atlas in the last two weeks.")
        rows = Markup("").join(
            Markup("<tr><td>%s</td><td class='text-end'>%s</td><td class='text-end'>%s</td></tr>") % (
                fields.Date.to_string(day), total, failed)
            for day, (total, failed) in sorted(per_day.items(), reverse=True)
        )
        head = Markup("<tr><th>%s</th><th class='text-end'>%s</th><th class='text-end'>%s</th></tr>") % (
            env._("Day"), env._("Requests"), env._("Not done"))
        return Markup("<table class='table table-sm o_ncc_status_requests' style='max-width: 36rem'>"
                      "<thead>%s</thead><tbody>%s</tbody></table>") % (head, rows)

    def _compute_display_name(self):
        for panel in self:
            panel.display_name = self.env._("Atlas status")

    @api.model
    def action_open_panel(self):
        """The panel, on a record of its own: its clicks then open the lists straight away."""
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Atlas status"),
            "res_model": self._name,
            "res_id": self.create({}).id,
            "view_mode": "form",
            "views": [(False, "form")],
            "target": "current",
        }

    # --- clicks to the lists ----------------------------------------------------------------------------------------

    def _open_applications(self, state, name):
        action = self.env["ir.actions.act_window"]._for_xml_id("ncc_atlas_connector.action_ncc_application")
        action.update({
            "name": name,
            "display_name": name,
            "domain": [("ncc_is_applicant", "=", True), ("ncc_sync_state", "=", state)],
            "view_mode": "list,form",
            "views": [(self.env.ref("ncc_atlas_connector.view_ncc_application_list").id, "list"), (False, "form")],
            "context": {"create": False},
        })
        return action

    def action_open_pending(self):
        return self._open_applications("pending", self.env._("Waiting to be sent to the Atlas"))

    def action_open_error(self):
        return self._open_applications("error", self.env._("Atlas sync in error"))

    def action_open_conflict(self):
        return self._open_applications("conflict", self.env._("Atlas sync in conflict"))

    def action_open_needs_choice(self):
        return self._open_applications("needs_choice", self.env._("Atlas registration to choose"))

    def action_open_sync_log(self):
        return self.env["ir.actions.act_window"]._for_xml_id("ncc_atlas_connector.ncc_atlas_sync_log_action")

    def action_refresh(self):
        return {"type": "ir.actions.client", "tag": "soft_reload"}

    # --- the alert --------------------------------------------------------------------------------------------------

    @api.model
    def _cron_pending_alert(self):
        """Give every manager one activity when the oldest pending application has waited longer than the
        setting: once for the whole wait, not at every run (nor again when a manager marks it done). Once nothing
        waits that long, the activities left go and the next long wait alerts again."""
        hours = self._alert_hours()
        params = self.env["ir.config_parameter"].sudo()
        activity_type = self.env.ref(ALERT_ACTIVITY)
        if not hours or self._oldest_pending() < hours:
            self.env["mail.activity"].sudo().search([("activity_type_id", "=", activity_type.id)]).unlink()
            if params.get_param(ALERT_RAISED_PARAM):
                params.set_param(ALERT_RAISED_PARAM, False)
            return
        if params.get_param(ALERT_RAISED_PARAM):
            return
        oldest = self.env["res.partner"].sudo().search(
            [("ncc_is_applicant", "=", True), ("ncc_sync_state", "=", "pending")],
            order="ncc_pending_since, write_date, id", limit=1,
        )
        managers = self.env.ref(MANAGER_GROUP).sudo().all_user_ids.filtered(lambda u: u.active and not u.share)
        for manager in managers:
            oldest.activity_schedule(
                activity_type_id=activity_type.id,
                user_id=manager.id,
                summary=self.env._("Applications wait to be sent to the Atlas"),
                note=self.env._(
                    "The oldest application waiting to be sent to the Atlas (%(name)s) has waited more than "
                    "%(hours)s hours. See the Atlas status panel: is the Atlas answering, did the jobs run?",
                    name=oldest.name, hours=hours),
            )
        params.set_param(ALERT_RAISED_PARAM, fields.Datetime.to_string(fields.Datetime.now()))
