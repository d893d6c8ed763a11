"""Who may record a re-validation or revoke from there, asked over JSON-RPC as a browser or a script asks."""

from datetime import datetime, time

from dateutil.relativedelta import relativedelta

from odoo import fields
from odoo.tests import new_test_user, tagged

from .assessment_common import AssessmentCase
from .test_access_rpc import RpcCase

FORGED = {"ncc_revalidated_date": "2030-01-01", "ncc_revalidation_started_date": False,
          "ncc_member_since": "2030-01-01", "ncc_revalidation_base_date": "2030-01-01"}


@tagged("post_install", "-at_install")
class TestRevalidationAccessRpc(RpcCase, AssessmentCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.portal = new_test_user(cls.env, "reval_portal", groups="base.group_portal", name="Pia Portal")
        cls.colleague = new_test_user(cls.env, "reval_colleague", groups="base.group_user,base.group_partner_manager",
                                      name="Carl Colleague")

    def due_member(self):
        member = self.approved_applicant()
        member.sudo().write({"ncc_stage_id": self.stages["member"].id})
        today = fields.Date.context_today(member)
        member.sudo().ncc_stage_history_ids.filtered(lambda stay: stay.kind == "member").write(
            {"date_in": datetime.combine(today - relativedelta(years=4), time(12))})
        member._ncc_open_revalidation()
        member.ncc_revalidation_check_ids.write({"result": "pass"})
        return member

    def test_only_officers_record_a_revalidation_and_only_managers_revoke(self):
        member = self.due_member()
        for user in (self.portal, self.colleague):
            with self.subTest(user=user.login):
                self.denied(user, "res.partner", "action_ncc_revalidation_pass", [member.id])
                self.denied(user, "res.partner", "action_ncc_revalidation_revoke", [member.id])
        self.denied(self.officer, "res.partner", "action_ncc_revalidation_revoke", [member.id])
        for name, value in FORGED.items():
            with self.subTest(field=name):
                self.denied(self.officer, "res.partner", "write", [member.id], {name: value})
                self.denied(self.manager, "res.partner", "write", [member.id], {name: value})
        line = member.ncc_revalidation_check_ids[:1]
        self.denied(self.officer, "ncc.assessment.check", "write", [line.id], {"revalidation": False})
        self.assertEqual(member.ncc_revalidation_started_date, fields.Date.context_today(member), "nothing changed")

        self.call(self.other_officer, "res.partner", "action_ncc_revalidation_pass", [member.id])
        member.invalidate_recordset()
        self.assertEqual(member.ncc_revalidated_date, fields.Date.context_today(member))

        member.sudo().write({"ncc_revalidated_date": fields.Date.context_today(member) - relativedelta(years=3)})
        member._ncc_open_revalidation()
        action = self.call(self.manager, "res.partner", "action_ncc_revalidation_revoke", [member.id])
        self.assertEqual((action["res_model"], action["context"]["default_mode"]), ("ncc.decision.wizard", "revoke"))
