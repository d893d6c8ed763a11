"""The next batch's look-up and read, asked by the batch before it while its last answers travel: the same requests,
earlier. Run through the cron runner, requests counted by the sandbox at each batch's commit; nothing is timed."""

from unittest.mock import patch

from odoo.tests import tagged
from odoo.tools import mute_logger

from ..models import ncc_atlas_sync_ahead
from ..models.ncc_atlas_sync import JOB_READ_RETRIES
from .atlas_common import AtlasCase

CLUSTERS = "/jsonapi/node/cluster"


@tagged("post_install", "-at_install")
class TestAtlasPushAhead(AtlasCase):
    def setUp(self):
        super().setUp()
        self.push_in_batches(10, 4)

    def applicants(self, count):
        return self.approved_applicants(count, "Ahead")

    def assert_linked_to_its_only_registration(self, partner, message):
        registrations = [c for c in self.sandbox.clusters()
                         if c["field_registration_number"] == partner.company_registry]
        self.assertEqual(len(registrations), 1, message)
        self.assertEqual(partner.ncc_atlas_uuid, registrations[0]["id"])

    def push_counting(self, between_batches=None):
        """Push through the cron runner; returns the sandbox's GET count at each batch's commit.
        ``between_batches(n)`` runs once batch n is committed, before the next one starts."""
        Sync = type(self.env["ncc.atlas.sync"])
        original = Sync._progress
        counts = []

        def progress(sync, done, remaining):
            result = original(sync, done, remaining)
            counts.append(self.sandbox.count("GET", CLUSTERS))
            if between_batches:
                between_batches(len(counts), sync.env)
            return result

        with patch.object(Sync, "_progress", progress):
            self.push()
        return counts

    def test_the_next_batch_is_looked_up_by_the_one_before(self):
        partners = self.applicants(25)
        counts = self.push_counting()
        self.assertEqual(set(partners.mapped("ncc_sync_state")), {"synced"}, partners.mapped("ncc_sync_error"))
        self.assertEqual(counts, [2, 3, 3], "each full batch asks the next one's look-up before it commits")
        self.assertEqual(self.sandbox.count("POST", CLUSTERS), 25)
        self.assertEqual(self.sandbox.count(), 3 + 25, "the same requests as one look-up per batch")
        self.assertEqual(len(self.sandbox.clusters()), 25, "one registration each")
        look_ups = self.env["ncc.atlas.sync.log"].search([("operation", "=", "look-up")])
        self.assertEqual(len(look_ups), 3, "each look-up logged once, by the batch that sent it")

    def test_the_next_batch_is_read_by_the_one_before(self):
        partners = self.applicants(25)
        self.push()
        partners.write({"phone": "+352 20 99 99 99"})
        before = self.sandbox.count()
        counts = self.push_counting()
        self.assertEqual(set(partners.mapped("ncc_sync_state")), {"synced"}, partners.mapped("ncc_sync_error"))
        reads = [count - counts[0] + 2 for count in counts]
        self.assertEqual(reads, [2, 3, 3], "each full batch reads the next one's registrations before it commits")
        self.assertEqual(self.sandbox.count() - before, 3 + 25, "a read per batch and an update each, no more")
        phones = {c["field_phone_number"] for c in self.sandbox.clusters()}
        self.assertEqual(phones, {"+352 20 99 99 99"})

    def test_an_application_changed_since_is_looked_up_again(self):
        partners = self.applicants(20)
        later = partners[15]

        def registered_elsewhere(batch, env):
            if batch == 1:
                # Between the look-up asked for it and its own batch: the application is edited, and its
                # registration, as edited, appears on the Atlas (e.g. an officer entered it there by hand).
                partner = env["res.partner"].browse(later.id)
                partner.write({"phone": "+352 20 11 11 11"})
                self.sandbox.add_cluster(partner._ncc_atlas_values(), state="draft")

        counts = self.push_counting(registered_elsewhere)
        self.assertEqual(set(partners.mapped("ncc_sync_state")), {"synced"}, partners.mapped("ncc_sync_error"))
        self.assertEqual(counts, [2, 3], "the second batch's look-up asked again: one of its rows changed")
        self.assert_linked_to_its_only_registration(
            later, "linked to the registration that appeared, not created twice")
        self.assertEqual(self.sandbox.count("POST", CLUSTERS), 19)

    def test_an_exchange_logged_since_is_looked_up_again(self):
        partners = self.applicants(20)
        later = partners[15]

        def sent_by_a_failed_send_now(batch, env):
            if batch == 1:
                # A person's "Send now" created it on the Atlas, then failed before recording anything: the row
                # is as it was, only the sync log holds the exchange, unrecorded.
                self.sandbox.add_cluster(later._ncc_atlas_values(), state="draft")
                env["ncc.atlas.sync.log"].sudo().create({
                    "partner_id": later.id, "operation": "push", "method": "POST", "path": "/node/cluster",
                    "outcome": "ok", "status": 201, "recorded": False,
                })

        counts = self.push_counting(sent_by_a_failed_send_now)
        self.assertEqual(counts, [2, 3], "the second batch's look-up asked again")
        self.assert_linked_to_its_only_registration(later, "found again, not created twice")
        self.assertEqual(self.sandbox.count("POST", CLUSTERS), 19)

    @mute_logger("odoo.addons.ncc_atlas_connector.atlas.client")
    def test_a_failed_look_up_ahead_is_asked_again_once(self):
        partners = self.applicants(20)
        Sync = type(self.env["ncc.atlas.sync"])
        original = Sync._ask_ahead

        def ask_into_an_outage(sync, *args):
            # every attempt of the look-up asked ahead (a read is tried again within its exchange)
            self.sandbox.force_fault("503", count=1 + JOB_READ_RETRIES, methods=["GET"])
            return original(sync, *args)

        with patch.object(Sync, "_ask_ahead", ask_into_an_outage):
            counts = self.push_counting()
        self.assertEqual(set(partners.mapped("ncc_sync_state")), {"synced"}, partners.mapped("ncc_sync_error"))
        self.assertEqual(counts[1] - counts[0], 1, "the second batch searched again, once for all its numbers")
        self.assertEqual(self.sandbox.count("POST", CLUSTERS), 20)
        self.assertEqual(len(self.sandbox.clusters()), 20)

    def test_a_batch_with_nothing_to_send_asks_nothing_ahead(self):
        partners = self.applicants(25)
        self.push()
        partners._ncc_mark_pending()  # queued again, nothing changed
        before = self.sandbox.count()
        self.push()
        self.assertEqual(set(partners.mapped("ncc_sync_state")), {"synced"})
        self.assertEqual(self.sandbox.count(), before, "no request at all")

    def test_a_last_batch_asks_nothing_ahead(self):
        self.applicants(10)
        self.push()
        self.assertEqual(self.sandbox.count("GET", CLUSTERS), 1, "a full batch with none after it")

    def test_a_run_keeps_only_its_latest_answers(self):
        # What a run left when its time was up goes with the next run's first keep: one entry per job.
        self.applicants(25)
        self.push()
        kept = [key for key in ncc_atlas_sync_ahead._held if key[0] == self.env.cr.dbname]
        self.assertEqual(kept, [], "the last batch of the run took what the one before kept, and kept nothing")
        Sync = self.env["ncc.atlas.sync"]
        first = (self.env.cr.dbname, 1, 100.0, "https://atlas.example", 1)
        second = (self.env.cr.dbname, 1, 200.0, "https://atlas.example", 1)
        Sync._keep_ahead(first, ncc_atlas_sync_ahead._Ahead({}, [], None, set()))
        Sync._keep_ahead(second, ncc_atlas_sync_ahead._Ahead({}, [], None, set()))
        self.addCleanup(Sync._take_ahead, second, self.Partner.browse())
        self.assertNotIn(first, ncc_atlas_sync_ahead._held)
        self.assertIn(second, ncc_atlas_sync_ahead._held)
