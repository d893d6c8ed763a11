#!/usr/bin/env bash
# Runs the whole test suite: installs the addon in a fresh database (the Odoo log must hold no WARNING or
# ERROR line), runs the Odoo tests through pytest-odoo (with an HTTP server, so browser tours run), then the
# tests that need no database. Ends with a line naming the install and log checks, then one line
# "N passed, N failed, N skipped" over the test cases; exits non-zero on any failure.
source "$(dirname "$0")/lib.sh"

DB=${NCC_TEST_DB:-ncc_test}
OUT="$CACHE/test-$DB"
rm -rf "$OUT" && mkdir -p "$OUT"

ensure_venv
ensure_odoo
ensure_pg
ensure_chromium
trap stop_pg EXIT

# The sandbox Atlas is a package beside the addon, not in it: the tests import it from this checkout.
export PYTHONPATH="$ROOT${PYTHONPATH:+:$PYTHONPATH}"

write_odoo_conf "$OUT/odoo.conf"
# The HTTP port of the tests' server (browser tours): another port lets two checkouts test at once.
echo "http_port = ${NCC_TEST_HTTP_PORT:-8069}" >> "$OUT/odoo.conf"
pg_sql "DROP DATABASE IF EXISTS \"$DB\" WITH (FORCE)"
rm -rf "$CACHE/filestore/filestore/$DB"

say "Installing ncc_atlas_connector in a fresh database '$DB'"
install_rc=0
"$PY" "$ODOO_BIN" -c "$OUT/odoo.conf" -d "$DB" -i ncc_atlas_connector --stop-after-init \
    --log-level=info --logfile="$OUT/install.log" || install_rc=$?
bad_install=$(grep -cE '^[0-9-]+ [0-9:,]+ [0-9]+ (WARNING|ERROR|CRITICAL) ' "$OUT/install.log" || true)
if [ "$install_rc" != 0 ] || [ "$bad_install" != 0 ]; then
    grep -E ' (WARNING|ERROR|CRITICAL) ' -A5 "$OUT/install.log" | head -60 >&2
    say "Installing the addon failed (exit $install_rc, $bad_install WARNING/ERROR lines): see $OUT/install.log"
fi

odoo_rc=0
"$PY" -m pytest -p no:cacheprovider "$ROOT/ncc_atlas_connector/tests" \
    --odoo-config="$OUT/odoo.conf" --odoo-database="$DB" --odoo-http --odoo-log-level=info \
    --odoo-extra="logfile=$OUT/tests.log" --junitxml="$OUT/odoo.xml" -q "$@" || odoo_rc=$?

# The end-to-end tests in tests/ that need real transactions work in the database just installed.
export NCC_ODOO_CONF="$OUT/odoo.conf" NCC_TEST_DB="$DB"
plain_rc=0
"$PY" -m pytest -p no:cacheprovider "$ROOT/tests" --junitxml="$OUT/plain.xml" -q "$@" || plain_rc=$?

bad_tests=$(grep -cE '^[0-9-]+ [0-9:,]+ [0-9]+ (WARNING|ERROR|CRITICAL) ' "$OUT/tests.log" 2>/dev/null || true)
if [ "${bad_tests:-0}" != 0 ]; then
    grep -E ' (WARNING|ERROR|CRITICAL) ' -A5 "$OUT/tests.log" | head -60 >&2
    say "The Odoo log of the tests holds $bad_tests WARNING/ERROR lines: see $OUT/tests.log"
fi

# The closing lines: the checks (the install, the test log, each runner's exit status) on a line of their own,
# then the test cases of both runners (see scripts/test_summary.py for what counts as one).
"$PY" "$ROOT/scripts/test_summary.py" "$OUT" "$install_rc" "$bad_install" "${bad_tests:-0}" "$odoo_rc" "$plain_rc" "$#"
