#!/usr/bin/env bash
# Regenerates ncc_atlas_connector/i18n/ncc_atlas_connector.pot with Odoo's own export (the addon installed in a
# fresh database, without demo data), then merges it into every i18n/<lang>.po: new terms come in untranslated,
# gone ones leave, moved ones keep their translation. Then fill in what the check reports:
#   ./scripts/i18n_export.sh          export and merge
#   ./scripts/i18n_check.py           what is missing: a term of the code not in the .pot, an untranslated or
#                                     fuzzy entry, a placeholder lost in translation (the test command runs it too)
source "$(dirname "$0")/lib.sh"

DB=${NCC_I18N_DB:-ncc_i18n}
OUT="$CACHE/i18n"
I18N="$ROOT/ncc_atlas_connector/i18n"
POT="$I18N/ncc_atlas_connector.pot"
mkdir -p "$OUT" "$I18N"

ensure_venv
ensure_odoo
ensure_pg
trap stop_pg EXIT

write_odoo_conf "$OUT/odoo.conf" "$OUT/odoo.log"
pg_sql "DROP DATABASE IF EXISTS \"$DB\" WITH (FORCE)"
rm -rf "$CACHE/filestore/filestore/$DB" "$OUT/odoo.log"
say "Installing ncc_atlas_connector in a fresh database '$DB' (about a minute)"
"$PY" "$ODOO_BIN" -c "$OUT/odoo.conf" -d "$DB" -i ncc_atlas_connector --stop-after-init --no-http \
    || die "installing the addon failed: see $OUT/odoo.log"
"$PY" "$ODOO_BIN" i18n export -c "$OUT/odoo.conf" -d "$DB" ncc_atlas_connector -o "$OUT/export.pot" \
    || die "the export failed: see $OUT/odoo.log"
pg_sql "DROP DATABASE IF EXISTS \"$DB\" WITH (FORCE)"
rm -rf "$CACHE/filestore/filestore/$DB"

# The export stamps the time it ran: the committed file changes only when its terms do.
shopt -s nullglob
"$PY" "$ROOT/scripts/i18n_merge.py" "$OUT/export.pot" "$POT" "$I18N"/*.po
"$PY" "$ROOT/scripts/i18n_check.py" || true
