"""One transaction's view of introductions, relationships, bans and the outbox: the SQL, once for both backends.

SQLite and PostgreSQL run the same statements here: they are written with `?` placeholders and turned into
psycopg's `%s` for PostgreSQL (no statement here uses `?` or `%` otherwise); the few expressions that differ
(the time now, a profile's capacity, giving profiles a new change number) come from the backend's `Dialect`.

The ledger of places: a long-term mentor's room is capacity - active long-term relationships (from accepted
requests and published programme pairs alike) - live pending long-term requests. `committed_sql` is that
count as a subquery over `profiles`: every read of a profile (StoredProfile.committed) carries it, so the
in-memory catalog learns of a place taken or freed when the change gives the mentor a new change number
(`touch`), as publishing a programme always has.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from typing import Any

from ..outcomes.records import Outcome
from ..relationships import events
from ..relationships.records import (
    Event,
    FitRecord,
    OutboxRecord,
    RelationshipRecord,
    RequestRecord,
    ResponseRecord,
    SessionRecord,
)

REQUEST_COLUMNS = (
    "id, mentee_id, mentor_id, style, long_term, need, state, created_at, expires_at, reason, "
    "answered_at, relationship_id, created_by"
)
RELATIONSHIP_COLUMNS = (
    "id, origin, mentee_id, mentor_id, style, long_term, need, plan, sessions_planned, state, "
    "started_at, request_id, programme_id, mentee_key, end_reason, ended_by, ended_at"
)
SESSION_COLUMNS = "relationship_id, date, status, plan_item, logged_by, logged_at, id"
OUTBOX_COLUMNS = "id, event_id, type, payload, created_at, attempts, next_attempt_at, delivered_at, last_error"


@dataclass(frozen=True)
class Dialect:
    """What differs between the backends in this module's SQL."""

    name: str
    placeholder: str  # "?" (sqlite3) or "%s" (psycopg)
    now: str  # seconds since the epoch, now, as a float
    capacity: str  # the capacity in profiles.data, as an integer
    touch: Callable[[Any, set[str]], Any]  # give these profiles a new change number, in the transaction
    claim: str = ""  # what makes a SELECT lock the rows it claims, skipping those another claim holds


def committed_sql(dialect: Dialect) -> str:
    """The places a profile's ledger takes, as a subquery over `profiles` (StoredProfile.committed)."""
    return (
        "((SELECT COUNT(*) FROM relationships r WHERE r.mentor_id = profiles.id AND r.state = 'active' "
        "AND r.long_term) + (SELECT COUNT(*) FROM requests q WHERE q.mentor_id = profiles.id "
        f"AND q.state = 'pending' AND q.long_term AND q.expires_at > {dialect.now}))"
    )


def new_id(prefix: str) -> str:
    """A random, unguessable record id such as rel-3f2a... (valid wherever a profile id is)."""
    return f"{prefix}-{secrets.token_hex(8)}"


def _json(value: Any) -> Any:
    # TEXT holding JSON on both backends (psycopg would decode a json column itself).
    return json.loads(value) if isinstance(value, str | bytes) else value


OUTCOME_COLUMNS = "id, need, mentor_id, outcome, mentee_id, style, at, source, content_hash, recorded_at"


def outcome_record(row: tuple) -> Outcome:
    """An Outcome from a row of OUTCOME_COLUMNS."""
    return Outcome(
        need=row[1],
        mentor_id=row[2],
        outcome=row[3],
        mentee_id=row[4],
        style=row[5],
        at=row[6],
        source=row[7],
        content_hash=row[8],
        id=int(row[0]),
        recorded_at=row[9],
    )


def request_record(row: tuple) -> RequestRecord:
    return RequestRecord(
        row[0],
        row[1],
        row[2],
        row[3],
        bool(row[4]),
        row[5],
        row[6],
        float(row[7]),
        float(row[8]),
        row[9],
        None if row[10] is None else float(row[10]),
        row[11],
        row[12],
    )


def relationship_record(row: tuple) -> RelationshipRecord:
    return RelationshipRecord(
        row[0],
        row[1],
        row[2],
        row[3],
        row[4],
        bool(row[5]),
        row[6],
        tuple(_json(row[7])),
        int(row[8]),
        row[9],
        float(row[10]),
        row[11],
        row[12],
        row[13],
        row[14],
        row[15],
        None if row[16] is None else float(row[16]),
    )


def session_record(row: tuple) -> SessionRecord:
    return SessionRecord(row[0], row[1], row[2], row[3], row[4], float(row[5]), int(row[6]))


def outbox_record(row: tuple) -> OutboxRecord:
    return OutboxRecord(
        int(row[0]),
        row[1],
        row[2],
        _json(row[3]),
        float(row[4]),
        int(row[5]),
        None if row[6] is None else float(row[6]),
        None if row[7] is None else float(row[7]),
        row[8],
    )


class Ledger:
    """Statements over one connection or cursor, inside the caller's transaction (or none, for reads)."""

    def __init__(self, cursor: Any, dialect: Dialect):
        self.cursor = cursor
        self.dialect = dialect

    # -- plumbing ------------------------------------------------------------------------------------

    def run(self, sql: str, params: Iterable[Any] = ()) -> Any:
        if self.dialect.placeholder != "?":
            sql = sql.replace("?", self.dialect.placeholder)
        return self.cursor.execute(sql, tuple(params))

    def one(self, sql: str, params: Iterable[Any] = ()) -> tuple | None:
        return self.run(sql, params).fetchone()

    def all(self, sql: str, params: Iterable[Any] = ()) -> list[tuple]:
        return self.run(sql, params).fetchall()

    def touch(self, profile_ids: set[str]) -> None:
        """A new change number for these profiles: every process's catalog catches up with their places."""
        if profile_ids:
            self.dialect.touch(self.cursor, set(profile_ids))

    # -- people and places ---------------------------------------------------------------------------

    def profile_exists(self, profile_id: str) -> bool:
        return self.one("SELECT 1 FROM profiles WHERE id = ?", (profile_id,)) is not None

    def capacity(self, mentor_id: str) -> int:
        row = self.one(f"SELECT {self.dialect.capacity} FROM profiles WHERE id = ?", (mentor_id,))
        return 0 if row is None or row[0] is None else int(row[0])

    def active_long_term(self, mentor_id: str) -> int:
        return int(
            self.one(
                "SELECT COUNT(*) FROM relationships WHERE mentor_id = ? AND state = 'active' AND long_term",
                (mentor_id,),
            )[0]
        )

    def places_left(self, mentor_id: str) -> int:
        """Capacity less the mentor's ledger (active long-term relationships and live pending requests)."""
        row = self.one(
            f"SELECT {self.dialect.capacity}, {committed_sql(self.dialect)} FROM profiles WHERE id = ?", (mentor_id,)
        )
        return 0 if row is None else int(row[0] or 0) - int(row[1])

    def banned(self, mentee_id: str, mentor_id: str) -> bool:
        return (
            self.one("SELECT 1 FROM never_again WHERE mentee_id = ? AND mentor_id = ?", (mentee_id, mentor_id))
            is not None
        )

    def ban(self, mentee_id: str, mentor_id: str, reason: str, source_id: str, now: float) -> None:
        """Never propose this mentor to this mentee again (the first reason is kept)."""
        self.run(
            "INSERT INTO never_again (mentee_id, mentor_id, reason, source_id, created_at) "
            "VALUES (?, ?, ?, ?, ?) ON CONFLICT (mentee_id, mentor_id) DO NOTHING",
            (mentee_id, mentor_id, reason, source_id, now),
        )

    # -- outcomes the service sees (the outcome log: matcher/outcomes, the learned ranking) -------------

    def observe(self, outcome: Outcome | None, now: float) -> None:
        """Add an outcome of this change to the outcome log, in the change's transaction (once: an outcome with
        its content hash is stored once). No need vector yet: the learned ranking embeds it when it next
        reads the log (learn/examples.pool_of)."""
        if outcome is None:
            return
        added = self.run(
            "INSERT INTO outcomes (content_hash, need, mentor_id, mentee_id, outcome, style, at, source, recorded_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (content_hash) DO NOTHING",
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
            ),
        ).rowcount
        if added:
            self.bump_outcomes()

    def bump_outcomes(self) -> None:
        """Count one more change of the outcome log: every process's learned ranking reads the log again."""
        self.run("UPDATE meta SET value = CAST(value AS BIGINT) + 1 WHERE key = 'outcomes'")

    def forget_outcomes(self, profile_id: str) -> int:
        """Erase a person's outcomes, as mentor or as mentee (with their needs); returns how many."""
        removed = self.run(
            "DELETE FROM outcomes WHERE mentor_id = ? OR mentee_id = ?", (profile_id, profile_id)
        ).rowcount
        if removed:
            self.bump_outcomes()
        return removed

    def never_again(self, mentee_id: str) -> set[str]:
        return {r[0] for r in self.all("SELECT mentor_id FROM never_again WHERE mentee_id = ?", (mentee_id,))}

    # -- activity and responsiveness (read by the ranking: search/responsiveness.py) ------------------

    def mark_active(self, person_ids: Iterable[str | None], now: float) -> None:
        """Record that these people acted at `now` (the later time wins)."""
        for person_id in sorted({p for p in person_ids if p}):
            self.run(
                "INSERT INTO activity (person_id, last_active) VALUES (?, ?) ON CONFLICT (person_id) "
                "DO UPDATE SET last_active = excluded.last_active "
                "WHERE activity.last_active IS NULL OR activity.last_active < excluded.last_active",
                (person_id, now),
            )

    def note_response(self, mentor_id: str, column: str, now: float) -> None:
        """Count one of the mentor's requests: "first_asked" (received: kept the first time), "answered" or
        "expired"."""
        if column == "first_asked":
            self.run(
                "INSERT INTO activity (person_id, first_asked) VALUES (?, ?) ON CONFLICT (person_id) "
                "DO UPDATE SET first_asked = COALESCE(activity.first_asked, excluded.first_asked)",
                (mentor_id, now),
            )
        elif column in ("answered", "expired"):
            self.run(
                f"INSERT INTO activity (person_id, {column}) VALUES (?, 1) ON CONFLICT (person_id) "
                f"DO UPDATE SET {column} = activity.{column} + 1",
                (mentor_id,),
            )

    def responses(self, mentor_ids: list[str]) -> dict[str, ResponseRecord]:
        """What the ranking knows of these mentors (only those with a row), by primary key."""
        found: dict[str, ResponseRecord] = {}
        for start in range(0, len(mentor_ids), 500):
            part = mentor_ids[start : start + 500]
            for r in self.all(
                "SELECT person_id, answered, expired, last_active, first_asked FROM activity "
                f"WHERE person_id IN ({', '.join('?' * len(part))})",
                part,
            ):
                found[r[0]] = ResponseRecord(
                    int(r[1]), int(r[2]), None if r[3] is None else float(r[3]), None if r[4] is None else float(r[4])
                )
        return found

    def response_counts(self) -> list[tuple[int, int]]:
        """(answered, expired) of every mentor with either (the prior's data)."""
        return [
            (int(a), int(e))
            for a, e in self.all("SELECT answered, expired FROM activity WHERE answered > 0 OR expired > 0")
        ]

    # -- requests --------------------------------------------------------------------------------------

    def request(self, request_id: str) -> RequestRecord | None:
        row = self.one(f"SELECT {REQUEST_COLUMNS} FROM requests WHERE id = ?", (request_id,))
        return None if row is None else request_record(row)

    def requests(self, where: str = "", params: Iterable[Any] = (), limit: int | None = None) -> list[RequestRecord]:
        sql = f"SELECT {REQUEST_COLUMNS} FROM requests" + (f" WHERE {where}" if where else "")
        sql += " ORDER BY created_at DESC, id" + (f" LIMIT {int(limit)}" if limit else "")
        return [request_record(r) for r in self.all(sql, params)]

    def insert_request(self, r: RequestRecord) -> None:
        self.run(
            f"INSERT INTO requests ({REQUEST_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                r.id,
                r.mentee_id,
                r.mentor_id,
                r.style,
                r.long_term,
                r.need,
                r.state,
                r.created_at,
                r.expires_at,
                r.reason,
                r.answered_at,
                r.relationship_id,
                r.created_by,
            ),
        )

    def close_request(self, r: RequestRecord) -> None:
        """Store a request's new state (it left pending)."""
        self.run(
            "UPDATE requests SET state = ?, reason = ?, answered_at = ?, relationship_id = ? WHERE id = ?",
            (r.state, r.reason, r.answered_at, r.relationship_id, r.id),
        )

    def live_between(self, mentee_id: str, mentor_id: str, now: float) -> RequestRecord | None:
        found = self.requests(
            "mentee_id = ? AND mentor_id = ? AND state = 'pending' AND expires_at > ?",
            (mentee_id, mentor_id, now),
            limit=1,
        )
        return found[0] if found else None

    def open_requests(self, mentee_id: str, now: float) -> int:
        return int(
            self.one(
                "SELECT COUNT(*) FROM requests WHERE mentee_id = ? AND state = 'pending' AND expires_at > ?",
                (mentee_id, now),
            )[0]
        )

    def expire_due(self, now: float, where: str = "", params: Iterable[Any] = ()) -> list[RequestRecord]:
        """Mark pending requests past their time expired (with their events; their long-term mentors touched)."""
        due = self.requests(
            "state = 'pending' AND expires_at <= ?" + (f" AND {where}" if where else ""), (now, *params)
        )
        expired = [replace(r, state="expired", answered_at=r.expires_at) for r in due]
        for r in expired:
            self.close_request(r)
            self.note_response(r.mentor_id, "expired", now)
            self.emit(events.request_expired(r), now)
        self.touch({r.mentor_id for r in expired if r.long_term})
        return expired

    # -- relationships ------------------------------------------------------------------------------------

    def relationship(self, relationship_id: str) -> RelationshipRecord | None:
        row = self.one(f"SELECT {RELATIONSHIP_COLUMNS} FROM relationships WHERE id = ?", (relationship_id,))
        return None if row is None else relationship_record(row)

    def relationships(self, where: str = "", params: Iterable[Any] = ()) -> list[RelationshipRecord]:
        sql = f"SELECT {RELATIONSHIP_COLUMNS} FROM relationships" + (f" WHERE {where}" if where else "")
        return [relationship_record(r) for r in self.all(sql + " ORDER BY started_at DESC, id", params)]

    def active_between(self, mentee_id: str, mentor_id: str) -> RelationshipRecord | None:
        found = self.relationships("mentee_id = ? AND mentor_id = ? AND state = 'active'", (mentee_id, mentor_id))
        return found[0] if found else None

    def insert_relationship(self, r: RelationshipRecord) -> None:
        self.run(
            f"INSERT INTO relationships ({RELATIONSHIP_COLUMNS}) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                r.id,
                r.origin,
                r.mentee_id,
                r.mentor_id,
                r.style,
                r.long_term,
                r.need,
                json.dumps(list(r.plan), ensure_ascii=False),
                r.sessions_planned,
                r.state,
                r.started_at,
                r.request_id,
                r.programme_id,
                r.mentee_key,
                r.end_reason,
                r.ended_by,
                r.ended_at,
            ),
        )

    def finish(self, r: RelationshipRecord, now: float) -> None:
        """Store a relationship's end (completed or ended), write its event, and free its place."""
        self.run(
            "UPDATE relationships SET state = ?, end_reason = ?, ended_by = ?, ended_at = ? WHERE id = ?",
            (r.state, r.end_reason, r.ended_by, r.ended_at, r.id),
        )
        self.emit(events.relationship_ended(r), now)
        if r.long_term:
            self.touch({r.mentor_id})

    # -- sessions and fit ------------------------------------------------------------------------------

    def insert_session(self, s: SessionRecord) -> SessionRecord:
        row = self.one(
            "INSERT INTO relationship_sessions (relationship_id, date, status, plan_item, logged_by, "
            "logged_at) VALUES (?, ?, ?, ?, ?, ?) RETURNING id",
            (s.relationship_id, s.date, s.status, s.plan_item, s.logged_by, s.logged_at),
        )
        return replace(s, id=int(row[0]))

    def sessions_done(self, relationship_id: str) -> int:
        return int(
            self.one(
                "SELECT COUNT(*) FROM relationship_sessions WHERE relationship_id = ? AND status = 'done'",
                (relationship_id,),
            )[0]
        )

    def sessions(self, relationship_ids: list[str]) -> dict[str, list[SessionRecord]]:
        found: dict[str, list[SessionRecord]] = {rid: [] for rid in relationship_ids}
        for start in range(0, len(relationship_ids), 500):
            part = relationship_ids[start : start + 500]
            for row in self.all(
                f"SELECT {SESSION_COLUMNS} FROM relationship_sessions WHERE relationship_id IN "
                f"({', '.join('?' * len(part))}) ORDER BY date, id",
                part,
            ):
                found[row[0]].append(session_record(row))
        return found

    def put_fit(self, f: FitRecord) -> None:
        self.run(
            "INSERT INTO relationship_fits (relationship_id, side, fit, answered_at) VALUES (?, ?, ?, ?) "
            "ON CONFLICT (relationship_id, side) DO UPDATE SET fit = excluded.fit, "
            "answered_at = excluded.answered_at",
            (f.relationship_id, f.side, f.fit, f.answered_at),
        )

    def fits(self, relationship_ids: list[str]) -> dict[str, list[FitRecord]]:
        found: dict[str, list[FitRecord]] = {rid: [] for rid in relationship_ids}
        for start in range(0, len(relationship_ids), 500):
            part = relationship_ids[start : start + 500]
            for row in self.all(
                "SELECT relationship_id, side, fit, answered_at FROM relationship_fits WHERE "
                f"relationship_id IN ({', '.join('?' * len(part))}) ORDER BY side",
                part,
            ):
                found[row[0]].append(FitRecord(row[0], row[1], row[2], float(row[3])))
        return found

    # -- the outbox ----------------------------------------------------------------------------------------

    def emit(self, event: Event, now: float) -> None:
        """Write an event into the outbox, due at once (in the caller's transaction: it exists iff the change does)."""
        self.run(
            "INSERT INTO outbox (event_id, type, payload, mentee_id, mentor_id, created_at, attempts, "
            "next_attempt_at) VALUES (?, ?, ?, ?, ?, ?, 0, ?)",
            (
                f"evt_{secrets.token_hex(12)}",
                event.type,
                json.dumps(event.payload, ensure_ascii=False),
                event.mentee_id,
                event.mentor_id,
                now,
                now,
            ),
        )

    def outbox(
        self, where: str = "", params: Iterable[Any] = (), limit: int = 100, claim: bool = False
    ) -> list[OutboxRecord]:
        sql = f"SELECT {OUTBOX_COLUMNS} FROM outbox" + (f" WHERE {where}" if where else "")
        sql += f" ORDER BY id LIMIT {int(limit)}" + (self.dialect.claim if claim else "")
        return [outbox_record(r) for r in self.all(sql, params)]
