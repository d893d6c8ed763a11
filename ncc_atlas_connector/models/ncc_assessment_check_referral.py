from odoo import api, models
from odoo.exceptions import UserError

SECURITY_CHECK = "ncc_atlas_connector.check_security_assessment"


class NccAssessmentCheck(models.Model):
    """The checklist's security-ground line follows the referral: it passes only on a recorded outcome that is no
    objection, and is not applicable only while the application was never referred."""

    _inherit = "ncc.assessment.check"

    @api.model_create_multi
    def create(self, vals_list):
        lines = super().create(vals_list)
        if not self.env.su:
            lines._ncc_check_security_result()
            lines._ncc_check_referral_kept_apart()
        return lines

    def write(self, vals):
        res = super().write(vals)
        if not self.env.su and "result" in vals:
            self._ncc_check_security_result()
        if not self.env.su and {"note", "evidence"} & set(vals):
            self._ncc_check_referral_kept_apart(note="note" in vals, evidence="evidence" in vals)
        return res

    def _ncc_check_referral_kept_apart(self, note=True, evidence=True):
        """Every officer reads the checklist (and a decision's copy of it); the referral and its documents are for
        managers and the officer who referred: its details and documents stay on the referral."""
        if note:
            for line in self:
                line.partner_id._ncc_check_no_referral_details(line.note)
        if not evidence:
            return
        Attachment = self.env["ir.attachment"].sudo()
        evidence = Attachment.search([("res_model", "=", self._name), ("res_id", "in", self.ids),
                                      ("res_field", "=", "evidence")])
        if not evidence:
            return
        referrals = self.env["ncc.security.referral"].sudo().search([("partner_id", "in", self.partner_id.ids)])
        documents = Attachment.search([("res_model", "=", referrals._name), ("res_id", "in", referrals.ids),
                                       ("res_field", "in", ["request_document", "outcome_document"])])
        if set(evidence.mapped("checksum")) & set(documents.mapped("checksum")):
            raise UserError(self.env._(
                "This document is one of the security-ground referral's, which only managers and the officer who "
                "referred see: keep it on the referral, not as the evidence of a checklist line every officer "
                "reads."))

    def _ncc_check_security_result(self):
        template = self.env.ref(SECURITY_CHECK, raise_if_not_found=False)
        env = self.env
        for line in self.filtered(lambda line: line.template_id == template and line.result in ("pass", "na")):
            latest = line.partner_id.sudo()._ncc_security_referral_latest()
            if line.result == "na" and latest:
                raise UserError(env._("%(name)s was referred to the competent authority: the security check is "
                                      "assessed on the referral's outcome.", name=line.partner_id.display_name))
            if line.result != "pass":
                continue
            if not latest:
                raise UserError(env._(
                    "The security check passes on the recorded outcome of a referral to the competent authority "
                    "(“Refer to the competent authority” on %(name)s); where no national assessment is relevant, it "
                    "is not applicable.", name=line.partner_id.display_name))
            if latest.outcome == "pending":
                raise UserError(env._("%(name)s awaits the competent authority's answer: record the referral's "
                                      "outcome first.", name=line.partner_id.display_name))
            if latest.outcome == "objection":
                raise UserError(env._("The competent authority objected: the security check of %(name)s does not "
                                      "pass.", name=line.partner_id.display_name))
