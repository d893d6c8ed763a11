from collections import defaultdict
from datetime import timezone

from odoo import _, api, fields, models
from odoo.exceptions import UserError

from ..atlas import ATTRIBUTES, RELATIONSHIPS, diff_values

MODERATION_STATES = [
    ("draft", "Draft"),
    ("ready_for_publication", "Ready for publication"),
    ("to_be_rejected", "To be rejected"),
    ("published", "Published"),
    ("revision_requested", "Revision requested"),
    ("rejected", "Rejected"),
]

SYNC_STATES = [
    ("not_sent", "Not sent"),
    ("pending", "Pending"),
    ("synced", "Synced"),
    ("error", "Error"),
    ("conflict", "Conflict"),
    ("needs_choice", "Needs a choice"),
]

# The one mapping between the registration record and the Atlas (spec §5): Atlas attribute -> partner field path.
# Read by the push (partner -> Atlas) and by the import and "take remote" (Atlas -> partner).
ATTRIBUTE_FIELDS = {
    "title": "name",
    "field_institution_name_in_nation": "ncc_name_national",
    "field_entity_department": "ncc_department",
    "field_general_contact_e_mail": "email",
    "field_phone_number": "phone",
    "field_url": "website",
    "field_registration_number": "company_registry",
    "field_question_headquarter": "ncc_is_headquarters",
    "field_headquarter": "ncc_headquarters_details",
    "field_question_subsidiaries": "ncc_has_subsidiaries",
    "field_subsidiaries_eu": "ncc_subsidiaries_details",
    "field_question_majority": "ncc_has_majority_outside",
    "field_majority_shares_noneu": "ncc_majority_outside_details",
    "field_article_136_compliance": "ncc_no_exclusion",
    "field_data_sharing_consent": "ncc_data_sharing_consent",
    "field_field_of_activity_descr": "ncc_expertise_description",
    "field_goals_to_achieve": "ncc_goals_to_achieve",
    "field_goals_to_contribute": "ncc_goals_to_contribute",
}
# The contact person: attributes read from the representative child contact.
REPRESENTATIVE_FIELDS = {
    "field_first_name": "ncc_first_name",
    "field_family_name": "ncc_family_name",
    "field_e_mail": "email",
    "field_position": "function",
    "field_representative_phone_numbe": "phone",
}
RELATIONSHIP_FIELDS = {
    "field_cluster_type": "ncc_cluster_type_id",
    "field_field_of_activity": "ncc_field_of_activity_ids",
    "field_cluster_thematic_area": "ncc_thematic_area_ids",
    "field_sectors": "ncc_sector_ids",
    "field_technologies": "ncc_technology_ids",
    "field_use_cases": "ncc_use_case_ids",
    "field_country": "ncc_country_term_id",
}
ADDRESS_FIELDS = {"country_code": "country_id", "locality": "city", "address_line1": "street"}

# Partner fields whose change makes a synced registration pending again.
SYNCED_PARTNER_FIELDS = (
    set(ATTRIBUTE_FIELDS.values()) | set(RELATIONSHIP_FIELDS.values()) | set(ADDRESS_FIELDS.values())
    | {"ncc_representative_id"}
)
# Stage kinds in which the NCC wants the registration on the Atlas, and in which it wants it withdrawn.
PUBLISH_KINDS = ("approved", "eccc_review", "member")
WITHDRAW_KINDS = ("rejected",)

assert set(ATTRIBUTE_FIELDS) | set(REPRESENTATIVE_FIELDS) | {"field_address", "moderation_state"} == set(ATTRIBUTES)
assert set(RELATIONSHIP_FIELDS) == set(RELATIONSHIPS)


class ResPartner(models.Model):
    _inherit = "res.partner"

    ncc_atlas_uuid = fields.Char("Atlas UUID", copy=False, readonly=True, index="btree_not_null")
    ncc_atlas_state = fields.Selection(MODERATION_STATES, "Atlas state", copy=False, readonly=True, tracking=True)
    ncc_atlas_changed = fields.Datetime("Atlas last change", copy=False, readonly=True,
                                        help="When the Atlas last changed the registration, as last seen.")
    ncc_atlas_message = fields.Text("ECCC message", copy=False, readonly=True)
    ncc_sync_state = fields.Selection(SYNC_STATES, "Sync state", default="not_sent", required=True, copy=False,
                                      readonly=True, index=True, tracking=True)
    ncc_sync_error = fields.Text("Last sync error", copy=False, readonly=True)
    ncc_synced_at = fields.Datetime("Last synced at", copy=False, readonly=True)
    ncc_sync_attempts = fields.Integer("Sync attempts", copy=False, readonly=True)
    ncc_next_attempt = fields.Datetime("Next attempt", copy=False, readonly=True)
    # The Atlas's values after the last successful exchange: the base that tells a remote edit from a local one.
    ncc_synced_values = fields.Json("Values last synced", copy=False, readonly=True)
    ncc_force_create = fields.Boolean(copy=False, readonly=True,
                                      help="An officer chose to create a new Atlas registration despite candidates.")
    ncc_sync_log_ids = fields.One2many("ncc.atlas.sync.log", "partner_id", "Sync log")
    ncc_sync_log_count = fields.Integer(compute="_compute_ncc_sync_log_count")

    _ncc_atlas_uuid_unique = models.Constraint(
        "UNIQUE(ncc_atlas_uuid)", "Another company is already linked to this Atlas registration."
    )

    def _compute_ncc_sync_log_count(self):
        counts = dict(
            self.env["ncc.atlas.sync.log"]._read_group([("partner_id", "in", self.ids)], ["partner_id"], ["__count"])
        )
        for partner in self:
            partner.ncc_sync_log_count = counts.get(partner, 0)

    # --- partner -> Atlas --------------------------------------------------------------------------------------

    def _ncc_atlas_values(self, send_country=False):
        """The registration as plain Atlas values (no moderation state)."""
        self.ensure_one()
        values = {name: self[path] or None for name, path in ATTRIBUTE_FIELDS.items()}
        for name in ("field_question_headquarter", "field_question_subsidiaries", "field_question_majority",
                     "field_article_136_compliance", "field_data_sharing_consent"):
            values[name] = bool(values[name])
        rep = self.ncc_representative_id
        values.update({name: rep[path] or None for name, path in REPRESENTATIVE_FIELDS.items()})
        address = {"country_code": self.country_id.code, "locality": self.city, "address_line1": self.street}
        values["field_address"] = address if all(address.values()) else None
        for name, path in RELATIONSHIP_FIELDS.items():
            terms = self[path]
            if RELATIONSHIPS[name].many:
                values[name] = sorted(t for t in terms.mapped("atlas_uuid") if t)
            else:
                values[name] = terms.atlas_uuid or None
        if not send_country:
            del values["field_country"]
        return values

    def _ncc_nothing_to_send(self, values):
        """Linked, its Atlas values (``values``) as last synced and no moderation state to ask for: a push would
        only read."""
        self.ensure_one()
        if not self.ncc_atlas_uuid or self.ncc_force_create or self._ncc_wanted_state(self.ncc_atlas_state):
            return False
        synced = self.ncc_synced_values  # read once: every read of a Json field is a deep copy
        return bool(synced) and not diff_values(synced, values)

    def _ncc_wanted_state(self, remote_state):
        """The moderation state to ask the Atlas for, given the stage and the state the Atlas holds; None to
        leave it alone (resending an unchanged state is refused by the Atlas)."""
        self.ensure_one()
        kind = self.ncc_stage_id.kind
        if kind in WITHDRAW_KINDS:
            return None if remote_state in (None, "to_be_rejected", "rejected") else "to_be_rejected"
        if kind in PUBLISH_KINDS:
            return None if remote_state in ("ready_for_publication", "published") else "ready_for_publication"
        return None

    # --- sync outcomes -----------------------------------------------------------------------------------------

    def _ncc_sync_failed(self, state, message):
        self.with_context(ncc_atlas_write=True).write({"ncc_sync_state": state, "ncc_sync_error": message})

    def _ncc_link(self, remote):
        """Link to an existing Atlas registration. Its moderation state is not recorded here: recording the
        exchange records it and moves the pipeline, as it does after a create."""
        self.ensure_one()
        self.with_context(ncc_atlas_write=True).write({
            "ncc_atlas_uuid": remote.id,
            "ncc_atlas_changed": _naive(remote.changed),
            "ncc_force_create": False,
        })

    def _ncc_unlink_atlas(self):
        self.with_context(ncc_atlas_write=True).write({
            "ncc_atlas_uuid": False, "ncc_atlas_state": False, "ncc_atlas_changed": False,
            "ncc_synced_values": False,
        })

    def _ncc_sync_done(self, remote, values, state="synced"):
        """Record a successful exchange: the Atlas now holds `values`."""
        self.ensure_one()
        self._ncc_record_syncs([(self, remote, values, state)])

    @api.model
    def _ncc_record_syncs(self, outcomes):
        """Record successful exchanges, ``(partner, remote or None, values, state)``, in bulk: the sync fields of
        each partner, then the Atlas states the exchanges revealed, brought into the pipeline together.

        The sync state is routine bookkeeping here (pending -> synced at every push): it is written without chatter
        tracking, which would post a message per application and per push; the sync log keeps every exchange."""
        now = fields.Datetime.now()
        Partner = self.with_context(ncc_atlas_write=True, mail_notrack=True)
        # What every partner of the batch gets alike, in one write per kind of outcome...
        alike = defaultdict(list)
        for partner, remote, _values, state in outcomes:
            alike[state, remote is not None].append(partner.id)
        for (state, exchanged), ids in alike.items():
            vals = {
                "ncc_sync_state": state,
                "ncc_sync_error": False,
                "ncc_sync_attempts": 0,
                "ncc_next_attempt": False,
                "ncc_force_create": False,
            }
            if exchanged:
                vals["ncc_synced_at"] = now
            Partner.browse(ids).write(vals)
        # ... then what is each one's own: the values the Atlas now holds, its UUID and last change.
        for partner, remote, values, _state in outcomes:
            if remote is not None:
                vals = {"ncc_atlas_changed": _naive(remote.changed), "ncc_synced_values": values}
                if partner.ncc_atlas_uuid != remote.id:
                    vals["ncc_atlas_uuid"] = remote.id
                partner.with_context(ncc_atlas_write=True, mail_notrack=True).write(vals)
        self._ncc_apply_remote_states({
            partner: remote for partner, remote, _values, _state in outcomes
            if remote is not None and remote.moderation_state != partner.ncc_atlas_state
        })

    def _ncc_apply_remote_state(self, remote):
        """Bring the Atlas's moderation state (the ECCC's decision) into the pipeline."""
        self.ensure_one()
        self._ncc_apply_remote_states({self: remote})

    @api.model
    def _ncc_apply_remote_states(self, remotes):
        """Bring the Atlas's moderation states (the ECCC's decisions) into the pipeline, ``{partner: remote}``:
        the state and, when it calls for one, the stage move in one write, for every partner going the same way."""
        groups = defaultdict(list)
        stages = {}
        for partner, remote in remotes.items():
            state = remote.moderation_state
            message = (getattr(remote, "revision_message", None) or False) if state == "revision_requested" else None
            if state not in stages:
                stages[state] = self._ncc_stage_for_atlas_state(state)
            stage = stages[state]
            kind = partner.ncc_stage_id.kind
            if (
                not stage or stage == partner.ncc_stage_id
                # only an approval that was just sent moves on to the ECCC review
                or state == "ready_for_publication" and kind != "approved"
                # the NCC has moved it elsewhere meanwhile (e.g. rejected): its decision stands
                or state in ("published", "revision_requested") and kind not in PUBLISH_KINDS
            ):
                stage = None
            groups[state, message, stage].append(partner.id)
        for (state, message, stage), ids in groups.items():
            vals = {"ncc_atlas_state": state}
            if message is not None:
                vals["ncc_atlas_message"] = message
            if stage:
                vals["ncc_stage_id"] = stage.id
            # The Atlas decided, not the user who happens to run the sync: a system move, past the manager gate.
            partners = self.browse(ids).sudo().with_context(ncc_atlas_write=True, ncc_system_move=True)
            partners.write(vals)
            if not stage:
                continue
            if state == "published":
                partners._ncc_notify("ncc_atlas_connector.mail_template_ncc_published")
            elif state == "revision_requested":
                for partner in partners:
                    partner.activity_schedule(
                        "mail.mail_activity_data_todo",
                        user_id=(partner.ncc_assessor_id or self.env.user).id,
                        summary=_("The ECCC asks for a revision"),
                        note=message or _("The ECCC requested a revision on the Atlas without a message."),
                    )

    # --- Atlas -> partner --------------------------------------------------------------------------------------

    def _ncc_partner_values(self, values):
        """Partner write values from plain Atlas values (the reverse of `_ncc_atlas_values`); the contact person's
        values come back separately as a second dict."""
        Term = self.env["ncc.atlas.term"].with_context(active_test=False)
        uuids = {u for name in RELATIONSHIP_FIELDS if name in values for u in _as_list(values[name])}
        terms = {t.atlas_uuid: t.id for t in Term.search([("atlas_uuid", "in", list(uuids))])} if uuids else {}
        vals = {path: values[name] or False for name, path in ATTRIBUTE_FIELDS.items() if name in values}
        for name in ("field_question_headquarter", "field_question_subsidiaries", "field_question_majority",
                     "field_article_136_compliance", "field_data_sharing_consent"):
            if name in values:
                vals[ATTRIBUTE_FIELDS[name]] = bool(values[name])
        for name, path in RELATIONSHIP_FIELDS.items():
            if name not in values or name == "field_country":
                continue
            ids = [terms[u] for u in _as_list(values[name]) if u in terms]
            vals[path] = [(6, 0, ids)] if RELATIONSHIPS[name].many else (ids[0] if ids else False)
        address = values.get("field_address")
        if address:
            country = self.env["res.country"].search([("code", "=", address["country_code"])], limit=1)
            vals.update({"country_id": country.id, "city": address["locality"], "street": address["address_line1"]})
        rep_vals = {path: values[name] or False for name, path in REPRESENTATIVE_FIELDS.items() if name in values}
        return vals, rep_vals

    def _ncc_apply_atlas_values(self, values):
        """Write plain Atlas values on the registration and its contact person, without marking it pending."""
        self.ensure_one()
        vals, rep_vals = self._ncc_partner_values(values)
        partner = self.with_context(ncc_atlas_write=True)
        partner.write(vals)
        if any(rep_vals.values()):
            rep = self.ncc_representative_id
            if rep:
                rep.with_context(ncc_atlas_write=True).write(rep_vals)
            else:
                partner._ncc_create_representative(rep_vals)

    def _ncc_create_representative(self, rep_vals):
        name = " ".join(filter(None, [rep_vals.get("ncc_first_name"), rep_vals.get("ncc_family_name")]))
        return self.env["res.partner"].with_context(ncc_atlas_write=True).create({
            **rep_vals,
            "name": name or rep_vals.get("email") or _("Contact person"),
            "parent_id": self.id,
            "type": "contact",
            "ncc_is_representative": True,
        })

    # --- dirty flag --------------------------------------------------------------------------------------------

    def write(self, vals):
        result = super().write(vals)
        if not self.env.context.get("ncc_atlas_write"):
            touched = SYNCED_PARTNER_FIELDS.intersection(vals) or "ncc_stage_id" in vals
            if touched:
                self._ncc_mark_pending()
            if set(REPRESENTATIVE_FIELDS.values()).intersection(vals):
                self.filtered("ncc_is_representative").parent_id._ncc_mark_pending()
        return result

    def _children_sync(self, values):
        # The sync's own bookkeeping (sync and Atlas state, stage) is neither commercial nor address data, yet Odoo
        # would write every contact person of the company for it (an empty commercial sync): skip that.
        synced = set(self._commercial_fields()) | set(self._address_fields())
        if self.env.context.get("ncc_atlas_write") and not synced.intersection(values):
            return None
        return super()._children_sync(values)

    def _ncc_mark_pending(self):
        """Queue the registrations the Atlas should hear about: linked ones, and approved ones not sent yet."""
        todo = self.filtered(
            lambda p: p.ncc_is_applicant
            and p.ncc_sync_state in ("synced", "error", "not_sent")
            and (p.ncc_atlas_uuid or p.ncc_stage_id.kind in PUBLISH_KINDS)
        )
        if todo:
            todo.with_context(ncc_atlas_write=True).write({
                "ncc_sync_state": "pending", "ncc_sync_error": False, "ncc_sync_attempts": 0,
                "ncc_next_attempt": False,
            })

    # --- actions -----------------------------------------------------------------------------------------------

    def action_ncc_sync_now(self):
        """Push these registrations now, as the scheduled action would."""
        self._ncc_mark_pending()
        todo = self.filtered(lambda p: p.ncc_sync_state == "pending")
        if not todo:
            raise UserError(_("Nothing to send: only approved registrations, or ones already on the Atlas, are sent."))
        todo.with_context(ncc_atlas_write=True).write({"ncc_next_attempt": False})
        self.env["ncc.atlas.sync"]._push(todo)
        return True

    def action_ncc_open_sync_log(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": _("Atlas sync log"),
            "res_model": "ncc.atlas.sync.log",
            "view_mode": "list,form",
            "domain": [("partner_id", "=", self.id)],
            "context": {"default_partner_id": self.id},
        }

    def action_ncc_resolve(self):
        """Open the wizard that fits: pick among Atlas candidates, or resolve a conflict."""
        self.ensure_one()
        if self.ncc_sync_state == "needs_choice":
            wizard, title = "ncc.atlas.link.wizard", _("Which Atlas registration is %s?", self.display_name)
        elif self.ncc_sync_state == "conflict":
            wizard, title = "ncc.atlas.conflict.wizard", _("%s: differences with the Atlas", self.display_name)
        else:
            raise UserError(_("%s has nothing to settle with the Atlas.", self.display_name))
        return {
            "type": "ir.actions.act_window",
            "name": title,
            "res_model": wizard,
            "view_mode": "form",
            "target": "new",
            "context": {"default_partner_id": self.id, "dialog_size": "extra-large"},
        }

    @api.model
    def _ncc_stage_for_atlas_state(self, state):
        kind = {"published": "member", "revision_requested": "revision", "rejected": "rejected",
                "ready_for_publication": "eccc_review"}.get(state)
        return kind and self._ncc_stage_of_kind(kind)


def _naive(value):
    """An aware datetime as the naive UTC value Odoo stores."""
    return value.astimezone(timezone.utc).replace(tzinfo=None) if value and value.tzinfo else value


def _as_list(value):
    if not value:
        return []
    return value if isinstance(value, list) else [value]
