"""The push sends a batch's creates and updates side by side (a few threads doing HTTP only) and applies the
answers in its own thread, in the order it sent them. Run through the cron runner, requests counted by the
sandbox; nothing is timed."""

from unittest.mock import patch

from odoo.exceptions import ValidationError
from odoo.tests import Form, tagged
from odoo.tools import mute_logger

from ..atlas.request_pool import RequestPool
from .atlas_common import AtlasCase

CLUSTERS = "/jsonapi/node/cluster"


@tagged("post_install", "-at_install")
class TestAtlasPushConcurrency(AtlasCase):
    def setUp(self):
        super().setUp()
        self.push_in_batches(10, 4)

    def applicants(self, count):
        return self.approved_applicants(count, "Side")

    def registration_of(self, partner):
        return {c["field_registration_number"]: c["id"] for c in self.sandbox.clusters()}[partner.company_registry]

    def assert_each_linked_to_its_own(self, partners):
        for partner in partners:
            self.assertEqual(partner.ncc_atlas_uuid, self.registration_of(partner), partner.name)

    def test_creates_and_updates_go_through_the_pool(self):
        partners = self.applicants(25)
        with patch.object(RequestPool, "_run", autospec=True, side_effect=RequestPool._run) as sent:
            self.push()
        self.assertEqual(set(partners.mapped("ncc_sync_state")), {"synced"}, partners.mapped("ncc_sync_error"))
        self.assertEqual(sent.call_count, 3 + 25, "each batch's look-up and every create sent side by side")
        self.assertEqual(self.sandbox.count("POST", CLUSTERS), 25)
        self.assertEqual(self.sandbox.count(), 3 + 25, "a search per batch of 10 and a create each, no more")
        self.assertEqual(len(self.sandbox.clusters()), 25, "one registration each")
        self.assert_each_linked_to_its_own(partners)
        self.assertEqual(set(partners.mapped("ncc_stage_id.kind")), {"eccc_review"})

        partners.write({"phone": "+352 20 99 99 99"})
        before = self.sandbox.count()
        with patch.object(RequestPool, "_run", autospec=True, side_effect=RequestPool._run) as sent:
            self.push()
        self.assertEqual(set(partners.mapped("ncc_sync_state")), {"synced"}, partners.mapped("ncc_sync_error"))
        self.assertEqual(sent.call_count, 25 + 2, "every update sent side by side, and the read of each batch "
                         "after the first, asked by the batch before it")
        self.assertEqual(self.sandbox.count("PATCH", None), 25)
        self.assertEqual(self.sandbox.count() - before, 3 + 25, "a read per batch and an update each")
        phones = {c["id"]: c["field_phone_number"] for c in self.sandbox.clusters()}
        self.assertEqual(set(phones.values()), {"+352 20 99 99 99"})
        logged = self.env["ncc.atlas.sync.log"].search([("partner_id", "in", partners.ids),
                                                        ("operation", "=", "push")])
        self.assertEqual(len(logged), 50, "every exchange logged, on the application it was for")
        self.assertEqual(set(logged.partner_id.ids), set(partners.ids))

    def test_answers_are_applied_in_the_order_sent(self):
        partners = self.applicants(5)
        # The first create answers last: the answers still reach their own application, in the order sent.
        self.sandbox.set_faults({"latency_ms": 0, "slow_ms": 300})
        self.sandbox.force_fault("latency", count=1, methods=["POST"])
        Partner = type(self.env["res.partner"])
        recorded = []
        original = Partner._ncc_record_syncs

        def record(model, done):
            recorded.extend(partner.id for partner, *_rest in done)
            return original(model, done)

        with patch.object(Partner, "_ncc_record_syncs", record):
            self.push()
        self.assertEqual(set(partners.mapped("ncc_sync_state")), {"synced"}, partners.mapped("ncc_sync_error"))
        self.assertEqual(recorded, partners.ids)
        self.assert_each_linked_to_its_own(partners)

    @mute_logger("odoo.addons.ncc_atlas_connector.atlas.client")
    def test_a_failed_request_is_retried_and_the_others_applied(self):
        partners = self.applicants(6)
        self.sandbox.force_fault("503", count=1, methods=["POST"])
        self.push()
        failed = partners.filtered(lambda p: p.ncc_sync_state == "pending")
        self.assertEqual(len(failed), 1, "the one create the Atlas refused waits for a retry")
        self.assertEqual(failed.ncc_sync_attempts, 1)
        self.assertTrue(failed.ncc_next_attempt)
        self.assertFalse(failed.ncc_atlas_uuid)
        others = partners - failed
        self.assertEqual(set(others.mapped("ncc_sync_state")), {"synced"}, others.mapped("ncc_sync_error"))
        self.assert_each_linked_to_its_own(others)
        self.push_until_settled()
        self.assertEqual(set(partners.mapped("ncc_sync_state")), {"synced"})
        self.assertEqual(len(self.sandbox.clusters()), 6, "none created twice")
        self.assert_each_linked_to_its_own(partners)

    def test_a_lost_answer_in_the_pool_is_found_again(self):
        partners = self.applicants(4)
        self.sandbox.force_fault("drop_after_write", count=1, methods=["POST"])
        self.push()
        lost = partners.filtered(lambda p: p.ncc_sync_state == "pending")
        self.assertEqual(len(lost), 1)
        posts = self.sandbox.count("POST", CLUSTERS)
        self.push_until_settled()
        self.assertEqual(self.sandbox.count("POST", CLUSTERS), posts, "found again, not created twice")
        self.assertEqual(len(self.sandbox.clusters()), 4)
        self.assert_each_linked_to_its_own(partners)

    def test_one_at_a_time_when_set_to_one(self):
        self.env["ir.config_parameter"].sudo().set_param("ncc_atlas_connector.push_concurrency", 1)
        partners = self.applicants(3)
        with patch.object(RequestPool, "_run", autospec=True, side_effect=RequestPool._run) as sent:
            self.push()
        self.assertEqual(sent.call_count, 0, "no pool: each request sent in turn")
        self.assertEqual(set(partners.mapped("ncc_sync_state")), {"synced"}, partners.mapped("ncc_sync_error"))
        self.assertEqual(self.sandbox.count(), 1 + 3)

    def test_the_setting(self):
        self.env["ir.config_parameter"].sudo().set_param("ncc_atlas_connector.push_concurrency", False)
        self.assertEqual(self.sync._push_concurrency(), 4, "unset: a few requests side by side")
        settings = Form(self.env["res.config.settings"])
        self.assertEqual(settings.ncc_atlas_push_concurrency, 4)
        settings.ncc_atlas_push_concurrency = 2
        settings.save().execute()
        self.assertEqual(self.sync._push_concurrency(), 2)
        settings = Form(self.env["res.config.settings"])
        settings.ncc_atlas_push_concurrency = 50
        with self.assertRaises(ValidationError):
            settings.save()

    @mute_logger("odoo.addons.ncc_atlas_connector.atlas.client")
    def test_an_outage_stops_the_batch_after_two_rounds(self):
        self.env["ir.config_parameter"].sudo().set_param("ncc_atlas_connector.batch_size", 30)
        partners = self.applicants(30)
        # The batch's search is answered, then every create loses its connection: no more than two rounds of
        # requests are under way when the batch sees three exchanges in a row without an answer.
        self.sandbox.set_faults({"rate": 1.0, "kinds": {"reset": 1}, "only_methods": ["POST"]})
        self.push()
        posts = self.sandbox.count("POST", CLUSTERS)
        self.assertGreaterEqual(posts, 3)
        self.assertLessEqual(posts, 3 + 2 * 4, "stopped after two rounds of requests, not the whole batch")
        self.assertEqual(set(partners.mapped("ncc_sync_state")), {"pending"}, "everything stays pending")
        self.assertEqual(len(partners.filtered("ncc_sync_attempts")), posts, "each one tried waits for a retry")
        self.sandbox.set_faults(None)
        self.push_until_settled()
        self.assertEqual(set(partners.mapped("ncc_sync_state")), {"synced"})
        self.assertEqual(len(self.sandbox.clusters()), 30, "none created twice")
