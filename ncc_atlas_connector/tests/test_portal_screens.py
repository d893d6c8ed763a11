"""Screenshots of the applicant's status page in each of its states at 1440×900 (only when NCC_SCREENSHOTS names
a folder)."""

import base64
import os
from pathlib import Path
from unittest.mock import patch

from odoo.tests import tagged
from odoo.tests.common import ChromeBrowser

from .portal_common import URL, PortalCase


@tagged("post_install", "-at_install")
class TestPortalScreens(PortalCase):
    browser_size = "1440x900"

    def shoot(self, user, name, scroll_to=None):
        folder = os.environ.get("NCC_SCREENSHOTS")
        original = ChromeBrowser._wait_code_ok

        def wait_then_shoot(browser, *args, **kwargs):
            result = original(browser, *args, **kwargs)
            shot = browser._websocket_request("Page.captureScreenshot", params={"format": "png"})
            Path(folder, name).write_bytes(base64.b64decode(shot["data"]))
            return result

        with patch.object(ChromeBrowser, "_wait_code_ok", wait_then_shoot):
            scroll = f"document.querySelector('{scroll_to}').scrollIntoView();" if scroll_to else ""
            self.browser_js(URL, f"{scroll} setTimeout(() => console.log('test successful'), 1500)",
                            login=user.login)
        self.assertTrue(Path(folder, name).exists())

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
