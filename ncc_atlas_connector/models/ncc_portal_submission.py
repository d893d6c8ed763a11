"""A registration typed on the public portal form, held until its sender confirms the email address.

Nothing of it enters the CRM before the confirmation: the typed values wait here (``values``), the link of the
confirmation email carries a token of which only a hash is kept, and unconfirmed submissions are deleted by the
autovacuum after the retention the NCC set (``retention_unconfirmed_days``). Validation is the registration
record's own: the values are checked by the partner model's ``_check_ncc_*`` constraints and completeness list
(``_ncc_missing_items``), then created for real in a savepoint that is rolled back; the controller restates none
of it.

On confirmation the company (or the CRM company with the same registration number and country) and its contact
person become a Community applicant, and the application enters the pipeline through ``action_ncc_submit``.
"""

import ast
import hashlib
import hmac
import logging
import secrets
from datetime import timedelta

from markupsafe import Markup
from psycopg2 import errors as pg_errors

from odoo import Command, api, fields, models
from odoo.exceptions import ValidationError
from odoo.tools import SQL, email_normalize

from ..atlas import registration_number_key
from .atlas_mapping import PARAM_PREFIX, REPRESENTATIVE_TEXT_LIMITS, TAXONOMY_FIELDS, TEXT_LIMITS
from .res_partner_registration import DECLARATIONS

_logger = logging.getLogger(__name__)

DEFAULT_UNCONFIRMED_DAYS = 30
DEFAULT_RATE_LIMIT = 5  # submissions per address and hour
STATES = [("pending", "Waiting for confirmation"), ("confirmed", "Confirmed"), ("duplicate", "Already applying")]

# The form's answers, in the order of FORM-ECCC-001: company fields, then the contact person's (prefix ``contact_``).
ORGANISATION_FIELDS = (
    "name", "ncc_name_national", "ncc_department", "country_id", "street", "zip", "city", "company_registry",
    "website", "phone", "email", "ncc_cluster_type_id", "ncc_size_class",
)
OWNERSHIP_FIELDS = (
    "ncc_is_headquarters", "ncc_headquarters_details", "ncc_has_subsidiaries", "ncc_subsidiaries_details",
    "ncc_has_majority_outside", "ncc_majority_outside_details",
)
CONTACT_FIELDS = ("ncc_first_name", "ncc_family_name", "function", "email", "phone")
EXPERTISE_FIELDS = (
    "ncc_field_of_activity_ids", "ncc_expertise_description", *TAXONOMY_FIELDS, "ncc_goals_to_achieve",
    "ncc_goals_to_contribute",
)
DECLARATION_FIELDS = tuple(DECLARATIONS)
COMPANY_FIELDS = ORGANISATION_FIELDS + OWNERSHIP_FIELDS + EXPERTISE_FIELDS + DECLARATION_FIELDS
CONTACT_PREFIX = "contact_"
FORM_KEYS = COMPANY_FIELDS + tuple(CONTACT_PREFIX + f for f in CONTACT_FIELDS)

# Anti-abuse caps of the form, on what the Atlas does not limit itself (its limits are the model's, TEXT_LIMITS):
# no answer is longer than a person types, whatever a script posts.
FORM_MAX_LENGTH = 400
FORM_MAX_TEXT_LENGTH = 4000
FORM_LENGTHS = {"zip": 20, "phone": 40, "company_registry": 60, "contact_phone": 40}
MAX_TERMS = 200  # terms ticked in one taxonomy field
MAX_UPLOAD_BYTES = 5 * 1024 * 1024
UPLOAD_MIMETYPES = ("application/pdf", "image/png", "image/jpeg")


def form_max_length(key, field):
    """The most characters the form takes for ``key``: the Atlas's limit where it has one, else the caps."""
    fname = key.removeprefix(CONTACT_PREFIX)
    limits = REPRESENTATIVE_TEXT_LIMITS if key.startswith(CONTACT_PREFIX) else TEXT_LIMITS
    # The model reports the Atlas's limit itself: the cap sits above it so that its message is the one shown.
    if fname in limits:
        return max(limits[fname] * 2, FORM_MAX_LENGTH)
    if key in FORM_LENGTHS:
        return FORM_LENGTHS[key]
    return FORM_MAX_TEXT_LENGTH if field.type in ("text", "html") else FORM_MAX_LENGTH


def _is_id(value):
    """Whether a posted string can be a record id (a database integer)."""
    return str(value).isdigit() and len(str(value)) <= 9


def _token_hash(token):
    return hashlib.sha256((token or "").encode()).hexdigest()


class NccPortalSubmission(models.Model):
    _name = "ncc.portal.submission"
    _description = "Portal registration awaiting confirmation"
    _order = "create_date desc, id desc"
    _rec_name = "organisation_name"

    state = fields.Selection(STATES, required=True, default="pending", index=True)
    values = fields.Json(help="The answers as typed, until the confirmation; cleared once they are in the CRM.")
    organisation_name = fields.Char(required=True)
    email = fields.Char("Contact person's email", required=True)
    lang = fields.Char("Language chosen", help="Code of the language the applicant chose: the emails use it.")
    country_id = fields.Many2one("res.country", ondelete="set null")
    registration_key = fields.Char(help="The registration number as the Atlas compares them.")
    notice_id = fields.Many2one(
        "ncc.privacy.notice", "Notice version shown", required=True, ondelete="restrict",
        help="The data-protection notice the applicant read and accepted.",
    )
    declared_date = fields.Datetime("Declarations given on", required=True)
    token_hash = fields.Char(required=True, index=True, copy=False)
    expiry_date = fields.Datetime("Link valid until", required=True)
    address_hash = fields.Char(index=True, help="A hash of the sender's address, for the rate limit only.")
    confirmed_date = fields.Datetime(readonly=True)
    # Set when the confirmation creates a company: a second confirmation of the same organisation at the same time
    # collides on it instead of creating a second company.
    confirmation_key = fields.Char(copy=False, readonly=True)
    partner_id = fields.Many2one("res.partner", "Application", ondelete="set null", readonly=True)
    register_extract = fields.Binary("Register extract", attachment=True)
    register_extract_name = fields.Char()

    _confirmation_key_unique = models.UniqueIndex(
        "(confirmation_key) WHERE confirmation_key IS NOT NULL", "This organisation was confirmed already."
    )

    # ------------------------------------------------------------------------------------------------------------
    # Settings
    # ------------------------------------------------------------------------------------------------------------
    @api.model
    def _ncc_param_int(self, name, default):
        value = self.env["ir.config_parameter"].sudo().get_param(PARAM_PREFIX + name)
        try:
            return max(int(value), 1) if value else default
        except ValueError:
            return default

    @api.model
    def _ncc_unconfirmed_days(self):
        return self._ncc_param_int("retention_unconfirmed_days", DEFAULT_UNCONFIRMED_DAYS)

    @api.model
    def _ncc_address_hash(self, address):
        secret = self.env["ir.config_parameter"].sudo().get_param("database.secret") or ""
        return hmac.new(secret.encode(), (address or "").encode(), hashlib.sha256).hexdigest()

    @api.model
    def _ncc_rate_limited(self, address):
        """Whether ``address`` sent as many submissions in the last hour as the setting allows."""
        limit = self._ncc_param_int("portal_rate_limit", DEFAULT_RATE_LIMIT)
        since = fields.Datetime.now() - timedelta(hours=1)
        count = self.sudo().search_count(
            [("address_hash", "=", self._ncc_address_hash(address)), ("create_date", ">=", since)]
        )
        return count >= limit

    # ------------------------------------------------------------------------------------------------------------
    # From the form's strings to partner values
    # ------------------------------------------------------------------------------------------------------------
    @api.model
    def _ncc_form_values(self, form):
        """(values, errors): the form's strings ({key: str or list of str}) read as partner values of the fields
        they answer, and the anti-abuse errors ({key: message}) of answers no person types. No rule of the
        registration is applied here: those are the model's (``_ncc_validate``)."""
        Partner = self.env["res.partner"]
        values, errors = {}, {}
        for key in FORM_KEYS:
            field = Partner._fields[key.removeprefix(CONTACT_PREFIX)]
            raw = form.get(key)
            if field.type == "many2many":
                raw = raw if isinstance(raw, list) else [raw] if raw else []
                if len(raw) > MAX_TERMS:
                    errors[key] = self.env._("Too many answers ticked.")
                    continue
                ids = [int(v) for v in raw if _is_id(v)]
                values[key] = self.env[field.comodel_name].sudo().browse(ids).exists().ids
                continue
            if isinstance(raw, list):
                raw = raw[-1] if raw else ""  # a checkbox sent with its hidden default
            raw = (raw or "").strip()
            if field.type == "boolean":
                values[key] = raw in ("1", "on", "true", "True")
            elif field.type == "many2one":
                record = self.env[field.comodel_name].sudo().browse(int(raw)).exists() if _is_id(raw) else None
                values[key] = record.id if record else False
            elif field.type == "selection":
                allowed = [v for v, _label in field._description_selection(self.env)]
                values[key] = raw if raw in allowed else False
            else:
                if len(raw) > form_max_length(key, field):
                    errors[key] = self.env._(
                        "This answer is %(length)s characters long; the form takes at most %(limit)s.",
                        length=len(raw), limit=form_max_length(key, field),
                    )
                values[key] = raw or False
        if not values.get("ncc_is_headquarters") and "ncc_is_headquarters" not in form:
            values["ncc_is_headquarters"] = True  # the model's default: unticking it is an answer of its own
        return values, errors

    @api.model
    def _ncc_split(self, values):
        """(company values, contact person values) of partner fields."""
        company = {k: v for k, v in values.items() if not k.startswith(CONTACT_PREFIX)}
        contact = {k.removeprefix(CONTACT_PREFIX): v for k, v in values.items() if k.startswith(CONTACT_PREFIX)}
        for fname in company:
            if self.env["res.partner"]._fields[fname].type == "many2many":
                company[fname] = [Command.set(company[fname] or [])]
        return company, contact

    # ------------------------------------------------------------------------------------------------------------
    # Validation: the registration record's own rules, mapped to the form's answers
    # ------------------------------------------------------------------------------------------------------------
    @api.model
    def _ncc_draft_partners(self, values):
        """The company and its contact person as new (unsaved) records holding ``values``."""
        Partner = self.env["res.partner"].sudo()
        company_vals, contact_vals = self._ncc_split(values)
        company = Partner.new({**company_vals, "is_company": True, "ncc_is_applicant": True})
        contact = Partner.new({
            **contact_vals,
            "name": " ".join(filter(None, [contact_vals.get("ncc_first_name"), contact_vals.get("ncc_family_name")])),
            "parent_id": company.id, "type": "contact", "ncc_is_representative": True,
        })
        company.ncc_representative_id = contact
        return company, contact

    @api.model
    def _ncc_constraint_checks(self):
        """The registration's own checks (``_check_ncc_*``): which fields each reads. The uniqueness check is
        left to the duplicate path: a second application is not an error of the form."""
        checks = []
        for check in self.env["res.partner"]._constraint_methods:
            name = getattr(check, "__name__", "")
            if name.startswith("_check_ncc") and name != "_check_ncc_unique_registration":
                checks.append((check, set(check._constrains) - {"ncc_is_applicant", "active"}))
        return checks

    @api.model
    def _ncc_check_errors(self, values):
        """{form key: message} of the constraints the values break, each at the answer that breaks it: a failing
        check is run again with one of its answers at a time, and the answers it still fails on carry it."""
        errors = {}
        company, contact = self._ncc_draft_partners(values)
        for check, fnames in self._ncc_constraint_checks():
            for record, prefix in ((company, ""), (contact, CONTACT_PREFIX)):
                try:
                    check(record)
                    continue
                except ValidationError as error:
                    message = error.args[0]
                order = CONTACT_FIELDS if prefix else COMPANY_FIELDS
                keys = [prefix + f for f in order if f in fnames]
                placed = False
                for key in keys:
                    alone = {k: v for k, v in values.items() if k == key or k not in keys}
                    single = self._ncc_draft_partners(alone)[0 if not prefix else 1]
                    try:
                        check(single)
                    except ValidationError as single_error:
                        errors.setdefault(key, single_error.args[0])
                        placed = True
                if not placed:
                    # A rule between answers (a number and its country): shown at the later one.
                    errors.setdefault(keys[-1] if keys else "_general", message)
        return errors

    @api.model
    def _ncc_missing_errors(self, values):
        """{form key: message} of what the registration still misses (``_ncc_missing_items``), each at the
        empty answer that, once given, takes the item off the list."""
        def missing(vals):
            return set(self._ncc_draft_partners(vals)[0]._ncc_missing_items())

        Partner = self.env["res.partner"]
        items = missing(values)
        errors = {}
        for key in FORM_KEYS:
            if not items or values.get(key):
                continue
            field = Partner._fields[key.removeprefix(CONTACT_PREFIX)]
            if field.type == "boolean" and key not in DECLARATIONS:
                continue  # a yes/no question: what is missing is the details it asks for
            filler = self._ncc_filler(field)
            if filler is None:
                continue
            solved = items - missing({**values, key: filler})
            if solved:
                errors[key] = self.env._("Required: %(item)s", item=sorted(solved)[0])
                items -= solved
        if items:
            errors["_general"] = "\n".join(sorted(items))
        return errors

    def _ncc_filler(self, field):
        """Some value for ``field``, to see which missing item an answer takes away."""
        if field.type in ("char", "text"):
            return "x"
        if field.type == "boolean":
            return True
        if field.type in ("many2one", "many2many"):
            domain = ast.literal_eval(field.domain) if isinstance(field.domain, str) else (field.domain or [])
            record = self.env[field.comodel_name].sudo().search(domain, limit=1)
            return (record.id if field.type == "many2one" else record.ids) if record else None
        return None

    @api.model
    def _ncc_validate(self, values):
        """{form key: message} of everything the registration record refuses in ``values`` (empty: acceptable).
        Last, the company and its contact person are created for real in a savepoint rolled back, so that no rule
        of the model is left out."""
        errors = {**self._ncc_missing_errors(values), **self._ncc_check_errors(values)}
        if errors:
            return errors
        try:
            with self.env.cr.savepoint(flush=True) as savepoint:
                self._ncc_create_partners(values, self.env["res.partner"])
                self.env.flush_all()
                savepoint.rollback()
        except ValidationError as error:
            errors["_general"] = error.args[0]
        self.env.invalidate_all()
        return errors

    # ------------------------------------------------------------------------------------------------------------
    # Duplicates
    # ------------------------------------------------------------------------------------------------------------
    @api.model
    def _ncc_existing_company(self, country_id, number):
        """The CRM company with this registration number (compared as the Atlas does) and country, applicants
        first."""
        key = registration_number_key(number)
        if not (key and country_id):
            return self.env["res.partner"]
        self.env["res.partner"].flush_model(["company_registry", "country_id", "is_company", "ncc_is_applicant"])
        self.env.cr.execute(SQL(
            """SELECT id FROM res_partner
                WHERE active AND is_company AND country_id = %s
                  AND regexp_replace(upper(company_registry), '[^A-Z0-9]', '', 'g') = %s
                ORDER BY ncc_is_applicant DESC NULLS LAST, id LIMIT 1""",
            country_id, key,
        ))
        row = self.env.cr.fetchone()
        return self.env["res.partner"].sudo().browse(row[0] if row else [])

    @api.model
    def _ncc_existing_application(self, values):
        company = self._ncc_existing_company(values.get("country_id"), values.get("company_registry"))
        return company if company.ncc_is_applicant else company.browse()

    @api.model
    def _ncc_tell_existing_application(self, application, values):
        """A second application of the same organisation: its officer is told, once while the task is open."""
        activity_type = self.env.ref("mail.mail_activity_data_todo")
        summary = self.env._("A new application came in through the portal")
        application = application.sudo()
        # Two such applications at once: the second waits here, then Odoo runs it again (serialization failure)
        # and it finds the first one's activity.
        self.env.cr.execute(SQL("UPDATE res_partner SET write_date = write_date WHERE id = %s", application.id))
        if application.activity_ids.filtered(lambda a: a.summary == summary):
            return
        user = application._ncc_activity_user() or application.user_id or self.env.ref("base.user_admin")
        contact = " ".join(filter(None, [values.get("contact_ncc_first_name"), values.get("contact_ncc_family_name")]))
        application.activity_schedule(
            activity_type_id=activity_type.id,
            summary=summary,
            note=Markup("<p>%s</p>") % self.env._(
                "%(person)s (%(email)s) applied again for this organisation on the portal; nothing new was "
                "created. Contact them.", person=contact, email=values.get("contact_email") or "",
            ),
            user_id=user.id,
        )

    # ------------------------------------------------------------------------------------------------------------
    # Submission and confirmation
    # ------------------------------------------------------------------------------------------------------------
    @api.model
    def _ncc_submit(self, values, lang, address, upload=None):
        """Hold valid ``values`` and email the confirmation link. Returns the submission (sudo)."""
        token = secrets.token_urlsafe(32)
        now = fields.Datetime.now()
        vals = {
            "values": values,
            "organisation_name": values["name"],
            "email": values["contact_email"],
            "lang": lang,
            "country_id": values.get("country_id"),
            "registration_key": registration_number_key(values.get("company_registry")) or False,
            "notice_id": self.env["ncc.privacy.notice"]._current().id,
            "declared_date": now,
            "token_hash": _token_hash(token),
            "expiry_date": now + timedelta(days=self._ncc_unconfirmed_days()),
            "address_hash": self._ncc_address_hash(address),
        }
        if upload:
            vals.update(register_extract=upload["content"], register_extract_name=upload["name"])
        submission = self.sudo().create(vals)
        submission._ncc_send_confirmation(token)
        return submission

    def _ncc_send_confirmation(self, token):
        self.ensure_one()
        env = self.with_context(lang=self.lang or "en_US").env
        base_url = self.get_base_url()
        link = f"{base_url}/ncc/register/confirm/{token}"
        body = env["ir.qweb"]._render(
            "ncc_atlas_connector.portal_confirmation_email",
            {"submission": self, "link": link, "company": env.company},
        )
        env["mail.mail"].sudo().create({
            "subject": env._("Confirm your application to the Cybersecurity Competence Community"),
            "email_from": env.company.email_formatted or env.ref("base.partner_root").email_formatted,
            "email_to": self.email,
            "body_html": body,
            "auto_delete": False,
        })

    @api.model
    def _ncc_from_token(self, token):
        """The pending submission of a confirmation link still valid, or an empty recordset."""
        submission = self.sudo().search([("token_hash", "=", _token_hash(token))], limit=1)
        if submission and submission.state == "pending" and submission.expiry_date < fields.Datetime.now():
            return submission.browse()
        return submission

    def _ncc_confirm(self):
        """The representative confirmed the address: the application enters the pipeline, or the NCC is told
        of the second application. Returns "confirmed" or "duplicate"."""
        self.ensure_one()
        self = self.sudo()
        if self.state != "pending":
            return self.state
        values = dict(self.values or {})
        existing = self._ncc_existing_application(values)
        if existing:
            self._ncc_tell_existing_application(existing, values)
            self.write({"state": "duplicate", "values": False, "partner_id": existing.id,
                        "confirmed_date": fields.Datetime.now()})
            return "duplicate"
        key = f"{values.get('country_id')}:{self.registration_key or self.id}"
        try:
            with self.env.cr.savepoint(flush=True):
                # Waits for a concurrent confirmation of the same key, then fails if that one committed.
                self.env.cr.execute(SQL("UPDATE ncc_portal_submission SET confirmation_key = %s WHERE id = %s",
                                        key, self.id), log_exceptions=False)
        except pg_errors.UniqueViolation:
            # The same organisation confirmed at this very moment in another request: that one goes in.
            self.write({"state": "duplicate", "values": False, "confirmed_date": fields.Datetime.now()})
            return "duplicate"
        company = self._ncc_create_partners(values, self._ncc_existing_company(
            values.get("country_id"), values.get("company_registry")))
        self._ncc_record_declarations(company)
        if self.register_extract:
            self.env["ir.attachment"].create({
                "name": self.register_extract_name or "register-extract",
                "datas": self.register_extract, "res_model": "res.partner", "res_id": company.id,
            })
        # The acknowledgment goes through the mail queue: a public request neither waits for the mail server nor
        # holds a second database connection for it.
        company.with_context(lang=self.lang, mail_notify_force_send=False).action_ncc_submit()
        self.invalidate_recordset(["confirmation_key"])
        self.write({"state": "confirmed", "values": False, "partner_id": company.id,
                    "confirmed_date": fields.Datetime.now(), "register_extract": False})
        self._ncc_after_confirmation(company)
        return "confirmed"

    def _ncc_after_confirmation(self, company):
        """What follows a confirmed application (``company``, sudo): the representative gets a portal account
        (Odoo's signup invitation), through which they follow the application on its status page."""
        self.ensure_one()
        company._ncc_portal_grant_access()

    def _ncc_create_partners(self, values, company):
        """Create the company and its contact person from ``values`` (or write them on ``company``, the CRM's own
        record of it) as a Community applicant. Returns the company."""
        Partner = self.env["res.partner"].sudo().with_context(tracking_disable=True, mail_create_nolog=True)
        company_vals, contact_vals = self._ncc_split(values)
        lang = self.env["res.lang"]._get_code(self.lang) if self.lang else False
        company_vals.update(is_company=True, ncc_is_applicant=True)
        if lang:
            company_vals["lang"] = lang
            contact_vals["lang"] = lang
        if company:
            company = company.with_context(tracking_disable=True)
            company.write(company_vals)
        else:
            company = Partner.create(company_vals)
        email = email_normalize(contact_vals.get("email") or "")
        contact = company.child_ids.filtered(lambda c: email and email_normalize(c.email or "") == email)[:1]
        contact_vals.update(name=" ".join(filter(None, [contact_vals.get("ncc_first_name"),
                                                        contact_vals.get("ncc_family_name")])))
        if contact:
            contact.write(contact_vals)
        else:
            contact = Partner.create({**contact_vals, "parent_id": company.id, "type": "contact"})
        company.ncc_representative_id = contact
        return company

    def _ncc_record_declarations(self, company):
        """The consent evidence of the declarations: when they were given on the form, with the notice shown."""
        evidence = company.sudo().ncc_consent_evidence_ids.filtered(
            lambda e: e.given and e.declaration in DECLARATIONS)
        evidence.write({"date": self.declared_date, "notice_id": self.notice_id.id})
        company.sudo().write({date_field: self.declared_date.date() for date_field in DECLARATIONS.values()})

    # ------------------------------------------------------------------------------------------------------------
    # Retention
    # ------------------------------------------------------------------------------------------------------------
    @api.autovacuum
    def _gc_ncc_unconfirmed_submissions(self):
        """Delete the submissions nobody confirmed within the retention, and the shells of confirmed ones (their
        data are in the CRM)."""
        days = self._ncc_unconfirmed_days()
        limit = fields.Datetime.now() - timedelta(days=days)
        unconfirmed = self.sudo().search([("create_date", "<", limit), ("state", "=", "pending")])
        count = len(unconfirmed)
        (unconfirmed | self.sudo().search([("create_date", "<", limit), ("state", "!=", "pending")])).unlink()
        if count:
            _logger.info("Retention: deleted %d unconfirmed portal submission(s) older than %d days", count, days)
        return count, 0
