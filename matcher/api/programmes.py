"""Programmes over HTTP (admin scope): create, list, read, delete, run a draft, act on pairs, publish, export.

    POST   /v1/programmes                            a ProgrammeSpec: 201, Location, the programme
    GET    /v1/programmes                            {"programmes": [...]}, newest first
    GET    /v1/programmes/<id>                       the programme (ProgrammeView.as_dict)
    DELETE /v1/programmes/<id>                       204 (published pairs free their places)
    POST   /v1/programmes/<id>/runs                  a draft for the remainder: the programme
    POST   /v1/programmes/<id>/pairs                 {"action", "mentees", "mentor"}: the programme
    POST   /v1/programmes/<id>/publish               {"published": [...], "programme": {...}}; 409 over-commit
    GET    /v1/programmes/<id>/pairs.csv             text/csv, one row per cohort member
    GET    /v1/programmes/<id>/sessions.ics          text/calendar: the published pairs' sessions; 409 no start date

A programme holds its cohort's needs and names (personal data): only `admin` keys reach these routes, and
the log gets ids and counts only (the service logs each create, run and publish; this module each action).
Its exports are answered with `Cache-Control: no-store`, so no browser or proxy keeps a copy.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from flask import Blueprint, Response, jsonify, url_for

from ..errors import InvalidInput, OverCommitted
from ..programmes.service import ProgrammeService, ProgrammeView, UnknownProgramme
from ..styles.rules import ANY
from .auth import require_scope
from .context import service
from .errors import PROBLEM_BASE, Problem, json_object, problem_response
from .schemas import PairAction, parse_pair_action

if TYPE_CHECKING:
    from ..store import ProgrammeRecord  # a type only: the face gets records from the programmes

bp = Blueprint("programmes", __name__)
log = logging.getLogger("matcher.api")

OVER_COMMITTED = PROBLEM_BASE + "over-committed"
UNKNOWN_PROGRAMME = PROBLEM_BASE + "unknown-programme"
NO_START_DATE = PROBLEM_BASE + "no-start-date"


def programmes() -> ProgrammeService:
    """The app's ProgrammeService (501 on a store that cannot keep programmes)."""
    svc = service()
    if not hasattr(svc.store, "create_programme"):
        raise Problem(501, "programmes are not available on this store (it cannot keep them)")
    return svc.programmes


def listed(record: ProgrammeRecord, summary: dict[str, int]) -> dict[str, Any]:
    """A programme in a list: its state and counts, without its pairs (schemas.ProgrammeListed)."""
    return {
        "id": record.id,
        "name": record.name,
        "style": record.spec.get("style", ANY),
        "status": record.status,
        "runs": record.runs,
        "created_at": record.created_at,
        "updated_at": record.updated_at,
        "published_at": record.published_at,
        "summary": summary,
    }


def apply_action(programme_id: str, action: PairAction) -> ProgrammeView:
    """Do what a pair action says (shared with the programme pages)."""
    progs = programmes()
    if action.action == "approve":
        return progs.approve(programme_id, action.mentees)
    if action.action == "reject":
        return progs.reject(programme_id, action.mentees or [])
    mentee, mentor = (action.mentees or [""])[0], action.mentor or ""
    if action.action == "pin":
        return progs.pin(programme_id, mentee, mentor)
    return progs.ban(programme_id, mentee, mentor)


def unknown_programme(exc: UnknownProgramme) -> Response:
    """404 naming the path parameter."""
    reason = "no programme with this id"
    return problem_response(
        404,
        f"programme_id: {reason} ({exc.args[0]!r})",
        UNKNOWN_PROGRAMME,
        "Unknown programme",
        errors=[{"field": "programme_id", "reason": reason}],
    )


def over_committed(exc: OverCommitted) -> Response:
    """409 naming every mentor who would get more long-term mentees than their capacity; nothing was published."""
    mentors = [
        {"mentor": mentor, "asked": asked, "left": left} for mentor, (asked, left) in sorted(exc.mentors.items())
    ]
    return problem_response(
        409,
        f"{exc}; nothing was published: reject or re-pin their pairs, then publish again",
        OVER_COMMITTED,
        "Mentors over-committed",
        mentors=mentors,
    )


bp.register_error_handler(UnknownProgramme, unknown_programme)
bp.register_error_handler(OverCommitted, over_committed)


@bp.post("/v1/programmes")
@require_scope("admin")
def create_programme():
    """Store a programme from its definition (no draft yet: POST .../runs makes one)."""
    view = programmes().create(json_object())
    response = jsonify(view.as_dict())
    response.status_code = 201
    response.headers["Location"] = url_for("programmes.get_programme", programme_id=view.record.id)
    return response


@bp.get("/v1/programmes")
@require_scope("admin")
def list_programmes():
    """Every programme, newest first, with its counts."""
    progs = programmes()
    return jsonify({"programmes": [listed(record, progs.summary(record.id)) for record in progs.list()]})


@bp.get("/v1/programmes/<programme_id>")
@require_scope("admin")
def get_programme(programme_id: str):
    """The programme with one line per cohort member."""
    return jsonify(programmes().view(programme_id).as_dict())


@bp.delete("/v1/programmes/<programme_id>")
@require_scope("admin")
def delete_programme(programme_id: str):
    """Delete a programme with its cohort, pairs and bans: 204, or 404."""
    if not programmes().delete(programme_id):
        raise UnknownProgramme(programme_id)
    log.info("programme %s deleted", programme_id)
    return Response(status=204)


@bp.post("/v1/programmes/<programme_id>/runs")
@require_scope("admin")
def run_programme(programme_id: str):
    """Run the draft on the remainder (approved, pinned and published pairs are kept)."""
    return jsonify(programmes().run(programme_id).as_dict())


@bp.post("/v1/programmes/<programme_id>/pairs")
@require_scope("admin")
def act_on_pairs(programme_id: str):
    """Approve, reject, pin or ban."""
    action = parse_pair_action(json_object())
    view = apply_action(programme_id, action)
    log.info("programme %s: %s, %d mentee(s)", programme_id, action.action, len(action.mentees or []))
    return jsonify(view.as_dict())


@bp.post("/v1/programmes/<programme_id>/publish")
@require_scope("admin")
def publish_programme(programme_id: str):
    """Publish the approved and pinned pairs in one transaction (idempotent); 409 rather than over-commit."""
    view, published = programmes().publish(programme_id)
    return jsonify(
        {
            "published": [{"mentee": p.mentee_key, "mentor": p.mentor_id, "score": p.score} for p in published],
            "programme": view.as_dict(),
        }
    )


@bp.get("/v1/programmes/<programme_id>/pairs.csv")
@require_scope("admin")
def export_programme(programme_id: str):
    """The programme as CSV: one row per cohort member (programmes.service.CSV_COLUMNS)."""
    return csv_response(programme_id, programmes().export_csv(programme_id))


@bp.get("/v1/programmes/<programme_id>/sessions.ics")
@require_scope("admin")
def export_calendar(programme_id: str):
    """The published pairs' sessions as iCalendar: one event per session (409 without a start date)."""
    return calendar_response(programme_id)


def calendar_response(programme_id: str) -> Response:
    """The programme's calendar as a download (shared with the programme pages), or a 409 problem naming
    `start_date` when the programme has none."""
    try:
        data = programmes().export_calendar(programme_id)
    except InvalidInput as exc:
        return problem_response(
            409,
            "; ".join(str(e) for e in exc.errors),
            NO_START_DATE,
            "No start date",
            errors=[{"field": e.field, "reason": e.reason} for e in exc.errors],
        )
    log.info("programme %s calendar exported", programme_id)
    return Response(
        data,
        mimetype="text/calendar",
        headers={"Content-Disposition": f'attachment; filename="{programme_id}.ics"', "Cache-Control": "no-store"},
    )


def csv_response(programme_id: str, text: str) -> Response:
    """A CSV download named after the (stored, so well-formed) programme id."""
    return Response(
        text, mimetype="text/csv", headers={"Content-Disposition": f'attachment; filename="{programme_id}.csv"'}
    )
