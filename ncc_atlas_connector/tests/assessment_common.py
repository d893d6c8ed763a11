"""Shared set-up for the assessment pipeline tests: the people of an NCC and a complete applicant."""

from odoo.tests import new_test_user

from .registration_common import RegistrationCase

REF = "ncc_atlas_connector."


class AssessmentCase(RegistrationCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.officer = new_test_user(
            cls.env, "ncc_officer", groups=REF + "group_ncc_officer", name="Olga Officer", email="olga@ncc.example.eu"
        )
        cls.other_officer = new_test_user(
            cls.env, "ncc_officer2", groups=REF + "group_ncc_officer", name="Otto Officer", email="otto@ncc.example.eu"
        )
        cls.manager = new_test_user(
            cls.env, "ncc_manager", groups=REF + "group_ncc_manager", name="Mia Manager", email="mia@ncc.example.eu"
        )
        cls.plain_user = new_test_user(cls.env, "plain_user", groups="base.group_user", name="Paul Plain")
        cls.stages = {
            name: cls.env.ref(f"{REF}stage_{name}")
            for name in ("draft", "submitted", "completeness", "eligibility", "ownership", "expertise", "approved",
                         "eccc_review", "member", "revision", "rejected")
        }

    def new_applicant(self, **overrides):
        """A complete applicant, created by an officer, with a clean context (tracking on)."""
        company = self.create_applicant(**overrides)
        self.flush_tracking()  # as if created in an earlier transaction: tracking starts after creation
        return self.env["res.partner"].browse(company.id)

    def pass_all_checks(self, applicant):
        applicant._ncc_generate_checks()
        applicant.ncc_check_ids.write({"result": "pass"})

    def ready_for_decision(self):
        """A submitted applicant whose required checks all pass, in the last assessment stage."""
        applicant = self.new_applicant()
        applicant.with_user(self.officer).action_ncc_submit()
        self.pass_all_checks(applicant)
        applicant.with_user(self.officer).write({"ncc_stage_id": self.stages["expertise"].id})
        return applicant

    def approved_applicant(self):
        applicant = self.ready_for_decision()
        applicant.with_user(self.manager).action_ncc_approve()
        return applicant

    def mails_to(self, partner, subject_part=""):
        """The emails queued for a partner (whose subject holds `subject_part`)."""
        return self.env["mail.mail"].search(
            [("recipient_ids", "in", partner.ids), ("subject", "ilike", subject_part)]
        )

    def flush_tracking(self):
        """Write the tracking values now: they are written when the transaction would commit, one per field."""
        self.env.cr.flush()

    def stage_trackings(self, applicant):
        self.flush_tracking()
        applicant.invalidate_recordset(["message_ids"])
        return applicant.message_ids.tracking_value_ids.filtered(lambda t: t.field_id.name == "ncc_stage_id")
