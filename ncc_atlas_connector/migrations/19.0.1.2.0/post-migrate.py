from odoo import SUPERUSER_ID, api

from odoo.addons.ncc_atlas_connector.migration_steps import reword_revalidation_check


def migrate(cr, version):
    if version:
        reword_revalidation_check(api.Environment(cr, SUPERUSER_ID, {}))
