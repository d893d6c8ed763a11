"""The application form's actions, as the web client runs them (odoo.tests.Form on the applications action, its
buttons' methods): draft until submitted, gates before confirmations, the hand-off, the contact person entered on
the registration page, one chatter note per checklist save."""

from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import Form, tagged
from odoo.tools.safe_eval import safe_eval

from ..migration_steps import unsubmitted_into_draft
from .assessment_common import REF, AssessmentCase

DECISION_ACTIVITY = REF + "mail_activity_type_ncc_decision"
STAGE_ACTIVITY = REF + "mail_activity_type_ncc_stage"


@tagged("post_install", "-at_install")
class TestApplicationForm(AssessmentCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.action = cls.env["ir.actions.act_window"]._for_xml_id(REF + "action_ncc_application")
        cls.draft = cls.env.ref(REF + "stage_draft")

    def form(self, user, record=None):
        Partner = self.env["res.partner"].with_user(user).with_context(**safe_eval(self.action["context"]))
        return Form(Partner.browse(record.id) if record else Partner)

    def activities(self, applicant, xmlid):
        return applicant.activity_ids.filtered(lambda act: act.activity_type_id == self.env.ref(xmlid))

    def test_a_new_application_is_a_draft_until_submitted(self):
        with self.form(self.officer) as form:
            form.name = "Draft Cyber Labs"
            self.assertEqual(form.ncc_stage_id, self.draft)
        applicant = form.record
        self.assertEqual((applicant.ncc_stage_kind, applicant.ncc_submitted_date), ("draft", False))
        self.assertFalse(applicant.ncc_check_ids, "the checklist opens at the submission")
        as_officer = applicant.with_user(self.officer)
        with self.assertRaisesRegex(UserError, "has not been submitted yet: use “Submit”"):
            as_officer.write({"ncc_stage_id": self.stages["submitted"].id})  # a statusbar click, a kanban drag
        with self.assertRaisesRegex(UserError, "has not been submitted yet"):
            as_officer.write({"ncc_stage_id": self.stages["completeness"].id})
        as_officer.action_ncc_submit()
        self.assertEqual(applicant.ncc_stage_id, self.stages["submitted"])
        self.assertEqual(len(applicant.ncc_check_ids), 18)
        with self.assertRaisesRegex(UserError, "has been submitted: it cannot go back"):
            as_officer.write({"ncc_stage_id": self.draft.id})
        self.assertEqual([stay.kind for stay in applicant.ncc_stage_history_ids.sorted("id")], ["draft", "intake"])

    def test_the_portal_submits_under_sudo(self):
        applicant = self.new_applicant()
        self.assertEqual(applicant.ncc_stage_id, self.draft)
        applicant.sudo().action_ncc_submit()
        self.assertEqual(applicant.ncc_stage_id, self.stages["submitted"])
        self.assertTrue(applicant.ncc_submitted_date)
        self.assertEqual(len(self.mails_to(applicant.ncc_representative_id, "received")), 1)

    def test_a_new_round_starts_as_a_draft(self):
        applicant = self.new_applicant()
        applicant.with_user(self.officer).action_ncc_submit()
        applicant.with_user(self.manager).action_ncc_reject(reason="Not established in this Member State.")
        applicant.with_user(self.officer).action_ncc_new_round()
        self.assertEqual((applicant.ncc_stage_id, applicant.ncc_submitted_date), (self.draft, False))
        self.assertFalse(applicant.ncc_check_ids)
        applicant.with_user(self.officer).action_ncc_submit()
        self.assertEqual((applicant.ncc_stage_id, len(applicant.ncc_check_ids)), (self.stages["submitted"], 18))

    def test_next_stage_refuses_while_checks_of_the_stage_are_pending(self):
        applicant = self.new_applicant()
        as_officer = applicant.with_user(self.officer)
        as_officer.action_ncc_submit()
        as_officer.action_ncc_next_stage()  # "Submitted" has no checks of its own
        self.assertEqual(applicant.ncc_stage_id, self.stages["completeness"])
        with self.assertRaises(UserError) as caught:
            as_officer.action_ncc_next_stage()
        message = str(caught.exception)
        self.assertIn("still has checks of “Completeness check” pending", message)
        for name in ("Art. 9 member tasks accepted", "A reachable contact person with a role", "Size class recorded"):
            self.assertIn(name, message)
        self.assertNotIn("Established in this Member State", message, "only the checks of the current stage")
        with self.assertRaisesRegex(UserError, "still has checks of"):
            as_officer.write({"ncc_stage_id": self.stages["expertise"].id})  # a drag further on: refused too
        completeness = applicant.ncc_check_ids.filtered(lambda line: line.stage_id == self.stages["completeness"])
        completeness[:1].with_user(self.officer).write({"result": "na"})
        (completeness - completeness[:1]).with_user(self.officer).write({"result": "fail"})
        as_officer.action_ncc_next_stage()  # failed counts as done: the manager weighs it
        self.assertEqual(applicant.ncc_stage_id, self.stages["eligibility"])
        as_officer.write({"ncc_stage_id": self.stages["submitted"].id})  # back: always allowed
        self.assertEqual(applicant.ncc_stage_id, self.stages["submitted"])

    def test_ready_for_decision_hands_over_to_the_managers(self):
        applicant = self.new_applicant()
        as_officer = applicant.with_user(self.officer)
        as_officer.action_ncc_submit()
        applicant.ncc_assessor_id = self.officer
        with self.assertRaisesRegex(UserError, "goes on in “Completeness check”"):
            as_officer.action_ncc_ready_for_decision()
        applicant.ncc_check_ids.filtered(lambda line: line.template_id != self.env.ref(REF + "check_taxonomy")) \
            .write({"result": "pass"})
        as_officer.write({"ncc_stage_id": self.stages["expertise"].id})
        self.assertEqual(self.activities(applicant, STAGE_ACTIVITY).user_id, self.officer)
        with self.assertRaisesRegex(UserError, "required checks pending(.|\n)*Taxonomy classification plausible"):
            as_officer.action_ncc_ready_for_decision()
        applicant.ncc_check_ids.filtered(lambda line: line.result == "pending" and line.required) \
            .with_user(self.officer).write({"result": "pass"})
        with self.assertRaisesRegex(AccessError, "recorded by the pipeline itself"):
            as_officer.write({"ncc_ready_for_decision": True})  # only the hand-off sets it
        as_officer.action_ncc_ready_for_decision()
        self.assertTrue(applicant.ncc_ready_for_decision)
        deciders = self.activities(applicant, DECISION_ACTIVITY).user_id
        self.assertIn(self.manager, deciders)
        self.assertNotIn(self.officer, deciders, "the manager decides, not the officer")
        self.assertFalse(self.activities(applicant, STAGE_ACTIVITY), "the officer's stage activity is done")
        with self.assertRaisesRegex(UserError, "already waiting"):
            as_officer.action_ncc_ready_for_decision()
        applicant.with_user(self.manager).action_ncc_approve()
        self.assertFalse(self.activities(applicant, DECISION_ACTIVITY), "the decision closes them")
        self.assertFalse(applicant.ncc_ready_for_decision)

    def test_a_move_back_ends_the_hand_off(self):
        applicant = self.ready_for_decision()
        applicant.with_user(self.officer).action_ncc_ready_for_decision()
        applicant.with_user(self.officer).write({"ncc_stage_id": self.stages["ownership"].id})
        self.assertFalse(applicant.ncc_ready_for_decision)
        self.assertFalse(self.activities(applicant, DECISION_ACTIVITY))

    def test_approve_names_what_is_pending_before_it_asks_to_confirm(self):
        applicant = self.new_applicant()
        applicant.with_user(self.officer).action_ncc_submit()
        applicant.ncc_check_ids.filtered(lambda line: line.stage_id == self.stages["completeness"]) \
            .write({"result": "pass"})
        with self.assertRaises(ValidationError) as caught:
            applicant.with_user(self.manager).action_ncc_approve_dialog()
        self.assertIn("cannot be approved yet", str(caught.exception))
        self.assertEqual(str(caught.exception).count("\n- "), 12, "every pending required check, named")
        with self.assertRaisesRegex(AccessError, "Only an NCC manager"):
            applicant.with_user(self.officer).action_ncc_approve_dialog()

        applicant = self.ready_for_decision()
        action = applicant.with_user(self.manager).action_ncc_approve_dialog()
        self.assertEqual((action["res_model"], action["context"]["default_mode"]), ("ncc.decision.wizard", "approve"))
        Wizard = self.env[action["res_model"]].with_user(self.manager).with_context(**action["context"])
        wizard = Form(Wizard).save()
        self.assertEqual(applicant.ncc_stage_kind, "assessment", "nothing happens before the confirm")
        wizard.action_confirm()
        self.assertEqual((applicant.ncc_stage_kind, applicant.ncc_decision), ("approved", "approved"))

    def test_one_save_of_several_checklist_lines_is_one_note(self):
        applicant = self.new_applicant()
        applicant.with_user(self.officer).action_ncc_submit()
        self.flush_tracking()
        before = applicant.message_ids
        with self.form(self.officer, applicant) as form:
            for index in range(3):
                with form.ncc_check_ids.edit(index) as line:
                    line.result = "pass"
                    line.note = f"Finding {index}"
        self.flush_tracking()
        applicant.invalidate_recordset(["message_ids"])
        notes = (applicant.message_ids - before).filtered(lambda message: "Checklist updated" in (message.body or ""))
        self.assertEqual(len(notes), 1, "one save, one note")
        for line in applicant.ncc_check_ids[:3]:
            self.assertIn(line.name, notes.body)
        self.assertEqual(applicant.ncc_check_ids[:3].mapped("result"), ["pass"] * 3)

    def test_the_checklist_is_in_the_order_of_the_stages(self):
        applicant = self.new_applicant()
        applicant.with_user(self.officer).action_ncc_submit()
        stages = applicant.ncc_check_ids.stage_id
        order = [line.stage_id.sequence for line in applicant.ncc_check_ids if line.stage_id]
        self.assertEqual(order, sorted(order))
        self.assertTrue(len(stages) >= 4)
        self.assertFalse(applicant.ncc_check_ids[-1].stage_id, "checks of no stage come last")

    def test_the_contact_person_is_entered_on_the_registration_page(self):
        vals = self.complete_vals(name="Page Contact Labs")
        with self.form(self.officer) as form:
            for name, value in vals.items():
                if name in ("ncc_field_of_activity_ids", "ncc_thematic_area_ids"):
                    for term_id in value[0][2]:
                        form[name].add(self.env["ncc.atlas.term"].browse(term_id))
                elif name in ("country_id", "ncc_cluster_type_id"):
                    form[name] = self.env["res.country" if name == "country_id" else "ncc.atlas.term"].browse(value)
                elif name not in ("is_company", "ncc_is_applicant"):
                    form[name] = value
            self.assertIn("Contact person (a contact", form.ncc_missing_items)
            form.ncc_representative_first_name = "Ilze"
            form.ncc_representative_family_name = "Bērziņa"
            form.ncc_representative_email = "ilze@page-contact.example.eu"
            self.assertTrue(form.ncc_registration_complete, "the banner follows before the save")
            form.ncc_representative_function = "CISO"
            form.ncc_representative_phone = "+371 2000 0002"
        company = form.record
        person = company.ncc_representative_id
        self.assertEqual((person.parent_id, person.type, person.ncc_is_representative), (company, "contact", True))
        self.assertEqual((person.name, person.function, person.email, person.phone),
                         ("Ilze Bērziņa", "CISO", "ilze@page-contact.example.eu", "+371 2000 0002"))
        self.assertTrue(company.ncc_registration_complete)

        # the child contact edited on its own: the page follows
        person.write({"name": "Ilze Kalniņa", "email": "ilze.k@page-contact.example.eu"})
        self.assertEqual((company.ncc_representative_first_name, company.ncc_representative_family_name,
                          company.ncc_representative_email), ("Ilze", "Kalniņa", "ilze.k@page-contact.example.eu"))
        # and the page edited: the child follows
        with self.form(self.officer, company) as form:
            form.ncc_representative_family_name = "Kalniņa-Ozola"
            form.ncc_representative_function = "Head of CERT"
        self.assertEqual((person.name, person.function), ("Ilze Kalniņa-Ozola", "Head of CERT"))
        self.assertEqual(len(company.child_ids), 1, "no second contact")

    def test_an_existing_contact_chosen_shows_its_name_split(self):
        company = self.create_applicant(representative=False, name="Split Name Labs")
        other = self.Partner.create(
            {"name": "Jan van der Berg", "parent_id": company.id, "email": "jan@split.example.eu"})
        with self.form(self.officer, company) as form:
            self.assertIn("Contact person (a contact", form.ncc_missing_items)
            form.ncc_representative_id = other
            self.assertEqual((form.ncc_representative_first_name, form.ncc_representative_family_name),
                             ("Jan", "van der Berg"), "split from the name before the save")
            self.assertTrue(form.ncc_registration_complete)
        self.assertTrue(other.ncc_is_representative)
        self.assertEqual((other.ncc_first_name, other.ncc_family_name), ("Jan", "van der Berg"))

    def test_knowledge_domain_tags_say_their_sub_domain_first(self):
        term = self.term("cluster_thematic_area_post_quantum_cryptography")
        self.assertIn(" / ", term.display_name)
        short = term.with_context(ncc_term_leaf_first=True).display_name
        self.assertTrue(short.startswith(term.name + " · "), short)
        self.assertNotIn("(", short.split(" · ")[1])

    def test_applications_never_submitted_move_into_draft_on_upgrade(self):
        waiting = self.new_applicant(name="Waiting Labs")
        submitted = self.new_applicant(name="Submitted Labs")
        submitted.action_ncc_submit()
        # as the previous version left a new application: in the first stage, never submitted
        waiting.sudo().write({"ncc_stage_id": self.stages["submitted"].id})
        self.assertEqual((waiting.ncc_stage_kind, waiting.ncc_submitted_date), ("intake", False))
        unsubmitted_into_draft(self.env)
        unsubmitted_into_draft(self.env)
        self.assertEqual(waiting.ncc_stage_id, self.draft)
        self.assertEqual(submitted.ncc_stage_id, self.stages["submitted"])
