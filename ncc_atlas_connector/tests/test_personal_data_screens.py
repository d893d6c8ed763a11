"""Screenshots of the personal-data screens at 1440×900 (only when NCC_SCREENSHOTS names a folder)."""

import base64
import os
from pathlib import Path
from unittest.mock import patch

from odoo.tests import HttpCase, tagged
from odoo.tests.common import ChromeBrowser


@tagged("post_install", "-at_install")
class TestPersonalDataScreens(HttpCase):
    browser_size = "1440x900"

    def shoot(self, url, name):
        folder = os.environ.get("NCC_SCREENSHOTS")
        original = ChromeBrowser._wait_code_ok

        def wait_then_shoot(browser, *args, **kwargs):
            result = original(browser, *args, **kwargs)
            shot = browser._websocket_request("Page.captureScreenshot", params={"format": "png"})
            Path(folder, name).write_bytes(base64.b64decode(shot["data"]))
            return result

        with patch.object(ChromeBrowser, "_wait_code_ok", wait_then_shoot):
            self.browser_js(url, "setTimeout(() => console.log('test successful'), 3000)", login="admin")
        self.assertTrue(Path(folder, name).exists())

    def test_screens(self):
        if not os.environ.get("NCC_SCREENSHOTS"):
            self.skipTest("NCC_SCREENSHOTS is not set")
        notice = self.env.ref("ncc_atlas_connector.ncc_privacy_notice_v1")
        self.shoot("/odoo/action-ncc_atlas_connector.ncc_privacy_notice_action", "privacy_notice_list.png")
        self.shoot(f"/odoo/action-ncc_atlas_connector.ncc_privacy_notice_action/{notice.id}",
                   "privacy_notice_form.png")
        self.shoot("/odoo/action-ncc_atlas_connector.ncc_atlas_settings_action", "retention_settings.png")
