from odoo import _, api, fields, models
from odoo.exceptions import AccessError, ValidationError

from .atlas_mapping import PARAM_PREFIX as PARAM
from .ncc_atlas_sync import MAX_PUSH_CONCURRENCY

# Credentials of the Atlas link: shown to and set by administrators only.
SECRET_FIELDS = ("ncc_atlas_api_key", "ncc_atlas_basic_user", "ncc_atlas_basic_password")
# Saving another URL or key makes the cached key owner stale.
OWNER_PARAMS = (PARAM + "url", PARAM + "api_key")


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    ncc_atlas_url = fields.Char("Atlas JSON:API URL", config_parameter=PARAM + "url",
                                help="The JSON:API root, e.g. https://atlas.example.eu/jsonapi")
    ncc_atlas_api_key = fields.Char("API key", config_parameter=PARAM + "api_key", groups="base.group_system")
    ncc_atlas_key_transport = fields.Selection(
        [("header", "Header api-key"), ("query", "Query parameter api-key")],
        "Send the key as", default="header", config_parameter=PARAM + "key_transport",
    )
    ncc_atlas_basic_user = fields.Char("Basic login", config_parameter=PARAM + "basic_user",
                                       groups="base.group_system")
    ncc_atlas_basic_password = fields.Char("Basic password", config_parameter=PARAM + "basic_password",
                                           groups="base.group_system")
    ncc_atlas_country_term_id = fields.Many2one(
        "ncc.atlas.term", "NCC country", config_parameter=PARAM + "country_term_id",
        domain=[("vocabulary", "=", "country")],
        help="The Member State of this NCC, used to look registrations up on the Atlas.",
    )
    ncc_atlas_timeout = fields.Integer("Timeout (s)", default=30, config_parameter=PARAM + "timeout")
    ncc_atlas_batch_size = fields.Integer("Batch size", default=50, config_parameter=PARAM + "batch_size")
    ncc_atlas_push_concurrency = fields.Integer(
        "Requests side by side", default=4, config_parameter=PARAM + "push_concurrency",
        help="How many of a batch's creates and updates the sync sends to the Atlas at the same time (1 to 8): "
             "over a slow network, a few side by side send a batch several times faster; 1 sends them one by one.")
    ncc_atlas_interval = fields.Integer("Sync every (minutes)", default=15, config_parameter=PARAM + "interval")
    ncc_atlas_conflict_policy = fields.Selection(
        [("ask", "Ask a person"), ("local", "Odoo wins"), ("remote", "The Atlas wins")],
        "On conflict", default="ask", config_parameter=PARAM + "conflict_policy",
    )
    ncc_atlas_send_country = fields.Boolean("Send the country relationship",
                                            config_parameter=PARAM + "send_country")
    ncc_atlas_log_days = fields.Integer("Keep sync log (days)", default=90, config_parameter=PARAM + "log_days")
    ncc_retention_closed_months = fields.Integer(
        "Erase contact persons of closed applications after (months)", default=24,
        config_parameter=PARAM + "retention_closed_months",
        help="Rejected and withdrawn applications: their contact person's personal data are anonymised this many "
             "months after the decision, as the NCC's data-protection notice says.")
    ncc_retention_unconfirmed_days = fields.Integer(
        "Erase unconfirmed portal submissions after (days)", default=30,
        config_parameter=PARAM + "retention_unconfirmed_days",
        help="Submissions whose sender never confirmed them. Applies once applications come in through a portal.")
    ncc_security_authority_id = fields.Many2one(
        "res.partner", "Competent authority", config_parameter=PARAM + "security_authority_id",
        help="The national authority to which officers refer applications for an assessment on security grounds "
        "(Art. 8(4) Regulation 2021/887).",
    )

    @api.constrains("ncc_atlas_batch_size", "ncc_atlas_interval", "ncc_atlas_timeout", "ncc_atlas_log_days",
                    "ncc_retention_closed_months", "ncc_retention_unconfirmed_days")
    def _check_ncc_atlas_numbers(self):
        for settings in self:
            if min(settings.ncc_atlas_batch_size, settings.ncc_atlas_interval, settings.ncc_atlas_timeout,
                   settings.ncc_atlas_log_days, settings.ncc_retention_closed_months,
                   settings.ncc_retention_unconfirmed_days) < 1:
                raise ValidationError(_("Batch size, interval, timeout and retention periods must be at least 1."))

    @api.constrains("ncc_atlas_push_concurrency")
    def _check_ncc_atlas_push_concurrency(self):
        for settings in self:
            if not 1 <= settings.ncc_atlas_push_concurrency <= MAX_PUSH_CONCURRENCY:
                raise ValidationError(self.env._("Requests side by side: from 1 (one by one) to %(max)s.",
                                        max=MAX_PUSH_CONCURRENCY))

    @api.model
    def _get_classified_fields(self, fnames=None):
        # Odoo reads and writes config parameters under sudo, whatever the fields' groups: without this, anyone
        # logged in would get the credentials from `default_get`, and a non-administrator's save would blank them.
        classified = super()._get_classified_fields(fnames)
        if not self.env.is_system():
            classified["config"] = [(name, icp) for name, icp in classified["config"] if name not in SECRET_FIELDS]
        return classified

    @api.model
    def default_get(self, fields):
        res = super().default_get(fields)
        if not self.env.is_system():
            for name in SECRET_FIELDS:
                res.pop(name, None)
        return res

    def set_values(self):
        # `execute` checks who saves; `set_values` is public too, and on no record it would write every setting
        # empty, under sudo.
        if not self.env.is_system():
            raise AccessError(_("Only administrators can change the settings"))
        params = self.env["ir.config_parameter"].sudo()
        before = [params.get_param(key) for key in OWNER_PARAMS]
        super().set_values()
        if [params.get_param(key) for key in OWNER_PARAMS] != before:
            params.set_param(PARAM + "owner_uuid", False)
        for xmlid in ("ir_cron_ncc_atlas_push", "ir_cron_ncc_atlas_pull"):
            cron = self.env.ref(f"ncc_atlas_connector.{xmlid}", raise_if_not_found=False)
            if cron and cron.interval_number != self.ncc_atlas_interval:
                cron.sudo().write({"interval_number": self.ncc_atlas_interval, "interval_type": "minutes"})
        self.env["ncc.atlas.sync"]._resume()  # usable settings: what waited for them goes now

    def action_ncc_atlas_test_connection(self):
        self.ensure_one()
        self.execute()  # test what is on screen
        ok, message = self.env["ncc.atlas.sync"]._test_connection()
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "title": _("Atlas connection"),
                "message": message,
                "type": "success" if ok else "danger",
                "sticky": not ok,
            },
        }
