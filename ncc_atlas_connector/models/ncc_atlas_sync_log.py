import contextlib
import json
import logging
import re
from datetime import timedelta

from psycopg2.errors import ForeignKeyViolation

import odoo.modules.module
from odoo import _, api, fields, models
from odoo.tools import SQL
from odoo.tools.translate import LazyTranslate

from .atlas_mapping import OUTCOME_SELECTION as OUTCOMES
from .atlas_mapping import PARAM_PREFIX

_logger = logging.getLogger(__name__)
_lt = LazyTranslate(__name__)

# Attributes that carry personal data: masked in the excerpts when they are written, as the error and the shape of
# the exchange are what troubleshooting needs.
PERSONAL_ATTRIBUTES = ("field_first_name", "field_family_name", "field_e_mail", "field_position",
                       "field_representative_phone_numbe", "field_general_contact_e_mail", "field_phone_number")
_PERSONAL_VALUE = re.compile(r'("(?:%s)"\s*:\s*)"(?:[^"\\]|\\.)*(?:"|\Z)' % "|".join(PERSONAL_ATTRIBUTES))
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
MASK = "***"

# What an exchange did, for its title: (operation, HTTP method) -> words; the operation alone when the method does
# not tell more. The operations are the ones the sync, the import and the wizards log under.
EXCHANGE_TITLES = {
    ("push", "POST"): _lt("Create on the Atlas"),
    ("push", "PATCH"): _lt("Update on the Atlas"),
    ("push", "GET"): _lt("Look-up before sending"),
    ("read", "GET"): _lt("Read from the Atlas"),
    ("pull", "GET"): _lt("Read the ECCC's decision"),
    ("vocabulary", None): _lt("Vocabulary refresh"),
    ("connection test", None): _lt("Connection test"),
    ("import", None): _lt("Import from the Atlas"),
    ("look-up", None): _lt("Look-up on the Atlas"),
}


def pretty_json(text):
    """The excerpt as indented JSON, or as it is when it is no JSON (cut at the excerpt's length, or not JSON)."""
    if not text:
        return text
    try:
        return json.dumps(json.loads(text), indent=2, ensure_ascii=False)
    except ValueError:
        return text


def mask_personal_data(text):
    """The excerpt with the contact person's names, emails and phones masked (also in a cut, invalid JSON)."""
    if not text:
        return text
    return _EMAIL.sub(MASK, _PERSONAL_VALUE.sub(r'\1"%s"' % MASK, text))


class NccAtlasSyncLog(models.Model):
    """One exchange with the Atlas: what was asked, what came back, how long it took."""

    _name = "ncc.atlas.sync.log"
    _description = "Atlas sync log"
    _inherit = ["mail.thread"]
    _order = "id desc"
    _rec_name = "operation"

    partner_id = fields.Many2one("res.partner", "Registration", index=True, ondelete="cascade")
    operation = fields.Char(required=True)
    method = fields.Char()
    path = fields.Char()
    status = fields.Integer("HTTP status")
    duration_ms = fields.Integer("Duration (ms)")
    outcome = fields.Selection(OUTCOMES, required=True, default="ok", index=True)
    error = fields.Text()
    request_excerpt = fields.Text("Request")
    response_excerpt = fields.Text("Answer")
    title = fields.Char(compute="_compute_title", help="What the exchange did, and for which registration.")
    action_label = fields.Char("Exchange", compute="_compute_title")
    request_pretty = fields.Text("Request, formatted", compute="_compute_pretty")
    response_pretty = fields.Text("Answer, formatted", compute="_compute_pretty")
    recorded = fields.Boolean(
        "Outcome recorded", default=True, index=True,
        help="Whether Odoo recorded what this exchange did. An exchange is logged as soon as it ends, on its own "
             "transaction; the run that made it records its outcome when it commits. An entry left unrecorded is an "
             "exchange whose run was interrupted: the next run looks the registration up again.")

    @api.depends("operation", "method", "partner_id")
    def _compute_title(self):
        for log in self:
            title = EXCHANGE_TITLES.get((log.operation, log.method)) or EXCHANGE_TITLES.get((log.operation, None))
            log.action_label = self.env._(title) if title else (log.operation or "").capitalize()
            log.title = (self.env._("%(action)s: %(registration)s", action=log.action_label,
                                    registration=log.partner_id.display_name)
                         if log.partner_id else log.action_label)

    @api.depends("title")
    def _compute_display_name(self):
        for log in self:
            log.display_name = log.title

    @api.depends("request_excerpt", "response_excerpt")
    def _compute_pretty(self):
        # Masked when written: indenting keeps the mask, and an excerpt cut short stays as it was.
        for log in self:
            log.request_pretty = pretty_json(log.request_excerpt)
            log.response_pretty = pretty_json(log.response_excerpt)

    @api.model
    def _from_exchanges(self, exchanges, partner=None, operation=None, recorded=True):
        """Store the client's exchanges at once, on a transaction of their own: they stay logged whatever
        becomes of the current one (a wizard or an action that fails and rolls back)."""
        return self._from_batches([(exchanges, partner, operation)], recorded=recorded)

    @api.model
    def _from_batches(self, batches, recorded=True):
        """Store the exchanges of several operations, ``(exchanges, partner, operation)``, in one create, committed
        on its own cursor. Returns the ids of the entries."""
        vals_list = [
            self._exchange_vals(ex, partner, operation, recorded)
            for exchanges, partner, operation in batches
            for ex in exchanges
        ]
        return self._write_now(vals_list) if vals_list else []

    @api.model
    def _exchange_vals(self, ex, partner=None, operation=None, recorded=True):
        return {
            "partner_id": partner.id if partner else False,
            "operation": operation or ex.method,
            "method": ex.method,
            "path": ex.path,
            "status": ex.status or 0,
            "duration_ms": round(ex.duration_ms or 0),
            "outcome": ex.outcome if ex.outcome in dict(OUTCOMES) else "error",
            "request_excerpt": mask_personal_data(ex.request_excerpt) or False,
            "response_excerpt": mask_personal_data(ex.response_excerpt) or False,
            "error": mask_personal_data(ex.error) or False,
            "recorded": recorded,
        }

    @api.model
    def _write_now(self, vals_list):
        """Write entries and commit them at once on a cursor of their own, so that a rollback (or a crash) of the
        current transaction cannot take them away. Returns the ids."""
        writer = SyncLogWriter(self.env)
        try:
            return writer.write(vals_list)
        finally:
            writer.close()

    @api.model
    def _link_after_commit(self, links):
        with self._own_env() as env:
            for id_, partner_id in links.items():
                env.cr.execute(SQL("UPDATE ncc_atlas_sync_log SET partner_id = %s WHERE id = %s", partner_id, id_))

    @api.model
    def _mark_recorded(self, ids):
        """Once the transaction that recorded the outcomes of these exchanges commits, say so on their entries
        (written after that commit, on a cursor of their own: the committing transaction cannot see entries
        committed after it started)."""
        if ids:
            self.env.cr.postcommit.add(lambda: self._mark_recorded_now(ids))

    @api.model
    def _mark_recorded_now(self, ids):
        with self._own_env() as env:
            env.cr.execute(SQL("UPDATE ncc_atlas_sync_log SET recorded = TRUE WHERE id IN %s", tuple(ids)))

    @api.model
    def _has_own_cursor(self):
        """False in a test whose registry is not in test mode: a new cursor would commit for real, outside the
        test's transaction (in registry test mode, as under the cron runner in tests, the registry's cursors are
        the test's)."""
        test = odoo.modules.module.current_test
        return not test or getattr(type(test), "_registry_patched", False)

    @api.model
    @contextlib.contextmanager
    def _own_env(self):
        """An environment on a cursor of its own, committed when the block ends (the current one where a test
        cannot have another, see `_has_own_cursor`)."""
        if not self._has_own_cursor():
            yield self.env
            return
        with self.env.registry.cursor() as cr:
            yield self.env(cr=cr)

    def action_retry(self):
        """Queue the registrations of these entries for the next push."""
        self.env["res.partner"]._ncc_require_officer()
        partners = self.partner_id.filtered(lambda p: p.ncc_sync_state in ("error", "pending", "synced"))
        partners._ncc_sync_writer().write({
            "ncc_sync_state": "pending", "ncc_next_attempt": False, "ncc_sync_error": False,
        })
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {"message": _("%s registration(s) queued for the next push.", len(partners)), "type": "info"},
        }

    @api.autovacuum
    def _gc_ncc_sync_log(self):
        """Retention of the sync log, with Odoo's other daily clean-ups: entries past the days set go, and their
        excerpts (the only personal data an entry may hold, already masked) with them."""
        days = int(self.env["ir.config_parameter"].sudo().get_param(PARAM_PREFIX + "log_days", 90))
        old = self.search([("create_date", "<", fields.Datetime.now() - timedelta(days=days))])
        old.unlink()  # their excerpts and their chatter go with them
        if old:
            _logger.info("Sync log retention: removed %d entries older than %d days", len(old), days)
        return len(old)


# Written as plain SQL: an entry is a fact with no computed field, and it is written once per exchange.
COLUMNS = ("partner_id", "operation", "method", "path", "status", "duration_ms", "outcome", "error",
           "request_excerpt", "response_excerpt", "recorded")


class SyncLogWriter:
    """Writes sync log entries as exchanges end, each committed at once on one connection of its own for the
    whole batch: a rollback or a crash of the batch's transaction cannot erase the record of a request that
    reached the Atlas. The commit does not wait for the disk (``synchronous_commit`` off): what it guards against
    is Odoo's transaction failing, and the log must cost next to nothing per exchange. A registration the log's
    connection cannot see yet (created in the current, uncommitted transaction) is linked once that commits."""

    def __init__(self, env):
        self.env = env
        self._cr = None

    def write(self, vals_list):
        if not vals_list:
            return []
        Log = self.env["ncc.atlas.sync.log"]
        if not Log._has_own_cursor():
            entries = Log.sudo().with_context(tracking_disable=True, mail_create_nolog=True,
                                              mail_create_nosubscribe=True)
            return entries.create(vals_list).ids
        if self._cr is None:
            self._cr = self.env.registry.cursor()
        try:
            ids = self._insert(vals_list)
        except ForeignKeyViolation:
            self._cr.rollback()
            ids = self._insert([{**vals, "partner_id": False} for vals in vals_list])
            links = {id_: vals["partner_id"] for id_, vals in zip(ids, vals_list, strict=True) if vals["partner_id"]}
            self.env.cr.postcommit.add(lambda: Log._link_after_commit(links))
        self._cr.commit()
        return ids

    def _insert(self, vals_list):
        cr = self._cr
        cr.execute(SQL("SET LOCAL synchronous_commit TO OFF"))
        now = SQL("(now() AT TIME ZONE 'UTC')")
        uid = self.env.uid
        rows = SQL(", ").join(
            SQL("(%s, %s, %s, %s, %s)", SQL(", ").join(SQL("%s", _db_value(c, vals[c])) for c in COLUMNS),
                uid, uid, now, now)
            for vals in vals_list
        )
        cr.execute(SQL("INSERT INTO ncc_atlas_sync_log (%s, create_uid, write_uid, create_date, write_date) "
                       "VALUES %s RETURNING id", SQL(", ").join(SQL.identifier(c) for c in COLUMNS), rows),
                   log_exceptions=False)
        return [row[0] for row in cr.fetchall()]

    def close(self):
        if self._cr is not None:
            self._cr.close()
            self._cr = None


def _db_value(column, value):
    if column == "recorded":
        return bool(value)
    return None if value is False else value

