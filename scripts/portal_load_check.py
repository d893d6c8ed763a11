#!/usr/bin/env python3
"""Load check of the public registration form against the running product (./scripts/run.sh): N concurrent
applicants open the form, send it, and follow their confirmation link at the same time. A few of them apply for
the same organisation (one registration number): it must enter the CRM once. Prints the page, submit and confirm
times; exits non-zero on any error or duplicate company. Not a timed test: the times are for a person to read.

    ./scripts/run.sh &                       # the product, with its demo data
    .venv/bin/python scripts/portal_load_check.py [--url http://localhost:8069] [--submitters 50]

It logs in over XML-RPC as the administrator to open the form, lift the per-address rate limit for the run (all
submitters share one address here) and read the confirmation links from the outgoing mail queue; the rate limit
is put back afterwards.
"""

import argparse
import re
import statistics
import sys
import threading
import time
import uuid
import xmlrpc.client
from concurrent.futures import ThreadPoolExecutor

import requests

PARAM = "ncc_atlas_connector."
CSRF_RE = re.compile(r'name="csrf_token" value="([^"]+)"')
LINK_RE = re.compile(r'href="[^"]*(/ncc/register/confirm/[^"]+)"')
SHARED_APPLICANTS = 5  # submitters who apply for the same organisation


class Admin:
    def __init__(self, url, db, login, password):
        self.db, self.password = db, password
        self.uid = xmlrpc.client.ServerProxy(f"{url}/xmlrpc/2/common").authenticate(db, login, password, {})
        if not self.uid:
            sys.exit(f"Cannot log in to {db} as {login}.")
        self.models = xmlrpc.client.ServerProxy(f"{url}/xmlrpc/2/object", allow_none=True)
        self.lock = threading.Lock()

    def call(self, model, method, *args, **kwargs):
        with self.lock:  # one ServerProxy is not thread-safe
            return self.models.execute_kw(self.db, self.uid, self.password, model, method, list(args), kwargs)

    def term_ids(self, vocabulary, limit=1):
        return self.call("ncc.atlas.term", "search", [("vocabulary", "=", vocabulary)], limit=limit)


def answers(admin_ids, number, email):
    country_id, cluster_type, activity, thematic = admin_ids
    return {
        "name": f"Load Check Organisation {number}",
        "ncc_name_national": f"Organisation de contrôle {number}",
        "country_id": str(country_id),
        "street": "1 rue du Test",
        "zip": "1855",
        "city": "Luxembourg",
        "company_registry": number,
        "website": "https://load-check.example.eu",
        "email": "info@load-check.example.eu",
        "ncc_cluster_type_id": str(cluster_type),
        "ncc_is_headquarters": "1",
        "ncc_has_subsidiaries": "0",
        "ncc_has_majority_outside": "0",
        "contact_ncc_first_name": "Load",
        "contact_ncc_family_name": f"Checker {email.split('@')[0]}",
        "contact_email": email,
        "ncc_field_of_activity_ids": [str(activity)],
        "ncc_expertise_description": "Load testing of the registration portal.",
        "ncc_thematic_area_ids": [str(thematic)],
        "ncc_no_exclusion": "1",
        "ncc_data_sharing_consent": "1",
        "ncc_privacy_notice_accepted": "1",
        "ncc_member_tasks_accepted": "1",
        "ncc_form_completed": "1",
        "ncc_lang": "en_US",
    }


def page_error(response, expected):
    if response.status_code != 200:
        return f"HTTP {response.status_code}"
    if expected not in response.text:
        found = re.search(r'data-ncc-error="([^"]+)"[^>]*>([^<]*)', response.text)
        return f"unexpected page ({found.group(1)}: {found.group(2)})" if found else "unexpected page"
    return None


def submit(url, form):
    session = requests.Session()
    started = time.monotonic()
    page = session.get(f"{url}/ncc/register", timeout=60)
    page_time = time.monotonic() - started
    if error := page_error(page, "ncc_step_declarations"):
        return session, page_time, 0.0, f"form page: {error}"
    data = {**form, "csrf_token": CSRF_RE.search(page.text).group(1)}
    started = time.monotonic()
    sent = session.post(f"{url}/ncc/register", data=data, timeout=120)
    submit_time = time.monotonic() - started
    return session, page_time, submit_time, page_error(sent, "o_ncc_registration_sent") and \
        f"submit: {page_error(sent, 'o_ncc_registration_sent')}"


def confirm(url, session, path):
    started = time.monotonic()
    page = session.get(f"{url}{path}", timeout=60)
    match = CSRF_RE.search(page.text)
    if page.status_code != 200 or not match:
        return time.monotonic() - started, f"confirmation page: HTTP {page.status_code}"
    done = session.post(f"{url}{path}", data={"csrf_token": match.group(1)}, timeout=120)
    elapsed = time.monotonic() - started
    ok = done.status_code == 200 and ("o_ncc_registration_received" in done.text or
                                      "o_ncc_registration_duplicate" in done.text)
    return elapsed, None if ok else f"confirm: HTTP {done.status_code}"


def summary(name, times):
    times = sorted(times)
    p95 = times[max(int(len(times) * 0.95) - 1, 0)]
    return (f"{name:<8} n={len(times):<3} min {times[0]:.2f}s  median {statistics.median(times):.2f}s  "
            f"p95 {p95:.2f}s  max {times[-1]:.2f}s")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", default="http://localhost:8069")
    parser.add_argument("--db", default="ncc_demo")
    parser.add_argument("--login", default="admin")
    parser.add_argument("--password", default="admin")
    parser.add_argument("--submitters", type=int, default=50)
    args = parser.parse_args()
    url = args.url.rstrip("/")

    admin = Admin(url, args.db, args.login, args.password)
    lu = admin.call("res.country", "search", [("code", "=", "LU")], limit=1)[0]
    ids = (lu, admin.term_ids("cluster_type")[0], admin.term_ids("fields_of_activity")[0],
           admin.term_ids("cluster_thematic_area")[0])
    old_limit = admin.call("ir.config_parameter", "get_param", PARAM + "portal_rate_limit")
    old_enabled = admin.call("ir.config_parameter", "get_param", PARAM + "portal_enabled")
    admin.call("ir.config_parameter", "set_param", PARAM + "portal_rate_limit", str(args.submitters * 10))
    admin.call("ir.config_parameter", "set_param", PARAM + "portal_enabled", "True")

    run = uuid.uuid4().hex[:8].upper()
    shared = f"LC{run}SHARED"
    forms = []
    for i in range(args.submitters):
        number = shared if i < SHARED_APPLICANTS else f"LC{run}{i:03d}"
        forms.append(answers(ids, number, f"applicant-{run.lower()}-{i}@load-check.example.eu"))
    errors = []
    try:
        print(f"{args.submitters} applicants send the form at once ({SHARED_APPLICANTS} for one organisation)…")
        with ThreadPoolExecutor(args.submitters) as pool:
            results = list(pool.map(lambda form: submit(url, form), forms))
        errors += [error for *_rest, error in results if error]

        links = {}
        for form in forms:
            mail = admin.call("mail.mail", "search_read", [("email_to", "=", form["contact_email"])],
                              fields=["body_html"], limit=1, order="id desc")
            match = mail and LINK_RE.search(mail[0]["body_html"] or "")
            if match:
                links[form["contact_email"]] = match.group(1)
            else:
                errors.append(f"no confirmation email to {form['contact_email']}")
        print(f"{len(links)} confirmation links read from the mail queue; the applicants follow them at once…")
        with ThreadPoolExecutor(args.submitters) as pool:
            confirmed = list(pool.map(
                lambda pair: confirm(url, pair[0][0], links[pair[1]["contact_email"]]),
                [(result, form) for result, form in zip(results, forms, strict=True)
                 if form["contact_email"] in links],
            ))
        errors += [error for _elapsed, error in confirmed if error]

        duplicates = []
        for number in sorted({form["company_registry"] for form in forms}):
            count = admin.call("res.partner", "search_count",
                               [("company_registry", "=", number), ("is_company", "=", True)])
            if count != 1:
                duplicates.append(f"{number}: {count} companies")
    finally:
        admin.call("ir.config_parameter", "set_param", PARAM + "portal_rate_limit", old_limit or "5")
        admin.call("ir.config_parameter", "set_param", PARAM + "portal_enabled", old_enabled or "False")

    print(summary("page", [page_time for _s, page_time, _t, _e in results]))
    print(summary("submit", [submit_time for _s, _p, submit_time, _e in results if submit_time]))
    if confirmed:
        print(summary("confirm", [elapsed for elapsed, _e in confirmed]))
    print(f"errors: {len(errors)}; organisations: {len({f['company_registry'] for f in forms})}, "
          f"each in the CRM once: {'yes' if not duplicates else 'NO'}")
    for line in errors[:20] + duplicates:
        print("  " + line)
    return 1 if errors or duplicates else 0


if __name__ == "__main__":
    sys.exit(main())
