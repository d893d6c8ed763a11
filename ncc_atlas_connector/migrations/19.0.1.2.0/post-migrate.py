from odoo import SUPERUSER_ID, api

from odoo.addons.ncc_atlas_connector.migration_steps import (
    retire_sync_log_cleanup_job,
    reword_revalidation_check,
    stage_short_names,
    sync_errors_as_sentences,
    unsubmitted_into_draft,
)


def migrate(cr, version):
    if version:
        sync_errors_as_sentences(cr)
        env = api.Environment(cr, SUPERUSER_ID, {})
        reword_revalidation_check(env)
        retire_sync_log_cleanup_job(env)
        stage_short_names(env)
        unsubmitted_into_draft(env)
