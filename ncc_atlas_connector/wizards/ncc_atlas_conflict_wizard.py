from odoo import _, api, fields, models
from odoo.exceptions import UserError

from ..atlas import ATTRIBUTES, RELATIONSHIPS, AtlasError, diff_values, national_names_text
from ..models.atlas_mapping import naive_utc


class NccAtlasConflictWizard(models.TransientModel):
    """A registration changed both in Odoo and on the Atlas: show both sides and let a person decide."""

    _name = "ncc.atlas.conflict.wizard"
    _description = "Resolve an Atlas conflict"

    partner_id = fields.Many2one("res.partner", required=True, readonly=True)
    line_ids = fields.One2many("ncc.atlas.conflict.wizard.line", "wizard_id", "Differences", readonly=True)
    remote_values = fields.Json()
    remote_changed = fields.Datetime()

    @api.model_create_multi
    def create(self, vals_list):
        wizards = super().create(vals_list)
        for wizard in wizards:
            wizard._load_remote()
        return wizards

    def _load_remote(self):
        partner = self.partner_id
        if not partner.ncc_atlas_uuid:
            raise UserError(_("%s is not linked to an Atlas registration.", partner.name))
        sync = self.env["ncc.atlas.sync"]
        exchanges = []
        try:
            with sync._client(exchanges) as client:
                remote = client.get_cluster(partner.ncc_atlas_uuid)
        except AtlasError as exc:
            raise UserError(_("The Atlas registration could not be read: %s", exc)) from None
        finally:
            sync._log(exchanges, partner, "read")
        local = partner._ncc_atlas_values(send_country=sync._conf()["send_country"])
        remote_values = {k: remote.values.get(k) for k in local}
        self.write({"remote_values": remote_values, "remote_changed": naive_utc(remote.changed)})
        self.line_ids = [
            fields.Command.create({
                "name": (ATTRIBUTES.get(key) or RELATIONSHIPS[key]).label or key,
                "local_value": self._display(key, local[key]),
                "remote_value": self._display(key, remote_values.get(key)),
            })
            for key in diff_values(remote_values, local)
        ]

    def _display(self, key, value):
        if key in RELATIONSHIPS:
            uuids = value if isinstance(value, list) else [value] if value else []
            terms = self.env["ncc.atlas.term"].with_context(active_test=False).search([("atlas_uuid", "in", uuids)])
            return ", ".join(terms.mapped("display_name")) or "-"
        if isinstance(value, dict):
            return ", ".join(str(v) for v in value.values() if v)
        if isinstance(value, list):  # several names in the national languages
            return national_names_text(value) or "-"
        if isinstance(value, bool):
            return _("Yes") if value else _("No")
        return value or "-"

    def action_keep_local(self):
        """Odoo's values win: the next push overwrites the Atlas."""
        self.partner_id._ncc_sync_writer().write({
            "ncc_synced_values": self.remote_values,
            "ncc_atlas_changed": self.remote_changed,
            "ncc_sync_state": "pending",
            "ncc_sync_error": False,
            "ncc_next_attempt": False,
        })
        return {"type": "ir.actions.act_window_close"}

    def action_take_remote(self):
        """The Atlas's values win: copy them here; nothing is sent."""
        partner = self.partner_id
        partner._ncc_apply_atlas_values(self.remote_values)
        partner._ncc_sync_writer().write({
            "ncc_synced_values": self.remote_values,
            "ncc_atlas_changed": self.remote_changed,
            "ncc_synced_at": fields.Datetime.now(),
            "ncc_sync_state": "synced",
            "ncc_sync_error": False,
        })
        return {"type": "ir.actions.act_window_close"}


class NccAtlasConflictWizardLine(models.TransientModel):
    _name = "ncc.atlas.conflict.wizard.line"
    _description = "Atlas conflict difference"

    wizard_id = fields.Many2one("ncc.atlas.conflict.wizard", required=True, ondelete="cascade")
    name = fields.Char("Field")
    local_value = fields.Text("In Odoo")
    remote_value = fields.Text("On the Atlas")
