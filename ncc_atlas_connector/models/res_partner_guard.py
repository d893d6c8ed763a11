from odoo import api, models
from odoo.exceptions import AccessError

# Fields of an application that only the addon's own flows write, each under sudo: `readonly=True` binds the form,
# not a write over RPC. Field -> the flow that writes it.
GUARDED_FIELDS = {
    **dict.fromkeys(("ncc_decision", "ncc_decision_reason", "ncc_decision_date", "ncc_decision_id"), "decision"),
    **dict.fromkeys(
        ("ncc_submitted_date", "ncc_stage_entered_date", "ncc_round_id", "ncc_ready_for_decision"), "pipeline"),
    **dict.fromkeys(("ncc_revalidated_date", "ncc_revalidation_started_date"), "revalidation"),
    **dict.fromkeys((
        "ncc_atlas_uuid", "ncc_atlas_state", "ncc_atlas_changed", "ncc_atlas_message", "ncc_sync_state",
        "ncc_sync_error", "ncc_synced_at", "ncc_sync_attempts", "ncc_next_attempt", "ncc_synced_values",
        "ncc_force_create", "ncc_atlas_reapplication", "ncc_pending_since", "ncc_sync_problem",
    ), "sync"),
}


class ResPartner(models.Model):
    """Keeps the guarded fields for the flows that own them. Loaded before the other extensions of res.partner so
    that it sits under them: every write reaches it, the internal ones too, which therefore write under sudo."""

    _inherit = "res.partner"

    @api.model
    def _ncc_check_guarded(self, names):
        """Raise when these field names include guarded ones and this is not the system writing."""
        if self.env.su:
            return
        flows = {GUARDED_FIELDS[name] for name in names if name in GUARDED_FIELDS}
        # The addon's computed fields are computed, not written: the completeness the approval gate reads, too.
        flows.update("computed" for name in names if name.startswith("ncc_") and _is_computed(self._fields.get(name)))
        if not flows:
            return
        env = self.env
        messages = {
            "decision": env._(
                "Decisions and their reasons are recorded by a manager's Approve, Reject, Revoke or Withdraw."),
            "pipeline": env._("Submission and stage dates and assessment rounds are recorded by the pipeline itself."),
            "revalidation": env._("Re-validation dates are recorded by the re-validation job and an officer's "
                                  "“Re-validation passed”."),
            "sync": env._("The Atlas link and the sync state are kept by the Atlas synchronisation."),
            "computed": env._("Completeness, deadlines and counts are computed from the application itself."),
        }
        raise AccessError("\n".join(messages[flow] for flow in sorted(flows)))

    @api.model_create_multi
    def create(self, vals_list):
        context_defaults = [key[8:] for key in self.env.context if key.startswith("default_")]
        self._ncc_check_guarded({name for vals in vals_list for name in vals} | set(context_defaults))
        return super().create(vals_list)

    def write(self, vals):
        self._ncc_check_guarded(vals)
        return super().write(vals)

    def _ncc_sync_writer(self, **context):
        """These records as the Atlas synchronisation writes them: under sudo (its bookkeeping is guarded) and
        without marking them pending again. Callers check who may start the exchange."""
        return self.sudo().with_context(ncc_atlas_write=True, **context)


def _is_computed(field):
    """A computed field nobody edits (no inverse, not made editable)."""
    return bool(field and field.compute and field.readonly)
