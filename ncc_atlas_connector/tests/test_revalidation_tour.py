import base64
import os
from datetime import datetime, time
from pathlib import Path
from unittest.mock import patch

from dateutil.relativedelta import relativedelta

from odoo import fields
from odoo.tests import HttpCase, new_test_user, tagged
from odoo.tests.common import ChromeBrowser

from .registration_common import RegistrationCase

REF = "ncc_atlas_connector."
SHOT_PREFIX = "ncc-shot:"


@tagged("post_install", "-at_install")
class TestRevalidationTour(RegistrationCase, HttpCase):
    """In the browser: the pipeline's "Re-validation due" filter, the re-validation checklist on the form, and a
    re-validation recorded as passed."""

    browser_size = "1440x900"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.officer = new_test_user(cls.env, "reval_tour_officer", groups=REF + "group_ncc_officer",
                                    name="Olga Officer", email="olga@ncc.example.eu")
        member = cls.env["res.partner"].browse(cls.create_applicant(name="Tour Revalidated Member").id)
        member.ncc_assessor_id = cls.officer
        member.action_ncc_submit()
        member.ncc_check_ids.write({"result": "pass"})
        member.write({"ncc_stage_id": cls.env.ref(REF + "stage_approved").id})
        member.sudo().write({"ncc_stage_id": cls.env.ref(REF + "stage_member").id})
        today = fields.Date.context_today(member)
        member.ncc_stage_history_ids.filtered(lambda stay: stay.kind == "member").write(
            {"date_in": datetime.combine(today - relativedelta(years=3, months=2), time(12))})
        member._ncc_open_revalidation()
        member.ncc_revalidation_check_ids.filtered(lambda line: line.code != "R4").write({"result": "pass"})
        cls.member = member

    def test_officer_finds_and_passes_a_revalidation(self):
        folder = os.environ.get("NCC_SCREENSHOTS")
        original = ChromeBrowser._handle_console

        def handle_console(browser, type, args=None, stackTrace=None, **kw):  # noqa: A002
            text = " ".join(str(arg.get("value", "")) for arg in args or [])
            if folder and text.startswith(SHOT_PREFIX):
                target = Path(folder, text[len(SHOT_PREFIX):] + ".png")
                # this runs on the browser's receiving thread: ask for the picture, save it when it comes
                future = browser._websocket_send("Page.captureScreenshot", params={"format": "png"},
                                                 with_future=True)
                future.add_done_callback(lambda done: target.write_bytes(base64.b64decode(done.result()["data"])))
                return None
            return original(browser, type, args=args, stackTrace=stackTrace, **kw)

        with patch.object(ChromeBrowser, "_handle_console", handle_console):
            self.start_tour("/odoo/community-applications", "ncc_revalidation_tour", login="reval_tour_officer")
        member = self.member
        self.assertEqual(member.ncc_stage_kind, "member")
        self.assertEqual(member.ncc_revalidated_date, fields.Date.context_today(member))
        self.assertFalse(member.ncc_revalidation_started_date)
        contact = member.ncc_revalidation_check_ids.filtered(lambda line: line.code == "R4")
        self.assertEqual((contact.result, contact.checked_by_id), ("pass", self.officer))
