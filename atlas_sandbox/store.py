"""The sandbox's storage: SQLite (a file, or ``:memory:``), one connection guarded by a lock, so that the threaded
HTTP server and the test process can share it safely.

Registrations are indexed on what the clients look them up by (spec §7): registration number with country, owner,
title; a search reads only the registrations it may match, so it costs the same at any number of registrations.

Terms are seeded from the vocabularies the addon ships (``ncc_atlas_connector/data/ncc.atlas.term.csv``): the
Atlas's UUIDs, which the sandbox and the addon must agree on. That is data, not code: the sandbox reads it as a
CSV file and imports nothing from the addon.
"""

import csv
import json
import sqlite3
import threading
import uuid as uuidlib
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

TERMS_CSV = Path(__file__).resolve().parents[1] / 'ncc_atlas_connector' / 'data' / 'ncc.atlas.term.csv'

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS term (
    tid INTEGER PRIMARY KEY,
    uuid TEXT NOT NULL UNIQUE,
    vocabulary TEXT NOT NULL,
    name TEXT NOT NULL,
    description TEXT,
    parent TEXT,
    iso_code TEXT,
    weight INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS cluster (
    nid INTEGER PRIMARY KEY AUTOINCREMENT,
    uuid TEXT NOT NULL UNIQUE,
    owner TEXT NOT NULL,
    moderation_state TEXT NOT NULL,
    created TEXT NOT NULL,
    changed TEXT NOT NULL,
    revision_log TEXT,
    attributes TEXT NOT NULL,
    relationships TEXT NOT NULL
);
"""

#: The looked-up keys of a registration, kept beside its JSON and indexed (see ``_keys``).
_KEYS = ('registration_number', 'country', 'title')
_INDEXES = """
CREATE INDEX IF NOT EXISTS cluster_registration ON cluster (registration_number, country);
CREATE INDEX IF NOT EXISTS cluster_owner ON cluster (owner);
CREATE INDEX IF NOT EXISTS cluster_title ON cluster (title);
"""


def _iso(moment: datetime) -> str:
    return moment.isoformat(timespec='microseconds')


class Store:
    """Terms, registrations and a few facts (user UUIDs, the last ``changed``) in SQLite."""

    def __init__(self, db: str = ':memory:', terms_csv: Path | None = None):
        self.path = str(db)
        self.lock = threading.RLock()
        self._db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
        self._db.row_factory = sqlite3.Row
        self._db.executescript(_SCHEMA)
        self.seed_terms(Path(terms_csv) if terms_csv else TERMS_CSV)
        self._index_clusters()

    def _index_clusters(self) -> None:
        """Add the key columns and their indexes, filling them in for a database written before they existed."""
        with self.lock:
            columns = {row['name'] for row in self._db.execute('PRAGMA table_info(cluster)')}
            missing = [key for key in _KEYS if key not in columns]
            for key in missing:
                self._db.execute(f'ALTER TABLE cluster ADD COLUMN {key} TEXT')
            self._db.executescript(_INDEXES)
            if missing:
                with self.transaction() as db:
                    for row in db.execute('SELECT * FROM cluster').fetchall():
                        record = self._cluster(row)
                        db.execute('UPDATE cluster SET registration_number = ?, country = ?, title = ? WHERE nid = ?',
                                   (*self._keys(record['attributes'], record['relationships']), record['nid']))

    def close(self) -> None:
        with self.lock:
            self._db.close()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        with self.lock:
            self._db.execute('BEGIN IMMEDIATE')
            try:
                yield self._db
            except BaseException:
                self._db.execute('ROLLBACK')
                raise
            self._db.execute('COMMIT')

    # ------------------------------------------------------------------------------------------------------- facts

    def meta(self, key: str, default: str | None = None) -> str | None:
        with self.lock:
            row = self._db.execute('SELECT value FROM meta WHERE key = ?', (key,)).fetchone()
        return row['value'] if row else default

    def set_meta(self, key: str, value: str) -> None:
        with self.lock:
            self._db.execute('INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)', (key, value))

    def user_uuid(self, role: str, seed: str) -> str:
        """The UUID of the sandbox user playing ``role``, created once and kept in the database (so a restart with
        another key keeps the owner of the stored registrations)."""
        with self.lock:
            value = self.meta(f'user:{role}')
            if value is None:
                value = str(uuidlib.uuid5(uuidlib.NAMESPACE_URL, f'atlas-sandbox:{role}:{seed}'))
                self.set_meta(f'user:{role}', value)
            return value

    def next_changed(self) -> str:
        """A ``changed`` timestamp later than every one handed out before, even within the same microsecond."""
        with self.lock:
            now = datetime.now(timezone.utc)
            last = self.meta('last_changed')
            if last is not None:
                previous = datetime.fromisoformat(last)
                if now <= previous:
                    now = previous + timedelta(microseconds=1)
            value = _iso(now)
            self.set_meta('last_changed', value)
            return value

    # ------------------------------------------------------------------------------------------------------- terms

    def seed_terms(self, csv_path: Path) -> int:
        """Load (or refresh) the vocabularies from the addon's term CSV; returns the number of terms."""
        with csv_path.open(newline='', encoding='utf-8') as handle:
            rows = list(csv.DictReader(handle))
        uuid_of = {row['id']: row['atlas_uuid'] for row in rows}
        with self.transaction() as db:
            for weight, row in enumerate(rows):
                parent = uuid_of.get(row.get('parent_id:id') or '')
                db.execute(
                    'INSERT INTO term (uuid, vocabulary, name, parent, iso_code, weight) VALUES (?, ?, ?, ?, ?, ?) '
                    'ON CONFLICT (uuid) DO UPDATE SET vocabulary = excluded.vocabulary, name = excluded.name, '
                    'parent = excluded.parent, iso_code = excluded.iso_code, weight = excluded.weight',
                    (row['atlas_uuid'], row['vocabulary'], row['name'], parent, row.get('iso_code') or None, weight),
                )
        return len(rows)

    def terms(self, vocabulary: str) -> list[dict]:
        with self.lock:
            rows = self._db.execute('SELECT * FROM term WHERE vocabulary = ? ORDER BY weight, tid',
                                    (vocabulary,)).fetchall()
        return [dict(row) for row in rows]

    def term(self, uuid: str) -> dict | None:
        with self.lock:
            row = self._db.execute('SELECT * FROM term WHERE uuid = ?', (uuid,)).fetchone()
        return dict(row) if row else None

    def country_by_iso(self, iso_code: str) -> str | None:
        with self.lock:
            row = self._db.execute("SELECT uuid FROM term WHERE vocabulary = 'country' AND iso_code = ?",
                                   (iso_code,)).fetchone()
        return row['uuid'] if row else None

    def vocabularies(self) -> list[str]:
        with self.lock:
            return [row[0] for row in self._db.execute('SELECT DISTINCT vocabulary FROM term')]

    # -------------------------------------------------------------------------------------------------- clusters

    @staticmethod
    def _cluster(row: sqlite3.Row) -> dict:
        record = dict(row)
        record['attributes'] = json.loads(record['attributes'])
        record['relationships'] = json.loads(record['relationships'])
        return record

    def _keys(self, attributes: dict, relationships: dict) -> tuple:
        """Registration number, country term and title, as the filters compare them: the stored text exactly (the
        Atlas's filters match exactly), the country sent or else the one of the address."""
        number = attributes.get('field_registration_number')
        country = relationships.get('field_country')
        if not country:
            address = attributes.get('field_address')
            code = address.get('country_code') if isinstance(address, dict) else None
            country = self.country_by_iso(code) if code else None
        title = attributes.get('title')
        return (number if isinstance(number, str) else None, country, title if isinstance(title, str) else None)

    def clusters(self, **keys: Any) -> list[dict]:
        """Every registration, or those whose keys are equal to the given ones (or to one of them, given a list),
        from the indexes: ``uuids`` (a list), ``owner``, ``registration_number``, ``country``, ``title``."""
        where, params = [], []
        for name, value in keys.items():
            if name == 'uuids':
                where.append(f'uuid IN ({", ".join("?" * len(value))})')
                params += list(value)
            elif name in (*_KEYS, 'owner') and isinstance(value, list):
                where.append(f'{name} IN ({", ".join("?" * len(value))})')
                params += list(value)
            elif name in (*_KEYS, 'owner'):
                where.append(f'{name} = ?')
                params.append(value)
            else:
                raise KeyError(name)
        sql = 'SELECT * FROM cluster' + (f' WHERE {" AND ".join(where)}' if where else '') + ' ORDER BY nid'
        with self.lock:
            rows = self._db.execute(sql, params).fetchall()
        return [self._cluster(row) for row in rows]

    def count_by_state(self) -> dict[str, int]:
        with self.lock:
            rows = self._db.execute('SELECT moderation_state, COUNT(*) FROM cluster GROUP BY moderation_state')
            return {row[0]: row[1] for row in rows}

    def cluster(self, uuid: str) -> dict | None:
        with self.lock:
            row = self._db.execute('SELECT * FROM cluster WHERE uuid = ?', (uuid,)).fetchone()
        return self._cluster(row) if row else None

    def insert_cluster(self, uuid: str, owner: str, state: str, attributes: dict, relationships: dict) -> dict:
        with self.lock:
            changed = self.next_changed()
            with self.transaction() as db:
                db.execute(
                    'INSERT INTO cluster (uuid, owner, moderation_state, created, changed, attributes, relationships, '
                    'registration_number, country, title) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
                    (uuid, owner, state, changed, changed, json.dumps(attributes), json.dumps(relationships),
                     *self._keys(attributes, relationships)),
                )
            return self.cluster(uuid)

    def update_cluster(self, uuid: str, *, state: str | None = None, attributes: dict | None = None,
                       relationships: dict | None = None, revision_log: Any = ...) -> dict:
        """Apply a change (merging attributes and relationships) and move ``changed``."""
        with self.lock:
            record = self.cluster(uuid)
            if record is None:
                raise KeyError(uuid)
            merged_attributes = {**record['attributes'], **(attributes or {})}
            merged_relationships = {**record['relationships'], **(relationships or {})}
            log = record['revision_log'] if revision_log is ... else revision_log
            with self.transaction() as db:
                db.execute(
                    'UPDATE cluster SET moderation_state = ?, changed = ?, revision_log = ?, attributes = ?, '
                    'relationships = ?, registration_number = ?, country = ?, title = ? WHERE uuid = ?',
                    (state or record['moderation_state'], self.next_changed(), log, json.dumps(merged_attributes),
                     json.dumps(merged_relationships), *self._keys(merged_attributes, merged_relationships), uuid),
                )
            return self.cluster(uuid)

    def clear_clusters(self) -> None:
        with self.transaction() as db:
            db.execute('DELETE FROM cluster')
