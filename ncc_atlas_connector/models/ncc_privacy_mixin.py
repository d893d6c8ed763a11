"""What a data-subject request needs from each model of the addon that holds an applicant's personal data: which of
its records concern an applicant (`_ncc_privacy_records`), how they read in an export (`_ncc_privacy_export`), and
how the personal data of a person are erased from them (`_ncc_privacy_erase`). A model joins the export and the
erasure by inheriting this mixin; `res.partner` finds them all (see `res_partner_privacy.py`)."""

import json
import re

from markupsafe import Markup, escape

from odoo import api, fields, models

ERASED = "[erased]"
# Fields that are the record's own bookkeeping, not what it holds on the applicant.
SKIPPED_FIELDS = {"create_uid", "write_uid", "create_date", "write_date", "display_name"}
# Where a message, its tracked changes and its outgoing email hold text: the person's terms are erased there.
MESSAGE_TEXT_FIELDS = ("body", "subject", "email_from", "reply_to", "incoming_email_to", "incoming_email_cc",
                       "outgoing_email_to")
TRACKING_TEXT_FIELDS = ("old_value_char", "new_value_char", "old_value_text", "new_value_text")
MAIL_TEXT_FIELDS = ("body_html", "email_to", "email_cc")


def person_pattern(terms):
    """One regular expression matching any of the person's identifying terms (whole words, any case)."""
    terms = {t.strip() for t in terms if t and t.strip()}
    terms |= {str(escape(t)) for t in terms}  # as an email's HTML body holds them (O'Brien: O&#39;Brien)
    terms = sorted(terms, key=len, reverse=True)
    if not terms:
        return None
    return re.compile("|".join(rf"(?<!\w){re.escape(term)}(?!\w)" for term in terms), re.IGNORECASE)


def export_value(record, field):
    value = record[field.name]
    if field.type == "many2one":
        return value.display_name or None
    if field.type in ("one2many", "many2many"):
        return value.mapped("display_name")
    if field.type in ("date", "datetime"):
        return fields.Datetime.to_string(value) if value else None
    if field.type == "binary":
        return None
    if field.type == "boolean":
        return bool(value)
    return value if value is not False else None


def scrubbed_values(record, names, pattern):
    """The person's terms out of these text fields of a record: the values to write (only those that change)."""
    vals = {}
    for name in names:
        value = record[name]
        if value and pattern.search(str(value)):
            scrubbed = pattern.sub(ERASED, str(value))
            vals[name] = Markup(scrubbed) if isinstance(value, Markup) else scrubbed
    return vals


def erase_messages(record, pattern):
    """The person's terms out of a record's own chatter (bodies, senders and recipients, tracked values), and out
    of the outgoing emails of those messages (their HTML, their addresses) and their notifications' addresses.
    Returns how many messages changed."""
    env = record.env
    messages = record.sudo().with_context(active_test=False).message_ids
    changed = 0
    for message in messages:
        vals = scrubbed_values(message, MESSAGE_TEXT_FIELDS, pattern)
        if vals:
            message.write(vals)
            changed += 1
        for tracking in message.tracking_value_ids:
            vals = scrubbed_values(tracking, TRACKING_TEXT_FIELDS, pattern)
            if vals:
                tracking.write(vals)
    if messages:
        mails = env["mail.mail"].sudo().with_context(active_test=False).search(
            [("mail_message_id", "in", messages.ids)])
        for mail in mails:
            vals = scrubbed_values(mail, MAIL_TEXT_FIELDS, pattern)
            if vals:
                mail.write(vals)
        notifications = env["mail.notification"].sudo().search(
            [("mail_message_id", "in", messages.ids), ("mail_email_address", "!=", False)])
        for notification in notifications:
            vals = scrubbed_values(notification, ("mail_email_address",), pattern)
            if vals:
                notification.write(vals)
    return changed


class NccPrivacyMixin(models.AbstractModel):
    _name = "ncc.privacy.mixin"
    _description = "Applicant personal data (data-subject requests)"

    # The title of the model's section in an export, and its key in the JSON one.
    _ncc_privacy_section = None

    @api.model
    def _ncc_privacy_domain(self, company):
        return [("partner_id", "=", company.id)]

    @api.model
    def _ncc_privacy_lookup_conditions(self, name, email):
        """The privacy lookup's further SQL conditions on the model's table, beyond its links to the person's
        companies and the person's name or email in its text columns."""
        return []

    @api.model
    def _ncc_privacy_records(self, company):
        return self.sudo().with_context(active_test=False).search(self._ncc_privacy_domain(company))

    @api.model
    def _ncc_privacy_fields(self):
        return [
            field for name, field in self._fields.items()
            if name not in SKIPPED_FIELDS and not name.startswith(("message_", "activity_", "website_message"))
            and field.type not in ("binary",)
        ]

    @api.model
    def _ncc_privacy_export(self, company):
        """The model's section of an export: its records held on this applicant, as plain values."""
        fields_ = self._ncc_privacy_fields()
        return {
            "title": self._description,
            "labels": {field.name: field.string for field in fields_},
            "records": [{field.name: export_value(record, field) for field in fields_}
                        for record in self._ncc_privacy_records(company)],
        }

    @api.model
    def _ncc_privacy_erase(self, company, pattern):
        """Replace the person's identifying terms in the free-text fields of the applicant's records. Returns how
        many records changed."""
        text_fields = [f.name for f in self._fields.values()
                       if f.store and not f.related and f.type in ("char", "text", "html", "json")
                       and f.name not in SKIPPED_FIELDS and not f.translate]
        changed = 0
        for record in self._ncc_privacy_records(company):
            vals = {}
            for name in text_fields:
                value = record[name]
                if not value:
                    continue
                if self._fields[name].type == "json":
                    text = json.dumps(value, ensure_ascii=False)
                    scrubbed = pattern.sub(ERASED, text)
                    if scrubbed != text:
                        vals[name] = json.loads(scrubbed)
                else:
                    scrubbed = pattern.sub(ERASED, value)
                    if scrubbed != value:
                        vals[name] = scrubbed
            if vals:
                record.with_context(tracking_disable=True).write(vals)
                changed += 1
            if "message_ids" in record._fields:
                changed += erase_messages(record, pattern)
        return changed
