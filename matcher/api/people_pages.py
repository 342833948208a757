"""The pages for people: `/me` (their requests and relationships, both sides) and the actions behind the
"Ask for an introduction" button on the form's result cards.

Who the visitor is, and their forms' CSRF tokens: api/people_signin.py. Every action goes through the
RelationshipService as `Actor.person(<their profile id>)`, so its access rules hold: a person answers only
requests made to them, withdraws only their own, logs sessions and answers the fit question only in their
own relationships (after the first session held), and never sees the other side's fit answer. A POST
without the visitor's token is 400, one from another site (Origin) 403. After an action the page redirects
(303) to /me with a message code (never a name or a need in a URL).
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

from flask import Blueprint, Response, current_app, g, has_request_context, redirect, render_template, request, url_for
from werkzeug.exceptions import HTTPException

from ..errors import Conflict, InvalidInput, NotAllowed, NotFound
from ..relationships.access import Actor
from ..relationships.states import DECLINE_REASONS
from .context import service
from .people_signin import ACT_AS_COOKIE, EXTENSION, Me, csrf_field, current, people
from .signin import sign_in

bp = Blueprint("people_pages", __name__, url_prefix="/me", template_folder="templates")
log = logging.getLogger("matcher.api")

DEMO_PICK_LIMIT = 500
DECLINE_WORDS = {"no_time": "I have no time now", "not_my_topic": "Not my topic", "other": "Another reason"}
FIT_WORDS = {"good": "Good fit", "still_deciding": "Still deciding", "not_a_fit": "Not a fit"}
STATE_WORDS = {
    "pending": "Waiting for an answer",
    "accepted": "Accepted",
    "declined": "Declined",
    "expired": "Expired",
    "withdrawn": "Withdrawn",
    "active": "Active",
    "completed": "Completed",
    "ended": "Ended",
}
DONE = {
    "asked": "Your request was sent: the mentor will answer here.",
    "accepted": "Accepted: your new relationship is below, with its plan of sessions.",
    "declined": "Declined. The mentee sees the request as declined.",
    "withdrawn": "Withdrawn: the mentor no longer sees it as waiting.",
    "logged": "Session logged.",
    "fit": "Thank you: your answer is recorded.",
    "acting": "You are now acting as the profile you picked (demo mode).",
    "stopped": "You no longer act as anyone.",
}


def _error(status: int, title: str, message: str) -> Response:
    html = render_template("error.html", status=status, title=title, message=message, me=g.get("me"))
    return Response(html, status=status, mimetype="text/html")


# -- access -----------------------------------------------------------------------------------------


@bp.before_request
def _known_only():
    """Only a visitor the form lets in and who is someone (signed in, or the local demo); POSTs need the token."""
    if not sign_in().allowed():
        return _error(
            403,
            "Sign in first",
            "This page is for signed-in colleagues: open it through your organisation's sign-in page.",
        )
    me = current()
    if me is None:
        return _error(
            403,
            "Sign in first",
            "Your requests and relationships are shown to people your "
            "organisation's sign-in names. (Trying it on your own machine? See "
            "MATCHER_DEMO_ACT_AS in the README.)",
        )
    if request.method == "POST":
        refused = people().post_refusal(me)
        if refused is not None:
            return _error(*refused)
        if me.profile_id is None and request.endpoint not in ("people_pages.act_as", "people_pages.stop_acting"):
            return _error(403, "No profile", "You are not linked to a stored profile, so you cannot act here yet.")
    return None


@bp.errorhandler(NotAllowed)
def _not_allowed(exc: NotAllowed):
    return _error(403, "Not yours", "That request or relationship is someone else's: you can act only on your own.")


@bp.errorhandler(NotFound)
def _not_found(exc: NotFound):
    return _error(404, "Not found", "There is no such request or relationship: it may have been deleted.")


def _http_error(exc: HTTPException):
    messages = {
        413: "What you sent is too large.",
        429: "Too many actions from you in a short time. Wait a minute and try again.",
    }
    response = _error(exc.code or 500, exc.name, messages.get(exc.code or 0, exc.description or exc.name))
    for key, value in exc.get_headers():
        if key.lower() != "content-type":
            response.headers[key] = value
    return response


bp.register_error_handler(413, _http_error)
bp.register_error_handler(429, _http_error)


@bp.after_request
def _security_headers(response: Response) -> Response:
    response.headers.setdefault(
        "Content-Security-Policy",
        "default-src 'none'; style-src 'self'; img-src 'self'; "
        "form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
    )
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    response.headers["Cache-Control"] = "no-store"  # people's requests and relationships: never cached
    return response


# -- the page ---------------------------------------------------------------------------------------


@bp.get("")
def me_page():
    """The visitor's requests (made and received) and relationships (as mentee and as mentor)."""
    return _page(message=DONE.get(request.args.get("done", "")))


def _page(status: int = 200, message: str | None = None, error: bool = False) -> Response:
    me: Me = g.me
    context: dict[str, Any] = {
        "me": me,
        "message": message,
        "error": error,
        "states": STATE_WORDS,
        "decline_reasons": [(r, DECLINE_WORDS[r]) for r in DECLINE_REASONS],
        "fits": FIT_WORDS,
        "today": datetime.now(UTC).date().isoformat(),
    }
    if me.profile_id is None:
        if me.via == "demo":
            context["choices"] = _demo_choices()
    else:
        context.update(_mine(me.profile_id))
    html = render_template("me.html", **context)
    return Response(html, status=status, mimetype="text/html")


def _demo_choices() -> list[tuple[str, str]]:
    choices = []
    for stored in service().store.iter_profiles():
        choices.append((stored.profile.id, stored.profile.name))
        if len(choices) >= DEMO_PICK_LIMIT:
            break
    return sorted(choices, key=lambda c: c[1].lower())


def _mine(profile_id: str) -> dict[str, Any]:
    """Requests and relationships of one person, as they may see them, with the other people's names."""
    actor = Actor.person(profile_id)
    relationships = service().relationships
    requests = relationships.requests_of(actor, profile_id)
    found = relationships.relationships_of(actor, profile_id)["relationships"]
    ids = {r[k] for r in requests["outgoing"] + requests["incoming"] + found for k in ("mentee_id", "mentor_id")}
    names = {}
    for person_id in ids - {None}:
        profile = service().get(person_id)
        names[person_id] = profile.name if profile is not None else "(erased)"
    for rel in found:
        rel["side"] = "mentee" if rel["mentee_id"] == profile_id else "mentor"
        rel["other"] = rel["mentor_id"] if rel["side"] == "mentee" else rel["mentee_id"]
        rel["my_fit"] = rel["fit"].get(rel["side"])
        rel["fit_open"] = rel["state"] != "ended" and rel["progress"]["sessions_done"] >= 1
        progress = rel["progress"]
        rel["percent"] = round(100 * min(1.0, progress["sessions_done"] / max(1, progress["sessions_planned"])))
    me_profile = service().get(profile_id)
    return {
        "outgoing": requests["outgoing"],
        "incoming": requests["incoming"],
        "relationships": found,
        "names": names,
        "my_name": me_profile.name if me_profile is not None else profile_id,
    }


# -- actions ----------------------------------------------------------------------------------------


def _actor() -> Actor:
    return Actor.person(g.me.profile_id)


def _done(code: str, anchor: str = "message") -> Response:
    return redirect(url_for(".me_page", done=code) + f"#{anchor}", 303)


def _refused(exc: Exception) -> Response:
    """A refused action shown on the page at once: 422 (bad input, a rule) or 409 (the state does not allow it)."""
    if isinstance(exc, Conflict):
        return _page(409, f"Nothing changed: {exc.detail}.", error=True)
    assert isinstance(exc, InvalidInput)
    reasons = "; ".join(e.reason for e in exc.errors)
    return _page(422, f"That was refused: {reasons}.", error=True)


@bp.post("/requests")
def ask():
    """Ask a mentor (from a result card) for an introduction, for the need searched, in a style."""
    form = request.form
    body = {
        "mentee_id": g.me.profile_id,
        "mentor_id": form.get("mentor_id", "").strip(),
        "need": form.get("need", "").strip(),
        "style": form.get("style", "").strip(),
    }
    try:
        service().relationships.ask(_actor(), body)
    except (InvalidInput, Conflict) as exc:
        return _refused(exc)
    return _done("asked", "outgoing")


@bp.post("/requests/<request_id>/answer")
def answer(request_id: str):
    """Accept, or decline with a reason code."""
    choice = request.form.get("answer", "")
    body: dict[str, Any] = {"answer": choice}
    if choice == "decline" and request.form.get("reason"):
        body["reason"] = request.form["reason"]
    try:
        service().relationships.answer(_actor(), request_id, body)
    except (InvalidInput, Conflict) as exc:
        return _refused(exc)
    return _done("accepted" if choice == "accept" else "declined", "incoming")


@bp.post("/requests/<request_id>/withdraw")
def withdraw(request_id: str):
    try:
        service().relationships.withdraw(_actor(), request_id)
    except Conflict as exc:
        return _refused(exc)
    return _done("withdrawn", "outgoing")


@bp.post("/relationships/<relationship_id>/sessions")
def log_session(relationship_id: str):
    """Log a session held or missed, with the plan item it covered."""
    form = request.form
    body: dict[str, Any] = {"date": form.get("date", "").strip(), "status": form.get("status", "")}
    item = form.get("plan_item", "").strip()
    if item:
        body["plan_item"] = int(item) if item.isdigit() and len(item) < 4 else item
    try:
        service().relationships.log_session(_actor(), relationship_id, body)
    except (InvalidInput, Conflict) as exc:
        return _refused(exc)
    return _done("logged", f"rel-{relationship_id}")


@bp.post("/relationships/<relationship_id>/fit")
def answer_fit(relationship_id: str):
    """Answer "does this pairing fit?" for one's own side (the side is the visitor's, never a form field)."""
    relationships = service().relationships
    seen = relationships.view_relationship(_actor(), relationship_id)  # 403 when it is not theirs
    side = "mentee" if seen["mentee_id"] == g.me.profile_id else "mentor"
    try:
        relationships.answer_fit(_actor(), relationship_id, {"by": side, "fit": request.form.get("fit", "")})
    except (InvalidInput, Conflict) as exc:
        return _refused(exc)
    return _done("fit", f"rel-{relationship_id}")


# -- demo mode --------------------------------------------------------------------------------------


@bp.post("/act-as")
def act_as():
    """Demo mode only: act as a stored profile (a cookie; the banner says so on every page)."""
    if g.me.via != "demo":
        return _error(403, "Not in demo mode", "Acting as someone else is for local demos only.")
    picked = request.form.get("profile_id", "").strip()
    if not picked or len(picked) > 64 or service().get(picked) is None:
        return _page(422, "Pick a stored profile from the list.", error=True)
    response = _done("acting")
    response.set_cookie(ACT_AS_COOKIE, picked, httponly=True, samesite="Strict", path="/")
    log.info("demo: acting as %s", picked)
    return response


@bp.post("/act-as/stop")
def stop_acting():
    if g.me.via != "demo":
        return _error(403, "Not in demo mode", "Acting as someone else is for local demos only.")
    response = _done("stopped")
    response.delete_cookie(ACT_AS_COOKIE, path="/")
    return response


@bp.app_context_processor
def _people_context():
    """`me` (the visitor, None on pages without the people's pages) and their forms' CSRF field, on every page."""
    known = current() if EXTENSION in current_app.extensions and has_request_context() else None
    return {"me": known, "people_csrf_field": csrf_field}
