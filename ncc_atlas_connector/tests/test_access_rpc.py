"""Who may do what, asked the way a browser or a script asks: JSON-RPC to /web/dataset/call_kw, logged in as a
portal user, a plain internal user (with contact rights), an officer, a manager and an administrator."""

import json

from odoo import Command
from odoo.exceptions import ValidationError
from odoo.tests import HttpCase, new_test_user, tagged
from odoo.tools import mute_logger

from .assessment_common import REF, AssessmentCase
from .atlas_common import NCC_KEY, AtlasCase

PARAM = "ncc_atlas_connector."
SECRETS = ("ncc_atlas_api_key", "ncc_atlas_basic_user", "ncc_atlas_basic_password")
SYNC_VALUES = {
    "ncc_sync_state": "synced",
    "ncc_sync_error": "nothing",
    "ncc_atlas_uuid": "00000000-0000-4000-8000-00000000beef",
    "ncc_atlas_state": "published",
    "ncc_atlas_changed": "2026-01-01 00:00:00",
    "ncc_atlas_message": "Welcome",
    "ncc_synced_values": {"title": "Forged"},
    "ncc_synced_at": "2026-01-01 00:00:00",
    "ncc_sync_attempts": 7,
    "ncc_next_attempt": "2030-01-01 00:00:00",
    "ncc_force_create": True,
}
DECISION_VALUES = {
    "ncc_decision": "approved",
    "ncc_decision_reason": "Decided over RPC",
    "ncc_decision_date": "2026-01-01 00:00:00",
}
GUARDED_VALUES = {**SYNC_VALUES, **DECISION_VALUES, "ncc_submitted_date": "2026-01-01 00:00:00",
                  "ncc_stage_entered_date": "2026-01-01 00:00:00"}


class RpcCase(HttpCase):
    """A JSON-RPC client logged in as one user at a time: ``call`` returns the result or fails the test,
    ``denied`` returns the error the server answered with (and fails the test when there is none)."""

    _rpc_login = None

    def _rpc(self, user, model, method, args, kwargs):
        if self._rpc_login != user.login:
            self.authenticate(user.login, user.login)  # new_test_user's password is the login
            self._rpc_login = user.login
        response = self.opener.post(self.base_url() + "/web/dataset/call_kw", json={
            "id": 0, "jsonrpc": "2.0", "method": "call",
            "params": {"model": model, "method": method, "args": args, "kwargs": kwargs},
        }, timeout=30)
        response.raise_for_status()
        return response.json()

    def call(self, user, model, method, *args, **kwargs):
        answer = self._rpc(user, model, method, list(args), kwargs)
        if "error" in answer:
            data = answer["error"]["data"]
            self.fail(f"{user.login}: {model}.{method} failed: {data['name']}: {data['message']}\n{data.get('debug')}")
        return answer.get("result")

    def denied(self, user, model, method, *args, error="odoo.exceptions.AccessError", **kwargs):
        with mute_logger("odoo.http"):  # the server logs every refused call as a warning
            answer = self._rpc(user, model, method, list(args), kwargs)
        self.assertIn("error", answer, f"{user.login} may {model}.{method}: {answer.get('result')!r}")
        data = answer["error"]["data"]
        self.assertEqual(data["name"], error, f"{user.login}: {model}.{method}: {data['message']}")
        return data["message"]


@tagged("post_install", "-at_install")
class TestAccessRpc(RpcCase, AssessmentCase, AtlasCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.portal = new_test_user(cls.env, "ncc_portal", groups="base.group_portal", name="Pia Portal")
        cls.colleague = new_test_user(cls.env, "ncc_colleague", groups="base.group_user,base.group_partner_manager",
                                      name="Carl Colleague")
        cls.admin = new_test_user(cls.env, "ncc_admin", groups=f"base.group_system,{REF}group_ncc_manager",
                                  name="Ada Admin")
        cls.params = cls.env["ir.config_parameter"].sudo()
        cls.params.set_param(PARAM + "basic_user", "atlas-basic-login")
        cls.params.set_param(PARAM + "basic_password", "atlas-basic-secret")
        cls.non_admins = (cls.portal, cls.colleague, cls.officer, cls.manager)

    def submitted(self):
        applicant = self.new_applicant()
        applicant.with_user(self.officer).action_ncc_submit()
        return applicant

    # --- settings ----------------------------------------------------------------------------------------------

    def test_settings_secrets_never_reach_a_non_administrator(self):
        names = [*SECRETS, "ncc_atlas_url", "ncc_atlas_timeout"]
        for user in self.non_admins:
            with self.subTest(user=user.login):
                values = self.call(user, "res.config.settings", "default_get", names)
                text = json.dumps(values)
                for secret in (NCC_KEY, "atlas-basic-login", "atlas-basic-secret"):
                    self.assertNotIn(secret, text)
                self.assertFalse(set(SECRETS) & set(values))
                self.denied(user, "res.config.settings", "onchange", [], {}, [], {name: {} for name in names})
                self.denied(user, "res.config.settings", "create", {"ncc_atlas_url": "https://evil.example"})
        admin_settings = self.env["res.config.settings"].with_user(self.admin).create({})
        for user in self.non_admins:
            with self.subTest(user=user.login):
                self.denied(user, "res.config.settings", "web_read", [admin_settings.id], {"ncc_atlas_api_key": {}})
                self.denied(user, "res.config.settings", "read", [admin_settings.id], ["ncc_atlas_api_key"])

    def test_settings_secrets_cannot_be_changed_or_blanked_by_a_non_administrator(self):
        url = self.params.get_param(PARAM + "url")
        admin_settings = self.env["res.config.settings"].with_user(self.admin).create({})
        for user in self.non_admins:
            with self.subTest(user=user.login):
                self.denied(user, "res.config.settings", "create", {"ncc_atlas_api_key": "forged"})
                # Saving settings that never held the key (no record: every value empty) must not blank it.
                self.denied(user, "res.config.settings", "set_values", [])
                self.denied(user, "res.config.settings", "execute", [admin_settings.id])
                self.denied(user, "res.config.settings", "action_ncc_atlas_test_connection", [admin_settings.id])
        self.assertEqual(self.params.get_param(PARAM + "api_key"), NCC_KEY)
        self.assertEqual(self.params.get_param(PARAM + "basic_password"), "atlas-basic-secret")
        self.assertEqual(self.params.get_param(PARAM + "url"), url)

    def test_administrator_sees_and_sets_the_key(self):
        values = self.call(self.admin, "res.config.settings", "default_get", list(SECRETS))
        self.assertEqual(values["ncc_atlas_api_key"], NCC_KEY)
        self.assertEqual(values["ncc_atlas_basic_password"], "atlas-basic-secret")
        settings_id = self.call(self.admin, "res.config.settings", "create", {
            **self.call(self.admin, "res.config.settings", "default_get", ["ncc_atlas_url", "ncc_atlas_timeout"]),
            "ncc_atlas_api_key": "new-admin-key", "ncc_atlas_basic_password": "new-basic-secret",
        })
        read = self.call(self.admin, "res.config.settings", "web_read", [settings_id], {"ncc_atlas_api_key": {}})
        self.assertEqual(read[0]["ncc_atlas_api_key"], "new-admin-key")
        self.call(self.admin, "res.config.settings", "execute", [settings_id])
        self.assertEqual(self.params.get_param(PARAM + "api_key"), "new-admin-key")
        self.assertEqual(self.params.get_param(PARAM + "basic_password"), "new-basic-secret")
        self.assertEqual(self.params.get_param(PARAM + "basic_user"), "atlas-basic-login")

    def test_saving_another_url_or_key_forgets_the_key_owner(self):
        Settings = self.env["res.config.settings"].with_user(self.admin)
        self.params.set_param(PARAM + "owner_uuid", "old-owner")
        Settings.create({"ncc_atlas_timeout": 7}).execute()
        self.assertEqual(self.params.get_param(PARAM + "owner_uuid"), "old-owner", "same URL and key: still valid")
        Settings.create({"ncc_atlas_api_key": "another-key"}).execute()
        self.assertFalse(self.params.get_param(PARAM + "owner_uuid"))
        self.params.set_param(PARAM + "owner_uuid", "old-owner")
        Settings.create({"ncc_atlas_url": "https://atlas.example.eu/jsonapi"}).execute()
        self.assertFalse(self.params.get_param(PARAM + "owner_uuid"))

    # --- guarded fields ----------------------------------------------------------------------------------------

    def test_guarded_fields_are_not_writable_over_rpc(self):
        applicant = self.submitted()
        before = applicant.read(list(GUARDED_VALUES))[0]
        for user in (*self.non_admins, self.admin):
            for name, value in GUARDED_VALUES.items():
                with self.subTest(user=user.login, field=name):
                    self.denied(user, "res.partner", "write", [applicant.id], {name: value})
        applicant.invalidate_recordset()
        self.assertEqual(applicant.read(list(GUARDED_VALUES))[0], before)

    def test_guarded_fields_are_not_settable_on_create(self):
        vals = self.complete_vals(name="Forged Applicant")
        for user in (self.officer, self.manager, self.admin):
            for name, value in GUARDED_VALUES.items():
                with self.subTest(user=user.login, field=name):
                    self.denied(user, "res.partner", "create", {**vals, name: value})
            with self.subTest(user=user.login, via="context default"):
                self.denied(user, "res.partner", "create", vals,
                            context={"default_ncc_atlas_uuid": SYNC_VALUES["ncc_atlas_uuid"]})
        self.assertFalse(self.env["res.partner"].search([("name", "=", "Forged Applicant")]))

    def test_computed_fields_are_not_writable_over_rpc(self):
        applicant = self.new_applicant(ncc_form_completed=False)
        self.assertFalse(applicant.ncc_registration_complete)
        for user in (self.officer, self.manager):
            for name, value in (("ncc_registration_complete", True), ("ncc_missing_items", False),
                                ("ncc_deadline", "2030-01-01"), ("ncc_stage_kind", "approved")):
                with self.subTest(user=user.login, field=name):
                    self.denied(user, "res.partner", "write", [applicant.id], {name: value})
        applicant.invalidate_recordset()
        self.assertFalse(applicant.ncc_registration_complete)
        self.assertTrue(applicant.ncc_missing_items)

    def test_import_cannot_set_guarded_fields(self):
        result = self.call(self.manager, "res.partner", "load", ["name", "is_company", "ncc_sync_state"],
                           [["Imported Forger", "1", "synced"]])
        self.assertFalse(result["ids"])
        self.assertTrue(result["messages"])
        self.assertFalse(self.env["res.partner"].search([("name", "=", "Imported Forger")]))

    def test_who_checked_is_recorded_by_the_check_only(self):
        applicant = self.submitted()
        line = applicant.ncc_check_ids[:1]
        for user in (self.officer, self.manager, self.admin):
            with self.subTest(user=user.login):
                self.denied(user, "ncc.assessment.check", "write", line.ids, {"checked_by_id": self.manager.id})
                self.denied(user, "ncc.assessment.check", "write", line.ids, {"checked_date": "2026-01-01 00:00:00"})
                self.denied(user, "ncc.assessment.check", "create", {
                    "partner_id": applicant.id, "name": "Forged check", "result": "pass",
                    "checked_by_id": self.manager.id,
                })
        line.write({"result": "fail"})
        for user in (self.officer, self.manager):
            with self.subTest(user=user.login):
                self.denied(user, "ncc.assessment.check", "write", line.ids, {"is_passed": True})
        self.assertFalse(line.is_passed)
        other = self.submitted()
        for user in (self.officer, self.manager):
            for vals in ({"required": False}, {"partner_id": other.id}, {"template_id": False}):
                with self.subTest(user=user.login, vals=vals):
                    self.denied(user, "ncc.assessment.check", "write", line.ids, vals)
        self.assertEqual((line.required, line.partner_id), (True, applicant))
        with self.assertRaisesRegex(ValidationError, "cannot be approved yet"):
            applicant.with_user(self.manager).action_ncc_approve()
        fresh = self.new_applicant()
        template = self.env.ref(REF + "check_security_assessment")
        self.denied(self.officer, "ncc.assessment.check", "create", {
            "partner_id": fresh.id, "template_id": template.id, "name": template.name, "required": False,
        })
        for user in (self.portal, self.colleague):
            with self.subTest(user=user.login):
                self.denied(user, "ncc.assessment.check", "write", line.ids, {"result": "pass"})
        self.call(self.officer, "ncc.assessment.check", "write", line.ids, {"result": "pass", "note": "Seen."})
        self.assertEqual(line.checked_by_id, self.officer)
        self.assertTrue(line.checked_date)

    # --- decisions ---------------------------------------------------------------------------------------------

    def test_only_a_manager_decides_and_only_through_the_decision_flow(self):
        applicant = self.ready_for_decision()
        for user in (self.portal, self.colleague, self.officer):
            with self.subTest(user=user.login):
                self.denied(user, "res.partner", "action_ncc_approve", [applicant.id])
                self.denied(user, "res.partner", "action_ncc_reject", [applicant.id], "Not eligible")
                self.denied(user, "res.partner", "write", [applicant.id],
                            {"ncc_stage_id": self.stages["approved"].id})
        self.denied(self.manager, "res.partner", "write", [applicant.id], {"ncc_decision": "approved"})
        self.assertFalse(applicant.ncc_decision)
        self.call(self.manager, "res.partner", "action_ncc_approve", [applicant.id])
        applicant.invalidate_recordset()
        self.assertEqual((applicant.ncc_stage_id, applicant.ncc_decision), (self.stages["approved"], "approved"))
        self.assertEqual(applicant.ncc_sync_state, "pending", "an approval is queued for the Atlas")
        self.assertTrue(self.mails_to(applicant.ncc_representative_id, "approved"))
        # Revoking: a manager's flow with reasons, sent to the applicant; never a bare write.
        self.denied(self.officer, "res.partner", "action_ncc_revoke", [applicant.id], "Exclusion ground")
        self.denied(self.manager, "res.partner", "write", [applicant.id], {"ncc_decision": "revoked"})
        self.call(self.manager, "res.partner", "action_ncc_revoke", [applicant.id], "Exclusion ground found")
        applicant.invalidate_recordset()
        self.assertEqual(applicant.ncc_decision, "revoked")
        self.assertEqual(applicant.ncc_decision_reason, "Exclusion ground found")
        self.assertEqual(applicant.ncc_stage_id, self.stages["rejected"])
        history = applicant.ncc_stage_history_ids.filtered(lambda h: h.stage_id == self.stages["rejected"])
        self.assertEqual((history.user_id, history.is_system_move), (self.manager, False))
        self.assertTrue(self.mails_to(applicant.ncc_representative_id))

    def test_only_officers_submit(self):
        applicant = self.new_applicant()
        for user in (self.portal, self.colleague):
            with self.subTest(user=user.login):
                self.denied(user, "res.partner", "action_ncc_submit", [applicant.id])
        self.assertFalse(applicant.ncc_submitted_date)
        self.call(self.officer, "res.partner", "action_ncc_submit", [applicant.id])
        self.assertTrue(applicant.ncc_submitted_date)
        self.assertTrue(applicant.ncc_check_ids)

    def test_a_rejection_by_rpc_needs_the_flow(self):
        applicant = self.ready_for_decision()
        message = self.denied(self.manager, "res.partner", "write", [applicant.id],
                              {"ncc_stage_id": self.stages["rejected"].id}, error="odoo.exceptions.UserError")
        self.assertIn("needs its reasons", message)
        self.call(self.manager, "res.partner", "action_ncc_reject", [applicant.id], "Established outside the EU")
        applicant.invalidate_recordset()
        self.assertEqual((applicant.ncc_decision, applicant.ncc_decision_reason),
                         ("rejected", "Established outside the EU"))

    # --- every way into a stage --------------------------------------------------------------------------------

    def test_created_in_the_approved_stage_passes_the_approval_gate(self):
        vals = self.complete_vals(name="Straight To Approved", ncc_stage_id=self.stages["approved"].id)
        message = self.denied(self.manager, "res.partner", "create", vals, error="odoo.exceptions.ValidationError")
        self.assertIn("cannot be approved yet", message)
        self.denied(self.officer, "res.partner", "create", vals)
        kanban = {"default_ncc_stage_id": self.stages["approved"].id, "default_ncc_is_applicant": True}
        del vals["ncc_stage_id"]  # a card added in the kanban's "Approved" column
        self.denied(self.manager, "res.partner", "create", vals, context=kanban,
                    error="odoo.exceptions.ValidationError")
        self.assertFalse(self.env["res.partner"].search([("name", "=", "Straight To Approved")]))

    def test_imported_in_the_approved_stage_passes_the_approval_gate(self):
        result = self.call(self.manager, "res.partner", "load",
                           ["name", "is_company", "ncc_is_applicant", "ncc_stage_id/id"],
                           [["Imported Approved", "1", "1", REF + "stage_approved"]])
        self.assertFalse(result["ids"])
        self.assertIn("cannot be approved yet", json.dumps(result["messages"]))
        self.assertFalse(self.env["res.partner"].search([("name", "=", "Imported Approved")]))

    def test_created_approved_is_decided_and_queued_like_a_moved_one(self):
        Check = self.env["ncc.assessment.check"]
        checks = []
        for template in self.env["ncc.assessment.check.template"].search([]):
            check = Check._values_from_template(template, self.env["res.partner"])
            del check["partner_id"]
            # the security line passes only on a referral's outcome: without one, it is not applicable
            result = "na" if template == self.env.ref(REF + "check_security_assessment") else "pass"
            checks.append(Command.create({**check, "result": result}))
        vals = self.complete_vals(
            name="Assessed Elsewhere",
            ncc_stage_id=self.stages["approved"].id,
            child_ids=[Command.create({
                "name": "Ana García López", "type": "contact", "email": "ana@assessed.example.eu",
                "function": "CISO", "phone": "+352 20 12 34 99", "ncc_is_representative": True,
            })],
            ncc_check_ids=checks,
        )
        partner_id = self.call(self.manager, "res.partner", "create", vals)
        partner = self.env["res.partner"].browse(partner_id)
        self.assertEqual(partner.ncc_decision, "approved")
        self.assertEqual(partner.ncc_sync_state, "pending")
        self.assertEqual(partner.ncc_stage_history_ids.stage_id, self.stages["approved"])

    # --- the sync actions --------------------------------------------------------------------------------------

    def test_sync_actions_are_for_officers(self):
        applicant = self.approved_applicant()
        for user in (self.portal, self.colleague):
            with self.subTest(user=user.login):
                self.denied(user, "res.partner", "action_ncc_sync_now", [applicant.id])
                self.denied(user, "res.partner", "action_ncc_resolve", [applicant.id])
        self.assertEqual(applicant.ncc_sync_state, "pending")
        self.assertEqual(self.sandbox.count(), 0, "nothing was sent for them")
        self.call(self.officer, "res.partner", "action_ncc_sync_now", [applicant.id])
        applicant.invalidate_recordset()
        self.assertEqual(applicant.ncc_sync_state, "synced", applicant.ncc_sync_error)
        self.assertTrue(applicant.ncc_atlas_uuid)
        applicant._ncc_sync_writer().write({"ncc_sync_state": "conflict"})  # as a later push would find it
        for user in (self.portal, self.colleague):
            with self.subTest(user=user.login):
                self.denied(user, "res.partner", "action_ncc_resolve", [applicant.id])
        action = self.call(self.officer, "res.partner", "action_ncc_resolve", [applicant.id])
        self.assertEqual(action["res_model"], "ncc.atlas.conflict.wizard")

    def test_retry_from_the_log_is_for_officers(self):
        applicant = self.approved_applicant()
        self.push()
        log = applicant.ncc_sync_log_ids[:1]
        self.assertTrue(log)
        for user in (self.portal, self.colleague):
            with self.subTest(user=user.login):
                self.denied(user, "ncc.atlas.sync.log", "action_retry", log.ids)
        self.assertEqual(applicant.ncc_sync_state, "synced")
        self.call(self.officer, "ncc.atlas.sync.log", "action_retry", log.ids)
        applicant.invalidate_recordset()
        self.assertEqual(applicant.ncc_sync_state, "pending")

    def test_the_sync_flag_in_the_context_is_not_a_pass(self):
        applicant = self.approved_applicant()
        self.push()
        self.assertEqual(applicant.ncc_sync_state, "synced")
        for name, value in SYNC_VALUES.items():
            with self.subTest(field=name):
                self.denied(self.officer, "res.partner", "write", [applicant.id], {name: value},
                            context={"ncc_atlas_write": True})
        # Nor does it keep an edit from the Atlas: the registration is queued again.
        self.call(self.officer, "res.partner", "write", [applicant.id], {"phone": "+352 20 99 99 99"},
                  context={"ncc_atlas_write": True})
        applicant.invalidate_recordset()
        self.assertEqual(applicant.ncc_sync_state, "pending")

    # --- visibility --------------------------------------------------------------------------------------------

    def test_colleagues_see_applicant_companies_but_not_the_assessment(self):
        applicant = self.submitted()
        security = applicant.ncc_check_ids.filtered(lambda line: line.template_id == self.env.ref(
            REF + "check_security_assessment"))
        security.with_user(self.officer).write({"result": "fail", "note": "Listed in a sanctions register"})
        found = self.call(self.colleague, "res.partner", "search_read", [("id", "=", applicant.id)], ["name"])
        self.assertEqual([row["name"] for row in found], [applicant.name])
        self.denied(self.colleague, "res.partner", "read", [applicant.id], ["ncc_check_ids"])
        self.denied(self.colleague, "res.partner", "read", [applicant.id], ["ncc_decision_reason"])
        for name in ("ncc_synced_values", "ncc_sync_error", "ncc_atlas_message"):  # the registration, again
            self.denied(self.colleague, "res.partner", "read", [applicant.id], [name])
        # The company's form opens for them, without the officers' parts.
        views = self.call(self.colleague, "res.partner", "get_views", [[False, "form"]])
        arch = views["views"]["form"]["arch"]
        self.assertIn('name="phone"', arch)
        self.assertNotIn("ncc_sync_state", arch)
        self.assertIn("ncc_sync_state", self.call(self.officer, "res.partner", "get_views",
                                                   [[False, "form"]])["views"]["form"]["arch"])
        self.denied(self.colleague, "ncc.assessment.check", "search_read", [("partner_id", "=", applicant.id)],
                    ["note", "result"])
        messages = self.call(self.colleague, "mail.message", "search_read",
                             [("model", "=", "res.partner"), ("res_id", "=", applicant.id)], ["body"])
        text = json.dumps(messages)
        self.assertIn(security.name, text, "the chatter says which check changed")
        self.assertNotIn("sanctions", text)
        self.assertNotIn("Fail", text)

    def test_colleagues_edit_applicant_contact_persons(self):
        applicant = self.approved_applicant()
        self.push()
        person = applicant.ncc_representative_id
        self.call(self.colleague, "res.partner", "write", person.ids,
                  {"function": "Chief Executive Officer", "phone": "+352 20 00 00 02", "email": "ana@kss.example.eu"})
        self.assertEqual(person.function, "Chief Executive Officer")
        self.assertEqual(applicant.ncc_sync_state, "pending", "the Atlas hears of the new contact details")
        other_id = self.call(self.colleague, "res.partner", "create",
                             {"name": "Jean Dupont", "parent_id": applicant.id, "email": "jean@kss.example.eu"})
        self.call(self.colleague, "res.partner", "write", [other_id], {"function": "Sales"})
        self.call(self.colleague, "res.partner", "write", [applicant.id], {"phone": "+352 20 00 00 03"})


EDIT_JOB_POSITION = """
(async () => {
    const pause = () => new Promise((resolve) => setTimeout(resolve, 100));
    async function find(selector) {
        for (let i = 0; i < 100; i++) {
            const element = document.querySelector(selector);
            if (element) { return element; }
            await pause();
        }
        throw new Error(`not found: ${selector}`);
    }
    const input = await find(".o_form_view .o_field_widget[name=function] input");
    input.value = "Chief Executive Officer";
    input.dispatchEvent(new Event("input", { bubbles: true }));
    input.dispatchEvent(new Event("change", { bubbles: true }));
    (await find(".o_form_status_indicator_buttons:not(.invisible) .o_form_button_save")).click();
    await find(".o_form_status_indicator_buttons.invisible");  // saved
    await pause();
    const error = document.querySelector(".o_error_dialog, .o_dialog .modal-body");
    if (error) { throw new Error(error.innerText); }
    if (document.querySelector(".o_form_status_indicator_buttons:not(.invisible)")) { throw new Error("not saved"); }
    console.log("test successful");
})();
"""


@tagged("post_install", "-at_install")
class TestAccessBrowser(HttpCase, AssessmentCase):
    browser_size = "1440x900"

    def test_a_colleague_edits_an_applicants_contact_person_in_the_browser(self):
        colleague = new_test_user(self.env, "ncc_colleague", groups="base.group_user,base.group_partner_manager")
        applicant = self.new_applicant()
        applicant.with_user(self.officer).action_ncc_submit()
        person = applicant.ncc_representative_id
        self.browser_js(f"/odoo/action-base.action_partner_form/{person.id}", EDIT_JOB_POSITION,
                        ready="!!document.querySelector('.o_form_view')", login=colleague.login)
        self.assertEqual(person.function, "Chief Executive Officer")
