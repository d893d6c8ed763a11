"""What the addon costs the rest of the CRM: ordinary contacts (no applicant, no contact person of one) created,
written and read, and imported through Odoo's import, in a database with the addon and in one with only the
modules it builds on (contacts, mail, base_import), in the same run.

Run it through scripts/benchmark.sh, which prepares both databases. Each round times every step in both databases,
one after the other (the order alternating from round to round, so that both meet the same load on the machine);
the figure of a step is its median over the rounds. Every round is rolled back: the databases keep nothing.
Prints seconds, SQL queries per contact and the ratio addon / plain (target ≤ 1.10); asserts nothing.
"""

import argparse
import statistics
import time

TARGET = 1.10
STEPS = ("create", "write", "read", "import")


def environment(cr):
    from odoo import SUPERUSER_ID, api

    return api.Environment(cr, SUPERUSER_ID, {"tracking_disable": False})


def contact_values(n, tag):
    return [{
        "name": f"Contact {tag} {i}", "email": f"c{i}@{tag}.example.org", "phone": f"+32 2 {i:07d}",
        "street": f"{i} Avenue du Test", "city": "Bruxelles", "zip": "1000", "function": "Buyer",
    } for i in range(n)]


def import_file(n, tag):
    lines = ["name,email,phone,city"]
    lines += [f"Imported {tag} {i},i{i}@{tag}.example.org,+32 3 {i:07d},Antwerpen" for i in range(n)]
    return ("\n".join(lines) + "\n").encode()


def measure(registry, n, tag):
    """Seconds and SQL queries of each step, for n contacts, in this database; rolled back."""
    figures = {}
    with registry.cursor() as cr:
        env = environment(cr)
        Partner = env["res.partner"]
        country = env.ref("base.be").id

        def timed(step, action):
            env.flush_all()
            queries, started = cr.sql_log_count, time.perf_counter()
            result = action()
            env.flush_all()
            figures[step] = (time.perf_counter() - started, cr.sql_log_count - queries)
            return result

        values = contact_values(n, tag)
        # One create and one write per contact, as people and integrations make them.
        contacts = timed("create", lambda: Partner.concat(*(Partner.create({**v, "country_id": country})
                                                            for v in values)))
        timed("write", lambda: [contact.write({"phone": f"+32 9 {contact.id:07d}", "function": "Manager"})
                                for contact in contacts])
        env.invalidate_all()
        timed("read", lambda: Partner.search_read([("id", "in", contacts.ids)],
                                                  ["name", "email", "phone", "city", "country_id", "function"]))
        importer = env["base_import.import"].create({
            "res_model": "res.partner", "file": import_file(n, tag),
            "file_name": "contacts.csv", "file_type": "text/csv",
        })
        options = {"quoting": '"', "separator": ",", "has_headers": True, "encoding": "utf-8"}
        result = timed("import", lambda: importer.execute_import(
            ["name", "email", "phone", "city"], ["name", "email", "phone", "city"], options))
        if result.get("messages"):
            raise SystemExit(f"the import failed: {result['messages'][:3]}")
        if len(result["ids"]) != n:
            raise SystemExit(f"the import made {len(result['ids'])} contacts, not {n}")
        cr.rollback()
    return figures


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
    for name, registry in databases.items():
        measure(registry, 50, f"warm{name}")  # caches and compiled code, in both, before anything is timed
    rounds = {name: [] for name in databases}
    for number in range(args.rounds):
        order = list(databases) if number % 2 == 0 else list(reversed(databases))
        for name in order:
            rounds[name].append(measure(databases[name], args.count, f"r{number}{name}"))

    n = args.count
    print(f"\nOrdinary contacts, N = {n}: with the addon vs with only contacts, mail and base_import "
          f"(median of {args.rounds} rounds, each rolled back)")
    print(f"  {'step':<8} {'addon s':>8} {'plain s':>8} {'ratio':>6} {'target':>7} {'SQL/contact addon':>18}"
          f" {'plain':>6}")
    for step in STEPS:
        seconds = {name: statistics.median(r[step][0] for r in rounds[name]) for name in databases}
        queries = {name: statistics.median(r[step][1] for r in rounds[name]) / n for name in databases}
        ratio = seconds["addon"] / seconds["plain"]
        print(f"  {step:<8} {seconds['addon']:8.2f} {seconds['plain']:8.2f} {ratio:6.2f} {'≤ ' + str(TARGET):>7}"
              f" {queries['addon']:18.2f} {queries['plain']:6.2f}")


if __name__ == "__main__":
    main()
