from odoo import models

# The prefetch group of the addon's columns on res.partner.
NCC_PREFETCH_GROUP = "ncc_atlas_connector"
# Whether a contact is an applicant or the contact person of one: what the addon's overrides of create and write
# read of every contact (to leave the others alone), two columns read on their own.
NCC_ROLE_GROUP = "ncc_atlas_connector_role"
ROLE_FIELDS = ("ncc_is_applicant", "ncc_is_representative")


class ResPartner(models.Model):
    """The addon's stored fields of res.partner in prefetch groups of their own.

    Odoo reads every stored column of a field's prefetch group when one of them is first read; the contacts table
    is the busiest of the CRM, and the addon adds dozens of columns to it. In their own group, reading a contact's
    name, email or address (a list, a many2one's label, a mail) does not read them, and reading an application's
    fields reads them all at once; what the addon reads of every contact it is given (its role) is read alone.
    Set here, once, for every ``ncc_`` field, after the model's setup (which builds the fields afresh from their
    definitions each time the registry is set up): a field given a group of its own (``prefetch="..."`` or
    ``False``, or ``company_dependent``) keeps it."""

    _inherit = "res.partner"

    def _post_model_setup__(self):
        super()._post_model_setup__()
        for name, field in self._fields.items():
            if name.startswith("ncc_") and field.prefetch is True:
                field.prefetch = NCC_ROLE_GROUP if name in ROLE_FIELDS else NCC_PREFETCH_GROUP
