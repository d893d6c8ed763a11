#!/usr/bin/env bash
# Takes the README's screenshots into docs/screenshots/ (PNG): starts the product with its demo as the run command
# does, but in a database of its own made afresh (ncc_screenshots), with a sandbox Atlas of its own, on ports of
# its own (8089 and 8090), lets the first sync run, photographs each screen of SCREENS (scripts/screenshots.py) in
# headless Chromium at 1440x900 as the demo's officer or manager, then stops everything. Fails when a screen
# cannot be taken or the Odoo log holds a WARNING or ERROR line.
#   ./scripts/screenshots.sh                 every screen
#   ./scripts/screenshots.sh --only NAME...  only these screens (names as in SCREENS)
source "$(dirname "$0")/lib.sh"

case ${1:-} in
    -h|--help) sed -n '2,8s/^# \{0,1\}//p' "$0"; exit 0 ;;
esac

DB=${NCC_SCREENSHOTS_DB:-ncc_screenshots}
HTTP_PORT=${NCC_SCREENSHOTS_HTTP_PORT:-8089}
SANDBOX_PORT=${NCC_SCREENSHOTS_SANDBOX_PORT:-8090}
SANDBOX_KEY=demo-ncc-key
SANDBOX_REVIEWER_KEY=demo-eccc-reviewer
RUN="$CACHE/screenshots"
rm -rf "$RUN" && mkdir -p "$RUN"

ensure_venv
ensure_odoo
ensure_pg
ensure_chromium
write_odoo_conf "$RUN/odoo.conf"
echo "http_port = $HTTP_PORT" >> "$RUN/odoo.conf"

"$ROOT/scripts/sandbox.sh" --port "$SANDBOX_PORT" --db "$RUN/sandbox.sqlite" --key "$SANDBOX_KEY" \
    --reviewer-key "$SANDBOX_REVIEWER_KEY" --registrations "$ROOT/atlas_sandbox/demo_registrations.json" \
    > "$RUN/sandbox.log" 2>&1 &
SANDBOX_PID=$!
ODOO_PID=
cleanup() {
    [ -n "$ODOO_PID" ] && kill "$ODOO_PID" 2>/dev/null && wait "$ODOO_PID" 2>/dev/null
    kill "$SANDBOX_PID" 2>/dev/null || true
    stop_pg
}
trap cleanup EXIT

say "Creating the database '$DB' with the addon and its demo data"
pg_sql "DROP DATABASE IF EXISTS \"$DB\" WITH (FORCE)"
rm -rf "$CACHE/filestore/filestore/$DB"
"$PY" "$ODOO_BIN" -c "$RUN/odoo.conf" -d "$DB" -i ncc_atlas_connector --with-demo --stop-after-init \
    --logfile="$RUN/install.log" || die "installing the addon failed: see $RUN/install.log"

# Pointed at the sandbox, as the run command does; then the first sync, through Odoo's cron runner, so that the
# pictures show what the run command shows once its first sync has run (the server below runs no cron).
say "Running the first sync with the sandbox Atlas"
"$PY" "$ODOO_BIN" shell -c "$RUN/odoo.conf" -d "$DB" --no-http --logfile="$RUN/shell.log" <<PYEOF >/dev/null
env["ncc.atlas.sync"]._configure_sandbox("http://127.0.0.1:$SANDBOX_PORT/jsonapi", "$SANDBOX_KEY")
env.cr.commit()
for xmlid in ("ir_cron_ncc_atlas_vocabularies", "ir_cron_ncc_atlas_push", "ir_cron_ncc_atlas_pull"):
    env.ref("ncc_atlas_connector." + xmlid).method_direct_trigger()
env.cr.commit()
PYEOF

"$PY" "$ODOO_BIN" -c "$RUN/odoo.conf" -d "$DB" --db-filter="^$DB\$" --max-cron-threads 0 \
    --logfile="$RUN/odoo.log" &
ODOO_PID=$!
for _ in $(seq 120); do
    curl -fs -o /dev/null "http://127.0.0.1:$HTTP_PORT/web/login" && break
    kill -0 "$ODOO_PID" 2>/dev/null || die "Odoo stopped: see $RUN/odoo.log"
    sleep 1
done

say "Taking the screenshots into docs/screenshots/"
shots_rc=0
"$PY" "$ROOT/scripts/screenshots.py" --odoo "http://127.0.0.1:$HTTP_PORT" --db "$DB" \
    --sandbox "http://127.0.0.1:$SANDBOX_PORT" --reviewer-key "$SANDBOX_REVIEWER_KEY" "$@" || shots_rc=$?

bad=$(cat "$RUN/install.log" "$RUN/shell.log" "$RUN/odoo.log" \
      | grep -cE '^[0-9-]+ [0-9:,]+ [0-9]+ (WARNING|ERROR|CRITICAL) ' || true)
if [ "$bad" != 0 ]; then
    grep -hE ' (WARNING|ERROR|CRITICAL) ' -A3 "$RUN/install.log" "$RUN/shell.log" "$RUN/odoo.log" | head -40 >&2
    say "The Odoo log holds $bad WARNING/ERROR lines: see $RUN/"
    exit 1
fi
exit "$shots_rc"
