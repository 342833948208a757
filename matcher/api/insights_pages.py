"""The skills map pages for admins: /insights (the map) and /insights/topics/<id> (who wants a topic).

Server-rendered (Jinja, auto-escaped, the programme pages' layout and styles), no JavaScript: the charts are
inline SVG and shaded tables (api/insights_charts.py). Admins only, signed in exactly as for the programme
pages (api/admin_signin.py: a listed user a trusted proxy signed in, or HTTP Basic with an `admin` key);
the pages only read, so there is no form to protect. `Cache-Control: no-store` and the pages' CSP.
"""

from __future__ import annotations

import logging
import time

from flask import Blueprint, Response, g, render_template

from ..insights import NoMap, UnknownTopic
from ..insights.summary import summary_csv
from .admin_signin import Refused, admin_sign_in
from .context import service
from .insights import cohort_response
from .insights_charts import heat_table, hidden_text, reverse_rows, topic_rows
from .programme_pages import CSP

bp = Blueprint("insights_pages", __name__, url_prefix="/insights", template_folder="templates")
log = logging.getLogger("matcher.api")


@bp.before_request
def _admins_only():
    g.admin = admin_sign_in().admin()


def _page(template: str, status: int = 200, **context) -> Response:
    return Response(render_template(template, admin=g.get("admin"), **context), status=status, mimetype="text/html")


@bp.errorhandler(Refused)
def _refused(exc: Refused):
    response = _page("admin_error.html", exc.status, title=exc.title, message=exc.message)
    for key, value in exc.headers.items():
        response.headers[key] = value
    return response


@bp.errorhandler(UnknownTopic)
def _unknown(exc: UnknownTopic):
    return _page(
        "admin_error.html",
        404,
        title="No such topic",
        message="The skills map has no topic with this id: it may have been rebuilt since.",
    )


@bp.errorhandler(NoMap)
def _no_map(exc: NoMap):
    return _page("insights.html", 404, summary=None, reason=str(exc))


@bp.after_request
def _headers(response: Response) -> Response:
    response.headers.setdefault("Content-Security-Policy", CSP)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    response.headers["Cache-Control"] = "no-store"  # about people: never kept by the browser or a proxy
    return response


@bp.get("")
def insights_map():
    """The map: demand and supply per topic with the gaps highlighted, by department, reverse openings."""
    summary = service().insights.summary()
    log.info("insights page %s: %d topics", summary["version"], len(summary["topics"]))
    return _page(
        "insights.html",
        summary=summary,
        rows=topic_rows(summary),
        reverse=reverse_rows(summary),
        demand_heat=heat_table(summary, "demand"),
        supply_heat=heat_table(summary, "supply"),
        hidden=hidden_text(summary["min_group"]),
        built_text=time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime(summary["built_at"])),
    )


@bp.get(".csv")
def insights_csv():
    """The map as CSV (as GET /v1/insights with Accept: text/csv)."""
    summary = service().insights.summary()
    return Response(
        summary_csv(summary),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="skills-{summary["version"]}.csv"'},
    )


@bp.get("/topics/<topic_id>")
def topic(topic_id: str):
    """Who wants one topic, least answered first, with their wish; the cohort download."""
    number = _topic(topic_id)
    insights = service().insights
    stored = insights.current()
    people = insights.people(number, stored)
    summary = insights.summary(stored)
    entry = next(t for t in summary["topics"] if t["id"] == number)
    log.info("insights page %s: topic %d, %d people", summary["version"], number, len(people))
    return _page(
        "insights_topic.html",
        summary=summary,
        topic=entry,
        people=people,
        hidden=hidden_text(summary["min_group"]),
        threshold=summary["threshold"],
    )


@bp.get("/topics/<topic_id>/cohort.jsonl")
def topic_cohort(topic_id: str):
    """The people who want a topic as a cohort file for `mentor-match pair`."""
    number = _topic(topic_id)
    return cohort_response(number, service().insights.cohort_jsonl(number))


def _topic(text: str) -> int:
    if not text.isdigit() or len(text) > 9:
        raise UnknownTopic(text)
    return int(text)
