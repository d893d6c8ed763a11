from datetime import timedelta

from odoo import fields
from odoo.tests import tagged

from .atlas_common import NCC_KEY, AtlasCase


@tagged("post_install", "-at_install")
class TestAtlasSettings(AtlasCase):
    def settings(self, **vals):
        return self.env["res.config.settings"].create(vals)

    def test_connection_test_names_the_key_owner(self):
        action = self.settings().action_ncc_atlas_test_connection()
        self.assertEqual(action["params"]["type"], "success")
        self.assertIn(self.sandbox.ncc_user_uuid, action["params"]["message"])

    def test_connection_test_says_what_failed(self):
        action = self.settings(ncc_atlas_api_key="not-the-key").action_ncc_atlas_test_connection()
        self.assertEqual(action["params"]["type"], "danger")
        self.assertNotIn("not-the-key", action["params"]["message"], "the key is never shown")

    def test_key_as_query_parameter_never_reaches_the_log(self):
        self.settings(ncc_atlas_key_transport="query").execute()
        self.env["ncc.atlas.sync"]._test_connection()
        partner = self.approved_applicant()
        self.push()
        self.assertEqual(partner.ncc_sync_state, "synced", partner.ncc_sync_error)
        logs = self.env["ncc.atlas.sync.log"].search([])
        self.assertTrue(logs)
        for log in logs:
            for text in (log.path, log.request_excerpt, log.response_excerpt, log.error):
                self.assertNotIn(NCC_KEY, text or "")

    def test_interval_reschedules_the_crons(self):
        self.settings(ncc_atlas_interval=5).execute()
        for xmlid in ("ir_cron_ncc_atlas_push", "ir_cron_ncc_atlas_pull"):
            cron = self.env.ref(f"ncc_atlas_connector.{xmlid}")
            self.assertEqual((cron.interval_number, cron.interval_type), (5, "minutes"))

    def test_credentials_only_for_administrators(self):
        fields_ = self.env["res.config.settings"]._fields
        for name in ("ncc_atlas_api_key", "ncc_atlas_basic_password", "ncc_atlas_basic_user"):
            self.assertEqual(fields_[name].groups, "base.group_system")

    def test_missing_configuration_keeps_applications_pending_with_a_reason(self):
        self.env["ir.config_parameter"].sudo().set_param("ncc_atlas_connector.url", "")
        partner = self.approved_applicant()
        self.push()
        self.assertEqual(partner.ncc_sync_state, "pending")
        self.assertIn("Settings > Community Registration", partner.ncc_sync_error)
        self.assertEqual(self.sandbox.count(), 0)

    def test_pointing_the_sandbox_set_up_elsewhere_forgets_the_key_owner(self):
        params = self.env["ir.config_parameter"].sudo()
        params.set_param("ncc_atlas_connector.owner_uuid", "owner-of-the-old-key")
        self.sync._configure_sandbox(self.sandbox.url, NCC_KEY)  # the same Atlas and key: still the same owner
        self.assertEqual(params.get_param("ncc_atlas_connector.owner_uuid"), "owner-of-the-old-key")
        self.sync._configure_sandbox(self.sandbox.url, "another-key")
        self.assertFalse(params.get_param("ncc_atlas_connector.owner_uuid"))

    def test_plain_http_only_to_loopback(self):
        self.env["ir.config_parameter"].sudo().set_param("ncc_atlas_connector.url", "http://atlas.example.eu/jsonapi")
        partner = self.approved_applicant()
        self.push()
        self.assertEqual(partner.ncc_sync_state, "pending")
        self.assertIn("https", partner.ncc_sync_error)


@tagged("post_install", "-at_install")
class TestAtlasSyncLog(AtlasCase):
    def test_old_entries_are_removed(self):
        Log = self.env["ncc.atlas.sync.log"]
        old, recent = Log.create([{"operation": "push"}, {"operation": "push"}])
        self.env.cr.execute("UPDATE ncc_atlas_sync_log SET create_date = %s WHERE id = %s",
                            (fields.Datetime.now() - timedelta(days=91), old.id))
        Log.invalidate_model(["create_date"])
        self.assertEqual(Log._gc_ncc_sync_log(), 1)
        self.assertFalse(old.exists())
        self.assertTrue(recent.exists())

    def test_retry_from_the_log(self):
        bogus = self.env["ncc.atlas.term"].create({
            "name": "Not on the Atlas", "vocabulary": "sectors", "atlas_uuid": "00000000-0000-4000-8000-000000000001",
        })
        partner = self.approved_applicant(ncc_sector_ids=[(6, 0, bogus.ids)])
        self.push()
        log = partner.ncc_sync_log_ids.filtered(lambda entry: entry.outcome == "validation")
        self.assertEqual(log.status, 422)
        self.assertIn("field_sectors", log.error)
        log.action_retry()
        self.assertEqual(partner.ncc_sync_state, "pending")

    def test_smart_button_opens_the_log_of_the_registration(self):
        partner = self.approved_applicant()
        self.push()
        action = partner.action_ncc_open_sync_log()
        self.assertEqual(action["domain"], [("partner_id", "=", partner.id)])
        self.assertEqual(partner.ncc_sync_log_count, len(partner.ncc_sync_log_ids))


@tagged("post_install", "-at_install")
class TestNeutralize(AtlasCase):
    def test_a_copied_database_stops_syncing(self):
        from odoo.modules.neutralize import get_neutralization_queries

        for query in get_neutralization_queries(["ncc_atlas_connector"]):
            self.env.cr.execute(query)
        params = self.env["ir.config_parameter"].sudo()
        self.assertFalse(params.get_param("ncc_atlas_connector.api_key"))
        self.assertFalse(params.get_param("ncc_atlas_connector.url"))
        self.env["ir.cron"].invalidate_model(["active"])
        self.assertFalse(self.env.ref("ncc_atlas_connector.ir_cron_ncc_atlas_push").active)
