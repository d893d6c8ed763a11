"""How long the sandbox Atlas takes to answer the duplicate look-up (registration number and country, spec §3) as
the registrations it holds grow: it answers from an index, so the time stays flat.

    .venv/bin/python scripts/sandbox_search.py -n 500 -n 2000

For each N it starts a sandbox in its own process (as the benchmark does), creates N registrations over HTTP
with the NCC key, then times look-ups of registrations it holds and of numbers it does not. Needs no Odoo.
The benchmark (scripts/benchmark.py) prints the same figure against the sandbox of its push.
"""

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
KEY = "search-ncc-key-5Tg1"
REVIEWER = "search-reviewer-key-8Jm4"
JSONAPI = "application/vnd.api+json"


def _free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_sandbox():
    """A sandbox Atlas in its own process; returns the process and its root URL (without /jsonapi)."""
    port = _free_port()
    pythonpath = os.pathsep.join(filter(None, (str(ROOT), os.environ.get("PYTHONPATH"))))
    proc = subprocess.Popen(
        [sys.executable, "-m", "atlas_sandbox", "--port", str(port), "--db", ":memory:", "--key", KEY,
         "--reviewer-key", REVIEWER],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env={**os.environ, "PYTHONPATH": pythonpath},
    )
    url = f"http://127.0.0.1:{port}"
    for _attempt in range(200):
        try:
            _call(url + "/jsonapi", KEY)
            return proc, url
        except OSError:
            if proc.poll() is not None:
                break
            time.sleep(0.1)
    proc.kill()
    raise SystemExit("the sandbox Atlas did not start")


def _call(url, key, body=None):
    headers = {"api-key": key, "Accept": JSONAPI}
    data = None
    if body is not None:
        headers["Content-Type"] = JSONAPI
        data = json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, headers=headers, method="POST" if body is not None else "GET")
    with urllib.request.urlopen(request, timeout=30) as answer:
        return json.loads(answer.read() or b"{}")


def country_uuid(url, iso_code="LU"):
    terms = _call(f"{url}/jsonapi/taxonomy_term/country", KEY)["data"]
    return next(term["id"] for term in terms if term["attributes"]["field_iso_code"] == iso_code)


def fill(url, n, tag="S"):
    """N registrations in Luxembourg, numbered ``<tag>0000000`` on; returns their registration numbers."""
    numbers = [f"{tag}{i:07d}" for i in range(n)]
    for number in numbers:
        _call(f"{url}/jsonapi/node/cluster", KEY, {"data": {"type": "node--cluster", "attributes": {
            "title": f"Search {number} S.A.", "field_registration_number": number,
            "field_address": {"country_code": "LU", "locality": "Luxembourg", "address_line1": "1 rue du Test"}}}})
    return numbers


def search_time(url, numbers, country, count=200, key=KEY):
    """Milliseconds per look-up by registration number and country (median, mean), half of them for numbers the
    Atlas holds, half for numbers it does not; each answer checked."""
    step = max(1, len(numbers) // (count // 2))
    wanted = [(number, 1) for number in numbers[::step][:count // 2]]
    wanted += [(f"NONE{i:07d}", 0) for i in range(count - len(wanted))]
    times = []
    for number, expected in wanted:
        query = urllib.parse.urlencode({
            "filter[reg][path]": "field_registration_number", "filter[reg][operator]": "=",
            "filter[reg][value]": number, "filter[ctry][path]": "field_country.id", "filter[ctry][operator]": "=",
            "filter[ctry][value]": country})
        started = time.perf_counter()
        found = _call(f"{url}/jsonapi/node/cluster?{query}", key).get("data") or []
        times.append((time.perf_counter() - started) * 1000)
        if len(found) != expected:
            raise SystemExit(f"the look-up of {number} found {len(found)} registrations, not {expected}")
    return statistics.median(times), statistics.fmean(times)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("-n", "--count", type=int, action="append", help="registrations held (repeatable; "
                                                                         "default 500 and 2000)")
    parser.add_argument("-s", "--searches", type=int, default=200, help="look-ups timed per N (default 200)")
    args = parser.parse_args()
    results = {}
    for n in args.count or [500, 2000]:
        proc, url = start_sandbox()
        try:
            numbers = fill(url, n)
            results[n] = search_time(url, numbers, country_uuid(url), args.searches)
        finally:
            proc.kill()
            proc.wait()
        print(f"N = {n:>6}: sandbox search by registration number and country {results[n][0]:.2f} ms "
              f"(median; mean {results[n][1]:.2f} ms) over {args.searches} look-ups", flush=True)
    if len(results) > 1:
        low, high = min(results), max(results)
        print(f"median at N = {high} / at N = {low}: {results[high][0] / results[low][0]:.2f} "
              f"(registrations x{high / low:.0f}; 1.0 is flat)")


if __name__ == "__main__":
    main()
