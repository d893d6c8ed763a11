"""Takes the README's screenshots: logs in to a running Odoo as the demo's users and photographs each screen of
SCREENS in headless Chromium at 1440x900 (through the DevTools protocol), into docs/screenshots/NAME.png.

Run by scripts/screenshots.sh, which starts the product with its demo first. A screen is one line of SCREENS:

    Screen(name, login, url, steps)

- ``url`` is a path of the Odoo web client (``/odoo/action-<xml id>[/<record>]``) or of the sandbox (``{sandbox}``
  and ``{reviewer_key}`` are filled in); ``{ref:<xml id>}`` becomes that record's database id;
- ``steps`` run in order once the page has loaded: ``("click", css)`` clicks the first match (waiting for it),
  ``("wait", css)`` waits for a match, ``("scroll", css)`` scrolls the first match to the top of its view,
  ``("hide", css)`` hides what should not be in the picture.

    .venv/bin/python scripts/screenshots.py --odoo URL --sandbox URL --reviewer-key KEY [--only NAME ...]
"""

import argparse
import base64
import json
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import requests
import websocket

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "docs" / "screenshots"
WIDTH, HEIGHT = 1440, 900
APPLICATIONS = "/odoo/action-ncc_atlas_connector.action_ncc_application"
# The demo's users and passwords ("applicant": a member's representative, a portal user).
LOGINS = {"officer": "officer", "manager": "manager", "admin": "admin", "applicant": "applicant"}


@dataclass
class Screen:
    name: str
    login: str | None  # None: no Odoo session (the sandbox's own page)
    url: str
    steps: list = field(default_factory=list)


SCREENS = [
    Screen("applications-kanban", "officer", APPLICATIONS, [("wait", ".o_kanban_record")]),
    Screen("application-registration", "officer",
           APPLICATIONS + "/{ref:ncc_atlas_connector.demo_partner_applied_crypto}",
           [("click", ".o_notebook_headers [name='ncc_registration']")]),
    Screen("application-checklist", "officer",
           APPLICATIONS + "/{ref:ncc_atlas_connector.demo_partner_ardennes_forensics}",
           [("click", ".o_notebook_headers [name='ncc_assessment']"), ("scroll", ".o_ncc_checklist")]),
    Screen("application-atlas", "officer",
           APPLICATIONS + "/{ref:ncc_atlas_connector.demo_partner_mamer_hardware}",
           [("click", ".o_notebook_headers [name='ncc_atlas']")]),
    Screen("atlas-status", "manager", "/odoo/action-ncc_atlas_connector.ncc_atlas_status_action",
           [("wait", ".o_ncc_atlas_status")]),
    Screen("atlas-link-wizard", "officer", APPLICATIONS + "/{ref:ncc_atlas_connector.demo_partner_alzette_ti}",
           [("click", ".o_notebook_headers [name='ncc_atlas']"), ("click", "button[name='action_ncc_resolve']"),
            ("wait", ".modal .o_form_view")]),
    Screen("atlas-conflict-wizard", "officer",
           APPLICATIONS + "/{ref:ncc_atlas_connector.demo_partner_kirchberg_payments}",
           [("click", ".o_notebook_headers [name='ncc_atlas']"), ("click", "button[name='action_ncc_resolve']"),
            ("wait", ".modal .o_form_view")]),
    Screen("report-applications", "manager", "/odoo/action-ncc_atlas_connector.action_ncc_application_analysis",
           [("wait", ".o_pivot")]),
    Screen("report-days-in-stage", "manager", "/odoo/action-ncc_atlas_connector.action_ncc_stage_history",
           [("wait", ".o_pivot")]),
    # The Atlas status panel, once its action exists: Screen("atlas-status", "manager", "/odoo/action-<its xml id>"),
    Screen("portal-registration-form", None, "/ncc/register", [("wait", "#ncc_step_organisation.active")]),
    Screen("portal-application-status", "applicant", "/my/ncc/application", [("wait", ".o_ncc_status")]),
    Screen("sandbox-reviewer", None, "{sandbox}/reviewer?key={reviewer_key}", [("wait", "table")]),
]


# Scrolls the element to the top of its scrolling container, with room for the title above it.
SCROLL = """(() => {
    const element = document.querySelector(%s);
    let box = element.parentElement;
    while (box && !(box.scrollHeight > box.clientHeight && getComputedStyle(box).overflowY !== 'visible')) {
        box = box.parentElement;
    }
    box = box || document.scrollingElement;
    box.scrollTop += element.getBoundingClientRect().top - box.getBoundingClientRect().top - 110;
})()"""


class ScreenError(Exception):
    pass


class Odoo:
    """Logins (one session per user) and xml id look-ups on the running Odoo."""

    def __init__(self, url, db):
        self.url, self.db, self.sessions = url.rstrip("/"), db, {}

    def session(self, login):
        if login not in self.sessions:
            session = requests.Session()
            response = session.post(f"{self.url}/web/session/authenticate", json={
                "jsonrpc": "2.0", "method": "call",
                "params": {"db": self.db, "login": login, "password": LOGINS[login]},
            }, timeout=60)
            if response.json().get("error"):
                raise ScreenError(f"cannot log in as {login}: {response.json()['error']['data']['message']}")
            self.sessions[login] = session.cookies["session_id"]
        return self.sessions[login]

    def ref(self, xmlid):
        module, name = xmlid.split(".", 1)
        cookies = {"session_id": self.session("admin")}
        response = requests.post(f"{self.url}/web/dataset/call_kw", cookies=cookies, json={
            "jsonrpc": "2.0", "method": "call", "params": {
                "model": "ir.model.data", "method": "search_read",
                "args": [[("module", "=", module), ("name", "=", name)], ["res_id"]], "kwargs": {},
            }}, timeout=60).json()
        if response.get("error") or not response.get("result"):
            raise ScreenError(f"no record {xmlid} in the database")
        return str(response["result"][0]["res_id"])


class Chromium:
    """One headless Chromium, driven over the DevTools protocol: a tab per screen."""

    def __init__(self):
        self.profile = tempfile.mkdtemp(prefix="ncc-screenshots-")
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            self.port = sock.getsockname()[1]
        self.process = subprocess.Popen([
            shutil.which("chromium") or "chromium", "--headless", "--no-sandbox", "--disable-gpu",
            "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run",
            "--hide-scrollbars", f"--window-size={WIDTH},{HEIGHT}", f"--remote-debugging-port={self.port}",
            f"--user-data-dir={self.profile}", "about:blank",
        ], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 30
        while True:
            try:
                requests.get(f"http://127.0.0.1:{self.port}/json/version", timeout=2)
                break
            except requests.ConnectionError:
                if time.monotonic() > deadline:
                    raise ScreenError("Chromium did not start") from None
                time.sleep(0.2)

    def close(self):
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
        shutil.rmtree(self.profile, ignore_errors=True)

    def tab(self):
        target = requests.put(f"http://127.0.0.1:{self.port}/json/new?about:blank", timeout=10).json()
        return Tab(self, target)


class Tab:
    def __init__(self, chromium, target):
        self.chromium, self.id = chromium, target["id"]
        self.ws = websocket.create_connection(target["webSocketDebuggerUrl"], timeout=60, suppress_origin=True)
        self.next_id = 0
        self.call("Emulation.setDeviceMetricsOverride", width=WIDTH, height=HEIGHT, deviceScaleFactor=1,
                  mobile=False)
        self.call("Network.enable")

    def call(self, method, **params):
        self.next_id += 1
        self.ws.send(json.dumps({"id": self.next_id, "method": method, "params": params}))
        while True:
            message = json.loads(self.ws.recv())
            if message.get("id") == self.next_id:
                if "error" in message:
                    raise ScreenError(f"{method}: {message['error'].get('message')}")
                return message.get("result", {})

    def evaluate(self, expression):
        result = self.call("Runtime.evaluate", expression=expression, returnByValue=True, awaitPromise=True)
        if result.get("exceptionDetails"):
            raise ScreenError(result["exceptionDetails"].get("text", "script error"))
        return result.get("result", {}).get("value")

    def wait_for(self, css, seconds=30):
        deadline = time.monotonic() + seconds
        while not self.evaluate(f"!!document.querySelector({json.dumps(css)})"):
            if time.monotonic() > deadline:
                raise ScreenError(f"nothing matches {css!r} after {seconds} s")
            time.sleep(0.25)

    def settle(self, seconds=30):
        """Until the web client is idle: no request in flight, no spinner, the fonts loaded."""
        deadline = time.monotonic() + seconds
        quiet = 0
        while time.monotonic() < deadline and quiet < 3:
            busy = self.evaluate(
                "document.readyState !== 'complete' || !!document.querySelector('.o_loading_indicator, "
                ".o_blockUI, .o-main-components-container .o_spinner') || document.fonts.status !== 'loaded'")
            quiet = 0 if busy else quiet + 1
            time.sleep(0.3)
        time.sleep(0.5)

    def close(self):
        self.ws.close()
        requests.get(f"http://127.0.0.1:{self.chromium.port}/json/close/{self.id}", timeout=10)


def take(chromium, odoo, screen, values):
    url = re.sub(r"\{ref:([\w.]+)\}", lambda match: odoo.ref(match.group(1)), screen.url).format(**values)
    if url.startswith("/"):
        url = odoo.url + url
    tab = chromium.tab()
    try:
        tab.call("Network.clearBrowserCookies")
        if screen.login:
            tab.call("Network.setCookie", name="session_id", value=odoo.session(screen.login), url=odoo.url)
        tab.call("Page.enable")
        tab.call("Page.navigate", url=url)
        tab.settle()
        for action, css in screen.steps:
            tab.wait_for(css)
            if action == "click":
                tab.evaluate(f"document.querySelector({json.dumps(css)}).click()")
            elif action == "scroll":
                tab.evaluate(SCROLL % json.dumps(css))
            elif action == "hide":
                tab.evaluate(f"document.querySelectorAll({json.dumps(css)}).forEach(e => e.style.visibility = "
                             "'hidden')")
            tab.settle()
        if tab.evaluate("!!document.querySelector('.o_error_dialog, .o_notification.border-danger')"):
            raise ScreenError("the page shows an error")
        png = base64.b64decode(tab.call("Page.captureScreenshot", format="png")["data"])
    finally:
        tab.close()
    path = OUT / f"{screen.name}.png"
    path.write_bytes(png)
    return path


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--odoo", required=True, help="the running Odoo, e.g. http://127.0.0.1:8089")
    parser.add_argument("--db", required=True, help="its database")
    parser.add_argument("--sandbox", required=True, help="the sandbox's root, e.g. http://127.0.0.1:8090")
    parser.add_argument("--reviewer-key", required=True)
    parser.add_argument("--only", nargs="*", help="take only these screens")
    args = parser.parse_args(argv)
    OUT.mkdir(parents=True, exist_ok=True)
    odoo = Odoo(args.odoo, args.db)
    values = {"sandbox": args.sandbox.rstrip("/"), "reviewer_key": args.reviewer_key}
    failed = []
    chromium = Chromium()
    try:
        for screen in SCREENS:
            if args.only and screen.name not in args.only:
                continue
            try:
                path = take(chromium, odoo, screen, values)
                print(f"  {screen.name:28} {path.relative_to(ROOT)}", flush=True)
            except (ScreenError, requests.RequestException, websocket.WebSocketException) as exc:
                failed.append(screen.name)
                print(f"  {screen.name:28} FAILED: {exc}", flush=True)
    finally:
        chromium.close()
    if failed:
        print(f"{len(failed)} screens failed: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
