from odoo.addons.ncc_atlas_connector.migration_steps import partial_contact_indexes


def migrate(cr, version):
    if version:
        partial_contact_indexes(cr)
