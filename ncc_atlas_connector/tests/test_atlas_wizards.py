from odoo.exceptions import UserError
from odoo.tests import Form, HttpCase, new_test_user, tagged
from odoo.tests.common import JsonRpcException
from odoo.tools import mute_logger

from .atlas_wizard_common import AtlasWizardCase

POST = "/jsonapi/node/cluster"
PATCH = "/jsonapi/node/cluster/<id>"


@tagged("post_install", "-at_install")
class TestAtlasWizards(AtlasWizardCase):
    """Both wizards opened as the web client opens them: the action of the Resolve button, then a form on its model
    and context (onchange for the defaults, then save), as an officer."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.officer = new_test_user(cls.env, "wiz_officer", groups="ncc_atlas_connector.group_ncc_officer")

    def open(self, partner):
        action = partner.with_user(self.officer).action_ncc_resolve()
        self.assertNotIn(action.get("name", "Odoo"), ("", "Odoo"))
        self.assertIn(partner.name, action["name"], "the title says what is being settled")
        model = self.env[action["res_model"]].with_user(self.officer)
        return action, Form(model.with_context(**action["context"]))

    def rows(self, form, *names):
        """The lines of the wizard's form as the officer sees them."""
        rows = []
        for index in range(len(form.line_ids)):
            with form.line_ids.edit(index) as line:
                rows.append({name: getattr(line, name) for name in names})
        return rows

    # --- several candidates ------------------------------------------------------------------------------------

    def test_candidates_are_shown_next_to_the_company_and_the_chosen_one_is_linked(self):
        partner, right, old = self.needs_choice()
        action, form = self.open(partner)
        self.assertEqual(action["res_model"], "ncc.atlas.link.wizard")
        look_ups = partner.ncc_sync_log_ids.filtered(lambda log: log.operation == "look-up")
        self.assertEqual(len(look_ups), 1, "the look-up the officer caused is logged")
        self.assertIn("field_registration_number", look_ups.path)
        rows = self.rows(form, "is_local", "atlas_uuid", "title", "website", "differences")
        self.assertEqual((len(rows), form.candidate_count), (3, 2), "the company here, then both candidates")
        self.assertEqual((rows[0]["is_local"], rows[0]["title"]), (True, partner.name))
        by_uuid = {row["atlas_uuid"]: row for row in rows[1:]}
        self.assertEqual(set(by_uuid), {right, old})
        self.assertEqual(by_uuid[right]["differences"], "Nothing", "the right one differs in nothing")
        self.assertIn("Name in English", by_uuid[old]["differences"], "what tells the old one apart is named")
        self.assertIn("Website", by_uuid[old]["differences"])
        self.assertEqual(by_uuid[old]["website"], "https://old.kirchberg.example.eu")
        with form.line_ids.edit(rows.index(by_uuid[right])) as line:
            line.chosen = True
        wizard = form.save()
        self.assertEqual(len(wizard.line_ids), 3, "what the officer saw is what is saved")
        self.assertEqual(wizard.line_ids.filtered("chosen").atlas_uuid, right)
        wizard.action_link()
        self.assertEqual((partner.ncc_atlas_uuid, partner.ncc_sync_state), (right, "pending"))
        self.assertTrue(self.env["ir.cron.trigger"].search([
            ("cron_id", "=", self.env.ref("ncc_atlas_connector.ir_cron_ncc_atlas_push").id)]),
            "the push runs at once")
        self.push()
        self.assertEqual(partner.ncc_sync_state, "synced", partner.ncc_sync_error)
        self.assertEqual(self.sandbox.count("POST", POST), 0, "no duplicate on the Atlas")
        self.assertEqual(self.remote(partner)["moderation_state"], "ready_for_publication")

    def test_create_anyway(self):
        partner, _right, _old = self.needs_choice()
        _action, form = self.open(partner)
        wizard = form.save()
        wizard.action_create_new()
        self.assertEqual(partner.ncc_sync_state, "pending")
        self.push()
        self.assertEqual(partner.ncc_sync_state, "synced", partner.ncc_sync_error)
        self.assertEqual(self.sandbox.count("POST", POST), 1)
        self.assertNotIn(partner.ncc_atlas_uuid, (_right, _old))

    def test_no_candidate_left_leaves_creating_a_new_one(self):
        partner, _right, _old = self.needs_choice()
        self.sandbox.store.clear_clusters()
        _action, form = self.open(partner)
        self.assertEqual((form.candidate_count, len(form.line_ids)), (0, 1), "only the company itself")
        form.save().action_create_new()
        self.push()
        self.assertEqual(partner.ncc_sync_state, "synced", partner.ncc_sync_error)
        self.assertEqual(self.sandbox.count("POST", POST), 1)

    def test_link_without_a_choice_asks_for_one(self):
        partner, _right, _old = self.needs_choice()
        _action, form = self.open(partner)
        wizard = form.save()
        with self.assertRaisesRegex(UserError, "Choose the one Atlas registration"):
            wizard.action_link()
        self.assertEqual(partner.ncc_sync_state, "needs_choice", "nothing changed")

    def test_a_candidate_linked_to_another_company_cannot_be_chosen(self):
        partner, right, _old = self.needs_choice()
        other = self.create_applicant(name="Other company")
        other.sudo().with_context(ncc_atlas_write=True).write({"ncc_atlas_uuid": right})
        _action, form = self.open(partner)
        rows = {row["atlas_uuid"]: row for row in self.rows(form, "atlas_uuid", "linked_partner_id", "differences")}
        self.assertEqual(rows[right]["linked_partner_id"], other)
        self.assertIn("Already linked to Other company", rows[right]["differences"], "the officer sees it is taken")
        wizard = form.save()
        wizard.line_ids.filtered(lambda line: line.atlas_uuid == right).chosen = True
        with self.assertRaisesRegex(UserError, "already linked to Other company"):
            wizard.action_link()

    def test_only_a_registration_that_still_matches_can_be_linked(self):
        partner, _right, old = self.needs_choice()
        _action, form = self.open(partner)
        wizard = form.save()
        elsewhere = self.sandbox.add_cluster({**partner._ncc_atlas_values(), "field_registration_number": "X1"})
        wizard.line_ids.filtered(lambda line: line.atlas_uuid == old).atlas_uuid = elsewhere
        wizard.line_ids.filtered(lambda line: line.atlas_uuid == elsewhere).chosen = True
        with self.assertRaisesRegex(UserError, "no longer matches"):
            wizard.action_link()
        self.assertEqual((partner.ncc_sync_state, partner.ncc_atlas_uuid), ("needs_choice", False))

    def test_settled_meanwhile_is_told_in_words(self):
        partner, _right, _old = self.needs_choice()
        _action, form = self.open(partner)
        wizard = form.save()
        wizard.action_create_new()
        with self.assertRaisesRegex(UserError, "settled meanwhile"):
            wizard.action_create_new()

    def test_atlas_down_when_opening_is_told_in_words(self):
        partner, _right, _old = self.needs_choice()
        self.sync._configure_sandbox("http://127.0.0.1:9", "test-ncc-key-0123456789")
        with self.assertRaisesRegex(UserError, "The Atlas could not be reached for Kirchberg"):
            self.open(partner)
        self.assertEqual(partner.ncc_sync_state, "needs_choice")

    def test_a_refused_key_is_told_in_words(self):
        partner, _right, _old = self.needs_choice()
        self.sync._configure_sandbox(self.sandbox.url, "a-wrong-key-0123456789")
        with self.assertRaisesRegex(UserError, "refused the connector's key.*Settings > Community Registration"):
            self.open(partner)

    def test_atlas_down_when_linking_is_told_in_words_and_changes_nothing(self):
        partner, right, _old = self.needs_choice()
        _action, form = self.open(partner)
        wizard = form.save()
        wizard.line_ids.filtered(lambda line: line.atlas_uuid == right).chosen = True
        self.sync._configure_sandbox("http://127.0.0.1:9", "test-ncc-key-0123456789")
        with self.assertRaisesRegex(UserError, "could not be reached.*Nothing was changed"):
            wizard.action_link()
        self.assertEqual((partner.ncc_sync_state, partner.ncc_atlas_uuid), ("needs_choice", False))

    # --- conflict ----------------------------------------------------------------------------------------------

    def test_differences_are_shown_side_by_side_and_decided_per_field(self):
        partner = self.conflict()
        action, form = self.open(partner)
        self.assertEqual(action["res_model"], "ncc.atlas.conflict.wizard")
        lines = {row["name"]: tuple(row.values())[1:] for row in self.rows(
            form, "name", "local_value", "remote_value", "changed_side", "choice")}
        self.assertEqual(lines["Phone number"], ("+352 2 HERE", "+352 1 ATLAS", "both", "local"))
        self.assertEqual(lines["Goals to achieve"],
                         ("Partners for research projects.", "Goals edited on the Atlas", "atlas", "remote"),
                         "what only the Atlas changed is proposed from the Atlas")
        self.assertEqual(len(lines), 2)
        # Keep the phone here, take the goals from the Atlas (as proposed).
        wizard = form.save()
        self.assertEqual(len(wizard.line_ids), 2)
        wizard.action_apply()
        self.assertEqual(partner.ncc_goals_to_achieve, "Goals edited on the Atlas")
        self.assertEqual(partner.ncc_sync_state, "pending")
        self.push()
        self.assertEqual(partner.ncc_sync_state, "synced", partner.ncc_sync_error)
        remote = self.remote(partner)
        self.assertEqual((remote["field_phone_number"], remote["field_goals_to_achieve"]),
                         ("+352 2 HERE", "Goals edited on the Atlas"))
        patch = self.sandbox.requests("PATCH", PATCH)[-1]["body"]["data"]["attributes"]
        self.assertEqual(patch, {"field_phone_number": "+352 2 HERE"}, "only what was kept here is sent")

    def test_take_the_atlas_for_a_field_chosen_by_the_officer(self):
        partner = self.conflict()
        _action, form = self.open(partner)
        for index in range(len(form.line_ids)):
            with form.line_ids.edit(index) as line:
                line.choice = "remote"
        patches = self.sandbox.count("PATCH", PATCH)
        form.save().action_apply()
        self.assertEqual((partner.phone, partner.ncc_goals_to_achieve),
                         ("+352 1 ATLAS", "Goals edited on the Atlas"))
        self.assertEqual(partner.ncc_sync_state, "synced", "both sides agree: nothing left to send")
        self.assertEqual(self.sandbox.count("PATCH", PATCH), patches)

    def test_keep_every_value_here(self):
        partner = self.conflict()
        _action, form = self.open(partner)
        form.save().action_keep_local()
        self.assertEqual(partner.ncc_goals_to_achieve, "Partners for research projects.")
        self.push()
        remote = self.remote(partner)
        self.assertEqual((remote["field_phone_number"], remote["field_goals_to_achieve"]),
                         ("+352 2 HERE", "Partners for research projects."))

    def test_atlas_changed_while_deciding(self):
        partner = self.conflict()
        _action, form = self.open(partner)
        wizard = form.save()
        store = self.sandbox.store
        store.update_cluster(partner.ncc_atlas_uuid, attributes={
            **store.cluster(partner.ncc_atlas_uuid)["attributes"], "field_phone_number": "+352 3 LATER",
        })
        with self.assertRaisesRegex(UserError, "changed while you were deciding"):
            wizard.action_keep_local()
        self.assertEqual(partner.ncc_sync_state, "conflict", "nothing decided on stale values")

    def test_sides_agreeing_meanwhile_are_marked_in_sync(self):
        partner = self.conflict()
        partner.phone = "+352 1 ATLAS"
        partner.with_context(ncc_atlas_write=True).ncc_goals_to_achieve = "Goals edited on the Atlas"
        _action, form = self.open(partner)
        self.assertEqual(len(form.line_ids), 0)
        form.save().action_apply()
        self.assertEqual(partner.ncc_sync_state, "synced")

    def test_registration_gone_from_the_atlas_is_sent_again(self):
        partner = self.conflict()
        gone = partner.ncc_atlas_uuid
        with self.sandbox.store.transaction() as db:  # deleted on the Atlas (the contract has no DELETE)
            db.execute("DELETE FROM cluster WHERE uuid = ?", (gone,))
        _action, form = self.open(partner)
        self.assertTrue(form.remote_gone)
        self.assertEqual(len(form.line_ids), 0)
        form.save().action_apply()
        self.assertEqual(partner.ncc_sync_state, "pending")
        self.push()
        self.assertEqual(partner.ncc_sync_state, "synced", partner.ncc_sync_error)
        self.assertNotEqual(partner.ncc_atlas_uuid, gone, "created again on the Atlas")
        self.assertEqual(self.remote(partner)["field_phone_number"], "+352 2 HERE")

    def test_nothing_to_settle(self):
        partner = self.approved_applicant()
        self.push()
        action, form = self.open(partner)
        self.assertEqual(action["res_model"], "ncc.atlas.conflict.wizard")
        self.assertEqual(len(form.line_ids), 0, "nothing differs")
        with self.assertRaisesRegex(UserError, "settled meanwhile"):
            form.save().action_apply()
        self.assertEqual(partner.ncc_sync_state, "synced")


@tagged("post_install", "-at_install")
class TestAtlasWizardsOverRpc(AtlasWizardCase, HttpCase):
    """Over JSON-RPC, as the web client calls them: officers only; a failure comes back as words (a UserError)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        new_test_user(cls.env, "rpc_officer", groups="ncc_atlas_connector.group_ncc_officer")
        new_test_user(cls.env, "rpc_colleague", groups="base.group_user")

    def call(self, model, method, *args, **kwargs):
        return self.make_jsonrpc_request("/web/dataset/call_kw", {
            "model": model, "method": method, "args": list(args), "kwargs": kwargs,
        })

    def open(self, login, partner):
        self.authenticate(login, login)
        action = partner.action_ncc_resolve()
        spec = {"partner_id": {}, "line_ids": {"fields": {"sequence": {}}}}
        return self.call(action["res_model"], "onchange", [], {}, [], spec, context=action["context"])

    @mute_logger("odoo.http")  # the refusal the test provokes
    def test_colleagues_who_are_not_officers_cannot_open_them(self):
        partner, _right, _old = self.needs_choice()
        with self.assertRaises(JsonRpcException) as caught:
            self.open("rpc_colleague", partner)
        self.assertEqual(str(caught.exception), "odoo.exceptions.AccessError")
        conflict = self.conflict(name="Conflict Colleague Labs")
        with self.assertRaises(JsonRpcException) as caught:
            self.open("rpc_colleague", conflict)
        self.assertEqual(str(caught.exception), "odoo.exceptions.AccessError")
        self.assertEqual((partner.ncc_sync_state, conflict.ncc_sync_state), ("needs_choice", "conflict"))

    @mute_logger("odoo.http")  # the failure the test provokes
    def test_officer_gets_the_lines_and_words_when_the_atlas_is_down(self):
        partner = self.conflict()
        result = self.open("rpc_officer", partner)
        self.assertEqual(len(result["value"]["line_ids"]), 2, "the differences come with the new wizard")
        self.sync._configure_sandbox("http://127.0.0.1:9", "test-ncc-key-0123456789")
        with self.assertRaises(JsonRpcException) as caught:
            self.open("rpc_officer", partner)
        self.assertEqual(str(caught.exception), "odoo.exceptions.UserError", "words, not a server error")
