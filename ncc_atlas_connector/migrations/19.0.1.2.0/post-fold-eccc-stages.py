from odoo import SUPERUSER_ID, api

from odoo.addons.ncc_atlas_connector.migration_steps import fold_eccc_stages


def migrate(cr, version):
    if version:
        fold_eccc_stages(api.Environment(cr, SUPERUSER_ID, {}))
