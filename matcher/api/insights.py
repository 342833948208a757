"""The skills map over HTTP (admin scope).

    GET  /v1/insights                                 the map (InsightsMap); `Accept: text/csv`: one row per topic
    POST /v1/insights                                 build a new map now (synchronous): the build's report
    GET  /v1/insights/topics/<id>/people              the people who want a topic (names and their wishes)
    GET  /v1/insights/topics/<id>/cohort.jsonl        the same as a cohort file for `mentor-match pair`

Every answer is `Cache-Control: no-store`: the map is about people (even suppressed, the lists name them).
The log gets the map's version, topic ids and counts, never a label, a name or a wish.
"""

from __future__ import annotations

import logging

from flask import Blueprint, Response, jsonify, request

from ..insights import BuildRunning, InsightsService, NoMap, UnknownTopic
from ..insights.summary import summary_csv
from .auth import require_scope
from .context import service
from .errors import PROBLEM_BASE, Problem, problem_response

bp = Blueprint("insights", __name__)
log = logging.getLogger("matcher.api")

NO_MAP = PROBLEM_BASE + "no-insights-map"
CSV = "text/csv"


def insights() -> InsightsService:
    """The app's InsightsService."""
    return service().insights


def topic_number(text: str) -> int:
    """A topic id from the URL: a whole number, else 404 (no topic has another kind of id)."""
    if not text.isdigit() or len(text) > 9:
        raise Problem(
            404, f"no topic {text!r} in the skills map", errors=[{"field": "topic_id", "reason": "no such topic"}]
        )
    return int(text)


def wants_csv() -> bool:
    """True when the client prefers CSV to JSON (`Accept: text/csv`)."""
    best = request.accept_mimetypes.best_match(["application/json", CSV])
    return best == CSV and request.accept_mimetypes[CSV] > request.accept_mimetypes["application/json"]


@bp.after_request
def _no_store(response: Response) -> Response:
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.errorhandler(NoMap)
def _no_map(exc: NoMap):
    return problem_response(404, str(exc), NO_MAP)


@bp.errorhandler(UnknownTopic)
def _unknown_topic(exc: UnknownTopic):
    return problem_response(
        404, f"no topic {exc.args[0]} in the skills map", errors=[{"field": "topic_id", "reason": "no such topic"}]
    )


@bp.get("/v1/insights")
@require_scope("admin")
def get_map():
    """The skills map over the people stored now, as JSON or (Accept: text/csv) CSV."""
    summary = insights().summary()
    log.info("insights %s read: %d topics", summary["version"], len(summary["topics"]))
    if wants_csv():
        return Response(
            summary_csv(summary),
            mimetype=CSV,
            headers={"Content-Disposition": f'attachment; filename="skills-{summary["version"]}.csv"'},
        )
    return jsonify(summary)


@bp.post("/v1/insights")
@require_scope("admin")
def build():
    """Build a new map from the store now (seconds at 10k profiles); 409 while another build runs."""
    try:
        report = insights().build()
    except BuildRunning as exc:
        raise Problem(409, str(exc)) from None
    return jsonify(report)


@bp.get("/v1/insights/topics/<topic_id>/people")
@require_scope("admin")
def topic_people(topic_id: str):
    """The people who want a topic, least answered first."""
    number = topic_number(topic_id)
    service_ = insights()
    stored = service_.current()
    people = service_.people(number, stored)
    topic = next(t for t in service_.summary(stored)["topics"] if t["id"] == number)
    log.info("insights %s: topic %d people read (%d)", stored.manifest["version"], number, len(people))
    return jsonify({"topic": topic, "people": people})


@bp.get("/v1/insights/topics/<topic_id>/cohort.jsonl")
@require_scope("admin")
def topic_cohort(topic_id: str):
    """The people who want a topic as `{"id", "need"}` lines, the cohort file `mentor-match pair` reads."""
    number = topic_number(topic_id)
    return cohort_response(number, insights().cohort_jsonl(number))


def cohort_response(number: int, text: str) -> Response:
    """A cohort download (shared with the pages)."""
    return Response(
        text,
        mimetype="application/x-ndjson",
        headers={"Content-Disposition": f'attachment; filename="topic-{number}-cohort.jsonl"'},
    )
