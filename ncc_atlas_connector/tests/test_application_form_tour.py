"""In the browser, the officer's day from the application form: a new application with its contact person entered
on the registration page, submitted, its checklist ticked, moved through the stages, handed over "ready for
decision"; the manager gets the activity and approves. Screenshots at 1440×900 when NCC_SCREENSHOTS names a
folder."""

import base64
import os
from pathlib import Path
from unittest.mock import patch

from odoo.tests import HttpCase, new_test_user, tagged
from odoo.tests.common import ChromeBrowser
from odoo.tools import mute_logger

from .registration_common import RegistrationCase

REF = "ncc_atlas_connector."
SHOT_PREFIX = "ncc-shot:"
APPLICANT = "Tour Baltic Shield"


@tagged("post_install", "-at_install")
class TestApplicationFormTour(RegistrationCase, HttpCase):
    browser_size = "1440x900"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.officer = new_test_user(cls.env, "form_tour_officer", groups=REF + "group_ncc_officer",
                                    name="Olga Officer", email="olga@ncc.example.eu")
        cls.manager = new_test_user(cls.env, "form_tour_manager", groups=REF + "group_ncc_manager",
                                    name="Mia Manager", email="mia@ncc.example.eu")

    def run_tour(self, tour, login):
        folder = os.environ.get("NCC_SCREENSHOTS")
        original = ChromeBrowser._handle_console

        def handle_console(browser, type, args=None, stackTrace=None, **kw):  # noqa: A002
            text = " ".join(str(arg.get("value", "")) for arg in args or [])
            if folder and text.startswith(SHOT_PREFIX):
                target = Path(folder, text[len(SHOT_PREFIX):] + ".png")
                future = browser._websocket_send("Page.captureScreenshot", params={"format": "png"},
                                                 with_future=True)
                future.add_done_callback(lambda done: target.write_bytes(base64.b64decode(done.result()["data"])))
                return None
            return original(browser, type, args=args, stackTrace=stackTrace, **kw)

        with patch.object(ChromeBrowser, "_handle_console", handle_console):
            self.start_tour("/odoo/community-applications", tour, login=login)

    def test_the_officers_day_from_the_form(self):
        Stage = self.env["ncc.assessment.stage"]
        self.run_tour("ncc_application_new_tour", "form_tour_officer")
        applicant = self.env["res.partner"].search([("name", "=", APPLICANT)])
        self.assertEqual(len(applicant), 1)
        person = applicant.ncc_representative_id
        self.assertEqual((person.parent_id, person.name, person.ncc_first_name, person.ncc_family_name),
                         (applicant, "Ilze Bērziņa", "Ilze", "Bērziņa"), "entered on the page: a child contact")
        self.assertEqual((person.function, person.email, person.phone),
                         ("Head of security operations", "ilze.berzina@balticshield.example.eu", "+371 2000 0001"))
        self.assertEqual(applicant.ncc_stage_kind, "intake")
        self.assertTrue(applicant.ncc_submitted_date)
        self.assertEqual([stay.kind for stay in applicant.ncc_stage_history_ids.sorted("id")], ["draft", "intake"])
        self.assertTrue(self.env["mail.mail"].search(
            [("recipient_ids", "in", person.ids), ("subject", "ilike", "received")]))

        # What the rest of the registration holds, and the checks of the other stages, as if done earlier.
        applicant.write({key: value for key, value in self.complete_vals().items()
                         if key not in ("name", "is_company", "ncc_is_applicant")})
        left = self.env.ref(REF + "check_member_tasks") | self.env.ref(REF + "check_size_class")
        applicant.ncc_check_ids.filtered(lambda line: line.template_id not in left).write({"result": "pass"})
        applicant.write({"ncc_stage_id": Stage._first_of_kind("assessment").id, "ncc_assessor_id": self.officer.id})
        self.assertTrue(applicant.ncc_registration_complete, applicant.ncc_missing_items)

        with mute_logger("odoo.http"):  # the refused move (the gate's message to the officer) is logged as a warning
            self.run_tour("ncc_application_assessment_tour", "form_tour_officer")
        self.assertEqual(applicant.ncc_stage_id, self.env.ref(REF + "stage_expertise"))
        self.assertTrue(applicant.ncc_ready_for_decision)
        size = applicant.ncc_check_ids.filtered(lambda line: line.template_id == self.env.ref(REF + "check_size_class"))
        self.assertEqual((size.result, size.checked_by_id), ("pass", self.officer))
        self.assertIn("32 staff", size.note)
        decide = self.env.ref(REF + "mail_activity_type_ncc_decision")
        deciders = applicant.activity_ids.filtered(lambda act: act.activity_type_id == decide).user_id
        self.assertIn(self.manager, deciders, "the hand-off gives the manager the decision")
        self.assertNotIn(self.officer, deciders)
        self.assertFalse(applicant.activity_ids.filtered(
            lambda act: act.activity_type_id == self.env.ref(REF + "mail_activity_type_ncc_stage")),
            "the officer's stage activity is done")

        self.run_tour("ncc_application_decision_tour", "form_tour_manager")
        self.assertEqual((applicant.ncc_stage_kind, applicant.ncc_decision), ("approved", "approved"))
        self.assertEqual(applicant.ncc_decision_id.user_id, self.manager)
        self.assertFalse(applicant.activity_ids.filtered(lambda act: act.activity_type_id == decide),
                         "the decision closes the managers' activities")
