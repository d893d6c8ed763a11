"""Periodic re-validation of members: due dates, the scheduled job, a passed re-validation, and a revocation from
there reaching the Atlas as ``to_be_rejected``."""

import contextlib
from datetime import datetime, time
from unittest.mock import patch

from dateutil.relativedelta import relativedelta

from odoo import fields
from odoo.exceptions import AccessError, UserError
from odoo.tests import Form, new_test_user, tagged

from ..models import res_partner_revalidation
from .assessment_common import REF, AssessmentCase
from .atlas_common import AtlasCase

ACTIVITY = REF + "mail_activity_type_ncc_revalidation"
CHECK_CODES = ["R1", "R2", "R3", "R4"]
PATCH = "/jsonapi/node/cluster/<id>"


class RevalidationMixin:
    def run_revalidation_cron(self):
        """Through Odoo's cron runner, as a cron worker runs it (its own transactions, repeated while work remains)."""
        cron = self.env.ref(REF + "ir_cron_ncc_revalidation")
        mode = contextlib.nullcontext() if type(self)._registry_patched else self.enter_registry_test_mode()
        with mode:
            result = cron.method_direct_trigger()
        self.env.invalidate_all()
        self.assertIs(result, True, f"the re-validation job failed: {result}")

    def member_since(self, partner, day):
        """Backdate the stay in the member stage: the entity became a member on ``day``."""
        stays = partner.sudo().ncc_stage_history_ids.filtered(lambda stay: stay.kind == "member")
        stays.write({"date_in": datetime.combine(day, time(12))})
        self.assertEqual(partner.ncc_member_since, day)

    def activities(self, partner):
        partner.invalidate_recordset(["activity_ids"])
        return partner.activity_ids.filtered(lambda act: act.activity_type_id == self.env.ref(ACTIVITY))


@tagged("post_install", "-at_install")
class TestRevalidation(RevalidationMixin, AssessmentCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["ir.config_parameter"].sudo().set_param(REF + "revalidation_user_id", cls.other_officer.id)

    def setUp(self):
        super().setUp()
        self.today = fields.Date.context_today(self.env["res.partner"])
        self.limit = self.today - relativedelta(years=3)

    def member(self, since):
        applicant = self.approved_applicant()
        applicant.sudo().write({"ncc_stage_id": self.stages["member"].id})  # published by the ECCC: a system move
        self.member_since(applicant, since)
        return applicant

    def test_the_revalidation_checklist_is_not_the_assessment(self):
        Template = self.env["ncc.assessment.check.template"]
        self.assertEqual(Template.search([("revalidation", "=", True)]).mapped("code"), CHECK_CODES)
        applicant = self.new_applicant()
        applicant.with_user(self.officer).action_ncc_submit()
        self.assertEqual(len(applicant.ncc_check_ids), 18, "an application gets the assessment's checks only")
        self.assertFalse(applicant.ncc_revalidation_check_ids)

    def test_due_just_past_the_limit_not_just_before(self):
        before = self.member(self.limit + relativedelta(days=1))
        on_limit = self.member(self.limit)
        past = self.member(self.limit - relativedelta(days=1))
        past.write({"ncc_assessor_id": self.officer.id})
        members = before | on_limit | past
        self.assertEqual(members.mapped("ncc_revalidation_due"), [False, True, True])
        self.assertEqual(before.ncc_revalidation_due_date, self.today + relativedelta(days=1))
        due = self.env["res.partner"].with_user(self.officer).search(
            [("id", "in", members.ids), ("ncc_revalidation_due", "=", True)])
        self.assertEqual(due, on_limit | past, "the pipeline's “Re-validation due” filter")

        self.run_revalidation_cron()
        self.assertFalse(self.activities(before))
        self.assertFalse(before.ncc_revalidation_check_ids)
        self.assertFalse(before.ncc_revalidation_started_date)
        for partner, user in ((on_limit, self.other_officer), (past, self.officer)):
            activity = self.activities(partner)
            self.assertEqual(activity.user_id, user, "the assessor, else the officer of the settings")
            self.assertEqual(partner.ncc_revalidation_check_ids.mapped("code"), CHECK_CODES)
            self.assertEqual(set(partner.ncc_revalidation_check_ids.mapped("result")), {"pending"})
            self.assertEqual(partner.ncc_revalidation_started_date, self.today)
            self.assertEqual(partner.ncc_stage_kind, "member", "a re-validation keeps the member a member")

    def test_a_second_run_duplicates_nothing(self):
        partner = self.member(self.limit - relativedelta(days=10))
        self.run_revalidation_cron()
        self.run_revalidation_cron()
        self.assertEqual(len(self.activities(partner)), 1)
        self.assertEqual(len(partner.ncc_revalidation_check_ids), 4)
        self.assertEqual(len(partner.sudo().ncc_check_ids), 18, "the assessment's checklist is untouched")

    def test_one_batch_per_call_until_none_remain(self):
        members = self.member(self.limit) | self.member(self.limit) | self.member(self.limit)
        with patch.object(res_partner_revalidation, "BATCH_SIZE", 2), \
                patch.object(type(self.env["ir.cron"]), "_commit_progress", autospec=True,
                             side_effect=type(self.env["ir.cron"])._commit_progress) as progress:
            self.run_revalidation_cron()
        self.assertEqual([call.kwargs["remaining"] for call in progress.call_args_list], [1, 0],
                         "two batches, each committed with what remains")
        self.assertTrue(all(members.mapped("ncc_revalidation_started_date")))
        self.assertEqual(len(members.activity_ids.filtered(
            lambda act: act.activity_type_id == self.env.ref(ACTIVITY))), 3)

    def test_zero_years_means_no_revalidation(self):
        partner = self.member(self.limit - relativedelta(years=5))
        settings = Form(self.env["res.config.settings"])
        self.assertEqual(settings.ncc_revalidation_years, 3, "the default")
        settings.ncc_revalidation_years = 0
        settings.save().execute()
        self.assertEqual(self.env["res.config.settings"].create({}).ncc_revalidation_years, 0)
        self.assertFalse(partner.ncc_revalidation_due)
        self.run_revalidation_cron()
        self.assertFalse(self.activities(partner))
        self.assertFalse(partner.ncc_revalidation_check_ids)

    def test_a_passed_revalidation_moves_the_date_on(self):
        partner = self.member(self.limit - relativedelta(days=1))
        self.run_revalidation_cron()
        as_officer = partner.with_user(self.other_officer)
        with self.assertRaisesRegex(UserError, "cannot pass its re-validation yet"):
            as_officer.action_ncc_revalidation_pass()
        as_officer.ncc_revalidation_check_ids.write({"result": "pass"})
        self.assertEqual(set(partner.ncc_revalidation_check_ids.checked_by_id.ids), {self.other_officer.id})
        as_officer.action_ncc_revalidation_pass()

        self.assertEqual(partner.ncc_stage_kind, "member")
        self.assertEqual(partner.ncc_revalidated_date, self.today)
        self.assertFalse(partner.ncc_revalidation_started_date)
        self.assertFalse(partner.ncc_revalidation_due)
        self.assertEqual(partner.ncc_revalidation_due_date, self.today + relativedelta(years=3))
        self.assertFalse(self.activities(partner), "the activity is done")
        self.assertIn("Re-validation passed", partner.message_ids[0].body)
        self.run_revalidation_cron()
        self.assertFalse(self.activities(partner), "passed: not due again before three years")
        with self.assertRaisesRegex(UserError, "no re-validation open"):
            as_officer.action_ncc_revalidation_pass()

    def test_only_managers_revoke_and_only_officers_record(self):
        partner = self.member(self.limit - relativedelta(days=1))
        self.run_revalidation_cron()
        with self.assertRaisesRegex(AccessError, "Only an NCC manager can revoke"):
            partner.with_user(self.officer).action_ncc_revalidation_revoke()
        with self.assertRaises(AccessError):
            partner.with_user(self.plain_user).action_ncc_revalidation_pass()


@tagged("post_install", "-at_install")
class TestRevalidationAtlas(RevalidationMixin, AtlasCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.officer = new_test_user(cls.env, "ncc_reval_officer", groups=REF + "group_ncc_officer",
                                    name="Rita Revalidation", email="rita@ncc.example.eu")
        cls.manager = new_test_user(cls.env, "ncc_reval_manager", groups=REF + "group_ncc_manager",
                                    name="Max Manager", email="max@ncc.example.eu")
        cls.env["ir.config_parameter"].sudo().set_param(REF + "revalidation_user_id", cls.officer.id)

    def test_a_lapsed_member_revoked_from_revalidation_reaches_the_atlas(self):
        partner = self.approved_applicant()
        self.push()
        self.sandbox.publish(partner.ncc_atlas_uuid)
        self.pull()
        self.assertEqual(partner.ncc_stage_kind, "member")
        today = fields.Date.context_today(partner)
        self.member_since(partner, today - relativedelta(years=3, days=1))

        requests = self.sandbox.count()
        self.run_revalidation_cron()
        self.assertEqual(self.sandbox.count(), requests, "opening a re-validation asks nothing of the Atlas")
        self.assertEqual(self.activities(partner).user_id, self.officer)
        lines = partner.with_user(self.officer).ncc_revalidation_check_ids
        lines.filtered(lambda line: line.code == "R1").write(
            {"result": "fail", "note": "Struck off the register in 2026."})

        action = partner.with_user(self.manager).action_ncc_revalidation_revoke()
        Wizard = self.env[action["res_model"]].with_user(self.manager).with_context(action["context"])
        wizard = Form(Wizard)
        with self.assertRaises(AssertionError, msg="the reasons are mandatory"):
            wizard.save()
        wizard.text = "No longer established in Luxembourg (struck off the company register)."
        wizard.save().action_confirm()

        self.assertEqual(partner.ncc_stage_kind, "rejected")
        self.assertEqual(partner.ncc_decision, "revoked")
        self.assertIn("struck off", partner.ncc_decision_reason)
        decision = partner.ncc_decision_id
        self.assertEqual((decision.kind, decision.user_id), ("revoked", self.manager))
        kept = decision.check_ids.filtered(lambda line: line.code == "R1")
        self.assertEqual((kept.result, kept.note), ("fail", "Struck off the register in 2026."),
                         "the decision keeps the re-validation checklist it rests on")
        self.assertFalse(self.activities(partner), "the re-validation is closed")
        self.assertFalse(partner.ncc_revalidation_started_date)
        mail = self.env["mail.mail"].search([("model", "=", "res.partner"), ("res_id", "=", partner.id),
                                             ("subject", "ilike", "revoked"),
                                             ("recipient_ids", "in", partner.ncc_representative_id.ids)])
        self.assertEqual(len(mail), 1, "the representative is told, once")
        self.assertIn("struck off", mail.body_html)

        self.assertEqual(partner.ncc_sync_state, "pending")
        patches = len(self.sandbox.requests("PATCH", PATCH))
        self.push()
        self.assertEqual(partner.ncc_sync_state, "synced", partner.ncc_sync_error)
        self.assertEqual(len(self.sandbox.requests("PATCH", PATCH)), patches + 1)
        self.assertEqual(self.remote(partner)["moderation_state"], "to_be_rejected")
        self.assertEqual(partner.ncc_atlas_state, "to_be_rejected")
