"""Every decision is a record of its own, in an assessment round; a rejected or withdrawn company applies again in
a new round; the decisions held on res.partner before 19.0.1.1.0 become records."""

from odoo import Command
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import new_test_user, tagged

from ..migration_steps import LEGACY_DECISIONS, NO_REASON, decisions_into_records
from .assessment_common import REF, AssessmentCase
from .test_access_rpc import RpcCase

KEPT = ["kind", "date", "user_id", "reason", "round_id", "origin", "stage_id"]


def decision_values(decisions):
    return [(d.id, *(d[name] for name in KEPT), [(c.code, c.name, c.result, c.note) for c in d.check_ids])
            for d in decisions]


@tagged("post_install", "-at_install")
class TestDecisionRecords(AssessmentCase):
    def test_two_rounds_on_one_company_keep_both_decisions(self):
        applicant = self.ready_for_decision()
        exclusion = applicant.ncc_check_ids.filtered(lambda ln: ln.template_id == self.env.ref(REF + "check_exclusion"))
        exclusion.with_user(self.officer).write({"result": "fail", "note": "Listed in the EDES database."})
        applicant.with_user(self.manager).action_ncc_reject(reason="An exclusion situation (Art. 138 FR).")
        first = applicant.ncc_decision_ids
        self.assertEqual((first.kind, first.user_id, first.origin, first.round_id.number),
                         ("rejected", self.manager, "ncc", 1))
        self.assertEqual(applicant.ncc_decision_id, first)
        self.assertEqual(len(first.check_ids), 18, "the checklist as it stood")
        line = first.check_ids.filtered(lambda c: c.code == exclusion.code)
        self.assertEqual((line.name, line.result, line.note), (exclusion.name, "fail", "Listed in the EDES database."))
        self.assertEqual(first.template_id, self.env.ref(REF + "mail_template_ncc_rejected"))
        self.assertEqual(len(first.message_ids), 1, "the email sent is kept with the decision")
        self.assertIn("Art. 138 FR", first.message_ids.body)
        round_one, checks_one = applicant.ncc_round_id, applicant.ncc_check_ids
        history_one = applicant.ncc_stage_history_ids

        # The company applies again: an officer starts a new round, as a draft; submitted, it gets a fresh checklist.
        applicant.with_user(self.officer).action_ncc_new_round()
        self.assertEqual(applicant.ncc_stage_id, self.stages["draft"])
        self.assertEqual(applicant.ncc_round_id.number, 2)
        self.assertFalse(round_one.is_current)
        self.assertTrue(round_one.date_end)
        self.assertFalse(applicant.ncc_decision, "the new round has no decision yet")
        self.assertFalse(applicant.ncc_decision_reason)
        self.assertFalse(applicant.ncc_submitted_date, "the new application is submitted in its turn")
        self.assertFalse(applicant.ncc_check_ids, "its checklist opens at its submission")
        applicant.with_user(self.officer).action_ncc_submit()
        self.assertEqual(len(applicant.ncc_check_ids), 18)
        self.assertFalse(applicant.ncc_check_ids & checks_one)
        self.assertEqual(set(applicant.ncc_check_ids.mapped("result")), {"pending"})
        self.assertEqual(applicant.ncc_stage_history_ids.filtered(lambda h: h.round_id.number == 2).stage_id,
                         self.stages["draft"] | self.stages["submitted"])
        # The earlier round stays as it was, readable, not editable.
        self.assertEqual(round_one.check_ids, checks_one)
        self.assertEqual(round_one.stage_history_ids, history_one)
        self.assertEqual(exclusion.result, "fail")
        with self.assertRaisesRegex(AccessError, "earlier round is kept as it stood"):
            exclusion.with_user(self.officer).write({"result": "pass"})

        # Round two goes its own way, to an approval.
        self.assertEqual(applicant.ncc_round_id.submitted_date, applicant.ncc_submitted_date)
        self.assertTrue(round_one.submitted_date)
        self.pass_all_checks(applicant)
        applicant.with_user(self.officer).write({"ncc_stage_id": self.stages["expertise"].id})
        applicant.with_user(self.manager).action_ncc_approve()
        self.assertEqual(applicant.ncc_decision, "approved")
        as_officer = applicant.with_user(self.officer)
        decisions = as_officer.ncc_decision_ids.sorted()
        self.assertEqual(decisions.mapped("kind"), ["approved", "rejected"], "newest first")
        self.assertEqual(decisions.mapped("round_id.number"), [2, 1])
        self.assertEqual(decisions[1].reason, "An exclusion situation (Art. 138 FR).")
        self.assertEqual(set(decisions[0].check_ids.mapped("result")), {"pass"})
        self.assertEqual(line.result, "fail", "the first decision's checklist is as it stood then")
        self.assertEqual(as_officer.ncc_round_ids.mapped("decision"), ["approved", "rejected"])
        self.assertEqual(round_one.decision_id, first)

    def test_nothing_overwrites_an_earlier_decision(self):
        applicant = self.approved_applicant()
        approval = applicant.ncc_decision_ids
        kept = decision_values(approval)
        applicant.with_user(self.manager).action_ncc_revoke(reason="Majority shares now held outside the EU.")
        self.assertEqual(decision_values(approval), kept)
        revocation = applicant.ncc_decision_ids - approval
        self.assertEqual((revocation.kind, applicant.ncc_decision_id), ("revoked", revocation))
        kept = decision_values(approval | revocation)
        # A manager reopens it: the revocation is set aside by a record of its own, not erased.
        applicant.with_user(self.manager).write({"ncc_stage_id": self.stages["completeness"].id})
        reopening = applicant.ncc_decision_ids - approval - revocation
        self.assertEqual((reopening.kind, reopening.user_id), ("reopened", self.manager))
        self.assertFalse(applicant.ncc_decision)
        self.assertEqual(decision_values(approval | revocation), kept)
        self.assertEqual(applicant.ncc_decision_ids.sorted().mapped("kind"), ["reopened", "revoked", "approved"])
        self.assertEqual(len(applicant.ncc_round_ids), 1, "a reopening stays in its round")

    def test_the_ecccs_rejection_is_recorded_as_the_atlass(self):
        applicant = self.approved_applicant()
        applicant.with_user(self.officer).sudo().write({"ncc_stage_id": self.stages["rejected"].id})
        decision = applicant.ncc_decision_id
        self.assertEqual((decision.kind, decision.origin), ("rejected", "atlas"))
        self.assertFalse(decision.user_id, "the ECCC decided, not whoever ran the sync")
        self.assertFalse(decision.message_ids, "the sync tells, not the move")

    def test_a_withdrawal_on_the_applicants_request(self):
        applicant = self.ready_for_decision()
        with self.assertRaisesRegex(AccessError, "Only an NCC manager can record a withdrawal"):
            applicant.with_user(self.officer).action_ncc_withdraw(reason="Their email of 3 May.")
        action = applicant.with_user(self.manager).action_ncc_withdraw()
        self.assertEqual((action["res_model"], action["context"]["default_mode"]), ("ncc.decision.wizard", "withdraw"))
        wizard = self.env["ncc.decision.wizard"].with_user(self.manager).with_context(action["context"]).create(
            {"text": "Withdrawn at the representative's request (email of 3 May)."})
        wizard.action_confirm()
        self.assertEqual((applicant.ncc_stage_id, applicant.ncc_decision), (self.stages["rejected"], "withdrawn"))
        decision = applicant.ncc_decision_id
        self.assertEqual(decision.reason, "Withdrawn at the representative's request (email of 3 May).")
        self.assertEqual(decision.message_ids.mapped("subject"), self.mails_to(
            applicant.ncc_representative_id, "withdrawn").mapped("subject"))
        with self.assertRaisesRegex(UserError, "no open application"):
            applicant.with_user(self.manager).action_ncc_withdraw(reason="Again")
        applicant.with_user(self.officer).action_ncc_new_round()
        self.assertEqual(applicant.ncc_round_id.number, 2)

    def test_a_member_withdraws_and_the_atlas_is_asked_to_remove_it(self):
        applicant = self.approved_applicant()
        applicant.sudo().write({"ncc_stage_id": self.stages["member"].id})
        applicant.with_user(self.manager).action_ncc_withdraw(reason="The company leaves the Community.")
        self.assertEqual(applicant.ncc_decision, "withdrawn")
        self.assertEqual(applicant._ncc_wanted_state("published"), "to_be_rejected")

    def test_a_new_round_only_after_a_closing_decision_and_only_for_officers(self):
        applicant = self.ready_for_decision()
        with self.assertRaisesRegex(UserError, "still open"):
            applicant.with_user(self.officer).action_ncc_new_round()
        applicant.with_user(self.manager).action_ncc_reject(reason="Not established in Luxembourg.")
        with self.assertRaisesRegex(AccessError, "Only NCC officers"):
            applicant.with_user(self.plain_user).action_ncc_new_round()
        with self.assertRaisesRegex(AccessError, "only an NCC manager can move it back"):
            applicant.with_user(self.officer).write({"ncc_stage_id": self.stages["submitted"].id})
        self.assertEqual(applicant.ncc_round_id.number, 1)

    def test_decisions_and_rounds_come_only_from_the_flow(self):
        applicant = self.ready_for_decision()
        values = {"partner_id": applicant.id, "round_id": applicant.ncc_round_id.id, "kind": "approved"}
        for user in (self.officer, self.manager):
            with self.subTest(user=user.login):
                with self.assertRaisesRegex(AccessError, "never created directly"):
                    self.env["ncc.decision"].with_user(user).create(values)
                with self.assertRaisesRegex(AccessError, "started by the pipeline"):
                    self.env["ncc.assessment.round"].with_user(user).create({"partner_id": applicant.id,
                                                                             "number": 2})
        with self.assertRaisesRegex(ValidationError, "needs its reasons"), self.env.cr.savepoint():
            self.env["ncc.decision"].sudo().create({**values, "kind": "rejected", "reason": " "})
        with self.assertRaisesRegex(UserError, "recorded with the move into the rejected stage"):
            applicant.sudo().write({"ncc_decision": "rejected", "ncc_decision_reason": "Written, not decided"})
        applicant.invalidate_recordset()
        self.assertFalse(applicant.ncc_decision_ids)


@tagged("post_install", "-at_install")
class TestDecisionAccessRpc(RpcCase, AssessmentCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.portal = new_test_user(cls.env, "ncc_dec_portal", groups="base.group_portal", name="Pia Portal")
        cls.admin = new_test_user(cls.env, "ncc_dec_admin", groups=f"base.group_system,{REF}group_ncc_manager",
                                  name="Ada Admin")

    def test_officers_read_decisions_nobody_but_the_flow_writes_them(self):
        applicant = self.ready_for_decision()
        self.call(self.manager, "res.partner", "action_ncc_reject", [applicant.id], "Established outside the EU")
        decision = applicant.ncc_decision_id
        round_ = applicant.ncc_round_id
        rows = self.call(self.officer, "ncc.decision", "read", decision.ids, ["kind", "reason", "check_ids"])
        self.assertEqual((rows[0]["kind"], rows[0]["reason"]), ("rejected", "Established outside the EU"))
        self.assertEqual(len(rows[0]["check_ids"]), 18)
        self.assertTrue(self.call(self.officer, "ncc.decision.check", "read", rows[0]["check_ids"][:1], ["result"]))
        for user in (self.portal, self.plain_user):
            with self.subTest(user=user.login):
                self.denied(user, "ncc.decision", "read", decision.ids, ["reason"])
                self.denied(user, "ncc.assessment.round", "read", round_.ids, ["number"])
        forged = {"partner_id": applicant.id, "round_id": round_.id, "kind": "approved"}
        for user in (self.officer, self.manager):
            with self.subTest(user=user.login):
                self.denied(user, "ncc.decision", "create", forged)
                self.denied(user, "ncc.decision", "write", decision.ids, {"kind": "approved"})
                self.denied(user, "ncc.decision", "unlink", decision.ids)
                self.denied(user, "ncc.decision.check", "write", decision.check_ids[:1].ids, {"result": "pass"})
                self.denied(user, "ncc.assessment.round", "create", {"partner_id": applicant.id, "number": 2})
                self.denied(user, "ncc.assessment.round", "write", round_.ids, {"is_current": False})
                self.denied(user, "res.partner", "write", [applicant.id], {"ncc_round_id": False})
        decision.invalidate_recordset()
        self.assertEqual((decision.kind, decision.reason), ("rejected", "Established outside the EU"))
        self.denied(self.officer, "res.partner", "action_ncc_withdraw", [applicant.id], "Asked by phone")
        # The one exception: an administrator corrects a record.
        self.call(self.admin, "ncc.decision", "write", decision.ids, {"reason": "Established outside the EU."})
        # An officer starts the new round when the company applies again.
        self.call(self.officer, "res.partner", "action_ncc_new_round", [applicant.id])
        applicant.invalidate_recordset()
        self.assertEqual((applicant.ncc_round_id.number, applicant.ncc_stage_id), (2, self.stages["draft"]))


@tagged("post_install", "-at_install")
class TestDecisionMigration(AssessmentCase):
    """The post-migration of 19.0.1.1.0 on rows as 19.0.1.0.0 left them: no rounds, the decision on res.partner
    (copied aside by the pre-migration)."""

    def as_before_the_upgrade(self, partner, kind, reason, date, decided_by=None):
        cr = self.env.cr
        self.flush_tracking()
        # The chatter's tracking of the decision field, as the manager's write left it.
        field = self.env["ir.model.fields"]._get("res.partner", "ncc_decision")
        cr.execute("DELETE FROM mail_tracking_value WHERE field_id = %s AND mail_message_id IN "
                   "(SELECT id FROM mail_message WHERE model = 'res.partner' AND res_id = %s)", [field.id, partner.id])
        if decided_by:
            self.env["mail.message"].with_user(decided_by).sudo().create({
                "model": "res.partner", "res_id": partner.id, "message_type": "notification",
                "tracking_value_ids": [Command.create({"field_id": field.id, "old_value_char": "",
                                                       "new_value_char": kind})],
            })
        for table in ("ncc_assessment_check", "ncc_stage_history"):
            cr.execute(f"ALTER TABLE {table} ALTER COLUMN round_id DROP NOT NULL")
            cr.execute(f"UPDATE {table} SET round_id = NULL WHERE partner_id = %s", [partner.id])
        cr.execute("UPDATE res_partner SET ncc_round_id = NULL, ncc_decision_id = NULL WHERE id = %s", [partner.id])
        cr.execute("DELETE FROM ncc_decision WHERE partner_id = %s", [partner.id])
        cr.execute("DELETE FROM ncc_assessment_round WHERE partner_id = %s", [partner.id])
        cr.execute(f"CREATE TABLE IF NOT EXISTS {LEGACY_DECISIONS} "
                   "(partner_id integer, kind varchar, reason text, date timestamp)")
        cr.execute(f"INSERT INTO {LEGACY_DECISIONS} VALUES (%s, %s, %s, %s)", [partner.id, kind, reason, date])
        self.env.invalidate_all()

    def test_old_decisions_become_records_once(self):
        rejected = self.ready_for_decision()
        rejected.with_user(self.manager).action_ncc_reject(reason="Not established in Luxembourg.")
        decided_on = rejected.ncc_decision_date
        checks, history = rejected.ncc_check_ids, rejected.ncc_stage_history_ids
        self.as_before_the_upgrade(rejected, "rejected", "Not established in Luxembourg.", decided_on, self.manager)
        by_the_atlas = self.approved_applicant()
        self.as_before_the_upgrade(by_the_atlas, "rejected", None, "2026-02-03 04:05:06")
        undecided = self.new_applicant()
        self.as_before_the_upgrade(undecided, None, None, None)
        self.env.cr.execute(f"DELETE FROM {LEGACY_DECISIONS} WHERE partner_id = %s", [undecided.id])

        rounds, decisions = decisions_into_records(self.env)
        self.assertEqual(rounds.partner_id, rejected | by_the_atlas | undecided)
        self.assertEqual(set(rounds.mapped("number")), {1})
        self.assertEqual(rejected.ncc_round_id.check_ids, checks)
        self.assertEqual(rejected.ncc_round_id.stage_history_ids, history)
        self.assertEqual(rejected.ncc_check_ids, checks)
        record = rejected.ncc_decision_id
        self.assertEqual(
            (record.kind, record.reason, record.date, record.user_id, record.origin, record.stage_id),
            ("rejected", "Not established in Luxembourg.", decided_on, self.manager, "migration",
             self.stages["rejected"]),
            "the manager who decided is found in the chatter's tracking",
        )
        self.assertEqual(len(record.check_ids), 18)
        self.assertEqual((rejected.ncc_decision, rejected.ncc_decision_reason), ("rejected",
                                                                                 "Not established in Luxembourg."))
        self.assertEqual(by_the_atlas.ncc_decision_id.reason, NO_REASON, "a decision keeps its place, reasons or not")
        self.assertFalse(undecided.ncc_decision_ids)
        self.assertEqual(decisions, rejected.ncc_decision_ids | by_the_atlas.ncc_decision_ids)

        again_rounds, again = decisions_into_records(self.env)
        self.assertFalse(again_rounds or again, "a second run changes nothing")
        self.assertEqual(len(rejected.ncc_decision_ids), 1)
