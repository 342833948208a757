"""Outcomes in the SQLite store: what happened after matches (the log `mentor-match learn` learns from).

A mixin of SQLiteStore (sqlite.py): it uses the store's connection and transactions. What each method
promises is in base.ProfileStore. Every change of the log bumps the counter meta 'outcomes', which a
process serving a learned ranking compares to know when to read the log again.
"""

from __future__ import annotations

import time

import numpy as np

from ..outcomes.records import Outcome
from .base import vector_blob
from .ledger import OUTCOME_COLUMNS, Ledger, outcome_record
from .sqlite_relationships import SQLITE

OUTCOME_SCHEMA = """
INSERT OR IGNORE INTO meta(key, value) VALUES ('outcomes', '0');
CREATE TABLE IF NOT EXISTS outcomes (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    content_hash TEXT NOT NULL UNIQUE,
    need TEXT NOT NULL,
    mentor_id TEXT NOT NULL,
    mentee_id TEXT,
    outcome TEXT NOT NULL,
    style TEXT,
    at TEXT,
    source TEXT NOT NULL,
    recorded_at REAL NOT NULL,
    model_key TEXT,
    need_vector BLOB
);
CREATE INDEX IF NOT EXISTS outcomes_mentor ON outcomes(mentor_id);
CREATE INDEX IF NOT EXISTS outcomes_mentee ON outcomes(mentee_id);
"""

# The day of an outcome: its date, else the day it was recorded (UTC).
_DAY = "COALESCE(at, date(recorded_at, 'unixepoch'))"


class SQLiteOutcomes:
    """Outcome storage over the SQLite store's connection (`self.conn`, `self._write()`)."""

    def add_outcomes(
        self, outcomes: list[Outcome], vectors: list[np.ndarray | None] | None = None, model_key: str | None = None
    ) -> list[str]:
        """Store outcomes in one transaction; each is "added", "unchanged" (the same outcome is stored) or
        "unknown mentor" (no stored profile has its mentor_id: not stored)."""
        if not outcomes:
            return []
        vectors = vectors or [None] * len(outcomes)
        now = time.time()
        statuses = []
        with self._write() as conn:
            for outcome, vector in zip(outcomes, vectors):
                if conn.execute("SELECT 1 FROM profiles WHERE id = ?", (outcome.mentor_id,)).fetchone() is None:
                    statuses.append("unknown mentor")
                    continue
                added = conn.execute(
                    "INSERT OR IGNORE INTO outcomes(content_hash, need, mentor_id, mentee_id, outcome, style, at, "
                    "source, recorded_at, model_key, need_vector) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (
                        outcome.content_hash,
                        outcome.need,
                        outcome.mentor_id,
                        outcome.mentee_id,
                        outcome.outcome,
                        outcome.style,
                        outcome.at,
                        outcome.source,
                        now,
                        model_key if vector is not None else None,
                        vector_blob(vector),
                    ),
                ).rowcount
                statuses.append("added" if added else "unchanged")
            if "added" in statuses:
                Ledger(conn, SQLITE).bump_outcomes()
        return statuses

    def record_outcome(self, outcome: Outcome, vector: np.ndarray | None = None, model_key: str | None = None) -> str:
        """Store one outcome (the service's own events); "added", "unchanged" or "unknown mentor"."""
        return self.add_outcomes([outcome], [vector], model_key)[0]

    def known_outcomes(self, hashes: list[str]) -> set[str]:
        """The content hashes among `hashes` that are stored."""
        found: set[str] = set()
        for start in range(0, len(hashes), 500):
            chunk = hashes[start : start + 500]
            found.update(
                r[0]
                for r in self.conn.execute(
                    f"SELECT content_hash FROM outcomes WHERE content_hash IN ({','.join('?' * len(chunk))})", chunk
                )
            )
        return found

    def outcomes(
        self, mentor_id: str | None = None, mentee_id: str | None = None, limit: int | None = None
    ) -> list[Outcome]:
        """Stored outcomes, oldest recorded first, optionally of one mentor or one mentee."""
        where, params = _filter(mentor_id, mentee_id)
        query = f"SELECT {OUTCOME_COLUMNS} FROM outcomes {where} ORDER BY id"
        if limit is not None:
            query += f" LIMIT {int(limit)}"
        return [outcome_record(row) for row in self.conn.execute(query, params)]

    def outcome_vectors(self, ids: list[int], dim: int) -> dict[int, tuple[str, np.ndarray]]:
        """{outcome id: (model key, need vector)} for the outcomes among `ids` that have one."""
        found: dict[int, tuple[str, np.ndarray]] = {}
        for start in range(0, len(ids), 500):
            chunk = [int(i) for i in ids[start : start + 500]]
            for oid, key, blob in self.conn.execute(
                f"SELECT id, model_key, need_vector FROM outcomes WHERE id IN ({','.join('?' * len(chunk))}) "
                "AND need_vector IS NOT NULL",
                chunk,
            ):
                found[int(oid)] = (key, np.frombuffer(blob, dtype=np.float32).reshape(dim))
        return found

    def set_outcome_vectors(self, items: list[tuple[int, str, np.ndarray]]) -> int:
        """Store need vectors (outcome id, model key, vector) of outcomes still stored; returns how many."""
        with self._write() as conn:
            return sum(
                conn.execute(
                    "UPDATE outcomes SET model_key = ?, need_vector = ? WHERE id = ?",
                    (key, vector_blob(vector), int(oid)),
                ).rowcount
                for oid, key, vector in items
            )

    def outcome_stats(self) -> dict:
        """Counts of the outcome log: by outcome, mentees, mentors, and the dates it spans."""
        by = dict(self.conn.execute("SELECT outcome, COUNT(*) FROM outcomes GROUP BY outcome").fetchall())
        row = self.conn.execute(
            "SELECT COUNT(*), COUNT(DISTINCT mentor_id), COUNT(DISTINCT COALESCE(mentee_id, 'need:' || need)), "
            "MIN(at), MAX(at), MIN(recorded_at), MAX(recorded_at) FROM outcomes"
        ).fetchone()
        return {
            "outcomes": row[0],
            "by_outcome": by,
            "mentors": row[1],
            "mentees": row[2],
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
        with self._write() as conn:
            removed = conn.execute(f"DELETE FROM outcomes {where}", params).rowcount
            if removed:
                Ledger(conn, SQLITE).bump_outcomes()
        return removed

    def outcomes_version(self) -> int:
        """A counter that grows with every change of the outcome log."""
        return int(self.conn.execute("SELECT value FROM meta WHERE key = 'outcomes'").fetchone()[0])


def _filter(mentor_id: str | None, mentee_id: str | None, before: str | None = None) -> tuple[str, list]:
    clauses, params = [], []
    for column, value in (("mentor_id = ?", mentor_id), ("mentee_id = ?", mentee_id), (f"{_DAY} < ?", before)):
        if value is not None:
            clauses.append(column)
            params.append(value)
    return ("WHERE " + " AND ".join(clauses)) if clauses else "", params
