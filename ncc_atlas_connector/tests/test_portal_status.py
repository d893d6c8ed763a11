"""The applicant's status page on the portal, asked over HTTP as the owner, another portal user and the public:
the stage in the applicant's words, the dates and messages, answering a request for information, correcting the
registration, resubmitting and withdrawing."""

from odoo.tests import new_test_user, tagged
from odoo.tools import mute_logger

from .portal_common import URL, PortalCase
from .test_access_rpc import RpcCase

REQUEST = "An extract of the company register, not older than 3 months."


@tagged("post_install", "-at_install")
class TestPortalAccount(PortalCase):
    def test_representative_gets_a_portal_account_with_the_signup_invitation(self):
        applicant = self.new_applicant()
        person = applicant.ncc_representative_id
        user = applicant._ncc_portal_grant_access()
        self.assertEqual(user.partner_id, person)
        self.assertTrue(user._is_portal())
        self.assertFalse(user._is_internal())
        invitation = self.env["mail.mail"].search([("recipient_ids", "in", person.ids)])
        self.assertEqual(len(invitation), 1)
        self.assertIn("/web/signup", str(invitation.body_html) + str(invitation.body))
        # Called again (a second confirmation): the account stays, no second invitation.
        self.assertEqual(applicant._ncc_portal_grant_access(), user)
        self.assertEqual(len(self.env["mail.mail"].search([("recipient_ids", "in", person.ids)])), 1)

    def test_an_address_already_in_use_is_left_to_the_officer(self):
        new_test_user(self.env, "ana.garcia@kirchberg-secure.example.eu", groups="base.group_portal")
        applicant = self.new_applicant()
        self.assertFalse(applicant._ncc_portal_grant_access())
        self.flush_tracking()
        self.assertIn("No portal account", str(applicant.message_ids[0].body))

    def test_every_applicant_email_links_to_the_status_page(self):
        templates = self.env["mail.template"].search([
            ("model", "=", "res.partner"), ("name", "=like", "Community %"),
        ])
        self.assertEqual(len(templates), 7)
        applicant = self.new_applicant()
        for template in templates:
            with self.subTest(template=template.name):
                body = template._render_field("body_html", applicant.ids)[applicant.id]
                self.assertIn(f'{applicant.get_base_url()}{URL}"', str(body))


@tagged("post_install", "-at_install")
class TestPortalStatus(PortalCase):
    def status(self, applicant):
        applicant.invalidate_recordset()
        return applicant.ncc_portal_status

    def test_the_applicants_words_follow_the_stage(self):
        applicant = self.new_applicant()
        self.assertEqual(self.status(applicant), "received")
        applicant.with_user(self.officer).action_ncc_submit()
        self.assertEqual(self.status(applicant), "received")
        applicant.with_user(self.officer).write({"ncc_stage_id": self.stages["eligibility"].id})
        self.assertEqual(self.status(applicant), "assessed")
        self.request_information(applicant)
        self.assertEqual(self.status(applicant), "information")
        applicant._ncc_portal_resubmit(self.officer)
        self.assertEqual(self.status(applicant), "assessed")
        self.pass_all_checks(applicant)
        applicant.with_user(self.manager).action_ncc_approve()
        self.assertEqual(self.status(applicant), "decided")
        applicant.sudo().write({"ncc_stage_id": self.stages["eccc_review"].id})
        self.assertEqual(self.status(applicant), "eccc")
        applicant.sudo().write({"ncc_stage_id": self.stages["member"].id})
        self.assertEqual(self.status(applicant), "member")
        applicant.with_user(self.manager).action_ncc_revoke(reason="No longer established in Luxembourg.")
        self.assertEqual(self.status(applicant), "revoked")

    def test_rejected_and_withdrawn(self):
        rejected = self.new_applicant()
        rejected.with_user(self.officer).action_ncc_submit()
        self.request_information(rejected)
        rejected.with_user(self.manager).action_ncc_reject(reason="Not established in the Member State.")
        self.assertEqual(self.status(rejected), "not_accepted")
        self.assertFalse(rejected.ncc_information_open, "a decision closes the request")
        withdrawn = self.new_applicant(company_registry=self.next_registry())
        withdrawn.with_user(self.manager).action_ncc_withdraw(reason="We merged with another company.")
        self.assertEqual(self.status(withdrawn), "withdrawn")
        withdrawn.with_user(self.officer).action_ncc_new_round()
        self.assertEqual(self.status(withdrawn), "received", "a new round is received again")


@tagged("post_install", "-at_install")
class TestPortalPage(PortalCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.stranger = new_test_user(cls.env, "ncc_stranger", groups="base.group_portal", name="Sam Stranger",
                                     password="stranger-pass-4242")

    def setUp(self):
        super().setUp()
        self.applicant, self.user = self.applicant_with_account()
        self.other, self.other_user = self.applicant_with_account(
            email="eve@other-applicant.example.eu", name="Other Applicant S.A.",
            ncc_name_national="Other Applicant S.A.")

    def test_the_owner_sees_its_application_in_its_words(self):
        self.login(self.user)
        home = self.url_open("/my/home", timeout=30)
        self.assertIn(URL, home.text, "the /my home has the entry")
        counters = self.make_jsonrpc_request("/my/counters", {"counters": ["ncc_application_count"]})
        self.assertEqual(counters["ncc_application_count"], 1)
        page = self.page()
        self.assertEqual(page.status_code, 200)
        self.assertIn(self.applicant.name, page.text)
        self.assertIn('data-status="received"', page.text)
        self.assertIn("Community application</li>", page.text, "the breadcrumb names the page")
        self.assertNotIn(self.other.name, page.text)
        self.assertIn("Submitted on", page.text)
        self.assertIn("Community: received", page.text, "the acknowledgment is among the messages")

    def test_nobody_else_sees_it(self):
        # The public: sent to the login page.
        self.authenticate(None, None)
        page = self.page()
        self.assertIn(page.status_code, (302, 303))
        self.assertIn("/web/login", page.headers["Location"])
        # Another portal user without an application: nothing to see, whatever the parameters.
        self.authenticate("ncc_stranger", "stranger-pass-4242")
        for params in ({}, {"id": self.applicant.id}, {"company_id": self.applicant.id},
                       {"access_token": "x"}, {"search": self.applicant.name}):
            with self.subTest(params=params):
                self.assertEqual(self.page(**params).status_code, 404)
        self.assertEqual(self.page(f"{URL}/{self.applicant.id}").status_code, 404)
        counters = self.make_jsonrpc_request("/my/counters", {"counters": ["ncc_application_count"]})
        self.assertEqual(counters["ncc_application_count"], 0)
        # The other applicant's representative sees its own application only, whatever the id it names.
        self.login(self.other_user)
        for params in ({}, {"id": self.applicant.id}, {"company_id": self.applicant.id}):
            with self.subTest(params=params):
                page = self.page(**params)
                self.assertEqual(page.status_code, 200)
                self.assertIn("Other Applicant S.A.", page.text)
                self.assertNotIn(self.applicant.name, page.text)
        # Its forms act on its own application, never on the one a forged field names.
        self.request_information(self.applicant)
        response = self.post("/withdraw", {"reason": "Forged", "company_id": self.applicant.id,
                                           "id": self.applicant.id})
        self.assertEqual(response.status_code, 303)
        self.assertEqual(self.other.ncc_decision, "withdrawn")
        self.assertNotEqual(self.applicant.ncc_stage_kind, "rejected")
        self.authenticate("ncc_stranger", "stranger-pass-4242")
        for path in ("/answer", "/correct", "/resubmit", "/withdraw"):
            with self.subTest(path=path):
                response = self.post(path, {"body": "x", "reason": "x", "website": "https://evil.example"})
                self.assertEqual(response.status_code, 404)
        self.assertTrue(self.applicant.ncc_information_open)

    def test_a_form_without_its_csrf_token_is_refused(self):
        self.login(self.user)
        with mute_logger("odoo.http"):
            response = self.opener.post(self.base_url() + URL + "/withdraw", data={"reason": "x"}, timeout=30)
        self.assertEqual(response.status_code, 400)
        self.assertNotEqual(self.applicant.ncc_stage_kind, "rejected")

    def test_messages_are_the_ones_exchanged_with_the_applicant(self):
        self.request_information(self.applicant, REQUEST)
        self.applicant.with_user(self.officer).message_post(
            body="Internal: the register extract looks forged", subtype_xmlid="mail.mt_note")
        self.applicant._ncc_generate_checks()
        check = self.applicant.ncc_check_ids[:1]
        check.with_user(self.officer).write({"result": "fail", "note": "Checklist remark"})
        self.applicant.with_user(self.officer).message_post(
            body="Dear Ana, thank you.", subtype_xmlid="mail.mt_comment", partner_ids=self.user.partner_id.ids,
            message_type="comment")
        self.applicant.with_user(self.officer).message_post(
            body="A comment to a colleague only", subtype_xmlid="mail.mt_comment",
            partner_ids=self.manager.partner_id.ids, message_type="comment")
        self.login(self.user)
        page = self.page().text
        self.assertIn("information needed", page, "the request's email")
        self.assertIn(REQUEST, page)
        self.assertIn("Dear Ana, thank you.", page)
        for hidden in ("Internal: the register extract", "Checklist remark", "A comment to a colleague only"):
            self.assertNotIn(hidden, page)

    def test_answer_with_a_file(self):
        self.request_information(self.applicant, REQUEST)
        self.login(self.user)
        self.assertIn('data-status="information"', self.page().text)
        response = self.post("/answer", {"body": "Here is the extract.\n<script>alert(1)</script>"},
                             files={"attachments": ("extract.pdf", b"%PDF-1.4 extract", "application/pdf")})
        self.assertEqual(response.status_code, 303)
        self.assertIn("notice=answered", response.headers["Location"])
        answer = self.applicant.message_ids.filtered(lambda m: m.author_id == self.user.partner_id)[:1]
        self.assertIn("Here is the extract.", str(answer.body))
        self.assertEqual(answer.attachment_ids.mapped("name"), ["extract.pdf"])
        self.assertEqual(answer.subtype_id, self.env.ref("mail.mt_comment"))
        self.assertIn(self.officer.partner_id, answer.partner_ids, "the officer is told")
        page = self.page(notice="answered").text
        self.assertIn("Here is the extract.", page)
        self.assertNotIn("<script>alert(1)", page, "the answer is text, never markup")
        self.assertIn("extract.pdf", page)
        download = self.url_open(
            f"/web/content/{answer.attachment_ids.id}?download=true&access_token={answer.attachment_ids.access_token}",
            timeout=30)
        self.assertEqual(download.content, b"%PDF-1.4 extract")
        # Another portal user gets none of it.
        self.authenticate("ncc_stranger", "stranger-pass-4242")
        with mute_logger("odoo.http"):
            self.assertNotEqual(self.url_open(f"/web/content/{answer.attachment_ids.id}", timeout=30).content,
                                b"%PDF-1.4 extract")

    def test_answers_too_big_are_refused_and_nothing_is_posted(self):
        self.request_information(self.applicant, REQUEST)
        self.login(self.user)
        count = len(self.applicant.message_ids)
        attachments = self.env["ir.attachment"].search_count([])
        too_big = ("big.pdf", b"x" * (10 * 1024 * 1024 + 1), "application/pdf")
        cases = [
            ({"body": "x" * 10001}, None, "at most 10000"),
            ({"body": "files"}, {"attachments": too_big}, "too big"),
            ({"body": "files"}, [("attachments", (f"f{i}.txt", b"x", "text/plain")) for i in range(6)], "at most 5"),
            ({"body": " "}, None, "Write your answer"),
        ]
        for data, files, message in cases:
            with self.subTest(message=message):
                response = self.post("/answer", data, files=files)
                self.assertEqual(response.status_code, 200)
                self.assertIn(message, response.text)
        self.applicant.invalidate_recordset()
        self.assertEqual(len(self.applicant.message_ids), count)
        self.assertEqual(self.env["ir.attachment"].search_count([]), attachments)

    def test_no_answer_without_an_open_request(self):
        self.login(self.user)
        page = self.page().text
        self.assertNotIn("o_ncc_answer_form", page)
        response = self.post("/answer", {"body": "unsolicited"})
        self.assertIn("no open request", response.text)
        response = self.post("/correct", {"website": "https://changed.example.eu"})
        self.assertIn("no open request", response.text)
        self.assertEqual(self.applicant.website, "https://www.kirchberg-secure.example.eu")

    def test_corrections_go_through_the_models_validation(self):
        self.request_information(self.applicant, REQUEST)
        self.login(self.user)
        before = self.applicant.read(["website", "city", "ncc_expertise_description"])[0]
        response = self.post("/correct", {
            "website": "not a web address", "city": "Esch-sur-Alzette",
            "ncc_expertise_description": "y" * 5000,
        })
        self.assertEqual(response.status_code, 200)
        self.assertIn("Nothing was saved", response.text)
        self.assertRegex(response.text, r'data-field="website"[^>]*>[^<]*\S')
        self.assertIn('data-field="ncc_expertise_description"', response.text)
        self.assertNotIn('data-field="city"', response.text)
        self.assertIn('value="Esch-sur-Alzette"', response.text, "what was typed is kept")
        self.env.invalidate_all()
        self.assertEqual(self.applicant.read(["website", "city", "ncc_expertise_description"])[0], before)

        response = self.post("/correct", {"website": "https://www.kirchberg.example.eu", "city": "Esch-sur-Alzette"})
        self.assertEqual(response.status_code, 303)
        self.env.invalidate_all()
        self.assertEqual(self.applicant.website, "https://www.kirchberg.example.eu")
        self.assertEqual(self.applicant.city, "Esch-sur-Alzette")
        self.flush_tracking()
        tracked = self.applicant.message_ids.tracking_value_ids.filtered(
            lambda t: t.field_id.name in ("website", "city"))
        self.assertEqual(set(tracked.field_id.mapped("name")), {"website", "city"})
        self.assertTrue(all(t.mail_message_id.author_id == self.user.partner_id for t in tracked))
        activity = self.applicant.activity_ids.filtered(
            lambda a: a.activity_type_id == self.env.ref("ncc_atlas_connector.mail_activity_type_ncc_applicant_answer"))
        self.assertEqual(activity.user_id, self.officer)

    def test_resubmit_closes_the_request_and_tells_the_officer(self):
        self.request_information(self.applicant, REQUEST)
        info_type = self.env.ref("ncc_atlas_connector.mail_activity_type_ncc_information")
        self.assertTrue(self.applicant.activity_ids.filtered(lambda a: a.activity_type_id == info_type))
        self.login(self.user)
        response = self.post("/resubmit")
        self.assertEqual(response.status_code, 303)
        self.env.invalidate_all()
        self.assertFalse(self.applicant.ncc_information_open)
        self.assertFalse(self.applicant.activity_ids.filtered(lambda a: a.activity_type_id == info_type))
        note = self.applicant.message_ids.filtered(lambda m: "resubmitted" in str(m.body))[:1]
        self.assertIn(self.officer.partner_id, note.partner_ids)
        self.assertTrue(note.subtype_id.internal, "a note for the NCC, not a message to the applicant")
        page = self.page().text
        self.assertIn('data-status="received"', page)
        self.assertNotIn("o_ncc_resubmit_form", page)

    def test_withdrawal_records_the_applicants_decision(self):
        self.login(self.user)
        response = self.post("/withdraw", {"reason": " "})
        self.assertIn("Say why", response.text)
        self.assertNotEqual(self.applicant.ncc_stage_kind, "rejected")
        response = self.post("/withdraw", {"reason": "We merged with another company."})
        self.assertEqual(response.status_code, 303)
        self.env.invalidate_all()
        decision = self.applicant.ncc_decision_id
        self.assertEqual((decision.kind, decision.origin, decision.user_id), ("withdrawn", "applicant", self.user))
        self.assertEqual(decision.reason, "We merged with another company.")
        self.assertEqual(self.applicant.ncc_stage_kind, "rejected")
        self.assertTrue(decision.message_ids, "the confirmation email is kept with the decision")
        self.assertTrue(self.mails_to(self.applicant.ncc_representative_id, "withdrawn"))
        page = self.page().text
        self.assertIn('data-status="withdrawn"', page)
        self.assertIn("We merged with another company.", page)
        self.assertNotIn("o_ncc_withdraw_form", page)
        response = self.post("/withdraw", {"reason": "again"})
        self.assertIn("already closed", response.text)

    def test_not_accepted_shows_the_reasons_and_the_dates(self):
        self.applicant.with_user(self.manager).action_ncc_reject(reason="Not established in Luxembourg.")
        self.login(self.user)
        page = self.page().text
        self.assertIn('data-status="not_accepted"', page)
        self.assertIn("Not established in Luxembourg.", page)
        self.assertIn("Decided on", page)
        self.assertEqual(page.count("Not yet"), 1, "submitted and decided, not published")

    def test_the_page_speaks_the_users_language(self):
        self.env["res.lang"]._activate_lang("fr_FR")
        self.user.partner_id.lang = "fr_FR"
        selection = self.env["ir.model.fields.selection"].search([
            ("field_id.model", "=", "res.partner"), ("field_id.name", "=", "ncc_portal_status"),
            ("value", "=", "received"),
        ])
        selection.with_context(lang="fr_FR").name = "Reçue"
        self.login(self.user)
        page = self.url_open(URL, timeout=30).text  # Odoo sends the user to /fr/...
        self.assertIn('data-status="received">Reçue<', page)


@tagged("post_install", "-at_install")
class TestPortalRpc(RpcCase, PortalCase):
    def test_a_portal_user_reads_nothing_of_the_addon(self):
        applicant, user = self.applicant_with_account()
        self.request_information(applicant)
        user.sudo().password = user.login  # the RPC client logs in with the login as password
        ncc_fields = [name for name in applicant._fields if name.startswith("ncc_")]
        for name in ncc_fields:
            with self.subTest(field=name):
                self.denied(user, "res.partner", "read", [applicant.id], [name])
        self.denied(user, "res.partner", "search_read", [("ncc_stage_id", "!=", False)], ["name"])
        self.denied(user, "res.partner", "web_search_read", [("ncc_is_applicant", "=", True)],
                    {"name": {}, "ncc_portal_status": {}})
        for method in ("_ncc_portal_values", "_ncc_portal_withdraw", "_ncc_portal_grant_access",
                       "action_ncc_withdraw"):
            with self.subTest(method=method):
                self.denied(user, "res.partner", method, [applicant.id])
        self.denied(user, "res.partner", "write", [applicant.id], {"ncc_information_open": False})
        models = self.env["ir.model"].search([("model", "=like", "ncc.%")]).mapped("model")
        self.assertIn("ncc.decision", models)
        for model in models:
            with self.subTest(model=model):
                self.denied(user, model, "search_read", [], ["id"])
        applicant.invalidate_recordset()
        self.assertTrue(applicant.ncc_information_open)
        self.assertNotEqual(applicant.ncc_stage_kind, "rejected")
