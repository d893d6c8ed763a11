#!/usr/bin/env bash
# Starts the sandbox Atlas on its own: ./scripts/sandbox.sh [--port 8070] [--db FILE] [--key KEY] [--faults PLAN]
# (--help lists every option). It prints its URL and keys and serves until Ctrl-C.
source "$(dirname "$0")/lib.sh"
ensure_venv
ensure_odoo
# The addon's package lives under odoo.addons; put this checkout on that namespace, then run the sandbox module.
exec "$PY" -c '
import runpy, sys
import odoo.addons
odoo.addons.__path__.append(sys.argv.pop(1))
runpy.run_module("odoo.addons.ncc_atlas_connector.atlas.sandbox", run_name="__main__", alter_sys=True)
' "$ROOT" "$@"
