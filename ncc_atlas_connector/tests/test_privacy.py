"""Data-subject requests: the privacy lookup finds the representative in the addon's models, a manager exports
everything held on an applicant and erases its contact person on request (the registration withdrawn)."""

import json

from odoo.tests import HttpCase, tagged
from odoo.tools import SQL, mute_logger

from .assessment_common import AssessmentCase
from .atlas_common import AtlasCase
from .test_access_rpc import RpcCase

NAME = "Ana García López"
EMAIL = "ana.garcia@kirchberg-secure.example.eu"
PHONE = "+352 20 12 34 99"
PERSON_TERMS = (NAME, "García López", EMAIL, PHONE)
UUID = "00000000-0000-4000-8000-00000000a7a5"


class PrivacyCase(AssessmentCase):
    def applicant_with_traces(self):
        """An approved applicant, published on the Atlas, whose contact person is named in its sync log, its
        imported Atlas values and its notes."""
        applicant = self.approved_applicant()
        applicant.sudo().with_context(ncc_atlas_write=True).write({
            "ncc_atlas_uuid": UUID, "ncc_atlas_state": "published", "ncc_sync_state": "synced",
            "ncc_synced_values": {"field_first_name": "Ana", "field_family_name": "García López",
                                  "field_e_mail": EMAIL, "title": applicant.name},
        })
        applicant.sudo().ncc_information_request = f"Please ask {NAME} ({PHONE}) for the statutes."
        log = self.env["ncc.atlas.sync.log"].sudo().create({
            "partner_id": applicant.id, "operation": "push", "method": "PATCH", "path": f"/clusters/{UUID}",
            "status": 200, "request_excerpt": json.dumps({"field_e_mail": EMAIL, "field_family_name": "García López"}),
            "response_excerpt": f'{{"field_first_name": "Ana", "field_family_name": "García López", "x": "{PHONE}"}}',
        })
        log.message_post(body=f"Retried for {NAME} <{EMAIL}>")
        batch = self.env["ncc.atlas.import"].sudo().create({})
        self.env["ncc.atlas.import.line"].sudo().create({
            "import_id": batch.id, "atlas_uuid": UUID, "title": applicant.name, "result_partner_id": applicant.id,
            "atlas_values": {"field_e_mail": EMAIL, "field_first_name": "Ana", "field_family_name": "García López"},
        })
        return applicant, log

    def remaining(self, terms):
        """Where the terms still stand in the addon's tables: every ``ncc_`` table (whole rows), the ``ncc_``
        columns of res_partner, and the messages on sync log entries."""
        cr = self.env.cr
        self.env.flush_all()
        patterns = [f"%{term}%" for term in terms]
        found = []
        cr.execute("SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() "
                   "AND table_type = 'BASE TABLE' AND table_name LIKE 'ncc\\_%'")
        for (table,) in cr.fetchall():
            cr.execute(SQL("SELECT count(*) FROM %s t WHERE CAST(t AS text) ILIKE ANY(%s)",
                           SQL.identifier(table), patterns))
            if cr.fetchone()[0]:
                found.append(table)
        cr.execute("SELECT column_name FROM information_schema.columns WHERE table_schema = current_schema() "
                   "AND table_name = 'res_partner' AND column_name LIKE 'ncc\\_%'")
        for (column,) in cr.fetchall():
            cr.execute(SQL("SELECT count(*) FROM res_partner WHERE CAST(%s AS text) ILIKE ANY(%s)",
                           SQL.identifier(column), patterns))
            if cr.fetchone()[0]:
                found.append(f"res_partner.{column}")
        cr.execute(SQL("SELECT count(*) FROM mail_message WHERE model = 'ncc.atlas.sync.log' "
                       "AND CAST(body AS text) ILIKE ANY(%s)", patterns))
        if cr.fetchone()[0]:
            found.append("mail_message (sync log)")
        return found

    def remaining_in_mail(self, terms):
        """Where the terms still stand in the mail tables, whole: the outgoing emails (their HTML and addresses),
        every message (text, sender, recipients), their notifications' addresses and tracked values."""
        cr = self.env.cr
        self.env.flush_all()
        patterns = [f"%{term}%" for term in terms]
        columns = {
            "mail_mail": ("body_html", "email_to", "email_cc"),
            "mail_message": ("body", "subject", "email_from", "reply_to", "incoming_email_to", "incoming_email_cc",
                             "outgoing_email_to"),
            "mail_notification": ("mail_email_address",),
            "mail_tracking_value": ("old_value_char", "new_value_char", "old_value_text", "new_value_text"),
        }
        found = []
        for table, names in columns.items():
            for name in names:
                cr.execute(SQL("SELECT count(*) FROM %s WHERE CAST(%s AS text) ILIKE ANY(%s)",
                               SQL.identifier(table), SQL.identifier(name), patterns))
                if cr.fetchone()[0]:
                    found.append(f"{table}.{name}")
        return found


@tagged("post_install", "-at_install")
class TestPrivacy(PrivacyCase):
    def test_privacy_lookup_finds_the_representative_in_the_addon_models(self):
        applicant, log = self.applicant_with_traces()
        wizard = self.env["privacy.lookup.wizard"].create({"name": NAME, "email": EMAIL})
        wizard.action_lookup()
        found = {(line.res_model, line.res_id) for line in wizard.line_ids}
        person = applicant.ncc_representative_id
        self.assertIn(("res.partner", person.id), found)
        self.assertIn(("ncc.atlas.sync.log", log.id), found)
        for history in applicant.ncc_stage_history_ids:
            self.assertIn(("ncc.stage.history", history.id), found)
        for check in applicant.ncc_check_ids:
            self.assertIn(("ncc.assessment.check", check.id), found)
        line = self.env["ncc.atlas.import.line"].search([("result_partner_id", "=", applicant.id)])
        self.assertIn(("ncc.atlas.import.line", line.id), found)
        self.assertEqual(len(found), len(wizard.line_ids), "each record is found once")

    def test_export_holds_every_registration_field_and_the_contact_person(self):
        applicant, log = self.applicant_with_traces()
        export = applicant.with_user(self.manager)._ncc_privacy_export()
        json.dumps(export)  # a JSON document as it stands
        sections = export["sections"]
        registration = sections["registration"]["records"][0]
        ncc_fields = {name for name in self.env["res.partner"]._fields if name.startswith("ncc_")}
        self.assertFalse(ncc_fields - set(registration), "every ncc_ field of the registration is exported")
        self.assertEqual(registration["ncc_atlas_uuid"], UUID)
        contact = sections["contact_person"]["records"][0]
        self.assertEqual((contact["name"], contact["email"], contact["phone"]), (NAME, EMAIL, PHONE))
        self.assertEqual((contact["ncc_first_name"], contact["ncc_family_name"]), ("Ana", "García López"))
        self.assertEqual(len(sections["checklist"]["records"]), len(applicant.ncc_check_ids))
        self.assertEqual(len(sections["stage_history"]["records"]), len(applicant.ncc_stage_history_ids))
        self.assertEqual([entry["id"] for entry in sections["sync_log"]["records"]], log.ids)
        self.assertEqual(len(sections["atlas_import_lines"]["records"]), 1)
        self.assertEqual([d["kind"] for d in sections["decisions"]["records"]], ["approved"])
        self.assertEqual(len(sections["decision_checklists"]["records"]), len(applicant.ncc_check_ids))

    def test_pdf_export_reads_as_a_document(self):
        applicant, _log = self.applicant_with_traces()
        action = applicant.with_user(self.manager).action_ncc_privacy_export_pdf()
        report = self.env["ir.actions.report"]._get_report(action["report_name"])
        html, _type = report.with_user(self.manager)._render_qweb_html(report, applicant.ids)
        html = html.decode()
        for text in ("Personal data held on", "Contact person", EMAIL, "Application stage history",
                     "Atlas sync log", "Checklist"):
            self.assertIn(text, html)

    def test_erasure_leaves_no_personal_data_and_withdraws_the_registration(self):
        applicant, _log = self.applicant_with_traces()
        applicant.sudo().with_context(ncc_atlas_write=True).ncc_atlas_uuid = False  # never linked
        person = applicant.ncc_representative_id
        # The person answered by email: the message keeps who wrote it, and to whom.
        applicant.sudo().message_post(
            body=f"<p>Dear NCC, {NAME} here: the statutes follow.</p>", message_type="email",
            email_from=f"{NAME} <{EMAIL}>", incoming_email_to="registrations@ncc.example.eu",
            incoming_email_cc=EMAIL, subtype_xmlid="mail.mt_comment")
        self.assertTrue(self.remaining(PERSON_TERMS), "the check sees the data before the erasure")
        sent = self.mails_to(person)
        self.assertEqual(len(sent), 2, "the acknowledgement and the approval were emailed to the person")
        self.assertIn("mail_mail.body_html", self.remaining_in_mail(PERSON_TERMS))
        self.assertIn("mail_message.email_from", self.remaining_in_mail(PERSON_TERMS))
        mails = self.env["mail.mail"].search([])
        applicant.with_user(self.manager).action_ncc_privacy_erase()
        self.assertEqual(self.remaining(PERSON_TERMS), [])
        self.assertEqual(self.remaining_in_mail(PERSON_TERMS), [],
                         "nor in the emails the addon sent the person, nor in the messages on the application")
        self.assertEqual(self.env["mail.mail"].search([("id", "in", sent.ids)]), sent,
                         "the emails stay on record (what was sent, when), without the person")
        person = person.with_context(active_test=False)
        self.assertFalse(person.email or person.phone or person.active)
        self.assertNotIn("García", person.name)
        # Withdrawn: the rejected stage, which the sync sends as to_be_rejected; no rejection email.
        self.assertEqual(applicant.ncc_stage_kind, "rejected")
        self.assertEqual(applicant.ncc_decision, "withdrawn")
        self.assertEqual(applicant._ncc_wanted_state("published"), "to_be_rejected")
        self.assertEqual(self.env["mail.mail"].search([]), mails, "no email: a withdrawal on request, not a refusal")
        self.env.cr.flush()  # the tracking of the transaction is written
        applicant.invalidate_recordset(["message_ids"])
        for message in applicant.message_ids:
            tracked = message.tracking_value_ids.mapped(lambda t: f"{t.old_value_char} {t.new_value_char}")
            for term in PERSON_TERMS:
                self.assertNotIn(term, str(message.body), "the emails kept in the company's chatter are cleaned too")
                self.assertNotIn(term, " ".join(tracked), "and the changes it tracked")
        note = applicant.message_ids[0]
        self.assertIn("erased on request", str(note.body))
        self.assertIn(self.manager.name, str(note.body))
        for term in PERSON_TERMS:
            self.assertNotIn(term, str(note.body))


@tagged("post_install", "-at_install")
class TestPrivacyAccessRpc(RpcCase, PrivacyCase):
    def test_export_and_erasure_are_for_managers_only(self):
        applicant, _log = self.applicant_with_traces()
        for method in ("action_ncc_privacy_export_json", "action_ncc_privacy_export_pdf", "action_ncc_privacy_erase"):
            with self.subTest(method=method):
                self.denied(self.officer, "res.partner", method, [applicant.id])
        self.denied(self.officer, "res.partner", "_ncc_privacy_export", [applicant.id])
        url = self.base_url() + f"/ncc_atlas_connector/privacy_export/{applicant.id}"
        self.authenticate(self.officer.login, self.officer.login)
        self._rpc_login = self.officer.login
        answer = self.url_open(url)
        self.assertEqual(answer.status_code, 403)
        self.assertNotIn(EMAIL, answer.text)
        with mute_logger("odoo.http"):
            report = self.url_open(f"/report/html/ncc_atlas_connector.report_ncc_privacy_export/{applicant.id}")
        self.assertNotIn(EMAIL, report.text)

        action = self.call(self.manager, "res.partner", "action_ncc_privacy_export_json", [applicant.id])
        answer = self.url_open(action["url"])
        self.assertEqual(answer.status_code, 200)
        self.assertIn("attachment", answer.headers["Content-Disposition"])
        export = answer.json()
        self.assertEqual(export["sections"]["contact_person"]["records"][0]["email"], EMAIL)
        answer = self.call(self.manager, "res.partner", "action_ncc_privacy_erase", [applicant.id])
        self.assertEqual(answer["tag"], "reload")
        self.assertEqual(applicant.ncc_stage_kind, "rejected")


@tagged("post_install", "-at_install")
class TestPrivacyErasureOnTheAtlas(PrivacyCase, AtlasCase):
    def test_erasure_withdraws_and_blanks_the_person_on_the_atlas(self):
        applicant = self.approved_applicant()
        self.push()
        self.assertEqual(applicant.ncc_sync_state, "synced", applicant.ncc_sync_error)
        remote = self.remote(applicant)
        self.assertEqual(remote["field_e_mail"], EMAIL)
        requests = self.sandbox.count()
        applicant.with_user(self.manager).action_ncc_privacy_erase()
        self.assertEqual(applicant.ncc_sync_state, "pending")
        # Until the withdrawal is pushed, the values last synced stay the base of its merge.
        self.assertEqual(self.remaining(PERSON_TERMS), ["res_partner.ncc_synced_values"])
        self.assertEqual(self.sandbox.count(), requests, "the erasure itself sends nothing: the push does")
        self.push()
        self.assertEqual(applicant.ncc_sync_state, "synced", applicant.ncc_sync_error)
        remote = self.remote(applicant)
        self.assertEqual(remote["moderation_state"], "to_be_rejected")
        self.assertFalse(remote.get("field_e_mail") or remote.get("field_first_name"))
        # What is left is the withdrawal push's own read of the Atlas, logged before its PATCH blanked the person
        # there: the sync log's excerpt masking is what keeps the person's values out of such reads.
        self.assertLessEqual(set(self.remaining(PERSON_TERMS)), {"ncc_atlas_sync_log"})
        holding = self.env["ncc.atlas.sync.log"].search([]).filtered(
            lambda entry: any(term in f"{entry.request_excerpt}{entry.response_excerpt}" for term in PERSON_TERMS))
        self.assertLessEqual(set(holding.mapped("method")), {"GET"})


@tagged("post_install", "-at_install")
class TestPrivacyTour(HttpCase, PrivacyCase):
    browser_size = "1440x900"

    def test_manager_erases_from_the_application(self):
        applicant = self.approved_applicant()
        person = applicant.ncc_representative_id
        self.start_tour(f"/odoo/contacts/{applicant.id}", "ncc_privacy_erasure_tour", login=self.manager.login)
        self.assertFalse(person.with_context(active_test=False).email)
        self.assertEqual(applicant.ncc_stage_kind, "rejected")
