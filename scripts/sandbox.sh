#!/usr/bin/env bash
# Starts the sandbox Atlas on its own: ./scripts/sandbox.sh [--port 8070] [--db FILE] [--key KEY] [--faults PLAN]
# [--quirks all] (--help lists every option). It prints its URL and keys and serves until Ctrl-C.
source "$(dirname "$0")/lib.sh"
ensure_venv
# The sandbox is a package of its own beside the addon (atlas_sandbox/); it needs no Odoo.
export PYTHONPATH="$ROOT${PYTHONPATH:+:$PYTHONPATH}"
exec "$PY" -m atlas_sandbox "$@"
