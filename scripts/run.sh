#!/usr/bin/env bash
# Runs the product: the sandbox Atlas on http://127.0.0.1:8070/jsonapi and Odoo 19.0 with the addon,
# its demo data and its scheduled sync on http://localhost:8069. Ctrl-C stops both.
#   ./scripts/run.sh               Odoo in one process (threads), as for development
#   ./scripts/run.sh --workers N   Odoo in multi-process mode, as in production: N HTTP workers, 2 cron workers,
#                                  the gevent process for websockets, and a front door routing /websocket to it
source "$(dirname "$0")/lib.sh"

WORKERS=0
while [ $# -gt 0 ]; do
    case $1 in
        --workers) WORKERS=${2:-}; shift 2 || shift ;;
        --workers=*) WORKERS=${1#*=}; shift ;;
        -h|--help) sed -n '2,6s/^# \{0,1\}//p' "$0"; exit 0 ;;
        *) die "unknown option '$1' (./scripts/run.sh [--workers N])" ;;
    esac
done
[[ $WORKERS =~ ^[0-9]+$ ]] || die "--workers takes a number of HTTP worker processes, e.g. --workers 2"

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
if [ "$WORKERS" -gt 0 ]; then
    # Odoo listens on two ports the system picks free; the front door listens on $HTTP_PORT.
    read -r ODOO_PORT GEVENT_PORT < <("$PY" -c '
import socket
socks = [socket.socket() for _ in range(2)]
for s in socks:
    s.bind(("127.0.0.1", 0))
print(*(s.getsockname()[1] for s in socks))')
    echo "http_port = $ODOO_PORT" >> "$RUN/odoo.conf"
    # Only the server runs in that mode; installing and the shell below run in one process.
    SERVER_ARGS=(--workers "$WORKERS" --max-cron-threads 2 --gevent-port "$GEVENT_PORT")
else
    echo "http_port = $HTTP_PORT" >> "$RUN/odoo.conf"
    SERVER_ARGS=()
fi

# The sandbox Atlas, persistent across runs, holding the registrations the demo meets (added once, by id).
"$ROOT/scripts/sandbox.sh" --port "$SANDBOX_PORT" --db "$RUN/sandbox.sqlite" --key "$SANDBOX_KEY" \
    --reviewer-key "$SANDBOX_REVIEWER_KEY" --registrations "$ROOT/atlas_sandbox/demo_registrations.json" \
    > "$RUN/sandbox.log" 2>&1 &
SANDBOX_PID=$!
ROUTER_PID=
cleanup() { kill "$SANDBOX_PID" $ROUTER_PID 2>/dev/null || true; stop_pg; }
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

MODE="one process"
if [ "$WORKERS" -gt 0 ]; then
    "$PY" "$ROOT/scripts/odoo_router.py" --listen "$HTTP_PORT" --http "$ODOO_PORT" --websocket "$GEVENT_PORT" \
        > "$RUN/router.log" 2>&1 &
    ROUTER_PID=$!
    MODE="multi-process: $WORKERS HTTP workers, 2 cron workers, websockets on the gevent process"
fi

cat <<MSG

  Odoo with the NCC Atlas Connector:  http://localhost:$HTTP_PORT   (log in as admin / admin; the demo's
                                      officer: officer / officer, its manager: manager / manager)
  Sandbox Atlas (JSON:API root):      http://127.0.0.1:$SANDBOX_PORT/jsonapi   (NCC key: $SANDBOX_KEY)
  ECCC reviewer page:                 http://127.0.0.1:$SANDBOX_PORT/reviewer   (reviewer key: $SANDBOX_REVIEWER_KEY)
  Odoo runs in $MODE.
  Logs: .cache/run/odoo.log, .cache/run/sandbox.log.   Ctrl-C stops everything.

MSG
"$PY" "$ODOO_BIN" -c "$RUN/odoo.conf" -d "$DB" --db-filter="^$DB\$" --logfile="$RUN/odoo.log" "${SERVER_ARGS[@]}"
