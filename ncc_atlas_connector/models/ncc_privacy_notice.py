from odoo import api, fields, models


class NccPrivacyNotice(models.Model):
    """One version of the NCC's data-protection notice, as shown to applicants: consent evidence points at it."""

    _name = "ncc.privacy.notice"
    _description = "Data-protection notice version"
    _order = "date desc, id desc"
    _rec_name = "version"

    version = fields.Char(required=True, help="How the NCC names this version, e.g. 1.0 or 2026-01.")
    date = fields.Date("In force from", required=True, default=fields.Date.context_today)
    text = fields.Html(required=True)
    active = fields.Boolean(default=True)

    _version_unique = models.UniqueIndex("(version)", "Each notice version has its own name.")

    @api.model
    def _current(self):
        """The version shown today: the latest in force."""
        return self.sudo().search([("date", "<=", fields.Date.context_today(self))], limit=1)
