"""Programmes in the PostgreSQL store: definitions, cohorts, pairs and bans, and publishing in one transaction.

A mixin of PostgresStore (postgres.py): it uses the store's pooled transactions. What each method
promises is in base.ProfileStore; the tables are migrations/0003_programmes.sql. The behaviour is
SQLite's (sqlite_programmes.py); where SQLite gets it from one writer at a time (BEGIN IMMEDIATE),
this module takes row locks, in an order that never lets two transactions wait for each other:

- whatever changes the places taken (`publish`, `delete_programme`, a profile's `delete`) first locks
  the change sequence's row (meta 'seq'), the lock every profile write and delete takes first
  (postgres.py): these run one at a time, so their later locks cannot form a cycle between them;
- `save_pairs` locks its programme's row, then its pairs and bans, and nothing else; `publish` and a
  profile's `delete` lock a programme's row before its pairs too, so a save and they take turns per
  programme.
"""

from __future__ import annotations

import json
import time
from collections import Counter

import psycopg

from ..errors import OverCommitted
from .base import CohortRecord, PairRecord, ProgrammeRecord, spec_without_mentor
from .ledger import Ledger
from .pgledger import COMMITTED, POSTGRES
from .pgseq import hold_seq, touch
from .relationships import end_programme_relationships, start_programme_relationships

_PROGRAMME_COLUMNS = "id, name, spec, status, runs, created_at, updated_at, published_at"
_PAIR_COLUMNS = "mentee_key, mentee_profile_id, mentor_id, score, status, reason, evidence, plan, run"
_PUBLISHABLE = "status IN ('approved', 'pinned') AND mentor_id IS NOT NULL"


def _json(value) -> str:
    return json.dumps(value, ensure_ascii=False)


def _pair(row: tuple) -> PairRecord:
    # json columns arrive decoded (psycopg's json loader).
    return PairRecord(row[0], row[1], row[2], row[3], row[4], row[5], tuple(row[6]), tuple(row[7]), int(row[8]))


def _programme(row: tuple) -> ProgrammeRecord:
    return ProgrammeRecord(row[0], row[1], row[2], row[3], int(row[4]), row[5], row[6], row[7])


class PostgresProgrammes:
    """Programme storage over the PostgreSQL store's pool (`self.pool`, `self._transaction()`)."""

    def create_programme(self, record: ProgrammeRecord, cohort: list[CohortRecord]) -> None:
        """Store a new programme and its cohort (one statement for the whole cohort)."""
        with self._transaction() as cur:
            cur.execute(
                f"INSERT INTO programmes ({_PROGRAMME_COLUMNS}) VALUES (%s, %s, %s::json, %s, %s, %s, %s, %s)",
                (
                    record.id,
                    record.name,
                    _json(record.spec),
                    record.status,
                    record.runs,
                    record.created_at,
                    record.updated_at,
                    record.published_at,
                ),
            )
            if cohort:
                cur.execute(
                    "INSERT INTO programme_cohort (programme_id, key, position, profile_id, need, mentee) "
                    "SELECT %s, u.key, u.position, u.profile_id, u.need, u.mentee::json "
                    "FROM unnest(%s::text[], %s::integer[], %s::text[], %s::text[], %s::text[]) "
                    "AS u(key, position, profile_id, need, mentee)",
                    (
                        record.id,
                        [m.key for m in cohort],
                        [m.position for m in cohort],
                        [m.profile_id for m in cohort],
                        [m.need for m in cohort],
                        [None if m.mentee is None else _json(m.mentee) for m in cohort],
                    ),
                )

    def programme(self, programme_id: str) -> ProgrammeRecord | None:
        """The programme with this id, or None."""
        row = self._one(f"SELECT {_PROGRAMME_COLUMNS} FROM programmes WHERE id = %s", (programme_id,))
        return None if row is None else _programme(row)

    def programmes(self) -> list[ProgrammeRecord]:
        """Every programme, newest first."""
        with self.pool.connection() as conn:
            rows = conn.execute(
                f'SELECT {_PROGRAMME_COLUMNS} FROM programmes ORDER BY created_at DESC, id COLLATE "C"'
            ).fetchall()
        return [_programme(row) for row in rows]

    def cohort(self, programme_id: str) -> list[CohortRecord]:
        """A programme's cohort, in its order."""
        with self.pool.connection() as conn:
            rows = conn.execute(
                "SELECT key, position, profile_id, need, mentee FROM programme_cohort "
                "WHERE programme_id = %s ORDER BY position",
                (programme_id,),
            ).fetchall()
        return [CohortRecord(r[0], int(r[1]), r[2], r[3], r[4]) for r in rows]

    def pairs(self, programme_id: str) -> list[PairRecord]:
        """A programme's pairs and unmatched members, by mentee key."""
        with self.pool.connection() as conn:
            # COLLATE "C": by code point, as SQLite orders text (the database's collation may differ).
            rows = conn.execute(
                f'SELECT {_PAIR_COLUMNS} FROM programme_pairs WHERE programme_id = %s ORDER BY mentee_key COLLATE "C"',
                (programme_id,),
            ).fetchall()
        return [_pair(row) for row in rows]

    def bans(self, programme_id: str) -> set[tuple[str, str]]:
        """The (mentee key, mentor id) pairs never to propose in this programme."""
        with self.pool.connection() as conn:
            rows = conn.execute(
                "SELECT mentee_key, mentor_id FROM programme_bans WHERE programme_id = %s", (programme_id,)
            ).fetchall()
        return {(mentee, mentor) for mentee, mentor in rows}

    def save_pairs(
        self, programme_id: str, pairs: list[PairRecord], bans: list[tuple[str, str]] = (), run: int | None = None
    ) -> None:
        """Replace the records of these mentees (never a published one), add bans, count a run.

        The programme's row is locked first: saves of one programme take turns, and a publish (which
        locks it too) sees either all of a save or none of it. A programme deleted meanwhile: nothing
        is saved. A person erased meanwhile (a member no longer in the cohort, a mentor no longer
        stored): their records and bans are not saved, so a run that started before an erasure cannot
        bring them back (the erasure locks the programme's row too: it and this save take turns).
        """
        latest = {p.mentee_key: p for p in pairs}  # a mentee twice in one call: the last record wins
        records = list(latest.values())
        with self._transaction() as cur:
            cur.execute(
                "UPDATE programmes SET updated_at = %s, runs = runs + %s WHERE id = %s",
                (time.time(), 0 if run is None else 1, programme_id),
            )
            if cur.rowcount == 0:
                return
            if records:
                cur.execute(
                    f"INSERT INTO programme_pairs (programme_id, {_PAIR_COLUMNS}) "
                    "SELECT %s, u.mentee_key, u.mentee_profile_id, u.mentor_id, u.score, u.status, u.reason, "
                    "u.evidence::json, u.plan::json, u.run "
                    "FROM unnest(%s::text[], %s::text[], %s::text[], %s::float8[], %s::text[], %s::text[], %s::text[], "
                    "%s::text[], %s::integer[]) "
                    "AS u(mentee_key, mentee_profile_id, mentor_id, score, status, reason, evidence, plan, run) "
                    "WHERE EXISTS (SELECT 1 FROM programme_cohort c "
                    "WHERE c.programme_id = %s AND c.key = u.mentee_key) "
                    "AND (u.mentor_id IS NULL OR EXISTS (SELECT 1 FROM profiles pr WHERE pr.id = u.mentor_id)) "
                    "ON CONFLICT (programme_id, mentee_key) DO UPDATE SET "
                    "mentee_profile_id = EXCLUDED.mentee_profile_id, mentor_id = EXCLUDED.mentor_id, "
                    "score = EXCLUDED.score, status = EXCLUDED.status, reason = EXCLUDED.reason, "
                    "evidence = EXCLUDED.evidence, plan = EXCLUDED.plan, run = EXCLUDED.run "
                    "WHERE programme_pairs.status <> 'published'",
                    (
                        programme_id,
                        [p.mentee_key for p in records],
                        [p.mentee_profile_id for p in records],
                        [p.mentor_id for p in records],
                        [None if p.score is None else float(p.score) for p in records],
                        [p.status for p in records],
                        [p.reason for p in records],
                        [_json(list(p.evidence)) for p in records],
                        [_json(list(p.plan)) for p in records],
                        [int(p.run) for p in records],
                        programme_id,
                    ),
                )
            if bans:
                cur.execute(
                    "INSERT INTO programme_bans (programme_id, mentee_key, mentor_id) "
                    "SELECT %s, u.mentee, u.mentor FROM unnest(%s::text[], %s::text[]) AS u(mentee, mentor) "
                    "WHERE EXISTS (SELECT 1 FROM programme_cohort c "
                    "WHERE c.programme_id = %s AND c.key = u.mentee) "
                    "AND EXISTS (SELECT 1 FROM profiles pr WHERE pr.id = u.mentor) "
                    "ON CONFLICT DO NOTHING",
                    (programme_id, [mentee for mentee, _ in bans], [mentor for _, mentor in bans], programme_id),
                )

    def publish(self, programme_id: str, long_term: bool) -> list[PairRecord]:
        """Publish every approved and pinned pair, all or nothing (see base.ProfileStore.publish).

        Never over-commits a mentor, even with programmes published at the same moment by other
        processes or replicas: the transaction first locks the change sequence's row (meta 'seq',
        SELECT ... FOR UPDATE), the lock every profile write and delete, every publish and every
        programme delete takes first. So while this one checks the mentors' places and marks the pairs
        published, nothing else can change a capacity, publish or free a place; the next one waits for
        this commit, and its own statements (READ COMMITTED: a new snapshot each) then count these
        places as taken. Taking that one lock first, rather than the mentors' profile rows, keeps the
        lock order of every writer (seq row, then rows), so no two transactions can deadlock; it costs
        little concurrency, since a long-term publish gives its mentors a new change number, which
        needs the seq row anyway. The programme's row and its publishable pairs are locked next (FOR UPDATE),
        so a concurrent save_pairs cannot change what is checked and published. A refusal rolls back:
        nothing published, the sequence unchanged.

        Raises:
            OverCommitted: with `long_term`, a mentor would get more long-term mentees than their capacity.
        """
        with self._transaction() as cur:
            hold_seq(cur)
            if cur.execute("SELECT 1 FROM programmes WHERE id = %s FOR UPDATE", (programme_id,)).fetchone() is None:
                return []
            rows = cur.execute(
                f"SELECT {_PAIR_COLUMNS} FROM programme_pairs WHERE programme_id = %s "
                f'AND {_PUBLISHABLE} ORDER BY mentee_key COLLATE "C" FOR UPDATE',
                (programme_id,),
            ).fetchall()
            publishing = [_pair(row) for row in rows]
            if long_term and publishing:
                _check_places(cur, publishing)
            now = time.time()
            if publishing:
                cur.execute(
                    "UPDATE programme_pairs SET status = 'published', long_term = %s "
                    "WHERE programme_id = %s AND mentee_key = ANY(%s)",
                    (long_term, programme_id, [p.mentee_key for p in publishing]),
                )
            cur.execute(
                "UPDATE programmes SET status = 'published', updated_at = %s, "
                "published_at = COALESCE(published_at, %s) WHERE id = %s",
                (now, now, programme_id),
            )
            # Each pair starts a relationship (one ledger of places, whatever made the pair), with the events.
            start_programme_relationships(Ledger(cur, POSTGRES), programme_id, publishing, long_term, now)
            if long_term and publishing:
                # Their capacity left changed: every process's catalog catches up with them.
                touch(cur, {p.mentor_id for p in publishing})
        return publishing

    def delete_programme(self, programme_id: str) -> bool:
        """Delete a programme, its cohort, pairs and bans (published pairs free their places).

        Locks the change sequence's row first, as publish does: the places it frees are read, and the
        mentors given a new change number, with no publish in between.
        """
        with self._transaction() as cur:
            hold_seq(cur)
            # Its relationships end (their history stays, with the reason programme_deleted).
            freed = end_programme_relationships(Ledger(cur, POSTGRES), programme_id, time.time())
            # The cohort, pairs and bans go with it (ON DELETE CASCADE).
            deleted = cur.execute("DELETE FROM programmes WHERE id = %s", (programme_id,)).rowcount > 0
            if freed:
                touch(cur, freed)
        return deleted

    @staticmethod
    def _forget_in_programmes(cur: psycopg.Cursor, profile_id: str) -> set[str]:
        """Erase a person from every programme (in the caller's delete transaction, which holds the seq
        row); returns the mentors whose published places were freed (their capacity left changed).

        The programmes naming them are locked first (in id order), as save_pairs locks its programme
        before its pairs: a save of one of them waits for the erasure (or the erasure for it) instead of
        each holding rows the other needs.
        """
        cur.execute(
            "SELECT 1 FROM programmes WHERE id IN ("
            "SELECT programme_id FROM programme_pairs WHERE mentee_profile_id = %s OR mentor_id = %s "
            "UNION SELECT programme_id FROM programme_cohort WHERE profile_id = %s "
            "UNION SELECT programme_id FROM programme_bans WHERE mentor_id = %s "
            "UNION SELECT id FROM programmes WHERE (spec::jsonb -> 'mentors' -> 'ids') ? %s) "
            "ORDER BY id FOR UPDATE",
            (profile_id,) * 5,
        )
        freed = {
            r[0]
            for r in cur.execute(
                "SELECT mentor_id FROM programme_pairs WHERE mentee_profile_id = %s AND status = 'published' "
                "AND long_term",
                (profile_id,),
            ).fetchall()
        }
        cur.execute(
            "DELETE FROM programme_pairs WHERE mentee_profile_id = %s OR mentor_id = %s", (profile_id, profile_id)
        )
        cur.execute(
            "DELETE FROM programme_bans WHERE mentor_id = %s OR mentee_key IN "
            "(SELECT key FROM programme_cohort WHERE profile_id = %s)",
            (profile_id, profile_id),
        )
        cur.execute("DELETE FROM programme_cohort WHERE profile_id = %s", (profile_id,))
        naming = cur.execute(
            "SELECT id, spec::text FROM programmes WHERE (spec::jsonb -> 'mentors' -> 'ids') ? %s", (profile_id,)
        ).fetchall()
        for programme_id, spec in naming:
            changed = spec_without_mentor(json.loads(spec), profile_id)
            if changed is not None:
                cur.execute("UPDATE programmes SET spec = %s::json WHERE id = %s", (_json(changed), programme_id))
        freed.discard(profile_id)
        return freed


def _check_places(cur: psycopg.Cursor, publishing: list[PairRecord]) -> None:
    """Raise OverCommitted when the pairs ask a mentor for more places than their capacity leaves
    (a mentor no longer stored has none). The caller holds the seq row: no capacity can change meanwhile."""
    asked = Counter(pair.mentor_id for pair in publishing)
    rows = cur.execute(
        "SELECT id, COALESCE(trunc((data ->> 'capacity')::numeric), 0)::bigint, "
        f"{COMMITTED} FROM profiles WHERE id = ANY(%s)",
        (sorted(asked),),
    ).fetchall()
    left = {pid: max(0, int(capacity) - int(committed)) for pid, capacity, committed in rows}
    over = {mentor: (count, left.get(mentor, 0)) for mentor, count in asked.items() if count > left.get(mentor, 0)}
    if over:
        raise OverCommitted(over)
