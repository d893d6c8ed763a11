from odoo import _, api, fields, models
from odoo.exceptions import UserError

from ..atlas import AtlasError


class NccAtlasLinkWizard(models.TransientModel):
    """Several Atlas registrations match a company: the officer picks the right one, or creates a new one."""

    _name = "ncc.atlas.link.wizard"
    _description = "Choose the Atlas registration of a company"

    partner_id = fields.Many2one("res.partner", required=True, readonly=True)
    line_ids = fields.One2many("ncc.atlas.link.wizard.line", "wizard_id", "Candidates", readonly=True)

    @api.model_create_multi
    def create(self, vals_list):
        wizards = super().create(vals_list)
        for wizard in wizards:
            wizard._load_candidates()
        return wizards

    def _load_candidates(self):
        partner = self.partner_id
        sync = self.env["ncc.atlas.sync"]
        exchanges = []
        country = partner.ncc_country_term_id or sync._conf()["country"]
        try:
            with sync._client(exchanges) as client:
                if partner.company_registry and country.atlas_uuid:
                    candidates = client.find_clusters(partner.company_registry, country.atlas_uuid)
                else:
                    candidates = client.find_by_title(sync._owner(client), partner.name)
        except AtlasError as exc:
            raise UserError(_("The Atlas could not be searched: %s", exc)) from None
        finally:
            sync._log(exchanges, partner, "look-up")
        self.line_ids = [
            fields.Command.create({
                "atlas_uuid": c.id,
                "title": c.title,
                "registration_number": c.values.get("field_registration_number"),
                "website": c.values.get("field_url"),
                "email": c.values.get("field_general_contact_e_mail"),
                "city": (c.values.get("field_address") or {}).get("locality"),
                "moderation_state": c.moderation_state,
                "changed": c.changed.replace(tzinfo=None),
                "linked_partner_id": self.env["res.partner"].search([("ncc_atlas_uuid", "=", c.id)], limit=1).id,
            })
            for c in candidates
        ]

    def action_create_new(self):
        """None of them is this company: create a new Atlas registration on the next push."""
        self.partner_id._ncc_sync_writer().write({
            "ncc_force_create": True, "ncc_sync_state": "pending", "ncc_sync_error": False,
            "ncc_next_attempt": False,
        })
        return {"type": "ir.actions.act_window_close"}


class NccAtlasLinkWizardLine(models.TransientModel):
    _name = "ncc.atlas.link.wizard.line"
    _description = "Atlas registration candidate"

    wizard_id = fields.Many2one("ncc.atlas.link.wizard", required=True, ondelete="cascade")
    atlas_uuid = fields.Char("Atlas UUID")
    title = fields.Char()
    registration_number = fields.Char()
    website = fields.Char()
    email = fields.Char()
    city = fields.Char()
    moderation_state = fields.Char("Atlas state")
    changed = fields.Datetime("Last change")
    linked_partner_id = fields.Many2one("res.partner", "Already linked to")

    def action_link(self):
        self.ensure_one()
        if self.linked_partner_id:
            raise UserError(_("This Atlas registration is already linked to %s.", self.linked_partner_id.name))
        self.wizard_id.partner_id._ncc_sync_writer().write({
            "ncc_atlas_uuid": self.atlas_uuid,
            "ncc_synced_values": False,
            "ncc_sync_state": "pending",
            "ncc_sync_error": False,
            "ncc_next_attempt": False,
        })
        return {"type": "ir.actions.act_window_close"}
