from odoo import _, api, fields, models
from odoo.exceptions import UserError

from ..atlas import clean_text, diff_values
from ..models.atlas_mapping import MODERATION_STATE_SELECTION as MODERATION_STATES
from ..models.atlas_mapping import naive_utc
from .atlas_value_display import display_value, field_label


class NccAtlasLinkWizard(models.TransientModel):
    """Several Atlas registrations match a company: the officer sees them next to the company, links the one that
    is this company, or has a new one created.

    The web client opens the wizard unsaved (onchange, then save), so the candidates are loaded as its defaults; a
    wizard created without them (over RPC) loads them at creation."""

    _name = "ncc.atlas.link.wizard"
    _inherit = ["ncc.atlas.resolve.mixin"]
    _description = "Choose the Atlas registration of a company"

    partner_id = fields.Many2one("res.partner", "Company", required=True, readonly=True, ondelete="cascade")
    line_ids = fields.One2many("ncc.atlas.link.wizard.line", "wizard_id", "Candidates")
    candidate_count = fields.Integer("Candidates found", readonly=True)

    @api.model
    def default_get(self, fields_list):
        res = super().default_get(fields_list)
        if "line_ids" in fields_list and res.get("partner_id"):
            res["line_ids"] = self._ncc_candidate_lines(self.env["res.partner"].browse(res["partner_id"]))
            res["candidate_count"] = len(res["line_ids"]) - 1  # the company itself comes first
        return res

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            if "line_ids" not in vals and vals.get("partner_id"):
                vals["line_ids"] = self._ncc_candidate_lines(self.env["res.partner"].browse(vals["partner_id"]))
                vals["candidate_count"] = len(vals["line_ids"]) - 1
        return super().create(vals_list)

    @api.model
    def _ncc_candidate_lines(self, partner):
        """The company as registered here, then every matching Atlas registration, with what tells each apart."""
        candidates = self._ncc_search(partner)
        local = partner._ncc_atlas_values(send_country=self.env["ncc.atlas.sync"]._conf()["send_country"])
        Partner = self.env["res.partner"].sudo().with_context(active_test=False)
        found = Partner.search([("ncc_atlas_uuid", "in", [c.id for c in candidates])])
        linked = {p.ncc_atlas_uuid: p.id for p in found}
        lines = [fields.Command.create({**self._ncc_line_values(local), "is_local": True, "sequence": 0,
                                        "differences": _("This company, as registered here")})]
        for sequence, candidate in enumerate(sorted(candidates, key=_newest_first), start=1):
            values = {k: candidate.values.get(k) for k in local}
            lines.append(fields.Command.create({
                **self._ncc_line_values(values),
                "sequence": sequence,
                "atlas_uuid": candidate.id,
                "moderation_state": candidate.moderation_state
                if candidate.moderation_state in dict(MODERATION_STATES) else False,
                "changed": naive_utc(candidate.changed),
                "linked_partner_id": linked.get(candidate.id, False),
                "differences": self._ncc_what_tells_apart(values, local, found.browse(linked.get(candidate.id))),
            }))
        return lines

    @api.model
    def _ncc_search(self, partner):
        """The Atlas registrations matching ``partner``, searched as the push searches them."""
        sync = self.env["ncc.atlas.sync"]
        country = partner.ncc_country_term_id or sync._conf()["country"]

        def search(client):
            if clean_text(partner.company_registry) and country.atlas_uuid:  # blank spaces are no number
                return client.find_clusters(partner.company_registry, country.atlas_uuid)
            return client.find_by_title(sync._owner(client), partner.name)

        return self._ncc_ask_atlas(partner, "look-up", search)

    def _ncc_what_tells_apart(self, values, local, linked):
        """What tells a candidate apart from the company here, field by field with the candidate's value."""
        lines = [_("Already linked to %s", linked.display_name)] if linked else []
        lines += [f"{field_label(k, self.env)}: {display_value(self.env, k, values.get(k))}"
                  for k in diff_values(values, local)]
        return "\n".join(lines) or _("Nothing")

    def _ncc_line_values(self, values):
        show = lambda key: display_value(self.env, key, values.get(key))  # noqa: E731
        contact = " ".join(v for v in (values.get("field_first_name"), values.get("field_family_name")) if v)
        return {
            "title": show("title"),
            "registration_number": show("field_registration_number"),
            "address": show("field_address"),
            "website": show("field_url"),
            "email": show("field_general_contact_e_mail"),
            "contact": contact or "-",
        }

    def action_link(self):
        """Link the company to the registration the officer chose; the next push updates it from here."""
        self.ensure_one()
        partner = self._ncc_settled_partner(self.partner_id, "needs_choice")
        chosen = self.line_ids.filtered(lambda line: line.chosen and not line.is_local)
        if len(chosen) != 1:
            raise UserError(_("Choose the one Atlas registration that is %s, then press Link.",
                              partner.display_name))
        # Searched again rather than read by the UUID the form sent: only a registration that still matches the
        # company can be linked to it.
        remote = next((c for c in self._ncc_search(partner) if c.id == chosen.atlas_uuid), None)
        if remote is None:
            raise UserError(_("This registration no longer matches %s on the Atlas. Close this window and press "
                              "Resolve again to see the registrations that do.", partner.display_name))
        other = partner.with_context(active_test=False).search(
            [("ncc_atlas_uuid", "=", remote.id), ("id", "!=", partner.id)], limit=1)
        if other:
            raise UserError(_("This Atlas registration is already linked to %s: choose another one.",
                              other.display_name))
        partner._ncc_link(remote)
        partner._ncc_sync_writer().write({
            "ncc_synced_values": False,
            "ncc_sync_state": "pending",
            "ncc_sync_error": False,
            "ncc_sync_attempts": 0,
            "ncc_next_attempt": False,
        })
        self._ncc_send_soon()
        return {"type": "ir.actions.act_window_close"}

    def action_create_new(self):
        """None of them is this company: the next push creates a new Atlas registration."""
        self.ensure_one()
        partner = self._ncc_settled_partner(self.partner_id, "needs_choice")
        partner._ncc_sync_writer().write({
            "ncc_force_create": True,
            "ncc_sync_state": "pending",
            "ncc_sync_error": False,
            "ncc_sync_attempts": 0,
            "ncc_next_attempt": False,
        })
        self._ncc_send_soon()
        return {"type": "ir.actions.act_window_close"}


class NccAtlasLinkWizardLine(models.TransientModel):
    _name = "ncc.atlas.link.wizard.line"
    _description = "Atlas registration candidate"
    _order = "sequence, id"

    wizard_id = fields.Many2one("ncc.atlas.link.wizard", required=True, ondelete="cascade")
    sequence = fields.Integer()
    is_local = fields.Boolean("This company")
    chosen = fields.Boolean("This one")
    atlas_uuid = fields.Char("Atlas UUID")
    title = fields.Char("Name")
    registration_number = fields.Char("Registration number")
    address = fields.Char()
    website = fields.Char()
    email = fields.Char("E-mail")
    contact = fields.Char("Contact person")
    moderation_state = fields.Selection(MODERATION_STATES, "Atlas state")
    changed = fields.Datetime("Last change")
    linked_partner_id = fields.Many2one("res.partner", "Already linked to")
    differences = fields.Text("Differs from this company in")

    def action_link(self):
        """Link the company to this registration."""
        self.ensure_one()
        self.wizard_id.line_ids.chosen = False
        self.chosen = True
        return self.wizard_id.action_link()


def _newest_first(candidate):
    """Sort key: the most recently changed first; a listing may leave out ``changed``, those come last."""
    changed = candidate.changed
    return (changed is None, -changed.timestamp() if changed else 0)
