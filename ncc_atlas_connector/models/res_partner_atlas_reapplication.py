from odoo import fields, models

from .ncc_assessment_stage import WORK_KINDS
from .res_partner_atlas import OFFICER

# The stages of a new round before its decision: its draft, until the applicant's submission, and the NCC's work.
REAPPLICATION_KINDS = ("draft", *WORK_KINDS)

# The Atlas states of a refusal: the NCC's request (to_be_rejected) and the ECCC's decision (rejected).
REFUSED_STATES = ("to_be_rejected", "rejected")


class ResPartner(models.Model):
    """A company the Atlas holds as refused applies again. There is one registration per company on the Atlas (no
    DELETE, a duplicate is what the look-up before every create prevents): the new round reuses it. While the NCC
    assesses it again the registration is back in the NCC's hands, in ``draft``; an approval asks for
    ``ready_for_publication`` as the first one did. The refusal of the earlier round, read back from the Atlas
    (e.g. the ECCC acting on the NCC's ``to_be_rejected``), no longer closes the application: the push takes the
    registration back to draft instead."""

    _inherit = "res.partner"

    ncc_atlas_reapplication = fields.Boolean(
        "Re-application on the Atlas", copy=False, readonly=True, groups=OFFICER,
        help="A new round of a registration the Atlas holds as refused: the next push brings it back to draft. "
        "Cleared once the Atlas holds another state.",
    )

    def action_ncc_new_round(self):
        res = super().action_ncc_new_round()
        linked = self.sudo().filtered("ncc_atlas_uuid")
        if linked:
            linked._ncc_sync_writer().write({"ncc_atlas_reapplication": True})
        return res

    def _ncc_wanted_state(self, remote_state):
        wanted = super()._ncc_wanted_state(remote_state)
        if (wanted is None and self.ncc_atlas_reapplication and remote_state in REFUSED_STATES
                and self.ncc_stage_id.kind in REAPPLICATION_KINDS):
            return "draft"
        return wanted

    def _ncc_apply_remote_states(self, remotes):
        stale = {partner: remote for partner, remote in remotes.items()
                 if partner.ncc_atlas_reapplication and remote.moderation_state in REFUSED_STATES
                 and partner.ncc_stage_id.kind != "rejected"}
        others = {partner: remote for partner, remote in remotes.items() if partner not in stale}
        reapplied = self.browse([partner.id for partner in others if partner.ncc_atlas_reapplication])
        if reapplied:  # the Atlas holds the new round's state: its earlier refusal is behind it
            reapplied._ncc_sync_writer(mail_notrack=True).write({"ncc_atlas_reapplication": False})
        for partner, remote in stale.items():
            # The earlier round's refusal: recorded as the Atlas's state, the new round left where it is and
            # queued, so that the push asks for the state the new round needs.
            partner._ncc_sync_writer().write({"ncc_atlas_state": remote.moderation_state})
            partner._ncc_mark_pending()
        return super()._ncc_apply_remote_states(others)
