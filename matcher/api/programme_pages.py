"""The programme pages for admins: /programmes (the list) and /programmes/<id> (one programme's draft).

Server-rendered (Jinja, auto-escaped), plain form posts, no JavaScript. Every page is for admins only
(api/admin_signin.py: a listed user a trusted proxy signed in, or HTTP Basic with an `admin` key); every
POST carries the admin's CSRF token and is refused from another site. After an action the page redirects
(303) to itself with a message code and a count in the query string (never a name or a need, so the
access log holds ids and counts only); a refused action (422, 409 over-commit) is shown on the page at once.

The draft is a table: each pair's score as a bar (<meter>), the mentor's sentences that back it, its plan
of sessions, approve/reject per pair and for the selected ones, "approve all proposals"; the unmatched with
their reasons; pin and ban; run again; publish; a histogram of the pair scores (inline SVG); the CSV.
"""

from __future__ import annotations

import logging
from typing import Any

from flask import Blueprint, Response, g, redirect, render_template, request, url_for
from werkzeug.exceptions import HTTPException

from ..errors import InvalidInput, OverCommitted
from ..programmes.service import ProgrammeView, UnknownProgramme
from ..programmes.views import pair_dict
from ..relationships.states import progress_of
from ..styles.rules import get_style
from .admin_signin import CSRF_FIELD, Refused, admin_sign_in
from .context import service
from .programmes import apply_action, calendar_response, csv_response, listed, programmes
from .schemas import parse_pair_action
from .web import style_label

bp = Blueprint(
    "programme_pages",
    __name__,
    url_prefix="/programmes",
    template_folder="templates",
    static_folder="static",
    static_url_path="/static",
)
log = logging.getLogger("matcher.api")

REVIEWABLE = ("proposed", "approved", "pinned")  # may still be rejected
PAIRED = ("proposed", "approved", "pinned", "published")
STATUS_NAMES = {
    "proposed": "Proposed",
    "approved": "Approved",
    "pinned": "Pinned",
    "published": "Published",
    "unmatched": "Unmatched",
    "waiting": "Waiting",
}
FIT_WORDS = {"good": "good", "still_deciding": "still deciding", "not_a_fit": "not a fit", None: "not yet"}
CSP = (
    "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
)
BINS = 10
SVG_WIDTH, SVG_HEIGHT, SVG_LEFT, SVG_BOTTOM, SVG_TOP = 360, 150, 28, 22, 14


# -- access -----------------------------------------------------------------------------------------


@bp.before_request
def _admins_only():
    """Admins only; POSTs must carry the admin's CSRF token and come from this site."""
    if request.endpoint == "programme_pages.static":
        return None
    signin = admin_sign_in()
    g.admin = signin.admin()
    if request.method == "POST":
        signin.check_post(g.admin)
    return None


@bp.app_context_processor
def _csrf():
    def csrf_field():
        from markupsafe import Markup, escape

        admin = g.get("admin")
        token = admin_sign_in().csrf_token(admin) if admin is not None else ""
        return Markup(f'<input type="hidden" name="{CSRF_FIELD}" value="{escape(token)}">')

    return {"csrf_field": csrf_field}


def _error_page(status: int, title: str, message: str, headers: dict[str, str] | None = None) -> Response:
    html = render_template("admin_error.html", status=status, title=title, message=message, admin=g.get("admin"))
    response = Response(html, status=status, mimetype="text/html")
    for key, value in (headers or {}).items():
        response.headers[key] = value
    return response


@bp.errorhandler(Refused)
def _refused(exc: Refused):
    return _error_page(exc.status, exc.title, exc.message, exc.headers)


@bp.errorhandler(UnknownProgramme)
def _unknown(exc: UnknownProgramme):
    return _error_page(404, "No such programme", "There is no programme with this id: it may have been deleted.")


def _http_error(exc: HTTPException):
    messages = {
        413: "What you sent is too large.",
        429: "Too many requests in a short time. Wait a minute and try again.",
    }
    response = _error_page(exc.code or 500, exc.name, messages.get(exc.code or 0, exc.description or exc.name))
    for key, value in exc.get_headers():
        if key.lower() != "content-type":
            response.headers[key] = value
    return response


bp.register_error_handler(413, _http_error)
bp.register_error_handler(429, _http_error)


@bp.after_request
def _security_headers(response: Response) -> Response:
    response.headers.setdefault("Content-Security-Policy", CSP)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    # same-origin, not no-referrer: with no-referrer a browser sends `Origin: null` on the page's own posts,
    # and the Origin check (admin_signin.check_post) would learn nothing from it.
    response.headers.setdefault("Referrer-Policy", "same-origin")
    if request.endpoint != "programme_pages.static":
        response.headers["Cache-Control"] = "no-store"  # personal data: never kept by the browser or a proxy
    return response


# -- pages ------------------------------------------------------------------------------------------


@bp.get("")
def programmes_list():
    """Every programme, newest first, with its counts."""
    progs = programmes()
    rows = [listed(record, progs.summary(record.id)) for record in progs.list()]
    for row in rows:
        row["style_name"] = style_label(row["style"])
        row["paired"] = sum(row["summary"][status] for status in PAIRED)
        row["members"] = sum(row["summary"].values())
    return render_template("programmes_list.html", admin=g.admin, rows=rows)


@bp.get("/<programme_id>")
def programme(programme_id: str):
    """One programme: the draft, the unmatched, the review forms."""
    view = programmes().view(programme_id)
    return _page(view, message=_done_message(view, request.args.get("done", ""), request.args.get("count", "")))


@bp.get("/<programme_id>/pairs.csv")
def programme_csv(programme_id: str):
    """The CSV export (the same as GET /v1/programmes/<id>/pairs.csv)."""
    return csv_response(programme_id, programmes().export_csv(programme_id))


@bp.get("/<programme_id>/sessions.ics")
def programme_calendar(programme_id: str):
    """The calendar of the published pairs' sessions (the same as GET /v1/programmes/<id>/sessions.ics)."""
    programmes().view(programme_id)  # 404 page for an unknown programme
    return calendar_response(programme_id)


@bp.post("/<programme_id>/run")
def run(programme_id: str):
    """Run the draft again on the remainder."""
    programmes().run(programme_id)
    return _done(programme_id, "run")


@bp.post("/<programme_id>/pairs")
def pairs(programme_id: str):
    """Approve (chosen, or every proposal), reject (chosen), pin or ban (one mentee and a mentor)."""
    view = programmes().view(programme_id)
    form = request.form
    action = form.get("action", "")
    if action == "approve-all":
        body: dict[str, Any] = {"action": "approve"}
    elif action in ("approve", "reject"):
        chosen = [key for key in form.getlist("mentees") if key]
        if not chosen:
            return _page(
                view, 422, error=True, message="Choose at least one pair first (tick the boxes in the first column)."
            )
        body = {"action": action, "mentees": chosen}
    elif action in ("pin", "ban"):
        body = {"action": action, "mentees": [form.get("mentee", "").strip()], "mentor": form.get("mentor", "").strip()}
    else:
        return _page(view, 422, error=True, message="Unknown action: use the page's buttons.")
    try:
        after = apply_action(programme_id, parse_pair_action(body))
    except InvalidInput as exc:
        message = "That was refused: " + "; ".join(_reason(view, e.field, e.reason) for e in exc.errors) + "."
        return _page(
            view,
            422,
            error=True,
            message=message,
            pin={"mentee": form.get("mentee", ""), "mentor": form.get("mentor", "")},
        )
    before_counts, after_counts = view.summary(), after.summary()
    per_pair = 2 if get_style(view.spec.style).mutual else 1  # two-way pairs are recorded once per member
    if body["action"] == "approve":
        count = (after_counts["approved"] - before_counts["approved"]) // per_pair
        return _done(programme_id, "approved", count)
    if body["action"] == "reject":
        return _done(programme_id, "rejected", (after_counts["unmatched"] - before_counts["unmatched"]) // per_pair)
    return _done(programme_id, "pinned" if body["action"] == "pin" else "banned")


@bp.post("/<programme_id>/publish")
def publish(programme_id: str):
    """Publish the approved and pinned pairs; a 409 page naming the mentors rather than over-commit them."""
    try:
        view, published = programmes().publish(programme_id)
    except OverCommitted as exc:
        view = programmes().view(programme_id)
        named = "; ".join(
            f"{view.names.get(mentor, mentor)} ({mentor}): {asked} asked, {left} left"
            for mentor, (asked, left) in sorted(exc.mentors.items())
        )
        return _page(
            view,
            409,
            error=True,
            message=f"Nothing was published: it would give these mentors more "
            f"mentees than they have room for: {named}. Reject or re-pin "
            f"their pairs, then publish again.",
        )
    return _done(programme_id, "published", len(published))


# -- helpers ------------------------------------------------------------------------------------------


def _done(programme_id: str, done: str, count: int | None = None):
    """Post/redirect/get: back to the programme with the message code (and a count)."""
    args: dict[str, Any] = {"done": done}
    if count is not None:
        args["count"] = max(0, count)
    return redirect(url_for(".programme", programme_id=programme_id, **args) + "#message", 303)


def _plural(count: int, word: str) -> str:
    return f"{count} {word}" + ("" if count == 1 else "s")


def _done_message(view: ProgrammeView, done: str, count_text: str) -> str | None:
    """The message after an action, from its code (an unknown code shows nothing)."""
    count = int(count_text) if count_text.isdigit() and len(count_text) < 7 else 0
    summary = view.summary()
    if done == "run":
        return (
            f"Draft run {view.record.runs} done: {_plural(summary['proposed'], 'pair')} proposed, "
            f"{_plural(summary['unmatched'], 'member')} unmatched."
        )
    if done == "approved":
        return (
            f"Approved {_plural(count, 'pair')}." if count else "Nothing to approve: none of those pairs was proposed."
        )
    if done == "rejected":
        return (
            f"Rejected {_plural(count, 'pair')}: never proposed again in this programme. Run the draft again "
            f"to find other mentors."
            if count
            else "Nothing to reject: none of those pairs can be rejected."
        )
    if done == "pinned":
        return "Pinned the pair: it stays whatever the draft says, and is kept on every run."
    if done == "banned":
        return "Banned the pair: it will never be proposed again in this programme."
    if done == "published":
        return (
            f"Published {_plural(count, 'pair')}: they now use their mentors' capacity."
            if count
            else "Nothing new to publish: every approved and pinned pair is already published."
        )
    return None


def _reason(view: ProgrammeView, field: str, reason: str) -> str:
    names = {"mentees": "mentee", "mentee": "mentee", "mentor": "mentor", "action": "action"}
    label = names.get(field.split(".")[0], field)
    return f"{label}: {reason}" if label else reason


def _row(view: ProgrammeView, member) -> dict[str, Any]:
    row = pair_dict(view.pairs.get(member.key), member, view.names, view.spec)
    score = row.get("score")
    row["percent"] = None if score is None else round(100 * max(0.0, min(1.0, score)))
    row["status_name"] = STATUS_NAMES.get(row["status"], row["status"])
    row["reviewable"] = row["status"] in REVIEWABLE and row.get("mentor") is not None
    row["plan"] = row.get("plan") or []
    row["evidence"] = row.get("evidence") or []
    return row


def histogram(scores: list[float], bins: int = BINS) -> dict[str, Any]:
    """Bars of an SVG histogram of scores in [0, 1] (`bins` equal steps), with a text description."""
    counts = [0] * bins
    for score in scores:
        counts[min(bins - 1, max(0, int(score * bins)))] += 1
    tallest = max(counts) if scores else 1
    width, height = SVG_WIDTH - SVG_LEFT - 6, SVG_HEIGHT - SVG_BOTTOM - SVG_TOP
    step = width / bins
    bars, parts = [], []
    for i, count in enumerate(counts):
        low, high = i / bins, (i + 1) / bins
        bar_height = round(height * count / tallest, 1) if tallest else 0
        label = f"{low:.1f} to {high:.1f}"
        bars.append(
            {
                "x": round(SVG_LEFT + i * step + 1, 1),
                "width": round(step - 2, 1),
                "y": round(SVG_TOP + height - bar_height, 1),
                "height": bar_height,
                "count": count,
                "label": label,
                "label_x": round(SVG_LEFT + i * step + step / 2, 1),
                "label_y": round(SVG_TOP + height - bar_height - 3, 1),
            }
        )
        if count:
            parts.append(f"{label}: {count}")
    ticks = [{"x": round(SVG_LEFT + width * t, 1), "text": f"{t:g}"} for t in (0, 0.25, 0.5, 0.75, 1)]
    description = (f"{_plural(len(scores), 'pair')} by score: " + ", ".join(parts) + ".") if scores else "No pairs yet."
    return {
        "bars": bars,
        "ticks": ticks,
        "width": SVG_WIDTH,
        "height": SVG_HEIGHT,
        "axis_y": SVG_TOP + height,
        "left": SVG_LEFT,
        "right": SVG_LEFT + width,
        "description": description,
        "count": len(scores),
        "tallest": tallest,
    }


def _rules_text(view: ProgrammeView) -> str:
    spec = view.spec
    parts = [
        f"{_plural(spec.sessions, 'session')} {spec.cadence}",
        "objective: as many members matched as possible, then the best fit"
        if spec.objective == "participation"
        else "objective: the best total fit",
    ]
    if spec.max_per_mentor is not None:
        parts.append(f"at most {_plural(spec.max_per_mentor, 'mentee')} per mentor")
    if spec.min_score is not None:
        parts.append(f"no pair below a score of {spec.min_score:g}")
    if spec.mentors.ids or spec.mentors.erased:
        parts.append(
            f"mentors: {_plural(len(spec.mentors.ids), 'person')} named"
            + (f" ({spec.mentors.erased} erased since)" if spec.mentors.erased else "")
        )
    if spec.mentors.departments:
        parts.append("mentors from " + ", ".join(spec.mentors.departments))
    return "; ".join(parts) + "."


def pair_progress(programme_id: str) -> dict[str, dict[str, Any]]:
    """Each published pair's relationship by mentee key: its state, sessions done / missed / planned and both
    sides' fit answers (admins see both: relationships/access.py)."""
    store = service().store
    found = store.relationships(programme_id=programme_id)
    sessions, fits = store.sessions([r.id for r in found]), store.fits([r.id for r in found])
    progress: dict[str, dict[str, Any]] = {}
    for relationship in found:
        key = relationship.mentee_key or relationship.mentee_id
        if key is None or key in progress:  # newest first: a re-published pair shows its latest relationship
            continue
        done = progress_of(relationship, sessions[relationship.id])
        answers = {fit.side: fit.fit for fit in fits[relationship.id]}
        progress[key] = {
            "state": relationship.state,
            "done": done.sessions_done,
            "missed": done.sessions_missed,
            "planned": done.sessions_planned,
            "fit_mentee": answers.get("mentee"),
            "fit_mentor": answers.get("mentor"),
            "end_reason": relationship.end_reason,
        }
    return progress


def _page(
    view: ProgrammeView,
    status: int = 200,
    message: str | None = None,
    error: bool = False,
    pin: dict[str, str] | None = None,
):
    rows = [_row(view, member) for member in view.cohort]
    paired = [row for row in rows if row["status"] in PAIRED]
    others = [row for row in rows if row["status"] not in PAIRED]
    summary = view.summary()
    mentors = sorted({(row["mentor"], row.get("mentor_name") or row["mentor"]) for row in paired})
    names = dict(view.names)
    for _, mentor in view.bans:  # a banned mentor is no longer in a pair: look their name up
        if mentor not in names and (stored := service().get(mentor)) is not None:
            names[mentor] = stored.name
    html = render_template(
        "programme.html",
        admin=g.admin,
        view=view,
        pid=view.record.id,
        rows=rows,
        paired=paired,
        others=others,
        summary=summary,
        statuses=STATUS_NAMES,
        style_name=style_label(view.spec.style),
        rules_text=_rules_text(view),
        hist=histogram([row["score"] for row in paired if row["score"] is not None]),
        publishable=summary["approved"] + summary["pinned"],
        message=message,
        error=error,
        members=[(member.key, view.names.get(member.key, member.key)) for member in view.cohort],
        mentors=mentors,
        pin=pin or {},
        bans=sorted(view.bans),
        names=names,
        progress=pair_progress(view.record.id) if summary["published"] else {},
        fit_words=FIT_WORDS,
    )
    return Response(html, status=status, mimetype="text/html")
