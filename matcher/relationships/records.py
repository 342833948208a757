"""The records of introductions and relationships, as the store keeps and returns them. Pure dataclasses.

Only structured values are kept: ids, states, reason codes, dates, fit labels, plan items. The one text is
the mentee's need (the mentor reads it to decide, and the plan is made from it); nothing said in a session
is ever stored.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class RequestRecord:
    """A mentee's request for an introduction to a mentor, in a style, for a need.

    Attributes:
        long_term: the style is long-term: while pending it holds one of the mentor's places.
        state: as stored; a pending request past `expires_at` is expired whether or not the store has
            said so yet (states.effective_state).
        reason: the decline reason code (declined requests only).
        answered_at: when it left `pending` (accepted, declined, withdrawn, or the moment it expired).
        created_by: the API key that made it (its id), None from the command line.
    """

    id: str
    mentee_id: str
    mentor_id: str
    style: str
    long_term: bool
    need: str
    state: str
    created_at: float
    expires_at: float
    reason: str | None = None
    answered_at: float | None = None
    relationship_id: str | None = None
    created_by: str | None = None


@dataclass(frozen=True)
class RelationshipRecord:
    """A mentee and a mentor paired, from an accepted request or a published programme pair.

    Attributes:
        origin: "request" or "programme".
        mentee_id: the mentee's profile id; None for an inline programme member (`mentee_key` names them).
        long_term: takes one of the mentor's places while active.
        plan: the sessions as plain data (see matcher.programmes.plan), numbered 1..sessions_planned.
        end_reason: why it ended (states.END_REASONS); None while active or when completed.
        ended_by: "mentee", "mentor", "admin" or "system" (a deleted programme).
    """

    id: str
    origin: str
    mentee_id: str | None
    mentor_id: str
    style: str
    long_term: bool
    need: str
    plan: tuple = ()
    sessions_planned: int = 1
    state: str = "active"
    started_at: float = 0.0
    request_id: str | None = None
    programme_id: str | None = None
    mentee_key: str | None = None
    end_reason: str | None = None
    ended_by: str | None = None
    ended_at: float | None = None


@dataclass(frozen=True)
class SessionRecord:
    """One session logged against a relationship's plan: its date (ISO), the plan item (session number)
    covered if any, done or missed, and who logged it."""

    relationship_id: str
    date: str
    status: str
    plan_item: int | None = None
    logged_by: str = "admin"
    logged_at: float = 0.0
    id: int = 0


@dataclass(frozen=True)
class FitRecord:
    """One side's answer to the pairing-fit question (the latest answer counts)."""

    relationship_id: str
    side: str
    fit: str
    answered_at: float


@dataclass(frozen=True)
class Event:
    """A change other apps hear of: its type and a payload of ids, states, codes and dates only. `mentee_id`
    and `mentor_id` are kept beside the payload so that erasing a person finds their events."""

    type: str
    payload: dict[str, Any]
    mentee_id: str | None = None
    mentor_id: str | None = None


@dataclass(frozen=True)
class OutboxRecord:
    """An event as the outbox holds it, with its delivery state.

    Attributes:
        id: its place in the outbox (events are delivered in this order).
        event_id: the id receivers see (Standard Webhooks `webhook-id`): stable across retries.
        next_attempt_at: when the sender may try it (again); None once delivered or given up.
        last_error: why the last attempt failed (a status code or an error class, never a body).
    """

    id: int
    event_id: str
    type: str
    payload: dict[str, Any]
    created_at: float
    attempts: int = 0
    next_attempt_at: float | None = None
    delivered_at: float | None = None
    last_error: str | None = None


@dataclass(frozen=True)
class Progress:
    """How far a relationship has come: sessions done, missed and planned, and the plan items covered."""

    sessions_done: int
    sessions_missed: int
    sessions_planned: int
    items_covered: tuple[int, ...] = field(default_factory=tuple)
    topics_covered: tuple[str, ...] = field(default_factory=tuple)


@dataclass(frozen=True)
class ResponseRecord:
    """What the ranking may know of a mentor's responsiveness (admins' eyes; never in a match answer).

    answered: requests they accepted or declined; expired: requests they let expire;
    last_active: their last action in the loop (seconds since the epoch), None when none is known;
    first_asked: when they first received a request, None when never.
    """

    answered: int = 0
    expired: int = 0
    last_active: float | None = None
    first_asked: float | None = None
