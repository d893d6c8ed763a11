"""Personal data: consent evidence of the declarations, retention of closed applications, masked log excerpts."""

import contextlib
from datetime import timedelta

from dateutil.relativedelta import relativedelta

from odoo import fields
from odoo.tests import Form, tagged

from odoo.addons.ncc_atlas_connector.models.res_partner_retention import ANONYMOUS_NAME

from .atlas_common import AtlasCase
from .registration_common import RegistrationCase
from .test_atlas_import import TestAtlasImport


@tagged("post_install", "-at_install")
class TestConsentEvidence(RegistrationCase):
    def test_a_declaration_change_records_its_date_and_the_notice_shown(self):
        notice = self.env.ref("ncc_atlas_connector.ncc_privacy_notice_v1")
        newer = self.env["ncc.privacy.notice"].create({"version": "2.0", "text": "<p>New notice</p>"})
        company = self.create_applicant(ncc_data_sharing_consent=False)
        given = company.ncc_consent_evidence_ids
        self.assertEqual(len(given), 4, "each declaration given at creation has its evidence")
        self.assertEqual(given.notice_id, newer, "the version in force today was shown")
        self.assertEqual(set(given.mapped("source")), {"odoo"})
        self.assertEqual(company.ncc_consent_state, "local")
        with Form(company) as form:
            form.ncc_data_sharing_consent = True
        evidence = company.ncc_consent_evidence_ids - given
        self.assertEqual((evidence.declaration, evidence.given, evidence.user_id), (
            "ncc_data_sharing_consent", True, self.env.user))
        self.assertEqual(evidence.notice_id, newer)
        self.assertLessEqual(fields.Datetime.now() - evidence.date, timedelta(minutes=1))
        company.write({"ncc_form_completed": False})
        self.assertFalse(company.ncc_consent_evidence_ids.sorted("id")[-1].given, "taking one back is evidence too")
        company.write({"name": "Renamed"})
        self.assertEqual(len(company.ncc_consent_evidence_ids), 6, "other changes record nothing")
        self.assertNotEqual(notice, newer)

    def test_notice_versions_readable_by_officers_editable_by_managers(self):
        Notice = self.env["ncc.privacy.notice"]
        self.assertTrue(Notice.search([("version", "=", "1.0")]).text, "seeded with the template's notice")
        self.assertTrue(Notice.has_access("read") if hasattr(Notice, "has_access") else True)
        officer = self.env["res.users"].create({
            "name": "Officer", "login": "notice_officer",
            "group_ids": [(6, 0, self.env.ref("ncc_atlas_connector.group_ncc_officer").ids)],
        })
        manager = self.env["res.users"].create({
            "name": "Manager", "login": "notice_manager",
            "group_ids": [(6, 0, self.env.ref("ncc_atlas_connector.group_ncc_manager").ids)],
        })
        self.assertTrue(Notice.with_user(officer).search([]))
        self.assertFalse(Notice.with_user(officer).has_access("write"))
        self.assertTrue(Notice.with_user(manager).has_access("write"))
        self.assertFalse(self.env["ncc.consent.evidence"].with_user(manager).has_access("write"),
                         "evidence is never edited")


@tagged("post_install", "-at_install")
class TestImportedConsent(AtlasCase):
    values = TestAtlasImport.values
    seed = TestAtlasImport.seed
    start = TestAtlasImport.start
    linked = TestAtlasImport.linked
    import_all = TestAtlasImport.import_all

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Import = cls.env["ncc.atlas.import"]

    def test_imported_registrations_have_no_local_consent_evidence(self):
        uuids = self.seed(2)
        self.import_all()
        for atlas_uuid in uuids:
            partner = self.linked(atlas_uuid)
            self.assertTrue(partner.ncc_data_sharing_consent, "the Atlas's value is kept")
            self.assertEqual(partner.ncc_consent_state, "missing")
            evidence = partner.ncc_consent_evidence_ids
            self.assertTrue(evidence)
            self.assertEqual(set(evidence.mapped("source")), {"atlas"})
            self.assertFalse(evidence.notice_id, "no notice was shown here")


@tagged("post_install", "-at_install")
class TestRetention(AtlasCase):
    def autovacuum(self):
        """Odoo's daily autovacuum job, through the cron runner, as a cron worker runs it."""
        cron = self.env.ref("base.autovacuum_job")
        mode = contextlib.nullcontext() if type(self)._registry_patched else self.enter_registry_test_mode()
        with mode:
            result = cron.method_direct_trigger()
        self.env.invalidate_all()
        self.assertIs(result, True)

    def mails_of(self, company):
        """The emails the pipeline sent about this application."""
        return self.env["mail.mail"].sudo().search([("model", "=", "res.partner"), ("res_id", "=", company.id)])

    def closed(self, name, decision, age):
        """An application decided through the decision flow ``age`` (a relativedelta) ago."""
        company = self.create_applicant(name=name)
        company.action_ncc_submit()
        if decision == "approved":
            self.approve(company)
        elif decision == "withdrawn":
            company.action_ncc_withdraw(reason="The applicant asked in writing.")
        else:
            company.action_ncc_reject(reason="Not established in the Member State.")
        # Backdated as time would have it (decisions are never rewritten through the ORM).
        decided = fields.Datetime.now() - age
        self.env.flush_all()
        self.env.cr.execute("UPDATE ncc_decision SET date = %s WHERE partner_id = %s", (decided, company.id))
        self.env.cr.execute("UPDATE res_partner SET ncc_decision_date = %s WHERE id = %s", (decided, company.id))
        self.env.invalidate_all()
        self.assertEqual(company.ncc_decision, decision)
        return company

    def test_closed_applications_past_the_limit_lose_their_contact_person(self):
        self.env["ir.config_parameter"].sudo().set_param("ncc_atlas_connector.retention_closed_months", 24)
        past = self.closed("Past Applicant", "rejected", relativedelta(months=24, days=1))
        before = self.closed("Recent Applicant", "rejected", relativedelta(months=24, days=-1))
        approved = self.closed("Approved Applicant", "approved", relativedelta(months=24, days=1))
        withdrawn = self.closed("Withdrawn Applicant", "withdrawn", relativedelta(months=24, days=1))
        withdrawn_contact = withdrawn.ncc_representative_id
        representative = past.ncc_representative_id
        kept = {p: (p.ncc_representative_id.name, p.ncc_representative_id.email) for p in (before, approved)}
        self.assertIn("García López", " ".join(self.mails_of(past).mapped("body_html")))
        self.autovacuum()
        for company in (past, withdrawn):
            mails, messages = self.mails_of(company), company.with_context(active_test=False).message_ids
            self.assertTrue(mails, "the emails sent stay on record")
            text = " ".join(mails.mapped("body_html") + mails.mapped(lambda m: m.email_to or "")
                            + [str(m.body) for m in messages] + messages.mapped(lambda m: m.email_from or ""))
            for personal in ("Ana García López", "García López", "ana.garcia@kirchberg-secure.example.eu"):
                self.assertNotIn(personal, text, "nor the emails it sent them, nor its chatter, name the person")
        self.assertIn("García López", " ".join(self.mails_of(before).mapped("body_html")), "not yet for this one")
        representative = representative.with_context(active_test=False)
        self.assertEqual(representative.name, ANONYMOUS_NAME)
        self.assertFalse(representative.email or representative.phone or representative.function
                         or representative.ncc_first_name or representative.ncc_family_name)
        self.assertFalse(representative.active)
        self.assertFalse(past.ncc_representative_id)
        self.assertEqual(past.name, "Past Applicant", "the company's own data stay")
        self.assertTrue(past.ncc_personal_data_erased_date)
        self.assertEqual(withdrawn_contact.with_context(active_test=False).name, ANONYMOUS_NAME)
        self.assertEqual(len(past.message_ids.filtered(lambda m: "Retention" in (m.body or ""))), 1)
        for company, data in kept.items():
            self.assertEqual((company.ncc_representative_id.name, company.ncc_representative_id.email), data)
            self.assertFalse(company.ncc_personal_data_erased_date)
        # A second run changes nothing.
        stamp, messages = past.ncc_personal_data_erased_date, len(past.message_ids)
        self.autovacuum()
        self.assertEqual((past.ncc_personal_data_erased_date, len(past.message_ids)), (stamp, messages))
        self.assertEqual(before.ncc_representative_id.name, kept[before][0])

    def test_a_contact_person_who_is_also_a_user_keeps_the_record(self):
        company = self.closed("Business Partner", "rejected", relativedelta(months=25))
        representative = company.ncc_representative_id
        self.env["res.users"].create({"name": representative.name, "login": "ana_user",
                                      "partner_id": representative.id})
        self.autovacuum()
        self.assertEqual(representative.name, "Ana García López")
        self.assertEqual(representative.email, "ana.garcia@kirchberg-secure.example.eu")
        self.assertFalse(representative.ncc_is_representative, "only the application's data are removed")
        self.assertTrue(company.ncc_personal_data_erased_date)

    def test_sync_log_entries_past_their_days_are_removed_by_the_autovacuum(self):
        self.env["ir.config_parameter"].sudo().set_param("ncc_atlas_connector.log_days", 30)
        company = self.approved_applicant()
        Log = self.env["ncc.atlas.sync.log"]
        past, before = Log.create([{"operation": "push", "partner_id": company.id, "request_excerpt": "{}"}] * 2)
        past.message_post(body="Retried by hand.")
        now = fields.Datetime.now()
        self.env.flush_all()
        for entry, age in ((past, timedelta(days=30, hours=1)), (before, timedelta(days=30, hours=-1))):
            self.env.cr.execute("UPDATE ncc_atlas_sync_log SET create_date = %s WHERE id = %s", (now - age, entry.id))
        Log.invalidate_model(["create_date"])
        others = Log.search([("id", "not in", (past | before).ids)])
        self.autovacuum()
        self.assertFalse(past.exists(), "the entry, its excerpts and its chatter are gone")
        self.assertFalse(self.env["mail.message"].search([("model", "=", Log._name), ("res_id", "=", past.id)]))
        self.assertTrue(before.exists())
        self.assertEqual(Log.search([("id", "not in", before.ids)]), others, "nothing else touched")
        self.autovacuum()
        self.assertTrue(before.exists(), "a second run changes nothing")
        self.assertEqual(Log.search([("id", "not in", before.ids)]), others)

    def run_cron_record(self, cron):
        mode = contextlib.nullcontext() if type(self)._registry_patched else self.enter_registry_test_mode()
        with mode:
            result = cron.method_direct_trigger()
        self.env.invalidate_all()
        self.assertIs(result, True)

    def test_sync_log_excerpts_are_masked_when_written(self):
        company = self.approved_applicant()
        self.push()
        log = self.env["ncc.atlas.sync.log"].search([("partner_id", "=", company.id), ("request_excerpt", "!=", False)])
        self.assertTrue(log)
        text = " ".join(log.mapped("request_excerpt") + [r or "" for r in log.mapped("response_excerpt")])
        for personal in ("Ana", "García", "ana.garcia@", "+352 20 12 34 99", "info@kirchberg"):
            self.assertNotIn(personal, text)
        self.assertIn("Kirchberg Secure Systems", text, "what troubleshooting needs stays")
        self.assertIn('"field_e_mail":"***"', text.replace(" ", ""))
