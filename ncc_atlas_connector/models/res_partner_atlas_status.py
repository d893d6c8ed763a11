from odoo import api, fields, models

from .res_partner_assessment import OFFICER_GROUP


class ResPartner(models.Model):
    """Since when an application waits to be sent to the Atlas: the status panel shows the oldest one's age, and
    managers are alerted when it waits too long."""

    _inherit = "res.partner"

    ncc_pending_since = fields.Datetime(
        "Waiting to be sent since", copy=False, readonly=True, groups=OFFICER_GROUP,
        help="When the registration was last queued for the Atlas; empty once it is sent (or needs a person).",
    )

    @api.model_create_multi
    def create(self, vals_list):
        now = fields.Datetime.now()
        for vals in vals_list:
            if vals.get("ncc_sync_state") == "pending":
                vals.setdefault("ncc_pending_since", now)
        return super().create(vals_list)

    def write(self, vals):
        if "ncc_sync_state" not in vals:
            return super().write(vals)
        if vals["ncc_sync_state"] != "pending":
            return super().write({**vals, "ncc_pending_since": False})
        # queued again while waiting (a retry): it keeps waiting since it was first queued
        newly = self.sudo().filtered(lambda p: p.ncc_sync_state != "pending")
        result = super().write(vals)
        if newly:
            super(ResPartner, newly).write({"ncc_pending_since": fields.Datetime.now()})
        return result
