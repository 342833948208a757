"""Introductions and relationships over HTTP: the contract apps and our checks use (issue 22).

    POST /v1/requests                                 {"mentee_id", "mentor_id", "need", "style"}: 201, the request
    GET  /v1/requests/<id>                            the request, its state now (expiry holds at read time)
    POST /v1/requests/<id>/answer                     {"answer": "accept" | "decline", "reason"?}: the request
    POST /v1/requests/<id>/withdraw                   the request
    GET  /v1/people/<id>/requests                     {"person_id", "outgoing": [...], "incoming": [...]}
    GET  /v1/people/<id>/relationships                {"person_id", "relationships": [...]}
    GET  /v1/relationships/<id>                       the relationship: plan, progress, sessions, fit
    POST /v1/relationships/<id>/sessions              {"date", "plan_item"?, "status"}: the relationship
    POST /v1/relationships/<id>/fit                   {"by", "fit"}: the relationship
    POST /v1/relationships/<id>/end                   {"reason"}: the relationship

Who acts (matcher/relationships/access.py): an `admin` key for anyone; a `match` key as an app (asks for a
stored mentee, reads the requests it made; never answers); a `people` key as the one person its app names in
the `On-Behalf-Of` header (a stored profile id). Every answer is `Cache-Control: no-store` (they hold needs
and states of people); the log gets ids and states only.
"""

from __future__ import annotations

from flask import Blueprint, Response, g, jsonify, request, url_for

from ..errors import Conflict, FieldError, InvalidInput, NotAllowed, NotFound, RuleRefused
from ..relationships.access import Actor
from ..relationships.service import RelationshipService
from .auth import authenticate, require_scope
from .context import service
from .errors import PROBLEM_BASE, json_object, problem_response

bp = Blueprint("relationships", __name__)

ON_BEHALF_OF = "On-Behalf-Of"
CONFLICT = PROBLEM_BASE + "conflict"
NOT_FOUND = PROBLEM_BASE + "unknown-record"
NOT_ALLOWED = PROBLEM_BASE + "not-allowed"
RULE = PROBLEM_BASE + "rule"


def relationships() -> RelationshipService:
    return service().relationships


def actor() -> Actor:
    """Who is acting, from the key require_scope verified and, for a people key, On-Behalf-Of."""
    key = g.get("api_key") or authenticate("match")
    if key.scope == "admin":
        return Actor.admin(key.key_id)
    if key.scope == "people":
        person = request.headers.get(ON_BEHALF_OF, "").strip()
        if not person:
            raise InvalidInput(
                [
                    FieldError(
                        ON_BEHALF_OF,
                        "a people key acts for one person: send their profile id in the On-Behalf-Of header",
                    )
                ]
            )
        if service().store.get(person) is None:
            raise InvalidInput([FieldError(ON_BEHALF_OF, f"no stored profile with id {person[:64]!r}")])
        return Actor.person(person, key.key_id)
    return Actor.app(key.key_id)


def _errors(field: str, reason: str) -> list[dict[str, str]]:
    return [{"field": field, "reason": reason}]


def not_found(exc: NotFound) -> Response:
    return problem_response(404, str(exc), NOT_FOUND, "Unknown record", errors=_errors(exc.field, exc.detail))


def not_allowed(exc: NotAllowed) -> Response:
    return problem_response(403, str(exc), NOT_ALLOWED, "Not allowed", errors=_errors(exc.field, exc.detail))


def conflict(exc: Conflict) -> Response:
    return problem_response(
        409, str(exc), CONFLICT, "Conflict", errors=_errors(exc.field, exc.detail), **exc.extensions
    )


def rule_refused(exc: RuleRefused) -> Response:
    """422 naming the field and, in `rule`, the rule that refuses the pair."""
    return problem_response(
        422,
        str(exc),
        RULE,
        "Not allowed by the rules",
        rule=exc.rule,
        errors=[{"field": e.field, "reason": e.reason} for e in exc.errors],
    )


bp.register_error_handler(NotFound, not_found)
bp.register_error_handler(NotAllowed, not_allowed)
bp.register_error_handler(Conflict, conflict)
bp.register_error_handler(RuleRefused, rule_refused)


@bp.after_request
def _no_store(response: Response) -> Response:
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.post("/v1/requests")
@require_scope("match")
def create_request():
    """Ask a mentor for an introduction: 201 with the request, or 422 naming the rule that refuses it."""
    view = relationships().ask(actor(), json_object())
    response = jsonify(view)
    response.status_code = 201
    response.headers["Location"] = url_for("relationships.get_request", request_id=view["id"])
    return response


@bp.get("/v1/requests/<request_id>")
@require_scope("match")
def get_request(request_id: str):
    """The request, in its state now."""
    return jsonify(relationships().view_request(actor(), request_id))


@bp.post("/v1/requests/<request_id>/answer")
@require_scope("match")
def answer_request(request_id: str):
    """The mentor accepts or declines."""
    return jsonify(relationships().answer(actor(), request_id, json_object()))


@bp.post("/v1/requests/<request_id>/withdraw")
@require_scope("match")
def withdraw_request(request_id: str):
    """The mentee takes the request back."""
    return jsonify(relationships().withdraw(actor(), request_id))


@bp.get("/v1/people/<person_id>/requests")
@require_scope("match")
def person_requests(person_id: str):
    """A person's requests, made and received."""
    return jsonify(relationships().requests_of(actor(), person_id))


@bp.get("/v1/people/<person_id>/relationships")
@require_scope("match")
def person_relationships(person_id: str):
    """A person's relationships, on both sides."""
    return jsonify(relationships().relationships_of(actor(), person_id))


@bp.get("/v1/relationships/<relationship_id>")
@require_scope("match")
def get_relationship(relationship_id: str):
    """The relationship with its plan, progress and sessions."""
    return jsonify(relationships().view_relationship(actor(), relationship_id))


@bp.post("/v1/relationships/<relationship_id>/sessions")
@require_scope("match")
def log_session(relationship_id: str):
    """Log a session held or missed."""
    return jsonify(relationships().log_session(actor(), relationship_id, json_object()))


@bp.post("/v1/relationships/<relationship_id>/fit")
@require_scope("match")
def answer_fit(relationship_id: str):
    """One side's answer to the pairing-fit question."""
    return jsonify(relationships().answer_fit(actor(), relationship_id, json_object()))


@bp.post("/v1/relationships/<relationship_id>/end")
@require_scope("match")
def end_relationship(relationship_id: str):
    """End an active relationship with a reason code."""
    return jsonify(relationships().end(actor(), relationship_id, json_object()))
