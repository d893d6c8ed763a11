from odoo import api, fields, models
from odoo.exceptions import ValidationError

from .ncc_atlas_status import ALERT_HOURS_PARAM


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    # Not a `config_parameter` field: Odoo stores 0 as no value, which would read back as the default, while 0
    # means "no alert".
    ncc_pending_alert_hours = fields.Integer(
        "Alert when an application waits to be sent for more than (hours)",
        help="Managers get an activity when the oldest application waiting to be sent to the Atlas has waited this "
        "many hours (checked every hour; one activity each, until nothing waits that long). 0: no alert.",
    )

    @api.constrains("ncc_pending_alert_hours")
    def _check_ncc_pending_alert_hours(self):
        for settings in self:
            if settings.ncc_pending_alert_hours < 0:
                raise ValidationError(self.env._("The alert on waiting applications: 0 (none) or more hours."))

    @api.model
    def get_values(self):
        res = super().get_values()
        res["ncc_pending_alert_hours"] = self.env["ncc.atlas.status"]._alert_hours()
        return res

    def set_values(self):
        super().set_values()
        self.env["ir.config_parameter"].sudo().set_param(ALERT_HOURS_PARAM, str(self.ncc_pending_alert_hours))
