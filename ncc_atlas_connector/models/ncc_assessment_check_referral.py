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
        return lines

    def write(self, vals):
        res = super().write(vals)
        if not self.env.su and "result" in vals:
            self._ncc_check_security_result()
        return res

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
