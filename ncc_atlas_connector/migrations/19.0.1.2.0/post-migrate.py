from odoo.addons.ncc_atlas_connector.migration_steps import sync_errors_as_sentences


def migrate(cr, version):
    if version:
        sync_errors_as_sentences(cr)
