"""Security-ground referrals (Art. 8(4) Regulation 2021/887): each outcome gates the decision, the checklist's
security line follows the referral, and only managers and the officer who referred see it and its documents."""

import base64
from datetime import timedelta

from odoo import fields
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import Form, new_test_user, tagged
from odoo.tools import mute_logger

from .assessment_common import REF, AssessmentCase
from .test_access_rpc import RpcCase

ANSWER = base64.b64encode(b"%PDF-1.4 answer of the competent authority").decode()
LETTER = base64.b64encode(b"%PDF-1.4 referral letter").decode()
PROPORTIONATE = (
    "The authority found that the applicant is controlled by an entity subject to Union restrictive measures; "
    "membership would give it access to the Community's working groups, and no lesser measure prevents that."
)


class ReferralMixin:
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.authority = cls.env["res.partner"].create({"name": "National Cybersecurity Authority", "is_company": True})
        cls.env["ir.config_parameter"].sudo().set_param(REF + "security_authority_id", cls.authority.id)
        cls.security_template = cls.env.ref(REF + "check_security_assessment")

    def security_line(self, applicant):
        return applicant.ncc_check_ids.filtered(lambda line: line.template_id == self.security_template)

    def refer(self, applicant, user=None, **vals):
        """Refer as the web client does: the action of the application's button, its form, saved."""
        user = user or self.officer
        action = applicant.with_user(user).action_ncc_refer_security()
        form = Form(self.env[action["res_model"]].with_user(user).with_context(**action["context"]))
        form.reference = vals.pop("reference", "SEC-2026-014")
        for name, value in vals.items():
            setattr(form, name, value)
        return form.save()

    def record(self, referral, outcome, user=None, **vals):
        user = user or self.officer
        values = {"outcome": outcome, "outcome_date": fields.Date.context_today(referral), **vals}
        if outcome in ("no_objection", "objection") and "outcome_document" not in vals:
            values["outcome_document"] = ANSWER
        referral.with_user(user).write(values)


@tagged("post_install", "-at_install")
class TestSecurityReferral(ReferralMixin, AssessmentCase):
    def test_referral_takes_the_authority_from_the_settings_and_stamps_the_officer(self):
        applicant = self.ready_for_decision()
        referral = self.refer(applicant, request_document=LETTER)
        self.assertEqual(referral.partner_id, applicant)
        self.assertEqual(referral.authority_id, self.authority)
        self.assertEqual(referral.referred_by_id, self.officer)
        self.assertEqual(referral.date_sent, fields.Date.context_today(referral))
        self.assertTrue(referral.is_open)
        self.assertEqual(self.security_line(applicant).result, "pending", "referring reopens the security check")
        with self.assertRaisesRegex(UserError, "already referred"):
            applicant.with_user(self.other_officer).action_ncc_refer_security()
        with self.assertRaises(AccessError):
            referral.with_user(self.officer).write({"referred_by_id": self.other_officer.id})
        with self.assertRaises(AccessError):
            referral.with_user(self.officer).write({"outcome_recorded_by_id": self.other_officer.id})
        with self.assertRaises(AccessError):
            applicant.with_user(self.plain_user).action_ncc_refer_security()

    def test_only_a_submitted_application_is_referred(self):
        applicant = self.new_applicant()
        with self.assertRaisesRegex(UserError, "Only a submitted application"):
            applicant.with_user(self.officer).action_ncc_refer_security()

    def test_open_referral_means_no_decision(self):
        applicant = self.ready_for_decision()
        self.refer(applicant)
        with self.assertRaisesRegex(UserError, "waits for its outcome"):
            applicant.with_user(self.manager).action_ncc_approve()
        with self.assertRaisesRegex(UserError, "waits for its outcome"):
            applicant.with_user(self.manager).action_ncc_reject(reason="Not established in the Member State")
        with self.assertRaisesRegex(UserError, "record the referral's outcome first"):
            self.security_line(applicant).with_user(self.officer).write({"result": "pass"})
        with self.assertRaisesRegex(UserError, "assessed on the referral's outcome"):
            self.security_line(applicant).with_user(self.officer).write({"result": "na"})
        self.assertFalse(applicant.ncc_decision)
        self.assertEqual(applicant.ncc_stage_id, self.stages["expertise"])

    def test_no_objection_makes_the_application_approvable(self):
        applicant = self.ready_for_decision()
        referral = self.refer(applicant)
        self.record(referral, "no_objection")
        self.assertEqual((referral.outcome_recorded_by_id, referral.is_open), (self.officer, False))
        self.assertTrue(referral.outcome_recorded_date)
        with self.assertRaisesRegex(ValidationError, "cannot be approved yet"):
            applicant.with_user(self.manager).action_ncc_approve()  # the officer has yet to pass the line
        self.security_line(applicant).with_user(self.officer).write({"result": "pass"})
        applicant.with_user(self.manager).action_ncc_approve()
        self.assertEqual((applicant.ncc_decision, applicant.ncc_stage_id), ("approved", self.stages["approved"]))

    def test_objection_allows_only_a_reasoned_proportionate_refusal(self):
        applicant = self.ready_for_decision()
        referral = self.refer(applicant)
        self.record(referral, "objection", outcome_note="Control by a sanctioned entity.")
        with self.assertRaisesRegex(UserError, "objected"):
            self.security_line(applicant).with_user(self.officer).write({"result": "pass"})
        self.security_line(applicant).with_user(self.officer).write({"result": "fail"})
        with self.assertRaisesRegex(ValidationError, "cannot be approved: the competent authority objected"):
            applicant.with_user(self.manager).action_ncc_approve()
        with self.assertRaises(AccessError):
            referral.with_user(self.officer).write({"outcome": "no_objection"})
        referral.with_user(self.manager).write({"outcome_note": "Control by a sanctioned entity, confirmed."})
        manager = applicant.with_user(self.manager)
        with self.assertRaisesRegex(UserError, "100 characters at least"):
            manager.action_ncc_reject(reason="Security grounds.")
        with self.assertRaisesRegex(UserError, "why refusing is proportionate"):
            manager.action_ncc_reject(reason="Security grounds.", security_reasoning="Objection of the authority.")
        self.assertFalse(applicant.ncc_decision)

        # The manager's refusal as the web client makes it: the Reject button's wizard.
        action = manager.action_ncc_reject()
        wizard = Form(self.env[action["res_model"]].with_user(self.manager).with_context(**action["context"]))
        self.assertTrue(wizard.security_objection)
        self.assertTrue(wizard.security_grounds, "an objection makes it a decision on security grounds")
        wizard.text = "The application does not meet Art. 8(4) on security grounds."
        with self.assertRaises(AssertionError):  # the reasoned text is required in the form
            wizard.save()
        wizard.security_reasoning = "Too short."
        with self.assertRaisesRegex(UserError, "100 characters at least"):
            wizard.save().action_confirm()
        wizard.security_reasoning = PROPORTIONATE
        wizard.save().action_confirm()
        self.assertEqual((applicant.ncc_decision, applicant.ncc_stage_id), ("rejected", self.stages["rejected"]))
        self.assertIn("Decision on security grounds.", applicant.ncc_decision_reason)
        self.assertIn("Security grounds and proportionality:\n" + PROPORTIONATE, applicant.ncc_decision_reason)
        mail = self.mails_to(applicant.ncc_representative_id).filtered(lambda m: PROPORTIONATE[:40] in m.body_html)
        self.assertTrue(mail, "the applicant receives the reasoned refusal")

    def test_no_answer_in_time_lets_the_ncc_decide_on_its_own_assessment(self):
        applicant = self.ready_for_decision()
        today = fields.Date.context_today(applicant)
        referral = self.refer(applicant, date_sent=today - timedelta(days=10), answer_deadline=today - timedelta(1))
        self.record(referral, "no_answer")
        self.assertFalse(referral.is_open)
        self.security_line(applicant).with_user(self.officer).write({"result": "pass", "note": "No answer in time."})
        applicant.with_user(self.manager).action_ncc_approve()
        self.assertEqual(applicant.ncc_decision, "approved")

    def test_an_outcome_needs_its_date_and_the_answer(self):
        today = fields.Date.context_today(self.env.user)
        cases = [
            ({"outcome": "no_objection", "outcome_date": today}, "Attach the authority's answer"),
            ({"outcome": "objection", "outcome_date": today}, "Attach the authority's answer"),
            ({"outcome": "no_objection", "outcome_document": ANSWER}, "Record the date of the outcome"),
            ({"outcome": "no_answer", "outcome_date": today}, "may still answer until"),
            ({"outcome": "no_objection", "outcome_date": today - timedelta(30), "outcome_document": ANSWER},
             "cannot precede the referral"),
        ]
        for vals, message in cases:
            with self.subTest(vals=vals):
                referral = self.refer(self.ready_for_decision(), answer_deadline=today)
                with self.assertRaisesRegex(ValidationError, message):
                    referral.with_user(self.officer).write(vals)
                    referral.flush_recordset()

    def test_a_manager_corrects_a_recorded_answer(self):
        applicant = self.ready_for_decision()
        referral = self.refer(applicant)
        self.record(referral, "objection")
        self.record(referral, "no_objection", user=self.manager)
        self.assertEqual((referral.outcome, referral.outcome_recorded_by_id), ("no_objection", self.manager))
        self.assertEqual(self.security_line(applicant).result, "pending", "the line is assessed again")
        with self.assertRaisesRegex(AccessError, "Only NCC officers refer"):
            self.refer(self.ready_for_decision(), user=self.plain_user)

    def test_a_withdrawal_does_not_wait_and_a_new_round_needs_its_own_referral(self):
        applicant = self.ready_for_decision()
        referral = self.refer(applicant)
        applicant.with_user(self.manager).action_ncc_withdraw(reason="The applicant withdrew in writing.")
        self.assertEqual(applicant.ncc_decision, "withdrawn")
        self.record(referral, "objection")
        applicant.with_user(self.officer).action_ncc_new_round()
        applicant.with_user(self.officer).action_ncc_submit()
        self.assertFalse(applicant._ncc_security_referral_latest(), "the earlier round's referral gates nothing")
        self.assertIn(referral, applicant.with_user(self.officer).ncc_security_referral_ids, "and stays readable")
        line = self.security_line(applicant).with_user(self.officer)
        with self.assertRaisesRegex(UserError, "recorded outcome of a referral"):
            line.write({"result": "pass"})
        self.assertNotEqual(self.refer(applicant).round_id, referral.round_id)

    def test_a_late_answer_replaces_no_answer_and_reopens_the_check(self):
        applicant = self.ready_for_decision()
        today = fields.Date.context_today(applicant)
        referral = self.refer(applicant, date_sent=today - timedelta(days=40), answer_deadline=today - timedelta(5))
        self.record(referral, "no_answer")
        self.security_line(applicant).with_user(self.officer).write({"result": "pass"})
        self.record(referral, "objection")
        self.assertEqual(self.security_line(applicant).result, "pending")
        with self.assertRaisesRegex(ValidationError, "objected"):
            applicant.with_user(self.manager).action_ncc_approve()

    def test_security_line_needs_a_referral_to_pass(self):
        applicant = self.new_applicant()
        applicant.with_user(self.officer).action_ncc_submit()
        line = self.security_line(applicant).with_user(self.officer)
        with self.assertRaisesRegex(UserError, "recorded outcome of a referral"):
            line.write({"result": "pass"})
        line.write({"result": "na", "note": "No security relevance."})
        self.assertTrue(line.is_passed)

    def test_a_registration_can_be_referred_and_its_revocation_waits(self):
        applicant = self.approved_applicant()
        referral = self.refer(applicant)
        with self.assertRaisesRegex(UserError, "waits for its outcome"):
            applicant.with_user(self.manager).action_ncc_revoke(reason="Justified security reasons")
        self.record(referral, "objection")
        with self.assertRaisesRegex(UserError, "100 characters at least"):
            applicant.with_user(self.manager).action_ncc_revoke(reason="Justified security reasons")
        applicant.with_user(self.manager).action_ncc_revoke(
            reason="Justified security reasons", security_reasoning=PROPORTIONATE)
        self.assertEqual(applicant.ncc_decision, "revoked")


@tagged("post_install", "-at_install")
class TestSecurityReferralAccessRpc(ReferralMixin, RpcCase, AssessmentCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.portal = new_test_user(cls.env, "ncc_portal", groups="base.group_portal", name="Pia Portal")

    def setUp(self):
        super().setUp()
        self.applicant = self.ready_for_decision()
        self.referral = self.refer(self.applicant, request_document=LETTER)
        self.record(self.referral, "no_objection")
        self.documents = self.env["ir.attachment"].search([
            ("res_model", "=", "ncc.security.referral"), ("res_id", "=", self.referral.id),
            ("res_field", "in", ["request_document", "outcome_document"]),
        ])

    def test_who_sees_the_referral_and_its_documents(self):
        self.assertEqual(len(self.documents), 2)
        referral_domain = [("id", "=", self.referral.id)]
        document_domain = [("res_model", "=", "ncc.security.referral"), ("res_id", "=", self.referral.id),
                           ("res_field", "!=", False)]
        for user in (self.officer, self.manager):
            with self.subTest(user=user.login):
                rows = self.call(user, "ncc.security.referral", "search_read", referral_domain,
                                 ["reference", "outcome"])
                self.assertEqual(rows, [{"id": self.referral.id, "reference": "SEC-2026-014",
                                         "outcome": "no_objection"}])
                read = self.call(user, "ncc.security.referral", "read", self.referral.ids, ["outcome_document"])
                self.assertEqual(read[0]["outcome_document"], ANSWER)
                found = self.call(user, "ir.attachment", "search_read", document_domain, ["name"])
                self.assertEqual({row["id"] for row in found}, set(self.documents.ids))
                partner = self.call(user, "res.partner", "read", self.applicant.ids, ["ncc_security_referral_ids"])
                self.assertEqual(partner[0]["ncc_security_referral_ids"], self.referral.ids)
        # Another officer works the same application but does not see its referral, nor its documents.
        self.assertEqual(self.call(self.other_officer, "ncc.security.referral", "search_read", referral_domain,
                                   ["reference"]), [])
        self.denied(self.other_officer, "ncc.security.referral", "read", self.referral.ids, ["reference"])
        self.denied(self.other_officer, "ncc.security.referral", "write", self.referral.ids, {"reference": "X"})
        self.assertEqual(self.call(self.other_officer, "ir.attachment", "search_read", document_domain, ["name"]),
                         [])
        self.denied(self.other_officer, "ir.attachment", "read", self.documents.ids, ["datas"])
        partner = self.call(self.other_officer, "res.partner", "read", self.applicant.ids,
                            ["ncc_security_referral_ids", "ncc_check_ids"])
        self.assertEqual(partner[0]["ncc_security_referral_ids"], [])
        self.assertTrue(partner[0]["ncc_check_ids"], "the application itself stays the officers' work")
        for user in (self.plain_user, self.portal):
            with self.subTest(user=user.login):
                self.denied(user, "ncc.security.referral", "search_read", referral_domain, ["reference"])
                self.denied(user, "ncc.security.referral", "read", self.referral.ids, ["reference"])
                self.denied(user, "ir.attachment", "read", self.documents.ids, ["datas"])
                with self.subTest("search"), mute_logger("odoo.http"):
                    answer = self._rpc(user, "ir.attachment", "search", [document_domain], {})
                    self.assertTrue("error" in answer or answer["result"] == [], answer)
                self.assertEqual(self.reference_over_http(user), 404)
        self.assertEqual(self.reference_over_http(self.other_officer), 404)
        self.assertEqual(self.reference_over_http(self.officer), 200)

    def reference_over_http(self, user):
        """The document as the web client downloads it."""
        self.authenticate(user.login, user.login)
        self._rpc_login = user.login
        url = f"/web/content/ncc.security.referral/{self.referral.id}/outcome_document"
        with mute_logger("odoo.http"):  # the server logs every refused download as a warning
            return self.url_open(url).status_code

    def test_referral_cannot_be_forged_or_moved(self):
        other = self.ready_for_decision()
        self.denied(self.officer, "ncc.security.referral", "write", self.referral.ids, {"partner_id": other.id})
        self.denied(self.manager, "ncc.security.referral", "write", self.referral.ids,
                    {"referred_by_id": self.manager.id})
        self.denied(self.officer, "ncc.security.referral", "create", {
            "partner_id": other.id, "authority_id": self.authority.id, "referred_by_id": self.other_officer.id,
        })
        self.denied(self.officer, "ncc.security.referral", "unlink", self.referral.ids)
        for user in (self.plain_user, self.portal):
            with self.subTest(user=user.login):
                self.denied(user, "ncc.security.referral", "create",
                            {"partner_id": other.id, "authority_id": self.authority.id})
                self.denied(user, "res.partner", "action_ncc_refer_security", other.ids)
        created = self.call(self.other_officer, "ncc.security.referral", "create",
                            {"partner_id": other.id, "authority_id": self.authority.id, "reference": "SEC-2"})
        self.assertEqual(self.env["ncc.security.referral"].browse(created).referred_by_id, self.other_officer)
        self.assertEqual(self.call(self.officer, "ncc.security.referral", "search", [("id", "=", created)]), [])
