"""In the browser: an officer requests information, the applicant answers on its status page with a document,
corrects a field and resubmits; an applicant withdraws its application."""

from odoo.tests import tagged

from .portal_common import URL, PortalCase


@tagged("post_install", "-at_install")
class TestPortalTour(PortalCase):
    browser_size = "1440x900"

    def account(self):
        applicant, user = self.applicant_with_account()
        user.sudo().password = user.login  # the tours log in with the login as password
        return applicant, user

    def test_information_requested_answered_corrected_and_resubmitted(self):
        applicant, user = self.account()
        applicant.with_user(self.officer).write({"ncc_stage_id": self.stages["completeness"].id})
        self.start_tour(f"/odoo/contacts/{applicant.id}", "ncc_portal_request_information_tour",
                        login=self.officer.login)
        self.assertTrue(applicant.ncc_information_open)
        self.start_tour(URL, "ncc_portal_answer_tour", login=user.login)
        self.env.invalidate_all()
        self.assertFalse(applicant.ncc_information_open)
        self.assertEqual(applicant.city, "Esch-sur-Alzette")
        answer = applicant.message_ids.filtered(lambda m: m.author_id == user.partner_id and m.attachment_ids)
        self.assertEqual(answer.attachment_ids.mapped("name"), ["register-extract.pdf"])
        self.assertEqual(answer.attachment_ids.raw, b"%PDF-1.4 register extract")
        self.flush_tracking()
        city = applicant.message_ids.tracking_value_ids.filtered(lambda t: t.field_id.name == "city")
        self.assertEqual((city.old_value_char, city.new_value_char), ("Luxembourg", "Esch-sur-Alzette"))
        self.assertTrue(applicant.activity_ids.filtered(lambda a: a.user_id == self.officer))

    def test_withdrawal(self):
        applicant, user = self.account()
        self.start_tour("/my/home", "ncc_portal_withdrawal_tour", login=user.login)
        self.env.invalidate_all()
        self.assertEqual(applicant.ncc_decision, "withdrawn")
        self.assertEqual(applicant.ncc_decision_id.origin, "applicant")
        self.assertEqual(applicant.ncc_decision_reason, "We merged with another member.")
