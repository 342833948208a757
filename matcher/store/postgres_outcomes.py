"""Outcomes in the PostgreSQL store: what happened after matches (the log `mentor-match learn` learns from).

A mixin of PostgresStore (postgres.py): it uses the store's pooled transactions. What each method
promises is in base.ProfileStore; the table is migrations/0007_outcomes.sql, SQLite's twin is
sqlite_outcomes.py. Adding outcomes first locks the change sequence's row (the lock a profile's write or
delete takes first), so an outcome is never stored for a mentor whose erasure committed meanwhile; every
change of the log then bumps meta 'outcomes'.
"""

from __future__ import annotations

import time

import numpy as np

from ..outcomes.records import Outcome
from .base import vector_blob
from .ledger import OUTCOME_COLUMNS, Ledger, outcome_record
from .pgledger import POSTGRES
from .pgseq import hold_seq

# The day of an outcome: its date, else the day it was recorded (UTC).
_DAY = "COALESCE(at, to_char(to_timestamp(recorded_at) AT TIME ZONE 'UTC', 'YYYY-MM-DD'))"


def _filter(mentor_id: str | None, mentee_id: str | None, before: str | None = None) -> tuple[str, list]:
    clauses, params = [], []
    for column, value in (("mentor_id = %s", mentor_id), ("mentee_id = %s", mentee_id), (f"{_DAY} < %s", before)):
        if value is not None:
            clauses.append(column)
            params.append(value)
    return ("WHERE " + " AND ".join(clauses)) if clauses else "", params


class PostgresOutcomes:
    """Outcome storage over the PostgreSQL store's pool (`self.pool`, `self._transaction()`, `self._one()`)."""

    def add_outcomes(
        self, outcomes: list[Outcome], vectors: list[np.ndarray | None] | None = None, model_key: str | None = None
    ) -> list[str]:
        """Store outcomes in one transaction; each is "added", "unchanged" (the same outcome is stored) or
        "unknown mentor" (no stored profile has its mentor_id: not stored)."""
        if not outcomes:
            return []
        vectors = vectors or [None] * len(outcomes)
        now = time.time()
        with self._transaction() as cur:
            hold_seq(cur)  # no profile write or erasure commits until this transaction does
            mentors = sorted({o.mentor_id for o in outcomes})
            stored = {r[0] for r in cur.execute("SELECT id FROM profiles WHERE id = ANY(%s)", (mentors,))}
            rows = [(o, v) for o, v in zip(outcomes, vectors) if o.mentor_id in stored]
            added: set[str] = set()
            if rows:
                cur.execute(
                    "INSERT INTO outcomes (content_hash, need, mentor_id, mentee_id, outcome, style, at, source, "
                    "recorded_at, model_key, need_vector) "
                    "SELECT u.h, u.need, u.mentor, u.mentee, u.outcome, u.style, u.at, u.source, %s, u.model_key, u.v "
                    "FROM unnest(%s::text[], %s::text[], %s::text[], %s::text[], %s::text[], %s::text[], %s::text[], "
                    "%s::text[], %s::text[], %s::bytea[]) "
                    "AS u(h, need, mentor, mentee, outcome, style, at, source, model_key, v) "
                    "ON CONFLICT (content_hash) DO NOTHING RETURNING content_hash",
                    (
                        now,
                        [o.content_hash for o, _ in rows],
                        [o.need for o, _ in rows],
                        [o.mentor_id for o, _ in rows],
                        [o.mentee_id for o, _ in rows],
                        [o.outcome for o, _ in rows],
                        [o.style for o, _ in rows],
                        [o.at for o, _ in rows],
                        [o.source for o, _ in rows],
                        [model_key if v is not None else None for _, v in rows],
                        [vector_blob(v) for _, v in rows],
                    ),
                )
                added = {r[0] for r in cur.fetchall()}
            if added:
                Ledger(cur, POSTGRES).bump_outcomes()
        statuses, seen = [], set()
        for o in outcomes:
            if o.mentor_id not in stored:
                statuses.append("unknown mentor")
            elif o.content_hash in added and o.content_hash not in seen:
                statuses.append("added")
                seen.add(o.content_hash)
            else:
                statuses.append("unchanged")
        return statuses

    def record_outcome(self, outcome: Outcome, vector: np.ndarray | None = None, model_key: str | None = None) -> str:
        """Store one outcome (the service's own events); "added", "unchanged" or "unknown mentor"."""
        return self.add_outcomes([outcome], [vector], model_key)[0]

    def known_outcomes(self, hashes: list[str]) -> set[str]:
        """The content hashes among `hashes` that are stored."""
        if not hashes:
            return set()
        with self.pool.connection() as conn:
            return {
                r[0]
                for r in conn.execute("SELECT content_hash FROM outcomes WHERE content_hash = ANY(%s)", (list(hashes),))
            }

    def outcomes(
        self, mentor_id: str | None = None, mentee_id: str | None = None, limit: int | None = None
    ) -> list[Outcome]:
        """Stored outcomes, oldest recorded first, optionally of one mentor or one mentee."""
        where, params = _filter(mentor_id, mentee_id)
        query = f"SELECT {OUTCOME_COLUMNS} FROM outcomes {where} ORDER BY id"
        if limit is not None:
            query += f" LIMIT {int(limit)}"
        with self.pool.connection() as conn:
            return [outcome_record(row) for row in conn.execute(query, params)]

    def outcome_vectors(self, ids: list[int], dim: int) -> dict[int, tuple[str, np.ndarray]]:
        """{outcome id: (model key, need vector)} for the outcomes among `ids` that have one."""
        if not ids:
            return {}
        with self.pool.connection() as conn, conn.cursor(binary=True) as cur:
            cur.execute(
                "SELECT id, model_key, need_vector FROM outcomes WHERE id = ANY(%s) AND need_vector IS NOT NULL",
                ([int(i) for i in ids],),
            )
            return {
                int(oid): (key, np.frombuffer(bytes(blob), dtype=np.float32).reshape(dim)) for oid, key, blob in cur
            }

    def set_outcome_vectors(self, items: list[tuple[int, str, np.ndarray]]) -> int:
        """Store need vectors (outcome id, model key, vector) of outcomes still stored; returns how many."""
        if not items:
            return 0
        with self._transaction() as cur:
            cur.execute(
                "UPDATE outcomes AS o SET model_key = u.k, need_vector = u.v "
                "FROM unnest(%s::bigint[], %s::text[], %s::bytea[]) AS u(id, k, v) WHERE o.id = u.id",
                ([int(i) for i, _, _ in items], [k for _, k, _ in items], [vector_blob(v) for _, _, v in items]),
            )
            return cur.rowcount

    def outcome_stats(self) -> dict:
        """Counts of the outcome log: by outcome, mentees, mentors, and the dates it spans."""
        with self.pool.connection() as conn:
            by = dict(conn.execute("SELECT outcome, COUNT(*) FROM outcomes GROUP BY outcome").fetchall())
            row = conn.execute(
                "SELECT COUNT(*), COUNT(DISTINCT mentor_id), COUNT(DISTINCT COALESCE(mentee_id, 'need:' || need)), "
                "MIN(at), MAX(at), MIN(recorded_at), MAX(recorded_at) FROM outcomes"
            ).fetchone()
        return {
            "outcomes": int(row[0]),
            "by_outcome": {k: int(v) for k, v in by.items()},
            "mentors": int(row[1]),
            "mentees": int(row[2]),
            "first_at": row[3],
            "last_at": row[4],
            "first_recorded": row[5],
            "last_recorded": row[6],
        }

    def delete_outcomes(
        self,
        mentor_id: str | None = None,
        mentee_id: str | None = None,
        before: str | None = None,
        everything: bool = False,
    ) -> int:
        """Delete the outcomes of a mentor, of a mentee, dated before a day (ISO date; undated ones by the day
        they were recorded), or all of them (`everything`); at least one must be given. Returns how many."""
        where, params = _filter(mentor_id, mentee_id, before)
        if not where and not everything:
            raise ValueError("delete_outcomes: name a mentor, a mentee, a date, or everything")
        with self._transaction() as cur:
            cur.execute(f"DELETE FROM outcomes {where}", params)
            removed = cur.rowcount
            if removed:
                Ledger(cur, POSTGRES).bump_outcomes()
        return removed

    def outcomes_version(self) -> int:
        """A counter that grows with every change of the outcome log."""
        return int(self._one("SELECT value FROM meta WHERE key = 'outcomes'")[0])
