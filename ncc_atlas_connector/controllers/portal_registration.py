"""The public registration form (FORM-ECCC-001) and its confirmation link.

The controller reads the request and renders pages; what an answer may be is the registration record's business
(``ncc.portal.submission._ncc_validate``). Anti-abuse is here: CSRF (Odoo's, on every POST), a honeypot field, a
per-address rate limit, size caps, and Odoo's reCAPTCHA when the NCC installed ``google_recaptcha``.
"""

import base64
import logging

from odoo import http
from odoo.exceptions import UserError, ValidationError
from odoo.http import request

from ..models.atlas_mapping import PARAM_PREFIX
from ..models.ncc_portal_submission import (
    CONTACT_PREFIX,
    FORM_KEYS,
    MAX_UPLOAD_BYTES,
    UPLOAD_MIMETYPES,
    form_max_length,
)

_logger = logging.getLogger(__name__)

# The 24 official languages of the EU (ISO 639-1): the form offers the active Odoo languages among them.
EU_LANGUAGES = (
    "bg", "cs", "da", "de", "el", "en", "es", "et", "fi", "fr", "ga", "hr", "hu", "it", "lt", "lv", "mt", "nl",
    "pl", "pt", "ro", "sk", "sl", "sv",
)
HONEYPOT = "ncc_homepage"  # hidden from people; only robots fill it in
MAX_REQUEST_BYTES = MAX_UPLOAD_BYTES + 512 * 1024
STEPS = ("organisation", "ownership", "contact", "expertise", "declarations")


class NccPortalRegistration(http.Controller):
    def _ncc_enabled(self):
        return request.env["ir.config_parameter"].sudo().get_param(PARAM_PREFIX + "portal_enabled") in (
            "True", "1", "true")

    def _ncc_languages(self):
        langs = request.env["res.lang"].sudo().search([("active", "=", True)])
        return langs.filtered(lambda lang: lang.code.split("_")[0] in EU_LANGUAGES).sorted("name")

    def _ncc_lang(self, wanted):
        """The language chosen (a parameter, else the visitor's), among the EU languages on offer."""
        codes = self._ncc_languages().mapped("code")
        for code in (wanted, request.lang.code):
            if code in codes:
                return code
        return codes[0] if codes else request.env.lang

    def _ncc_render(self, template, lang, **values):
        request.update_context(lang=lang)
        return request.render(template, {"ncc_lang": lang, **values})

    def _ncc_form_context(self, lang, typed=None, errors=None):
        env = request.env(context=dict(request.env.context, lang=lang))
        Term = env["ncc.atlas.term"].sudo()
        Partner = env["res.partner"]
        country_codes = [c.upper() for c in Term.search([("vocabulary", "=", "country")]).mapped("iso_code") if c]
        errors = errors or {}
        step_errors = {
            step: any(key in errors for key in keys) for step, keys in self._ncc_step_keys().items()
        }
        first_error_step = next((step for step in STEPS if step_errors[step]), STEPS[0])
        return {
            "typed": typed or {},
            "errors": errors,
            "step_errors": step_errors,
            "active_step": first_error_step,
            "countries": env["res.country"].sudo().search([("code", "in", country_codes)]).sorted("name"),
            "cluster_types": Term.search([("vocabulary", "=", "cluster_type")]),
            "fields_of_activity": Term.search([("vocabulary", "=", "fields_of_activity")]),
            "thematic_domains": Term.search([("vocabulary", "=", "cluster_thematic_area"), ("parent_id", "=", False)]),
            "sectors": Term.search([("vocabulary", "=", "sectors")]),
            "technologies": Term.search([("vocabulary", "=", "technologies")]),
            "use_cases": Term.search([("vocabulary", "=", "use_cases")]),
            "size_classes": Partner._fields["ncc_size_class"]._description_selection(env),
            "notice": env["ncc.privacy.notice"]._current(),
            "languages": self._ncc_languages(),
            "label": lambda key: Partner._fields[key.removeprefix(CONTACT_PREFIX)]._description_string(env),
            "maxlength": lambda key: form_max_length(key, Partner._fields[key.removeprefix(CONTACT_PREFIX)]),
            "honeypot": HONEYPOT,
            "max_upload_mb": MAX_UPLOAD_BYTES // (1024 * 1024),
        }

    @staticmethod
    def _ncc_step_keys():
        from ..models import ncc_portal_submission as sub

        return {
            "organisation": (*sub.ORGANISATION_FIELDS, "register_extract"),
            "ownership": sub.OWNERSHIP_FIELDS,
            "contact": tuple(CONTACT_PREFIX + f for f in sub.CONTACT_FIELDS),
            "expertise": sub.EXPERTISE_FIELDS,
            "declarations": sub.DECLARATION_FIELDS,
        }

    def _ncc_typed(self):
        """What the applicant typed, as strings (lists for the ticked terms), to put back in the form."""
        form = request.httprequest.form
        typed = {}
        for key in FORM_KEYS:
            values = form.getlist(key)
            if key.endswith("_ids"):
                typed[key] = values
            elif values:
                typed[key] = values[-1]
        return typed

    def _ncc_upload(self, errors):
        upload = request.httprequest.files.get("register_extract")
        if not upload or not upload.filename:
            return None
        content = upload.read(MAX_UPLOAD_BYTES + 1)
        if len(content) > MAX_UPLOAD_BYTES:
            errors["register_extract"] = request.env._(
                "The file is larger than %(size)s MB.", size=MAX_UPLOAD_BYTES // (1024 * 1024))
            return None
        if upload.mimetype not in UPLOAD_MIMETYPES:
            errors["register_extract"] = request.env._("Send the extract as a PDF, PNG or JPEG file.")
            return None
        return {"name": upload.filename[:200], "content": base64.b64encode(content)}

    # --------------------------------------------------------------------------------------------------------------
    @http.route("/ncc/register", type="http", auth="public", website=True, methods=["GET"], sitemap=True)
    def ncc_register_form(self, **_kw):
        if not self._ncc_enabled():
            raise request.not_found()
        lang = self._ncc_lang(None)
        return self._ncc_render("ncc_atlas_connector.portal_registration_form", lang, **self._ncc_form_context(lang))

    @http.route("/ncc/register", type="http", auth="public", website=True, methods=["POST"], sitemap=False)
    def ncc_register_submit(self, **post):
        if not self._ncc_enabled():
            raise request.not_found()
        lang = self._ncc_lang(post.get("ncc_lang"))
        request.update_context(lang=lang)
        Submission = request.env["ncc.portal.submission"].sudo()
        address = request.httprequest.remote_addr
        if post.get(HONEYPOT):
            _logger.info("Registration portal: a submission filling the hidden field was ignored")
            return self._ncc_render("ncc_atlas_connector.portal_registration_sent", lang)
        typed = self._ncc_typed()
        errors = {}
        if (request.httprequest.content_length or 0) > MAX_REQUEST_BYTES:
            errors["_general"] = request.env._("The form sent is too large.")
        elif Submission._ncc_rate_limited(address):
            errors["_general"] = request.env._(
                "Too many registrations were sent from your network address in the last hour. Try again later.")
        else:
            try:
                request.env["ir.http"]._verify_request_recaptcha_token("ncc_register")
            except (UserError, ValidationError) as error:
                errors["_general"] = str(error.args[0])
        if errors:
            return self._ncc_render("ncc_atlas_connector.portal_registration_form", lang,
                                    **self._ncc_form_context(lang, typed, errors))
        form = {key: request.httprequest.form.getlist(key) if key.endswith("_ids") else post.get(key)
                for key in FORM_KEYS}
        form = {key: value for key, value in form.items() if value is not None}
        values, errors = Submission._ncc_form_values(form)
        upload = self._ncc_upload(errors)
        if not errors:
            existing = Submission._ncc_existing_application(values)
            if existing:
                Submission._ncc_tell_existing_application(existing, values)
                return self._ncc_render("ncc_atlas_connector.portal_registration_duplicate", lang)
            errors = Submission._ncc_validate(values)
        if errors:
            return self._ncc_render("ncc_atlas_connector.portal_registration_form", lang,
                                    **self._ncc_form_context(lang, typed, errors))
        Submission._ncc_submit(values, lang, address, upload)
        return self._ncc_render("ncc_atlas_connector.portal_registration_sent", lang)

    @http.route("/ncc/register/confirm/<string:token>", type="http", auth="public", website=True, methods=["GET"],
                sitemap=False)
    def ncc_register_confirm_page(self, token, **_kw):
        # Confirming is a POST: mail scanners that open links do not confirm anything.
        submission = request.env["ncc.portal.submission"].sudo()._ncc_from_token(token)
        lang = self._ncc_lang(submission.lang)
        return self._ncc_render("ncc_atlas_connector.portal_registration_confirm", lang,
                                submission=submission, token=token)

    @http.route("/ncc/register/confirm/<string:token>", type="http", auth="public", website=True, methods=["POST"],
                sitemap=False)
    def ncc_register_confirm(self, token, **_kw):
        submission = request.env["ncc.portal.submission"].sudo()._ncc_from_token(token)
        lang = self._ncc_lang(submission.lang)
        if not submission:
            return self._ncc_render("ncc_atlas_connector.portal_registration_confirm", lang,
                                    submission=submission, token=token)
        outcome = submission._ncc_confirm()
        template = "portal_registration_received" if outcome == "confirmed" else "portal_registration_duplicate"
        return self._ncc_render(f"ncc_atlas_connector.{template}", lang, submission=submission)
