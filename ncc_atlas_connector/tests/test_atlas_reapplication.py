"""A company the Atlas holds as refused applies again: the new round reuses its one Atlas registration, back in
draft while the NCC assesses it, ready for publication on approval; the earlier refusal read back from the Atlas
does not close the new round. Through the cron runner, against the sandbox, requests counted."""

from odoo.tests import tagged

from .assessment_common import AssessmentCase
from .atlas_common import AtlasCase

POST = "/jsonapi/node/cluster"
ONE = "/jsonapi/node/cluster/<id>"


@tagged("post_install", "-at_install")
class TestAtlasReapplication(AssessmentCase, AtlasCase):
    def requests(self):
        return {"GET": self.sandbox.count("GET"), "POST": self.sandbox.count("POST"),
                "PATCH": self.sandbox.count("PATCH", ONE)}

    def sent_since(self, before):
        return {method: count - before[method] for method, count in self.requests().items()}

    def assess_again(self, applicant):
        applicant.with_user(self.officer).action_ncc_submit()
        self.pass_all_checks(applicant)
        applicant.with_user(self.officer).write({"ncc_stage_id": self.stages["expertise"].id})

    def test_a_company_the_eccc_rejected_applies_again_on_the_same_registration(self):
        applicant = self.approved_applicant()
        self.push()
        uuid = applicant.ncc_atlas_uuid
        self.assertEqual((applicant.ncc_stage_id, self.remote(applicant)["moderation_state"]),
                         (self.stages["eccc_review"], "ready_for_publication"))
        self.sandbox.reject(uuid)
        self.pull()
        self.assertEqual((applicant.ncc_stage_id, applicant.ncc_atlas_state), (self.stages["rejected"], "rejected"))
        refusal = applicant.ncc_decision_id
        self.assertEqual((refusal.kind, refusal.origin), ("rejected", "atlas"))

        applicant.with_user(self.officer).action_ncc_new_round()
        self.assertTrue(applicant.ncc_atlas_reapplication)
        self.assertEqual(applicant.ncc_sync_state, "pending")
        before = self.requests()
        self.push()
        self.assertEqual(self.sent_since(before), {"GET": 1, "POST": 0, "PATCH": 1},
                         "one read and one update of the same registration: never a second one")
        self.assertEqual(applicant.ncc_atlas_uuid, uuid)
        self.assertEqual(self.remote(applicant)["moderation_state"], "draft", "back in the NCC's hands")
        self.assertEqual((applicant.ncc_atlas_state, applicant.ncc_sync_state), ("draft", "synced"))
        self.assertFalse(applicant.ncc_atlas_reapplication)
        self.assertEqual(applicant.ncc_stage_id, self.stages["draft"], "the draft read back moves nothing")
        before = self.requests()
        self.pull()
        self.push()
        self.assertEqual(self.sent_since(before), {"GET": 1, "POST": 0, "PATCH": 0}, "settled: only the pull reads")
        self.assertEqual(applicant.ncc_stage_id, self.stages["draft"])

        self.assess_again(applicant)
        applicant.with_user(self.manager).action_ncc_approve()
        before = self.requests()
        self.push()
        self.assertEqual(self.sent_since(before), {"GET": 1, "POST": 0, "PATCH": 1})
        self.assertEqual(self.remote(applicant)["moderation_state"], "ready_for_publication")
        self.assertEqual(applicant.ncc_stage_id, self.stages["eccc_review"])
        self.sandbox.publish(uuid)
        self.pull()
        self.assertEqual((applicant.ncc_stage_id, applicant.ncc_atlas_state), (self.stages["member"], "published"))
        self.assertEqual(self.sandbox.count("POST", POST), 1, "one Atlas registration for both rounds")
        decisions = applicant.with_user(self.officer).ncc_decision_ids.sorted()
        self.assertEqual([(d.kind, d.origin, d.round_id.number) for d in decisions],
                         [("approved", "ncc", 2), ("rejected", "atlas", 1), ("approved", "ncc", 1)])

    def test_the_earlier_refusal_read_back_does_not_close_the_new_round(self):
        applicant = self.approved_applicant()
        self.push()
        applicant.with_user(self.manager).action_ncc_revoke(reason="Majority shares now held outside the EU.")
        self.push()
        self.assertEqual(self.remote(applicant)["moderation_state"], "to_be_rejected")
        # The company applies again before the ECCC has acted on the NCC's request, which it then does.
        applicant.with_user(self.officer).action_ncc_new_round()
        self.sandbox.reject(applicant.ncc_atlas_uuid)
        decisions = applicant.ncc_decision_ids
        self.pull()
        self.assertEqual(applicant.ncc_stage_id, self.stages["draft"], "the new round stays open")
        self.assertEqual(applicant.ncc_decision_ids, decisions, "no decision taken for the ECCC")
        self.assertEqual((applicant.ncc_atlas_state, applicant.ncc_sync_state), ("rejected", "pending"))
        before = self.requests()
        self.push()
        self.assertEqual(self.sent_since(before), {"GET": 1, "POST": 0, "PATCH": 1})
        self.assertEqual(self.remote(applicant)["moderation_state"], "draft")
        self.assertFalse(applicant.ncc_atlas_reapplication)

        # The new round's own refusal by the ECCC is the ECCC's decision again: it closes the application.
        self.sandbox.reject(applicant.ncc_atlas_uuid, "Not within the Community's scope.")
        self.pull()
        self.assertEqual(applicant.ncc_stage_id, self.stages["rejected"])
        self.assertEqual((applicant.ncc_decision_id.origin, applicant.ncc_decision_id.round_id.number), ("atlas", 2))
        before = self.requests()
        self.push()
        self.assertEqual(self.sent_since(before)["PATCH"], 0, "the ECCC's refusal is not overridden")
