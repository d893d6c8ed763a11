#!/usr/bin/env bash
# Runs the product: the sandbox Atlas on http://127.0.0.1:8070/jsonapi and Odoo 19.0 with the addon,
# its demo data and its scheduled sync on http://localhost:8069. Ctrl-C stops both.
source "$(dirname "$0")/lib.sh"

DB=${NCC_DB:-ncc_demo}
HTTP_PORT=${NCC_HTTP_PORT:-8069}
SANDBOX_PORT=${NCC_SANDBOX_PORT:-8070}
SANDBOX_KEY=${NCC_SANDBOX_KEY:-demo-ncc-key}
SANDBOX_REVIEWER_KEY=${NCC_SANDBOX_REVIEWER_KEY:-demo-eccc-reviewer}
RUN="$CACHE/run"
mkdir -p "$RUN"

ensure_venv
ensure_odoo
ensure_pg
write_odoo_conf "$RUN/odoo.conf"
echo "http_port = $HTTP_PORT" >> "$RUN/odoo.conf"

# The sandbox Atlas, persistent across runs.
"$ROOT/scripts/sandbox.sh" --port "$SANDBOX_PORT" --db "$RUN/sandbox.sqlite" --key "$SANDBOX_KEY" \
    --reviewer-key "$SANDBOX_REVIEWER_KEY" > "$RUN/sandbox.log" 2>&1 &
SANDBOX_PID=$!
cleanup() { kill "$SANDBOX_PID" 2>/dev/null || true; stop_pg; }
trap cleanup EXIT

if [ -z "$(pg_sql "SELECT 1 FROM pg_database WHERE datname = '$DB'")" ]; then
    say "Creating the database '$DB' with the addon and its demo data"
    "$PY" "$ODOO_BIN" -c "$RUN/odoo.conf" -d "$DB" -i ncc_atlas_connector --with-demo --stop-after-init \
        --logfile="$RUN/install.log" || die "installing the addon failed: see $RUN/install.log"
else
    say "Updating the addon in the database '$DB'"
    "$PY" "$ODOO_BIN" -c "$RUN/odoo.conf" -d "$DB" -u ncc_atlas_connector --stop-after-init \
        --logfile="$RUN/install.log" || die "updating the addon failed: see $RUN/install.log"
fi

# Point the addon at the sandbox (Settings > Community Registration holds the same values).
"$PY" "$ODOO_BIN" shell -c "$RUN/odoo.conf" -d "$DB" --no-http --logfile="$RUN/shell.log" <<PYEOF >/dev/null
if "ncc.atlas.sync" in env:
    env["ncc.atlas.sync"]._configure_sandbox("http://127.0.0.1:$SANDBOX_PORT/jsonapi", "$SANDBOX_KEY")
    env.cr.commit()
PYEOF

cat <<MSG

  Odoo with the NCC Atlas Connector:  http://localhost:$HTTP_PORT   (log in as admin / admin)
  Sandbox Atlas (JSON:API root):      http://127.0.0.1:$SANDBOX_PORT/jsonapi   (NCC key: $SANDBOX_KEY)
  ECCC reviewer actions:              http://127.0.0.1:$SANDBOX_PORT/_sandbox   (reviewer key: $SANDBOX_REVIEWER_KEY)
  Logs: .cache/run/odoo.log, .cache/run/sandbox.log.   Ctrl-C stops everything.

MSG
"$PY" "$ODOO_BIN" -c "$RUN/odoo.conf" -d "$DB" --db-filter="^$DB\$" --logfile="$RUN/odoo.log"
