"""Screenshots of the personal-data screens at 1440×900 (only when NCC_SCREENSHOTS names a folder)."""

import os

from odoo.tests import HttpCase, tagged

from .screenshot_common import shoot


@tagged("post_install", "-at_install")
class TestPersonalDataScreens(HttpCase):
    browser_size = "1440x900"

    def shoot(self, url, name):
        shoot(self, url, name, "admin")

    def test_screens(self):
        if not os.environ.get("NCC_SCREENSHOTS"):
            self.skipTest("NCC_SCREENSHOTS is not set")
        notice = self.env.ref("ncc_atlas_connector.ncc_privacy_notice_v1")
        self.shoot("/odoo/action-ncc_atlas_connector.ncc_privacy_notice_action", "privacy_notice_list.png")
        self.shoot(f"/odoo/action-ncc_atlas_connector.ncc_privacy_notice_action/{notice.id}",
                   "privacy_notice_form.png")
        self.shoot("/odoo/action-ncc_atlas_connector.ncc_atlas_settings_action", "retention_settings.png")
