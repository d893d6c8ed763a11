from datetime import date, datetime

from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import new_test_user, tagged
from odoo.tests.common import freeze_time

from .assessment_common import REF, AssessmentCase


@tagged("post_install", "-at_install")
class TestAssessmentFlow(AssessmentCase):
    def test_new_applicant_waits_in_the_draft_stage(self):
        applicant = self.new_applicant()
        self.assertEqual(applicant.ncc_stage_id, self.stages["draft"], "nobody submitted it yet")
        self.assertEqual(applicant.ncc_stage_kind, "draft")
        self.assertEqual(applicant._ncc_stage_of_kind("intake"), self.stages["submitted"])
        self.assertTrue(applicant.ncc_stage_entered_date)
        self.assertEqual(len(applicant.ncc_stage_history_ids), 1)
        self.assertTrue(applicant.ncc_stage_history_ids.is_open)
        ordinary = self.env["res.partner"].create({"name": "Not an applicant", "is_company": True})
        self.assertFalse(ordinary.ncc_stage_id)
        ordinary.write({"ncc_is_applicant": True})
        self.assertEqual(ordinary.ncc_stage_id, self.stages["draft"], "becoming an applicant opens the pipeline")

    def test_the_first_stage_of_each_kind(self):
        Stage = self.env["ncc.assessment.stage"]
        for kind, name in [("draft", "draft"), ("intake", "submitted"), ("assessment", "completeness"),
                           ("approved", "approved"), ("eccc_review", "eccc_review"), ("member", "member"),
                           ("revision", "revision"), ("rejected", "rejected")]:
            self.assertEqual(Stage._first_of_kind(kind), self.stages[name])
        self.assertTrue(self.stages["rejected"].fold)
        assessment = [("revalidation", "=", False)]
        self.assertEqual(self.env["ncc.assessment.check.template"].search_count(assessment), 18)
        self.assertEqual(
            self.env["ncc.assessment.check.template"].search_count(assessment + [("required", "=", False)]), 2)

    def test_submit_opens_the_checklist_and_acknowledges_receipt(self):
        applicant = self.new_applicant()
        applicant.with_user(self.officer).action_ncc_submit()
        self.assertTrue(applicant.ncc_submitted_date)
        self.assertEqual(len(applicant.ncc_check_ids), 18)
        self.assertEqual(set(applicant.ncc_check_ids.mapped("result")), {"pending"})
        self.assertEqual(len(self.mails_to(applicant.ncc_representative_id, "received")), 1)
        with self.assertRaisesRegex(UserError, "already been submitted"):
            applicant.with_user(self.officer).action_ncc_submit()
        ordinary = self.env["res.partner"].create({"name": "Not an applicant", "is_company": True})
        with self.assertRaisesRegex(UserError, "not an applicant"):
            ordinary.action_ncc_submit()

    def test_officer_moves_forward_and_back_and_every_move_is_tracked(self):
        applicant = self.new_applicant()
        as_officer = applicant.with_user(self.officer)
        as_officer.action_ncc_submit()
        self.flush_tracking()
        as_officer.action_ncc_next_stage()
        self.flush_tracking()
        self.assertEqual(applicant.ncc_stage_id, self.stages["completeness"])
        applicant.ncc_check_ids.filtered(lambda line: line.stage_id == self.stages["completeness"]).write(
            {"result": "pass"})  # the stage's checks done: it may move on
        as_officer.action_ncc_next_stage()
        self.flush_tracking()
        self.assertEqual(applicant.ncc_stage_id, self.stages["eligibility"])
        as_officer.write({"ncc_stage_id": self.stages["completeness"].id})  # backwards: allowed
        self.assertEqual(applicant.ncc_stage_id, self.stages["completeness"])
        trackings = self.stage_trackings(applicant)
        self.assertEqual(
            sorted(trackings.mapped(lambda t: (t.old_value_char, t.new_value_char))),
            sorted([("Draft", "Submitted"), ("Submitted", "Completeness check"),
                    ("Completeness check", "Eligibility and establishment"),
                    ("Eligibility and establishment", "Completeness check")]),
        )
        history = applicant.ncc_stage_history_ids.sorted("id")
        self.assertEqual([stay.stage_id.name for stay in history], [
            "Draft", "Submitted", "Completeness check", "Eligibility and establishment", "Completeness check"])
        self.assertEqual(history.filtered("is_open"), history[-1])
        self.assertEqual(history[-1].user_id, self.officer)
        self.assertEqual(history[-1].previous_stage_id, self.stages["eligibility"])

    def test_next_stage_stops_before_the_decision(self):
        applicant = self.ready_for_decision()
        with self.assertRaisesRegex(UserError, "ready for the manager's decision"):
            applicant.with_user(self.officer).action_ncc_next_stage()

    def test_checklist_lines_record_who_and_when(self):
        applicant = self.new_applicant()
        applicant.with_user(self.officer).action_ncc_submit()
        line = applicant.ncc_check_ids.filtered(lambda ln: ln.template_id == self.env.ref(REF + "check_established"))
        line.with_user(self.officer).write({"result": "pass", "note": "Register extract of 2026-11-02"})
        self.assertEqual(line.checked_by_id, self.officer)
        self.assertTrue(line.checked_date)
        self.assertTrue(line.is_passed)
        self.flush_tracking()  # the note is written when the transaction commits: one per save
        applicant.invalidate_recordset(["message_ids"])
        self.assertIn("Established in this Member State", applicant.message_ids[0].body)
        line.with_user(self.officer).write({"result": "pending"})
        self.assertFalse(line.checked_by_id)
        applicant._ncc_generate_checks()
        self.assertEqual(len(applicant.ncc_check_ids), 18, "generating again adds nothing")


@tagged("post_install", "-at_install")
class TestAssessmentGates(AssessmentCase):
    def test_approval_needs_a_complete_registration(self):
        applicant = self.ready_for_decision()
        applicant.write({"ncc_form_completed": False})
        self.assertFalse(applicant.ncc_registration_complete)
        with self.assertRaisesRegex(ValidationError, "registration is incomplete"):
            applicant.with_user(self.manager).action_ncc_approve()
        self.assertEqual(applicant.ncc_stage_id, self.stages["expertise"])

    def test_approval_needs_every_required_check_passed_or_not_applicable(self):
        applicant = self.ready_for_decision()
        line = applicant.ncc_check_ids.filtered(lambda ln: ln.template_id == self.env.ref(REF + "check_exclusion"))
        for result in ("pending", "fail"):
            line.result = result
            with self.assertRaisesRegex(ValidationError, "No exclusion situation"):
                applicant.with_user(self.manager).action_ncc_approve()
        line.result = "na"
        optional = applicant.ncc_check_ids.filtered(lambda ln: not ln.required)
        optional.write({"result": "pending"})
        applicant.with_user(self.manager).action_ncc_approve()
        self.assertEqual(applicant.ncc_stage_id, self.stages["approved"])
        self.assertEqual(applicant.ncc_decision, "approved")
        self.assertTrue(applicant.ncc_decision_date)

    def test_approval_needs_checks_added_to_the_template_later(self):
        applicant = self.ready_for_decision()
        self.env["ncc.assessment.check.template"].with_user(self.manager).create(
            {"name": "Sanctions list screened", "code": "6b", "sequence": 65}
        )
        with self.assertRaisesRegex(ValidationError, "6b Sanctions list screened: not assessed"):
            applicant.with_user(self.manager).action_ncc_approve()
        applicant.with_user(self.officer).write({"ncc_stage_id": self.stages["ownership"].id})
        line = applicant.ncc_check_ids.filtered(lambda ln: ln.code == "6b")
        self.assertEqual(line.result, "pending", "entering a stage adds the new check")

    def test_the_approval_gate_holds_for_a_dragged_card_too(self):
        applicant = self.new_applicant()
        applicant.with_user(self.officer).action_ncc_submit()
        with self.assertRaisesRegex(ValidationError, "cannot be approved yet"):
            applicant.with_user(self.manager).write({"ncc_stage_id": self.stages["approved"].id})

    def test_an_officer_cannot_decide(self):
        applicant = self.ready_for_decision()
        as_officer = applicant.with_user(self.officer)
        with self.assertRaisesRegex(AccessError, "Only an NCC manager can approve"):
            as_officer.action_ncc_approve()
        with self.assertRaisesRegex(AccessError, "Only an NCC manager can approve"):
            as_officer.write({"ncc_stage_id": self.stages["approved"].id})
        with self.assertRaisesRegex(AccessError, "Only an NCC manager can reject"):
            as_officer.action_ncc_reject(reason="Not established")
        with self.assertRaisesRegex(AccessError, "Only an NCC manager can reject"):
            as_officer.write({"ncc_stage_id": self.stages["rejected"].id})
        with self.assertRaisesRegex(AccessError, "Atlas synchronisation does that"):
            as_officer.write({"ncc_stage_id": self.stages["member"].id})
        self.assertEqual(applicant.ncc_stage_id, self.stages["expertise"])
        applicant.with_user(self.manager).action_ncc_approve()
        with self.assertRaisesRegex(AccessError, "Only an NCC manager can revoke"):
            as_officer.action_ncc_revoke(reason="Criteria lapsed")
        with self.assertRaisesRegex(AccessError, "only an NCC manager can move it back"):
            as_officer.write({"ncc_stage_id": self.stages["completeness"].id})

    def test_a_rejection_needs_reasons(self):
        applicant = self.ready_for_decision()
        as_manager = applicant.with_user(self.manager)
        with self.assertRaisesRegex(UserError, "use “Reject”"):
            as_manager.write({"ncc_stage_id": self.stages["rejected"].id})
        with self.assertRaisesRegex(UserError, "needs its reasons"):
            as_manager.action_ncc_reject(reason="   ")
        # the decision record itself insists on reasons
        with self.assertRaisesRegex(ValidationError, "needs its reasons"), self.env.cr.savepoint():
            self.env["ncc.decision"].sudo().create({"partner_id": applicant.id, "round_id": applicant.ncc_round_id.id,
                                                    "kind": "rejected", "reason": False})
        self.assertFalse(applicant.ncc_decision)
        action = as_manager.action_ncc_reject()
        self.assertEqual(action["res_model"], "ncc.decision.wizard", "without reasons, the button asks for them")
        self.assertEqual(applicant.ncc_stage_id, self.stages["expertise"])

    def test_reject_with_reasons(self):
        applicant = self.ready_for_decision()
        applicant.with_user(self.manager).action_ncc_reject(reason="Not established in Luxembourg.")
        self.assertEqual(applicant.ncc_stage_id, self.stages["rejected"])
        self.assertEqual(applicant.ncc_decision, "rejected")
        self.assertEqual(applicant.ncc_decision_reason, "Not established in Luxembourg.")
        self.assertTrue(applicant.ncc_decision_date)
        with self.assertRaisesRegex(UserError, "revoke a registration instead"):
            applicant.with_user(self.manager).action_ncc_reject(reason="Again")
        with self.assertRaisesRegex(UserError, "Only an approved application or a registered member"):
            applicant.with_user(self.manager).action_ncc_revoke(reason="Again")

    def test_revoke_an_approved_registration(self):
        applicant = self.approved_applicant()
        applicant.sudo().write({"ncc_stage_id": self.stages["member"].id})
        applicant.with_user(self.manager).action_ncc_revoke(reason="Majority shares now held outside the EU.")
        self.assertEqual(applicant.ncc_stage_id, self.stages["rejected"])
        self.assertEqual(applicant.ncc_decision, "revoked")
        self.assertEqual(len(self.mails_to(applicant.ncc_representative_id, "revoked")), 1)

    def test_a_manager_reopens_a_decided_application(self):
        applicant = self.ready_for_decision()
        applicant.with_user(self.manager).action_ncc_reject(reason="Missing register extract.")
        self.flush_tracking()
        applicant.with_user(self.manager).write({"ncc_stage_id": self.stages["completeness"].id})
        self.assertFalse(applicant.ncc_decision)
        self.assertFalse(applicant.ncc_decision_reason)
        self.assertIn(
            ("Rejected", "Completeness check"),
            self.stage_trackings(applicant).mapped(lambda t: (t.old_value_char, t.new_value_char)),
        )

    def test_the_system_moves_without_the_permission_gates(self):
        applicant = self.approved_applicant()
        self.flush_tracking()
        system = applicant.with_user(self.officer).sudo()  # e.g. the Atlas synchronisation in a cron
        system.write({"ncc_stage_id": applicant._ncc_stage_of_kind("eccc_review").id})
        self.flush_tracking()
        system.write({"ncc_stage_id": applicant._ncc_stage_of_kind("revision").id})
        self.flush_tracking()
        self.assertEqual(applicant.ncc_stage_id, self.stages["revision"])
        self.assertEqual(applicant.ncc_decision, "approved", "a revision request does not undo the approval")
        last = applicant.ncc_stage_history_ids.sorted("id")[-1]
        self.assertTrue(last.is_system_move)
        self.assertEqual(last.previous_stage_id, self.stages["eccc_review"])
        system.write({"ncc_stage_id": applicant._ncc_stage_of_kind("rejected").id})
        self.assertEqual(applicant.ncc_decision, "rejected")
        self.assertEqual(applicant.ncc_decision_reason, "Rejected by the ECCC on the Atlas.")
        self.assertFalse(self.mails_to(applicant.ncc_representative_id, "decision"), "the sync tells, not the move")
        self.assertEqual(
            self.stage_trackings(applicant).sorted("id").mapped("new_value_char")[-3:],
            ["Under ECCC review", "Revision requested by ECCC", "Rejected"],
            "system moves are tracked as well",
        )


@tagged("post_install", "-at_install")
class TestAssessmentWizard(AssessmentCase):
    def _run_wizard(self, action, user, text):
        wizard = self.env[action["res_model"]].with_user(user).with_context(action["context"]).create({"text": text})
        wizard.action_confirm()

    def test_request_information(self):
        applicant = self.new_applicant()
        applicant.ncc_assessor_id = self.other_officer
        applicant.with_user(self.officer).action_ncc_submit()
        action = applicant.with_user(self.officer).action_ncc_request_information()
        self._run_wizard(action, self.officer, "An extract of the company register, not older than 3 months.")
        self.assertIn("company register", applicant.ncc_information_request)
        mail = self.mails_to(applicant.ncc_representative_id, "information needed")
        self.assertEqual(len(mail), 1)
        self.assertIn("not older than 3 months", mail.body_html)
        activity = applicant.activity_ids.filtered(
            lambda a: a.activity_type_id == self.env.ref(REF + "mail_activity_type_ncc_information")
        )
        self.assertEqual(activity.user_id, self.other_officer, "the assessor follows up")
        self.assertEqual((activity.date_deadline - date.today()).days, 14)
        with self.assertRaisesRegex(AccessError, "Only NCC officers"):
            applicant.with_user(self.plain_user).action_ncc_request_information(message="x")

    def test_reject_through_the_wizard(self):
        applicant = self.ready_for_decision()
        action = applicant.with_user(self.manager).action_ncc_reject()
        wizard = self.env["ncc.decision.wizard"].with_user(self.manager).with_context(action["context"]).create(
            {"text": "A parent company outside the EU controls it.", "security_grounds": True}
        )
        wizard.action_confirm()
        self.assertEqual(applicant.ncc_decision, "rejected")
        self.assertTrue(applicant.ncc_decision_reason.startswith("Decision on security grounds."))


@tagged("post_install", "-at_install")
class TestAssessmentAccess(AssessmentCase):
    def test_a_plain_user_sees_the_company_not_the_application(self):
        applicant = self.new_applicant()
        ordinary = self.env["res.partner"].create({"name": "Ordinary Supplier", "is_company": True})
        Partner = self.env["res.partner"].with_user(self.plain_user)
        found = Partner.search([("is_company", "=", True)])
        self.assertIn(ordinary, found)
        self.assertIn(applicant, found, "an applicant stays a company of the CRM")
        self.assertEqual(Partner.browse(applicant.id).read(["name"])[0]["name"], applicant.name)
        with self.assertRaises(AccessError):
            Partner.browse(applicant.id).read(["ncc_stage_id"])
        with self.assertRaises(AccessError):
            Partner.browse(applicant.id).read(["ncc_check_ids"])
        with self.assertRaises(AccessError):
            self.env["ncc.stage.history"].with_user(self.plain_user).search([])
        with self.assertRaises(AccessError):
            self.env["ncc.assessment.check"].with_user(self.plain_user).search([])
        with self.assertRaises(AccessError):
            Partner.browse(ordinary.id).read(["ncc_stage_id"])

    def test_officers_see_applications(self):
        applicant = self.new_applicant()
        Partner = self.env["res.partner"].with_user(self.officer)
        self.assertIn(applicant, Partner.search([("ncc_is_applicant", "=", True)]))
        self.assertEqual(Partner.browse(applicant.id).ncc_stage_id, self.stages["draft"])

    def test_only_officers_move_applications(self):
        applicant = self.new_applicant()
        ordinary = self.env["res.partner"].create({"name": "Ordinary Supplier", "is_company": True})
        partner_manager = new_test_user(
            self.env, "partner_manager", groups="base.group_user,base.group_partner_manager"
        )
        with self.assertRaises(AccessError):
            ordinary.with_user(partner_manager).write({"ncc_stage_id": self.stages["completeness"].id})
        with self.assertRaises(AccessError):
            applicant.with_user(partner_manager).write({"ncc_stage_id": self.stages["completeness"].id})

    def test_only_managers_configure_the_pipeline(self):
        with self.assertRaises(AccessError):
            self.stages["submitted"].with_user(self.officer).write({"target_days": 1})
        with self.assertRaises(AccessError):
            self.env.ref(REF + "check_entity").with_user(self.officer).write({"required": False})
        self.stages["submitted"].with_user(self.manager).write({"target_days": 1})


@tagged("post_install", "-at_install")
class TestAssessmentPipelineView(AssessmentCase):
    def test_group_expand_shows_every_stage(self):
        self.new_applicant()
        groups = self.env["res.partner"].with_user(self.officer).with_context(read_group_expand=True)
        groups = groups.formatted_read_group([("ncc_is_applicant", "=", True)], ["ncc_stage_id"], ["__count"])
        self.assertEqual(
            [group["ncc_stage_id"][0] for group in groups],
            [stage.id for stage in self.env["ncc.assessment.stage"].search([])],
        )
        self.assertEqual(len(groups), 11)
        counts = {group["ncc_stage_id"][0]: group["__count"] for group in groups}
        self.assertGreaterEqual(counts[self.stages["draft"].id], 1)
        self.assertEqual(counts[self.stages["member"].id], 0)

    def test_a_new_stage_shows_up(self):
        stage = self.env["ncc.assessment.stage"].with_user(self.manager).create(
            {"name": "Security referral", "kind": "assessment", "sequence": 45, "target_days": 20}
        )
        groups = self.env["res.partner"].with_context(read_group_expand=True).formatted_read_group(
            [("ncc_is_applicant", "=", True)], ["ncc_stage_id"], ["__count"]
        )
        ids = [group["ncc_stage_id"][0] for group in groups]
        self.assertEqual(ids.index(stage.id), ids.index(self.stages["ownership"].id) + 1)

    def test_reporting_figures(self):
        with freeze_time("2026-05-04 10:00:00"):
            first = self.new_applicant(name="Alpha Cyber", company_registry="B100001", ncc_size_class="micro")
            first.action_ncc_submit()
        with freeze_time("2026-06-10 10:00:00"):
            second = self.new_applicant(name="Beta Secure", company_registry="B100002", ncc_size_class="large")
            second.action_ncc_submit()
            second.write({"ncc_stage_id": self.stages["completeness"].id})
        Partner = self.env["res.partner"].with_user(self.manager)
        domain = [("id", "in", (first | second).ids)]

        def counts(groupby):
            return {
                str(group[groupby][1] if isinstance(group[groupby], tuple) else group[groupby]): group["__count"]
                for group in Partner.formatted_read_group(domain, [groupby], ["__count"])
            }

        self.assertEqual(counts("ncc_stage_id"), {"Submitted": 1, "Completeness check": 1})
        self.assertEqual(counts("country_id"), {"Luxembourg": 2})
        self.assertEqual(counts("ncc_cluster_type_id"), {"Industry (SME)": 2})
        self.assertEqual(counts("ncc_field_of_activity_ids"), {"Industrial or product development": 2})
        self.assertEqual(counts("ncc_submitted_date:month"), {"May 2026": 1, "June 2026": 1})
        self.assertEqual(counts("ncc_size_class"), {"micro": 1, "large": 1})
        stays = self.env["ncc.stage.history"].with_user(self.manager).formatted_read_group(
            [("partner_id", "in", (first | second).ids)], ["country_id", "stage_id"], ["duration_days:avg"]
        )
        self.assertTrue(stays)

    def test_views_load(self):
        Partner = self.env["res.partner"].with_user(self.officer)
        for view in ("kanban", "list", "search"):
            arch = Partner.get_view(self.env.ref(f"{REF}view_ncc_application_{view}").id, view)["arch"]
            self.assertIn("ncc_stage_id" if view != "list" else "ncc_deadline", arch)
        kanban = Partner.get_view(self.env.ref(REF + "view_ncc_application_kanban").id, "kanban")["arch"]
        self.assertIn('name="ncc_card_badges"', kanban, "the Atlas sync adds its badge there")
        form = Partner.get_view(self.env.ref("base.view_partner_form").id, "form")["arch"]
        self.assertIn("action_ncc_approve", self.env["res.partner"].with_user(self.manager).get_view(
            self.env.ref("base.view_partner_form").id, "form")["arch"])
        self.assertNotIn("action_ncc_approve", form, "the decision buttons are for managers")
        self.assertIn("ncc_check_ids", form)
        plain_form = self.env["res.partner"].with_user(self.plain_user).get_view(
            self.env.ref("base.view_partner_form").id, "form")["arch"]
        self.assertNotIn("ncc_stage_id", plain_form)


@tagged("post_install", "-at_install")
class TestAssessmentDeadlines(AssessmentCase):
    def test_deadline_lateness_and_the_assessor_activity(self):
        with freeze_time("2026-03-02 09:00:00"):
            applicant = self.new_applicant()
            self.assertFalse(applicant.ncc_deadline, "a draft has no target")
            applicant.with_user(self.officer).action_ncc_submit()
            applicant.with_user(self.manager).write({"ncc_assessor_id": self.officer.id})
            self.assertEqual(applicant.ncc_deadline, date(2026, 3, 4), "Submitted has a 2-day target")
            activity = applicant.activity_ids.filtered(
                lambda a: a.activity_type_id == self.env.ref(REF + "mail_activity_type_ncc_stage")
            )
            self.assertEqual((activity.user_id, activity.date_deadline, activity.summary),
                             (self.officer, date(2026, 3, 4), "Submitted"))
        with freeze_time("2026-03-04 18:00:00"):
            applicant.invalidate_recordset(["ncc_is_late"])
            self.assertFalse(applicant.ncc_is_late, "due today is not late")
        with freeze_time("2026-03-05 08:00:00"):
            applicant.invalidate_recordset(["ncc_is_late", "ncc_needs_attention"])
            self.assertTrue(applicant.ncc_is_late)
            self.assertTrue(applicant.ncc_needs_attention)
            Partner = self.env["res.partner"]
            self.assertIn(applicant, Partner.search([("ncc_is_late", "=", True)]))
            self.assertNotIn(applicant, Partner.search([("ncc_is_late", "=", False)]))
            self.assertIn(applicant, Partner.search([("ncc_needs_attention", "=", True)]))
            applicant.with_user(self.officer).action_ncc_next_stage()
            self.assertEqual(applicant.ncc_deadline, date(2026, 3, 10), "Completeness check has a 5-day target")
            self.assertFalse(applicant.ncc_is_late)
            activity = applicant.activity_ids.filtered(
                lambda a: a.activity_type_id == self.env.ref(REF + "mail_activity_type_ncc_stage")
            )
            self.assertEqual((activity.summary, activity.date_deadline), ("Completeness check", date(2026, 3, 10)))
            self.stages["completeness"].with_user(self.manager).target_days = 1
            self.assertEqual(applicant.ncc_deadline, date(2026, 3, 6), "a new target moves the deadline")
            applicant.with_user(self.manager).write({"ncc_assessor_id": self.other_officer.id})
            self.assertEqual(activity.user_id, self.other_officer, "the new assessor takes the activity over")

    def test_no_target_no_deadline(self):
        applicant = self.approved_applicant()
        self.assertFalse(applicant.ncc_deadline)
        self.assertFalse(applicant.ncc_is_late)
        self.assertFalse(applicant.activity_ids.filtered(
            lambda a: a.activity_type_id == self.env.ref(REF + "mail_activity_type_ncc_stage")
        ), "the last stage's activity goes with the move")

    def test_needs_attention(self):
        applicant = self.new_applicant()
        applicant.ncc_assessor_id = self.officer
        self.assertFalse(applicant.ncc_needs_attention)
        applicant.action_ncc_submit()
        applicant.ncc_check_ids[0].result = "fail"
        self.assertTrue(applicant.ncc_needs_attention)
        applicant.ncc_check_ids[0].result = "pass"
        self.assertFalse(applicant.ncc_needs_attention)
        applicant.ncc_assessor_id = False
        self.assertTrue(applicant.ncc_needs_attention)
        self.assertIn(applicant, self.env["res.partner"].search([("ncc_needs_attention", "=", True)]))
        self.assertNotIn(applicant, self.env["res.partner"].search([("ncc_needs_attention", "=", False)]))


@tagged("post_install", "-at_install")
class TestStageHistory(AssessmentCase):
    def test_days_in_each_stage(self):
        with freeze_time("2026-04-01 08:00:00"):
            applicant = self.new_applicant()
            applicant.with_user(self.officer).action_ncc_submit()
        with freeze_time("2026-04-02 20:00:00"):
            applicant.with_user(self.officer).action_ncc_next_stage()
        with freeze_time("2026-04-05 08:00:00"):
            applicant.with_user(self.officer).write({"ncc_stage_id": self.stages["submitted"].id})
        with freeze_time("2026-04-06 08:00:00"):
            applicant.with_user(self.officer).write({"ncc_stage_id": self.stages["completeness"].id})
            history = applicant.ncc_stage_history_ids.sorted("id")
            self.assertEqual(history.mapped("duration_days"), [0.0, 1.5, 2.5, 1.0, 0.0])
            self.assertEqual(history[-1]._days_so_far(datetime(2026, 4, 7, 20, 0)), 1.5)
            self.assertEqual(applicant.ncc_days_in_stage, 0)
        groups = self.env["ncc.stage.history"]._read_group(
            [("partner_id", "=", applicant.id), ("is_open", "=", False)],
            ["stage_id"],
            ["duration_days:sum", "duration_days:avg", "__count"],
        )
        figures = {stage.name: (total, average, count) for stage, total, average, count in groups}
        self.assertEqual(figures, {"Draft": (0.0, 0.0, 1), "Submitted": (2.5, 1.25, 2),
                                   "Completeness check": (2.5, 2.5, 1)})


@tagged("post_install", "-at_install")
class TestAssessmentEmails(AssessmentCase):
    def test_emails_go_to_the_representative_in_the_applicant_language(self):
        self.env["res.lang"]._activate_lang("fr_FR")
        applicant = self.new_applicant(lang="fr_FR")
        representative = applicant.ncc_representative_id
        for xmlid in ("received", "information_requested", "approved", "rejected", "revoked", "published"):
            template = self.env.ref(f"{REF}mail_template_ncc_{xmlid}")
            self.assertEqual(template._render_lang(applicant.ids)[applicant.id], "fr_FR")
            self.assertEqual(template._generate_template(applicant.ids, ["partner_to"])[applicant.id]["partner_ids"],
                             representative.ids)

    def test_approval_email(self):
        self.env.company.email = "ncc@ncc.example.eu"
        applicant = self.approved_applicant()
        mail = self.mails_to(applicant.ncc_representative_id, "approved")
        self.assertEqual(len(mail), 1)
        self.assertEqual(mail.recipient_ids, applicant.ncc_representative_id)
        self.assertIn("Kirchberg Secure Systems S.A.", mail.body_html)
        self.assertIn("European Cybersecurity Competence Centre", mail.body_html)
        self.assertEqual(mail.mail_message_id.model, "res.partner")
        self.assertEqual(mail.mail_message_id.res_id, applicant.id, "kept in the application's chatter")
        self.assertIn("ncc@ncc.example.eu", mail.email_from, "sent in the name of the NCC")

    def test_rejection_email_carries_the_reasons(self):
        applicant = self.ready_for_decision()
        applicant.with_user(self.manager).action_ncc_reject(reason="Its main seat is in Switzerland.")
        mail = self.mails_to(applicant.ncc_representative_id, "decision")
        self.assertEqual(len(mail), 1)
        self.assertIn("Its main seat is in Switzerland.", mail.body_html)
        self.assertEqual(mail.state, "outgoing")

    def test_the_sync_sends_the_publication_email(self):
        applicant = self.approved_applicant()
        applicant.sudo().write({"ncc_stage_id": self.stages["member"].id})
        applicant._ncc_notify("mail_template_ncc_published")
        mail = self.mails_to(applicant.ncc_representative_id, "Welcome")
        self.assertEqual(len(mail), 1)
        self.assertIn("published the registration", mail.body_html)

    def test_no_representative_still_leaves_a_trace(self):
        applicant = self.new_applicant(representative=False)
        count = len(applicant.message_ids)
        applicant.with_user(self.officer).action_ncc_submit()
        applicant.invalidate_recordset(["message_ids"])
        self.assertGreater(len(applicant.message_ids), count)
