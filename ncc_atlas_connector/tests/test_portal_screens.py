"""Screenshots of the applicant's status page in each of its states at 1440×900 (only when NCC_SCREENSHOTS names
a folder)."""

import os

from odoo.tests import tagged

from .portal_common import URL, PortalCase
from .screenshot_common import shoot


@tagged("post_install", "-at_install")
class TestPortalScreens(PortalCase):
    browser_size = "1440x900"

    def shoot(self, user, name, scroll_to=None):
        scroll = f"document.querySelector('{scroll_to}').scrollIntoView();" if scroll_to else ""
        shoot(self, URL, name, user.login, scroll, wait_ms=1500)

    def test_screens(self):
        if not os.environ.get("NCC_SCREENSHOTS"):
            self.skipTest("NCC_SCREENSHOTS is not set")
        applicant, user = self.applicant_with_account()
        user.sudo().password = user.login
        officer = applicant.with_user(self.officer)
        self.shoot(user, "portal_status_received.png")
        officer.write({"ncc_stage_id": self.stages["eligibility"].id})
        self.shoot(user, "portal_status_assessed.png")
        officer.action_ncc_request_information(
            message="An extract of the company register, not older than three months.")
        applicant._ncc_portal_answer(user, "Here is the extract.", [("register-extract.pdf", b"%PDF-1.4")])
        self.shoot(user, "portal_status_information.png")
        self.shoot(user, "portal_status_information_corrections.png", scroll_to=".o_ncc_corrections")
        applicant._ncc_portal_resubmit(user)
        self.pass_all_checks(applicant)
        applicant.with_user(self.manager).action_ncc_approve()
        self.shoot(user, "portal_status_decided.png")
        applicant.sudo().write({"ncc_stage_id": self.stages["eccc_review"].id})
        self.shoot(user, "portal_status_eccc.png")
        applicant.sudo().write({"ncc_stage_id": self.stages["member"].id})
        self.shoot(user, "portal_status_member.png")

        rejected, rejected_user = self.applicant_with_account(
            email="eve@other-applicant.example.eu", name="Other Applicant S.A.")
        rejected_user.sudo().password = rejected_user.login
        rejected.with_user(self.manager).action_ncc_reject(
            reason="The organisation is not established in Luxembourg: its registered office is in a third country.")
        self.shoot(rejected_user, "portal_status_not_accepted.png")
        applicant._ncc_portal_withdraw(user, "We merged with another member of the Community.")
        self.shoot(user, "portal_status_withdrawn.png")
