from collections import defaultdict

from odoo import _, api, fields, models
from odoo.exceptions import AccessError, UserError

from ..atlas import BOOL_ATTRIBUTES, RELATIONSHIPS, diff_values, national_names, national_names_text
from ..atlas.sentence import _lt  # a Sentence: English, stored, shown translated (not Odoo's lazy _lt)
from .atlas_mapping import (
    ADDRESS_FIELDS,
    ATTRIBUTE_FIELDS,
    MODERATION_STATE_SELECTION,
    RELATIONSHIP_FIELDS,
    REPRESENTATIVE_FIELDS,
    STATE_STAGE_KINDS,
    SYNC_KEEPS_STAGE_STATES,
    as_list,
    naive_utc,
)

SYNC_STATES = [
    ("not_sent", "Not sent"),
    ("pending", "Pending"),
    ("synced", "Synced"),
    ("error", "Error"),
    ("conflict", "Conflict"),
    ("needs_choice", "Needs a choice"),
]

# Partner fields whose change makes a synced registration pending again.
SYNCED_PARTNER_FIELDS = (
    set(ATTRIBUTE_FIELDS.values()) | set(RELATIONSHIP_FIELDS.values()) | set(ADDRESS_FIELDS.values())
    | {"ncc_representative_id"}
)
# Stage kinds in which the NCC wants the registration on the Atlas, and in which it wants it withdrawn.
PUBLISH_KINDS = ("approved", "eccc_review", "member")
OFFICER = "ncc_atlas_connector.group_ncc_officer"
WITHDRAW_KINDS = ("rejected",)


class ResPartner(models.Model):
    _inherit = "res.partner"

    # The Atlas link and its bookkeeping are the officers': the synced values hold the whole registration.
    ncc_atlas_uuid = fields.Char("Atlas UUID", copy=False, readonly=True, groups=OFFICER)  # see the indexes
    ncc_atlas_state = fields.Selection(MODERATION_STATE_SELECTION, "Atlas state", copy=False, readonly=True,
                                       tracking=True, groups=OFFICER)
    ncc_atlas_changed = fields.Datetime("Atlas last change", copy=False, readonly=True, groups=OFFICER,
                                        help="When the Atlas last changed the registration, as last seen.")
    ncc_atlas_message = fields.Text("ECCC message", copy=False, readonly=True, groups=OFFICER)
    ncc_sync_state = fields.Selection(SYNC_STATES, "Sync state", default="not_sent", required=True, copy=False,
                                      readonly=True, tracking=True, groups=OFFICER)
    # ncc_sync_error, the last sync error in the reader's language: see res_partner_sync_error.py
    ncc_synced_at = fields.Datetime("Last synced at", copy=False, readonly=True, groups=OFFICER)
    ncc_sync_attempts = fields.Integer("Sync attempts", copy=False, readonly=True, groups=OFFICER)
    ncc_next_attempt = fields.Datetime("Next attempt", copy=False, readonly=True, groups=OFFICER)
    # The Atlas's values after the last successful exchange: the base that tells a remote edit from a local one.
    ncc_synced_values = fields.Json("Values last synced", copy=False, readonly=True, groups=OFFICER)
    ncc_force_create = fields.Boolean("Create a new Atlas registration", copy=False, readonly=True, groups=OFFICER,
                                      help="An officer chose to create a new Atlas registration despite candidates.")
    ncc_sync_log_ids = fields.One2many("ncc.atlas.sync.log", "partner_id", "Sync log", groups=OFFICER)
    ncc_sync_log_count = fields.Integer("Sync log entries", compute="_compute_ncc_sync_log_count", groups=OFFICER)

    # The contacts table is the CRM's busiest: its indexes leave out the contacts the sync has nothing to do with
    # (no Atlas registration, never sent), so that creating an ordinary contact adds no entry to them.
    _ncc_atlas_uuid_unique = models.UniqueIndex(
        "(ncc_atlas_uuid) WHERE ncc_atlas_uuid IS NOT NULL",
        "Another company is already linked to this Atlas registration.",
    )
    _ncc_sync_state_index = models.Index("(ncc_sync_state) WHERE ncc_sync_state != 'not_sent'")

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
        for name in BOOL_ATTRIBUTES:
            values[name] = bool(values[name])
        rep = self.ncc_representative_id
        values.update({name: rep[path] or None for name, path in REPRESENTATIVE_FIELDS.items()})
        address = {"country_code": self.country_id.code, "locality": self.city, "address_line1": self.street}
        values["field_address"] = address if all(address.values()) else None  # sent only complete
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
        self._ncc_sync_writer().write({"ncc_sync_state": state, "ncc_sync_error": message})

    def _ncc_link(self, remote):
        """Link to an existing Atlas registration. Its moderation state is not recorded here: recording the
        exchange records it and moves the pipeline, as it does after a create."""
        self.ensure_one()
        self._ncc_sync_writer().write({
            "ncc_atlas_uuid": remote.id,
            "ncc_atlas_changed": naive_utc(remote.changed),
            "ncc_force_create": False,
        })

    def _ncc_unlink_atlas(self):
        self._ncc_sync_writer().write({
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
        Partner = self._ncc_sync_writer(mail_notrack=True)
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
                vals = {"ncc_atlas_changed": naive_utc(remote.changed), "ncc_synced_values": values}
                if partner.ncc_atlas_uuid != remote.id:
                    vals["ncc_atlas_uuid"] = remote.id
                partner._ncc_sync_writer(mail_notrack=True).write(vals)
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
            partners = self.browse(ids)._ncc_sync_writer(ncc_system_move=True)
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
        uuids = {u for name in RELATIONSHIP_FIELDS if name in values for u in as_list(values[name])}
        terms = {t.atlas_uuid: t.id for t in Term.search([("atlas_uuid", "in", list(uuids))])} if uuids else {}
        vals = {path: values[name] or False for name, path in ATTRIBUTE_FIELDS.items() if name in values}
        for name in BOOL_ATTRIBUTES:
            if name in values:
                vals[ATTRIBUTE_FIELDS[name]] = bool(values[name])
        if isinstance(values.get("field_institution_name_in_nation"), list):
            # Several names on the Atlas: the partner holds them all, as one text.
            vals[ATTRIBUTE_FIELDS["field_institution_name_in_nation"]] = national_names_text(
                national_names(values["field_institution_name_in_nation"])) or False
        for name, path in RELATIONSHIP_FIELDS.items():
            if name not in values or name == "field_country":
                continue
            ids = [terms[u] for u in as_list(values[name]) if u in terms]
            vals[path] = [(6, 0, ids)] if RELATIONSHIPS[name].many else (ids[0] if ids else False)
        address = values.get("field_address") or {}
        for key, fname in ADDRESS_FIELDS.items():
            if not address.get(key):
                continue  # a part the Atlas did not send is not a part it cleared
            if key == "country_code":
                country = self.env["res.country"].search([("code", "=", address[key].upper())], limit=1)
                if country:
                    vals[fname] = country.id
            else:
                vals[fname] = address[key]
        rep_vals = {path: values[name] or False for name, path in REPRESENTATIVE_FIELDS.items() if name in values}
        return vals, rep_vals

    def _ncc_apply_atlas_values(self, values):
        """Write plain Atlas values on the registration and its contact person, without marking it pending."""
        self.ensure_one()
        vals, rep_vals = self._ncc_partner_values(values)
        partner = self._ncc_sync_writer()
        partner.write(vals)
        if any(rep_vals.values()):
            rep = self.ncc_representative_id
            if rep:
                rep._ncc_sync_writer().write(rep_vals)
            else:
                partner._ncc_create_representative(rep_vals)

    def _ncc_create_representative(self, rep_vals):
        name = " ".join(filter(None, [rep_vals.get("ncc_first_name"), rep_vals.get("ncc_family_name")]))
        return self.env["res.partner"]._ncc_sync_writer().create({
            **rep_vals,
            "name": name or rep_vals.get("email") or _("Contact person"),
            "parent_id": self.id,
            "type": "contact",
            "ncc_is_representative": True,
        })

    # --- dirty flag --------------------------------------------------------------------------------------------

    def _ncc_sync_writing(self):
        """The Atlas synchronisation is writing (see `_ncc_sync_writer`): the context key alone is forgeable over
        RPC, so it counts under sudo only."""
        return self.env.su and self.env.context.get("ncc_atlas_write")

    @api.model_create_multi
    def create(self, vals_list):
        partners = super().create(vals_list)
        if not self._ncc_sync_writing():
            partners._ncc_mark_pending()  # created approved: queued like a moved one
        return partners

    def write(self, vals):
        result = super().write(vals)
        if not self._ncc_sync_writing():
            touched = SYNCED_PARTNER_FIELDS.intersection(vals) or "ncc_stage_id" in vals
            if touched:
                self._ncc_mark_pending()
            if set(REPRESENTATIVE_FIELDS.values()).intersection(vals):
                # sudo: a colleague without the officers' fields edits a contact person too
                self.sudo().filtered("ncc_is_representative").parent_id._ncc_mark_pending()
        return result

    def _children_sync(self, values):
        # The sync's own bookkeeping (sync and Atlas state, stage) is neither commercial nor address data, yet Odoo
        # would write every contact person of the company for it (an empty commercial sync): skip that.
        synced = set(self._commercial_fields()) | set(self._address_fields())
        if self._ncc_sync_writing() and not synced.intersection(values):
            return None
        return super()._children_sync(values)

    def _ncc_mark_pending(self):
        """Queue the registrations the Atlas should hear about: linked ones, and approved ones not sent yet.
        Whoever edited them: the stage is read under sudo, as colleagues outside the NCC edit companies too."""
        todo = self.sudo().filtered(
            lambda p: p.ncc_is_applicant
            and p.ncc_sync_state in ("synced", "error", "not_sent")
            and (p.ncc_atlas_uuid or p.ncc_stage_id.kind in PUBLISH_KINDS)
        )
        if todo:
            todo._ncc_sync_writer().write({
                "ncc_sync_state": "pending", "ncc_sync_error": False, "ncc_sync_attempts": 0,
                "ncc_next_attempt": False,
            })
            # On the Atlas within seconds, not at the next quarter of an hour.
            cron = self.env.ref("ncc_atlas_connector.ir_cron_ncc_atlas_push", raise_if_not_found=False)
            if cron:
                cron.sudo()._trigger()

    @api.model
    def _ncc_term_fields(self, vocabulary):
        """The partner fields holding terms of this vocabulary."""
        return [path for name, path in RELATIONSHIP_FIELDS.items() if RELATIONSHIPS[name].vocabulary == vocabulary]

    @api.model
    def _ncc_replace_terms(self, partners, field_names, successors):
        """Move these partners from archived terms to their successors, ``{old term: new term}``; an application
        on the Atlas is queued to send the change."""
        if not successors:
            return
        old_ids = {old.id: new.id for old, new in successors.items()}
        for partner in partners.with_context(active_test=False):  # archived terms are hidden otherwise
            vals = {}
            for name in field_names:
                current = partner[name]
                if not current & self.env["ncc.atlas.term"].browse(list(old_ids)):
                    continue
                ids = list(dict.fromkeys(old_ids.get(t.id, t.id) for t in current))
                vals[name] = [(6, 0, ids)] if partner._fields[name].type == "many2many" else ids[0]
            if vals:
                partner.write(vals)

    def _ncc_terms_withdrawn(self, field_names, gone):
        """Tell these applications, in words, that a term they use was withdrawn from the Atlas; the ones meant
        for the Atlas wait in error until an officer chooses another term (the edit queues them again)."""
        for partner in self.with_context(active_test=False):
            used = gone & self.env["ncc.atlas.term"].union(*(partner[name] for name in field_names))
            if not used:
                continue
            labels = ", ".join(self._fields[name].string for name in field_names if partner[name] & used)
            message = _lt("The Atlas no longer lists %(terms)s (%(field)s): choose another term and save.",
                          terms=", ".join(f"'{t.name}'" for t in used), field=labels)
            vals = {"ncc_sync_error": message}
            if partner.ncc_sync_state in ("pending", "synced"):
                vals["ncc_sync_state"] = "error"
            partner._ncc_sync_writer().write(vals)

    # --- actions -----------------------------------------------------------------------------------------------

    def _ncc_require_officer(self):
        """The sync actions write under sudo: who may start them is checked here."""
        if not self.env.su and not self.env.user.has_group(OFFICER):
            raise AccessError(_("Only NCC officers exchange registrations with the Atlas."))

    def action_ncc_sync_now(self):
        """Push these registrations now, as the scheduled action would, under the same row lock: taken before
        anything is written, so a person's send and the scheduled push never send the same application twice."""
        self._ncc_require_officer()
        sync = self.env["ncc.atlas.sync"]
        settings = sync._settings()
        sync._lock_for_person(self)
        self._ncc_mark_pending()
        todo = self.filtered(lambda p: p.ncc_sync_state == "pending")
        if not todo:
            raise UserError(_("Nothing to send: only approved registrations, or ones already on the Atlas, are sent."))
        todo._ncc_sync_writer().write({"ncc_next_attempt": False})
        sync._push_now(todo, settings)
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
        self._ncc_require_officer()
        # The button shows only in these two states; in any other the comparison says what there is to settle.
        if self.ncc_sync_state == "needs_choice":
            wizard, title = "ncc.atlas.link.wizard", _("Which Atlas registration is %s?", self.display_name)
        else:
            wizard, title = "ncc.atlas.conflict.wizard", _("%s: differences with the Atlas", self.display_name)
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
        """The stage a moderation state read back by the sync moves an application to, if any."""
        kind = STATE_STAGE_KINDS.get(state) if state not in SYNC_KEEPS_STAGE_STATES else None
        return kind and self._ncc_stage_of_kind(kind)

