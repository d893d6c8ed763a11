from datetime import timedelta

from odoo import fields
from odoo.tests import tagged
from odoo.tools import mute_logger

from .atlas_common import AtlasCase

PATCH = "/jsonapi/node/cluster/<id>"
POST = "/jsonapi/node/cluster"


@tagged("post_install", "-at_install")
class TestAtlasPush(AtlasCase):
    def test_full_cycle_approve_publish_member(self):
        partner = self.approved_applicant()
        self.assertEqual(partner.ncc_sync_state, "pending", "approving queues the registration")
        self.push()
        self.assertEqual(partner.ncc_sync_state, "synced", partner.ncc_sync_error)
        remote = self.remote(partner)
        self.assertEqual(remote["moderation_state"], "ready_for_publication")
        self.assertEqual(remote["title"], partner.name)
        self.assertEqual(remote["field_e_mail"], "ana.garcia@kirchberg-secure.example.eu")
        self.assertEqual(remote["field_first_name"], "Ana")
        self.assertEqual(self.sandbox.count("POST", POST), 1)
        self.assertEqual(partner.ncc_stage_id.kind, "eccc_review", "sent to the ECCC: the pipeline moves on")
        self.assertEqual(partner.ncc_atlas_state, "ready_for_publication")
        self.assertTrue(partner.ncc_sync_log_ids, "every exchange is logged")

        self.sandbox.publish(partner.ncc_atlas_uuid)
        self.pull()
        self.assertEqual(partner.ncc_atlas_state, "published")
        self.assertEqual(partner.ncc_stage_id.kind, "member")
        mail = self.env["mail.mail"].search([("model", "=", "res.partner"), ("res_id", "=", partner.id)])
        self.assertIn("Welcome to the Cybersecurity Competence Community (Kirchberg Secure Systems S.A.)",
                      mail.mapped("subject"), "the representative is told of the publication")

    def test_update_sends_only_the_diff(self):
        partner = self.approved_applicant()
        self.push()
        posts = self.sandbox.count("POST", POST)
        partner.phone = "+352 20 99 99 99"
        self.assertEqual(partner.ncc_sync_state, "pending")
        self.push()
        self.assertEqual(partner.ncc_sync_state, "synced", partner.ncc_sync_error)
        patches = self.sandbox.requests("PATCH", PATCH)
        self.assertEqual(len(patches), 1)
        body = patches[0]["body"]["data"]
        self.assertEqual(body["attributes"], {"field_phone_number": "+352 20 99 99 99"})
        self.assertNotIn("relationships", body)
        self.assertEqual(self.sandbox.count("POST", POST), posts, "no second create")
        # Nothing changed: nothing is sent, nothing even read.
        requests = self.sandbox.count()
        partner._ncc_mark_pending()
        self.push()
        self.assertEqual(len(self.sandbox.requests("PATCH", PATCH)), 1)
        self.assertEqual(self.sandbox.count(), requests)
        self.assertEqual(partner.ncc_sync_state, "synced")

    def test_revocation_sends_to_be_rejected(self):
        partner = self.approved_applicant()
        self.push()
        partner.with_context(ncc_system_move=True).write({"ncc_stage_id": self.stage("rejected").id})
        self.assertEqual(partner.ncc_sync_state, "pending")
        self.push()
        self.assertEqual(self.remote(partner)["moderation_state"], "to_be_rejected")
        self.assertEqual(partner.ncc_atlas_state, "to_be_rejected")

    def test_link_existing_registration_instead_of_duplicating(self):
        partner = self.create_applicant()
        values = partner._ncc_atlas_values()
        uuid = self.sandbox.add_cluster(values, state="draft")
        self.approve(partner)
        self.push()
        self.assertEqual(partner.ncc_atlas_uuid, uuid)
        self.assertEqual(self.sandbox.count("POST", POST), 0)
        self.assertEqual(self.remote(partner)["moderation_state"], "ready_for_publication")

    def test_several_candidates_need_a_choice(self):
        partner = self.create_applicant()
        values = partner._ncc_atlas_values()
        first = self.sandbox.add_cluster(values)
        self.sandbox.add_cluster({**values, "title": "Kirchberg Secure Systems (old)"})
        self.approve(partner)
        self.push()
        self.assertEqual(partner.ncc_sync_state, "needs_choice")
        self.assertEqual(self.sandbox.count("POST", POST), 0)

        wizard = self.env["ncc.atlas.link.wizard"].create({"partner_id": partner.id})
        self.assertEqual(len(wizard.line_ids.filtered(lambda line: not line.is_local)), 2)
        wizard.line_ids.filtered(lambda line: line.atlas_uuid == first).action_link()
        self.push()
        self.assertEqual((partner.ncc_atlas_uuid, partner.ncc_sync_state), (first, "synced"))

    def test_several_candidates_create_new(self):
        partner = self.create_applicant()
        values = partner._ncc_atlas_values()
        self.sandbox.add_cluster(values)
        self.sandbox.add_cluster(values)
        self.approve(partner)
        self.push()
        wizard = self.env["ncc.atlas.link.wizard"].create({"partner_id": partner.id})
        wizard.action_create_new()
        self.push()
        self.assertEqual(partner.ncc_sync_state, "synced")
        self.assertEqual(self.sandbox.count("POST", POST), 1)

    def test_conflict_then_keep_local(self):
        partner = self.approved_applicant()
        self.push()
        self.sandbox.store.update_cluster(partner.ncc_atlas_uuid, attributes={
            **self.sandbox.store.cluster(partner.ncc_atlas_uuid)["attributes"], "field_phone_number": "+352 1",
        })
        partner.phone = "+352 2"
        self.push()
        self.assertEqual(partner.ncc_sync_state, "conflict")
        self.assertIn("Phone", partner.ncc_sync_error)
        self.assertEqual(self.remote(partner)["field_phone_number"], "+352 1", "nothing overwritten")

        wizard = self.env["ncc.atlas.conflict.wizard"].create({"partner_id": partner.id})
        self.assertEqual(wizard.line_ids.mapped("remote_value"), ["+352 1"])
        wizard.action_keep_local()
        self.push()
        self.assertEqual(partner.ncc_sync_state, "synced")
        self.assertEqual(self.remote(partner)["field_phone_number"], "+352 2")

    def test_conflict_take_remote(self):
        partner = self.approved_applicant()
        self.push()
        self.sandbox.store.update_cluster(partner.ncc_atlas_uuid, attributes={
            **self.sandbox.store.cluster(partner.ncc_atlas_uuid)["attributes"], "field_phone_number": "+352 1",
        })
        partner.phone = "+352 2"
        self.push()
        wizard = self.env["ncc.atlas.conflict.wizard"].create({"partner_id": partner.id})
        wizard.action_take_remote()
        self.assertEqual((partner.phone, partner.ncc_sync_state), ("+352 1", "synced"))

    def test_remote_only_change_is_taken_not_overwritten(self):
        partner = self.approved_applicant()
        self.push()
        self.sandbox.store.update_cluster(partner.ncc_atlas_uuid, attributes={
            **self.sandbox.store.cluster(partner.ncc_atlas_uuid)["attributes"],
            "field_goals_to_achieve": "Edited on the Atlas",
        })
        partner.phone = "+352 3"
        self.push()
        self.assertEqual(partner.ncc_sync_state, "synced", partner.ncc_sync_error)
        self.assertEqual(partner.ncc_goals_to_achieve, "Edited on the Atlas")
        remote = self.remote(partner)
        self.assertEqual((remote["field_phone_number"], remote["field_goals_to_achieve"]),
                         ("+352 3", "Edited on the Atlas"))

    def test_conflict_policy_local_wins(self):
        self.env["ir.config_parameter"].sudo().set_param("ncc_atlas_connector.conflict_policy", "local")
        partner = self.approved_applicant()
        self.push()
        self.sandbox.store.update_cluster(partner.ncc_atlas_uuid, attributes={
            **self.sandbox.store.cluster(partner.ncc_atlas_uuid)["attributes"], "field_phone_number": "+352 1",
        })
        partner.phone = "+352 2"
        self.push()
        self.assertEqual(partner.ncc_sync_state, "synced")
        self.assertEqual(self.remote(partner)["field_phone_number"], "+352 2")


@tagged("post_install", "-at_install")
class TestAtlasFailures(AtlasCase):
    def test_validation_error_stays_on_the_record_until_it_changes(self):
        bogus = self.env["ncc.atlas.term"].create({
            "name": "Not on the Atlas", "vocabulary": "sectors", "atlas_uuid": "00000000-0000-4000-8000-000000000000",
        })
        partner = self.approved_applicant(ncc_sector_ids=[(6, 0, bogus.ids)])
        self.push()
        self.assertEqual(partner.ncc_sync_state, "error")
        self.assertIn("field_sectors", partner.ncc_sync_error)
        self.push()
        self.assertEqual(self.sandbox.count("POST", POST, 422), 1, "not retried while unchanged")
        partner.ncc_sector_ids = [(5,)]
        self.assertEqual(partner.ncc_sync_state, "pending")
        self.push()
        self.assertEqual(partner.ncc_sync_state, "synced", partner.ncc_sync_error)

    def test_retryable_failure_waits_then_succeeds(self):
        partner = self.approved_applicant()
        self.sandbox.force_fault("503", count=1, methods=["POST"])
        self.push()
        self.assertEqual(partner.ncc_sync_state, "pending")
        self.assertEqual(partner.ncc_sync_attempts, 1)
        self.assertTrue(partner.ncc_next_attempt)
        self.push()
        self.assertEqual(self.sandbox.count("POST", POST, 201), 0, "waits until the next attempt time")
        self.push_until_settled()
        self.assertEqual(partner.ncc_sync_state, "synced")

    def test_retry_after_is_honoured(self):
        # Three hours: far beyond the first backoff (about a minute), so only the header can explain the wait.
        wait = timedelta(hours=3)
        partner = self.approved_applicant()
        self.sandbox.set_faults({"retry_after": int(wait.total_seconds())})
        self.sandbox.force_fault("429", count=1, methods=["POST"])
        before = fields.Datetime.now().replace(microsecond=0)
        self.push()
        after = fields.Datetime.now()
        self.assertEqual(partner.ncc_sync_state, "pending")
        self.assertTrue(before + wait <= partner.ncc_next_attempt <= after + wait, partner.ncc_next_attempt)

    def test_lost_answer_after_create_is_looked_up_not_duplicated(self):
        partner = self.approved_applicant()
        self.sandbox.force_fault("drop_after_write", count=1, methods=["POST"])
        self.push()
        self.assertEqual(partner.ncc_sync_state, "pending")
        self.assertEqual(len(self.sandbox.clusters()), 1, "the Atlas did save it")
        self.push_until_settled()
        self.assertEqual(len(self.sandbox.clusters()), 1, "no duplicate")
        self.assertEqual(partner.ncc_atlas_uuid, self.sandbox.clusters()[0]["id"])
        self.assertEqual(partner.ncc_atlas_state, "ready_for_publication")
        self.assertEqual(partner.ncc_stage_id.kind, "eccc_review", "found again: the pipeline moves on all the same")

    def test_failed_update_after_a_link_undoes_the_link(self):
        partner = self.create_applicant()
        uuid = self.sandbox.add_cluster(partner._ncc_atlas_values(), state="draft")
        self.approve(partner)
        self.sandbox.force_fault("503", count=1, methods=["PATCH"])
        self.push()
        self.assertEqual((partner.ncc_sync_state, partner.ncc_atlas_uuid), ("pending", False),
                         "linked, then the update failed: the link is undone with it")
        self.push_until_settled()
        self.assertEqual((partner.ncc_sync_state, partner.ncc_atlas_uuid), ("synced", uuid))
        self.assertEqual(self.sandbox.count("POST", POST), 0)

    @mute_logger("odoo.addons.ncc_atlas_connector.models.ncc_atlas_sync")
    def test_authentication_failure_stops_and_alerts(self):
        first = self.approved_applicant()
        second = self.approved_applicant()
        self.env["ir.config_parameter"].sudo().set_param("ncc_atlas_connector.api_key", "wrong-key")
        self.push()
        self.assertEqual((first | second).mapped("ncc_sync_state"), ["pending", "pending"])
        self.assertEqual(self.sandbox.count("POST", POST), 0)
        admin = self.env.ref("base.user_admin").partner_id
        alert = self.env["mail.message"].search([("partner_ids", "in", admin.ids)], order="id desc", limit=1)
        self.assertIn("API key", alert.body)

    def test_deleted_on_the_atlas_is_looked_up_again(self):
        partner = self.approved_applicant()
        self.push()
        self.sandbox.reset()
        partner.phone = "+352 4"
        self.push()
        self.assertEqual(partner.ncc_sync_state, "synced")
        self.assertEqual(len(self.sandbox.clusters()), 1)
        self.assertEqual(partner.ncc_atlas_uuid, self.sandbox.clusters()[0]["id"])


@tagged("post_install", "-at_install")
class TestAtlasPull(AtlasCase):
    def test_revision_requested_goes_back_to_the_ncc(self):
        assessor = self.env.ref("base.user_admin")
        partner = self.approved_applicant()
        partner.ncc_assessor_id = assessor
        self.push()
        self.sandbox.request_revision(partner.ncc_atlas_uuid, "Please describe your SOC services.")
        self.pull()
        self.assertEqual(partner.ncc_stage_id.kind, "revision")
        self.assertEqual(partner.ncc_atlas_message, "Please describe your SOC services.")
        activity = partner.activity_ids.filtered(lambda a: "revision" in (a.summary or ""))
        self.assertEqual(activity.user_id, assessor)
        self.assertIn("SOC services", activity.note)

    def test_rejected_by_the_eccc(self):
        partner = self.approved_applicant()
        self.push()
        self.sandbox.reject(partner.ncc_atlas_uuid)
        self.pull()
        self.assertEqual(partner.ncc_stage_id.kind, "rejected")


@tagged("post_install", "-at_install")
class TestAtlasVocabularies(AtlasCase):
    def test_terms_added_renamed_archived(self):
        Term = self.env["ncc.atlas.term"].with_context(active_test=False)
        ethics = self.env.ref("ncc_atlas_connector.term_fields_of_activity_ethics")
        ethics.name = "Old name"
        gone = Term.create({"name": "Gone", "vocabulary": "sectors",
                            "atlas_uuid": "11111111-1111-4111-8111-111111111111"})
        self.run_cron("vocabularies")
        self.assertEqual(ethics.name, "Ethics")
        self.assertFalse(gone.active)
        self.assertTrue(gone.exists(), "archived, never deleted")
        self.assertEqual(Term.search_count([("vocabulary", "=", "cluster_thematic_area"), ("active", "=", True)]),
                         165)
