"""Screenshots taken by the tests of a screen at the browser's size (only when NCC_SCREENSHOTS names a folder)."""

import base64
import os
from pathlib import Path
from unittest.mock import patch

from odoo.tests.common import ChromeBrowser


def shoot(case, url, name, login, script="", wait_ms=3000):
    """Open ``url`` as ``login`` in the test's browser, run ``script``, and save what it shows as ``name`` in the
    NCC_SCREENSHOTS folder once the page is ready."""
    folder = os.environ.get("NCC_SCREENSHOTS")
    original = ChromeBrowser._wait_code_ok

    def wait_then_shoot(browser, *args, **kwargs):
        result = original(browser, *args, **kwargs)
        shot = browser._websocket_request("Page.captureScreenshot", params={"format": "png"})
        Path(folder, name).write_bytes(base64.b64decode(shot["data"]))
        return result

    with patch.object(ChromeBrowser, "_wait_code_ok", wait_then_shoot):
        case.browser_js(url, f"{script} setTimeout(() => console.log('test successful'), {wait_ms})", login=login)
    case.assertTrue(Path(folder, name).exists())
