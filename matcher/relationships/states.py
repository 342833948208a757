"""The state machine of introductions and relationships: which changes are allowed, and what each leads to.

Pure: decisions over records, no I/O. The store calls these inside its transactions (so each decision
sees the state it changes), and raises what they return after the transaction ends, so that what was
observed on the way (an expiry) is kept even when the change itself is refused.

    request:       pending ─► accepted | declined (no_time, not_my_topic, other) | expired | withdrawn
    relationship:  active  ─► completed (every planned session done) | ended (a reason code)
"""

from __future__ import annotations

import re
from datetime import date

from ..errors import Conflict, FieldError, InvalidInput, RuleRefused
from .records import Progress, RelationshipRecord, RequestRecord, SessionRecord

REQUEST_STATES = ("pending", "accepted", "declined", "expired", "withdrawn")
DECLINE_REASONS = ("no_time", "not_my_topic", "other")
RELATIONSHIP_STATES = ("active", "completed", "ended")
END_REASONS = ("goal_reached", "no_time", "not_a_fit", "programme_deleted", "other")
ENDED_BY = ("mentee", "mentor", "admin", "system")
FITS = ("good", "still_deciding", "not_a_fit")
SIDES = ("mentee", "mentor")
SESSION_STATUSES = ("done", "missed")
BAN_REASONS = ("declined", "not_a_fit")
DAY = 86_400.0
FUTURE_SLACK_DAYS = 1  # a session's date may be "tomorrow" where the logger is, not later

_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def effective_state(request: RequestRecord, now: float) -> str:
    """The request's state at `now`: a pending request past its expiry is expired, whatever the store says yet."""
    if request.state == "pending" and now >= request.expires_at:
        return "expired"
    return request.state


def is_live(request: RequestRecord, now: float) -> bool:
    """True for a pending request that has not expired (it holds a place when long-term)."""
    return effective_state(request, now) == "pending"


# -- asking -----------------------------------------------------------------------------------------


def refuse_request(
    request: RequestRecord,
    *,
    banned: bool,
    pending_with_mentor: RequestRecord | None,
    active_with_mentor: RelationshipRecord | None,
    open_requests: int,
    max_open: int,
    places_left: int | None,
) -> Exception | None:
    """Why a new request may not be stored, or None when it may.

    Args:
        banned: the mentor is "never again" for this mentee (a declined request, a not_a_fit).
        pending_with_mentor: a live pending request of this mentee to this mentor.
        active_with_mentor: an active relationship of the two, whatever made it.
        open_requests: the mentee's live pending requests.
        places_left: the mentor's capacity less their ledger (long-term styles), None for flash.
    Returns:
        RuleRefused (422) for the rules of asking, Conflict (409) for a duplicate or too many open requests.
    """
    if banned:
        return RuleRefused("never_again", "mentor_id", f"{request.mentor_id!r} is not proposed to this mentee again")
    if pending_with_mentor is not None:
        return Conflict(
            "mentor_id",
            f"a request to {request.mentor_id!r} is already pending ({pending_with_mentor.id})",
            request_id=pending_with_mentor.id,
        )
    if active_with_mentor is not None:
        return Conflict(
            "mentor_id",
            f"{request.mentee_id!r} and {request.mentor_id!r} already have an active "
            f"relationship ({active_with_mentor.id})",
            relationship_id=active_with_mentor.id,
            request_id=active_with_mentor.request_id,
        )
    if open_requests >= max_open:
        return Conflict(
            "mentee_id",
            f"{request.mentee_id!r} already has {open_requests} pending requests, the most "
            f"allowed (MATCHER_MAX_OPEN_REQUESTS={max_open}): wait for an answer or "
            f"withdraw one",
        )
    if places_left is not None and places_left < 1:
        return RuleRefused("no_room", "mentor_id", f"{request.mentor_id!r} has no room for another long-term mentee")
    return None


# -- answering ------------------------------------------------------------------------------------------


def refuse_change(request: RequestRecord, now: float, verb: str) -> Conflict | None:
    """A Conflict when the request is no longer pending (it may have expired just now), else None."""
    state = effective_state(request, now)
    if state == "pending":
        return None
    return Conflict("request_id", f"{request.id} is {state}; only a pending request can be {verb}", state=state)


def refuse_accept(request: RequestRecord, *, banned: bool, capacity: int, active: int) -> Conflict | None:
    """Why a pending request cannot be accepted now, or None.

    A long-term style needs a place not taken by an active relationship: pending requests hold places
    against new requests and programme pairs, but among themselves the first accepted wins when the
    mentor's capacity went down meanwhile (so two accepts for a last place: exactly one succeeds).
    """
    if banned:
        return Conflict(
            "request_id",
            f"{request.mentor_id!r} is 'never again' for {request.mentee_id!r} since the "
            "request was made (a not_a_fit answer)",
            rule="never_again",
        )
    if request.long_term and capacity - active < 1:
        return Conflict(
            "request_id",
            f"{request.mentor_id!r} has no place left for another long-term mentee "
            f"({active} active of {capacity}); nothing changed",
            rule="no_room",
        )
    return None


def check_decline_reason(reason: str | None) -> None:
    """Raise InvalidInput when a decline reason is not one of the codes."""
    if reason is not None and reason not in DECLINE_REASONS:
        raise InvalidInput([FieldError("reason", f"expected one of {', '.join(DECLINE_REASONS)}, got {reason!r}")])


# -- sessions, fit, ending --------------------------------------------------------------------------


def refuse_session(relationship: RelationshipRecord) -> Conflict | None:
    """Sessions are logged on active relationships only."""
    if relationship.state != "active":
        return Conflict(
            "relationship_id",
            f"{relationship.id} is {relationship.state}; sessions are logged on active relationships only",
            state=relationship.state,
        )
    return None


def parse_session_date(value: str, today: date) -> date:
    """A session's date: ISO YYYY-MM-DD, a real day, not after tomorrow. Raises InvalidInput naming `date`."""
    if not isinstance(value, str) or not _ISO_DATE.match(value):
        raise InvalidInput([FieldError("date", f"expected an ISO date YYYY-MM-DD, got {value!r}")])
    try:
        day = date.fromisoformat(value)
    except ValueError as exc:
        raise InvalidInput([FieldError("date", f"not a real day: {exc}")]) from None
    if (day - today).days > FUTURE_SLACK_DAYS:
        raise InvalidInput([FieldError("date", f"{value} is in the future; log a session once it took place")])
    return day


def check_plan_item(plan_item: int | None, relationship: RelationshipRecord) -> None:
    """A plan item is a session number of the relationship's plan (1..sessions_planned)."""
    if plan_item is not None and not 1 <= plan_item <= relationship.sessions_planned:
        raise InvalidInput(
            [
                FieldError(
                    "plan_item",
                    f"expected a session number of the plan, 1..{relationship.sessions_planned}, got {plan_item}",
                )
            ]
        )


def completes(relationship: RelationshipRecord, sessions_done: int) -> bool:
    """True when this many done sessions complete an active relationship (every planned session held)."""
    return relationship.state == "active" and sessions_done >= relationship.sessions_planned


def refuse_fit(relationship: RelationshipRecord, sessions_done: int) -> Exception | None:
    """The fit question is asked after the first session held: 422 before it, 409 on an ended relationship."""
    if relationship.state == "ended":
        return Conflict(
            "relationship_id", f"{relationship.id} has ended; its pairing fit can no longer change", state="ended"
        )
    if sessions_done < 1:
        return InvalidInput(
            [
                FieldError(
                    "fit",
                    "the pairing-fit question is answered after the first session: "
                    "log a session held (status done) first",
                )
            ]
        )
    return None


def refuse_end(relationship: RelationshipRecord) -> Conflict | None:
    """Only an active relationship can be ended."""
    if relationship.state != "active":
        return Conflict(
            "relationship_id",
            f"{relationship.id} is {relationship.state}; only an active relationship can be ended",
            state=relationship.state,
        )
    return None


def progress_of(relationship: RelationshipRecord, sessions: list[SessionRecord]) -> Progress:
    """Sessions done / missed / planned, and which plan items (and their topics) the done sessions covered."""
    done = [s for s in sessions if s.status == "done"]
    items = sorted({s.plan_item for s in done if s.plan_item is not None})
    topics: list[str] = []
    for item in items:
        session = next((s for s in relationship.plan if s.get("number") == item), None)
        for cover in (session or {}).get("covers", []):
            if cover.get("topic") and cover["topic"] not in topics:
                topics.append(cover["topic"])
    return Progress(len(done), len(sessions) - len(done), relationship.sessions_planned, tuple(items), tuple(topics))
