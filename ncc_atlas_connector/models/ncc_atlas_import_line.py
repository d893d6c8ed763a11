"""One Atlas registration of a day-one import: what will happen to it, what the record's own rules say about it
before anything is written, and, once processed, what became of it.

The preview runs the partner's own validation (its constraints, not a copy of their rules) on the company exactly
as the import would write it, in a savepoint that is always rolled back. A line that fails can be imported as an
incomplete application: the Atlas values the rules refuse are left out, the rest is imported into the first stage,
and the company differs from the Atlas on those values (a conflict: nothing is sent until a person decides).
"""

import psycopg2

from odoo import _, api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL
from odoo.tools.misc import clean_context

from ..atlas import RELATIONSHIPS, diff_values
from ..atlas.sentence import _lt  # a Sentence: English, stored, shown translated (not Odoo's lazy _lt)
from .atlas_mapping import (
    ATTRIBUTE_FIELDS,
    MODERATION_STATE_SELECTION,
    REPRESENTATIVE_FIELDS,
    STATE_STAGE_KINDS,
    as_list,
    field_label,
)
from .ncc_atlas_import_matcher import MATCH_RULES

#: Atlas values held by an ordinary company too (name, contacts, address, register number): local data even when
#: the company was not an applicant yet. Every other value belongs to the registration.
COMPANY_KEYS = {
    "title", "field_general_contact_e_mail", "field_phone_number", "field_url", "field_registration_number",
    "field_address",
}
ACTIONS = [
    ("linked", "Already linked"),
    ("link", "Link to the company"),
    ("create", "Create a company"),
    ("incomplete", "Import as incomplete"),
    ("skip", "Excluded"),
]
#: Prefix of the contact person's fields among the values left out of an incomplete import.
REPRESENTATIVE = "representative."
#: Flags under which the partner's rules apply; the import's own bookkeeping, never a value it leaves out.
FLAGS = {"ncc_is_applicant", "ncc_is_representative", "active", "parent_id", "is_company"}


def _blank(value):
    return value is None or value == "" or value == [] or value == {}


class NccAtlasImportLine(models.Model):
    _name = "ncc.atlas.import.line"
    _description = "Registration to import from the Atlas"
    _order = "sequence, id"

    import_id = fields.Many2one("ncc.atlas.import", required=True, ondelete="cascade", index=True)
    sequence = fields.Integer(default=10)
    atlas_uuid = fields.Char("Atlas UUID", required=True, readonly=True)
    title = fields.Char("Name on the Atlas", readonly=True)
    registration_number = fields.Char("Registration number", readonly=True)
    country_code = fields.Char("Country", readonly=True)
    city = fields.Char(readonly=True)
    website = fields.Char(readonly=True)
    moderation_state = fields.Selection(MODERATION_STATE_SELECTION, "Atlas state", readonly=True)
    changed = fields.Datetime("Atlas last change", readonly=True)
    revision_message = fields.Text("ECCC message", readonly=True)
    atlas_values = fields.Json("Atlas values", readonly=True)
    linked_partner_id = fields.Many2one("res.partner", "Linked to", readonly=True,
                                        help="The company already linked to this Atlas registration.")
    partner_id = fields.Many2one(
        "res.partner", "Company",
        domain="[('is_company', '=', True), ('parent_id', '=', False), ('ncc_atlas_uuid', '=', False)]",
        help="The existing company this registration is linked to; empty to create a new company.",
    )
    match_rule = fields.Selection(MATCH_RULES, "Matched by", readonly=True)
    excluded = fields.Boolean(help="Leave this registration out of the import.")
    action = fields.Selection(ACTIONS, compute="_compute_action", store=True)
    note = fields.Text("Match", readonly=True, help="Why the match needs the manager: several candidates, or "
                       "registrations competing for one company.")
    compete_keys = fields.Char("Competes for", readonly=True,
                               help="What this registration competes for with others of the import.")
    issues = fields.Text("Will fail", readonly=True,
                         help="What the record's own rules refuse, as the import would write it, and why.")
    left_out = fields.Json("Values left out", readonly=True,
                           help="The values an incomplete import leaves out so that the rules pass.")
    left_out_labels = fields.Text("Left out", compute="_compute_left_out_labels")
    blocked = fields.Boolean(readonly=True, help="Leaving Atlas values out does not make the rules pass: the "
                             "company itself needs a correction first, or another company.")
    state = fields.Selection(
        [("draft", "To confirm"), ("todo", "Waiting"), ("done", "Done"), ("error", "Error"), ("skipped", "Skipped")],
        default="draft", required=True, readonly=True, index=True,
    )
    result = fields.Selection(
        [("created", "Created"), ("linked", "Linked"), ("incomplete", "Incomplete"), ("conflict", "Conflict"),
         ("unchanged", "Unchanged")],
        readonly=True,
    )
    result_partner_id = fields.Many2one("res.partner", "Imported as", readonly=True)
    missing_items = fields.Text("Missing", related="result_partner_id.ncc_missing_items")
    error = fields.Text(readonly=True)

    @api.depends("excluded", "linked_partner_id", "partner_id", "issues")
    def _compute_action(self):
        for line in self:
            if line.excluded:
                line.action = "skip"
            elif line.linked_partner_id:
                line.action = "linked"
            elif line.issues:
                line.action = "incomplete"
            elif line.partner_id:
                line.action = "link"
            else:
                line.action = "create"

    @api.depends("left_out")
    def _compute_left_out_labels(self):
        """The Atlas's names of the values left out (the partner's own field label where the Atlas has none)."""
        Partner = self.env["res.partner"]
        attributes = {path: name for name, path in ATTRIBUTE_FIELDS.items()}
        attributes.update({REPRESENTATIVE + path: name for name, path in REPRESENTATIVE_FIELDS.items()})
        for line in self:
            labels = []
            for name in line.left_out or []:
                if name in attributes:
                    labels.append(field_label(attributes[name], self.env))
                else:
                    labels.append(Partner._ncc_field_label(name.removeprefix(REPRESENTATIVE)))
            line.left_out_labels = ", ".join(labels) or False

    @api.onchange("partner_id")
    def _onchange_partner_id(self):
        for line in self:
            line.match_rule = "manual" if line.partner_id else False

    def write(self, vals):
        if "partner_id" in vals and "match_rule" not in vals:
            vals = {**vals, "match_rule": "manual" if vals["partner_id"] else False}
        if {"partner_id", "excluded"} & set(vals) and any(line.import_id.state != "draft" for line in self):
            raise UserError(_("The import has been confirmed: its lines can no longer change."))
        if vals.get("excluded") is False and "partner_id" not in vals and (blocked := self.filtered("blocked")):
            raise UserError(_(
                "“%(title)s” cannot be imported, not even as an incomplete application: %(issues)s",
                title=blocked[0].title, issues=blocked[0].issues))
        result = super().write(vals)
        if "partner_id" in vals:  # another company: the rules say something else
            conf = self.env["ncc.atlas.sync"]._conf()
            for line in self:
                line.write(line._validate(conf))
        return result

    def action_include(self):
        self.write({"excluded": False})
        return True

    def action_exclude(self):
        self.write({"excluded": True})
        return True

    def action_pick(self):
        """Take this registration among those that compete, leave the others out."""
        self.ensure_one()
        keys = set((self.compete_keys or "").split())
        rivals = self.import_id.line_ids.filtered(
            lambda line: line != self and keys & set((line.compete_keys or "").split()))
        rivals.filtered(lambda line: not line.linked_partner_id).write({"excluded": True})
        self.excluded = False
        return True

    # --- preview: the record's own validation ----------------------------------------------------------------

    def _validate_all(self, conf):
        """``_validate`` for many lines: first all of them at once (one rollback for the lot: most lines pass),
        then one by one those that failed. Returns ``{line: values}`` for the lines with something to say."""
        lines = self.filtered(lambda line: not line.linked_partner_id)
        failed = lines.filtered(lambda line: line._unknown_terms())
        lines -= failed
        savepoint = self.env.cr.savepoint()
        try:
            trials = []
            # The new companies in one create (with their contact persons in another) ...
            new = lines.filtered(lambda line: not line.partner_id)
            Partner = self._trial_partners()
            values = [Partner._ncc_partner_values(line.atlas_values or {}) for line in new]
            try:
                with self.env.cr.savepoint():
                    partners = Partner.create([{**vals, "is_company": True, "ncc_is_applicant": False}
                                               for vals, _rep_vals in values])
                    people = [{k: v for k, v in rep_vals.items() if v} for _vals, rep_vals in values]
                    representatives = iter(Partner.create([
                        self._trial_representative(partner, rep_vals)
                        for partner, rep_vals in zip(partners, people, strict=True) if rep_vals]))
                    trials += [(line, partner, next(representatives) if rep_vals else Partner)
                               for line, partner, rep_vals in zip(new, partners, people, strict=True)]
            except (UserError, psycopg2.Error):
                failed |= new  # one of them: each is tried alone below
            # ... the companies to link one by one.
            for line in lines - new:
                try:
                    with self.env.cr.savepoint():
                        trials.append((line, *line._write_company(conf, set(), trial=True)[:2]))
                except (UserError, psycopg2.Error):
                    failed |= line
            self._flags_on(trials)
            for line, partner, representative in trials:
                if self._failures(partner, representative):
                    failed |= line
        finally:
            savepoint.close(rollback=True)
        return {line: found for line in failed if (found := line._validate(conf))["issues"]}

    def _validate(self, conf):
        """What the partner's rules refuse when this line is imported, and which Atlas values an incomplete import
        leaves out so that they pass: the values for ``issues``, ``left_out`` and ``blocked``."""
        self.ensure_one()
        none = {"issues": False, "left_out": False, "blocked": False}
        if self.linked_partner_id:
            return none
        unknown = self._unknown_terms()
        if unknown:
            return {"issues": _("The Atlas uses terms Odoo does not know, even after reading its vocabularies "
                                "again: %s", ", ".join(sorted(unknown))), "left_out": False, "blocked": True}
        failures, written = self._trial(conf, set())
        if not failures:
            return none
        issues = "\n".join(dict.fromkeys(message for _check, message, _names in failures))
        left_out = set()
        for check, message, names in failures:
            for name in names:
                if name not in written or name in left_out:
                    continue
                again = {c: m for c, m, _n in self._trial(conf, left_out | {name})[0]}
                if again.get(check) != message:  # that value was (part of) the reason
                    left_out.add(name)
                    message = again.get(check)
                    if message is None:
                        break
        remaining = self._trial(conf, left_out)[0] if left_out else failures
        if remaining:
            return {"issues": _("%(issues)s\nLeaving the Atlas's values out is not enough: %(remaining)s",
                                issues=issues, remaining="\n".join(m for _c, m, _n in remaining)),
                    "left_out": sorted(left_out) or False, "blocked": True}
        return {"issues": issues, "left_out": sorted(left_out), "blocked": False}

    def _trial(self, conf, left_out):
        """Write the company as the import would (without ``left_out``), then run every rule of the partner and of
        its contact person on it; everything is rolled back. Returns ``[(rule, message, field names)]`` and the
        names of the values written."""
        failures, written = [], set()
        savepoint = self.env.cr.savepoint()
        try:
            partner, representative, written = self._write_company(conf, left_out, trial=True)
            self._flags_on([(self, partner, representative)])
            failures = self._failures(partner, representative)
        except (UserError, psycopg2.Error) as exc:
            failures.append(("write", exc.args[0] if isinstance(exc, UserError) else str(exc), []))
        finally:
            savepoint.close(rollback=True)
        return failures, written

    def _flags_on(self, trials):
        """Make the trial companies applicants and their contact persons representatives, without running the
        rules yet (the caller runs them all, to hear every refusal rather than the first)."""
        self.env.flush_all()
        partners = [partner.id for _line, partner, _rep in trials]
        representatives = [rep.id for _line, _partner, rep in trials if rep]
        if partners:
            self.env.cr.execute(SQL("UPDATE res_partner SET ncc_is_applicant = TRUE WHERE id IN %s", tuple(partners)))
        if representatives:
            self.env.cr.execute(SQL("UPDATE res_partner SET ncc_is_representative = TRUE WHERE id IN %s",
                                    tuple(representatives)))
        self.env["res.partner"].invalidate_model(["ncc_is_applicant", "ncc_is_representative"])

    @staticmethod
    def _failures(partner, representative):
        """Every rule of the partner and of its contact person that refuses them: ``[(rule, message, fields)]``."""
        failures = []
        for record, prefix in ((partner, ""), (representative, REPRESENTATIVE)):
            for check in record._constraint_methods if record else ():
                try:
                    check(record.sudo())
                except UserError as exc:
                    names = [prefix + name for name in check._constrains if name not in FLAGS]
                    failures.append((prefix + check.__name__, exc.args[0], names))
        return failures

    def _unknown_terms(self):
        values = self.atlas_values or {}
        uuids = {u for name in RELATIONSHIPS if name != "field_country" for u in as_list(values.get(name))}
        Term = self.env["ncc.atlas.term"].with_context(active_test=False)
        return uuids - set(Term.search([("atlas_uuid", "in", list(uuids))]).mapped("atlas_uuid"))

    # --- processing ----------------------------------------------------------------------------------------------

    def _process(self, conf):
        self.ensure_one()
        unknown = self._unknown_terms()
        if unknown:
            raise UserError(_("The Atlas uses terms Odoo does not know, even after reading its vocabularies "
                              "again: %s", ", ".join(sorted(unknown))))
        if self.action == "linked":
            partner, result = self.linked_partner_id, self._check_linked(self.linked_partner_id, conf)
        else:
            if self.blocked:
                raise UserError(self.issues)
            partner = self.partner_id
            if partner.ncc_atlas_uuid and partner.ncc_atlas_uuid != self.atlas_uuid:
                raise UserError(_("%s was linked to another Atlas registration meanwhile.", partner.display_name))
            partner, _representative, _written = self._write_company(conf, set(self.left_out or []))
            result = self._link(partner, conf, created=not self.partner_id)
        self.write({"state": "done", "result": result, "result_partner_id": partner.id, "error": False})

    def _remote_values(self, partner, conf):
        """The Atlas's values for the keys the sync compares (the base of the next three-way merge)."""
        values = self.atlas_values or {}
        return {key: values.get(key) for key in partner._ncc_atlas_values(send_country=conf["send_country"])}

    def _check_linked(self, partner, conf):
        """A company linked before: nothing is written, unless the Atlas and Odoo both changed the same value
        differently since the last sync (or, never synced, simply differ): then it is a conflict for a person."""
        if partner.ncc_sync_state in ("conflict", "needs_choice"):
            return "unchanged"
        local = partner._ncc_atlas_values(send_country=conf["send_country"])
        remote = self._remote_values(partner, conf)
        differs = set(diff_values(remote, local))
        base = partner.ncc_synced_values
        if base and differs:
            base = {key: base.get(key) for key in local}
            differs &= set(diff_values(base, remote)) & set(diff_values(base, local))
        if not differs:
            return "unchanged"
        partner._ncc_sync_writer().write({
            "ncc_sync_state": "conflict",
            "ncc_sync_error": _lt("Differs from the Atlas (seen by the import): %(fields)s",
                                  fields=[field_label(key) for key in sorted(differs)]),
        })
        return "conflict"

    def _write_company(self, conf, left_out, trial=False):
        """Create the company, or fill the chosen one, with the Atlas's values but those ``left_out``: where an
        existing company holds a value, it keeps it. In a ``trial`` the applicant and representative flags stay
        off, so that the caller runs every rule at once. Returns ``(company, contact person, names written)``."""
        Partner = self._trial_partners() if trial else self.env["res.partner"].with_context(
            clean_context(self.env.context))._ncc_sync_writer(mail_create_nosubscribe=True)
        partner = self.partner_id.with_env(Partner.env)
        representative = partner.ncc_representative_id
        was_applicant = partner.ncc_is_applicant
        if partner:
            if trial:
                self._flags_off(partner | representative)
            local = partner._ncc_atlas_values(send_country=conf["send_country"])
            remote = self._remote_values(partner, conf)
            values = {
                key: remote[key] for key in diff_values(local, remote)
                if _blank(local[key]) or (not was_applicant and key not in COMPANY_KEYS)
            }
        else:
            values = self.atlas_values or {}
        vals, rep_vals = Partner._ncc_partner_values(values)
        vals = {name: value for name, value in vals.items() if name not in left_out}
        rep_vals = {name: value for name, value in rep_vals.items()
                    if value and REPRESENTATIVE + name not in left_out}
        written = set(vals) | {REPRESENTATIVE + name for name in rep_vals}
        applicant = {"is_company": True, "ncc_is_applicant": not trial}
        if partner:
            partner._ncc_sync_writer().write(
                {**vals, **({} if was_applicant and not trial else applicant)})
        else:
            partner = Partner.create({**vals, **applicant})
        if rep_vals and representative:
            representative._ncc_sync_writer().write(rep_vals)
        elif rep_vals and not trial:
            representative = partner._ncc_create_representative(rep_vals)
        elif rep_vals:
            representative = Partner.create(self._trial_representative(partner, rep_vals))
        return partner, representative, written

    @api.model
    def _trial_partners(self):
        return self.env["res.partner"].with_context(clean_context(self.env.context))._ncc_sync_writer(
            mail_create_nosubscribe=True, tracking_disable=True)  # rolled back anyway: no chatter, no tracking

    @api.model
    def _trial_representative(self, partner, rep_vals):
        """As _ncc_create_representative, but not flagged yet (the name follows the first and family names)."""
        named = rep_vals.get("ncc_first_name") or rep_vals.get("ncc_family_name")
        return {**rep_vals, "parent_id": partner.id, "type": "contact",
                "name": False if named else rep_vals.get("email") or _("Contact person")}

    def _flags_off(self, partners):
        self.env.flush_all()
        self.env.cr.execute(SQL(
            "UPDATE res_partner SET ncc_is_applicant = FALSE, ncc_is_representative = FALSE WHERE id IN %s",
            tuple(partners.ids)))
        partners.invalidate_recordset(["ncc_is_applicant", "ncc_is_representative"])

    def _link(self, partner, conf, created=False):
        """Link the company to the Atlas registration and record the Atlas's values as the base of the next
        three-way merge; a value the company holds differently is left alone: a conflict."""
        self._place(partner)
        local = partner._ncc_atlas_values(send_country=conf["send_country"])
        remote = self._remote_values(partner, conf)
        differs = sorted(diff_values(remote, local))  # as the matching compares: case and spacing are none
        partner._ncc_sync_writer().write({
            "ncc_atlas_uuid": self.atlas_uuid,
            "ncc_atlas_state": self.moderation_state,
            "ncc_atlas_changed": self.changed,
            "ncc_atlas_message": self.revision_message if self.moderation_state == "revision_requested" else False,
            "ncc_synced_values": remote,
            "ncc_synced_at": fields.Datetime.now(),
            "ncc_sync_state": "conflict" if differs else "synced",
            "ncc_sync_error": differs and _lt(
                "Differs from the Atlas (seen by the import): %(fields)s. Nothing was overwritten: keep Odoo's "
                "values or take the Atlas's.", fields=[field_label(key) for key in differs]) or False,
            "ncc_sync_attempts": 0,
            "ncc_next_attempt": False,
            "ncc_force_create": False,
        })
        labels = dict(self._fields["moderation_state"]._description_selection(self.env))  # translated
        state_label = labels.get(self.moderation_state, self.moderation_state)
        body = _("Imported from the Atlas (registration %(uuid)s, %(state)s).", uuid=self.atlas_uuid,
                 state=state_label)
        if self.left_out:
            body = _("%(imported)s Imported as an incomplete application, without: %(left_out)s. The rules refused "
                     "them: %(issues)s", imported=body, left_out=self.left_out_labels, issues=self.issues)
        partner.sudo().message_post(body=body, subtype_xmlid="mail.mt_note")
        if self.left_out:
            return "incomplete"
        if differs:
            return "conflict"
        return "created" if created else "linked"

    def _place(self, partner):
        """The stage matching the moderation state (the ECCC's decisions stand); a draft goes to the first
        assessment stage, where an officer decides whether it goes forward, unless the NCC is working on it
        already. An incomplete application stays in the first stage, its missing items listed."""
        kind = "intake" if self.left_out else STATE_STAGE_KINDS.get(self.moderation_state)
        current = partner.ncc_stage_id.kind
        if not kind or current == kind or (
            kind in ("assessment", "intake") and current not in (False, "draft", "intake")
        ):
            return
        stage = partner._ncc_stage_of_kind(kind)
        if not stage:
            return
        vals = {"ncc_stage_id": stage.id}
        if kind == "rejected":
            vals["ncc_decision_reason"] = (
                _("Rejected by the ECCC on the Atlas (imported).") if self.moderation_state == "rejected"
                else _("The NCC asked the ECCC to reject or remove the registration on the Atlas (imported).")
            )
        partner._ncc_sync_writer(ncc_system_move=True).write(vals)
