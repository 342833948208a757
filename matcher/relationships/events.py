"""The events other apps hear of, and when a failed delivery is tried again. Pure.

Each change writes its events into the store's outbox in the same transaction (matcher.store.relationships),
so an event exists exactly when its change was committed; a sender (not part of this module) delivers them
later as Standard Webhooks (a signed id, timestamp and body). Payloads carry ids, states, reason codes,
dates and counts only: never a need, a bio, a name, a plan or a fit answer.

| type                   | when                                                        |
|------------------------|-------------------------------------------------------------|
| request.created        | a mentee asked a mentor                                     |
| request.answered       | the mentor accepted or declined                             |
| request.withdrawn      | the mentee withdrew a pending request                       |
| request.expired        | a pending request's time ran out (observed or swept)        |
| relationship.started   | an accepted request or a published programme pair          |
| relationship.ended     | completed (every planned session held) or ended             |
| session.logged         | a session was logged, done or missed                        |
| programme.published    | a programme's approved and pinned pairs were published      |
"""

from __future__ import annotations

from datetime import UTC, datetime

from .records import Event, RelationshipRecord, RequestRecord, SessionRecord

EVENT_TYPES = (
    "request.created",
    "request.answered",
    "request.withdrawn",
    "request.expired",
    "relationship.started",
    "relationship.ended",
    "session.logged",
    "programme.published",
)

# Seconds to wait after each failed attempt, then give up: the Standard Webhooks reference schedule (Svix):
# 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h: eight attempts over about a day and a day and a half.
RETRY_SCHEDULE = (5.0, 300.0, 1800.0, 7200.0, 18000.0, 36000.0, 36000.0)


def next_attempt_at(attempts: int, now: float) -> float | None:
    """When to try an event again after its `attempts`-th failed attempt; None: give up (the schedule is spent)."""
    if attempts < 1:
        return now
    if attempts > len(RETRY_SCHEDULE):
        return None
    return now + RETRY_SCHEDULE[attempts - 1]


def iso(seconds: float | None) -> str | None:
    """Seconds since the epoch as an RFC 3339 UTC timestamp (None stays None)."""
    if seconds is None:
        return None
    return datetime.fromtimestamp(seconds, UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def _request(request: RequestRecord, type_: str, **extra) -> Event:
    payload = {
        "request_id": request.id,
        "mentee_id": request.mentee_id,
        "mentor_id": request.mentor_id,
        "style": request.style,
        "state": request.state,
        **extra,
    }
    return Event(type_, payload, request.mentee_id, request.mentor_id)


def request_created(request: RequestRecord) -> Event:
    """A new pending request."""
    return _request(request, "request.created", expires_at=iso(request.expires_at))


def request_answered(request: RequestRecord) -> Event:
    """Accepted (with its relationship) or declined (with the reason code, if given)."""
    return _request(request, "request.answered", reason=request.reason, relationship_id=request.relationship_id)


def request_withdrawn(request: RequestRecord) -> Event:
    """The mentee withdrew it."""
    return _request(request, "request.withdrawn")


def request_expired(request: RequestRecord) -> Event:
    """Nobody answered in time."""
    return _request(request, "request.expired", expired_at=iso(request.expires_at))


def public_end_reason(relationship: RelationshipRecord) -> str | None:
    """The end reason others may see: a mentee's not_a_fit answer is theirs and the admins' only, so everyone
    else (the mentor, other apps) sees the relationship ended by the mentee, without the reason."""
    return None if relationship.end_reason == "not_a_fit" else relationship.end_reason


def relationship_started(relationship: RelationshipRecord) -> Event:
    """A relationship began: from an accepted request or a published programme pair."""
    payload = {
        "relationship_id": relationship.id,
        "origin": relationship.origin,
        "request_id": relationship.request_id,
        "programme_id": relationship.programme_id,
        "mentee_id": relationship.mentee_id,
        "mentor_id": relationship.mentor_id,
        "style": relationship.style,
        "state": relationship.state,
        "sessions_planned": relationship.sessions_planned,
    }
    return Event("relationship.started", payload, relationship.mentee_id, relationship.mentor_id)


def relationship_ended(relationship: RelationshipRecord) -> Event:
    """Completed, or ended (the reason as others may see it: public_end_reason)."""
    payload = {
        "relationship_id": relationship.id,
        "mentee_id": relationship.mentee_id,
        "mentor_id": relationship.mentor_id,
        "state": relationship.state,
        "reason": public_end_reason(relationship),
        "ended_by": relationship.ended_by,
    }
    return Event("relationship.ended", payload, relationship.mentee_id, relationship.mentor_id)


def session_logged(relationship: RelationshipRecord, session: SessionRecord, sessions_done: int) -> Event:
    """A session logged: its date, status and plan item, and the relationship's progress."""
    payload = {
        "relationship_id": relationship.id,
        "session_id": session.id,
        "mentee_id": relationship.mentee_id,
        "mentor_id": relationship.mentor_id,
        "date": session.date,
        "status": session.status,
        "plan_item": session.plan_item,
        "sessions_done": sessions_done,
        "sessions_planned": relationship.sessions_planned,
    }
    return Event("session.logged", payload, relationship.mentee_id, relationship.mentor_id)


def programme_published(programme_id: str, published: int) -> Event:
    """A programme published pairs (each also starts a relationship: relationship.started)."""
    return Event("programme.published", {"programme_id": programme_id, "published": published})
