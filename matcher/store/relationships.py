"""Introductions, relationships, bans and the outbox in the store: each change one transaction, on both backends.

A mixin of SQLiteStore and PostgresStore. A backend provides three context managers, each yielding a
`Ledger` (ledger.py) over its connection:
- `_ledger()`: a write transaction that changes of the ledger take turns in: SQLite's BEGIN IMMEDIATE (one
  writer at a time); on PostgreSQL the change sequence's row locked first (SELECT ... FOR UPDATE), the lock
  every profile write, publish and erasure takes first: one lock order for every writer, so no deadlock,
  and nothing can take or free a mentor's place between a check of their room and the change;
- `_outbox_tx()`: a write transaction for the sender's bookkeeping (claims, deliveries), which takes no
  ledger lock;
- `_reading()`: a connection for reads.
The decisions are matcher.relationships.states' (pure); this module reads what they need and writes what
they decide, with the events, in the same transaction. A refusal is raised after the transaction ends, so
that what it observed on the way (a request that expired meanwhile) is kept.
"""

from __future__ import annotations

import json
from contextlib import AbstractContextManager
from dataclasses import replace

from ..errors import NotFound
from ..outcomes.records import Outcome, observed_outcome
from ..relationships import events, states
from ..relationships.records import (
    FitRecord,
    OutboxRecord,
    RelationshipRecord,
    RequestRecord,
    ResponseRecord,
    SessionRecord,
)
from .base import PairRecord
from .ledger import Ledger, new_id


class RelationshipStore:
    """The store's introductions and relationships (see base.ProfileStore for what each method promises)."""

    def _ledger(self) -> AbstractContextManager[Ledger]:  # pragma: no cover - each backend defines it
        raise NotImplementedError

    def _outbox_tx(self) -> AbstractContextManager[Ledger]:  # pragma: no cover
        raise NotImplementedError

    def _reading(self) -> AbstractContextManager[Ledger]:  # pragma: no cover
        raise NotImplementedError

    # -- requests ------------------------------------------------------------------------------------

    def create_request(self, record: RequestRecord, max_open: int, now: float) -> RequestRecord:
        """Store a new pending request, if the rules of asking allow it at `now`."""
        with self._ledger() as tx:
            tx.expire_due(now, "(mentee_id = ? OR mentor_id = ?)", (record.mentee_id, record.mentor_id))
            failure: Exception | None = None
            if not tx.profile_exists(record.mentee_id):
                failure = NotFound("mentee_id", f"no stored profile with id {record.mentee_id!r}")
            elif not tx.profile_exists(record.mentor_id):
                failure = NotFound("mentor_id", f"no stored profile with id {record.mentor_id!r}")
            else:
                failure = states.refuse_request(
                    record,
                    banned=tx.banned(record.mentee_id, record.mentor_id),
                    pending_with_mentor=tx.live_between(record.mentee_id, record.mentor_id, now),
                    active_with_mentor=tx.active_between(record.mentee_id, record.mentor_id),
                    open_requests=tx.open_requests(record.mentee_id, now),
                    max_open=max_open,
                    places_left=tx.places_left(record.mentor_id) if record.long_term else None,
                )
            if failure is None:
                tx.insert_request(record)
                tx.mark_active([record.mentee_id], now)
                tx.note_response(record.mentor_id, "first_asked", now)
                tx.emit(events.request_created(record), now)
                if record.long_term:
                    tx.touch({record.mentor_id})
        if failure is not None:
            raise failure
        return record

    def answer_request(
        self,
        request_id: str,
        accept: bool,
        reason: str | None,
        now: float,
        relationship: RelationshipRecord | None = None,
    ) -> tuple[RequestRecord, RelationshipRecord | None]:
        """Accept (starting `relationship`) or decline a pending request."""
        started: RelationshipRecord | None = None
        with self._ledger() as tx:
            request, failure = self._pending(tx, request_id, now, "answered")
            if failure is None:
                tx.mark_active([request.mentor_id], now)  # a refused accept (no room) is an answer all the same
            if failure is None and accept:
                failure = states.refuse_accept(
                    request,
                    banned=tx.banned(request.mentee_id, request.mentor_id),
                    capacity=tx.capacity(request.mentor_id),
                    active=tx.active_long_term(request.mentor_id),
                )
            if failure is None:
                if accept:
                    started = replace(relationship, request_id=request.id, started_at=now, state="active")
                    tx.insert_relationship(started)
                    request = replace(request, state="accepted", answered_at=now, relationship_id=started.id)
                    tx.close_request(request)
                    tx.note_response(request.mentor_id, "answered", now)
                    tx.emit(events.request_answered(request), now)
                    tx.emit(events.relationship_started(started), now)
                    tx.observe(_request_outcome(request, "accepted", now), now)
                    # The place the pending request held is now the relationship's: the ledger is unchanged.
                else:
                    request = replace(request, state="declined", reason=reason, answered_at=now)
                    tx.close_request(request)
                    tx.note_response(request.mentor_id, "answered", now)
                    tx.ban(request.mentee_id, request.mentor_id, "declined", request.id, now)
                    tx.emit(events.request_answered(request), now)
                    tx.observe(_request_outcome(request, "declined", now), now)
                    if request.long_term:
                        tx.touch({request.mentor_id})
        if failure is not None:
            raise failure
        return request, started

    def withdraw_request(self, request_id: str, now: float) -> RequestRecord:
        """The mentee takes back a pending request (its place is freed)."""
        with self._ledger() as tx:
            request, failure = self._pending(tx, request_id, now, "withdrawn")
            if failure is None:
                tx.mark_active([request.mentee_id], now)
                request = replace(request, state="withdrawn", answered_at=now)
                tx.close_request(request)
                tx.emit(events.request_withdrawn(request), now)
                if request.long_term:
                    tx.touch({request.mentor_id})
        if failure is not None:
            raise failure
        return request

    @staticmethod
    def _pending(tx: Ledger, request_id: str, now: float, verb: str) -> tuple[RequestRecord | None, Exception | None]:
        """The request, marked expired first if its time ran out; and why it cannot change, if it cannot."""
        request = tx.request(request_id)
        if request is None:
            return None, NotFound("request_id", f"no request with id {request_id!r}")
        if request.state == "pending" and now >= request.expires_at:
            request = tx.expire_due(now, "id = ?", (request.id,))[0]
        return request, states.refuse_change(request, now, verb)

    def expire_requests(self, now: float) -> list[RequestRecord]:
        """Mark every pending request past its time expired, with its event; returns them."""
        with self._ledger() as tx:
            return tx.expire_due(now)

    def next_request_expiry(self) -> float | None:
        """When the next pending long-term request expires (its place frees then), None when none is pending."""
        with self._reading() as tx:
            row = tx.one("SELECT MIN(expires_at) FROM requests WHERE state = 'pending' AND long_term")
        return None if row is None or row[0] is None else float(row[0])

    def request(self, request_id: str) -> RequestRecord | None:
        """The request with this id (its state as stored: see states.effective_state), or None."""
        with self._reading() as tx:
            return tx.request(request_id)

    def requests(
        self,
        state: str | None = None,
        person_id: str | None = None,
        created_by: str | None = None,
        limit: int | None = None,
    ) -> list[RequestRecord]:
        """Requests, newest first: in a stored state, made or received by a person, made by an API key."""
        where, params = [], []
        if state is not None:
            where.append("state = ?")
            params.append(state)
        if person_id is not None:
            where.append("(mentee_id = ? OR mentor_id = ?)")
            params += [person_id, person_id]
        if created_by is not None:
            where.append("created_by = ?")
            params.append(created_by)
        with self._reading() as tx:
            return tx.requests(" AND ".join(where), params, limit)

    # -- relationships ------------------------------------------------------------------------------------

    def log_session(self, session: SessionRecord, now: float) -> tuple[RelationshipRecord, SessionRecord]:
        """Log a session on an active relationship; the last planned session done completes it."""
        with self._ledger() as tx:
            relationship, failure = self._relationship(tx, session.relationship_id)
            failure = failure or states.refuse_session(relationship)
            if failure is None:
                session = tx.insert_session(replace(session, logged_at=now))
                tx.mark_active([_side(relationship, session.logged_by)], now)
                done = tx.sessions_done(relationship.id)
                tx.emit(events.session_logged(relationship, session, done), now)
                if states.completes(relationship, done):
                    relationship = replace(relationship, state="completed", ended_at=now)
                    tx.finish(relationship, now)
                    tx.observe(_relationship_outcome(relationship, "completed", now), now)
        if failure is not None:
            raise failure
        return relationship, session

    def record_fit(self, relationship_id: str, side: str, fit: str, now: float) -> RelationshipRecord:
        """Keep one side's fit answer; a mentee's not_a_fit bans the mentor for them and ends the relationship."""
        with self._ledger() as tx:
            relationship, failure = self._relationship(tx, relationship_id)
            failure = failure or states.refuse_fit(relationship, tx.sessions_done(relationship_id))
            if failure is None:
                tx.put_fit(FitRecord(relationship_id, side, fit, now))
                tx.mark_active([_side(relationship, side)], now)
                if side == "mentee" and fit in FIT_OUTCOMES:  # the mentee's answer: whether the match served them
                    tx.observe(_relationship_outcome(relationship, FIT_OUTCOMES[fit], now), now)
                if side == "mentee" and fit == "not_a_fit":
                    if relationship.mentee_id is not None:
                        tx.ban(relationship.mentee_id, relationship.mentor_id, "not_a_fit", relationship.id, now)
                    if relationship.state == "active":
                        relationship = replace(
                            relationship, state="ended", end_reason="not_a_fit", ended_by="mentee", ended_at=now
                        )
                        tx.finish(relationship, now)
        if failure is not None:
            raise failure
        return relationship

    def end_relationship(self, relationship_id: str, reason: str, ended_by: str, now: float) -> RelationshipRecord:
        """End an active relationship with a reason code (its place is freed)."""
        with self._ledger() as tx:
            relationship, failure = self._relationship(tx, relationship_id)
            failure = failure or states.refuse_end(relationship)
            if failure is None:
                relationship = replace(relationship, state="ended", end_reason=reason, ended_by=ended_by, ended_at=now)
                tx.mark_active([_side(relationship, ended_by)], now)
                tx.finish(relationship, now)
                if reason == "goal_reached":  # ended early because it did its job: as good as completed
                    tx.observe(_relationship_outcome(relationship, "completed", now), now)
        if failure is not None:
            raise failure
        return relationship

    @staticmethod
    def _relationship(tx: Ledger, relationship_id: str) -> tuple[RelationshipRecord | None, Exception | None]:
        relationship = tx.relationship(relationship_id)
        if relationship is None:
            return None, NotFound("relationship_id", f"no relationship with id {relationship_id!r}")
        return relationship, None

    def relationship(self, relationship_id: str) -> RelationshipRecord | None:
        """The relationship with this id, or None."""
        with self._reading() as tx:
            return tx.relationship(relationship_id)

    def relationships(
        self, state: str | None = None, person_id: str | None = None, programme_id: str | None = None
    ) -> list[RelationshipRecord]:
        """Relationships, newest first: in a state, of a person (either side), from a programme."""
        where, params = [], []
        if state is not None:
            where.append("state = ?")
            params.append(state)
        if person_id is not None:
            where.append("(mentee_id = ? OR mentor_id = ?)")
            params += [person_id, person_id]
        if programme_id is not None:
            where.append("programme_id = ?")
            params.append(programme_id)
        with self._reading() as tx:
            return tx.relationships(" AND ".join(where), params)

    def sessions(self, relationship_ids: list[str]) -> dict[str, list[SessionRecord]]:
        """The sessions logged on these relationships, by relationship, in date order."""
        with self._reading() as tx:
            return tx.sessions(list(relationship_ids))

    def fits(self, relationship_ids: list[str]) -> dict[str, list[FitRecord]]:
        """The fit answers of these relationships, by relationship (admins' eyes: see relationships.access)."""
        with self._reading() as tx:
            return tx.fits(list(relationship_ids))

    def never_again(self, mentee_id: str) -> set[str]:
        """The mentors never to propose to this mentee again (a declined request, a not_a_fit answer)."""
        with self._reading() as tx:
            return tx.never_again(mentee_id)

    def responses(self, mentor_ids: list[str], now: float) -> dict[str, ResponseRecord]:
        """These mentors' response counts and last activity (only those with any), for the ranking."""
        with self._reading() as tx:
            return tx.responses(list(mentor_ids))

    def response_counts(self, now: float) -> list[tuple[int, int]]:
        """(answered, expired) of every mentor who answered or let expire a request: the ranking's prior."""
        with self._reading() as tx:
            return tx.response_counts()

    # -- the outbox (for the sender) -------------------------------------------------------------------

    def events(self, after: int = 0, limit: int = 100, undelivered: bool = False) -> list[OutboxRecord]:
        """Outbox events after id `after`, oldest first (only those not yet delivered with `undelivered`)."""
        with self._reading() as tx:
            return tx.outbox("id > ?" + (" AND delivered_at IS NULL" if undelivered else ""), (after,), limit)

    def claim_events(self, now: float, limit: int = 50, lease: float = 60.0) -> list[OutboxRecord]:
        """Take the events due at `now` (oldest first) for delivery: they are not due again for `lease`
        seconds, so that two senders never send the same event at once (PostgreSQL: SKIP LOCKED)."""
        with self._outbox_tx() as tx:
            due = tx.outbox(
                "delivered_at IS NULL AND next_attempt_at IS NOT NULL AND next_attempt_at <= ?",
                (now,),
                limit,
                claim=True,
            )
            for event in due:
                tx.run("UPDATE outbox SET next_attempt_at = ? WHERE id = ?", (now + lease, event.id))
        return due

    def mark_delivered(self, event_ids: list[int], now: float) -> None:
        """Record these events delivered (never sent again)."""
        with self._outbox_tx() as tx:
            for event_id in event_ids:
                tx.run(
                    "UPDATE outbox SET delivered_at = ?, attempts = attempts + 1, next_attempt_at = NULL, "
                    "last_error = NULL WHERE id = ?",
                    (now, event_id),
                )

    def mark_failed(self, event_id: int, now: float, error: str) -> float | None:
        """Record a failed attempt (`error`: a status code or an error class, never a body); returns when the
        event is due again (events.RETRY_SCHEDULE), None when it is given up."""
        with self._outbox_tx() as tx:
            row = tx.one("SELECT attempts FROM outbox WHERE id = ?", (event_id,))
            if row is None:
                return None
            due = events.next_attempt_at(int(row[0]) + 1, now)
            tx.run(
                "UPDATE outbox SET attempts = attempts + 1, next_attempt_at = ?, last_error = ? WHERE id = ?",
                (due, error[:200], event_id),
            )
        return due

    def prune_events(self, before: float) -> int:
        """Delete events delivered, or given up, before `before`; returns how many (retention)."""
        gone = (
            "(delivered_at IS NOT NULL AND delivered_at < ?) OR (delivered_at IS NULL AND next_attempt_at IS NULL "
            "AND created_at < ? AND NOT EXISTS (SELECT 1 FROM webhook_deliveries d WHERE d.outbox_id = outbox.id))"
        )
        with self._outbox_tx() as tx:  # (events handed to receivers end when their deliveries do: store/webhooks.py)
            tx.run(
                f"DELETE FROM webhook_deliveries WHERE outbox_id IN (SELECT id FROM outbox WHERE {gone})",
                (before, before),
            )
            return tx.run(f"DELETE FROM outbox WHERE {gone}", (before, before)).rowcount


# -- programmes and erasure (called inside the backend's own transactions) ----------------------------------


def start_programme_relationships(
    tx: Ledger, programme_id: str, published: list[PairRecord], long_term: bool, now: float
) -> list[RelationshipRecord]:
    """A relationship for each pair a publish published, with their events (in the publish's transaction)."""
    if not published:
        return []
    row = tx.one("SELECT spec FROM programmes WHERE id = ?", (programme_id,))
    spec = {} if row is None else _spec(row[0])
    needs = dict(tx.all("SELECT key, need FROM programme_cohort WHERE programme_id = ?", (programme_id,)))
    started = []
    for pair in published:
        planned = max(1, len(pair.plan) or int(spec.get("sessions") or 1))
        relationship = RelationshipRecord(
            new_id("rel"),
            "programme",
            pair.mentee_profile_id,
            pair.mentor_id,
            spec["style"],
            long_term,
            needs.get(pair.mentee_key, ""),
            tuple(pair.plan),
            planned,
            "active",
            now,
            programme_id=programme_id,
            mentee_key=pair.mentee_key,
        )
        tx.insert_relationship(relationship)
        tx.emit(events.relationship_started(relationship), now)
        started.append(relationship)
    tx.emit(events.programme_published(programme_id, len(published)), now)
    return started


def end_programme_relationships(tx: Ledger, programme_id: str, now: float) -> set[str]:
    """End the active relationships of a programme being deleted; returns the mentors whose places are freed."""
    ending = tx.relationships("programme_id = ? AND state = 'active'", (programme_id,))
    for relationship in ending:
        ended = replace(relationship, state="ended", end_reason="programme_deleted", ended_by="system", ended_at=now)
        tx.run(
            "UPDATE relationships SET state = ?, end_reason = ?, ended_by = ?, ended_at = ? WHERE id = ?",
            (ended.state, ended.end_reason, ended.ended_by, ended.ended_at, ended.id),
        )
        tx.emit(events.relationship_ended(ended), now)
    return {r.mentor_id for r in ending if r.long_term}


def forget_person(tx: Ledger, profile_id: str) -> set[str]:
    """Erase a person from requests, relationships (sessions, fit answers), bans, the outbox and the outcome log,
    in the caller's delete transaction; returns the other mentors whose places were freed."""
    freed = {
        r[0]
        for r in tx.all(
            "SELECT mentor_id FROM relationships WHERE mentee_id = ? AND state = 'active' AND long_term", (profile_id,)
        )
    }
    freed |= {
        r[0]
        for r in tx.all(
            f"SELECT mentor_id FROM requests WHERE mentee_id = ? AND state = 'pending' "
            f"AND long_term AND expires_at > {tx.dialect.now}",
            (profile_id,),
        )
    }
    theirs = "SELECT id FROM relationships WHERE mentee_id = ? OR mentor_id = ?"
    for table in ("relationship_sessions", "relationship_fits"):
        tx.run(f"DELETE FROM {table} WHERE relationship_id IN ({theirs})", (profile_id, profile_id))
    tx.run(
        "DELETE FROM webhook_deliveries WHERE outbox_id IN (SELECT id FROM outbox WHERE mentee_id = ? "
        "OR mentor_id = ?)",
        (profile_id, profile_id),
    )  # store/webhooks.py: deliveries go with their events
    for table in ("relationships", "requests", "never_again", "outbox"):
        tx.run(f"DELETE FROM {table} WHERE mentee_id = ? OR mentor_id = ?", (profile_id, profile_id))
    tx.run("DELETE FROM activity WHERE person_id = ?", (profile_id,))
    tx.forget_outcomes(profile_id)
    freed.discard(profile_id)
    return freed


def _side(relationship: RelationshipRecord, side: str | None) -> str | None:
    """The person who acted as `side` ("mentee" or "mentor"; an admin or the system is nobody's activity)."""
    return {"mentee": relationship.mentee_id, "mentor": relationship.mentor_id}.get(side or "")


def _spec(value) -> dict:
    return json.loads(value) if isinstance(value, str) else dict(value)


# -- outcomes the service records (matcher/outcomes): what the learned ranking learns from -------------------
# Recorded in the same transaction as the change. A mentor's fit answer is not an outcome (it is for admins
# only); ending for no time or another reason says nothing of the match, so it is not one either.
FIT_OUTCOMES = {"good": "good_fit", "not_a_fit": "not_a_fit"}


def _request_outcome(request: RequestRecord, outcome: str, now: float) -> Outcome | None:
    return observed_outcome(request.need, request.mentor_id, outcome, request.mentee_id, request.style, now)


def _relationship_outcome(relationship: RelationshipRecord, outcome: str, now: float) -> Outcome | None:
    """A programme's inline member (no profile) is one mentee by their programme and cohort key."""
    mentee = relationship.mentee_id or f"{relationship.programme_id}.{relationship.mentee_key}"
    return observed_outcome(relationship.need, relationship.mentor_id, outcome, mentee, relationship.style, now)
