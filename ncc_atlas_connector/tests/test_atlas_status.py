"""The Atlas status panel, its alert job, the sync log's titles, the pipeline's check counts and the NCC users' home,
used as the web client and the cron runner use them."""

import json
from datetime import timedelta

from odoo import fields
from odoo.exceptions import AccessError
from odoo.tests import Form, HttpCase, new_test_user, tagged
from odoo.tools import mute_logger
from odoo.tools.safe_eval import safe_eval

from .assessment_common import REF, AssessmentCase
from .atlas_common import AtlasCase
from .test_access_rpc import RpcCase

ALERT_TYPE = REF + "mail_activity_type_ncc_pending_alert"


class StatusCase(AssessmentCase, AtlasCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.admin = new_test_user(cls.env, "ncc_status_admin", groups="base.group_user,base.group_system",
                                  name="Ada Administrator")

    def application_in(self, state, name, hours=0):
        """An application in this sync state, waiting (when pending) for so many hours."""
        partner = self.create_applicant(name=name)
        values = {"ncc_sync_state": state}
        partner._ncc_sync_writer().write(values)
        if state == "pending" and hours:
            partner.sudo().write({"ncc_pending_since": fields.Datetime.now() - timedelta(hours=hours)})
        return partner

    def queued(self, name):
        """An approved application, queued for the push (the Atlas tests' shortcut to the approved stage)."""
        return AtlasCase.approved_applicant(self, name=name)

    def open_panel(self, user):
        """The panel as the menu opens it: the server action, then the form of the record it returns."""
        action = self.env.ref(REF + "ncc_atlas_status_action").with_user(user).run()
        self.assertEqual((action["res_model"], action["view_mode"]), ("ncc.atlas.status", "form"))
        Status = self.env[action["res_model"]].with_user(user).with_context(action.get("context") or {})
        return Form(Status.browse(action["res_id"]))

    def listed(self, action, user):
        """The records of a list action, as its domain selects them for the user."""
        domain = action["domain"]
        domain = safe_eval(domain) if isinstance(domain, str) else domain
        return self.env[action["res_model"]].with_user(user).search(domain)

    def alerts(self):
        return self.env["mail.activity"].search([("activity_type_id", "=", self.env.ref(ALERT_TYPE).id)])

    def managers(self):
        group = self.env.ref(REF + "group_ncc_manager")
        return group.all_user_ids.filtered(lambda user: user.active and not user.share)


@tagged("post_install", "-at_install")
class TestAtlasStatus(StatusCase):
    def test_panel_counts_each_state_and_opens_its_applications(self):
        pending = self.application_in("pending", "Waiting Labs", hours=5)
        error = self.application_in("error", "Broken Labs")
        conflict = self.application_in("conflict", "Torn Labs")
        choice = self.application_in("needs_choice", "Twin Labs")
        self.application_in("synced", "Quiet Labs")
        for user in (self.manager, self.admin):
            with self.subTest(user=user.login):
                panel = self.open_panel(user)
                self.assertEqual((panel.pending_count, panel.error_count, panel.conflict_count,
                                  panel.needs_choice_count), (1, 1, 1, 1))
                self.assertEqual(panel.oldest_pending_hours, 5)
                record = panel.save()
                for method, partner in [("action_open_pending", pending), ("action_open_error", error),
                                        ("action_open_conflict", conflict), ("action_open_needs_choice", choice)]:
                    action = getattr(record, method)()
                    self.assertEqual(self.listed(action, self.manager), partner, method)

    def test_officer_cannot_open_the_panel(self):
        with self.assertRaises(AccessError):
            self.env.ref(REF + "ncc_atlas_status_action").with_user(self.officer).run()
        with self.assertRaises(AccessError):
            Form(self.env["ncc.atlas.status"].with_user(self.officer))

    def test_jobs_show_their_last_run_and_the_push_its_requests(self):
        partner = self.queued("Pushed Labs")
        self.assertEqual(partner.ncc_sync_state, "pending")
        self.assertTrue(partner.ncc_pending_since, "queued: the panel counts its wait from now")
        before = self.sandbox.count()
        cron = self.push()
        self.assertEqual(partner.ncc_sync_state, "synced", partner.ncc_sync_error)
        self.assertFalse(partner.ncc_pending_since, "sent: no longer waiting")
        self.assertEqual(self.sandbox.count() - before, 2, "a look-up and a create")
        self.assertEqual(cron.ncc_last_run_status, "fully done")
        self.assertTrue(cron.ncc_last_run_start)
        self.assertGreaterEqual(cron.ncc_last_run_duration, 0)
        panel = self.open_panel(self.manager)
        self.assertIn("Atlas: send registrations", panel.jobs_html)
        self.assertIn("Done", panel.jobs_html)
        self.assertEqual(panel.connection_state, "connected")
        self.assertIn(f"<td class='text-end'>{self.sandbox.count()}</td>", panel.requests_html,
                      "today's requests, one sync log entry each")

    def test_an_outage_holds_the_sync_back_and_the_panel_says_so(self):
        for index in range(3):
            self.queued(f"Outage Labs {index}")
        self.sync._configure_sandbox("http://127.0.0.1:9", "test-ncc-key-0123456789")
        self.push()
        panel = self.open_panel(self.manager)
        self.assertTrue(panel.outage)
        self.assertEqual(panel.connection_state, "outage")
        self.assertEqual(panel.pending_count, 3, "nothing lost: they wait")

    def test_refused_key_shows_on_the_panel(self):
        self.sync._configure_sandbox(self.sandbox.url, "a-key-the-atlas-does-not-know")
        self.queued("Refused Labs")
        with mute_logger("odoo.addons.ncc_atlas_connector.models.ncc_atlas_sync"):  # it says so, as an error
            self.push()
        self.assertEqual(self.open_panel(self.manager).connection_state, "key_refused")

    def test_connection_test_is_shown(self):
        ok, _message = self.sync._test_connection()
        self.assertTrue(ok)
        panel = self.open_panel(self.admin)
        self.assertTrue(panel.last_test_date)
        self.assertTrue(panel.last_test_ok)


@tagged("post_install", "-at_install")
class TestPendingAlert(StatusCase):
    def setUp(self):
        super().setUp()
        self.env["ir.config_parameter"].sudo().set_param(REF + "pending_alert_hours", "24")

    def test_managers_get_one_activity_each_however_often_the_job_runs(self):
        partner = self.application_in("pending", "Stuck Labs", hours=30)
        before = self.sandbox.count()
        cron = self.run_cron("pending_alert")
        alerts = self.alerts()
        self.assertEqual(alerts.user_id, self.managers())
        self.assertEqual(len(alerts), len(self.managers()), "one activity per manager")
        self.assertEqual(alerts.mapped("res_id"), [partner.id] * len(alerts))
        self.assertNotIn(self.officer, alerts.user_id)
        self.run_cron("pending_alert")
        self.assertEqual(self.alerts(), alerts, "no second activity at the next run")
        self.assertEqual(self.sandbox.count(), before, "the check asks nothing of the Atlas")
        self.assertEqual(cron.ncc_last_run_status, "fully done")
        alerts[0].action_feedback(feedback="Looked at it")
        self.run_cron("pending_alert")
        self.assertEqual(len(self.alerts()), len(alerts) - 1, "marked done: not raised again for the same wait")
        # sent at last: the alert goes
        partner._ncc_sync_writer().write({"ncc_sync_state": "synced"})
        self.run_cron("pending_alert")
        self.assertFalse(self.alerts())
        # a new long wait alerts again
        self.application_in("pending", "Stuck Again Labs", hours=48)
        self.run_cron("pending_alert")
        self.assertEqual(len(self.alerts()), len(self.managers()))

    def test_no_alert_under_the_threshold_or_when_off(self):
        self.application_in("pending", "Fresh Labs", hours=3)
        self.run_cron("pending_alert")
        self.assertFalse(self.alerts())
        self.application_in("pending", "Old Labs", hours=100)
        self.env["ir.config_parameter"].sudo().set_param(REF + "pending_alert_hours", "0")
        self.run_cron("pending_alert")
        self.assertFalse(self.alerts(), "0 hours: no alert")

    def test_setting_is_saved_and_read_back(self):
        settings = Form(self.env["res.config.settings"])
        self.assertEqual(settings.ncc_pending_alert_hours, 24)
        settings.ncc_pending_alert_hours = 0
        settings.save().execute()
        self.assertEqual(Form(self.env["res.config.settings"]).ncc_pending_alert_hours, 0, "0 stays 0: off")


@tagged("post_install", "-at_install")
class TestAtlasStatusRpc(RpcCase, StatusCase):
    def test_only_managers_and_administrators_open_the_panel(self):
        self.application_in("error", "Rpc Broken Labs")
        for user in (self.officer, self.plain_user):
            with self.subTest(user=user.login):
                self.denied(user, "ncc.atlas.status", "action_open_panel")
                self.denied(user, "ncc.atlas.status", "web_search_read", domain=[],
                            specification={"error_count": {}})
        for user in (self.manager, self.admin):
            with self.subTest(user=user.login):
                action = self.call(user, "ncc.atlas.status", "action_open_panel")
                [read] = self.call(user, "ncc.atlas.status", "web_read", [action["res_id"]],
                                   specification={"error_count": {}, "jobs_html": {}, "connection_state": {}})
                self.assertEqual(read["error_count"], 1)

    def test_officer_cannot_read_the_run_fields_of_the_jobs(self):
        cron = self.env.ref(REF + "ir_cron_ncc_atlas_push")
        self.denied(self.officer, "ir.cron", "read", [cron.id], ["ncc_last_run_status"])


@tagged("post_install", "-at_install")
class TestAtlasStatusTour(StatusCase, HttpCase):
    browser_size = "1440x900"

    def test_manager_clicks_from_the_panel_to_the_applications_in_error(self):
        self.application_in("error", "Tour Broken Labs")
        self.application_in("pending", "Tour Waiting Labs", hours=2)
        self.start_tour("/odoo/atlas-status", "ncc_atlas_status_tour", login="ncc_manager")


@tagged("post_install", "-at_install")
class TestSyncLogEntries(StatusCase):
    def test_entry_is_titled_and_its_json_readable_with_personal_data_masked(self):
        partner = self.create_applicant(name="Logged Labs")
        request = {"data": {"attributes": {"title": "Logged Labs", "field_e_mail": "ana@example.eu"}}}

        class Exchange:
            method, path, status, duration_ms, outcome, error = "PATCH", "/node/cluster/x", 200, 12, "ok", None
            request_excerpt = json.dumps(request)
            response_excerpt = '{"data": {"id": "x", "attributes": {"title": "Logged La'  # cut short

        [log_id] = self.env["ncc.atlas.sync.log"]._from_exchanges([Exchange()], partner=partner, operation="push")
        log = self.env["ncc.atlas.sync.log"].with_user(self.officer).browse(log_id)
        self.assertEqual(log.display_name, "Update on the Atlas: Logged Labs")
        self.assertIn('\n    "attributes": {\n', log.request_pretty, "indented")
        self.assertIn('"field_e_mail": "***"', log.request_pretty, "still masked")
        self.assertNotIn("ana@example.eu", log.request_pretty)
        self.assertEqual(log.response_pretty, Exchange.response_excerpt, "an excerpt cut short stays as it was")
        self.assertEqual(self.env["ncc.atlas.sync.log"].browse(log_id).sudo().action_label, "Update on the Atlas")

    def test_form_has_no_chatter(self):
        arch = self.env["ncc.atlas.sync.log"].get_view(view_type="form")["arch"]
        self.assertNotIn("o-mail-Form-chatter", arch)
        self.assertNotIn("<chatter", arch)


@tagged("post_install", "-at_install")
class TestPipelineAndHome(StatusCase):
    def test_card_counts_every_line_of_the_checklist(self):
        applicant = self.new_applicant()
        applicant.with_user(self.officer).action_ncc_submit()
        lines = applicant.ncc_check_ids
        lines[:3].write({"result": "pass"})
        lines[3:4].write({"result": "fail"})
        self.assertEqual(applicant.ncc_check_count, len(lines))
        self.assertEqual(applicant.ncc_check_count, 18, "the two optional checks too")
        self.assertEqual(applicant.ncc_check_done_count, 4)
        self.assertEqual(applicant.ncc_check_required_count, 16, "the approval gate still counts the required ones")

    def test_eccc_side_and_closed_stages_are_folded(self):
        folded = {kind for kind, fold in [(s.kind, s.fold) for s in self.stages.values()] if fold}
        self.assertEqual(folded, {"approved", "eccc_review", "member", "rejected"})

    def test_ncc_users_land_on_the_applications_and_nobody_else_changes(self):
        home = self.env.ref(REF + "action_ncc_application")
        self.assertEqual(self.env.ref("base.user_admin").action_id.id, home.id, "an NCC manager at install")
        officer = new_test_user(self.env, "ncc_home_officer", groups=REF + "group_ncc_officer")
        self.assertEqual(officer.action_id.id, home.id)
        plain = new_test_user(self.env, "ncc_home_plain", groups="base.group_user")
        self.assertFalse(plain.action_id)
        chosen = self.env.ref("base.action_res_users")
        own = new_test_user(self.env, "ncc_home_own", groups="base.group_user")
        own.action_id = chosen.id
        own.write({"group_ids": [(4, self.env.ref(REF + "group_ncc_officer").id)]})
        self.assertEqual(own.action_id.id, chosen.id, "a home someone chose is kept")
        officer.write({"group_ids": [(3, self.env.ref(REF + "group_ncc_officer").id),
                                     (4, self.env.ref("base.group_user").id)]})
        self.assertFalse(officer.action_id, "left the NCC: the pipeline is no longer home")
