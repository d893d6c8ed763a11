"""Day-one import: bring the registrations the NCC already has on the Atlas into Odoo, without a duplicate.

An import is a record, not a transient wizard, because a large one runs in the background (the scheduled action
"Atlas: import registrations") and its lines must outlive the manager's screen:

1. ``action_start`` reads every registration the key owns (all pages) and stores one line per registration with
   what will happen: already linked (nothing to do), link to an existing company (the rule that matched is shown),
   or create a new company. Nothing outside the import is written yet.
2. The manager changes a match or excludes a line, then confirms.
3. ``action_confirm`` processes the lines at once when at most ``SYNC_LIMIT`` of them write a company, else queues
   the import for the scheduled action, which works in batches and commits its progress after each one.

A line's company is filled from the Atlas through the one mapping of ``res_partner_atlas.py``, placed in the stage
matching its moderation state, and marked synced with the Atlas's values as the base of the next three-way merge:
the next push sends nothing. What a company already holds is never overwritten: a differing value is a conflict.
"""

import logging
from urllib.parse import urlsplit

import psycopg2

from odoo import _, api, fields, models
from odoo.exceptions import UserError
from odoo.tools.misc import clean_context

from ..atlas import MODERATION_STATE_LABELS, RELATIONSHIPS, AtlasError, diff_values, registration_number_key
from ..models.atlas_mapping import MODERATION_STATE_SELECTION, STATE_STAGE_KINDS, as_list, field_label, naive_utc

_logger = logging.getLogger(__name__)

#: Up to this many companies to create or link, the import runs while the manager waits; above, in the background.
SYNC_LIMIT = 50
#: Lines per batch of the scheduled action (each batch is committed with its progress).
BATCH_SIZE = 50

#: Atlas values held by an ordinary company too (name, contacts, address, register number): local data even when
#: the company was not an applicant yet. Every other value belongs to the registration.
COMPANY_KEYS = {
    "title", "field_general_contact_e_mail", "field_phone_number", "field_url", "field_registration_number",
    "field_address",
}

MATCH_RULES = [
    ("registry", "Registration number and country"),
    ("domain", "Website domain"),
    ("name", "Exact name"),
    ("manual", "Chosen by hand"),
]
ACTIONS = [
    ("linked", "Already linked"),
    ("link", "Link to the company"),
    ("create", "Create a company"),
    ("skip", "Excluded"),
]


def _domain(url):
    """The host of a web address, lower case, without ``www.``: ``https://www.Example.eu/x`` -> ``example.eu``."""
    url = (url or "").strip()
    if not url:
        return ""
    if "://" not in url:
        url = "http://" + url
    try:
        host = (urlsplit(url).hostname or "").lower()
    except ValueError:
        return ""
    return host.removeprefix("www.")


def _name_key(name):
    return " ".join((name or "").split()).casefold()


def _blank(value):
    return value is None or value == "" or value == [] or value == {}


class NccAtlasImport(models.Model):
    _name = "ncc.atlas.import"
    _description = "Import from the Atlas"
    _order = "id desc"

    name = fields.Char(required=True, readonly=True, default=lambda self: _("Import from the Atlas"))
    state = fields.Selection(
        [("draft", "Preview"), ("queued", "Running in the background"), ("done", "Done"), ("cancel", "Cancelled")],
        default="draft", required=True, readonly=True, index=True,
    )
    owner_uuid = fields.Char("Key owner on the Atlas", readonly=True)
    read_date = fields.Datetime("Read from the Atlas on", readonly=True)
    confirm_date = fields.Datetime("Confirmed on", readonly=True)
    confirm_uid = fields.Many2one("res.users", "Confirmed by", readonly=True)
    terms_checked = fields.Boolean(readonly=True, help="The vocabularies were refreshed for unknown terms.")
    line_ids = fields.One2many("ncc.atlas.import.line", "import_id", "Registrations on the Atlas")
    line_count = fields.Integer("Registrations", compute="_compute_counts")
    linked_count = fields.Integer("Already linked", compute="_compute_counts")
    link_count = fields.Integer("To link", compute="_compute_counts")
    create_count = fields.Integer("To create", compute="_compute_counts")
    skip_count = fields.Integer("Excluded", compute="_compute_counts")
    review_count = fields.Integer("To review", compute="_compute_counts")
    todo_count = fields.Integer("Waiting", compute="_compute_counts")
    done_count = fields.Integer("Processed", compute="_compute_counts")
    error_count = fields.Integer("Errors", compute="_compute_counts")
    conflict_count = fields.Integer("Conflicts", compute="_compute_counts")
    progress = fields.Float(compute="_compute_counts")
    background = fields.Boolean(compute="_compute_counts")

    @api.depends("line_ids.action", "line_ids.state", "line_ids.note", "line_ids.result")
    def _compute_counts(self):
        for record in self:
            lines = record.line_ids
            actions = [line.action for line in lines]
            record.line_count = len(lines)
            record.linked_count = actions.count("linked")
            record.link_count = actions.count("link")
            record.create_count = actions.count("create")
            record.skip_count = actions.count("skip")
            record.review_count = len(lines.filtered(lambda line: line.note and line.action == "skip"))
            record.todo_count = len(lines.filtered(lambda line: line.state == "todo"))
            record.done_count = len(lines.filtered(lambda line: line.state in ("done", "error")))
            record.error_count = len(lines.filtered(lambda line: line.state == "error"))
            record.conflict_count = len(lines.filtered(lambda line: line.result == "conflict"))
            total = record.todo_count + record.done_count
            record.progress = 100.0 * record.done_count / total if total else 0.0
            record.background = record.link_count + record.create_count > SYNC_LIMIT

    # --- 1. read the Atlas ---------------------------------------------------------------------------------------

    @api.model
    def action_start(self):
        """Read every registration the key owns and open the preview (nothing else is written)."""
        self._check_manager()
        sync = self.env["ncc.atlas.sync"]
        exchanges = []
        try:
            with sync._client(exchanges) as client:
                owner = sync._owner(client)
                remotes = client.clusters_by_owner(owner)
        except AtlasError as exc:
            raise UserError(_("The Atlas could not be read: %s", exc)) from None
        finally:
            sync._log(exchanges, operation="import")
        record = self.create({
            "name": _("Import from the Atlas of %s", fields.Date.to_string(fields.Date.context_today(self))),
            "owner_uuid": owner,
            "read_date": fields.Datetime.now(),
        })
        record._load(remotes)
        return record._action_open()

    def _check_manager(self):
        if not self.env.su and not self.env.user.has_group("ncc_atlas_connector.group_ncc_manager"):
            raise UserError(_("Only an NCC manager can import registrations from the Atlas."))

    def _action_open(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "res_model": self._name,
            "res_id": self.id,
            "view_mode": "form",
            "target": "current",
        }

    def _load(self, remotes):
        """One line per Atlas registration, with the company it will be linked to, if any."""
        self.ensure_one()
        Partner = self.env["res.partner"].with_context(active_test=False)
        linked = {
            p.ncc_atlas_uuid: p for p in Partner.search([("ncc_atlas_uuid", "in", [r.id for r in remotes])])
        }
        matcher = _Matcher(self.env)
        lines = []
        for remote in sorted(remotes, key=lambda r: (_name_key(r.title), r.id)):
            values = remote.values
            address = values.get("field_address") or {}
            lines.append({
                "import_id": self.id,
                "atlas_uuid": remote.id,
                "title": remote.title,
                "registration_number": values.get("field_registration_number"),
                "country_code": address.get("country_code") or matcher.country_code(values.get("field_country")),
                "city": address.get("locality"),
                "website": values.get("field_url"),
                "moderation_state": remote.moderation_state,
                "changed": naive_utc(remote.changed),
                "revision_message": remote.revision_message,
                "atlas_values": dict(values),
                "linked_partner_id": linked[remote.id].id if remote.id in linked else False,
            })
        matcher.match([line for line in lines if not line["linked_partner_id"]])
        for line in lines:  # what needs the manager's eye first
            line["sequence"] = (
                1 if line.get("note") else 2 if line.get("partner_id") else 3 if not line["linked_partner_id"] else 4
            )
        self.env["ncc.atlas.import.line"].create(lines)

    # --- 2. confirm ----------------------------------------------------------------------------------------------

    def action_confirm(self):
        self.ensure_one()
        self._check_manager()
        if self.state != "draft":
            raise UserError(_("This import has already been confirmed."))
        self._check_choices()
        todo = self.line_ids.filtered(lambda line: line.action != "skip")
        (self.line_ids - todo).write({"state": "skipped"})
        todo.write({"state": "todo"})
        self.write({"confirm_date": fields.Datetime.now(), "confirm_uid": self.env.uid})
        if self.background:
            self.state = "queued"
            self.env.ref("ncc_atlas_connector.ir_cron_ncc_atlas_import")._trigger()
        else:
            self._process(todo)
            self.state = "done"
        return self._action_open()

    def _check_choices(self):
        chosen = self.line_ids.filtered(lambda line: line.action == "link")
        seen = {}
        for line in chosen:
            partner = line.partner_id
            if partner in seen:
                raise UserError(_(
                    "%(company)s is chosen for two Atlas registrations (“%(first)s” and “%(second)s”): a company has "
                    "one registration. Choose another company for one of them, or exclude it.",
                    company=partner.display_name, first=seen[partner].title, second=line.title,
                ))
            seen[partner] = line
            if partner.ncc_atlas_uuid and partner.ncc_atlas_uuid != line.atlas_uuid:
                raise UserError(_(
                    "%(company)s is already linked to another Atlas registration: choose another company for "
                    "“%(title)s”, or exclude it.", company=partner.display_name, title=line.title,
                ))

    def action_cancel(self):
        self.filtered(lambda record: record.state == "draft").write({"state": "cancel"})
        return True

    def action_open_companies(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": _("Imported companies"),
            "res_model": "res.partner",
            "view_mode": "list,form",
            "views": [(self.env.ref("ncc_atlas_connector.res_partner_registration_view_list").id, "list"),
                      (False, "form")],
            "domain": [("id", "in", self.line_ids.result_partner_id.ids)],
        }

    # --- 3. process ----------------------------------------------------------------------------------------------

    @api.model
    def _cron_process(self):
        """The scheduled action: work through the queued imports in batches, committing the progress of each."""
        sync = self.env["ncc.atlas.sync"]
        Line = self.env["ncc.atlas.import.line"]
        domain = [("import_id.state", "=", "queued"), ("state", "=", "todo")]
        for record in self.search([("state", "=", "queued")], order="id"):
            while True:
                batch = Line.search([("import_id", "=", record.id), ("state", "=", "todo")], limit=BATCH_SIZE,
                                    order="sequence, id")
                if batch:
                    record._process(batch)
                if not Line.search_count([("import_id", "=", record.id), ("state", "=", "todo")]):
                    record.state = "done"
                if sync._progress(len(batch), Line.search_count(domain)) <= 0:
                    return
                if record.state == "done":
                    break

    def _process(self, lines):
        self.ensure_one()
        if not self.terms_checked:
            self._refresh_vocabularies(self.line_ids.filtered(lambda line: line.state == "todo"))
            self.terms_checked = True
        conf = self.env["ncc.atlas.sync"]._conf()
        for line in lines:
            try:
                with self.env.cr.savepoint():
                    line._process(conf)
            except (UserError, psycopg2.Error) as exc:
                message = exc.args[0] if isinstance(exc, UserError) else str(exc)
                _logger.info("Atlas import: %s not imported: %s", line.atlas_uuid, message)
                line.write({"state": "error", "error": message})
            except Exception as exc:  # noqa: BLE001 - one bad line must not block the others (nor the cron)
                _logger.exception("Atlas import: %s not imported", line.atlas_uuid)
                line.write({"state": "error", "error": str(exc) or type(exc).__name__})

    def _refresh_vocabularies(self, lines):
        """Read again, from the Atlas, every vocabulary in which a line uses a term Odoo does not know yet."""
        wanted = {}
        for line in lines:
            for name, spec in RELATIONSHIPS.items():
                if name != "field_country":
                    wanted.update(dict.fromkeys(as_list((line.atlas_values or {}).get(name)), spec.vocabulary))
        if not wanted:
            return
        Term = self.env["ncc.atlas.term"].with_context(active_test=False)
        known = set(Term.search([("atlas_uuid", "in", list(wanted))]).mapped("atlas_uuid"))
        vocabularies = sorted({vocabulary for uuid, vocabulary in wanted.items() if uuid not in known})
        if not vocabularies:
            return
        sync = self.env["ncc.atlas.sync"]
        exchanges = []
        try:
            with sync._client(exchanges) as client:
                for vocabulary in vocabularies:
                    sync._store_terms(vocabulary, client.terms(vocabulary))
        except (AtlasError, UserError) as exc:
            # The lines using the unknown terms fail on their own, with the reason.
            _logger.info("Atlas import: the vocabularies could not be refreshed: %s", exc)
        finally:
            sync._log(exchanges, operation="vocabulary")


class NccAtlasImportLine(models.Model):
    _name = "ncc.atlas.import.line"
    _description = "Registration to import from the Atlas"
    _order = "sequence, id"

    import_id = fields.Many2one("ncc.atlas.import", required=True, ondelete="cascade", index=True)
    sequence = fields.Integer(default=10)
    atlas_uuid = fields.Char("Atlas UUID", required=True, readonly=True)
    title = fields.Char("Name on the Atlas", readonly=True)
    registration_number = fields.Char(readonly=True)
    country_code = fields.Char("Country", readonly=True)
    city = fields.Char(readonly=True)
    website = fields.Char(readonly=True)
    moderation_state = fields.Selection(MODERATION_STATE_SELECTION, "Atlas state", readonly=True)
    changed = fields.Datetime("Atlas last change", readonly=True)
    revision_message = fields.Text("ECCC message", readonly=True)
    atlas_values = fields.Json(readonly=True)
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
    note = fields.Char(readonly=True)
    state = fields.Selection(
        [("draft", "To confirm"), ("todo", "Waiting"), ("done", "Done"), ("error", "Error"), ("skipped", "Skipped")],
        default="draft", required=True, readonly=True, index=True,
    )
    result = fields.Selection(
        [("created", "Created"), ("linked", "Linked"), ("conflict", "Conflict"), ("unchanged", "Unchanged")],
        readonly=True,
    )
    result_partner_id = fields.Many2one("res.partner", "Imported as", readonly=True)
    error = fields.Text(readonly=True)

    @api.depends("excluded", "linked_partner_id", "partner_id")
    def _compute_action(self):
        for line in self:
            if line.excluded:
                line.action = "skip"
            elif line.linked_partner_id:
                line.action = "linked"
            elif line.partner_id:
                line.action = "link"
            else:
                line.action = "create"

    @api.onchange("partner_id")
    def _onchange_partner_id(self):
        for line in self:
            line.match_rule = "manual" if line.partner_id else False

    def write(self, vals):
        if "partner_id" in vals and "match_rule" not in vals:
            vals = {**vals, "match_rule": "manual" if vals["partner_id"] else False}
        if {"partner_id", "excluded"} & set(vals) and any(line.import_id.state != "draft" for line in self):
            raise UserError(_("The import has been confirmed: its lines can no longer change."))
        return super().write(vals)

    # --- processing ----------------------------------------------------------------------------------------------

    def _process(self, conf):
        self.ensure_one()
        self._check_terms()
        if self.action == "linked":
            partner, result = self.linked_partner_id, self._check_linked(self.linked_partner_id, conf)
        elif self.action == "link":
            partner = self.partner_id
            if partner.ncc_atlas_uuid and partner.ncc_atlas_uuid != self.atlas_uuid:
                raise UserError(_("%s was linked to another Atlas registration meanwhile.", partner.display_name))
            result = self._fill(partner, conf)
        else:
            partner = self._create_company()
            result = self._fill(partner, conf, created=True)
        self.write({"state": "done", "result": result, "result_partner_id": partner.id, "error": False})

    def _check_terms(self):
        values = self.atlas_values or {}
        uuids = {u for name in RELATIONSHIPS if name != "field_country" for u in as_list(values.get(name))}
        Term = self.env["ncc.atlas.term"].with_context(active_test=False)
        unknown = uuids - set(Term.search([("atlas_uuid", "in", list(uuids))]).mapped("atlas_uuid"))
        if unknown:
            raise UserError(_("The Atlas uses terms Odoo does not know, even after reading its vocabularies "
                              "again: %s", ", ".join(sorted(unknown))))

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
            "ncc_sync_error": _("Differs from the Atlas (seen by the import): %s",
                                ", ".join(field_label(key) for key in sorted(differs))),
        })
        return "conflict"

    def _create_company(self):
        Partner = self.env["res.partner"].with_context(clean_context(self.env.context))._ncc_sync_writer(
            mail_create_nosubscribe=True)
        vals, rep_vals = Partner._ncc_partner_values(self.atlas_values or {})
        partner = Partner.create({**vals, "is_company": True, "ncc_is_applicant": True})
        if any(rep_vals.values()):
            partner._ncc_create_representative(rep_vals)
        return partner

    def _fill(self, partner, conf, created=False):
        """Link the company to the Atlas registration and take the Atlas's values where the company has none;
        a value the company already holds and the Atlas holds differently is left alone: a conflict."""
        was_applicant = partner.ncc_is_applicant
        local = partner._ncc_atlas_values(send_country=conf["send_country"])
        remote = self._remote_values(partner, conf)
        take = {
            key: remote[key] for key in diff_values(local, remote)
            if _blank(local[key]) or (not was_applicant and key not in COMPANY_KEYS)
        }
        vals, rep_vals = partner._ncc_partner_values(take)
        if not was_applicant:
            vals.update(ncc_is_applicant=True, is_company=True)
        partner._ncc_sync_writer().write(vals)
        rep_vals = {key: value for key, value in rep_vals.items() if value}
        if rep_vals:
            if partner.ncc_representative_id:
                partner.ncc_representative_id._ncc_sync_writer().write(rep_vals)
            else:
                partner.with_context(clean_context(self.env.context))._ncc_sync_writer()._ncc_create_representative(
                    rep_vals)
        self._place(partner)
        differs = sorted(diff_values(remote, partner._ncc_atlas_values(send_country=conf["send_country"])))
        partner._ncc_sync_writer().write({
            "ncc_atlas_uuid": self.atlas_uuid,
            "ncc_atlas_state": self.moderation_state,
            "ncc_atlas_changed": self.changed,
            "ncc_atlas_message": self.revision_message if self.moderation_state == "revision_requested" else False,
            "ncc_synced_values": remote,
            "ncc_synced_at": fields.Datetime.now(),
            "ncc_sync_state": "conflict" if differs else "synced",
            "ncc_sync_error": differs and _(
                "Differs from the Atlas (seen by the import): %s. Nothing was overwritten: keep Odoo's values or "
                "take the Atlas's.", ", ".join(field_label(key) for key in differs)) or False,
            "ncc_sync_attempts": 0,
            "ncc_next_attempt": False,
            "ncc_force_create": False,
        })
        state_label = MODERATION_STATE_LABELS.get(self.moderation_state, self.moderation_state)
        partner.sudo().message_post(
            body=_("Imported from the Atlas (registration %(uuid)s, %(state)s).", uuid=self.atlas_uuid,
                   state=state_label),
            subtype_xmlid="mail.mt_note",
        )
        if created:
            return "conflict" if differs else "created"
        return "conflict" if differs else "linked"

    def _place(self, partner):
        """The stage matching the moderation state (the ECCC's decisions stand); a draft goes to the first
        assessment stage, where an officer decides whether it goes forward, unless the NCC is working on it
        already."""
        kind = STATE_STAGE_KINDS.get(self.moderation_state)
        current = partner.ncc_stage_id.kind
        if not kind or current == kind or (self.moderation_state == "draft" and current not in (False, "intake")):
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


class _Matcher:
    """Finds the existing company of an Atlas registration: registration number and country, then website domain,
    then exact name. A rule that finds several companies, or one already taken by another line, decides nothing:
    the line is left out until the manager chooses."""

    RULES = ("registry", "domain", "name")

    def __init__(self, env):
        self.env = env
        companies = env["res.partner"].search_fetch(
            [("is_company", "=", True), ("parent_id", "=", False), ("ncc_atlas_uuid", "=", False)],
            ["name", "website", "company_registry", "country_id"],
        )
        self.index = {rule: {} for rule in self.RULES}
        for company in companies:
            for rule in self.RULES:
                key = self._company_key(rule, company)
                if key:
                    self.index[rule].setdefault(key, []).append(company)
        self._countries = {}

    def country_code(self, term_uuid):
        if not term_uuid:
            return False
        if term_uuid not in self._countries:
            term = self.env["ncc.atlas.term"].with_context(active_test=False).search(
                [("vocabulary", "=", "country"), ("atlas_uuid", "=", term_uuid)], limit=1)
            self._countries[term_uuid] = (term.iso_code or "").upper() or False
        return self._countries[term_uuid]

    @staticmethod
    def _company_key(rule, company):
        if rule == "registry":
            number = registration_number_key(company.company_registry)
            return number and company.country_id and (number, (company.country_id.code or "").upper())
        if rule == "domain":
            return _domain(company.website)
        return _name_key(company.name)

    @staticmethod
    def _line_key(rule, line):
        if rule == "registry":
            number = registration_number_key(line["registration_number"])
            return number and line["country_code"] and (number, line["country_code"].upper())
        if rule == "domain":
            return _domain(line["website"])
        return _name_key(line["title"])

    def match(self, lines):
        taken = {}  # company -> title of the line that took it
        rule_labels = dict(MATCH_RULES)
        doubts = {id(line): [] for line in lines}
        for rule in self.RULES:
            for line in lines:
                if line.get("partner_id"):
                    continue
                key = self._line_key(rule, line)
                companies = self.index[rule].get(key, []) if key else []
                free = [company for company in companies if company not in taken]
                if len(free) == 1 and len(companies) == 1:
                    line.update(partner_id=free[0].id, match_rule=rule)
                    taken[free[0]] = line["title"]
                elif len(companies) > 1:
                    doubts[id(line)].append(_(
                        "%(rule)s: %(count)s companies match (%(names)s)", rule=rule_labels[rule],
                        count=len(companies), names=", ".join(c.name for c in companies[:3])))
                elif companies:
                    doubts[id(line)].append(_(
                        "%(rule)s: %(name)s, already matched to “%(other)s”", rule=rule_labels[rule],
                        name=companies[0].name, other=taken[companies[0]]))
        # Two new registrations with the same registration number in the same country would be one company.
        new_keys = {}
        for line in lines:
            key = self._line_key("registry", line)
            if line.get("partner_id") or not key:
                continue
            if key in new_keys:
                doubts[id(line)].append(_("same registration number and country as “%s”", new_keys[key]))
            else:
                new_keys[key] = line["title"]
        for line in lines:
            if not line.get("partner_id") and doubts[id(line)]:
                line.update(excluded=True, note=_("Choose: %s", "; ".join(doubts[id(line)])))

