from odoo import api, fields, models
from odoo.exceptions import ValidationError

from .res_partner_assessment import OFFICER_GROUP
from .res_partner_revalidation import USER_PARAM, YEARS_PARAM


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    # Not a `config_parameter` field: Odoo stores 0 as no value, which would read back as the default, while 0
    # means "no re-validation".
    ncc_revalidation_years = fields.Integer(
        "Re-validate members every (years)",
        help="Members whose membership or last re-validation is this many years old are put in front of an "
        "officer, with an activity and the re-validation checklist. 0: no re-validation.",
    )
    ncc_revalidation_user_id = fields.Many2one(
        "res.users", "Re-validations of unassigned members go to", config_parameter=USER_PARAM,
        domain=lambda self: [("all_group_ids", "in", self.env.ref(OFFICER_GROUP).ids), ("share", "=", False)],
        help="The officer who gets the re-validation activity of a member without an assessor.",
    )

    @api.constrains("ncc_revalidation_years")
    def _check_ncc_revalidation_years(self):
        for settings in self:
            if not 0 <= settings.ncc_revalidation_years <= 50:
                raise ValidationError(self.env._("Re-validation: between 0 (none) and 50 years."))

    @api.model
    def get_values(self):
        res = super().get_values()
        res["ncc_revalidation_years"] = self.env["res.partner"]._ncc_revalidation_years()
        return res

    def set_values(self):
        super().set_values()  # checks that an administrator saves
        self.env["ir.config_parameter"].sudo().set_param(YEARS_PARAM, str(self.ncc_revalidation_years))
