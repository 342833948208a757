"""Who may do what to a request or a relationship, and what each of them sees. Pure.

Three kinds of actors:
- `admin`: an `admin` API key or the operator's command line; acts for anyone and sees everything.
- `app`: a `match` API key (an app proposing mentors to its signed-in users). It may ask for an
  introduction on behalf of a stored, active and discoverable mentee, and read the requests it made
  itself; it can never answer, withdraw, log a session or answer the fit question, so a `match` key
  cannot accept on anyone's behalf.
- `person`: one person acting for themselves: through a `people` API key (an app that signs people
  in names them in the `On-Behalf-Of` header on each call), or later through their own pages. They
  ask as the mentee, answer as the mentor, withdraw their own requests, log sessions and answer the
  fit question for their own side, and read only their own requests and relationships.

What a person sees of a relationship: the need, the plan, the progress and the sessions, and their own
fit answer only; a mentor never sees the mentee's fit answer (nor, when the mentee ended it with
not_a_fit, that reason). Admins see both answers.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from ..errors import NotAllowed
from .events import iso, public_end_reason
from .records import FitRecord, RelationshipRecord, RequestRecord, SessionRecord
from .states import effective_state, progress_of


@dataclass(frozen=True)
class Actor:
    """Who is acting: an admin, an app (a `match` key, by its id) or one person (by their profile id)."""

    kind: Literal["admin", "app", "person"]
    person_id: str | None = None
    key_id: str | None = None

    @classmethod
    def admin(cls, key_id: str | None = None) -> Actor:
        return cls("admin", None, key_id)

    @classmethod
    def app(cls, key_id: str) -> Actor:
        return cls("app", None, key_id)

    @classmethod
    def person(cls, person_id: str, key_id: str | None = None) -> Actor:
        return cls("person", person_id, key_id)

    @property
    def is_admin(self) -> bool:
        return self.kind == "admin"


def side_of(relationship: RelationshipRecord, person_id: str | None) -> str | None:
    """ "mentee", "mentor" or None: which side of the relationship a person is on."""
    if person_id is None:
        return None
    if relationship.mentee_id == person_id:
        return "mentee"
    if relationship.mentor_id == person_id:
        return "mentor"
    return None


# -- requests ---------------------------------------------------------------------------------------------


def may_ask(actor: Actor, mentee_id: str) -> None:
    """Admins and apps ask for any mentee (apps: stored, active and discoverable ones: the service checks);
    a person asks for themselves only."""
    if actor.kind == "person" and actor.person_id != mentee_id:
        raise NotAllowed(
            "mentee_id", f"{actor.person_id!r} may ask for introductions for themselves only, not for {mentee_id!r}"
        )


def may_read_request(actor: Actor, request: RequestRecord) -> bool:
    """Admins read every request, an app the ones it made, a person the ones they made or received."""
    if actor.is_admin:
        return True
    if actor.kind == "app":
        return request.created_by is not None and request.created_by == actor.key_id
    return actor.person_id in (request.mentee_id, request.mentor_id)


def may_answer(actor: Actor, request: RequestRecord) -> None:
    """Only the mentor the request was made to (or an admin) answers it."""
    if actor.is_admin:
        return
    if actor.kind == "app":
        raise NotAllowed(
            "request_id",
            "a match key cannot answer requests: the mentor answers (through a people "
            "key naming them in On-Behalf-Of, or an admin)",
        )
    if actor.person_id != request.mentor_id:
        raise NotAllowed(
            "request_id", f"{request.id} was made to another mentor; a person answers only the requests made to them"
        )


def may_withdraw(actor: Actor, request: RequestRecord) -> None:
    """Only the mentee who asked (or an admin) withdraws a request."""
    if actor.is_admin:
        return
    if actor.kind == "app":
        raise NotAllowed(
            "request_id",
            "a match key cannot withdraw requests: the mentee withdraws (through a "
            "people key naming them in On-Behalf-Of, or an admin)",
        )
    if actor.person_id != request.mentee_id:
        raise NotAllowed(
            "request_id", f"{request.id} was made by another mentee; a person withdraws only their own requests"
        )


def may_list_person(actor: Actor, person_id: str) -> None:
    """A person lists their own requests and relationships only (an app: only the requests it made)."""
    if actor.kind == "person" and actor.person_id != person_id:
        raise NotAllowed("person_id", f"{actor.person_id!r} may list their own requests and relationships only")


def request_view(request: RequestRecord, now: float) -> dict[str, Any]:
    """A request as JSON (every reader sees the same fields: see may_read_request for who reads it)."""
    state = effective_state(request, now)
    answered = request.expires_at if state == "expired" and request.state == "pending" else request.answered_at
    return {
        "id": request.id,
        "state": state,
        "mentee_id": request.mentee_id,
        "mentor_id": request.mentor_id,
        "style": request.style,
        "need": request.need,
        "reason": request.reason,
        "created_at": iso(request.created_at),
        "expires_at": iso(request.expires_at),
        "answered_at": iso(answered),
        "relationship_id": request.relationship_id,
    }


# -- relationships -----------------------------------------------------------------------------------------


def may_read_relationship(actor: Actor, relationship: RelationshipRecord) -> None:
    """Admins and the two people read a relationship; apps (match keys) do not."""
    if actor.is_admin:
        return
    if actor.kind == "app":
        raise NotAllowed(
            "relationship_id",
            "a match key cannot read relationships; read the request's state, or "
            "use a people key naming one of the two people",
        )
    if side_of(relationship, actor.person_id) is None:
        raise NotAllowed("relationship_id", f"{relationship.id} is between two other people")


def may_log_session(actor: Actor, relationship: RelationshipRecord) -> str:
    """Either person (or an admin) logs a session; returns who logged it ("mentee", "mentor" or "admin")."""
    may_read_relationship(actor, relationship)
    return "admin" if actor.is_admin else side_of(relationship, actor.person_id)  # type: ignore[return-value]


def may_answer_fit(actor: Actor, relationship: RelationshipRecord, by: str) -> None:
    """A person answers the fit question for their own side only; an admin for either."""
    may_read_relationship(actor, relationship)
    if actor.is_admin:
        return
    side = side_of(relationship, actor.person_id)
    if side != by:
        raise NotAllowed("by", f"{actor.person_id!r} is the {side} of {relationship.id}: answer with by={side!r}")


def may_end(actor: Actor, relationship: RelationshipRecord) -> str:
    """Either person (or an admin) ends a relationship; returns who ended it."""
    return may_log_session(actor, relationship)


def relationship_view(
    relationship: RelationshipRecord, sessions: list[SessionRecord], fits: list[FitRecord], actor: Actor
) -> dict[str, Any]:
    """A relationship as JSON, as this actor may see it (see the module's docstring)."""
    side = "admin" if actor.is_admin else side_of(relationship, actor.person_id)
    progress = progress_of(relationship, sessions)
    reason = relationship.end_reason
    if side not in ("admin", "mentee"):
        reason = public_end_reason(relationship)
    fit = {f.side: f.fit for f in fits if side == "admin" or f.side == side}
    return {
        "id": relationship.id,
        "state": relationship.state,
        "origin": relationship.origin,
        "request_id": relationship.request_id,
        "programme_id": relationship.programme_id,
        "mentee_id": relationship.mentee_id,
        "mentor_id": relationship.mentor_id,
        "style": relationship.style,
        "need": relationship.need,
        "started_at": iso(relationship.started_at),
        "ended_at": iso(relationship.ended_at),
        "end_reason": reason,
        "ended_by": relationship.ended_by,
        "progress": {
            "sessions_done": progress.sessions_done,
            "sessions_missed": progress.sessions_missed,
            "sessions_planned": progress.sessions_planned,
            "items_covered": list(progress.items_covered),
            "topics_covered": list(progress.topics_covered),
        },
        "sessions": [
            {"id": s.id, "date": s.date, "plan_item": s.plan_item, "status": s.status, "logged_by": s.logged_by}
            for s in sessions
        ],
        "fit": fit,
        "plan": list(relationship.plan),
    }
