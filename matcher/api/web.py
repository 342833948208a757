"""The public web form at `/`: people say what they want to learn and get explained matches.

Server-rendered (Jinja, auto-escaped), a plain form POST, no JavaScript. No API key is needed: who
may use it is decided by api/signin.py (open on a loopback address, else a signed-in user vouched for
by a trusted proxy). Searches are rate-limited per signed-in user, else per client address, are cached
in that user's (or address's) own partition of the query cache, and get the API's time budget. A
search names no stored mentee, so it has the limited trust of a `match` key.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import available_timezones

from flask import Blueprint, Response, render_template, request
from werkzeug.exceptions import HTTPException

from ..errors import BudgetExceeded, FieldError, InvalidInput, StoreUnavailable
from ..styles.rules import ANY, BY_NAME, FORM_ORDER
from . import errors
from .context import service, settings
from .highlight import highlight
from .people_signin import searcher_id
from .signin import form_rate_limit_key, sign_in

bp = Blueprint("web", __name__, static_folder="static", static_url_path="/static", template_folder="templates")

RESULTS = 5
SENIORITY = {
    1: "entry level",
    2: "junior",
    3: "early career",
    4: "mid-level",
    5: "experienced",
    6: "senior",
    7: "lead or principal",
    8: "head of a team or function",
    9: "senior leader",
    10: "executive",
}
LANGUAGES = {
    "en": "English",
    "de": "German",
    "fr": "French",
    "es": "Spanish",
    "pt": "Portuguese",
    "it": "Italian",
    "nl": "Dutch",
    "pl": "Polish",
    "sv": "Swedish",
    "tr": "Turkish",
    "ar": "Arabic",
    "hi": "Hindi",
    "zh": "Chinese",
    "ja": "Japanese",
    "ko": "Korean",
    "vi": "Vietnamese",
    "th": "Thai",
    "ru": "Russian",
    "uk": "Ukrainian",
    "he": "Hebrew",
}
TIMEZONES = sorted(z for z in available_timezones() if "/" in z and not z.startswith(("Etc/", "SystemV/")))
# Where each field of a match request is shown on the form.
FORM_FIELDS = {
    "need": "need",
    "style": "style",
    "mentee.seniority": "seniority",
    "mentee.timezone": "timezone",
    "mentee.languages": "language",
    "filters.languages": "language",
    "mentee.bio": "bio",
    "filters.virtual_only": "virtual_only",
}


@dataclass
class FormInput:
    """What the person typed, as strings, to fill the form again."""

    need: str = ""
    style: str = ANY
    seniority: str = ""
    timezone: str = ""
    language: str = ""
    virtual_only: bool = False
    bio: str = ""
    errors: dict[str, str] = field(default_factory=dict)
    mentee_id: str = ""  # the searcher's stored profile, when the pages for people know them

    @classmethod
    def from_form(cls, form) -> FormInput:
        """Read the posted form (missing fields are empty)."""
        return cls(
            need=form.get("need", "").strip(),
            style=form.get("style", ANY).strip() or ANY,
            seniority=form.get("seniority", "").strip(),
            timezone=form.get("timezone", "").strip(),
            language=form.get("language", "").strip(),
            virtual_only=form.get("virtual_only") == "on",
            bio=form.get("bio", "").strip(),
        )

    def request_body(self, style: str | None = None) -> dict[str, Any]:
        """The POST /v1/match body this form stands for (raises InvalidInput for a non-numeric seniority)."""
        mentee: dict[str, Any] = {}
        if self.seniority:
            if not re.fullmatch(r"\d{1,2}", self.seniority):
                raise InvalidInput([FieldError("mentee.seniority", "choose a level from 1 to 10")])
            mentee["seniority"] = int(self.seniority)
        if self.timezone:
            mentee["timezone"] = self.timezone
        if self.bio:
            mentee["bio"] = self.bio
        if self.mentee_id:
            mentee["id"] = self.mentee_id
        filters: dict[str, Any] = {"virtual_only": self.virtual_only}
        if self.language:
            mentee["languages"] = [self.language]
            filters["languages"] = [self.language]
        return {"need": self.need, "style": style or self.style, "mentee": mentee, "limit": RESULTS, "filters": filters}

    @property
    def has_options(self) -> bool:
        """True when an optional field is filled or wrong (the optional section is shown open)."""
        return bool(
            self.timezone
            or self.language
            or self.virtual_only
            or self.bio
            or {"timezone", "language", "bio", "virtual_only"} & set(self.errors)
        )


def _form_errors(exc: InvalidInput) -> dict[str, str]:
    errors: dict[str, str] = {}
    for error in exc.errors:
        key = re.sub(r"\.\d+$", "", error.field)
        name = FORM_FIELDS.get(key, "form")
        reason = error.reason if name != "form" else str(error)
        errors.setdefault(name, reason[:1].upper() + reason[1:])
    return errors


def style_label(name: str) -> str:
    """A style's label on the pages (the name itself for a style this version does not know)."""
    return BY_NAME[name].label if name in BY_NAME else name


def why_empty(form: FormInput) -> str:
    """In words, why a search found nobody: the style's rule, the seniority and the filters asked for."""
    level = int(form.seniority) if form.seniority.isdigit() else None
    reason = BY_NAME.get(form.style, BY_NAME[ANY]).nobody_fits(level)
    narrowing = []
    if form.virtual_only:
        narrowing.append("who mentor online")
    if form.language:
        narrowing.append(f"who speak {LANGUAGES.get(form.language, form.language)}")
    if narrowing:
        reason += " among mentors " + " and ".join(narrowing)
    return reason[0].upper() + reason[1:] + "."


def _cards(result: dict[str, Any], need: str) -> list[dict[str, Any]]:
    cards = []
    for match in result["matches"]:
        mentor, why = match["mentor"], match["why"]
        percent = round(100 * max(0.0, min(1.0, match["score"])))
        cards.append(
            {
                "mentor": mentor,
                "score": match["score"],
                "percent": percent,
                "seniority_label": SENIORITY.get(mentor["seniority"], ""),
                "evidence": [highlight(sentence, need) for sentence in why["evidence"]],
                "notes": why["notes"],
            }
        )
    return cards


def _page(form: FormInput, status: int = 200, **context: Any):
    styles = [(s.name, s.label, s.summary) for s in FORM_ORDER]
    return render_template(
        "index.html",
        form=form,
        user=sign_in().user(),
        styles=styles,
        seniority=SENIORITY,
        languages=LANGUAGES,
        timezones=TIMEZONES,
        max_need=settings().max_need_chars,
        **context,
    ), status


def _match(body: dict[str, Any]) -> dict[str, Any]:
    """A search with a `match` key's trust, cached in the searcher's own partition of the query cache: the
    signed-in user's, else the client address's (the rate-limit bucket), never another's (querycache.py)."""
    return service().match(body, budget_ms=settings().request_budget_ms, trust="limited", caller=form_rate_limit_key())


@bp.before_request
def _signed_in_only():
    """In "signed-in" mode, only users a trusted proxy vouches for see the form (403 page otherwise)."""
    # A search is a few KB, like a match.
    request.max_content_length = min(settings().max_body_bytes, settings().max_match_body_bytes)
    if request.endpoint != "web.static" and not sign_in().allowed():
        html = render_template(
            "error.html",
            status=403,
            title="Sign in first",
            message="This page is for signed-in colleagues: open it through your organisation's sign-in page.",
        )
        return Response(html, status=403, mimetype="text/html")
    return None


@bp.get("/")
def index():
    """The empty form."""
    return _page(FormInput())


@bp.post("/")
def search():
    """Run the search the form describes and show the results as cards (422 with the form's errors)."""
    form = FormInput.from_form(request.form)
    form.mentee_id = searcher_id()
    if not form.need:
        form.errors = {"need": "Say in a few words what you want to learn."}
        return _page(form, 422)
    try:
        result = _match(form.request_body())
    except InvalidInput as exc:
        form.errors = _form_errors(exc)
        return _page(form, 422)
    context: dict[str, Any] = {
        "searched": True,
        "cards": _cards(result, form.need),
        "style_name": style_label(form.style),
    }
    if not result["matches"]:
        context["why_empty"] = why_empty(form)
        if form.style != ANY:
            wider = _match(form.request_body(style=ANY))
            context["wider_count"] = len(wider["matches"])
    return _page(form, **context)


def _error_page(exc: HTTPException):
    reasons = {
        413: "Your text is too long for one search; shorten it and try again.",
        429: "Too many searches from you in a short time. Wait a minute and try again.",
    }
    html = render_template(
        "error.html", status=exc.code, title=exc.name, message=reasons.get(exc.code or 0, exc.description)
    )
    response = Response(html, status=exc.code, mimetype="text/html")
    for key, value in exc.get_headers():
        if key.lower() != "content-type":
            response.headers[key] = value
    return response


def _too_slow(exc):
    html = render_template(
        "error.html",
        status=503,
        title="Busy right now",
        message="The search took too long because the service is busy. Try again in a moment.",
    )
    return Response(html, status=503, mimetype="text/html", headers={"Retry-After": "1"})


def _store_down(exc):
    html = render_template(
        "error.html",
        status=503,
        title="Unavailable right now",
        message="The service cannot reach its database at the moment. Try again in a moment.",
    )
    return Response(html, status=503, mimetype="text/html", headers={"Retry-After": errors.STORE_RETRY_AFTER})


bp.register_error_handler(413, _error_page)
bp.register_error_handler(429, _error_page)
bp.register_error_handler(BudgetExceeded, _too_slow)
bp.register_error_handler(StoreUnavailable, _store_down)


@bp.after_request
def _security_headers(response: Response) -> Response:
    response.headers.setdefault(
        "Content-Security-Policy",
        "default-src 'none'; style-src 'self'; img-src 'self'; "
        "form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
    )
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "no-referrer")
    return response
