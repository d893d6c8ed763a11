"""What the addon costs the rest of the CRM: ordinary contacts (no applicant, no contact person of one) created,
written and read, and imported through Odoo's import, in a database with the addon and in one with only the
modules it builds on (contacts, mail, base_import), in the same run.

Run it through scripts/benchmark.sh, which prepares both databases. Each round times every step in both databases
side by side: contacts are created and written in slices of 200, the two databases taking turns slice by slice
(the order alternating), so that both meet the same load on the machine, which changes from minute to minute; a
step's time is the sum of its slices (the import is one file; the read, of all the contacts at once, is made ten
times, taking turns), its figure the median over the rounds. Every round is rolled back: the databases keep nothing.
Prints seconds, SQL queries per contact and the ratio addon / plain (target ≤ 1.10); asserts nothing.
"""

import argparse
import statistics
import time

TARGET = 1.10
STEPS = ("create", "write", "read", "import")
SLICE = 200  # contacts per turn: the databases take turns at this grain, within every step
READS = 10  # reads of all the contacts per round, the databases taking turns


def environment(cr):
    from odoo import SUPERUSER_ID, api

    return api.Environment(cr, SUPERUSER_ID, {"tracking_disable": False})


def contact_values(n, tag):
    return [{
        "name": f"Contact {tag} {i}", "email": f"c{i}@{tag}.example.org", "phone": f"+32 2 {i:07d}",
        "street": f"{i} Avenue du Test", "city": "Bruxelles", "zip": "1000", "function": "Buyer",
    } for i in range(n)]


def import_file(first, count, tag):
    lines = ["name,email,phone,city"]
    lines += [f"Imported {tag} {i},i{i}@{tag}.example.org,+32 3 {i:07d},Antwerpen" for i in range(first, first + count)]
    return ("\n".join(lines) + "\n").encode()


class Database:
    """One database's side of a round: its cursor (rolled back at the end), the contacts made so far, and the
    seconds and SQL queries of each step, summed over its slices."""

    def __init__(self, registry, tag):
        self.cr = registry.cursor()
        self.env = environment(self.cr)
        self.tag = tag
        self.country = self.env.ref("base.be").id
        self.contacts = self.env["res.partner"]
        self.figures = {step: [0.0, 0] for step in STEPS}

    def timed(self, step, action):
        self.env.flush_all()
        queries, started = self.cr.sql_log_count, time.perf_counter()
        result = action()
        self.env.flush_all()
        self.figures[step][0] += time.perf_counter() - started
        self.figures[step][1] += self.cr.sql_log_count - queries
        return result

    def create(self, first, count):
        # One create per contact, as people and integrations make them.
        Partner = self.env["res.partner"]
        values = contact_values(first + count, self.tag)[first:]
        self.contacts |= self.timed("create", lambda: Partner.concat(*(
            Partner.create({**v, "country_id": self.country}) for v in values)))

    def write(self, first, count):
        contacts = self.contacts[first:first + count]
        self.timed("write", lambda: [contact.write({"phone": f"+32 9 {contact.id:07d}", "function": "Manager"})
                                     for contact in contacts])

    def read(self, _first, _count):
        self.env.invalidate_all()
        self.timed("read", lambda: self.env["res.partner"].search_read(
            [("id", "in", self.contacts.ids)], ["name", "email", "phone", "city", "country_id", "function"]))

    def import_(self, first, count):
        importer = self.env["base_import.import"].create({
            "res_model": "res.partner", "file": import_file(first, count, self.tag),
            "file_name": "contacts.csv", "file_type": "text/csv",
        })
        options = {"quoting": '"', "separator": ",", "has_headers": True, "encoding": "utf-8"}
        result = self.timed("import", lambda: importer.execute_import(
            ["name", "email", "phone", "city"], ["name", "email", "phone", "city"], options))
        if result.get("messages"):
            raise SystemExit(f"the import failed: {result['messages'][:3]}")
        if len(result["ids"]) != count:
            raise SystemExit(f"the import made {len(result['ids'])} contacts, not {count}")

    def close(self):
        self.cr.rollback()
        self.cr.close()


def measure(registries, n, tag, slice_size=SLICE, reverse=False):
    """Seconds and SQL queries of each step, for n contacts, in each database: every step in slices, the
    databases taking turns slice by slice (so that both meet the same load on the machine); rolled back."""
    databases = {name: Database(registry, f"{tag}{name}") for name, registry in registries.items()}
    order = list(reversed(databases)) if reverse else list(databases)
    try:
        for step in STEPS:
            if step == "read":  # all of them at once, as a list does; a few times over, each takes milliseconds
                slices = [(0, n)] * READS
            elif step == "import":  # one file, as a user's
                slices = [(0, n)]
            else:
                slices = [(first, min(slice_size, n - first)) for first in range(0, n, slice_size)]
            for number, (first, count) in enumerate(slices):
                for name in (order if number % 2 == 0 else reversed(order)):
                    getattr(databases[name], "import_" if step == "import" else step)(first, count)
        return {name: database.figures for name, database in databases.items()}
    finally:
        for database in databases.values():
            database.close()


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("-c", "--config", required=True, help="Odoo configuration file")
    parser.add_argument("-d", "--database", required=True, help="database with the addon installed")
    parser.add_argument("--plain", required=True, help="database with only contacts, mail and base_import")
    parser.add_argument("-n", "--count", type=int, default=2000, help="contacts (default 2000)")
    parser.add_argument("-r", "--rounds", type=int, default=3, help="rounds (default 3; the median is shown)")
    args = parser.parse_args()

    import odoo.modules.module
    from odoo.modules.registry import Registry
    from odoo.tools import config

    config.parse_config(["-c", args.config, "-d", args.database, "--log-level=warn"], setup_logging=True)
    odoo.modules.module.initialize_sys_path()
    databases = {"addon": Registry(args.database), "plain": Registry(args.plain)}
    measure(databases, 50, "warm")  # caches and compiled code, in both, before anything is timed
    rounds = {name: [] for name in databases}
    for number in range(args.rounds):
        for name, figures in measure(databases, args.count, f"r{number}", reverse=number % 2 == 1).items():
            rounds[name].append(figures)

    n = args.count
    print(f"\nOrdinary contacts, N = {n}: with the addon vs with only contacts, mail and base_import "
          f"(median of {args.rounds} rounds, each rolled back)")
    print(f"  {'step':<9} {'addon s':>8} {'plain s':>8} {'ratio':>6} {'target':>7} {'SQL/contact addon':>18}"
          f" {'plain':>6}")
    for step in STEPS:
        times = READS if step == "read" else 1
        seconds = {name: statistics.median(r[step][0] for r in rounds[name]) for name in databases}
        queries = {name: statistics.median(r[step][1] for r in rounds[name]) / n / times for name in databases}
        ratio = seconds["addon"] / seconds["plain"]
        label = f"read ×{READS}" if step == "read" else step
        print(f"  {label:<9} {seconds['addon']:8.2f} {seconds['plain']:8.2f} {ratio:6.2f} {'≤ ' + str(TARGET):>7}"
              f" {queries['addon']:18.2f} {queries['plain']:6.2f}")
    fields = {name: len(registry["res.partner"]._fields) for name, registry in databases.items()}
    print(f"  fields of res.partner: {fields['addon']} with the addon, {fields['plain']} without (Odoo's own work at"
          f" each create, defaults, cache and dependencies, grows with them; the SQL does not)")


if __name__ == "__main__":
    main()
