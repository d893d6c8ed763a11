"""The duplicate search of a push batch: one request for the registration numbers of all its unlinked
applications (an IN filter with the country), then a create only for those the Atlas does not hold. Counted by the
sandbox, run through the cron runner."""

import math

from odoo.tests import tagged
from odoo.tools import mute_logger

from .atlas_common import AtlasCase

SEARCH = "/jsonapi/node/cluster"
POST = "/jsonapi/node/cluster"


@tagged("post_install", "-at_install")
class TestAtlasBatchLookUp(AtlasCase):
    def setUp(self):
        super().setUp()
        self.env["ir.config_parameter"].sudo().set_param("ncc_atlas_connector.batch_size", 10)

    def applicants(self, count):
        return self.approved_applicants(count, "Batch")

    def searches(self):
        return self.sandbox.requests("GET", SEARCH)

    def test_a_batch_of_creates_costs_one_search(self):
        partners = self.applicants(25)
        self.push()
        self.assertEqual(set(partners.mapped("ncc_sync_state")), {"synced"}, partners.mapped("ncc_sync_error"))
        batches = math.ceil(25 / 10)
        self.assertEqual(self.sandbox.count("POST", POST), 25)
        self.assertEqual(len(self.searches()), batches, "one search per batch, not one per application")
        self.assertLessEqual(self.sandbox.count(), batches + 25)
        for search in self.searches():
            self.assertIn("IN", search["path"], "the registration numbers are searched with an IN filter")
        numbers = sorted(cluster["field_registration_number"] for cluster in self.sandbox.clusters())
        self.assertEqual(numbers, sorted(partners.mapped("company_registry")), "one registration each")

    def test_a_single_match_is_linked(self):
        partners = self.applicants(3)
        existing = partners[1]
        uuid = self.sandbox.add_cluster(existing._ncc_atlas_values(), state="draft")
        self.push()
        self.assertEqual(set(partners.mapped("ncc_sync_state")), {"synced"}, partners.mapped("ncc_sync_error"))
        self.assertEqual(existing.ncc_atlas_uuid, uuid, "linked to the registration the search found")
        self.assertEqual(self.sandbox.count("POST", POST), 2, "only the two the Atlas did not hold are created")
        self.assertEqual(len(self.searches()), 1)
        self.assertEqual(self.remote(existing)["moderation_state"], "ready_for_publication")

    def test_several_matches_need_a_choice(self):
        partners = self.applicants(3)
        ambiguous = partners[0]
        values = ambiguous._ncc_atlas_values()
        self.sandbox.add_cluster(values)
        self.sandbox.add_cluster({**values, "title": "Batch Systems 00 (old)"})
        self.push()
        self.assertEqual(ambiguous.ncc_sync_state, "needs_choice")
        self.assertIn("2 registrations", ambiguous.ncc_sync_error)
        self.assertFalse(ambiguous.ncc_atlas_uuid)
        self.assertEqual((partners - ambiguous).mapped("ncc_sync_state"), ["synced", "synced"])
        self.assertEqual(self.sandbox.count("POST", POST), 2, "nothing created for the ambiguous one")
        self.assertEqual(len(self.searches()), 1)

    def test_a_lost_answer_is_found_again_not_sent_twice(self):
        partners = self.applicants(3)
        self.sandbox.force_fault("drop_after_write", count=1, methods=["POST"])
        self.push()
        lost = partners.filtered(lambda p: p.ncc_sync_state == "pending")
        self.assertEqual(len(lost), 1, "the create whose answer was lost waits")
        self.assertEqual(len(self.sandbox.clusters()), 3, "the Atlas did save it")
        posts = self.sandbox.count("POST", POST)
        self.push_until_settled()
        self.assertEqual(self.sandbox.count("POST", POST), posts, "found again by the batch's search, not re-created")
        self.assertEqual(len(self.sandbox.clusters()), 3, "no duplicate")
        remote = {cluster["field_registration_number"]: cluster["id"] for cluster in self.sandbox.clusters()}
        self.assertEqual(lost.ncc_atlas_uuid, remote[lost.company_registry])
        self.assertEqual(lost.ncc_sync_state, "synced")
        self.assertEqual(lost.ncc_stage_id.kind, "eccc_review")

    def test_a_blank_registration_number_is_searched_by_name(self):
        partner = self.approved_applicant(company_registry="   ")
        self.push()
        self.assertEqual(partner.ncc_sync_state, "synced", partner.ncc_sync_error)
        self.assertEqual(self.sandbox.count("POST", POST), 1)
        self.assertTrue(any("title" in search["path"] for search in self.searches()), "searched by name")

    def test_no_way_to_search_gets_words(self):
        # A country term whose Atlas id is not one the Atlas can be searched by (e.g. typed in by hand).
        self.env.ref("ncc_atlas_connector.term_country_lu").atlas_uuid = "not-a-uuid"
        partner = self.approved_applicant()
        self.push()
        self.assertEqual(partner.ncc_sync_state, "error")
        self.assertIn("cannot be searched", partner.ncc_sync_error)
        self.assertEqual(self.sandbox.count("POST", POST), 0, "nothing sent that could be a duplicate")

    @mute_logger("odoo.addons.ncc_atlas_connector.atlas.client")
    def test_a_failed_batch_search_falls_back_to_one_search_each(self):
        # e.g. an Atlas that refuses the IN filter: the applications are looked up as before, none created twice
        partners = self.applicants(3)
        uuid = self.sandbox.add_cluster(partners[2]._ncc_atlas_values(), state="draft")
        self.sandbox.force_fault("error_in_2xx", count=1, methods=["GET"])
        self.push()
        self.assertEqual(set(partners.mapped("ncc_sync_state")), {"synced"}, partners.mapped("ncc_sync_error"))
        self.assertEqual(len(self.searches()), 1 + 3, "the batch's search, then one for each")
        self.assertEqual(self.sandbox.count("POST", POST), 2)
        self.assertEqual(partners[2].ncc_atlas_uuid, uuid)
