"""Benchmark of the running product (not a test): its pages in headless Chromium, and the time from a manager's
approval to the registration waiting for the ECCC on the Atlas.

Run it through scripts/benchmark_product.sh, which installs the addon in a fresh database, seeds it
(``seed``), starts the sandbox Atlas and Odoo with a cron worker, then runs ``measure``:

- pages: the application form and the pipeline kanban (500 applications) against a plain company form and the
  contacts kanban (500 companies, and the applications), in the same database and the same browser, alternating;
  the time of a page is from the navigation's start until its records are on the screen, the median of its
  rounds; the ratio is the addon's page over the plain one (target ≤ 1.5);
- approval to the Atlas: a manager approves an application through the web client's JSON-RPC; the time until the
  sandbox holds its registration as ``ready_for_publication`` (the push is triggered by the approval, run by the
  cron worker), the median of 20 (target under 10 s).
Prints figures; asserts nothing.
"""

import argparse
import base64
import contextlib
import json
import shutil
import socket
import statistics
import subprocess
import tempfile
import time
import urllib.request
from http.cookiejar import CookieJar
from pathlib import Path

PAGE_TARGET = 1.5
APPROVAL_TARGET = 10.0
REVIEWER = "bench-product-reviewer-4Fk1"
KEY = "bench-product-ncc-key-8Hs3"
TAG = "PRD"


# --------------------------------------------------------------------------------------------- seed

def seed(args):
    import odoo.modules.module
    from odoo import SUPERUSER_ID, api
    from odoo.modules.registry import Registry
    from odoo.tools import config

    config.parse_config(["-c", args.config, "-d", args.database, "--log-level=warn"], setup_logging=True)
    odoo.modules.module.initialize_sys_path()
    with Registry(args.database).cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        env["ncc.atlas.sync"]._configure_sandbox(f"http://127.0.0.1:{args.sandbox_port}/jsonapi", KEY)
        ref = env.ref
        term = lambda name: ref(f"ncc_atlas_connector.term_{name}").id  # noqa: E731
        Partner = env["res.partner"].with_context(tracking_disable=True, mail_create_nolog=True)
        assessment = Partner._ncc_stage_of_kind("assessment")
        for start in range(0, args.count, 250):
            chunk = Partner.create([{
                "name": f"Product {i} S.A.", "is_company": True, "ncc_is_applicant": True,
                "ncc_name_national": f"Product {i}", "street": f"{i} rue du Test", "city": "Luxembourg",
                "zip": "1855", "country_id": ref("base.lu").id, "website": f"https://p{i}.example.eu",
                "email": f"info@p{i}.example.eu", "phone": "+352 20 00 00 00", "company_registry": f"{TAG}{i:07d}",
                "ncc_cluster_type_id": term("cluster_type_industry_sme"), "ncc_size_class": "small",
                "ncc_field_of_activity_ids": [(6, 0, [term("fields_of_activity_industrial_or_product_development")])],
                "ncc_thematic_area_ids": [(6, 0, [term("cluster_thematic_area_post_quantum_cryptography")])],
                "ncc_expertise_description": "Benchmark applicant.", "ncc_goals_to_achieve": "Benchmark goals.",
                "ncc_no_exclusion": True, "ncc_data_sharing_consent": True, "ncc_privacy_notice_accepted": True,
                "ncc_member_tasks_accepted": True, "ncc_form_completed": True,
            } for i in range(start, min(args.count, start + 250))])
            Partner.create([{
                "name": f"Ana Product{start + i}", "parent_id": company.id, "type": "contact", "function": "CISO",
                "email": f"rep@p{start + i}.example.eu", "ncc_is_representative": True,
            } for i, company in enumerate(chunk)])
            chunk.with_context(ncc_system_move=True).write({"ncc_stage_id": assessment.id})
            chunk._ncc_generate_checks()
            chunk.ncc_check_ids.write({"result": "pass"})
            Partner.create([{
                "name": f"Plain Company {i} SARL", "is_company": True, "street": f"{i} Grand-Rue",
                "city": "Luxembourg", "zip": "1661", "country_id": ref("base.lu").id,
                "email": f"contact@plain{i}.example.lu", "phone": "+352 40 00 00 00",
            } for i in range(start, min(args.count, start + 250))])
            cr.commit()
    print(f"seeded {args.count} applications (assessment stage, checks passed) and {args.count} plain companies")


# --------------------------------------------------------------------------------------------- the browser

class Browser:
    """Headless Chromium driven over the DevTools protocol."""

    def __init__(self):
        import websocket

        self.profile = tempfile.mkdtemp(prefix="ncc-bench-chromium-")
        port = _free_port()
        self.proc = subprocess.Popen(
            [shutil.which("chromium") or shutil.which("chromium-browser") or "chromium", "--headless=new",
             "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
             "--disable-sync", "--no-first-run", "--window-size=1440,900", f"--remote-debugging-port={port}",
             f"--user-data-dir={self.profile}", "about:blank"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for _attempt in range(100):
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=2) as answer:
                    pages = [t for t in json.loads(answer.read()) if t["type"] == "page"]
                if pages:
                    break
            except OSError:
                pass
            time.sleep(0.2)
        else:
            self.close()
            raise SystemExit("headless Chromium did not start")
        self.ws = websocket.create_connection(pages[0]["webSocketDebuggerUrl"], timeout=120,
                                              suppress_origin=True)
        self._id = 0

    def send(self, method, params=None):
        self._id += 1
        self.ws.send(json.dumps({"id": self._id, "method": method, "params": params or {}}))
        while True:
            message = json.loads(self.ws.recv())
            if message.get("id") == self._id:
                if "error" in message:
                    raise RuntimeError(f"{method}: {message['error']}")
                return message.get("result", {})

    def evaluate(self, expression):
        """The value of ``expression`` in the page; None while the page is being replaced."""
        try:
            result = self.send("Runtime.evaluate", {"expression": expression, "returnByValue": True})
        except RuntimeError:
            return None
        return result.get("result", {}).get("value")

    def page_ms(self, url, selector, timeout=120):
        """Milliseconds from the navigation's start until ``selector`` is on the page (polled every 10 ms)."""
        before = self.evaluate("performance.timeOrigin")
        self.evaluate(f"setTimeout(() => location.assign({json.dumps(url)}), 0), 1")
        probe = (f"(performance.timeOrigin !== {json.dumps(before)} && document.querySelector("
                 f"{json.dumps(selector)})) ? performance.now() : null")
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            value = self.evaluate(probe)
            if value is not None:
                return value
            time.sleep(0.01)
        shot = Path(tempfile.gettempdir()) / "ncc-bench-page-not-shown.png"
        with contextlib.suppress(Exception):
            shot.write_bytes(base64.b64decode(self.send("Page.captureScreenshot")["data"]))
        raise SystemExit(f"{url}: {selector} not shown within {timeout} s (the page shows "
                         f"{self.evaluate('location.href')}; screenshot {shot})")

    def close(self):
        if getattr(self, "ws", None) is not None:
            with contextlib.suppress(Exception):  # a browser that may be gone already
                self.ws.close()
        self.proc.kill()
        self.proc.wait()
        shutil.rmtree(self.profile, ignore_errors=True)


def _free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# --------------------------------------------------------------------------------------------- JSON-RPC

class Session:
    """The web client's JSON-RPC, logged in as a user."""

    def __init__(self, base, database, login, password):
        self.base = base
        self.jar = CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))
        self.call("/web/session/authenticate", {"db": database, "login": login, "password": password})

    def call(self, path, params):
        body = json.dumps({"jsonrpc": "2.0", "method": "call", "id": 1, "params": params}).encode()
        request = urllib.request.Request(self.base + path, body, {"Content-Type": "application/json"})
        with self.opener.open(request, timeout=120) as answer:
            document = json.loads(answer.read())
        if document.get("error"):
            raise SystemExit(f"{path}: {document['error'].get('data', {}).get('message') or document['error']}")
        return document["result"]

    def call_kw(self, model, method, args, kwargs=None):
        return self.call("/web/dataset/call_kw", {"model": model, "method": method, "args": args,
                                                   "kwargs": kwargs or {}})

    @property
    def session_id(self):
        return next(cookie.value for cookie in self.jar if cookie.name == "session_id")


def sandbox_clusters(port):
    request = urllib.request.Request(f"http://127.0.0.1:{port}/_sandbox/clusters",
                                     headers={"x-reviewer-key": REVIEWER})
    with urllib.request.urlopen(request, timeout=30) as answer:
        return json.loads(answer.read())["clusters"]


# --------------------------------------------------------------------------------------------- measure

def measure(args):
    base = f"http://127.0.0.1:{args.odoo_port}"
    manager = Session(base, args.database, "admin", "admin")
    Partner = "res.partner"
    applications = manager.call_kw(Partner, "search", [[("ncc_is_applicant", "=", True),
                                                        ("company_registry", "=like", f"{TAG}%")]],
                                   {"order": "id"})
    [company] = manager.call_kw(Partner, "search", [[("name", "=", "Plain Company 0 SARL")]])

    browser = Browser()
    try:
        browser.send("Network.enable")
        browser.send("Network.setCookie", {"name": "session_id", "value": manager.session_id, "url": base})
        pages = {
            "application form": (f"{base}/odoo/community-applications/{applications[0]}",
                                 '.o_form_view .o_field_widget[name="name"]'),
            "company form": (f"{base}/odoo/contacts/{company}", '.o_form_view .o_field_widget[name="name"]'),
            "pipeline kanban": (f"{base}/odoo/community-applications",
                                ".o_kanban_renderer .o_kanban_record:not(.o_kanban_ghost)"),
            "contacts kanban": (f"{base}/odoo/contacts?view_type=kanban",
                                ".o_kanban_renderer .o_kanban_record:not(.o_kanban_ghost)"),
        }
        for url, selector in pages.values():  # once each, unmeasured: assets compiled and cached
            browser.page_ms(url, selector)
        times = {name: [] for name in pages}
        for number in range(args.rounds):
            order = list(pages) if number % 2 == 0 else list(reversed(pages))
            for name in order:
                times[name].append(browser.page_ms(*pages[name]))
    finally:
        browser.close()
    median = {name: statistics.median(values) for name, values in times.items()}
    print(f"\nPages in headless Chromium (1440×900), {len(applications)} applications and as many companies, "
          f"median of {args.rounds} rounds")
    for ours, theirs in (("application form", "company form"), ("pipeline kanban", "contacts kanban")):
        ratio = median[ours] / median[theirs]
        print(f"  {ours:<17} {median[ours]:7.0f} ms   {theirs:<16} {median[theirs]:7.0f} ms   ratio {ratio:.2f}"
              f"   (target ≤ {PAGE_TARGET})")

    # Approval to the Atlas, one application after the other.
    waits = []
    for partner_id in applications[1:1 + args.approvals]:
        [number] = [r["company_registry"] for r in manager.call_kw(Partner, "read", [[partner_id],
                                                                                    ["company_registry"]])]
        started = time.perf_counter()
        manager.call_kw(Partner, "action_ncc_approve", [[partner_id]])
        while True:
            ready = [c for c in sandbox_clusters(args.sandbox_port) if c.get("field_registration_number") == number
                     and c.get("moderation_state") == "ready_for_publication"]
            if ready:
                waits.append(time.perf_counter() - started)
                break
            if time.perf_counter() - started > 120:
                raise SystemExit(f"application {partner_id} not on the Atlas after 120 s")
            time.sleep(0.05)
    print(f"\nApproval to the Atlas (ready_for_publication on the sandbox), {len(waits)} approvals one after the "
          f"other: median {statistics.median(waits):.2f} s, fastest {min(waits):.2f} s, slowest {max(waits):.2f} s"
          f"   (target < {APPROVAL_TARGET:.0f} s)")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("step", choices=("seed", "measure"))
    parser.add_argument("-c", "--config", help="Odoo configuration file (seed)")
    parser.add_argument("-d", "--database", required=True)
    parser.add_argument("-n", "--count", type=int, default=500, help="applications and companies (default 500)")
    parser.add_argument("--odoo-port", type=int, default=8278)
    parser.add_argument("--sandbox-port", type=int, default=8378)
    parser.add_argument("--rounds", type=int, default=5, help="rounds of page loads (default 5)")
    parser.add_argument("--approvals", type=int, default=20, help="approvals timed (default 20)")
    args = parser.parse_args()
    (seed if args.step == "seed" else measure)(args)


if __name__ == "__main__":
    main()
