from odoo.tests import HttpCase, new_test_user, tagged

from .registration_common import RegistrationCase

REF = "ncc_atlas_connector."


@tagged("post_install", "-at_install")
class TestAssessmentTour(RegistrationCase, HttpCase):
    """In the browser: an officer works the checklist and moves the application on; a manager approves it."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.officer = new_test_user(
            cls.env, "tour_officer", groups=REF + "group_ncc_officer", name="Olga Officer", email="olga@ncc.example.eu"
        )
        cls.manager = new_test_user(
            cls.env, "tour_manager", groups=REF + "group_ncc_manager", name="Mia Manager", email="mia@ncc.example.eu"
        )
        company = cls.env["res.partner"].browse(cls.create_applicant(name="Tour Cyber Labs").id)
        cls.applicant = company
        company.ncc_assessor_id = cls.officer
        company.action_ncc_submit()
        open_checks = company.ncc_check_ids.filtered(lambda line: line.template_id in (
            cls.env.ref(REF + "check_exclusion") | cls.env.ref(REF + "check_security_assessment")
        ))
        (company.ncc_check_ids - open_checks).write({"result": "pass"})
        company.write({"ncc_stage_id": cls.env.ref(REF + "stage_ownership").id})

    def test_officer_works_the_checklist_then_manager_approves(self):
        applicant = self.applicant
        self.start_tour("/odoo", "ncc_assessment_officer_tour", login="tour_officer")
        self.assertEqual(applicant.ncc_stage_id, self.env.ref(REF + "stage_expertise"))
        exclusion = applicant.ncc_check_ids.filtered(
            lambda line: line.template_id == self.env.ref(REF + "check_exclusion")
        )
        self.assertEqual((exclusion.result, exclusion.checked_by_id), ("pass", self.officer))
        self.assertIn("EDES", exclusion.note)
        security = applicant.ncc_check_ids.filtered(
            lambda line: line.template_id == self.env.ref(REF + "check_security_assessment")
        )
        self.assertEqual(security.result, "na")
        self.assertEqual(applicant.ncc_stage_history_ids.sorted("id")[-1].user_id, self.officer)
        self.assertTrue(applicant.ncc_ready_for_decision)

        self.start_tour("/odoo/community-applications", "ncc_assessment_manager_tour", login="tour_manager")
        self.assertEqual(applicant.ncc_stage_id, self.env.ref(REF + "stage_approved"))
        self.assertEqual(applicant.ncc_decision, "approved")
        approved_mail = self.env["mail.mail"].search(
            [("recipient_ids", "in", applicant.ncc_representative_id.ids), ("subject", "ilike", "approved")]
        )
        self.assertEqual(len(approved_mail), 1)
