from odoo import SUPERUSER_ID, api

from odoo.addons.ncc_atlas_connector.migration_steps import decisions_into_records, drop_legacy_decisions


def migrate(cr, version):
    if version:
        decisions_into_records(api.Environment(cr, SUPERUSER_ID, {}))
        drop_legacy_decisions(cr)
