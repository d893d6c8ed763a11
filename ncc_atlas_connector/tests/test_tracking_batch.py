"""A move of several applications at once logs the same tracking message on each as a move of one, created together
(one insert of messages, one of tracking values), and the chatter reads the same."""

from unittest.mock import patch

from odoo.tests import tagged

from .assessment_common import AssessmentCase


@tagged("post_install", "-at_install")
class TestTrackingBatch(AssessmentCase):
    def submitted(self, count):
        applicants = self.env["res.partner"]
        for number in range(count):
            applicant = self.new_applicant(name=f"Batch Security {number} S.A.",
                                           company_registry=f"B{number:06d}")
            applicant.with_user(self.officer).action_ncc_submit()
            applicants |= applicant
        self.flush_tracking()
        return applicants

    def stage_message(self, applicant):
        """What the chatter shows of the application's last stage move."""
        tracking = self.stage_trackings(applicant)[:1]
        message = tracking.mail_message_id
        return {
            "body": str(message.body), "type": message.message_type, "subtype": message.subtype_id,
            "author": message.author_id, "internal": message.is_internal, "model": message.model,
            "record": message.res_id, "old": tracking.old_value_char, "new": tracking.new_value_char,
            "values": len(message.tracking_value_ids),
        }

    def inserts(self, action):
        cr = self.env.cr
        with patch.object(cr, "execute", wraps=cr.execute) as execute:
            action()
            self.flush_tracking()
        texts = [str(getattr(call.args[0], "code", call.args[0])) for call in execute.call_args_list]
        return {table: sum(1 for text in texts if text.lstrip().startswith(f'INSERT INTO "{table}"'))
                for table in ("mail_message", "mail_tracking_value")}

    def test_a_move_of_several_logs_what_a_move_of_one_logs(self):
        alone, *together = self.submitted(4)
        completeness = self.stages["completeness"]
        alone.with_user(self.officer).write({"ncc_stage_id": completeness.id})
        group = self.env["res.partner"].concat(*together)
        inserts = self.inserts(lambda: group.with_user(self.officer).write({"ncc_stage_id": completeness.id}))

        expected = self.stage_message(alone)
        self.assertEqual(expected["new"], completeness.name)
        self.assertEqual(expected["author"], self.officer.partner_id)
        for applicant in together:
            self.assertEqual(self.stage_message(applicant), {**expected, "record": applicant.id},
                             "each application of the group gets its own message, worded as for one alone")
        self.assertEqual(inserts, {"mail_message": 1, "mail_tracking_value": 1},
                         "the group's messages are created together, and their tracking values too")

    def test_only_the_applications_that_move_get_a_message(self):
        applicants = self.submitted(3)
        completeness = self.stages["completeness"]
        applicants[0].with_user(self.officer).write({"ncc_stage_id": completeness.id})
        self.flush_tracking()
        before = {applicant: len(applicant.message_ids) for applicant in applicants}
        applicants.with_user(self.officer).write({"ncc_stage_id": completeness.id})
        self.flush_tracking()
        applicants.invalidate_recordset(["message_ids"])
        self.assertEqual([len(applicant.message_ids) - before[applicant] for applicant in applicants], [0, 1, 1])
        self.assertEqual([self.stage_message(applicant)["record"] for applicant in applicants], applicants.ids)
