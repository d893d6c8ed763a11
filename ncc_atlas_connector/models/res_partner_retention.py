"""Retention of the personal data of closed applications, run by Odoo's autovacuum (daily).

A rejected or withdrawn application keeps its contact person's personal data for the months the NCC's notice says
(setting, 24 by default); then the contact person is anonymised. A contact that is also the company's business
contact (the company or the person is a customer or supplier) keeps its record: only the application's data on it
are cleared. Each run logs what it did, leaves a note on the application, and does nothing twice.
"""

import logging

from dateutil.relativedelta import relativedelta
from markupsafe import Markup

from odoo import api, fields, models

from .atlas_mapping import PARAM_PREFIX
from .ncc_privacy_mixin import erase_messages, person_pattern
from .res_partner_registration import OFFICER

_logger = logging.getLogger(__name__)

RETENTION_DECISIONS = ("rejected", "withdrawn")
DEFAULT_RETENTION_MONTHS = 24
ANONYMOUS_NAME = "Anonymised contact person"
# Personal data of the contact person cleared by the anonymisation (besides the name).
PERSONAL_FIELDS = ("email", "phone", "function", "street", "street2", "zip", "city", "website", "comment",
                   "ncc_first_name", "ncc_family_name")


class ResPartner(models.Model):
    _inherit = "res.partner"

    ncc_personal_data_erased_date = fields.Datetime(
        "Contact person's data erased on", copy=False, readonly=True, groups=OFFICER,
        help="When the retention period of this closed application ended and its contact person was anonymised.",
    )

    def _ncc_is_business_partner(self):
        """Whether this partner (or its company) is also a customer or supplier of the organisation."""
        self.ensure_one()
        partners = self | self.commercial_partner_id
        ranks = [fname for fname in ("customer_rank", "supplier_rank") if fname in self._fields]  # with `account`
        return any(p[fname] > 0 for p in partners for fname in ranks) or bool(self.sudo().user_ids)

    @api.model
    def _ncc_retention_months(self):
        value = self.env["ir.config_parameter"].sudo().get_param(PARAM_PREFIX + "retention_closed_months")
        try:
            return max(int(value), 1) if value else DEFAULT_RETENTION_MONTHS
        except ValueError:
            return DEFAULT_RETENTION_MONTHS

    @api.autovacuum
    def _gc_ncc_closed_applications(self):
        """Anonymise the contact persons of applications rejected or withdrawn longer ago than the retention."""
        months = self._ncc_retention_months()
        limit = fields.Datetime.now() - relativedelta(months=months)
        closed = self.sudo().with_context(active_test=False).search([
            ("ncc_is_applicant", "=", True),
            ("ncc_decision", "in", RETENTION_DECISIONS),
            ("ncc_decision_date", "<", limit),
            ("ncc_personal_data_erased_date", "=", False),
        ])
        for company in closed:
            company._ncc_erase_contact_person(months)
        if closed:
            _logger.info("Retention: anonymised the contact person of %d closed application(s) older than %d months",
                         len(closed), months)
        return len(closed), 0

    def _ncc_erase_contact_person(self, months):
        self.ensure_one()
        contacts = self.with_context(active_test=False).child_ids.filtered("ncc_is_representative") | \
            self.ncc_representative_id
        kept, anonymised = contacts.browse(), contacts.browse()
        terms = []
        for contact in contacts:
            application_data = {"ncc_is_representative": False, "ncc_first_name": False, "ncc_family_name": False}
            if contact._ncc_is_business_partner():
                contact._ncc_sync_writer().write(application_data)
                kept |= contact
            else:
                terms += [contact.name, contact.ncc_first_name, contact.ncc_family_name, contact.email, contact.phone]
                contact._ncc_sync_writer().write({
                    **dict.fromkeys(PERSONAL_FIELDS, False), **application_data,
                    "name": ANONYMOUS_NAME, "active": False,
                })
                anonymised |= contact
        pattern = person_pattern(terms)
        if pattern:
            # The anonymised person's name and addresses out of the application's records, its chatter and the
            # emails it sent them, as an erasure on request does (a business contact keeps them).
            self.env.flush_all()
            for model in self._ncc_privacy_models():
                model._ncc_privacy_erase(self, pattern)
            self._ncc_privacy_erase_own_texts(pattern)
            for record in self | anonymised:
                erase_messages(record, pattern)
        # As the synchronisation writes: a closed application is not pushed to the Atlas for this.
        self._ncc_sync_writer().write({"ncc_personal_data_erased_date": fields.Datetime.now()})
        body = Markup("<p>%s</p>") % self.env._(
            "Retention: %(months)s months after the decision, the contact person's personal data were erased "
            "(%(anonymised)s anonymised, %(kept)s kept as a business contact with the application's data removed).",
            months=months, anonymised=len(anonymised), kept=len(kept),
        )
        self.message_post(body=body, subtype_xmlid="mail.mt_note")
