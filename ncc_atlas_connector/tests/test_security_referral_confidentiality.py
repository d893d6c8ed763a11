"""A refusal after the competent authority's objection discloses nothing of the referral to the officers who do not
see it: neither the decision record (its reasons, its copy of the checklist, the emails it keeps) nor the chatter
nor the email to the applicant names the authority, the reference or the documents. Read over JSON-RPC."""

import base64
import json

from odoo.exceptions import UserError
from odoo.tests import Form, tagged

from .assessment_common import AssessmentCase
from .test_access_rpc import RpcCase
from .test_security_referral import ANSWER, LETTER, PROPORTIONATE, ReferralMixin

REFERENCE = "SEC-2026-014"
LETTER_NAME = "referral-kirchberg-secure.pdf"
ANSWER_NAME = "objection-of-the-authority-2026-014.pdf"
FINDING = "Controlled through Ostrava Holdings by a listed person."


@tagged("post_install", "-at_install")
class TestReferralConfidentiality(ReferralMixin, RpcCase, AssessmentCase):
    def setUp(self):
        super().setUp()
        self.applicant = self.ready_for_decision()
        self.referral = self.refer(self.applicant, reference=REFERENCE, request_document=LETTER)
        # the name the web client's upload gives the letter
        self.referral.with_user(self.officer).write({"request_document_filename": LETTER_NAME})
        self.record(self.referral, "objection", outcome_document_filename=ANSWER_NAME, outcome_note=FINDING)
        self.secrets = (REFERENCE, self.authority.name, LETTER_NAME, ANSWER_NAME, FINDING)

    def assertDiscloses(self, payload, what):
        text = json.dumps(payload, default=str, ensure_ascii=False)
        for secret in self.secrets:
            self.assertNotIn(secret.lower(), text.lower(), f"{what} names the referral")
        for document in (ANSWER, LETTER):
            self.assertNotIn(document, text, f"{what} holds a document of the referral")

    def test_texts_every_officer_reads_keep_the_referral_apart(self):
        line = self.security_line(self.applicant).with_user(self.officer)
        with self.assertRaisesRegex(UserError, "Leave its reference, the authority's name and its documents out"):
            line.write({"result": "fail", "note": f"Objection in {REFERENCE}."})
        with self.assertRaisesRegex(UserError, "keep it on the referral"):
            line.write({"result": "fail", "evidence": ANSWER, "evidence_filename": "answer.pdf"})
        line.write({"result": "fail", "note": "The competent authority objected; see the referral."})
        manager = self.applicant.with_user(self.manager)
        with self.assertRaisesRegex(UserError, "read by every NCC officer"):
            manager.action_ncc_reject(reason="Security grounds.",
                                      security_reasoning=f"The {self.authority.name} objected. " + PROPORTIONATE)
        with self.assertRaisesRegex(UserError, "read by every NCC officer"):
            manager.action_ncc_reject(reason=f"Refused after referral {REFERENCE}.", security_reasoning=PROPORTIONATE)
        with self.assertRaisesRegex(UserError, "read by every NCC officer"):
            self.applicant.with_user(self.officer).action_ncc_request_information(
                message=f"About {ANSWER_NAME}: your comments?")
        self.assertFalse(self.applicant.ncc_decision, "nothing decided by the refused texts")
        self.assertEqual(self.security_line(self.applicant).note, "The competent authority objected; see the referral.")

    def test_a_refusal_on_the_objection_discloses_nothing_to_another_officer(self):
        self.security_line(self.applicant).with_user(self.officer).write(
            {"result": "fail", "note": "The competent authority objected; see the referral."})
        # The manager refuses as the web client does: the Reject button's wizard.
        action = self.applicant.with_user(self.manager).action_ncc_reject()
        wizard = Form(self.env[action["res_model"]].with_user(self.manager).with_context(**action["context"]))
        wizard.text = "The application does not meet Art. 8(4) Regulation 2021/887 on security grounds."
        wizard.security_reasoning = PROPORTIONATE
        wizard.save().action_confirm()
        decision = self.applicant.ncc_decision_id
        self.assertEqual(decision.kind, "rejected")
        mail = decision.message_ids
        self.assertEqual(len(mail), 1)
        self.assertIn(PROPORTIONATE[:60], mail.body, "the chatter keeps the email, with its reasons")
        sent = self.mails_to(self.applicant.ncc_representative_id, "decision")
        self.assertIn(PROPORTIONATE[:60], sent.body_html, "the applicant receives the reasoned refusal")
        self.assertDiscloses(sent.read(["subject", "body_html", "email_to", "attachment_ids"]), "the email")
        self.assertFalse(sent.attachment_ids)

        other = self.other_officer
        decisions = self.call(other, "ncc.decision", "search_read", [("partner_id", "=", self.applicant.id)], [])
        self.assertEqual({row["kind"] for row in decisions}, {"rejected"})
        self.assertIn("Security grounds and proportionality", decisions[0]["reason"])
        self.assertDiscloses(decisions, "the decision record")
        checks = self.call(other, "ncc.decision.check", "search_read", [("decision_id", "=", decision.id)], [])
        self.assertEqual(len(checks), len(decision.check_ids), "the officer reads the checklist as it stood")
        self.assertDiscloses(checks, "the decision's checklist")
        messages = self.call(other, "mail.message", "search_read",
                             [("model", "=", "res.partner"), ("res_id", "=", self.applicant.id)],
                             ["body", "subject", "attachment_ids"])
        self.assertIn(mail.id, [row["id"] for row in messages], "the officer reads the decision's email")
        self.assertDiscloses(messages, "the chatter")
        # The chatter as the web client reads it, tracked changes included.
        chatter = self.make_jsonrpc_request("/mail/thread/messages", {
            "thread_model": "res.partner", "thread_id": self.applicant.id, "fetch_params": {"limit": 200}})
        self.assertTrue(chatter["data"]["mail.message"])
        self.assertDiscloses(chatter, "the chatter")
        application = self.call(other, "res.partner", "read", self.applicant.ids,
                                ["ncc_decision_reason", "ncc_security_referral_ids", "ncc_check_ids"])
        self.assertEqual(application[0]["ncc_security_referral_ids"], [])
        self.assertDiscloses(application, "the application")
        lines = self.call(other, "ncc.assessment.check", "search_read",
                          [("partner_id", "=", self.applicant.id)], ["name", "note", "evidence"])
        self.assertDiscloses(lines, "the checklist")
        attachments = self.call(other, "ir.attachment", "search_read", [], ["name", "res_model", "res_id"])
        self.assertDiscloses(attachments, "the attachments an officer finds")
        # The officer who referred and the managers still read it all on the referral.
        referral = self.call(self.officer, "ncc.security.referral", "read", self.referral.ids,
                             ["reference", "outcome_note", "outcome_document"])
        self.assertEqual((referral[0]["reference"], referral[0]["outcome_note"]), (REFERENCE, FINDING))
        self.assertEqual(base64.b64decode(referral[0]["outcome_document"]), base64.b64decode(ANSWER))
