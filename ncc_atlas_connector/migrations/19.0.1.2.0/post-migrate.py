from odoo import SUPERUSER_ID, api

from odoo.addons.ncc_atlas_connector.migration_steps import (
    reword_revalidation_check,
    stage_short_names,
    unsubmitted_into_draft,
)


def migrate(cr, version):
    if version:
        env = api.Environment(cr, SUPERUSER_ID, {})
        reword_revalidation_check(env)
        stage_short_names(env)
        unsubmitted_into_draft(env)
