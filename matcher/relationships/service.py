"""RelationshipService: introductions and relationships over a MatchService (its store, index and model).

The faces (HTTP, CLI, later the people's pages) call it with an `Actor` (access.py). It validates the
input, checks who may do it, checks the style's rules at asking time with the match's own eligibility
(styles.rules.refusal over the same catalog: never oneself, never the reporting line, an active,
discoverable mentor offering the style, with room), makes the plan of an accepted request
(programmes.pair_plan), and hands each change to the store, which makes it in one transaction with its
events. After a change that takes or frees a place this process's catalog catches up at once; other
processes catch up through the change sequence.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from ..errors import FieldError, InvalidInput, NotAllowed, NotFound, RuleRefused
from ..profiles import Profile, findable, goals_text
from ..programmes.match_side import PipelineMatchSide
from ..programmes.pair_plan import one_way_plan, two_way_pair_plan
from ..search.mentees import resolve_mentee
from ..search.request import MenteeSpec
from ..store.ledger import new_id
from ..styles.rules import get_style, refusal
from . import access, inputs, states
from .access import Actor
from .records import RelationshipRecord, RequestRecord, SessionRecord

if TYPE_CHECKING:
    from ..config import Settings
    from ..index.state import IndexState
    from ..service import MatchService
    from ..store import ProfileStore

log = logging.getLogger("matcher.relationships")

RULE_WORDS = {
    "oneself": "a person cannot ask themselves",
    "not_a_mentor": "is not an active, discoverable mentor",
    "paused": "is not taking requests at the moment",
    "style": "does not offer this style to this mentee (the style's own rule, e.g. seniority)",
    "reporting_line": "is in the mentee's reporting line",
    "no_room": "has no room for another long-term mentee",
}


class RelationshipService:
    """Introductions and relationships (see the module docstring).

    Args:
        store: the store (ProfileStore).
        settings: the service's settings (TTL, open requests, sessions, need length).
        service: the MatchService whose index and model it uses to check the rules of asking and to plan
            sessions; None for an operator's lists, sweeps and exports (no model loaded).
        clock: seconds since the epoch, now (time.time; a test may pass another clock).
    """

    def __init__(
        self,
        store: ProfileStore,
        settings: Settings,
        service: MatchService | None = None,
        clock: Callable[[], float] = time.time,
    ):
        self.service = service
        self.store = store
        self.settings = settings
        self.clock = clock
        self._expiry_lock = threading.Lock()
        self._seen_seq = -1
        self._next_expiry: float | None = None

    # -- expiry: correct at read time, tidied when noticed ------------------------------------------

    def expiry_due(self, seq: int) -> bool:
        """True when a pending long-term request has expired since this process last looked (its place is free
        but the catalog still counts it). Costs nothing until the store's sequence moves past `seq`."""
        with self._expiry_lock:
            if seq != self._seen_seq:
                self._next_expiry, self._seen_seq = self.store.next_request_expiry(), seq
            return self._next_expiry is not None and self.clock() >= self._next_expiry

    def expire_due(self) -> list[RequestRecord]:
        """Mark every pending request past its time expired (events request.expired); returns them."""
        expired = self.store.expire_requests(self.clock())
        with self._expiry_lock:
            self._seen_seq = -1  # look again: another process may have expired them first
        if expired:
            log.info("requests expired: %d", len(expired))
        return expired

    def _index(self) -> IndexState:
        """This process's index state, caught up (the match's catalog: the rules of asking read it)."""
        if self.service is None:
            raise RuntimeError("asking and accepting need the MatchService (its index and model)")
        return self.service.refresh()

    def _refresh(self) -> None:
        """After a place was taken or freed: this process's catalog catches up at once (others through the
        change sequence)."""
        if self.service is not None:
            self.service.refresh()

    # -- requests ------------------------------------------------------------------------------------

    def ask(self, actor: Actor, body: Any) -> dict[str, Any]:
        """Store a request for an introduction (201); the rules of asking are the match's own.

        Raises:
            InvalidInput: a bad body, an unknown mentee or mentor (422 naming the field).
            RuleRefused: a style rule or "never again" refuses the pair (422 naming the rule).
            NotAllowed: a person asking for someone else.
            Conflict: a pending request or active relationship joins them, or too many pending (409).
        """
        data = inputs.parse(inputs.NewRequest, body)
        if len(data.need) > self.settings.max_need_chars:
            raise InvalidInput([FieldError("need", f"at most {self.settings.max_need_chars} characters")])
        access.may_ask(actor, data.mentee_id)
        limited = not actor.is_admin
        mentee = self._person(
            data.mentee_id,
            "mentee_id",
            usable=lambda p: not limited or actor.kind == "person" or (p.active and p.discoverable),
        )
        self._person(
            data.mentor_id, "mentor_id", usable=lambda p: not limited or findable(p) or data.mentor_id == data.mentee_id
        )
        self._check_rules(data.style, mentee.id, data.mentor_id)
        now = self.clock()
        record = RequestRecord(
            new_id("req"),
            data.mentee_id,
            data.mentor_id,
            data.style,
            get_style(data.style).long_term,
            data.need,
            "pending",
            now,
            now + self.settings.request_ttl_days * states.DAY,
            created_by=actor.key_id,
        )
        try:
            self.store.create_request(record, self.settings.max_open_requests, now)
        except NotFound as exc:  # erased meanwhile
            raise InvalidInput([FieldError(exc.field, exc.detail)]) from None
        if record.long_term:
            self._refresh()  # this process's catalog sees the place taken at once
        log.info(
            "request %s created: mentee=%s mentor=%s style=%s",
            record.id,
            record.mentee_id,
            record.mentor_id,
            record.style,
        )
        return access.request_view(record, now)

    def _person(self, profile_id: str, field: str, usable: Callable[[Profile], bool]) -> Profile:
        stored = self.store.get(profile_id)
        if stored is None or not usable(stored.profile):
            raise InvalidInput(
                [
                    FieldError(
                        field,
                        f"no stored profile with id {profile_id!r}"
                        + ("" if stored is None else " that may be named here"),
                    )
                ]
            )
        return stored.profile

    def _check_rules(self, style: str, mentee_id: str, mentor_id: str) -> None:
        """The match's eligibility for this pair, now: RuleRefused naming the first rule that refuses it."""
        state = self._index()
        mentee = resolve_mentee(MenteeSpec(id=mentee_id), self.store, state.catalog, "full")
        problems = get_style(style).requirements(mentee)
        if problems:
            raise InvalidInput([FieldError("mentee_id", f"{e.field}: {e.reason}") for e in problems])
        with state.lock.read():
            row = state.catalog.row_of.get(mentor_id, -1)
            rule = refusal(style, state.catalog, mentee, row)
        if rule is not None:
            subject = "" if rule == "oneself" else f"{mentor_id!r} "
            raise RuleRefused(rule, "mentor_id", subject + RULE_WORDS[rule])

    def view_request(self, actor: Actor, request_id: str) -> dict[str, Any]:
        """A request as its reader may see it (404 unknown, 403 someone else's)."""
        request = self._request(request_id)
        if not access.may_read_request(actor, request):
            raise NotAllowed("request_id", f"{request_id} is someone else's request")
        return access.request_view(request, self.clock())

    def requests_of(self, actor: Actor, person_id: str) -> dict[str, Any]:
        """A person's requests, made (outgoing) and received (incoming), newest first; an app sees only the
        ones it made."""
        access.may_list_person(actor, person_id)
        if self.store.get(person_id) is None:
            raise NotFound("person_id", f"no stored profile with id {person_id!r}")
        mine = self.store.requests(person_id=person_id, created_by=actor.key_id if actor.kind == "app" else None)
        now = self.clock()
        return {
            "person_id": person_id,
            "outgoing": [access.request_view(r, now) for r in mine if r.mentee_id == person_id],
            "incoming": [access.request_view(r, now) for r in mine if r.mentor_id == person_id],
        }

    def answer(self, actor: Actor, request_id: str, body: Any) -> dict[str, Any]:
        """The mentor accepts (a relationship starts, with its plan) or declines (with a reason code).

        Raises:
            NotFound, NotAllowed (someone else's request, or a match key), InvalidInput (a bad body),
            Conflict (not pending any more, or no place left: nothing changed).
        """
        data = inputs.parse(inputs.Answer, body)
        if data.answer == "accept" and data.reason is not None:
            raise InvalidInput([FieldError("reason", "only a decline takes a reason")])
        request = self._request(request_id)
        access.may_answer(actor, request)
        now = self.clock()
        relationship = self._relationship_for(request) if data.answer == "accept" else None
        request, started = self.store.answer_request(
            request.id, data.answer == "accept", data.reason, now, relationship
        )
        if started is None and request.long_term:
            self._refresh()  # a decline frees the place
        log.info("request %s %s", request.id, request.state)
        return access.request_view(request, now)

    def _relationship_for(self, request: RequestRecord) -> RelationshipRecord:
        """The relationship an accepted request starts, with its plan of sessions (flash: one session; two-way:
        each teaches the other in turn, the mentor's side from their stored goals)."""
        sessions = self.settings.relationship_sessions if request.long_term else 1
        self._index()
        side = PipelineMatchSide(self.service)
        if get_style(request.style).mutual:
            mentee, mentor = self.store.get(request.mentee_id), self.store.get(request.mentor_id)
            plan = two_way_pair_plan(
                side,
                (request.mentee_id, request.need, mentee.profile.name if mentee else request.mentee_id),
                (
                    request.mentor_id,
                    goals_text(mentor.profile) if mentor else "",
                    mentor.profile.name if mentor else "",
                ),
                sessions,
            )
        else:
            plan = one_way_plan(side, request.need, request.mentor_id, sessions)
        return RelationshipRecord(
            new_id("rel"),
            "request",
            request.mentee_id,
            request.mentor_id,
            request.style,
            request.long_term,
            request.need,
            plan,
            sessions,
            request_id=request.id,
        )

    def withdraw(self, actor: Actor, request_id: str) -> dict[str, Any]:
        """The mentee takes back a pending request (409 when it is not pending any more)."""
        request = self._request(request_id)
        access.may_withdraw(actor, request)
        now = self.clock()
        request = self.store.withdraw_request(request.id, now)
        if request.long_term:
            self._refresh()
        log.info("request %s withdrawn", request.id)
        return access.request_view(request, now)

    def _request(self, request_id: str) -> RequestRecord:
        request = self.store.request(request_id)
        if request is None:
            raise NotFound("request_id", f"no request with id {request_id!r}")
        return request

    def list_requests(self, state: str | None = None) -> list[RequestRecord]:
        """Every request (operators), newest first, each in its state now; `state` keeps those in that state."""
        now = self.clock()
        stored = None if state in (None, "pending", "expired") else state
        found = [replace(r, state=states.effective_state(r, now)) for r in self.store.requests(state=stored)]
        return [r for r in found if state is None or r.state == state]

    # -- relationships ------------------------------------------------------------------------------

    def view_relationship(self, actor: Actor, relationship_id: str) -> dict[str, Any]:
        """A relationship with its plan, progress and sessions, as this actor may see it."""
        relationship = self._relationship(relationship_id)
        access.may_read_relationship(actor, relationship)
        return self._view(relationship, actor)

    def relationships_of(self, actor: Actor, person_id: str) -> dict[str, Any]:
        """A person's relationships on both sides, newest first (admins and the person)."""
        access.may_list_person(actor, person_id)
        if actor.kind == "app":
            raise NotAllowed("person_id", "a match key cannot read relationships")
        if self.store.get(person_id) is None:
            raise NotFound("person_id", f"no stored profile with id {person_id!r}")
        found = self.store.relationships(person_id=person_id)
        sessions, fits = self.store.sessions([r.id for r in found]), self.store.fits([r.id for r in found])
        return {
            "person_id": person_id,
            "relationships": [access.relationship_view(r, sessions[r.id], fits[r.id], actor) for r in found],
        }

    def log_session(self, actor: Actor, relationship_id: str, body: Any) -> dict[str, Any]:
        """Log a session held or missed (the last planned session held completes the relationship)."""
        data = inputs.parse(inputs.NewSession, body)
        relationship = self._relationship(relationship_id)
        logged_by = access.may_log_session(actor, relationship)
        now = self.clock()
        states.parse_session_date(data.date, datetime.fromtimestamp(now, UTC).date())
        states.check_plan_item(data.plan_item, relationship)
        relationship, session = self.store.log_session(
            SessionRecord(relationship.id, data.date, data.status, data.plan_item, logged_by), now
        )
        self._caught_up(relationship)
        log.info("relationship %s: session %d logged (%s)", relationship.id, session.id, session.status)
        return self._view(relationship, actor)

    def answer_fit(self, actor: Actor, relationship_id: str, body: Any) -> dict[str, Any]:
        """One side's answer to the fit question, after the first session held; a mentee's not_a_fit ends the
        relationship and that mentor is never proposed to them again."""
        data = inputs.parse(inputs.FitAnswer, body)
        relationship = self._relationship(relationship_id)
        access.may_answer_fit(actor, relationship, data.by)
        relationship = self.store.record_fit(relationship.id, data.by, data.fit, self.clock())
        self._caught_up(relationship)
        log.info("relationship %s: fit answered by the %s", relationship.id, data.by)  # never the answer
        return self._view(relationship, actor)

    def end(self, actor: Actor, relationship_id: str, body: Any) -> dict[str, Any]:
        """Either side (or an admin) ends an active relationship with a reason code."""
        data = inputs.parse(inputs.EndRelationship, body)
        relationship = self._relationship(relationship_id)
        ended_by = access.may_end(actor, relationship)
        relationship = self.store.end_relationship(relationship.id, data.reason, ended_by, self.clock())
        self._caught_up(relationship)
        log.info("relationship %s ended by the %s", relationship.id, ended_by)
        return self._view(relationship, actor)

    def _caught_up(self, relationship: RelationshipRecord) -> None:
        if relationship.state != "active" and relationship.long_term:
            self._refresh()  # its place was freed

    def _relationship(self, relationship_id: str) -> RelationshipRecord:
        relationship = self.store.relationship(relationship_id)
        if relationship is None:
            raise NotFound("relationship_id", f"no relationship with id {relationship_id!r}")
        return relationship

    def _view(self, relationship: RelationshipRecord, actor: Actor) -> dict[str, Any]:
        ids = [relationship.id]
        return access.relationship_view(
            relationship, self.store.sessions(ids)[relationship.id], self.store.fits(ids)[relationship.id], actor
        )

    def standing(self, mentor_ids: list[str] | None = None) -> list[dict[str, Any]]:
        """Why the ranking moves mentors down (standing.py), for admins: these mentors, or every mentor it
        moves down now. Reads the same records and the same prior as a match."""
        from ..search.responsiveness import ResponsivenessSettings, fit_prior
        from .standing import standing

        now = self.clock()
        settings = ResponsivenessSettings(self.settings.responsiveness_weight, self.settings.inactive_days)
        prior = fit_prior(self.store.response_counts(now))
        if mentor_ids is None:
            records = self.store.responses([r.mentor_id for r in self.store.requests()], now)
            found = [standing(m, records[m], prior, settings, now) for m in sorted(records)]
            return [f for f in found if f["factor"] < 1 or f["sinks"]]
        for mentor_id in mentor_ids:
            if self.store.get(mentor_id) is None:
                raise NotFound("mentor_id", f"no stored profile has the id {mentor_id!r}")
        records = self.store.responses(list(mentor_ids), now)
        return [standing(m, records.get(m), prior, settings, now) for m in mentor_ids]

    def list_relationships(self, state: str | None = None) -> list[RelationshipRecord]:
        """Every relationship (operators), newest first, optionally in one state."""
        return self.store.relationships(state=state)

    def progress_rows(self, state: str | None = None) -> list[dict[str, Any]]:
        """One row per relationship for the progress export: ids, states, dates, counts, topics and both fit
        answers (operators: see SECURITY.md)."""
        found = self.store.relationships(state=state)
        sessions, fits = self.store.sessions([r.id for r in found]), self.store.fits([r.id for r in found])
        rows = []
        for r in found:
            progress = states.progress_of(r, sessions[r.id])
            answers = {f.side: f.fit for f in fits[r.id]}
            rows.append(
                {
                    "relationship_id": r.id,
                    "origin": r.origin,
                    "request_id": r.request_id or "",
                    "programme_id": r.programme_id or "",
                    "mentee_id": r.mentee_id or r.mentee_key or "",
                    "mentor_id": r.mentor_id,
                    "style": r.style,
                    "state": r.state,
                    "end_reason": r.end_reason or "",
                    "started": _day(r.started_at),
                    "ended": _day(r.ended_at),
                    "sessions_done": progress.sessions_done,
                    "sessions_missed": progress.sessions_missed,
                    "sessions_planned": progress.sessions_planned,
                    "topics_covered": " | ".join(progress.topics_covered),
                    "fit_mentee": answers.get("mentee", ""),
                    "fit_mentor": answers.get("mentor", ""),
                }
            )
        return rows


def _day(seconds: float | None) -> str:
    return "" if seconds is None else datetime.fromtimestamp(seconds, UTC).date().isoformat()
