"""The intake checklist's point 18 says what an officer checks at intake (the applicant knows of the periodic
re-validation), not the re-validation itself, which members go through with a checklist of their own; databases
from before 19.0.1.2.0 get the new wording, unless a manager reworded the check."""

from odoo.tests import tagged

from ..migration_steps import (
    REVALIDATION_CHECK,
    REVALIDATION_CHECK_GUIDANCE,
    REVALIDATION_CHECK_NAME,
    REVALIDATION_CHECK_OLD_GUIDANCE,
    REVALIDATION_CHECK_OLD_NAME,
    reword_revalidation_check,
)
from .assessment_common import AssessmentCase


@tagged("post_install", "-at_install")
class TestIntakeRevalidationCheck(AssessmentCase):
    def setUp(self):
        super().setUp()
        self.template = self.env.ref(REVALIDATION_CHECK)

    def test_the_intake_check_is_about_intake(self):
        self.assertEqual((self.template.name, self.template.guidance),
                         (REVALIDATION_CHECK_NAME, REVALIDATION_CHECK_GUIDANCE))
        self.assertFalse(self.template.required)
        self.assertFalse(self.template.revalidation, "an intake check, not one of the re-validation's")
        self.assertEqual(self.template.stage_id.kind, "assessment")
        applicant = self.ready_for_decision()
        line = applicant.ncc_check_ids.filtered(lambda line: line.template_id == self.template)
        self.assertEqual(line.name, REVALIDATION_CHECK_NAME)
        revalidation = self.env["ncc.assessment.check.template"].search([("revalidation", "=", True)])
        self.assertTrue(revalidation, "the re-validation has its own checklist")
        self.assertNotIn(REVALIDATION_CHECK_NAME, revalidation.mapped("name"))

    def old_wording(self):
        """The template, and a line of an open checklist, as a database before 19.0.1.2.0 holds them."""
        self.template.write({"name": REVALIDATION_CHECK_OLD_NAME, "guidance": REVALIDATION_CHECK_OLD_GUIDANCE,
                             "stage_id": False})
        applicant = self.ready_for_decision()
        line = applicant.ncc_check_ids.filtered(lambda line: line.template_id == self.template)
        line.sudo().write({"name": REVALIDATION_CHECK_OLD_NAME})
        return applicant, line

    def test_the_upgrade_rewords_the_shipped_check_and_open_lines(self):
        applicant, line = self.old_wording()
        applicant.with_user(self.manager).action_ncc_reject(reason="Not established in Luxembourg.")
        kept = applicant.ncc_decision_id.check_ids.filtered(lambda c: c.code == line.code)
        self.assertEqual(kept.name, REVALIDATION_CHECK_OLD_NAME)
        _applicant, open_line = self.old_wording()
        self.assertEqual(reword_revalidation_check(self.env), 2, "the lines of both current rounds")
        self.assertEqual((self.template.name, self.template.guidance),
                         (REVALIDATION_CHECK_NAME, REVALIDATION_CHECK_GUIDANCE))
        self.assertEqual(self.template.stage_id, self.stages["completeness"])
        self.assertEqual((open_line.name, line.name), (REVALIDATION_CHECK_NAME, REVALIDATION_CHECK_NAME))
        self.assertEqual(kept.name, REVALIDATION_CHECK_OLD_NAME, "a decision keeps its checklist as it stood")
        self.assertEqual(reword_revalidation_check(self.env), 0, "a second run changes nothing")

    def test_the_upgrade_leaves_a_managers_wording_alone(self):
        self.template.write({"name": "Re-validation explained at intake (our procedure 4.2)"})
        self.assertEqual(reword_revalidation_check(self.env), 0)
        self.assertEqual(self.template.name, "Re-validation explained at intake (our procedure 4.2)")
