"""Introductions, relationships, bans and the outbox in the SQLite store: the tables, the dialect, and the
store's schema versions (SQLite's `user_version`), which carry existing stores forward when they open.

The statements themselves are shared with PostgreSQL (ledger.py, relationships.py); the same tables there
are migrations/0004_relationships.sql.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager

from .ledger import Dialect, Ledger, committed_sql
from .relationships import RelationshipStore

RELATIONSHIP_SCHEMA = """
CREATE TABLE IF NOT EXISTS requests (
    id TEXT PRIMARY KEY,
    mentee_id TEXT NOT NULL,
    mentor_id TEXT NOT NULL,
    style TEXT NOT NULL,
    long_term INTEGER NOT NULL,
    need TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('pending', 'accepted', 'declined', 'expired', 'withdrawn')),
    created_at REAL NOT NULL,
    expires_at REAL NOT NULL,
    reason TEXT,
    answered_at REAL,
    relationship_id TEXT,
    created_by TEXT
);
CREATE INDEX IF NOT EXISTS requests_mentee ON requests(mentee_id, state);
CREATE INDEX IF NOT EXISTS requests_mentor ON requests(mentor_id, state);
CREATE INDEX IF NOT EXISTS requests_due ON requests(expires_at) WHERE state = 'pending';
CREATE INDEX IF NOT EXISTS requests_places ON requests(mentor_id, expires_at) WHERE state = 'pending' AND long_term;
CREATE TABLE IF NOT EXISTS relationships (
    id TEXT PRIMARY KEY,
    origin TEXT NOT NULL CHECK (origin IN ('request', 'programme')),
    mentee_id TEXT,
    mentor_id TEXT NOT NULL,
    style TEXT NOT NULL,
    long_term INTEGER NOT NULL,
    need TEXT NOT NULL,
    plan TEXT NOT NULL DEFAULT '[]',
    sessions_planned INTEGER NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('active', 'completed', 'ended')),
    started_at REAL NOT NULL,
    request_id TEXT,
    programme_id TEXT,
    mentee_key TEXT,
    end_reason TEXT,
    ended_by TEXT,
    ended_at REAL
);
CREATE INDEX IF NOT EXISTS relationships_mentee ON relationships(mentee_id, state);
CREATE INDEX IF NOT EXISTS relationships_mentor ON relationships(mentor_id, state);
CREATE INDEX IF NOT EXISTS relationships_programme ON relationships(programme_id);
CREATE INDEX IF NOT EXISTS relationships_places ON relationships(mentor_id) WHERE state = 'active' AND long_term;
CREATE TABLE IF NOT EXISTS relationship_sessions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    relationship_id TEXT NOT NULL,
    date TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('done', 'missed')),
    plan_item INTEGER,
    logged_by TEXT NOT NULL,
    logged_at REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS relationship_sessions_of ON relationship_sessions(relationship_id);
CREATE TABLE IF NOT EXISTS relationship_fits (
    relationship_id TEXT NOT NULL,
    side TEXT NOT NULL CHECK (side IN ('mentee', 'mentor')),
    fit TEXT NOT NULL CHECK (fit IN ('good', 'still_deciding', 'not_a_fit')),
    answered_at REAL NOT NULL,
    PRIMARY KEY (relationship_id, side)
);
CREATE TABLE IF NOT EXISTS never_again (
    mentee_id TEXT NOT NULL,
    mentor_id TEXT NOT NULL,
    reason TEXT NOT NULL CHECK (reason IN ('declined', 'not_a_fit')),
    source_id TEXT,
    created_at REAL NOT NULL,
    PRIMARY KEY (mentee_id, mentor_id)
);
CREATE INDEX IF NOT EXISTS never_again_mentor ON never_again(mentor_id);
CREATE TABLE IF NOT EXISTS outbox (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    event_id TEXT NOT NULL UNIQUE,
    type TEXT NOT NULL,
    payload TEXT NOT NULL,
    mentee_id TEXT,
    mentor_id TEXT,
    created_at REAL NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at REAL,
    delivered_at REAL,
    last_error TEXT
);
CREATE INDEX IF NOT EXISTS outbox_due ON outbox(next_attempt_at) WHERE delivered_at IS NULL;
CREATE INDEX IF NOT EXISTS outbox_mentee ON outbox(mentee_id);
CREATE INDEX IF NOT EXISTS outbox_mentor ON outbox(mentor_id);
CREATE TABLE IF NOT EXISTS webhook_deliveries (
    outbox_id INTEGER NOT NULL REFERENCES outbox(id) ON DELETE CASCADE,
    receiver TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at REAL,
    delivered_at REAL,
    last_error TEXT,
    PRIMARY KEY (outbox_id, receiver)
);
CREATE INDEX IF NOT EXISTS webhook_deliveries_due ON webhook_deliveries(receiver, next_attempt_at)
    WHERE next_attempt_at IS NOT NULL;
CREATE TABLE IF NOT EXISTS activity (
    person_id TEXT PRIMARY KEY,
    last_active REAL,
    answered INTEGER NOT NULL DEFAULT 0,
    expired INTEGER NOT NULL DEFAULT 0,
    first_asked REAL
);
"""


def _touch(conn: sqlite3.Connection, profile_ids: set[str]) -> None:
    """Give these profiles a new change number (in the caller's transaction), so catalogs catch up with them."""
    conn.execute("UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key = 'seq'")
    seq = int(conn.execute("SELECT value FROM meta WHERE key = 'seq'").fetchone()[0])
    conn.executemany("UPDATE profiles SET seq = ? WHERE id = ?", [(seq, pid) for pid in sorted(profile_ids)])


SQLITE = Dialect(
    "sqlite",
    "?",
    "((julianday('now') - 2440587.5) * 86400.0)",
    "CAST(json_extract(profiles.data, '$.capacity') AS INTEGER)",
    _touch,
)

# The places a profile's ledger takes (StoredProfile.committed), read with every profile.
COMMITTED = committed_sql(SQLITE)

# Forward-only steps of an existing store, by the `user_version` they bring it to. Each runs once, in the
# transaction that sets the version (two processes opening an old store at once take turns).
_CARRY_PUBLISHED_PAIRS = """
INSERT INTO relationships (id, origin, mentee_id, mentor_id, style, long_term, need, plan, sessions_planned, state,
                           started_at, programme_id, mentee_key)
SELECT 'rel-' || lower(hex(randomblob(8))), 'programme', pp.mentee_profile_id, pp.mentor_id,
       COALESCE(json_extract(p.spec, '$.style'), 'any'), pp.long_term, COALESCE(c.need, ''), pp.plan,
       MAX(1, COALESCE(NULLIF(json_array_length(pp.plan), 0), json_extract(p.spec, '$.sessions'), 1)), 'active',
       COALESCE(p.published_at, p.updated_at), pp.programme_id, pp.mentee_key
FROM programme_pairs pp JOIN programmes p ON p.id = pp.programme_id
LEFT JOIN programme_cohort c ON c.programme_id = pp.programme_id AND c.key = pp.mentee_key
WHERE pp.status = 'published' AND pp.mentor_id IS NOT NULL AND NOT EXISTS (
    SELECT 1 FROM relationships r WHERE r.programme_id = pp.programme_id AND r.mentee_key = pp.mentee_key)
"""
MIGRATIONS = {1: (_CARRY_PUBLISHED_PAIRS,)}
SCHEMA_VERSION = max(MIGRATIONS)


def migrate(conn: sqlite3.Connection) -> list[int]:
    """Bring a store opened at an older `user_version` up to SCHEMA_VERSION; returns the versions applied.

    Version 1 (introductions and relationships): every programme pair published before carries forward
    as an active relationship (one ledger of places: matches, programmes and requests read the same).
    """
    if int(conn.execute("PRAGMA user_version").fetchone()[0]) >= SCHEMA_VERSION:
        return []
    applied = []
    conn.execute("BEGIN IMMEDIATE")
    try:
        version = int(conn.execute("PRAGMA user_version").fetchone()[0])
        for target in sorted(v for v in MIGRATIONS if v > version):
            for statement in MIGRATIONS[target]:
                conn.execute(statement)
            conn.execute(f"PRAGMA user_version = {int(target)}")
            applied.append(target)
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    return applied


class SQLiteRelationships(RelationshipStore):
    """The store's introductions and relationships over SQLiteStore's connection (`self.conn`, `self._write()`)."""

    @contextmanager
    def _ledger(self) -> Iterator[Ledger]:
        """A change of introductions or relationships: BEGIN IMMEDIATE, so one writer at a time."""
        with self._write() as conn:
            yield Ledger(conn, SQLITE)

    _outbox_tx = _ledger  # SQLite has one writer at a time, whatever the change

    @contextmanager
    def _reading(self) -> Iterator[Ledger]:
        yield Ledger(self.conn, SQLITE)
