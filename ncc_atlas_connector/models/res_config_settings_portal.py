from odoo import api, fields, models
from odoo.exceptions import ValidationError

from .atlas_mapping import PARAM_PREFIX as PARAM

PORTAL_PATH = "/ncc/register"


class ResConfigSettings(models.TransientModel):
    """The public registration form: whether it is open, its address for the NCC's own site, its rate limit."""

    _inherit = "res.config.settings"

    ncc_portal_enabled = fields.Boolean(
        "Public registration form", config_parameter=PARAM + "portal_enabled",
        help="Organisations can apply on a public page of this database, confirm by email, and their application "
        "enters the pipeline.",
    )
    ncc_portal_rate_limit = fields.Integer(
        "Submissions per address and hour", default=5, config_parameter=PARAM + "portal_rate_limit",
        help="More submissions than this from one network address within an hour are refused.",
    )
    ncc_portal_url = fields.Char("Address of the form", compute="_compute_ncc_portal_url")

    @api.depends("ncc_portal_enabled")
    def _compute_ncc_portal_url(self):
        for settings in self:
            settings.ncc_portal_url = settings.get_base_url() + PORTAL_PATH

    @api.constrains("ncc_portal_rate_limit")
    def _check_ncc_portal_rate_limit(self):
        for settings in self:
            if settings.ncc_portal_rate_limit < 1:
                raise ValidationError(self.env._("The rate limit of the registration form must be at least 1."))
