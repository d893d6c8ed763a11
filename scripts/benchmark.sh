#!/usr/bin/env bash
# Benchmark of the Atlas sync (not a test): ./scripts/benchmark.sh [-n 500 -n 2000] [-b 50] [--latency-ms 50]
# Installs the addon in a fresh database, then, for each N (default 2000), syncs N applications against a sandbox
# Atlas and prints applications per second, HTTP requests and SQL queries per application for creates, updates and
# an unchanged re-run, peak memory, and the ratio of the push's throughput to the bare client's making the same
# requests. -h lists the options. Then the CRM overhead: ordinary contacts created, written, read and imported with
# the addon and in a second database with only the modules it builds on (NCC_BENCH_CRM=0 skips it).
source "$(dirname "$0")/lib.sh"

for arg in "$@"; do
    if [ "$arg" = -h ] || [ "$arg" = --help ]; then
        ensure_venv
        ensure_odoo
        exec "$PY" "$ROOT/scripts/benchmark.py" --help
    fi
done

DB=${NCC_BENCH_DB:-ncc_bench}
OUT="$CACHE/bench"
mkdir -p "$OUT"
ensure_venv
ensure_odoo
ensure_pg
trap stop_pg EXIT
write_odoo_conf "$OUT/odoo.conf" "$OUT/odoo.log"
pg_sql "DROP DATABASE IF EXISTS \"$DB\" WITH (FORCE)"
rm -rf "$CACHE/filestore/filestore/$DB"
say "Installing the addon in '$DB'"
"$PY" "$ODOO_BIN" -c "$OUT/odoo.conf" -d "$DB" -i ncc_atlas_connector --stop-after-init \
    || die "installing the addon failed: see $OUT/odoo.log"
say "Benchmarking (the Odoo log goes to $OUT/odoo.log)"
"$PY" "$ROOT/scripts/benchmark.py" -c "$OUT/odoo.conf" -d "$DB" "$@"
if [ "${NCC_BENCH_CRM:-1}" != 0 ]; then
    PLAIN="${DB}_plain"
    pg_sql "DROP DATABASE IF EXISTS \"$PLAIN\" WITH (FORCE)"
    rm -rf "$CACHE/filestore/filestore/$PLAIN"
    say "Installing only contacts, mail and base_import in '$PLAIN'"
    "$PY" "$ODOO_BIN" -c "$OUT/odoo.conf" -d "$PLAIN" -i contacts,mail,base_import --stop-after-init \
        || die "installing the plain database failed: see $OUT/odoo.log"
    "$PY" "$ROOT/scripts/benchmark_crm.py" -c "$OUT/odoo.conf" -d "$DB" --plain "$PLAIN" -n "${NCC_BENCH_CONTACTS:-2000}"
fi
