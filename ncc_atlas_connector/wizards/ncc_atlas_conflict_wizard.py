import hashlib
import json

from odoo import _, api, fields, models
from odoo.exceptions import UserError

from ..atlas import NotFoundError, diff_values, normalize_values
from ..models.atlas_mapping import naive_utc
from .atlas_value_display import display_value, field_label

SIDES = [("here", "Here"), ("atlas", "On the Atlas"), ("both", "Both sides")]
CHOICES = [("local", "Keep this value"), ("remote", "Take the Atlas's value")]


class NccAtlasConflictWizard(models.TransientModel):
    """A registration changed both here and on the Atlas: every difference side by side, and per field a choice
    between keeping the value here and taking the Atlas's.

    The web client opens the wizard unsaved (onchange, then save), so the differences are loaded as its defaults;
    a wizard created without them (over RPC) loads them at creation. The Atlas is read again when the choices are
    applied: if it changed meanwhile, the officer is asked to look again rather than decide on stale values."""

    _name = "ncc.atlas.conflict.wizard"
    _inherit = ["ncc.atlas.resolve.mixin"]
    _description = "Settle the differences between a registration and the Atlas"

    partner_id = fields.Many2one("res.partner", "Company", required=True, readonly=True, ondelete="cascade")
    line_ids = fields.One2many("ncc.atlas.conflict.wizard.line", "wizard_id", "Differences")
    # The Atlas's last change as read when the wizard opened, to the microsecond (a Datetime field drops them).
    remote_version = fields.Char("Atlas version", readonly=True)
    remote_gone = fields.Boolean("Gone from the Atlas", readonly=True)

    @api.model
    def default_get(self, fields_list):
        res = super().default_get(fields_list)
        if {"line_ids", "remote_version", "remote_gone"} & set(fields_list) and res.get("partner_id"):
            res.update(self._ncc_differences(self.env["res.partner"].browse(res["partner_id"])))
        return res

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            if "line_ids" not in vals and vals.get("partner_id"):
                vals.update(self._ncc_differences(self.env["res.partner"].browse(vals["partner_id"])))
        return super().create(vals_list)

    @api.model
    def _ncc_read(self, partner):
        if not partner.ncc_atlas_uuid:
            raise UserError(_("%s is not linked to an Atlas registration: there is nothing to compare.",
                              partner.display_name))

        def read(client):
            try:
                return client.get_cluster(partner.ncc_atlas_uuid)
            except NotFoundError:
                return None  # deleted on the Atlas: nothing to compare, the push will send it again

        remote = self._ncc_ask_atlas(partner, "read", read)
        local = partner._ncc_atlas_values(send_country=self.env["ncc.atlas.sync"]._conf()["send_country"])
        return remote, local, remote and {k: remote.values.get(k) for k in local}

    @api.model
    def _ncc_differences(self, partner):
        """The wizard's values: one line per field that differs, with which side changed it since the last sync
        (what only the Atlas changed is proposed from the Atlas, the rest from here)."""
        remote, local, remote_values = self._ncc_read(partner)
        if remote is None:
            return {"line_ids": [], "remote_version": False, "remote_gone": True}
        base = partner.ncc_synced_values or {}
        lines = []
        for sequence, key in enumerate(diff_values(remote_values, local)):
            here = not base or bool(diff_values({key: base.get(key)}, {key: local[key]}))
            atlas = not base or bool(diff_values({key: base.get(key)}, {key: remote_values[key]}))
            side = "both" if here and atlas else "atlas" if atlas else "here"
            lines.append(fields.Command.create({
                "sequence": sequence,
                "key": key,
                "name": field_label(key, self.env),
                "local_value": display_value(self.env, key, local[key]),
                "remote_value": display_value(self.env, key, remote_values[key]),
                "changed_side": side,
                "choice": "remote" if side == "atlas" else "local",
            }))
        return {"line_ids": lines, "remote_version": _version(remote, remote_values), "remote_gone": False}

    def action_apply(self):
        """Apply the choice made on each line: take the Atlas's values chosen, send the others."""
        self.ensure_one()
        partner = self._ncc_settled_partner(self.partner_id, "conflict")
        remote, local, remote_values = self._ncc_read(partner)
        if remote is None and self.remote_gone:
            # The push finds it gone, confirms it, and looks the company up again (or creates it).
            partner._ncc_sync_writer().write({
                "ncc_sync_state": "pending", "ncc_sync_error": False, "ncc_sync_attempts": 0,
                "ncc_next_attempt": False,
            })
            self._ncc_send_soon()
            return {"type": "ir.actions.act_window_close"}
        if remote is None or _version(remote, remote_values) != self.remote_version:
            raise UserError(_(
                "The Atlas registration of %s changed while you were deciding. Close this window and press "
                "Resolve again to see what it holds now.", partner.display_name))
        take = {line.key for line in self.line_ids if line.choice == "remote"}
        unknown = take - set(local)
        if unknown:
            raise UserError(_("These fields cannot be taken from the Atlas: %s", ", ".join(sorted(unknown))))
        if take:
            partner._ncc_apply_atlas_values({k: remote_values[k] for k in take})
            local = partner._ncc_atlas_values(send_country=self.env["ncc.atlas.sync"]._conf()["send_country"])
        synced = normalize_values(remote_values)
        if not diff_values(remote_values, local) and not partner._ncc_wanted_state(remote.moderation_state):
            partner._ncc_sync_done(remote, synced)  # both sides agree: nothing to send
        else:
            # The Atlas as just read becomes the base: the next push sends what was kept here, and only that.
            partner._ncc_sync_writer().write({
                "ncc_synced_values": synced,
                "ncc_atlas_changed": naive_utc(remote.changed),
                "ncc_sync_state": "pending",
                "ncc_sync_error": False,
                "ncc_sync_attempts": 0,
                "ncc_next_attempt": False,
            })
            self._ncc_send_soon()
        return {"type": "ir.actions.act_window_close"}

    def action_keep_local(self):
        """Keep every value here: the next push overwrites the Atlas."""
        self.line_ids.choice = "local"
        return self.action_apply()

    def action_take_remote(self):
        """Take every value of the Atlas here; nothing is left to send."""
        self.line_ids.choice = "remote"
        return self.action_apply()


class NccAtlasConflictWizardLine(models.TransientModel):
    _name = "ncc.atlas.conflict.wizard.line"
    _description = "A difference between a registration and the Atlas"
    _order = "sequence, id"

    wizard_id = fields.Many2one("ncc.atlas.conflict.wizard", required=True, ondelete="cascade")
    sequence = fields.Integer()
    key = fields.Char("Atlas field")
    name = fields.Char("Field")
    local_value = fields.Text("Here")
    remote_value = fields.Text("On the Atlas")
    changed_side = fields.Selection(SIDES, "Changed since the last sync")
    choice = fields.Selection(CHOICES, "Decision", required=True, default="local")


def _version(remote, values):
    """What tells whether the Atlas registration changed while the officer decided: its last change, or its values
    when the Atlas does not say when it last changed."""
    if remote.changed:
        return remote.changed.isoformat()
    return hashlib.sha256(json.dumps(values, sort_keys=True, default=str).encode()).hexdigest()
