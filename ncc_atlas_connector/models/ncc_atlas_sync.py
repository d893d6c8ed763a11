import logging
import random
import re
import time
import unicodedata
from collections import defaultdict
from datetime import timedelta
from functools import partial

from psycopg2.errors import LockNotAvailable, SerializationFailure

from odoo import _, api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL

from ..atlas import (
    VOCABULARIES,
    AtlasClient,
    AtlasError,
    AtlasSettings,
    AuthenticationError,
    NotFoundError,
    UnexpectedAnswerError,
    ValidationError,
    clean_text,
    diff_values,
    registration_number_key,
)
from ..atlas.request_pool import RequestPool
from ..atlas.sentence import _lt  # a Sentence: English, stored, shown translated (not Odoo's lazy _lt)
from .atlas_mapping import PARAM_PREFIX as PARAM
from .atlas_mapping import field_label
from .ncc_atlas_sync_log import SyncLogWriter

_logger = logging.getLogger(__name__)

# Waits between attempts after a retryable failure: 1, 2, 4 ... minutes, at most 6 hours, with jitter.
RETRY_BASE_MINUTES = 1
RETRY_MAX_MINUTES = 360
# A scheduled run stops after this many exchanges in a row got no answer at all (connection refused, timeouts,
# connections cut): the Atlas is down, everything stays pending and the next run tries again.
OUTAGE_EXCHANGES = 3
# A scheduled batch starts no new application after this many seconds: no run holds a cron worker for long.
BATCH_SECONDS = 240
# Attempts of a read inside one exchange, in a scheduled run (the next run is the real retry).
JOB_READ_RETRIES = 2
# How long a person's "Send now" waits for the scheduled push to release an application it is sending.
PERSON_LOCK_WAIT = "3s"
# Creates and updates of a batch sent side by side (the setting "push_concurrency"; 1 sends them one by one).
PUSH_CONCURRENCY = 4
RECORD_EVERY = 10  # answers of requests sent side by side recorded this many at a time, as the others arrive
MAX_PUSH_CONCURRENCY = 8  # the Atlas is one shared platform: a few requests at a time, never a flood


class SettingsProblem(Exception):
    """The Atlas settings are missing or invalid; ``sentence`` says so (see atlas/sentence.py)."""

    def __init__(self, sentence):
        super().__init__(sentence)
        self.sentence = sentence


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
    def _settings(self, read_retries=None):
        try:
            return self._settings_or_problem(read_retries)
        except SettingsProblem as problem:
            raise UserError(problem.sentence.translate(self.env["res.partner"]._ncc_gettext)) from None

    @api.model
    def _settings_or_problem(self, read_retries=None):
        url, key = self._param("url"), self._param("api_key")
        if not url or not key:
            raise SettingsProblem(_lt("The Atlas is not configured: an administrator sets its URL and API key in "
                                      "Settings > Community Registration."))
        extra = {"read_retries": read_retries} if read_retries is not None else {}
        try:
            return AtlasSettings(
                url=url,
                api_key=key,
                key_transport=self._param("key_transport", "header"),
                basic_user=self._param("basic_user") or None,
                basic_password=self._param("basic_password") or None,
                timeout=float(self._param("timeout", 30) or 30),
                send_country=bool(self._param("send_country", False)),
                **extra,
            )
        except ValueError as exc:
            raise SettingsProblem(_lt("The Atlas settings are not valid (%(problems)s): an administrator corrects "
                                      "them in Settings > Community Registration.", problems=exc)) from None

    @api.model
    def _client(self, exchanges):
        """A client whose exchanges are appended to ``exchanges`` (for `_log`): wizards and connection tests."""
        return AtlasClient(self._settings(), on_exchange=exchanges.append)

    @api.model
    def _job_settings(self):
        """The settings of a scheduled run, or None when they are missing or invalid: the run then ends quietly
        (no error, no deactivated job) and the applications waiting to be sent say why."""
        try:
            return self._settings_or_problem(read_retries=int(self._param("job_read_retries", JOB_READ_RETRIES)))
        except SettingsProblem as problem:
            _logger.info("Atlas sync waits for its settings: %s", problem.sentence)
            self._hold_pending(problem.sentence)
            return None

    @api.model
    def _hold_pending(self, reason):
        """Say on every application waiting to be sent why it is not sent (it stays pending)."""
        reason = _lt("Not sent yet. %(reason)s", reason=reason)
        waiting = self.env["res.partner"].search([("ncc_is_applicant", "=", True), ("ncc_sync_state", "=", "pending")])
        said = reason.as_json()
        waiting = waiting.filtered(lambda partner: partner.ncc_sync_problem != said)
        waiting._ncc_sync_writer(mail_notrack=True).write({"ncc_sync_error": reason})

    @api.model
    def _resume(self):
        """Run the jobs soon once the settings are usable again (saved by an administrator)."""
        try:
            self._settings()
        except UserError:
            return False
        for xmlid in ("ir_cron_ncc_atlas_push", "ir_cron_ncc_atlas_pull", "ir_cron_ncc_atlas_vocabularies"):
            cron = self.env.ref(f"ncc_atlas_connector.{xmlid}", raise_if_not_found=False)
            if cron:
                cron.sudo()._trigger()
        return True

    @api.model
    def _configure_sandbox(self, url, key):
        """Point the addon at a sandbox Atlas (the run command uses it for the demo)."""
        params = self.env["ir.config_parameter"].sudo()
        if (self._param("url"), self._param("api_key")) != (url, key):
            params.set_param(PARAM + "owner_uuid", False)  # the owner of another key, or on another Atlas
        params.set_param(PARAM + "url", url)
        params.set_param(PARAM + "api_key", key)
        if not self._param("country_term_id"):
            lux = self.env.ref("ncc_atlas_connector.term_country_lu", raise_if_not_found=False)
            if lux:
                params.set_param(PARAM + "country_term_id", lux.id)

    @api.model
    def _log(self, exchanges, partner=None, operation=None):
        """Log these exchanges now, on a transaction of their own: they stay logged if the caller then fails."""
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
    def _alert_admins(self, subject, message):
        """Tell the administrators, on a transaction of its own (the alert stays if the caller fails)."""
        with self.env["ncc.atlas.sync.log"]._own_env() as env:
            admins = env.ref("base.group_system").sudo().user_ids.filtered(lambda u: not u.share)
            env.company.partner_id.sudo().message_notify(
                partner_ids=admins.partner_id.ids, subject=subject, body=message,
            )

    @api.model
    def _key_refused(self, exc):
        """The Atlas refused the key: alert the administrators once for the whole outage, not at every run."""
        if self._flag("key_refused_since"):
            _logger.info("Atlas sync: the key is still refused (%s)", exc)
            return
        _logger.error("Atlas sync stopped: the Atlas refused the API key (%s)", exc)
        self._set_flag("key_refused_since", fields.Datetime.to_string(fields.Datetime.now()))
        self._alert_admins(_("Atlas sync stopped"), _(
            "The Atlas refused the API key (%(error)s). Registrations stay pending until an administrator fixes "
            "Settings > Community Registration; you will be told when the Atlas accepts the key again.",
            error=self.env["res.partner"]._ncc_words(exc.message)))

    @api.model
    def _key_accepted(self):
        """The Atlas answered with the key: if it had been refused, tell the administrators that all is well."""
        if not self._flag("key_refused_since"):
            return
        self._set_flag("key_refused_since", False)
        _logger.info("Atlas sync: the Atlas accepts the API key again")
        self._alert_admins(_("Atlas sync running again"), _(
            "The Atlas accepts the API key again: the registrations that waited are being sent."))

    @api.model
    def _flag(self, key):
        # Read from the table, not Odoo's parameter cache: another transaction may have just set it.
        self.env.cr.execute(SQL("SELECT value FROM ir_config_parameter WHERE key = %s", PARAM + key))
        row = self.env.cr.fetchone()
        return row[0] if row else False

    @api.model
    def _set_flag(self, key, value):
        with self.env["ncc.atlas.sync.log"]._own_env() as env:
            env["ir.config_parameter"].sudo().set_param(PARAM + key, value)

    @api.model
    def _lock_next(self, domain, limit):
        """Lock up to ``limit`` partners of ``domain``, by id, skipping those another transaction holds.

        ``FOR NO KEY UPDATE``: the lock is held across HTTP requests, and must not block what only references the
        rows (messages, activities, contact persons, sync log entries). Odoo's transactions are REPEATABLE READ:
        when another run sent a row and committed after this transaction's snapshot, locking it fails with a
        serialization error (which is what keeps it from being sent twice); the rows are then locked one by one
        and that one is skipped."""
        Partner = self.env["res.partner"]
        query = Partner._search(domain, order="id", limit=limit)
        try:
            with self.env.cr.savepoint():
                self.env.cr.execute(SQL("%s FOR NO KEY UPDATE OF res_partner SKIP LOCKED", query.select()),
                                    log_exceptions=False)
                return Partner.browse([row[0] for row in self.env.cr.fetchall()])
        except SerializationFailure:
            ids = Partner.search(domain, order="id", limit=limit).ids
            return Partner.browse([id_ for id_ in ids if self._try_lock([id_])])

    @api.model
    def _try_lock(self, ids):
        """Lock these partner rows, skipping the ones locked elsewhere; None when one of them changed since the
        snapshot (then nothing is locked)."""
        if not ids:
            return []
        query = SQL("SELECT id FROM res_partner WHERE id IN %s ORDER BY id FOR NO KEY UPDATE SKIP LOCKED",
                    tuple(ids))
        try:
            with self.env.cr.savepoint(flush=False):
                self.env.cr.execute(query, log_exceptions=False)
                return [row[0] for row in self.env.cr.fetchall()]
        except SerializationFailure:
            return None

    @api.model
    def _lock_for_person(self, partners):
        """Lock these applications for a person's "Send now": wait a moment for the scheduled push that may be
        sending them, then say so in words rather than send them a second time."""
        cr = self.env.cr
        try:
            with cr.savepoint():
                cr.execute(SQL("SET LOCAL lock_timeout = %s", PERSON_LOCK_WAIT))
                cr.execute(SQL("SELECT id FROM res_partner WHERE id IN %s ORDER BY id FOR NO KEY UPDATE",
                               tuple(partners.ids)), log_exceptions=False)
        except LockNotAvailable:
            raise UserError(_("%s is being sent to the Atlas right now, by the background sync or by a colleague. "
                              "It will be there in a moment: reload the page to see the result.",
                              partners[:1].name)) from None
        except SerializationFailure:
            raise UserError(_("Someone else has just sent %s to the Atlas (or changed it) while you were looking at "
                              "it. Reload the page to see where it stands.", partners[:1].name)) from None
        cr.execute(SQL("SET LOCAL lock_timeout = DEFAULT"))

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
        """The scheduled push: ONE batch per call. Odoo's cron runner calls it again while the batch reports
        applications remaining (`_commit_progress`), and ends the run when none remain."""
        settings = self._job_settings()
        if settings is None:
            return
        batch_size = self._conf()["batch_size"]
        domain = self._push_domain()
        partners = self._lock_next(domain, batch_size)
        if not partners:
            return  # nothing due, or only applications another run is sending: this run is done
        log = _ExchangeLog(self, "push")
        handled = 0
        try:
            handled = self._push(partners, settings, log, ahead_domain=domain)
        except AuthenticationStop:
            self._progress(len(partners), 0)
            return
        stopped = handled < len(partners)  # an outage or the time bound: the rest waits for the next run
        remaining = 0 if stopped or len(partners) < batch_size else self.env["res.partner"].search_count(domain)
        self._progress(handled, remaining)

    @api.model
    def _push_now(self, partners, settings):
        """A person's "Send now" of these applications, locked by `_lock_for_person`: the same push as the
        scheduled one, in the person's transaction; failures come back as words."""
        log = _ExchangeLog(self, "push")
        try:
            self._push(partners, settings, log)
        except AuthenticationStop:
            raise UserError(_("The Atlas refused the API key, so nothing was sent. The administrators have been "
                              "told; the registration stays pending and is sent once the key is fixed.")) from None

    @api.model
    def _push(self, partners, settings, log, ahead_domain=None):
        """Send these (locked) registrations to the Atlas, one decision per record; record errors stay on the
        record. Returns how many were handled: fewer than given when the Atlas stopped answering or the batch ran
        out of time (the others are left as they were, pending). With ``ahead_domain`` (a scheduled run), a full
        batch also asks the look-up and read of the next one (see ncc_atlas_sync_ahead.py)."""
        conf = self._conf()
        try:
            with AtlasClient(settings, on_exchange=log) as client:
                return self._push_batch(client, partners, conf, log, ahead_domain)
        finally:
            log.close()

    @api.model
    def _push_batch(self, client, partners, conf, log, ahead_domain=None):
        deadline = time.monotonic() + int(self._param("batch_seconds", BATCH_SECONDS))
        size = self._push_concurrency()
        pool = RequestPool(client.settings, size) if size > 1 and len(partners) > 1 else None
        done = []  # successful exchanges, recorded a few at a time as the answers arrive, the rest at the end
        stop = None
        batch = partners
        ahead_key = self._ahead_key(client, conf) if ahead_domain is not None else None
        ahead = self._take_ahead(ahead_key, partners)  # what the batch before asked for this one
        next_ahead = None
        try:
            # The look-up of the new ones needs only their numbers: with a pool it travels while their Atlas values
            # are computed.
            unlinked = partners.filtered(lambda p: not p.ncc_atlas_uuid and not p.ncc_force_create)
            look_ups = []
            for single, request in self._look_up_searches(unlinked, conf):
                answer = ahead and ahead.look_up(single)
                if not answer:
                    answer = pool.start("look-up", request).result if pool else partial(request, client)
                look_ups.append((single, answer))
            handled, partners, values, remote_by_id, found = self._prepare_batch(client, partners, conf, log,
                                                                                   look_ups, ahead)
            for index, partner in enumerate(partners):
                if pool:
                    pool.flush(log.ended)
                if log.outage or index and time.monotonic() > deadline:  # at least one per batch
                    break
                log.partner = partner
                handled += 1
                try:
                    with _SavepointOnWrite(self.env.cr) as before_write:
                        remote = remote_by_id.get(partner.ncc_atlas_uuid)
                        if partner.ncc_atlas_uuid and remote is None:
                            remote = self._confirm(client, partner.ncc_atlas_uuid)
                        outcome = self._push_one(client, partner, remote, conf, values[partner], before_write,
                                                 found.get(partner), pool=pool)
                    if isinstance(outcome, _Deferred):
                        pool.submit(partner, outcome.request, outcome.finish)
                        stop = self._apply_answers(client, pool, log, done, block=False)
                        if stop is not None:
                            break
                    elif outcome:
                        done.append((partner, *outcome))
                except AuthenticationError as exc:
                    stop = exc
                    break
                except AtlasError as exc:
                    self._push_failed(partner, exc)
            else:
                # Every request of the batch is on its way: the next batch's look-up and read take the spare
                # threads of the last round (only after a full batch that sent something).
                if ahead_key and pool and pool.sent_any() and len(batch) >= conf["batch_size"]:
                    next_ahead = self._ask_ahead(pool, batch, ahead_domain, conf)
        finally:
            try:
                if pool:
                    try:
                        stop = self._apply_answers(client, pool, log, done) or stop
                    finally:
                        pool.close()  # every request under way ends before the batch does
                        pool.flush(log.ended)
                if log.answered:
                    self._key_accepted()
            finally:
                self.env["res.partner"]._ncc_record_syncs(done)
        if stop is not None:
            self._stop(stop)
        if next_ahead and not log.outage:
            self._keep_ahead(ahead_key, next_ahead)
        if log.outage:
            _logger.info("Atlas sync: %s exchanges in a row got no answer; the next run tries again",
                         OUTAGE_EXCHANGES)
        return handled

    @api.model
    def _prepare_batch(self, client, partners, conf, log, look_ups, ahead=None):
        """What the batch knows before its creates and updates: the Atlas values of each application, those
        settled without a request, the registrations of the linked ones (one read) and what the look-up found
        for the new ones (``look_ups``: each of `_look_up_searches` with how to get its answer, the result of
        its future when they travel side by side), and ``ahead`` what the batch before read for this one. Returns
        ``(handled, partners left to send, values, remote by UUID, found)``."""
        handled = 0
        # Queued again with nothing to send (values as last synced, no state to ask for): settled without a
        # request, as if never queued. The pull still brings the ECCC's decisions and notices a deletion.
        values = _AtlasValues(conf["send_country"])
        settled = partners.filtered(lambda p: p.ncc_atlas_uuid and p._ncc_nothing_to_send(values[p]))
        if settled:
            self.env["res.partner"]._ncc_record_syncs([(partner, None, None, "synced") for partner in settled])
            partners -= settled
            handled += len(settled)
        remote_by_id = {}
        linked = partners.filtered("ncc_atlas_uuid")
        if linked and ahead:
            remote_by_id, linked = ahead.read_for(linked)
        if linked:
            log.partner = None
            log.operation = "read"
            try:
                remote_by_id.update({c.id: c for c in client.clusters_by_ids(linked.mapped("ncc_atlas_uuid"))})
            except AuthenticationError as exc:
                self._stop(exc)
            except AtlasError as exc:
                self._retry_later(linked, exc)
                partners -= linked
                handled += len(linked)
            log.operation = "push"
        found = {}
        if look_ups:
            log.partner = None
            log.operation = "look-up"
            try:
                found = self._look_up_found(look_ups)
            except AuthenticationError as exc:
                self._stop(exc)
            log.operation = "push"
        return handled, partners, values, remote_by_id, found

    @api.model
    def _push_concurrency(self):
        try:
            size = int(self._param("push_concurrency", PUSH_CONCURRENCY) or PUSH_CONCURRENCY)
        except ValueError:
            return PUSH_CONCURRENCY
        return min(max(1, size), MAX_PUSH_CONCURRENCY)

    @api.model
    def _push_failed(self, partner, exc):
        """What a failed request leaves on its registration (an authentication failure stops the batch)."""
        if isinstance(exc, ValidationError):
            partner._ncc_sync_failed("error", exc.message)
        else:  # retryable, unknown outcome, a 500 or an unexpected answer: try again later
            self._retry_later(partner, exc)

    @api.model
    def _apply_answers(self, client, pool, log, done, block=True):
        """The answers of the requests sent side by side, applied in the order they were sent, each like the
        answer of a request sent alone: a failed one is retried later, the others are recorded while the next
        answers are on their way (what is left in ``done`` is for the caller). Returns the authentication failure
        the Atlas answered, if any (the batch then stops once the others are applied). Without ``block``, only
        the answers already there (the batch goes on while the others travel)."""
        stop = None
        while True:
            for partner, finish, answer in pool.results(block=False):
                pool.flush(log.ended)
                if len(done) >= RECORD_EVERY:
                    self._record_meanwhile(done)
                log.partner = partner
                try:
                    if isinstance(answer, BaseException):
                        raise answer
                    outcome = finish(client, answer)
                    if outcome:
                        done.append((partner, *outcome))
                except AuthenticationError as exc:
                    stop = stop or exc
                except AtlasError as exc:
                    self._push_failed(partner, exc)
            if not block or not pool.waiting():
                return stop
            self._record_meanwhile(done)
            pool.wait_first()

    @api.model
    def _record_meanwhile(self, done):
        """Record these outcomes while the batch's next answers travel, with what recording them brings (the
        stage moves' chatter messages, otherwise written at commit, after the last answer): Odoo's part of the
        batch overlaps the Atlas's."""
        if done:
            self.env["res.partner"]._ncc_record_syncs(done)
            done.clear()
            self.env.cr.flush()

    @api.model
    def _confirm(self, client, uuid):
        """The registration the batch read did not return, read by its UUID: None only when the Atlas says it is
        gone (404). An application is never unlinked for being absent from a filtered list."""
        try:
            return client.get_cluster(uuid)
        except NotFoundError:
            return None

    @api.model
    def _stop(self, exc):
        self._key_refused(exc)
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
                "ncc_sync_error": exc.message,
            })

    @api.model
    def _push_one(self, client, partner, remote, conf, values, before_write=lambda: None, candidates=None,
                  pool=None):
        """Decide and send what this registration (whose Atlas values are ``values``) needs. Returns ``(remote,
        values, state)`` for the caller to record once the batch is sent, or None when nothing is to be recorded
        (a person must decide). ``before_write()`` is called before anything is written, so that a failure of a
        later request can undo it. ``candidates``: what the batch's look-up found for it (None: not looked up).

        With a ``pool``, the create or update that ends the exchange is returned as a `_Deferred`, to be sent side
        by side with the batch's others, when nothing was written before it (a write must be undone with the
        savepoint if the request fails) and, for a create, when the batch's look-up found nothing for it (an
        application looked up on its own first waits for the requests under way: a registration the batch has
        just created must be found, never created twice)."""
        deferrable = pool is not None and not getattr(before_write, "opened", True)
        if partner.ncc_atlas_uuid and remote is None:
            # Gone from the Atlas (or never readable): forget the link and look it up like a new one.
            before_write()
            partner._ncc_unlink_atlas()
        if not partner.ncc_atlas_uuid:
            remote = None
            if not partner.ncc_force_create:
                if candidates is None and pool is not None:
                    pool.settle()
                remote = self._look_up(client, partner, values, conf, before_write, candidates)
            if remote is False:
                return None  # several candidates, or nothing to look it up by: a person chooses or completes it
            if remote is None:
                wanted = partner._ncc_wanted_state(None)
                if wanted != "ready_for_publication":
                    return None, values, "not_sent"
                payload = {**values, "moderation_state": wanted}
                if deferrable and candidates is not None and not before_write.opened:
                    return _Deferred(lambda atlas: atlas.create_cluster(payload),
                                     lambda _client, created: (created, values, "synced"))
                created = client.create_cluster(payload)
                return created, values, "synced"
            before_write()
            partner._ncc_link(remote)
        values = self._merge(partner, remote, values, conf, before_write)
        if values is None:
            return None  # conflict left to a person
        wanted = partner._ncc_wanted_state(remote.moderation_state)
        payload = {**values, "moderation_state": wanted}

        def finish(client, result):
            result = result or remote
            again = partner._ncc_wanted_state(result.moderation_state)
            if again and again != wanted:  # the edit moved the state (e.g. published back to draft): ask again
                result = client.update_cluster(result.id, result, {"moderation_state": again}) or result
            return result, values, "synced"

        if deferrable and not before_write.opened:
            return _Deferred(lambda atlas: atlas.update_cluster(remote.id, remote, payload), finish)
        return finish(client, client.update_cluster(remote.id, remote, payload))

    @api.model
    def _look_up_searches(self, partners, conf):
        """The duplicate search of a batch's unlinked applications: registration numbers with an IN filter, one
        request per country and 50 numbers instead of one per application. Returns ``[([(partner, number)],
        request)]``, a request being a function of a client that returns the candidates of each number; an
        application left out (no number or no country on the Atlas, alone of its country, or with a number
        another application of the batch shares, which must see the registration the first one creates) is looked
        up on its own."""
        groups = defaultdict(lambda: defaultdict(list))  # country UUID -> number key -> (partner, number)
        for partner in partners:
            country = partner.ncc_country_term_id or conf["country"]
            number = clean_text(partner.company_registry)
            if isinstance(number, str) and country.atlas_uuid:
                groups[country.atlas_uuid][registration_number_key(number) or number].append((partner, number))
        searches = []
        for country_uuid, by_key in groups.items():
            single = [entries[0] for entries in by_key.values() if len(entries) == 1]
            if len(single) < 2:
                continue  # one application: its own search is the same one request, logged on it
            numbers = [number for _partner, number in single]
            searches.append((single, partial(_find_by_numbers, numbers=numbers, country_uuid=country_uuid)))
        return searches

    @api.model
    def _look_up_found(self, look_ups):
        """``{partner: candidates}`` from the answers of the batch's searches: ``[([(partner, number)], answer)]``,
        ``answer()`` giving the candidates of each number (or raising the search's failure)."""
        found = {}
        for single, answer in look_ups:
            try:
                candidates = answer()
            except ValueError:
                continue  # not a country the Atlas can be searched by: each is looked up, and told, on its own
            except AuthenticationError:
                raise
            except AtlasError as exc:
                # Each is then looked up on its own, with its own attempts and words (an Atlas refusing the IN
                # filter is served too, one request per application as before).
                _logger.info("Atlas push: the batch's look-up failed (%s); each application is looked up alone",
                             exc)
                continue
            found.update({partner: candidates[number] for partner, number in single})
        return found

    @api.model
    def _look_up(self, client, partner, values, conf, before_write=lambda: None, candidates=None):
        """The Atlas registration of this partner, if one exists: registration number and country, else owner
        and title (``candidates``, when given, are what the batch's search found). None when there is none,
        False when there are several (the partner then needs a choice) or when it has nothing to be looked up by
        (then it says so in words)."""
        if candidates is None:
            country = partner.ncc_country_term_id or conf["country"]
            number = clean_text(partner.company_registry)
            title = clean_text(values.get("title"))
            try:
                if isinstance(number, str) and country.atlas_uuid:
                    candidates = client.find_clusters(number, country.atlas_uuid)
                elif isinstance(title, str):
                    candidates = client.find_by_title(self._owner(client), title)
                else:
                    raise ValueError("nothing to search by")
            except ValueError:
                before_write()
                partner._ncc_sync_failed("error", _(
                    "Not sent: the Atlas cannot be searched for this company (it needs a registration number with "
                    "a country known on the Atlas, or a name), so it could be created twice. Fill in the "
                    "registration number and the country, then send it again."))
                return False
        if len(candidates) > 1:
            before_write()
            partner._ncc_sync_writer().write({
                "ncc_sync_state": "needs_choice",
                "ncc_sync_error": _lt("%(count)s registrations on the Atlas match this company: choose the right "
                                      "one.", count=len(candidates)),
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
                labels = [field_label(k) for k in conflicts]
                before_write()
                partner._ncc_sync_writer().write({
                    "ncc_sync_state": "conflict",
                    "ncc_sync_error": _lt("Changed both here and on the Atlas: %(fields)s", fields=labels) if base
                    else _lt("Linked to a registration found on the Atlas that differs from this one: %(fields)s. "
                             "Nothing was overwritten: keep Odoo's values or take the Atlas's.", fields=labels),
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
        """The scheduled pull: ONE batch per call, in id order from where the previous call of the run stopped
        (kept in a parameter), until every linked registration was read once."""
        settings = self._job_settings()
        if settings is None:
            return
        domain = [("ncc_is_applicant", "=", True), ("ncc_atlas_uuid", "!=", False)]
        after = int(self._param("pull_after_id", 0) or 0)
        batch_size = self._conf()["batch_size"]
        Partner = self.env["res.partner"]
        candidates = Partner.search(domain + [("id", ">", after)], order="id", limit=batch_size)
        partners = self._lock_next([("id", "in", candidates.ids)], batch_size) if candidates else candidates
        log = _ExchangeLog(self, "pull")
        stopped = False
        if partners:
            try:
                stopped = not self._pull(partners, settings, log)
            except AuthenticationStop:
                stopped = True
        remaining = 0
        if candidates and not stopped:
            remaining = Partner.search_count(domain + [("id", ">", candidates[-1].id)])
        next_after = candidates[-1].id if remaining else 0
        if next_after != after:
            self.env["ir.config_parameter"].sudo().set_param(PARAM + "pull_after_id", next_after)
        self._progress(len(partners), remaining)

    @api.model
    def _pull(self, partners, settings, log):
        """Read the Atlas state of these (locked) linked registrations and apply the ECCC's decisions. False when
        the Atlas did not answer (the next run reads them again)."""
        try:
            with AtlasClient(settings, on_exchange=log) as client:
                try:
                    remote_by_id = {c.id: c for c in client.clusters_by_ids(partners.mapped("ncc_atlas_uuid"))}
                except AuthenticationError as exc:
                    self._stop(exc)
                except AtlasError as exc:
                    _logger.info("Atlas pull: %s; the next run reads these registrations again", exc)
                    return False
                for partner in partners.filtered(lambda p: p.ncc_atlas_uuid not in remote_by_id):
                    if log.outage:
                        break
                    log.partner = partner
                    try:
                        remote_by_id[partner.ncc_atlas_uuid] = self._confirm(client, partner.ncc_atlas_uuid)
                    except AuthenticationError as exc:
                        self._stop(exc)
                    except AtlasError as exc:
                        _logger.info("Atlas pull: %s; the next run reads it again", exc)
                log.partner = None
            if log.answered:
                self._key_accepted()
            for partner in partners:
                if partner.ncc_atlas_uuid not in remote_by_id:
                    continue  # not confirmed either way: read again next run
                remote = remote_by_id[partner.ncc_atlas_uuid]
                if remote is None:
                    # Gone from the Atlas (it said 404): the next push looks it up again (or recreates it).
                    partner._ncc_unlink_atlas()
                    partner._ncc_mark_pending()
                elif remote.moderation_state != partner.ncc_atlas_state:
                    partner._ncc_apply_remote_state(remote)
            return not log.outage
        finally:
            log.close()

    # --- vocabularies ------------------------------------------------------------------------------------------

    @api.model
    def _cron_vocabularies(self):
        """The scheduled refresh: ONE vocabulary per call; the run's vocabularies still to do are kept in a
        parameter, so each vocabulary is read once per run. A vocabulary that fails is logged and left for the
        next run, and the others go on; when the Atlas does not answer at all, the run ends there."""
        settings = self._job_settings()
        if settings is None:
            return
        todo = [v for v in (self._param("vocabularies_todo") or "").split(",") if v in VOCABULARIES]
        todo = todo or list(VOCABULARIES)
        vocabulary = todo.pop(0)
        log = _ExchangeLog(self, "vocabulary")
        try:
            with AtlasClient(settings, on_exchange=log) as client:
                terms = client.terms(vocabulary)
            self._store_terms(vocabulary, terms)
            self._key_accepted()
        except AuthenticationError as exc:
            self._key_refused(exc)
            todo = []
        except AtlasError as exc:
            _logger.info("Atlas vocabulary %s not refreshed (%s); the next run tries again", vocabulary, exc)
            if log.silent:
                todo = []  # no answer at all: the Atlas is down, the next run tries them all again
            elif log.answered:
                self._key_accepted()
        finally:
            log.close()
        self.env["ir.config_parameter"].sudo().set_param(PARAM + "vocabularies_todo", ",".join(todo))
        self._progress(1, len(todo))

    @api.model
    def _store_terms(self, vocabulary, terms):
        """Bring the Atlas's terms of one vocabulary in: a term is matched by UUID, else by its normalised name
        (the Atlas's UUIDs may differ from the seeded ones), and then carries the Atlas's UUID and name. Terms the
        Atlas no longer lists are archived, never deleted (they may be in use); applications left on an archived
        term are moved to its successor of the same name, or told in words to choose another term."""
        Term = self.env["ncc.atlas.term"].with_context(active_test=False)
        local = Term.search([("vocabulary", "=", vocabulary)], order="active desc, id")
        listed = {term.id for term in terms}
        by_uuid = {t.atlas_uuid: t for t in local if t.atlas_uuid}
        by_name = defaultdict(list)  # terms the Atlas does not know by their UUID, to be matched by name
        for record in local:
            if record.atlas_uuid not in listed:
                by_name[normalize_name(record.name)].append(record)
        existing = {}
        seen = Term
        for term in terms:
            vals = {"name": term.name, "description": term.description or False, "active": True}
            if term.iso_code:
                vals["iso_code"] = term.iso_code
            record = by_uuid.get(term.id)
            if not record and by_name.get(normalize_name(term.name)):
                record = by_name[normalize_name(term.name)].pop(0)
                vals["atlas_uuid"] = term.id  # adopt the Atlas's UUID
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
        (local - seen).filtered("active").write({"active": False})
        self._move_off_archived_terms(vocabulary)
        return seen

    @api.model
    def _move_off_archived_terms(self, vocabulary):
        """No application stays on an archived term: it moves to the active term of the same name (a duplicate
        made earlier), or is told in words which term to replace."""
        Term = self.env["ncc.atlas.term"].with_context(active_test=False)
        archived = Term.search([("vocabulary", "=", vocabulary), ("active", "=", False)])
        if not archived:
            return
        Partner = self.env["res.partner"]
        fields_ = Partner._ncc_term_fields(vocabulary)
        users = Partner.search(["|"] * (len(fields_) - 1) + [(f, "in", archived.ids) for f in fields_])
        if not users:
            return
        active = {normalize_name(t.name): t for t in Term.search([("vocabulary", "=", vocabulary),
                                                                   ("active", "=", True)])}
        successors = {t: active.get(normalize_name(t.name)) for t in archived}
        Partner._ncc_replace_terms(users, fields_, {t: s for t, s in successors.items() if s})
        gone = archived.filtered(lambda t: not successors[t])
        if gone:
            users._ncc_terms_withdrawn(fields_, gone)

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
        self._key_accepted()
        return True, _("Connected. The key belongs to the Atlas user %s.", owner)


class _ExchangeLog:
    """The client's ``on_exchange`` in a scheduled run or a person's send: every exchange goes to the sync log as
    soon as it ends, on a transaction of its own (so a rollback or a crash of the batch cannot erase the record of
    a request that reached the Atlas), for the registration being worked on. Once the batch's outcomes are
    committed, its entries are marked recorded. It also watches for an outage: exchanges in a row that got no
    answer from the Atlas."""

    def __init__(self, sync, operation):
        self.sync = sync
        self.operation = operation
        self.partner = None
        self.ids = []
        self.silent = 0  # exchanges in a row without an answer
        self.answered = False  # the Atlas answered at least once with the key accepted
        self.writer = SyncLogWriter(sync.env)

    def __call__(self, exchange):
        self.ended([(self.partner, exchange)])

    def ended(self, exchanges):
        """Exchanges ``[(key, exchange)]`` that ended, logged together (one commit): those of the requests sent
        side by side, each on the application it was for, or (a key naming an operation) for the whole batch."""
        Log = self.sync.env["ncc.atlas.sync.log"]
        vals_list = []
        for key, exchange in exchanges:
            partner, operation = (None, key) if isinstance(key, str) else (key, self.operation)
            if exchange.outcome in ("retryable", "unknown") and exchange.status is None:
                self.silent += 1
            else:
                self.silent = 0
                self.answered = self.answered or exchange.outcome != "authentication"
            vals_list.append(Log._exchange_vals(exchange, partner, operation, recorded=False))
        self.ids += self.writer.write(vals_list)

    @property
    def outage(self):
        return self.silent >= OUTAGE_EXCHANGES

    def close(self):
        self.writer.close()
        self.sync.env["ncc.atlas.sync.log"]._mark_recorded(self.ids)
        self.ids = []


def _find_by_numbers(client, numbers, country_uuid):
    return client.find_clusters_by_numbers(numbers, country_uuid)


class _AtlasValues(dict):
    """The Atlas values of a batch's applications, each computed when first asked for: those of the linked ones
    before the batch's read (they tell which have nothing to send), the others as each is sent, so that the first
    create leaves without waiting for the values of the whole batch."""

    __slots__ = ("send_country",)

    def __init__(self, send_country):
        super().__init__()
        self.send_country = send_country

    def __missing__(self, partner):
        values = self[partner] = partner._ncc_atlas_values(send_country=self.send_country)
        return values


class _Deferred:
    """The request that ends a registration's exchange, to be sent side by side with the batch's others:
    ``request(client)`` runs in a thread of the pool (HTTP only), ``finish(client, answer)`` in the batch's own
    thread, in order, and returns what `_push_one` returns."""

    __slots__ = ("finish", "request")

    def __init__(self, request, finish):
        self.request = request
        self.finish = finish


def normalize_name(name):
    """A term's name as compared across the Atlas and the seeds: Unicode-normalised, case- and space-insensitive."""
    return re.sub(r"\s+", " ", unicodedata.normalize("NFKC", name or "")).strip().casefold()


class _SavepointOnWrite:
    """A savepoint opened only when called: most pushes write nothing before their requests (what they learn is
    recorded for the whole batch afterwards), and a savepoint each would cost more than their own queries. Called
    before a write that a later failure must undo; rolled back when the block fails after that."""

    def __init__(self, cr):
        self._cr = cr
        self._savepoint = None

    @property
    def opened(self):
        """Something was written since the block began (a failure of the request must undo it)."""
        return self._savepoint is not None

    def __call__(self):
        if self._savepoint is None:
            self._savepoint = self._cr.savepoint()

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, traceback):
        if self._savepoint is not None:
            self._savepoint.close(rollback=exc_type is not None)

