"""The public registration form over HTTP: every refused answer saves nothing and keeps what was typed; a valid one
waits for the emailed confirmation, then enters the pipeline; duplicates, robots and floods create nothing."""

import contextlib
import html
from datetime import timedelta
from unittest.mock import patch

from odoo import fields
from odoo.tests import TransactionCase, new_test_user, tagged

from odoo.addons.ncc_atlas_connector.models import ncc_portal_submission
from odoo.addons.ncc_atlas_connector.models.atlas_mapping import REPRESENTATIVE_TEXT_LIMITS, TEXT_LIMITS
from odoo.addons.ncc_atlas_connector.models.ncc_portal_submission import FORM_LENGTHS, MAX_UPLOAD_BYTES

from .assessment_common import REF
from .portal_registration_common import PARAM, PortalRegistrationCase
from .test_access_rpc import RpcCase


@tagged("post_install", "-at_install")
class TestPortalRegistrationForm(PortalRegistrationCase):
    def assertRefused(self, answers, key, message=None, files=None):
        """Posting ``answers`` shows an error at the answer ``key``, saves nothing and keeps what was typed."""
        before = self.counts()
        page = self.post_form(answers, files=files)
        self.assertEqual(page.status_code, 200)
        text = html.unescape(page.text)
        self.assertTrue(f'data-ncc-error="{key}"' in page.text, f"the error is shown at {key}")
        self.assertIn("Nothing was saved yet", text)
        if message:
            self.assertIn(message, text)
        self.assertEqual(self.counts(), before, "nothing was saved")
        self.assertIn(answers["name"], text, "what was typed is kept")
        return text

    def test_the_form_is_public_only_when_the_ncc_opens_it(self):
        self.env["ir.config_parameter"].sudo().set_param(PARAM + "portal_enabled", "False")
        self.assertEqual(self.url_open("/ncc/register").status_code, 404)
        self.env["ir.config_parameter"].sudo().set_param(PARAM + "portal_enabled", "True")
        page = self.url_open("/ncc/register")
        self.assertEqual(page.status_code, 200)
        for step in ("organisation", "ownership", "contact", "expertise", "declarations"):
            self.assertIn(f'id="ncc_step_{step}"', page.text)
        notice = self.env["ncc.privacy.notice"]._current()
        self.assertIn(f"version {notice.version}", page.text, "the notice in force is shown with its version")
        self.assertIn('name="ncc_homepage"', page.text, "the honeypot is there")
        domain = self.term("cluster_thematic_area_cryptology_cryptography_and_cryptanalysis")
        sub = self.term("cluster_thematic_area_post_quantum_cryptography")
        self.assertLess(page.text.index(f'value="{domain.id}"'), page.text.index(f'value="{sub.id}"'),
                        "sub-domains under their domain")
        self.assertTrue(f'<option value="{self.env.ref("base.lu").id}"' in page.text)
        self.assertFalse(f'<option value="{self.env.ref("base.us").id}"' in page.text, "only Member States are offered")

    def test_the_settings_show_the_address_of_the_form(self):
        settings = self.env["res.config.settings"].create({})
        self.assertTrue(settings.ncc_portal_url.endswith("/ncc/register"))

    def test_a_valid_application_waits_for_the_confirmation_then_enters_the_pipeline(self):
        answers = self.answers()
        partners = self.env["res.partner"].search_count([])
        page = self.post_form(answers)
        self.assertIn("Check your email", page.text)
        self.env.invalidate_all()
        self.assertEqual(self.env["res.partner"].search_count([]), partners, "nothing in the CRM before")
        submission = self.env["ncc.portal.submission"].search([], limit=1)
        self.assertEqual((submission.state, submission.organisation_name), ("pending", answers["name"]))
        self.assertEqual(submission.notice_id, self.env["ncc.privacy.notice"]._current())
        link, mail = self.confirmation_link(answers["contact_email"])
        self.assertNotIn(link.rsplit("/", 1)[1], submission.token_hash, "only a hash of the token is kept")

        page = self.url_open(link[link.index("/ncc/register/confirm/"):])
        self.assertIn("Confirm and send the application", page.text, "opening the link confirms nothing yet")
        self.env.invalidate_all()
        self.assertEqual(submission.state, "pending")
        page = self.confirm(link)
        self.assertIn("Application received", page.text)

        self.env.invalidate_all()
        company = self.companies(answers["company_registry"])
        self.assertEqual(len(company), 1)
        self.assertTrue(company.ncc_is_applicant and company.is_company)
        self.assertEqual(company.ncc_stage_id, company._ncc_stage_of_kind("intake"), "the first stage")
        self.assertTrue(company.ncc_submitted_date)
        contact = company.ncc_representative_id
        self.assertEqual((contact.ncc_first_name, contact.ncc_family_name, contact.email),
                         ("Ana", "García López", answers["contact_email"]))
        self.assertEqual(company.ncc_thematic_area_ids, self.term("cluster_thematic_area_post_quantum_cryptography"))
        self.assertTrue(company.ncc_registration_complete, company.ncc_missing_items)
        evidence = company.ncc_consent_evidence_ids.filtered("given")
        self.assertEqual(len(evidence), 5, "every declaration has its evidence")
        self.assertEqual(evidence.notice_id, submission.notice_id, "with the notice version shown")
        self.assertEqual(set(evidence.mapped("date")), {submission.declared_date}, "given when the form was sent")
        self.assertEqual(company.ncc_no_exclusion_date, submission.declared_date.date())
        self.assertEqual((submission.state, submission.partner_id, submission.values),
                         ("confirmed", company, False), "the typed data are not kept twice")
        received = self.env["mail.mail"].search([("subject", "ilike", "received"), ("id", ">", mail.id)])
        self.assertTrue(received, "the acknowledgment email goes out")
        self.assertIn(contact, received.recipient_ids)
        self.assertIn("/my/ncc/application", received.body_html, "the email links to the status page")
        user = contact.user_ids
        self.assertEqual(len(user), 1, "the representative gets a portal account")
        self.assertTrue(user._is_portal(), "through Odoo's portal invitation")

        # The link again: nothing twice.
        self.confirm(link)
        self.env.invalidate_all()
        registry = answers["company_registry"]
        self.assertEqual(len(self.companies(registry)), 1)

    def test_every_limit_and_format_of_the_model_is_shown_at_its_answer(self):
        long = "x" * 2000
        cases = [
            ("name", {"name": "N" * (TEXT_LIMITS["name"] + 1)}, "characters long"),
            ("ncc_name_national", {"ncc_name_national": long[: TEXT_LIMITS["ncc_name_national"] + 1]}, None),
            ("ncc_department", {"ncc_department": long[: TEXT_LIMITS["ncc_department"] + 1]}, None),
            ("ncc_expertise_description", {"ncc_expertise_description": long[:801]}, "at most 800"),
            ("ncc_goals_to_achieve", {"ncc_goals_to_achieve": long[:801]}, "at most 800"),
            ("ncc_goals_to_contribute", {"ncc_goals_to_contribute": long[:801]}, "at most 800"),
            ("contact_ncc_first_name",
             {"contact_ncc_first_name": long[: REPRESENTATIVE_TEXT_LIMITS["ncc_first_name"] + 1]}, None),
            ("email", {"email": "info-at-example"}, "is not a valid email address"),
            ("contact_email", {"contact_email": "ana@"}, "is not a valid email address"),
            ("website", {"website": "www.example.eu"}, "is not a valid website address"),
            ("company_registry", {"country_id": str(self.env.ref("base.fr").id), "company_registry": "123"},
             "is not a valid French SIREN"),
            ("ncc_headquarters_details", {"ncc_is_headquarters": "0"}, "main seat"),
            ("ncc_subsidiaries_details", {"ncc_has_subsidiaries": "1"}, "subsidiaries"),
            ("zip", {"zip": "1" * (FORM_LENGTHS["zip"] + 1)}, "the form takes at most"),
            ("street", {"street": "s" * 401}, "the form takes at most"),
            ("name", {"name": ""}, None),
            ("city", {"city": ""}, "City"),
            ("contact_ncc_family_name", {"contact_ncc_family_name": ""}, "family name"),
            ("ncc_field_of_activity_ids", {"ncc_field_of_activity_ids": None}, "field of activity"),
            ("ncc_thematic_area_ids", {"ncc_thematic_area_ids": None}, "taxonomy"),
            ("ncc_cluster_type_id", {"ncc_cluster_type_id": ""}, "Organisation type"),
        ]
        for key, overrides, message in cases:
            with self.subTest(key=key, overrides=list(overrides)):
                self.assertRefused(self.answers(**overrides), key, message)

    def test_a_missing_declaration_is_refused(self):
        for key in ("ncc_no_exclusion", "ncc_data_sharing_consent", "ncc_privacy_notice_accepted",
                    "ncc_member_tasks_accepted", "ncc_form_completed"):
            with self.subTest(key=key):
                text = self.assertRefused(self.answers(**{key: None}), key, "Declaration")
                self.assertIn("García López", text, "the other answers are kept")

    def test_a_country_outside_the_union_is_refused(self):
        self.assertRefused(self.answers(country_id=str(self.env.ref("base.us").id)), "country_id",
                           "is not an EU Member State")

    def test_an_upload_too_large_or_of_another_kind_is_refused(self):
        big = ("extract.pdf", b"%PDF" + b"0" * MAX_UPLOAD_BYTES, "application/pdf")
        self.assertRefused(self.answers(), "register_extract", "larger than", files={"register_extract": big})
        exe = ("extract.exe", b"MZ...", "application/octet-stream")
        self.assertRefused(self.answers(), "register_extract", "PDF, PNG or JPEG", files={"register_extract": exe})

    def test_an_upload_follows_the_application(self):
        answers = self.answers()
        self.post_form(answers, files={"register_extract": ("extract.pdf", b"%PDF-1.4 register", "application/pdf")})
        link, _mail = self.confirmation_link(answers["contact_email"])
        self.confirm(link)
        self.env.invalidate_all()
        company = self.companies(answers["company_registry"])
        attachment = self.env["ir.attachment"].search([("res_model", "=", "res.partner"), ("res_id", "=", company.id)])
        self.assertEqual(attachment.name, "extract.pdf")

    def test_a_second_application_of_the_same_organisation_creates_nothing(self):
        answers = self.answers()
        self.post_form(answers)
        link, _mail = self.confirmation_link(answers["contact_email"])
        self.confirm(link)
        self.env.invalidate_all()
        company = self.companies(answers["company_registry"])
        activities = len(company.activity_ids)

        # The same number written another way, same country.
        again = self.answers(company_registry=answers["company_registry"].lower().replace("b", "b "),
                             contact_email="someone.else@example.eu")
        before = self.counts()
        page = self.post_form(again)
        self.assertIn("will come back to you", page.text)
        self.assertEqual(self.counts(), before, "no submission, no partner, no email")
        self.env.invalidate_all()
        self.assertEqual(len(company.activity_ids), activities + 1, "the NCC gets an activity on the application")
        self.assertIn("someone.else@example.eu", company.activity_ids[-1].note)

    def test_an_organisation_confirmed_twice_enters_once(self):
        answers = self.answers()
        self.post_form(answers)
        first, _mail = self.confirmation_link(answers["contact_email"])
        self.post_form({**answers, "contact_email": "second@example.eu"})
        second, _mail = self.confirmation_link("second@example.eu")
        self.confirm(first)
        page = self.confirm(second)
        self.assertIn("will come back to you", page.text)
        self.env.invalidate_all()
        companies = self.companies(answers["company_registry"])
        self.assertEqual(len(companies), 1)
        self.assertTrue(companies.activity_ids.filtered(lambda a: "second@example.eu" in (a.note or "")))

    def test_the_crm_company_with_the_same_number_becomes_the_applicant(self):
        answers = self.answers()
        crm = self.env["res.partner"].create({
            "name": "Kirchberg Secure (customer)", "is_company": True,
            "country_id": self.env.ref("base.lu").id, "company_registry": answers["company_registry"],
        })
        self.post_form(answers)
        link, _mail = self.confirmation_link(answers["contact_email"])
        self.confirm(link)
        self.env.invalidate_all()
        self.assertTrue(crm.ncc_is_applicant)
        self.assertEqual(crm.name, answers["name"])
        self.assertEqual(crm.ncc_representative_id.email, answers["contact_email"])
        registry = answers["company_registry"]
        self.assertEqual(len(self.companies(registry)), 1)

    def test_a_robot_filling_the_hidden_field_saves_nothing(self):
        before = self.counts()
        page = self.post_form(self.answers(ncc_homepage="http://spam.example"))
        self.assertIn("Check your email", page.text, "the robot is not told")
        self.assertEqual(self.counts(), before)

    def test_too_many_submissions_from_one_address_are_refused(self):
        self.env["ir.config_parameter"].sudo().set_param(PARAM + "portal_rate_limit", 2)
        for _i in range(2):
            self.assertIn("Check your email", self.post_form(self.answers()).text)
        before = self.counts()
        page = self.post_form(self.answers())
        self.assertIn("Too many registrations", html.unescape(page.text))
        self.assertEqual(self.counts(), before)

    def test_without_the_csrf_token_nothing_is_taken(self):
        before = self.counts()
        with self.assertLogs("odoo.http", "WARNING"):
            page = self.url_open("/ncc/register", data=self.answers())
        self.assertEqual(page.status_code, 400)
        self.assertEqual(self.counts(), before)

    def test_the_emails_go_in_the_language_chosen(self):
        self.env["res.lang"]._activate_lang("fr_FR")
        answers = self.answers(ncc_lang="fr_FR")
        self.post_form(answers)
        self.env.invalidate_all()
        submission = self.env["ncc.portal.submission"].search([], limit=1)
        self.assertEqual(submission.lang, "fr_FR")
        link, _mail = self.confirmation_link(answers["contact_email"])
        self.confirm(link)
        self.env.invalidate_all()
        company = submission.partner_id
        self.assertEqual((company.lang, company.ncc_representative_id.lang), ("fr_FR", "fr_FR"))

    def test_a_link_past_its_expiry_confirms_nothing(self):
        answers = self.answers()
        self.post_form(answers)
        link, _mail = self.confirmation_link(answers["contact_email"])
        self.env["ncc.portal.submission"].search([], limit=1).expiry_date = fields.Datetime.now() - timedelta(
            minutes=1)
        page = self.url_open(link[link.index("/ncc/register/confirm/"):])
        self.assertIn("no longer valid", page.text)
        self.assertFalse(self.companies(answers["company_registry"]))


@tagged("post_install", "-at_install")
class TestPortalLanguagesAndRetention(TransactionCase):
    def test_irish_and_maltese_exist(self):
        langs = self.env["res.lang"].with_context(active_test=False).search([("code", "in", ("ga_IE", "mt_MT"))])
        self.assertEqual(sorted(langs.mapped("iso_code")), ["ga", "mt"])

    def submission(self, age):
        Submission = self.env["ncc.portal.submission"].sudo()
        record = Submission.create({
            "organisation_name": "Old Applicant", "email": "old@example.eu", "values": {"name": "Old Applicant"},
            "notice_id": self.env["ncc.privacy.notice"]._current().id, "declared_date": fields.Datetime.now(),
            "token_hash": "x", "expiry_date": fields.Datetime.now(),
        })
        self.env.flush_all()
        self.env.cr.execute("UPDATE ncc_portal_submission SET create_date = %s WHERE id = %s",
                            (fields.Datetime.now() - age, record.id))
        self.env.invalidate_all()
        return record

    def autovacuum(self):
        """Odoo's daily autovacuum job, through the cron runner, as a cron worker runs it."""
        cron = self.env.ref("base.autovacuum_job")
        mode = contextlib.nullcontext() if type(self)._registry_patched else self.enter_registry_test_mode()
        with mode:
            self.assertIs(cron.method_direct_trigger(), True)
        self.env.invalidate_all()

    def test_unconfirmed_submissions_are_deleted_after_the_retention(self):
        self.env["ir.config_parameter"].sudo().set_param(PARAM + "retention_unconfirmed_days", 10)
        past = self.submission(timedelta(days=10, minutes=5))
        before = self.submission(timedelta(days=10, minutes=-5))
        with patch.object(ncc_portal_submission._logger, "info") as log:
            self.autovacuum()
        self.assertFalse(past.exists())
        self.assertTrue(before.exists())
        message, *args = log.call_args.args
        self.assertEqual(message % tuple(args),
                         "Retention: deleted 1 unconfirmed portal submission(s) older than 10 days")
        self.autovacuum()
        self.assertTrue(before.exists(), "a second run does nothing more")


@tagged("post_install", "-at_install")
class TestPortalSubmissionAccessRpc(RpcCase, PortalRegistrationCase):
    """The submissions awaiting confirmation hold personal data: NCC staff only, and nobody confirms over RPC."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.portal = new_test_user(cls.env, "ncc_pf_portal", groups="base.group_portal")
        cls.colleague = new_test_user(cls.env, "ncc_pf_colleague", groups="base.group_user,base.group_partner_manager")
        cls.officer = new_test_user(cls.env, "ncc_pf_officer", groups=f"base.group_user,{REF}group_ncc_officer")
        cls.manager = new_test_user(cls.env, "ncc_pf_manager", groups=f"base.group_user,{REF}group_ncc_manager")

    def test_only_ncc_staff_read_submissions_and_none_confirms_over_rpc(self):
        self.post_form(self.answers())
        self.env.invalidate_all()
        submission = self.env["ncc.portal.submission"].search([], limit=1)
        model = "ncc.portal.submission"
        for user in (self.portal, self.colleague):
            with self.subTest(user=user.login):
                self.denied(user, model, "search_read", [], fields=["email", "values"])
        rows = self.call(self.officer, model, "search_read", [("id", "=", submission.id)], fields=["email"])
        self.assertEqual(rows[0]["email"], submission.email)
        self.denied(self.officer, model, "write", [submission.id], {"state": "confirmed"})
        for user in (self.portal, self.officer, self.manager):
            with self.subTest(user=user.login, method="_ncc_confirm"):
                self.denied(user, model, "_ncc_confirm", [submission.id])
        self.env.invalidate_all()
        self.assertEqual(submission.state, "pending")
        self.call(self.manager, model, "unlink", [submission.id])
        self.assertFalse(submission.exists())
