"""Day-one import: bring the registrations the NCC already has on the Atlas into Odoo, without a duplicate.

An import is a record, not a transient wizard, because a large one runs in the background (the scheduled action
"Atlas: import registrations") and its lines must outlive the manager's screen:

1. ``action_start`` asks the Atlas whom the key belongs to, refreshes the country vocabulary (and any vocabulary
   a registration uses a term of that Odoo does not know), reads every registration of the key's owner (all
   pages) and stores one line per registration with what will happen: already linked (nothing to do), link to an
   existing company (the rule that matched is shown), create a new company, or what the record's own rules will
   refuse (see ``ncc_atlas_import_line.py``). Nothing outside the import is written.
2. The manager changes a match, picks among competing registrations, excludes a line or imports it as an
   incomplete application, then confirms.
3. ``action_confirm`` processes the lines at once when at most ``SYNC_LIMIT`` of them write a company, else queues
   the import for the scheduled action, which processes one batch per call and lets Odoo's cron runner repeat it.
"""

import logging

import psycopg2

from odoo import _, api, fields, models
from odoo.exceptions import UserError

from ..atlas import RELATIONSHIPS, AtlasError
from .atlas_mapping import PARAM_PREFIX, as_list, naive_utc
from .ncc_atlas_import_matcher import ImportMatcher, name_key

_logger = logging.getLogger(__name__)

#: Up to this many companies to create or link, the import runs while the manager waits; above, in the background.
SYNC_LIMIT = 50
#: Lines per call of the scheduled action (each batch is committed with its progress).
BATCH_SIZE = 50
#: Line actions that write a company.
WRITING = ("link", "create", "incomplete")


class NccAtlasImport(models.Model):
    _name = "ncc.atlas.import"
    _description = "Import from the Atlas"
    _order = "id desc"

    name = fields.Char(required=True, readonly=True, default=lambda self: _("Import from the Atlas"))
    state = fields.Selection(
        [("draft", "Preview"), ("queued", "Running in the background"), ("done", "Done"), ("cancel", "Cancelled")],
        default="draft", required=True, readonly=True, index=True,
    )
    owner_uuid = fields.Char("Key owner on the Atlas", readonly=True,
                             help="The Atlas user the API key belongs to, asked when the import started: the "
                             "registrations read are those this user owns.")
    country_warning = fields.Text("Country setting", readonly=True)
    read_date = fields.Datetime("Read from the Atlas on", readonly=True)
    confirm_date = fields.Datetime("Confirmed on", readonly=True)
    confirm_uid = fields.Many2one("res.users", "Confirmed by", readonly=True)
    line_ids = fields.One2many("ncc.atlas.import.line", "import_id", "Registrations on the Atlas")
    line_count = fields.Integer("Registrations", compute="_compute_counts")
    linked_count = fields.Integer("Already linked", compute="_compute_counts")
    link_count = fields.Integer("To link", compute="_compute_counts")
    create_count = fields.Integer("To create", compute="_compute_counts")
    incomplete_count = fields.Integer("To import as incomplete", compute="_compute_counts")
    skip_count = fields.Integer("Excluded", compute="_compute_counts")
    review_count = fields.Integer("To review", compute="_compute_counts")
    issue_count = fields.Integer("Refused by the rules", compute="_compute_counts")
    todo_count = fields.Integer("Waiting", compute="_compute_counts")
    done_count = fields.Integer("Processed", compute="_compute_counts")
    error_count = fields.Integer("Errors", compute="_compute_counts")
    conflict_count = fields.Integer("Conflicts", compute="_compute_counts")
    progress = fields.Float(compute="_compute_counts")
    background = fields.Boolean(compute="_compute_counts")

    @api.depends("line_ids.action", "line_ids.state", "line_ids.note", "line_ids.result", "line_ids.issues")
    def _compute_counts(self):
        for record in self:
            lines = record.line_ids
            actions = [line.action for line in lines]
            record.line_count = len(lines)
            record.linked_count = actions.count("linked")
            record.link_count = actions.count("link")
            record.create_count = actions.count("create")
            record.incomplete_count = actions.count("incomplete")
            record.skip_count = actions.count("skip")
            record.review_count = len(lines.filtered(lambda line: line.note and line.action == "skip"))
            record.issue_count = len(lines.filtered("issues"))
            record.todo_count = len(lines.filtered(lambda line: line.state == "todo"))
            record.done_count = len(lines.filtered(lambda line: line.state in ("done", "error")))
            record.error_count = len(lines.filtered(lambda line: line.state == "error"))
            record.conflict_count = len(lines.filtered(lambda line: line.result == "conflict"))
            total = record.todo_count + record.done_count
            record.progress = 100.0 * record.done_count / total if total else 0.0
            record.background = sum(actions.count(action) for action in WRITING) > SYNC_LIMIT

    # --- 1. read the Atlas ---------------------------------------------------------------------------------------

    @api.model
    def action_start(self):
        """Read every registration the key owns and open the preview (nothing else is written)."""
        self._check_manager()
        sync = self.env["ncc.atlas.sync"]
        params = self.env["ir.config_parameter"].sudo()
        exchanges = []
        try:
            with sync._client(exchanges) as client:
                # Asked every time: the key may have changed since the owner was last cached.
                owner = client.whoami()
                if params.get_param(PARAM_PREFIX + "owner_uuid") != owner:
                    params.set_param(PARAM_PREFIX + "owner_uuid", owner)
                countries = client.terms("country")
                remotes = client.clusters_by_owner(owner)
        except AtlasError as exc:
            reason = self.env["res.partner"]._ncc_words(exc.message)
            raise UserError(_("The Atlas could not be read: %s", reason)) from None
        finally:
            sync._log(exchanges, operation="import")
        # The country vocabulary first: the lines' countries and the matching by registration number need it.
        sync._store_terms("country", countries)
        record = self.create({
            "name": _("Import from the Atlas of %s", fields.Date.to_string(fields.Date.context_today(self))),
            "owner_uuid": owner,
            "read_date": fields.Datetime.now(),
            "country_warning": self._country_warning({term.id for term in countries}),
        })
        record._refresh_vocabularies([remote.values for remote in remotes])
        record._load(remotes)
        return record._action_open()

    def _country_warning(self, atlas_countries):
        """Why the NCC's own country setting cannot serve the look-up of registrations, or False."""
        country = self.env["ncc.atlas.sync"]._conf()["country"]
        if not country:
            return _("No NCC country is set in Settings > Community Registration: the look-up of a registration "
                     "on the Atlas before it is created has no country to search in.")
        if country.atlas_uuid not in atlas_countries:
            return _("The NCC country in Settings > Community Registration, %(country)s, is a term the Atlas does "
                     "not know (%(uuid)s): choose the country again among the Atlas's countries, or registrations "
                     "without their own country cannot be looked up before they are created.",
                     country=country.name, uuid=country.atlas_uuid)
        return False

    def _check_manager(self):
        if not self.env.su and not self.env.user.has_group("ncc_atlas_connector.group_ncc_manager"):
            raise UserError(_("Only an NCC manager can import registrations from the Atlas."))

    def _action_open(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": self.display_name,
            "res_model": self._name,
            "res_id": self.id,
            "view_mode": "form",
            "views": [(False, "form")],
            "target": "current",
        }

    def _load(self, remotes):
        """One line per Atlas registration, with the company it will be linked to, if any, and what the record's
        rules will refuse."""
        self.ensure_one()
        Partner = self.env["res.partner"].with_context(active_test=False)
        linked = {
            p.ncc_atlas_uuid: p for p in Partner.search([("ncc_atlas_uuid", "in", [r.id for r in remotes])])
        }
        matcher = ImportMatcher(self.env)
        lines = []
        for remote in sorted(remotes, key=lambda r: (name_key(r.title), r.id)):
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
        matcher.match(lines)
        records = self.env["ncc.atlas.import.line"].create(lines)
        for line, found in records._validate_all(self.env["ncc.atlas.sync"]._conf()).items():
            line.write({**found, "excluded": True})  # the manager decides: leave it out, or import it incomplete
        for line in records:  # what needs the manager's eye first
            line.sequence = (
                1 if line.note or line.issues else 2 if line.partner_id else 3 if not line.linked_partner_id else 4
            )

    def _refresh_vocabularies(self, values_list):
        """Read again, from the Atlas, every vocabulary in which a registration uses a term Odoo does not know."""
        wanted = {}
        for values in values_list:
            for name, spec in RELATIONSHIPS.items():
                if name != "field_country":
                    wanted.update(dict.fromkeys(as_list((values or {}).get(name)), spec.vocabulary))
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
            # The lines using the unknown terms say so on their own.
            _logger.info("Atlas import: the vocabularies could not be refreshed: %s", exc)
        finally:
            sync._log(exchanges, operation="vocabulary")

    # --- 2. the manager's choices and the confirmation -----------------------------------------------------------

    def action_include_incomplete(self):
        """Import every line the rules refuse as an incomplete application (but those that compete)."""
        self.ensure_one()
        self.line_ids.filtered(
            lambda line: line.issues and not line.blocked and not line.note and line.excluded
        ).write({"excluded": False})
        return True

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
        chosen = self.line_ids.filtered(lambda line: line.action in WRITING and line.partner_id)
        seen = {}
        for line in chosen:
            partner = line.partner_id
            if partner in seen:
                raise UserError(_(
                    "%(company)s is chosen for two Atlas registrations (“%(first)s” and “%(second)s”): a company has "
                    "one registration. Pick one of them, choose another company for the other, or exclude it.",
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
        """The scheduled action: one batch of the queued imports' lines per call; Odoo's cron runner calls it again
        while lines remain (each batch is committed with its progress)."""
        Line = self.env["ncc.atlas.import.line"]
        domain = [("import_id.state", "=", "queued"), ("state", "=", "todo")]
        batch = Line.search(domain, limit=BATCH_SIZE, order="import_id, sequence, id").try_lock_for_update()
        for record in batch.import_id:
            record._process(batch.filtered(lambda line, record=record: line.import_id == record))
        self.search([("state", "=", "queued")]).filtered(
            lambda record: not any(line.state == "todo" for line in record.line_ids)
        ).write({"state": "done"})
        self.env["ir.cron"]._commit_progress(len(batch), remaining=Line.search_count(domain))

    def _process(self, lines):
        self.ensure_one()
        self._refresh_vocabularies(lines.filtered(lambda line: line.action != "linked").mapped("atlas_values"))
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
