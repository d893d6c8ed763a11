"""Data-subject requests on an applicant, for NCC managers: export everything the addon holds on it (JSON and
PDF), and erase its contact person's personal data on request, the registration withdrawn on the Atlas."""

import json

from markupsafe import Markup

from odoo import fields, models
from odoo.exceptions import UserError
from odoo.tools import html2plaintext

from .ncc_privacy_mixin import ERASED, erase_messages, export_value, person_pattern
from .res_partner_assessment import MANAGER_GROUP
from .res_partner_atlas import WITHDRAW_KINDS

REGISTRATION_BASE_FIELDS = ("name", "company_registry", "vat", "street", "street2", "zip", "city", "country_id",
                            "website", "email", "phone")
CONTACT_FIELDS = ("name", "ncc_first_name", "ncc_family_name", "function", "email", "phone", "lang")


class ResPartner(models.Model):
    _inherit = "res.partner"

    def _ncc_require_privacy_manager(self):
        self._ncc_require_group(MANAGER_GROUP, self.env._(
            "Only an NCC manager can export or erase an applicant's personal data."))
        for company in self:
            if not company.sudo().ncc_is_applicant:
                raise UserError(self.env._("%(name)s is not an applicant.", name=company.display_name))

    # --- export -----------------------------------------------------------------------------------------------------

    def _ncc_privacy_models(self):
        """The models that joined data-subject requests (inheriting ``ncc.privacy.mixin``), by section name."""
        names = self.env.registry.descendants(["ncc.privacy.mixin"], "_inherit") - {"ncc.privacy.mixin"}
        return sorted((self.env[name] for name in names if not self.env[name]._abstract),
                      key=lambda model: model._ncc_privacy_section or model._name)

    def _ncc_privacy_export(self):
        """Everything held on this applicant: ``{section: {"title", "records": [{field: value}], "labels"}}``."""
        self.ensure_one()
        self._ncc_require_privacy_manager()
        company = self.sudo().with_context(active_test=False)
        partner_fields = company._fields
        registration_fields = [partner_fields[name] for name in REGISTRATION_BASE_FIELDS if name in partner_fields]
        registration_fields += [f for name, f in sorted(partner_fields.items()) if name.startswith("ncc_")]
        person = company.ncc_representative_id
        contact_fields = [partner_fields[name] for name in CONTACT_FIELDS if name in partner_fields]
        sections = {
            "registration": self._ncc_privacy_section(self.env._("Registration"), company, registration_fields),
            "contact_person": self._ncc_privacy_section(self.env._("Contact person"), person, contact_fields),
        }
        for model in self._ncc_privacy_models():
            sections[model._ncc_privacy_section or model._name] = model._ncc_privacy_export(company)
        sections["messages"] = {
            "title": self.env._("Messages and notes"),
            "labels": {"date": self.env._("Date"), "author": self.env._("Author"),
                       "subject": self.env._("Subject"), "body": self.env._("Text")},
            "records": [{"date": fields.Datetime.to_string(message.date), "author": message.author_id.display_name,
                         "subject": message.subject or None, "body": html2plaintext(message.body or "") or None}
                        for message in company.message_ids | person.message_ids],
        }
        return {
            "applicant": company.display_name,
            "exported_at": fields.Datetime.to_string(fields.Datetime.now()),
            "sections": sections,
        }

    def _ncc_privacy_section(self, title, records, fields_):
        return {
            "title": title,
            "labels": {field.name: field.string for field in fields_},
            "records": [{field.name: export_value(record, field) for field in fields_} for record in records],
        }

    def action_ncc_privacy_export_json(self):
        self.ensure_one()
        self._ncc_require_privacy_manager()
        return {"type": "ir.actions.act_url", "url": f"/ncc_atlas_connector/privacy_export/{self.id}",
                "target": "self"}

    def action_ncc_privacy_export_pdf(self):
        self.ensure_one()
        self._ncc_require_privacy_manager()
        return self.env.ref("ncc_atlas_connector.action_report_ncc_privacy_export").report_action(self)

    # --- erasure ----------------------------------------------------------------------------------------------------

    def action_ncc_privacy_erase(self):
        """Erase the contact person's personal data, wherever the addon holds them, and withdraw the registration:
        the application moves to the rejected stage, which the Atlas synchronisation sends as ``to_be_rejected``."""
        self._ncc_require_privacy_manager()
        for company in self.sudo().with_context(active_test=False):
            person = company.ncc_representative_id
            terms = [person.name, person.ncc_first_name, person.ncc_family_name, person.email, person.phone]
            pattern = person_pattern(terms)
            changed = 0
            withdrawn = company._ncc_privacy_withdraw()
            if person:
                # Untracked: the company's chatter would otherwise record the erased values as changes. Archiving
                # checks for the person's active users with the context's active_test: archived ones do not count.
                person = person.with_context(tracking_disable=True, active_test=True)
                person.write({"ncc_is_representative": False})
                company._ncc_privacy_close_portal_accounts(person)
                person.write({"name": self.env._("Erased contact person"), "email": False, "phone": False,
                              "function": False, "ncc_first_name": False, "ncc_family_name": False,
                              "comment": False, "active": False})
            self.env.cr.flush()  # the chatter tracking of the changes above is written now: cleaned below too
            if pattern:
                for model in self._ncc_privacy_models():
                    changed += model._ncc_privacy_erase(company, pattern)
                company._ncc_privacy_erase_own_texts(pattern)
                for record in company | person:
                    changed += erase_messages(record, pattern)
            company.message_post(body=Markup("<p>%s</p>") % self.env._(
                "Personal data of the contact person erased on request by %(user)s: %(count)s record(s) of the "
                "Community registration cleaned.%(withdrawn)s",
                user=self.env.user.name, count=changed,
                withdrawn=self.env._(" The registration is withdrawn from the Atlas.") if withdrawn else "",
            ), message_type="comment", subtype_xmlid="mail.mt_note")
        # The page reloads: the chatter shows the cleaned messages, not the ones it had fetched and keeps.
        return {"type": "ir.actions.client", "tag": "reload"}

    def _ncc_privacy_close_portal_accounts(self, person):
        """The person's portal account (the status page's, given at a portal confirmation) is closed as Odoo closes
        an account its owner deletes: archived, its login (the erased email) and password gone."""
        # An archived account too: its login is the person's email.
        users = self.env["res.users"].sudo().with_context(active_test=False).search(
            [("partner_id", "=", person.id), ("share", "=", True)])
        for user in users:
            user.write({"login": f"__erased_user_{user.id}", "password": "", "active": False})
            user.api_key_ids._remove()

    def _ncc_privacy_erase_own_texts(self, pattern):
        """The person's terms out of the registration's own free texts (notes, requests, reasons)."""
        self.ensure_one()
        vals = {}
        for name, field in self._fields.items():
            if (name.startswith("ncc_") and field.store and not field.related and not field.compute
                    and field.type in ("char", "text", "html") and self[name]):
                value = str(self[name])
                scrubbed = pattern.sub(ERASED, value)
                if scrubbed != value:
                    vals[name] = scrubbed
        if self.ncc_synced_values and not self.ncc_atlas_uuid:
            # Linked, they are the base of the next push's merge: that push blanks the person on the Atlas too,
            # and replaces them with what it sent.
            text = json.dumps(self.ncc_synced_values, ensure_ascii=False)
            scrubbed = pattern.sub(ERASED, text)
            if scrubbed != text:
                vals["ncc_synced_values"] = json.loads(scrubbed)
        if vals:
            super(ResPartner, self.with_context(tracking_disable=True)).write(vals)

    def _ncc_privacy_withdraw(self):
        """The application leaves the pipeline with a withdrawal decision (a system move: no email to a person whose
        address is being erased)."""
        self.ensure_one()
        if self.ncc_stage_id.kind in WITHDRAW_KINDS or not self.ncc_stage_id:
            return False
        self.sudo().write({
            "ncc_stage_id": self._ncc_stage_of_kind("rejected").id,
            "ncc_decision": "withdrawn",
            "ncc_decision_reason": self.env._("Withdrawn: the applicant's personal data were erased on request."),
        })
        return True

