"""Benchmark of the Atlas push: throughput, HTTP requests and SQL queries per application, peak memory, and the
throughput of the bare client making the same requests.

Run it through scripts/benchmark.sh, which prepares a database with the addon installed. The sandbox Atlas runs
in a separate process, as the real Atlas would. The push runs as its scheduled action does: batch by batch, each
batch committed. Prints figures; asserts nothing; leaves its applicants in the benchmark database.

For each N:
- create: N approved applications pushed for the first time (one look-up per batch, an IN search of its
  registration numbers, and a create each);
- update: one field edited on every application, pushed again;
- unchanged re-run: every application queued again without any change, pushed again;
- bare client: the plain AtlasClient alone making the same look-ups and creates, then the same reads and updates,
  against a second sandbox holding as many registrations as the push's, with as many requests in flight as the
  push (``--concurrency``, the push's push_concurrency setting: a batch's creates, or its updates, side by side,
  one client per thread). Its batches alternate with the push's,
  so that both meet the same load on the machine; the ratio is the push's throughput over the bare client's;
- sandbox search: the time the push's sandbox takes to answer the duplicate look-up (registration number and
  country) once it holds the N registrations; it answers from an index, so it stays flat as N grows
  (scripts/sandbox_search.py measures it alone, without Odoo).

``--latency-ms 50`` has both sandboxes wait 50 ms before each request, as an Atlas across a network does. The
Odoo ms/app of a run is its time less the time its Atlas exchanges took (as the sync log holds them); with
requests in flight side by side, those overlap each other and Odoo's work, so the difference is a lower bound.
"""

import argparse
import json
import os
import resource
import socket
import subprocess
import sys
import threading
import time
import urllib.request
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from sandbox_search import search_time

ROOT = Path(__file__).resolve().parents[1]
KEY = "bench-ncc-key-7Yp2"
REVIEWER = "bench-reviewer-key-3Qd8"
PARAM = "ncc_atlas_connector."
FIRST_PHONE = "+352 20 00 00 00"
NEW_PHONE = "+352 26 99 99 99"
TARGETS = {"create": "≤ 1.05", "update": "≤ 1.1", "unchanged": "0"}
RATIO_TARGET = 0.95  # push vs bare client under a WAN-like latency


# --------------------------------------------------------------------------------------------- the sandbox

def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_sandbox(latency_ms=0):
    """A sandbox Atlas in its own process; ``latency_ms`` is added to every JSON:API request it serves (a WAN)."""
    port = free_port()
    pythonpath = os.pathsep.join(filter(None, (str(ROOT), os.environ.get("PYTHONPATH"))))
    faults = ["--faults", json.dumps({"latency_ms": latency_ms})] if latency_ms else []
    proc = subprocess.Popen(
        [sys.executable, "-m", "atlas_sandbox", "--port", str(port), "--db", ":memory:", "--key", KEY,
         "--reviewer-key", REVIEWER, *faults],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env={**os.environ, "PYTHONPATH": pythonpath},
    )
    url = f"http://127.0.0.1:{port}"
    for _attempt in range(200):
        try:
            sandbox_call(url, "/_sandbox/stats")
            return proc, url
        except OSError:
            if proc.poll() is not None:
                break
            time.sleep(0.1)
    proc.kill()
    raise SystemExit("the sandbox Atlas did not start")


def sandbox_call(url, path, method="GET"):
    request = urllib.request.Request(url + path, method=method, headers={"x-reviewer-key": REVIEWER})
    with urllib.request.urlopen(request, timeout=30) as answer:
        return json.loads(answer.read() or b"{}")


def http_count(url):
    return sandbox_call(url, "/_sandbox/stats")["total"]


# --------------------------------------------------------------------------------------------- measuring

class PeakRss:
    """The largest resident set size of this process while it runs (sampled every 5 ms from /proc)."""

    def __init__(self):
        self.start = self.peak = self._rss()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    @staticmethod
    def _rss():
        try:
            with open("/proc/self/statm") as statm:
                return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
        except OSError:  # not Linux: the lifetime peak is the best we have
            return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024

    def _sample(self):
        while not self._stop.wait(0.005):
            self.peak = max(self.peak, self._rss())

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, self._rss())


class Phase:
    """Time, HTTP requests (counted by the sandbox), SQL queries (counted by the cursor) of push runs, and the
    time their Atlas exchanges took (the durations the sync log holds): the rest is Odoo's own work."""

    def __init__(self, env, url):
        self.env, self.url = env, url
        self.seconds = self.requests = self.queries = self.http_seconds = 0

    def _last_log_id(self):
        self.env.cr.execute("SELECT COALESCE(MAX(id), 0) FROM ncc_atlas_sync_log")
        return self.env.cr.fetchone()[0]

    def run(self, action):
        log_before = self._last_log_id()
        http_before, sql_before = http_count(self.url), self.env.cr.sql_log_count
        started = time.perf_counter()
        action()
        self.seconds += time.perf_counter() - started
        self.queries += self.env.cr.sql_log_count - sql_before
        self.requests += http_count(self.url) - http_before
        self.env.cr.execute("SELECT COALESCE(SUM(duration_ms), 0) FROM ncc_atlas_sync_log WHERE id > %s",
                            (log_before,))
        self.http_seconds += self.env.cr.fetchone()[0] / 1000


# --------------------------------------------------------------------------------------------- the push

def environment(cr, context=None):
    from odoo import SUPERUSER_ID, api

    return api.Environment(cr, SUPERUSER_ID, context or {})


def configure(env, url, batch, concurrency):
    env["ncc.atlas.sync"]._configure_sandbox(url + "/jsonapi", KEY)
    params = env["ir.config_parameter"]
    params.set_param(PARAM + "country_term_id", env.ref("ncc_atlas_connector.term_country_lu").id)
    params.set_param(PARAM + "batch_size", batch)
    params.set_param(PARAM + "push_concurrency", concurrency)
    params.set_param(PARAM + "owner_uuid", False)
    env.cr.commit()


def make_applicants(env, n, tag):
    """N complete applicants with their contact persons, every check passed, approved (hence pending)."""
    ref = env.ref
    term = lambda name: ref(f"ncc_atlas_connector.term_{name}").id  # noqa: E731
    Partner = env["res.partner"].with_context(tracking_disable=True, mail_create_nolog=True)
    companies = Partner.browse()
    for start in range(0, n, 500):
        chunk = Partner.create([{
            "name": f"Bench {tag} {i} S.A.", "is_company": True, "ncc_is_applicant": True,
            "ncc_name_national": f"Bench {tag} {i}", "street": f"{i} rue du Test", "city": "Luxembourg",
            "zip": "1855", "country_id": ref("base.lu").id, "website": f"https://b{i}.{tag}.example.eu",
            "email": f"info@b{i}.{tag}.example.eu", "phone": FIRST_PHONE,
            "company_registry": f"{tag.upper()}{i:07d}",
            "ncc_cluster_type_id": term("cluster_type_industry_sme"), "ncc_size_class": "small",
            "ncc_field_of_activity_ids": [(6, 0, [term("fields_of_activity_industrial_or_product_development")])],
            "ncc_thematic_area_ids": [(6, 0, [term("cluster_thematic_area_post_quantum_cryptography")])],
            "ncc_expertise_description": "Benchmark applicant.", "ncc_goals_to_achieve": "Benchmark goals.",
            "ncc_no_exclusion": True, "ncc_data_sharing_consent": True, "ncc_privacy_notice_accepted": True,
            "ncc_member_tasks_accepted": True, "ncc_form_completed": True,
        } for i in range(start, min(n, start + 500))])
        Partner.create([{
            "name": f"Ana Bench{start + i}", "parent_id": company.id, "type": "contact", "function": "CISO",
            "email": f"rep@b{start + i}.{tag}.example.eu", "ncc_is_representative": True,
        } for i, company in enumerate(chunk)])
        chunk._ncc_generate_checks()
        chunk.ncc_check_ids.write({"result": "pass"})
        chunk.with_context(ncc_system_move=True).write({"ncc_stage_id": chunk._ncc_stage_of_kind("approved").id})
        env.cr.commit()
        companies |= chunk
    return companies


def synced_count(companies):
    """How many are synced, counted by the database (reading them would fill the cache and the memory figure)."""
    return companies.search_count([("id", "in", companies.ids), ("ncc_sync_state", "=", "synced")])


def one_batch_context(env):
    """The context of the push scheduled action run by a cron worker whose time is up after each batch: every
    call of _cron_push sends one batch and commits it."""
    cron = env.ref("ncc_atlas_connector.ir_cron_ncc_atlas_push")
    cron, _progress = cron._add_progress()
    env.cr.commit()
    return {**cron.env.context, "cron_id": cron.id, "cron_end_time": 0}


# --------------------------------------------------------------------------------------------- the bare client

class Bare:
    """The plain client making the push's requests with as many in flight as the push (its push_concurrency): a
    look-up per batch, then the batch's creates side by side; a read per batch, then its updates side by side.
    Each thread has its own client, as the push's have."""

    def __init__(self, url, concurrency):
        from odoo.addons.ncc_atlas_connector.atlas import AtlasClient, AtlasSettings

        settings = AtlasSettings(url=url + "/jsonapi", api_key=KEY)
        self.client = AtlasClient(settings)
        self.concurrency = concurrency
        self.local = threading.local()
        self.clients = []
        self.pool = ThreadPoolExecutor(max_workers=concurrency) if concurrency > 1 else None
        self.settings = settings
        self.created = []
        self.seconds = {"create": 0.0, "update": 0.0}

    def _thread_client(self):
        from odoo.addons.ncc_atlas_connector.atlas import AtlasClient

        if not hasattr(self.local, "client"):
            self.local.client = AtlasClient(self.settings)
            self.clients.append(self.local.client)
        return self.local.client

    def _each(self, request, items):
        if self.pool is None:
            return [request(self.client, item) for item in items]
        return list(self.pool.map(lambda item: request(self._thread_client(), item), items))

    def create(self, batch, country):
        started = time.perf_counter()
        self.client.find_clusters_by_numbers([values["field_registration_number"] for values in batch], country)
        created = self._each(lambda client, values: client.create_cluster(
            {**values, "moderation_state": "ready_for_publication"}), batch)
        self.created += [cluster.id for cluster in created]  # the UUID only: the push keeps no registration either
        self.seconds["create"] += time.perf_counter() - started

    def update(self, start, size):
        started = time.perf_counter()
        clusters = self.client.clusters_by_ids(self.created[start:start + size])
        self._each(lambda client, cluster: client.update_cluster(
            cluster.id, cluster, {**cluster.values, "field_phone_number": NEW_PHONE}), clusters)
        self.seconds["update"] += time.perf_counter() - started

    def close(self):
        if self.pool:
            self.pool.shutdown()
        for client in [self.client, *self.clients]:
            client.close()


# --------------------------------------------------------------------------------------------- one N

def run(registry, n, batch, latency_ms=0, concurrency=4):
    proc, url = start_sandbox(latency_ms)
    bare_proc, bare_url = start_sandbox(latency_ms)
    try:
        tag = f"n{n}x{uuid.uuid4().hex[:6]}"
        with registry.cursor() as cr:
            env = environment(cr)
            configure(env, url, batch, concurrency)
            companies = make_applicants(env, n, tag)
            send_country = bool(env["ncc.atlas.sync"]._conf()["send_country"])
            country = env.ref("ncc_atlas_connector.term_country_lu").atlas_uuid
            bare_values = [company._ncc_atlas_values(send_country=send_country) for company in companies]
            cr.commit()
            env.invalidate_all()

            sync = env["ncc.atlas.sync"].with_context(one_batch_context(env))
            bare = Bare(bare_url, concurrency)
            phases = {name: Phase(env, url) for name in ("create", "update", "unchanged")}
            with PeakRss() as memory:
                for start in range(0, n, batch):
                    phases["create"].run(sync._cron_push)
                    bare.create(bare_values[start:start + batch], country)
                created = synced_count(companies)

                companies.write({"phone": NEW_PHONE})  # an officer's edit: every application pending again
                cr.commit()
                env.invalidate_all()
                for start in range(0, n, batch):
                    phases["update"].run(sync._cron_push)
                    bare.update(start, batch)

                companies._ncc_mark_pending()  # queued again, nothing changed
                cr.commit()
                env.invalidate_all()
                for _start in range(0, n, batch):
                    phases["unchanged"].run(sync._cron_push)
                synced = synced_count(companies)
            bare.close()
            numbers = [values["field_registration_number"] for values in bare_values]
            search_ms, _mean = search_time(url, numbers, country, key=KEY)
    finally:
        for sandbox in (proc, bare_proc):
            sandbox.kill()
            sandbox.wait()

    mib = 2 ** 20
    where = f"{latency_ms} ms added to every Atlas request" if latency_ms else "loopback"
    print(f"\nN = {n}, {where}   (batches of {batch}, up to {concurrency} requests in flight; synced after the "
          f"create run: {created}/{n}, at the end: {synced}/{n})")
    print(f"  {'push run':<18} {'app/s':>8} {'HTTP/app':>9} {'target':>7} {'SQL/app':>8} {'Odoo ms/app':>12}"
          f" {'HTTP ms/app':>12}")
    for name, label in (("create", "create"), ("update", "update"), ("unchanged", "unchanged re-run")):
        phase = phases[name]
        odoo_ms = max(0.0, phase.seconds - phase.http_seconds) * 1000 / n
        print(f"  {label:<18} {n / phase.seconds:8.1f} {phase.requests / n:9.3f} {TARGETS[name]:>7}"
              f" {phase.queries / n:8.1f} {odoo_ms:12.2f} {phase.http_seconds * 1000 / n:12.2f}")
    print(f"  bare client, same requests: {n / bare.seconds['create']:.1f} app/s creating, "
          f"{n / bare.seconds['update']:.1f} app/s updating")
    create_ratio = bare.seconds["create"] / phases["create"].seconds
    update_ratio = bare.seconds["update"] / phases["update"].seconds
    target = (f"(target ≥ {RATIO_TARGET} under latency)" if latency_ms else
              "(no target on loopback: the Odoo ms/app beside the HTTP ms/app above explain it)")
    print(f"  push throughput / bare client throughput: create {create_ratio:.2f}, update {update_ratio:.2f}   "
          + target)
    print(f"  peak memory during the push runs: {memory.peak / mib:.0f} MiB resident "
          f"({(memory.peak - memory.start) / mib:+.0f} MiB over their start)")
    print(f"  sandbox search by registration number and country, holding {n} registrations: {search_ms:.2f} ms "
          "(median)")
    return {name: phase.queries / n for name, phase in phases.items()}, search_ms


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("-c", "--config", required=True, help="Odoo configuration file")
    parser.add_argument("-d", "--database", required=True, help="database with the addon installed")
    parser.add_argument("-n", "--count", type=int, action="append",
                        help="applications to sync (repeatable; default 2000)")
    parser.add_argument("-b", "--batch", type=int, default=50, help="push batch size (default 50, as installed)")
    parser.add_argument("--concurrency", type=int, default=4,
                        help="requests in flight, for the push (its push_concurrency setting) and the bare client "
                             "alike (default 4, as installed; 1 sends them one by one)")
    parser.add_argument("--latency-ms", type=int, action="append",
                        help="milliseconds the sandboxes add to every Atlas request, as a WAN would (repeatable: "
                             "each N runs at each latency; default 0, loopback)")
    args = parser.parse_args()

    import odoo.modules.module
    from odoo.modules.registry import Registry
    from odoo.tools import config

    config.parse_config(["-c", args.config, "-d", args.database, "--log-level=warn"], setup_logging=True)
    odoo.modules.module.initialize_sys_path()
    registry = Registry(args.database)
    counts = args.count or [2000]
    latencies = args.latency_ms or [0]
    for latency in latencies:
        results = {n: run(registry, n, args.batch, latency, args.concurrency) for n in counts}
        if len(counts) > 1:
            print(f"\nSQL queries per application as N grows ({latency} ms latency):")
            for name, label in (("create", "create"), ("update", "update"), ("unchanged", "unchanged re-run")):
                print(f"  {label:<18} " + "   ".join(f"N={n}: {results[n][0][name]:.1f}" for n in counts))
            print("Sandbox search time as N grows (flat: it reads an index):")
            print("  " + "   ".join(f"N={n}: {results[n][1]:.2f} ms" for n in counts))

if __name__ == "__main__":
    main()
