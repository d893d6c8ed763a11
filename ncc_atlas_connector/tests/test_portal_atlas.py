"""A registration the applicant withdraws on its status page after the ECCC published it: the sync withdraws it
on the Atlas (``to_be_rejected``), through the cron runner, against the sandbox."""

from odoo.tests import tagged

from .atlas_common import AtlasCase
from .portal_common import URL, PortalCase

CLUSTER = "/jsonapi/node/cluster/<id>"
PUSH_REQUESTS = 2


@tagged("post_install", "-at_install")
class TestPortalWithdrawalOnTheAtlas(PortalCase, AtlasCase):
    def test_a_member_withdraws_and_the_sync_withdraws_it_on_the_atlas(self):
        applicant, user = self.applicant_with_account()
        self.pass_all_checks(applicant)
        applicant.with_user(self.officer).write({"ncc_stage_id": self.stages["expertise"].id})
        applicant.with_user(self.manager).action_ncc_approve()
        self.push()
        self.assertEqual(applicant.ncc_sync_state, "synced", applicant.ncc_sync_error)
        self.sandbox.publish(applicant.ncc_atlas_uuid)
        self.pull()
        self.assertEqual(applicant.ncc_stage_kind, "member")
        self.login(user)
        page = self.page().text
        self.assertIn('data-status="member"', page)
        self.assertEqual(page.count("Not yet"), 0, "submitted, decided and published")

        requests = self.sandbox.count()
        response = self.post("/withdraw", {"reason": "We leave the cybersecurity market."})
        self.assertEqual(response.status_code, 303)
        self.assertEqual(self.sandbox.count(), requests, "the withdrawal itself sends nothing: the push does")
        self.env.invalidate_all()
        self.assertEqual((applicant.ncc_decision, applicant.ncc_sync_state), ("withdrawn", "pending"))
        patched = self.sandbox.count("PATCH", CLUSTER)
        self.push()
        self.assertEqual(applicant.ncc_sync_state, "synced", applicant.ncc_sync_error)
        self.assertEqual(self.remote(applicant)["moderation_state"], "to_be_rejected")
        self.assertEqual(self.sandbox.count("PATCH", CLUSTER), patched + 1, "one PATCH withdraws it")
        self.assertEqual(self.sandbox.count() - requests, PUSH_REQUESTS, "the push's read and its PATCH")
        patches = self.sandbox.requests("PATCH", CLUSTER)
        self.assertEqual(patches[-1]["body"]["data"]["attributes"].get("moderation_state"), "to_be_rejected")
        self.assertEqual(self.sandbox.count("POST"), 1, "the one create of the first push, no new registration")
        self.push()
        self.assertEqual(len(self.sandbox.requests("PATCH", CLUSTER)), len(patches), "nothing sent again")
        self.assertIn('data-status="withdrawn"', self.url_open(URL, timeout=30).text)
