#!/usr/bin/env bash
# Benchmark of the running product (not a test): ./scripts/benchmark_product.sh [-n 500] [--rounds 5] [--approvals 20]
# Installs the addon in a fresh database, seeds N applications and N plain companies, starts the sandbox Atlas and
# Odoo with one cron worker, then times the application form and the pipeline kanban against a plain company form
# and the contacts kanban in headless Chromium, and a manager's approval until the registration is
# ready_for_publication on the sandbox. Ports: NCC_BENCH_ODOO_PORT (8278), NCC_BENCH_SANDBOX_PORT (8378).
source "$(dirname "$0")/lib.sh"

for arg in "$@"; do
    if [ "$arg" = -h ] || [ "$arg" = --help ]; then
        ensure_venv
        exec "$PY" "$ROOT/scripts/benchmark_product.py" --help
    fi
done

DB=${NCC_BENCH_PRODUCT_DB:-ncc_bench_product}
ODOO_PORT=${NCC_BENCH_ODOO_PORT:-8278}
SANDBOX_PORT=${NCC_BENCH_SANDBOX_PORT:-8378}
OUT="$CACHE/bench-product"
mkdir -p "$OUT"
ensure_venv
ensure_odoo
ensure_pg
SANDBOX_PID=""
ODOO_PID=""
cleanup() {
    [ -n "$ODOO_PID" ] && kill "$ODOO_PID" 2>/dev/null && wait "$ODOO_PID" 2>/dev/null
    [ -n "$SANDBOX_PID" ] && kill "$SANDBOX_PID" 2>/dev/null && wait "$SANDBOX_PID" 2>/dev/null
    stop_pg
}
trap cleanup EXIT
write_odoo_conf "$OUT/odoo.conf" "$OUT/odoo.log"
pg_sql "DROP DATABASE IF EXISTS \"$DB\" WITH (FORCE)"
rm -rf "$CACHE/filestore/filestore/$DB"
say "Installing the addon in '$DB'"
"$PY" "$ODOO_BIN" -c "$OUT/odoo.conf" -d "$DB" -i ncc_atlas_connector --stop-after-init \
    || die "installing the addon failed: see $OUT/odoo.log"
ARGS=(-d "$DB" --odoo-port "$ODOO_PORT" --sandbox-port "$SANDBOX_PORT" "$@")
"$PY" "$ROOT/scripts/benchmark_product.py" seed -c "$OUT/odoo.conf" "${ARGS[@]}" || die "seeding failed"

PYTHONPATH="$ROOT${PYTHONPATH:+:$PYTHONPATH}" "$PY" -m atlas_sandbox --port "$SANDBOX_PORT" \
    --db :memory: --key bench-product-ncc-key-8Hs3 --reviewer-key bench-product-reviewer-4Fk1 \
    > "$OUT/sandbox.log" 2>&1 &
SANDBOX_PID=$!
"$PY" "$ODOO_BIN" -c "$OUT/odoo.conf" -d "$DB" --db-filter "^$DB\$" --http-port "$ODOO_PORT" \
    --max-cron-threads 1 &
ODOO_PID=$!
for _ in $(seq 1 120); do
    curl -fs -o /dev/null "http://127.0.0.1:$ODOO_PORT/web/login" && break
    sleep 1
done
curl -fs -o /dev/null "http://127.0.0.1:$ODOO_PORT/web/login" || die "Odoo did not start: see $OUT/odoo.log"
say "Measuring (the Odoo log goes to $OUT/odoo.log)"
"$PY" "$ROOT/scripts/benchmark_product.py" measure "${ARGS[@]}"
