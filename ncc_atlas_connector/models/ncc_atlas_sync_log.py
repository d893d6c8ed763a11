from datetime import timedelta

from odoo import _, api, fields, models

from .atlas_mapping import OUTCOME_SELECTION as OUTCOMES
from .atlas_mapping import PARAM_PREFIX


class NccAtlasSyncLog(models.Model):
    """One exchange with the Atlas: what was asked, what came back, how long it took."""

    _name = "ncc.atlas.sync.log"
    _description = "Atlas sync log"
    _inherit = ["mail.thread"]
    _order = "id desc"
    _rec_name = "operation"

    partner_id = fields.Many2one("res.partner", "Registration", index=True, ondelete="cascade")
    operation = fields.Char(required=True)
    method = fields.Char()
    path = fields.Char()
    status = fields.Integer("HTTP status")
    duration_ms = fields.Integer("Duration (ms)")
    outcome = fields.Selection(OUTCOMES, required=True, default="ok", index=True)
    error = fields.Text()
    request_excerpt = fields.Text("Request")
    response_excerpt = fields.Text("Answer")

    @api.model
    def _from_exchanges(self, exchanges, partner=None, operation=None):
        """Store the client's exchanges in one create."""
        return self._from_batches([(exchanges, partner, operation)])

    @api.model
    def _from_batches(self, batches):
        """Store the exchanges of several operations, ``(exchanges, partner, operation)``, in one create. An entry
        records facts: no "created" message in its chatter and no follower, which would cost more than the entry."""
        vals_list = [
            {
                "partner_id": partner.id if partner else False,
                "operation": operation or ex.method,
                "method": ex.method,
                "path": ex.path,
                "status": ex.status or 0,
                "duration_ms": round(ex.duration_ms or 0),
                "outcome": ex.outcome if ex.outcome in dict(OUTCOMES) else "error",
                "error": ex.error or False,
                "request_excerpt": ex.request_excerpt or False,
                "response_excerpt": ex.response_excerpt or False,
            }
            for exchanges, partner, operation in batches
            for ex in exchanges
        ]
        entries = self.sudo().with_context(tracking_disable=True, mail_create_nolog=True,
                                           mail_create_nosubscribe=True)
        return entries.create(vals_list) if vals_list else entries.browse()

    def action_retry(self):
        """Queue the registrations of these entries for the next push."""
        self.env["res.partner"]._ncc_require_officer()
        partners = self.partner_id.filtered(lambda p: p.ncc_sync_state in ("error", "pending", "synced"))
        partners._ncc_sync_writer().write({
            "ncc_sync_state": "pending", "ncc_next_attempt": False, "ncc_sync_error": False,
        })
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {"message": _("%s registration(s) queued for the next push.", len(partners)), "type": "info"},
        }

    @api.model
    def _cron_cleanup(self):
        days = int(self.env["ir.config_parameter"].sudo().get_param(PARAM_PREFIX + "log_days", 90))
        old = self.search([("create_date", "<", fields.Datetime.now() - timedelta(days=days))])
        old.unlink()
        return len(old)
