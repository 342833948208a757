"""Programmes in the SQLite store: definitions, cohorts, pairs and bans, and publishing in one transaction.

A mixin of SQLiteStore (sqlite.py): it uses the store's connection and transactions. What each method
promises is in base.ProfileStore.
"""

from __future__ import annotations

import json
import sqlite3
import time

from ..errors import OverCommitted
from .base import CohortRecord, PairRecord, ProgrammeRecord, spec_without_mentor
from .ledger import Ledger
from .relationships import end_programme_relationships, start_programme_relationships
from .sqlite_relationships import COMMITTED, SQLITE

PROGRAMME_SCHEMA = """
CREATE TABLE IF NOT EXISTS programmes (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    spec TEXT NOT NULL,
    status TEXT NOT NULL,
    runs INTEGER NOT NULL DEFAULT 0,
    created_at REAL NOT NULL,
    updated_at REAL NOT NULL,
    published_at REAL
);
CREATE TABLE IF NOT EXISTS programme_cohort (
    programme_id TEXT NOT NULL REFERENCES programmes(id) ON DELETE CASCADE,
    key TEXT NOT NULL,
    position INTEGER NOT NULL,
    profile_id TEXT,
    need TEXT NOT NULL,
    mentee TEXT,
    PRIMARY KEY (programme_id, key)
);
CREATE INDEX IF NOT EXISTS programme_cohort_profile ON programme_cohort(profile_id);
CREATE TABLE IF NOT EXISTS programme_pairs (
    programme_id TEXT NOT NULL REFERENCES programmes(id) ON DELETE CASCADE,
    mentee_key TEXT NOT NULL,
    mentee_profile_id TEXT,
    mentor_id TEXT,
    score REAL,
    status TEXT NOT NULL,
    reason TEXT,
    evidence TEXT NOT NULL DEFAULT '[]',
    plan TEXT NOT NULL DEFAULT '[]',
    run INTEGER NOT NULL DEFAULT 0,
    long_term INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (programme_id, mentee_key)
);
CREATE INDEX IF NOT EXISTS programme_pairs_mentor ON programme_pairs(mentor_id, status);
CREATE INDEX IF NOT EXISTS programme_pairs_mentee ON programme_pairs(mentee_profile_id);
CREATE TABLE IF NOT EXISTS programme_bans (
    programme_id TEXT NOT NULL REFERENCES programmes(id) ON DELETE CASCADE,
    mentee_key TEXT NOT NULL,
    mentor_id TEXT NOT NULL,
    PRIMARY KEY (programme_id, mentee_key, mentor_id)
);
CREATE INDEX IF NOT EXISTS programme_bans_mentor ON programme_bans(mentor_id);
"""

_PAIR_COLUMNS = "mentee_key, mentee_profile_id, mentor_id, score, status, reason, evidence, plan, run"


def _pair(row) -> PairRecord:
    return PairRecord(
        row[0], row[1], row[2], row[3], row[4], row[5], tuple(json.loads(row[6])), tuple(json.loads(row[7])), row[8]
    )


def _programme(row) -> ProgrammeRecord:
    return ProgrammeRecord(row[0], row[1], json.loads(row[2]), row[3], row[4], row[5], row[6], row[7])


class SQLiteProgrammes:
    """Programme storage over the SQLite store's connection (`self.conn`, `self._write()`)."""

    def create_programme(self, record: ProgrammeRecord, cohort: list[CohortRecord]) -> None:
        """Store a new programme and its cohort."""
        with self._write() as conn:
            conn.execute(
                "INSERT INTO programmes(id, name, spec, status, runs, created_at, updated_at, published_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    record.id,
                    record.name,
                    json.dumps(record.spec, ensure_ascii=False),
                    record.status,
                    record.runs,
                    record.created_at,
                    record.updated_at,
                    record.published_at,
                ),
            )
            conn.executemany(
                "INSERT INTO programme_cohort(programme_id, key, position, profile_id, need, mentee) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                [
                    (
                        record.id,
                        m.key,
                        m.position,
                        m.profile_id,
                        m.need,
                        None if m.mentee is None else json.dumps(m.mentee, ensure_ascii=False),
                    )
                    for m in cohort
                ],
            )

    def programme(self, programme_id: str) -> ProgrammeRecord | None:
        """The programme with this id, or None."""
        row = self.conn.execute(
            "SELECT id, name, spec, status, runs, created_at, updated_at, published_at FROM programmes WHERE id = ?",
            (programme_id,),
        ).fetchone()
        return None if row is None else _programme(row)

    def programmes(self) -> list[ProgrammeRecord]:
        """Every programme, newest first."""
        rows = self.conn.execute(
            "SELECT id, name, spec, status, runs, created_at, updated_at, published_at "
            "FROM programmes ORDER BY created_at DESC, id"
        ).fetchall()
        return [_programme(row) for row in rows]

    def cohort(self, programme_id: str) -> list[CohortRecord]:
        """A programme's cohort, in its order."""
        rows = self.conn.execute(
            "SELECT key, position, profile_id, need, mentee FROM programme_cohort "
            "WHERE programme_id = ? ORDER BY position",
            (programme_id,),
        ).fetchall()
        return [CohortRecord(r[0], r[1], r[2], r[3], None if r[4] is None else json.loads(r[4])) for r in rows]

    def pairs(self, programme_id: str) -> list[PairRecord]:
        """A programme's pairs and unmatched members, by mentee key."""
        rows = self.conn.execute(
            f"SELECT {_PAIR_COLUMNS} FROM programme_pairs WHERE programme_id = ? ORDER BY mentee_key", (programme_id,)
        ).fetchall()
        return [_pair(row) for row in rows]

    def bans(self, programme_id: str) -> set[tuple[str, str]]:
        """The (mentee key, mentor id) pairs never to propose in this programme."""
        return {
            (r[0], r[1])
            for r in self.conn.execute(
                "SELECT mentee_key, mentor_id FROM programme_bans WHERE programme_id = ?", (programme_id,)
            )
        }

    def save_pairs(
        self, programme_id: str, pairs: list[PairRecord], bans: list[tuple[str, str]] = (), run: int | None = None
    ) -> None:
        """Replace the records of these mentees (never a published one), add bans, count a run. A programme
        deleted meanwhile: nothing is saved (its foreign keys are not enforced: no orphan rows). A person
        erased meanwhile (a member no longer in the cohort, a mentor no longer stored): their records
        and bans are not saved, so a run that started before an erasure cannot bring them back."""
        with self._write() as conn:
            runs = "runs + 1" if run is not None else "runs"
            if (
                conn.execute(
                    f"UPDATE programmes SET updated_at = ?, runs = {runs} WHERE id = ?", (time.time(), programme_id)
                ).rowcount
                == 0
            ):
                return
            members = {
                r[0] for r in conn.execute("SELECT key FROM programme_cohort WHERE programme_id = ?", (programme_id,))
            }
            named = list({p.mentor_id for p in pairs if p.mentor_id} | {mentor for _, mentor in bans})
            stored = {
                r[0]
                for r in conn.execute(
                    "SELECT id FROM profiles WHERE id IN (SELECT value FROM json_each(?))", (json.dumps(named),)
                )
            }
            pairs = [p for p in pairs if p.mentee_key in members and (p.mentor_id is None or p.mentor_id in stored)]
            bans = [(mentee, mentor) for mentee, mentor in bans if mentee in members and mentor in stored]
            conn.executemany(
                f"INSERT INTO programme_pairs(programme_id, {_PAIR_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
                "ON CONFLICT(programme_id, mentee_key) DO UPDATE SET mentee_profile_id = excluded.mentee_profile_id, "
                "mentor_id = excluded.mentor_id, score = excluded.score, status = excluded.status, "
                "reason = excluded.reason, evidence = excluded.evidence, plan = excluded.plan, run = excluded.run "
                "WHERE programme_pairs.status != 'published'",
                [
                    (
                        programme_id,
                        p.mentee_key,
                        p.mentee_profile_id,
                        p.mentor_id,
                        p.score,
                        p.status,
                        p.reason,
                        json.dumps(list(p.evidence), ensure_ascii=False),
                        json.dumps(list(p.plan), ensure_ascii=False),
                        p.run,
                    )
                    for p in pairs
                ],
            )
            conn.executemany(
                "INSERT OR IGNORE INTO programme_bans(programme_id, mentee_key, mentor_id) VALUES (?, ?, ?)",
                [(programme_id, mentee, mentor) for mentee, mentor in bans],
            )

    def publish(self, programme_id: str, long_term: bool) -> list[PairRecord]:
        """Publish every approved and pinned pair, all or nothing (see base.ProfileStore.publish)."""
        with self._write() as conn:  # BEGIN IMMEDIATE: no other publish (or write) until this one commits
            rows = conn.execute(
                f"SELECT {_PAIR_COLUMNS} FROM programme_pairs WHERE programme_id = ? "
                "AND status IN ('approved', 'pinned') AND mentor_id IS NOT NULL ORDER BY mentee_key",
                (programme_id,),
            ).fetchall()
            publishing = [_pair(row) for row in rows]
            if long_term and publishing:
                _check_places(conn, publishing)
            now = time.time()
            conn.execute(
                "UPDATE programme_pairs SET status = 'published', long_term = ? WHERE programme_id = ? "
                "AND status IN ('approved', 'pinned') AND mentor_id IS NOT NULL",
                (int(long_term), programme_id),
            )
            conn.execute(
                "UPDATE programmes SET status = 'published', updated_at = ?, "
                "published_at = COALESCE(published_at, ?) WHERE id = ?",
                (now, now, programme_id),
            )
            # Each pair starts a relationship (one ledger of places, whatever made the pair), with the events.
            start_programme_relationships(Ledger(conn, SQLITE), programme_id, publishing, long_term, now)
            if long_term and publishing:
                # Their capacity left changed: every process's catalog catches up with them.
                _touch(conn, {p.mentor_id for p in publishing})
        return publishing

    def delete_programme(self, programme_id: str) -> bool:
        """Delete a programme, its cohort, pairs and bans (published pairs free their places)."""
        with self._write() as conn:
            # Its relationships end (their history stays, with the reason programme_deleted).
            freed = end_programme_relationships(Ledger(conn, SQLITE), programme_id, time.time())
            for table in ("programme_bans", "programme_pairs", "programme_cohort"):
                conn.execute(f"DELETE FROM {table} WHERE programme_id = ?", (programme_id,))
            deleted = conn.execute("DELETE FROM programmes WHERE id = ?", (programme_id,)).rowcount > 0
            if freed:
                _touch(conn, freed)
        return deleted

    @staticmethod
    def _forget_in_programmes(conn: sqlite3.Connection, profile_id: str) -> set[str]:
        """Erase a person from every programme (in the caller's delete transaction); returns the mentors
        whose published places were freed (their capacity left changed)."""
        freed = {
            r[0]
            for r in conn.execute(
                "SELECT mentor_id FROM programme_pairs WHERE mentee_profile_id = ? AND status = 'published' "
                "AND long_term = 1",
                (profile_id,),
            )
        }
        conn.execute(
            "DELETE FROM programme_pairs WHERE mentee_profile_id = ? OR mentor_id = ?", (profile_id, profile_id)
        )
        conn.execute(
            "DELETE FROM programme_bans WHERE mentor_id = ? OR mentee_key IN "
            "(SELECT key FROM programme_cohort WHERE profile_id = ?)",
            (profile_id, profile_id),
        )
        conn.execute("DELETE FROM programme_cohort WHERE profile_id = ?", (profile_id,))
        naming = conn.execute(
            "SELECT id, spec FROM programmes WHERE EXISTS "
            "(SELECT 1 FROM json_each(programmes.spec, '$.mentors.ids') WHERE value = ?)",
            (profile_id,),
        )
        for programme_id, spec in naming.fetchall():
            changed = spec_without_mentor(json.loads(spec), profile_id)
            if changed is not None:
                conn.execute(
                    "UPDATE programmes SET spec = ? WHERE id = ?",
                    (json.dumps(changed, ensure_ascii=False), programme_id),
                )
        freed.discard(profile_id)
        return freed


def _check_places(conn: sqlite3.Connection, publishing: list[PairRecord]) -> None:
    asked: dict[str, int] = {}
    for pair in publishing:
        asked[pair.mentor_id] = asked.get(pair.mentor_id, 0) + 1
    over: dict[str, tuple[int, int]] = {}
    for mentor, count in asked.items():
        row = conn.execute(
            f"SELECT CAST(json_extract(data, '$.capacity') AS INTEGER), {COMMITTED} FROM profiles WHERE id = ?",
            (mentor,),
        ).fetchone()
        left = 0 if row is None else max(0, int(row[0] or 0) - int(row[1]))
        if count > left:
            over[mentor] = (count, left)
    if over:
        raise OverCommitted(over)


def _touch(conn: sqlite3.Connection, profile_ids: set[str]) -> None:
    """Give these profiles a new change number (in the caller's transaction), so catalogs catch up with them."""
    conn.execute("UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key = 'seq'")
    seq = int(conn.execute("SELECT value FROM meta WHERE key = 'seq'").fetchone()[0])
    conn.executemany("UPDATE profiles SET seq = ? WHERE id = ?", [(seq, pid) for pid in sorted(profile_ids)])
