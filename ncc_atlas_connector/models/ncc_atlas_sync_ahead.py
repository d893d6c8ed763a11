"""The next batch's look-up and read, asked by the batch before it.

The scheduled push sends one batch per call, and Odoo's cron runner calls it again at once while applications
remain. A batch's look-up (of its new applications) and read (of its linked ones) are requests all its creates and
updates wait for. So the batch before it asks them, in its pool's spare threads of its last round, and they are kept
here, in the process, for the next call of the same run: that batch starts sending at once.

Both are reads, and an answer is used only where it still holds: for an application whose row is the version the
batch before saw (PostgreSQL's ``xmin``, which every committed change of the row renews: an officer's edit, a
person's "Send now", a link made by the import) and with no exchange logged for it since (a "Send now" that failed
after its request reached the Atlas changed nothing on the row), in the same run of the job, within
``AHEAD_SECONDS``. Anything else is asked again, as without it: an answer left unused cost one read, nothing else."""

import threading
import time

from odoo import api, models
from odoo.tools import SQL

AHEAD_SECONDS = 30  # an answer older than this is asked again (the run was held up, or it ended)

_held = {}  # (database, job, end of the run, Atlas URL, default country) -> _Ahead: one per job and database
_held_lock = threading.Lock()


class _Ahead:
    """What the batch before asked for the next one: the version of each row it saw, its look-ups (``[(keys,
    answer)]``, ``keys`` the ``(partner id, number)`` it searched, ``answer()`` their candidates by number) and its
    read (``answer()`` the registrations of ``read_ids``)."""

    __slots__ = ("asked", "look_ups", "read", "read_ids", "valid", "versions")

    def __init__(self, versions, look_ups, read, read_ids):
        self.asked = time.monotonic()
        self.versions = versions
        self.look_ups = look_ups
        self.read = read
        self.read_ids = read_ids
        self.valid = set()  # the ids whose row is still the version seen, once taken

    def look_up(self, single):
        """The answer of a kept look-up that searched every ``(partner, number)`` of ``single``, or None (then it
        is asked again: also when the kept one failed, so that a lost answer costs one search, not one each)."""
        keys = {(partner.id, number) for partner, number in single}
        if not all(partner.id in self.valid for partner, _number in single):
            return None
        answer = next((answer for searched, answer in self.look_ups if keys <= searched), None)
        try:
            answer and answer()
        except Exception:  # noqa: BLE001 - whatever the search met, the batch's own search meets again
            return None
        return answer

    def read_for(self, linked):
        """``(registrations by UUID, partners still to read)`` for these linked partners."""
        covered = linked.filtered(lambda p: p.id in self.valid and p.id in self.read_ids)
        if not covered or self.read is None:
            return {}, linked
        try:
            clusters = self.read()
        except Exception:  # noqa: BLE001 - whatever the read met is met again by the batch's own read
            return {}, linked
        uuids = set(covered.mapped("ncc_atlas_uuid"))
        return {c.id: c for c in clusters if c.id in uuids}, linked - covered


class NccAtlasSync(models.AbstractModel):
    _inherit = "ncc.atlas.sync"

    @api.model
    def _ahead_key(self, client, conf):
        """Whose kept answers these are: this database, this run of the job (the cron runner's end time is its
        own for each run), this Atlas and default country. None outside a scheduled run."""
        context = self.env.context
        if not context.get("cron_id") or "cron_end_time" not in context:
            return None
        return (self.env.cr.dbname, context["cron_id"], context["cron_end_time"], client.settings.url,
                conf["country"].id)

    @api.model
    def _row_versions(self, partners):
        """``{partner id: (row version, exchanges logged for it)}``. The count catches an exchange that changed
        nothing on the row (a "Send now" that failed after its request reached the Atlas): the sync log keeps it,
        on a transaction of its own."""
        if not partners:
            return {}
        self.env.cr.execute(SQL(
            """SELECT p.id, p.xmin::text,
                      (SELECT count(*) FROM ncc_atlas_sync_log l WHERE l.partner_id = p.id)
                 FROM res_partner p WHERE p.id IN %s""", tuple(partners.ids)))
        return {pid: (version, exchanges) for pid, version, exchanges in self.env.cr.fetchall()}

    @api.model
    def _take_ahead(self, key, partners):
        """The answers the batch before asked for these partners, where they still hold; None when none."""
        if key is None:
            return None
        with _held_lock:
            ahead = _held.pop(key, None)
        if ahead is None or time.monotonic() - ahead.asked > AHEAD_SECONDS:
            return None
        current = self._row_versions(partners)
        ahead.valid = {pid for pid, version in current.items() if ahead.versions.get(pid) == version}
        return ahead if ahead.valid else None

    @api.model
    def _ask_ahead(self, pool, batch, domain, conf):
        """Send the next batch's look-ups and read in the pool (after this batch's requests); returns what to keep
        once they are answered, or None when there is no next batch."""
        upcoming = self.env["res.partner"].search(domain + [("id", "not in", batch.ids)], order="id",
                                                  limit=conf["batch_size"])
        if not upcoming:
            return None
        versions = self._row_versions(upcoming)
        unlinked = upcoming.filtered(lambda p: not p.ncc_atlas_uuid and not p.ncc_force_create)
        look_ups = [
            ({(partner.id, number) for partner, number in single}, pool.start("look-up", request).result)
            for single, request in self._look_up_searches(unlinked, conf)
        ]
        linked = upcoming.filtered("ncc_atlas_uuid")
        read = None
        if linked:
            uuids = linked.mapped("ncc_atlas_uuid")
            read = pool.start("read", lambda client: client.clusters_by_ids(uuids)).result
        return _Ahead(versions, look_ups, read, set(linked.ids))

    @api.model
    def _keep_ahead(self, key, ahead):
        """Keep ``ahead`` for the next call of this run, in place of anything an earlier run of the job left (a run
        whose time was up after a full batch) and of anything too old to be used."""
        now = time.monotonic()
        with _held_lock:
            for old in [k for k, kept in _held.items() if k[:2] == key[:2] or now - kept.asked > AHEAD_SECONDS]:
                del _held[old]
            _held[key] = ahead
