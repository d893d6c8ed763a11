from odoo.tests import HttpCase, tagged

from .assessment_common import REF, AssessmentCase

REASONS = "Not established in Luxembourg: the register extract shows its seat in Metz."


@tagged("post_install", "-at_install")
class TestRoundsTour(AssessmentCase, HttpCase):
    """In the browser: a manager rejects an application with its reasons from the form, starts a new round when
    the company applies again, and approves that round; both rounds and both decisions are read on the form."""

    browser_size = "1440x900"

    def test_reject_then_a_new_round_to_approval(self):
        applicant = self.ready_for_decision()
        url = f"/odoo/community-applications/{applicant.id}"
        self.start_tour(url, "ncc_rounds_reject_tour", login=self.manager.login)
        rejection = applicant.ncc_round_ids.filtered(lambda r: r.number == 1).decision_id
        self.assertEqual((rejection.kind, rejection.reason, rejection.user_id), ("rejected", REASONS, self.manager))
        self.assertEqual(len(rejection.message_ids), 1, "the representative was told, with the reasons")
        self.assertIn("seat in Metz", str(rejection.message_ids.body))
        self.assertEqual((applicant.ncc_round_number, applicant.ncc_stage_id), (2, self.stages["submitted"]))
        self.assertTrue(applicant.ncc_submitted_date, "the new round was submitted from the form")
        self.assertEqual(set(applicant.ncc_check_ids.mapped("result")), {"pending"}, "a fresh checklist")

        # The officers assess the new round (the checklist's clicks are the assessment tour's).
        security = self.env.ref(REF + "check_security_assessment")
        lines = applicant.ncc_check_ids.with_user(self.officer)
        lines.filtered(lambda line: line.template_id == security).write({"result": "na"})
        lines.filtered(lambda line: line.template_id != security).write({"result": "pass"})
        applicant.with_user(self.officer).write({"ncc_stage_id": self.stages["expertise"].id})
        applicant.with_user(self.officer).action_ncc_ready_for_decision()
        self.start_tour(url, "ncc_rounds_approve_tour", login=self.manager.login)

        rounds = applicant.with_user(self.officer).ncc_round_ids.sorted("number")
        self.assertEqual([(r.number, r.decision, r.is_current) for r in rounds],
                         [(1, "rejected", False), (2, "approved", True)])
        decisions = applicant.with_user(self.officer).ncc_decision_ids.sorted()
        self.assertEqual([(d.kind, d.round_id.number, d.user_id) for d in decisions],
                         [("approved", 2, self.manager), ("rejected", 1, self.manager)])
        self.assertEqual(decisions[1].reason, REASONS, "the first decision is kept as it was taken")
        self.assertEqual(set(decisions[0].check_ids.mapped("result")), {"pass", "na"})
        self.assertEqual(len(decisions[1].check_ids), len(rounds[0].check_ids))
        self.assertEqual(applicant.ncc_stage_id, self.stages["approved"])
        self.assertEqual(len(self.mails_to(applicant.ncc_representative_id, "approved")), 1)
