import logging
import random
from datetime import timedelta

from psycopg2.errors import SerializationFailure

from odoo import _, api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL

from ..atlas import (
    VOCABULARIES,
    AtlasClient,
    AtlasError,
    AtlasSettings,
    AuthenticationError,
    RetryableError,
    UnexpectedAnswerError,
    UnknownOutcomeError,
    ValidationError,
    diff_values,
)
from .atlas_mapping import PARAM_PREFIX as PARAM
from .atlas_mapping import field_label

_logger = logging.getLogger(__name__)

# Waits between attempts after a retryable failure: 1, 2, 4 ... minutes, at most 6 hours, with jitter.
RETRY_BASE_MINUTES = 1
RETRY_MAX_MINUTES = 360


class AuthenticationStop(Exception):
    """The Atlas refused the key: nothing more can be sent in this run."""


class NccAtlasSync(models.AbstractModel):
    """The sync with the Atlas: push local registrations, pull the ECCC's decisions, refresh the vocabularies.

    HTTP lives in the plain `atlas` package; this service turns its answers into record states, sync log entries
    and pipeline moves. The scheduled actions call the `_cron_*` methods.
    """

    _name = "ncc.atlas.sync"
    _description = "Atlas synchronisation"

    # --- configuration -----------------------------------------------------------------------------------------

    @api.model
    def _param(self, key, default=None):
        return self.env["ir.config_parameter"].sudo().get_param(PARAM + key, default)

    @api.model
    def _conf(self):
        country = self.env["ncc.atlas.term"].browse(int(self._param("country_term_id", 0) or 0)).exists()
        return {
            "batch_size": max(1, int(self._param("batch_size", 50) or 50)),
            "conflict_policy": self._param("conflict_policy", "ask"),
            "send_country": bool(self._param("send_country", False)),
            "country": country,
        }

    @api.model
    def _settings(self):
        url, key = self._param("url"), self._param("api_key")
        if not url or not key:
            raise UserError(_("The Atlas is not configured: set its URL and API key in Settings > Community "
                              "Registration."))
        try:
            return AtlasSettings(
                url=url,
                api_key=key,
                key_transport=self._param("key_transport", "header"),
                basic_user=self._param("basic_user") or None,
                basic_password=self._param("basic_password") or None,
                timeout=float(self._param("timeout", 30) or 30),
                send_country=bool(self._param("send_country", False)),
            )
        except ValueError as exc:
            raise UserError(_("The Atlas settings are not valid: %s", exc)) from None

    @api.model
    def _client(self, exchanges):
        return AtlasClient(self._settings(), on_exchange=exchanges.append)

    @api.model
    def _configure_sandbox(self, url, key):
        """Point the addon at a sandbox Atlas (the run command uses it for the demo)."""
        params = self.env["ir.config_parameter"].sudo()
        params.set_param(PARAM + "url", url)
        params.set_param(PARAM + "api_key", key)
        if not self._param("country_term_id"):
            lux = self.env.ref("ncc_atlas_connector.term_country_lu", raise_if_not_found=False)
            if lux:
                params.set_param(PARAM + "country_term_id", lux.id)

    @api.model
    def _log(self, exchanges, partner=None, operation=None):
        if exchanges:
            self.env["ncc.atlas.sync.log"]._from_exchanges(exchanges, partner=partner, operation=operation)
            exchanges.clear()

    @api.model
    def _progress(self, done, remaining):
        """Commit a batch when running as a scheduled action; a person's click keeps its own transaction."""
        if self.env.context.get("ir_cron_progress_id"):
            return self.env["ir.cron"]._commit_progress(done, remaining=remaining)
        return float("inf")

    @api.model
    def _alert_admins(self, message):
        admins = self.env.ref("base.group_system").sudo().user_ids.filtered(lambda u: not u.share)
        self.env.company.partner_id.sudo().message_notify(
            partner_ids=admins.partner_id.ids,
            subject=_("Atlas sync stopped"),
            body=message,
        )
        _logger.error("Atlas sync stopped: %s", message)

    # --- push --------------------------------------------------------------------------------------------------

    @api.model
    def _push_domain(self):
        now = fields.Datetime.now()
        return [
            ("ncc_is_applicant", "=", True),
            ("ncc_sync_state", "=", "pending"),
            "|", ("ncc_next_attempt", "=", False), ("ncc_next_attempt", "<=", now),
        ]

    @api.model
    def _cron_push(self):
        Partner = self.env["res.partner"]
        domain = self._push_domain()
        batch_size = self._conf()["batch_size"]
        seen = []
        while True:
            todo = Partner.search(domain + [("id", "not in", seen)], limit=batch_size, order="id")
            partners = self._lock_batch(todo).filtered_domain(domain)
            if not todo:
                break
            seen += todo.ids  # locked by another worker or done now: not again in this run
            try:
                self._push(partners)
            except AuthenticationStop:
                return
            remaining = Partner.search_count(domain + [("id", "not in", seen)])
            if self._progress(len(partners), remaining) <= 0 or not remaining:
                break

    @api.model
    def _lock_batch(self, partners):
        """The partners of this batch that this run may send: those it could lock (another run holds the others)
        and that nobody changed since this transaction's snapshot.

        Odoo's transactions are REPEATABLE READ: when another run sends a row and commits after this run's
        snapshot was taken, this run still sees the row pending, and locking it fails with a serialization error
        (which is what keeps it from sending it twice). That failure must not end the run, whose cron would then
        log an error and count a failure: the row is skipped (it is not this run's), and the other rows of the
        batch are locked one by one."""
        locked = self._try_lock(partners.ids)
        if locked is None:
            locked = [id_ for id_ in partners.ids if self._try_lock([id_])]
        return partners.browse(locked)

    @api.model
    def _try_lock(self, ids):
        """Lock these partner rows, skipping the ones locked elsewhere; None when one of them changed since the
        snapshot (then nothing is locked)."""
        if not ids:
            return []
        query = SQL("SELECT id FROM res_partner WHERE id IN %s ORDER BY id FOR UPDATE SKIP LOCKED", tuple(ids))
        try:
            with self.env.cr.savepoint(flush=False):
                self.env.cr.execute(query, log_exceptions=False)
                return [row[0] for row in self.env.cr.fetchall()]
        except SerializationFailure:
            return None

    @api.model
    def _push(self, partners):
        """Send these registrations to the Atlas, one decision per record; record errors stay on the record."""
        conf = self._conf()
        exchanges = []
        try:
            client = self._client(exchanges)
        except UserError as exc:
            partners._ncc_sync_failed("error", str(exc))
            return
        logs = []  # the sync log of the batch, written in one create at the end

        def log(partner=None, operation="push"):
            if exchanges:
                logs.append((list(exchanges), partner, operation))
                exchanges.clear()

        try:
            with client:
                self._push_batch(client, partners, conf, log)
        finally:
            self.env["ncc.atlas.sync.log"]._from_batches(logs)

    @api.model
    def _push_batch(self, client, partners, conf, log):
        # Queued again with nothing to send (values as last synced, no state to ask for): settled without a
        # request, as if never queued. The pull still brings the ECCC's decisions and notices a deletion.
        values = {partner: partner._ncc_atlas_values(send_country=conf["send_country"]) for partner in partners}
        settled = partners.filtered(lambda p: p._ncc_nothing_to_send(values[p]))
        if settled:
            self.env["res.partner"]._ncc_record_syncs([(partner, None, None, "synced") for partner in settled])
            partners -= settled
        remote_by_id = {}
        linked = partners.filtered("ncc_atlas_uuid")
        if linked:
            try:
                remote_by_id = {c.id: c for c in client.clusters_by_ids(linked.mapped("ncc_atlas_uuid"))}
            except AuthenticationError as exc:
                log(operation="read")
                self._stop(partners, exc)
            except AtlasError as exc:
                log(operation="read")
                self._retry_later(linked, exc)
                partners -= linked
            log(operation="read")
        done = []  # successful exchanges, recorded together once the batch has been sent
        try:
            for partner in partners:
                try:
                    with _SavepointOnWrite(self.env.cr) as before_write:
                        outcome = self._push_one(client, partner, remote_by_id.get(partner.ncc_atlas_uuid), conf,
                                                 values[partner], before_write)
                    if outcome:
                        done.append((partner, *outcome))
                except AuthenticationError as exc:
                    log(partner)
                    self._stop(partners, exc)
                except ValidationError as exc:
                    partner._ncc_sync_failed("error", str(exc))
                except (RetryableError, UnknownOutcomeError) as exc:
                    self._retry_later(partner, exc)
                except AtlasError as exc:  # a 500 or an unexpected answer: try again later
                    self._retry_later(partner, exc)
                log(partner)
        finally:
            self.env["res.partner"]._ncc_record_syncs(done)

    @api.model
    def _stop(self, partners, exc):
        self._alert_admins(_("The Atlas refused the API key (%(error)s). Registrations stay pending until an "
                             "administrator fixes Settings > Community Registration.", error=exc))
        raise AuthenticationStop() from exc

    @api.model
    def _retry_later(self, partners, exc):
        for partner in partners:
            attempts = partner.ncc_sync_attempts + 1
            if isinstance(exc, UnexpectedAnswerError) and attempts >= exc.max_attempts:
                # Bounded: then words for a person, and a fresh count should someone retry it.
                partner._ncc_sync_writer().write({
                    "ncc_sync_state": "error", "ncc_sync_error": exc.gave_up(attempts), "ncc_sync_attempts": 0,
                    "ncc_next_attempt": False,
                })
                continue
            delay = min(RETRY_BASE_MINUTES * 2 ** (attempts - 1), RETRY_MAX_MINUTES) * 60
            delay = max(delay * random.uniform(0.8, 1.2), getattr(exc, "retry_after", None) or 0)
            partner._ncc_sync_writer().write({
                "ncc_sync_state": "pending",
                "ncc_sync_attempts": attempts,
                "ncc_next_attempt": fields.Datetime.now() + timedelta(seconds=delay),
                "ncc_sync_error": str(exc),
            })

    @api.model
    def _push_one(self, client, partner, remote, conf, values, before_write=lambda: None):
        """Decide and send what this registration (whose Atlas values are ``values``) needs. Returns ``(remote,
        values, state)`` for the caller to record once the batch is sent, or None when nothing is to be recorded
        (a person must decide). ``before_write()`` is called before anything is written, so that a failure of a
        later request can undo it."""
        if partner.ncc_atlas_uuid and remote is None:
            # Gone from the Atlas (or never readable): forget the link and look it up like a new one.
            before_write()
            partner._ncc_unlink_atlas()
        if not partner.ncc_atlas_uuid:
            remote = None
            if not partner.ncc_force_create:
                remote = self._look_up(client, partner, values, conf, before_write)
            if remote is False:
                return None  # several candidates: a person chooses
            if remote is None:
                wanted = partner._ncc_wanted_state(None)
                if wanted != "ready_for_publication":
                    return None, values, "not_sent"
                created = client.create_cluster({**values, "moderation_state": wanted})
                return created, values, "synced"
            before_write()
            partner._ncc_link(remote)
        values = self._merge(partner, remote, values, conf, before_write)
        if values is None:
            return None  # conflict left to a person
        wanted = partner._ncc_wanted_state(remote.moderation_state)
        result = client.update_cluster(remote.id, remote, {**values, "moderation_state": wanted}) or remote
        again = partner._ncc_wanted_state(result.moderation_state)
        if again and again != wanted:  # the edit moved the state (e.g. published back to draft): ask again
            result = client.update_cluster(result.id, result, {"moderation_state": again}) or result
        return result, values, "synced"

    @api.model
    def _look_up(self, client, partner, values, conf, before_write=lambda: None):
        """The Atlas registration of this partner, if one exists: registration number and country, else owner
        and title. None when there is none, False when there are several (the partner then needs a choice)."""
        country = partner.ncc_country_term_id or conf["country"]
        if partner.company_registry and country.atlas_uuid:
            candidates = client.find_clusters(partner.company_registry, country.atlas_uuid)
        else:
            candidates = client.find_by_title(self._owner(client), values["title"])
        if len(candidates) > 1:
            before_write()
            partner._ncc_sync_writer().write({
                "ncc_sync_state": "needs_choice",
                "ncc_sync_error": _("%s registrations on the Atlas match this company: choose the right one.",
                                    len(candidates)),
            })
            return False
        return candidates[0] if candidates else None

    @api.model
    def _owner(self, client):
        owner = self._param("owner_uuid")
        if not owner:
            owner = client.whoami()
            self.env["ir.config_parameter"].sudo().set_param(PARAM + "owner_uuid", owner)
        return owner

    @api.model
    def _merge(self, partner, remote, values, conf, before_write=lambda: None):
        """Three-way merge against the values of the last sync: take what only the Atlas changed, send what only
        Odoo changed; what both changed differently is a conflict for the policy (or a person) to settle.

        With no sync base (an application linked to a registration the look-up found on the Atlas), nobody can
        tell which side changed a value: someone at the NCC or the ECCC may have edited it there. Every value that
        differs is then a conflict, settled by the same policy. Values are compared after the one normalisation
        of the contract (trimmed, registration numbers as the uniqueness check compares them).
        Returns the values to send, or None when a person must decide."""
        keys = [k for k in values if k != "moderation_state"]
        remote_values = {k: remote.values.get(k) for k in keys}
        differs = set(diff_values(remote_values, values))
        if not differs:
            return values  # the Atlas holds what Odoo holds: nothing to take or to settle
        base = partner.ncc_synced_values
        if base:
            base = {k: base.get(k) for k in keys}
            remote_changed = set(diff_values(base, remote_values))
            if not remote_changed:
                return values  # the usual case: only Odoo changed
            local_changed = set(diff_values(base, values))
        else:
            remote_changed = local_changed = differs
        conflicts = sorted(remote_changed & local_changed & differs)
        take = (remote_changed - local_changed) & differs
        if conflicts:
            policy = conf["conflict_policy"]
            if policy == "remote":
                take |= set(conflicts)
            elif policy != "local":
                labels = ", ".join(field_label(k) for k in conflicts)
                before_write()
                partner._ncc_sync_writer().write({
                    "ncc_sync_state": "conflict",
                    "ncc_sync_error": _("Changed both here and on the Atlas: %s", labels) if base else _(
                        "Linked to a registration found on the Atlas that differs from this one: %s. Nothing was "
                        "overwritten: keep Odoo's values or take the Atlas's.", labels),
                })
                return None
        if take:
            before_write()
            partner._ncc_apply_atlas_values({k: remote.values.get(k) for k in take})
            values = partner._ncc_atlas_values(send_country=conf["send_country"])
        return values

    # --- pull --------------------------------------------------------------------------------------------------

    @api.model
    def _cron_pull(self):
        Partner = self.env["res.partner"]
        domain = [("ncc_is_applicant", "=", True), ("ncc_atlas_uuid", "!=", False)]
        batch_size = self._conf()["batch_size"]
        last_id = 0
        while True:
            partners = Partner.search(domain + [("id", ">", last_id)], limit=batch_size, order="id")
            if not partners:
                break
            last_id = partners[-1].id
            try:
                self._pull(partners)
            except AuthenticationStop:
                return
            remaining = Partner.search_count(domain + [("id", ">", last_id)])
            if self._progress(len(partners), remaining) <= 0 or not remaining:
                break

    @api.model
    def _pull(self, partners):
        """Read the Atlas state of these linked registrations and apply the ECCC's decisions."""
        exchanges = []
        with self._client(exchanges) as client:
            try:
                remote_by_id = {c.id: c for c in client.clusters_by_ids(partners.mapped("ncc_atlas_uuid"))}
            except AuthenticationError as exc:
                self._log(exchanges, operation="pull")
                self._stop(partners, exc)
            except AtlasError:
                self._log(exchanges, operation="pull")
                return  # the next run reads them again
            self._log(exchanges, operation="pull")
        for partner in partners:
            remote = remote_by_id.get(partner.ncc_atlas_uuid)
            if remote is None:
                # Gone from the Atlas: the next push looks it up again (or recreates it if still approved).
                partner._ncc_unlink_atlas()
                partner._ncc_mark_pending()
            elif remote.moderation_state != partner.ncc_atlas_state:
                partner._ncc_apply_remote_state(remote)

    # --- vocabularies ------------------------------------------------------------------------------------------

    @api.model
    def _cron_vocabularies(self):
        exchanges = []
        with self._client(exchanges) as client:
            for vocabulary in VOCABULARIES:
                try:
                    terms = client.terms(vocabulary)
                except AuthenticationError as exc:
                    self._log(exchanges, operation="vocabulary")
                    self._alert_admins(_("The Atlas refused the API key while reading vocabularies: %s", exc))
                    return
                self._log(exchanges, operation="vocabulary")
                self._store_terms(vocabulary, terms)
                self._progress(1, len(VOCABULARIES))

    @api.model
    def _store_terms(self, vocabulary, terms):
        """Add and rename terms by UUID; archive the ones the Atlas no longer lists (never delete: they may be in
        use)."""
        Term = self.env["ncc.atlas.term"].with_context(active_test=False)
        existing = {t.atlas_uuid: t for t in Term.search([("vocabulary", "=", vocabulary)])}
        seen = Term
        for term in terms:
            vals = {"name": term.name, "description": term.description or False, "active": True}
            if term.iso_code:
                vals["iso_code"] = term.iso_code
            record = existing.get(term.id)
            if record:
                changed = {k: v for k, v in vals.items() if record[k] != v}
                if changed:
                    record.write(changed)
            else:
                record = Term.create({**vals, "vocabulary": vocabulary, "atlas_uuid": term.id})
                existing[term.id] = record
            seen |= record
        for term in terms:
            # A flat list (knowledge domains come without parents) never clears the hierarchy we know.
            parent = existing.get(term.parent) if term.parent else None
            if parent and existing[term.id].parent_id != parent:
                existing[term.id].parent_id = parent
        (Term.browse([t.id for t in existing.values()]) - seen).filtered("active").write({"active": False})
        return seen

    # --- connection test ---------------------------------------------------------------------------------------

    @api.model
    def _test_connection(self):
        exchanges = []
        try:
            with self._client(exchanges) as client:
                owner = client.whoami()
        except AtlasError as exc:
            return False, str(exc)
        finally:
            self._log(exchanges, operation="connection test")
        self.env["ir.config_parameter"].sudo().set_param(PARAM + "owner_uuid", owner)
        return True, _("Connected. The key belongs to the Atlas user %s.", owner)



class _SavepointOnWrite:
    """A savepoint opened only when called: most pushes write nothing before their requests (what they learn is
    recorded for the whole batch afterwards), and a savepoint each would cost more than their own queries. Called
    before a write that a later failure must undo; rolled back when the block fails after that."""

    def __init__(self, cr):
        self._cr = cr
        self._savepoint = None

    def __call__(self):
        if self._savepoint is None:
            self._savepoint = self._cr.savepoint()

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, traceback):
        if self._savepoint is not None:
            self._savepoint.close(rollback=exc_type is not None)

