from odoo.tests import HttpCase, tagged

from .assessment_common import AssessmentCase
from .test_security_referral import ReferralMixin


@tagged("post_install", "-at_install")
class TestSecurityReferralTour(ReferralMixin, AssessmentCase, HttpCase):
    """In the browser: an officer refers an application from its form; another officer does not see it."""

    browser_size = "1440x900"

    def test_officer_refers_and_another_officer_does_not_see_it(self):
        applicant = self.ready_for_decision()
        url = f"/odoo/community-applications/{applicant.id}"
        self.start_tour(url, "ncc_security_referral_tour", login=self.officer.login)
        referral = applicant.ncc_security_referral_ids
        self.assertEqual(referral.reference, "SEC-TOUR-1")
        self.assertEqual((referral.referred_by_id, referral.authority_id), (self.officer, self.authority))
        self.assertEqual(referral.request_note, "Majority shares held by a parent company outside the EU.")
        self.assertTrue(referral.is_open)
        self.start_tour(url, "ncc_security_referral_hidden_tour", login=self.other_officer.login)
