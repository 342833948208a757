"""Who visits the pages for people (api/people_pages.py), and the CSRF tokens of their forms.

A visitor is (SECURITY.md "The pages for people"):
- signed in: a trusted proxy vouches for a user (api/signin.py) and exactly one stored profile carries that
  value in its private `email` field (ignoring case). The proxy's word is the only one believed; nothing the
  browser sends names the person. A user no profile (or several) carries is signed in but may not act;
- in the local demo ("act as"), for trying the service on one's own machine: only with MATCHER_DEMO_ACT_AS=1,
  a server listening on a loopback address with the form open, no trusted proxy configured, and a request
  from a loopback address. The visitor picks a stored profile (kept in a cookie) and every page says so in
  a banner. Never anywhere else: off loopback, or behind a proxy, nobody can act as someone else;
- else nobody (the pages answer 403).

Every POST carries a CSRF token: an HMAC-SHA256 of whom the visitor acts as, under the data directory's
`web-secret` (the programme pages' key, admin_signin.WebSecret).
"""

from __future__ import annotations

import hashlib
import hmac
import logging
from dataclasses import dataclass
from typing import Literal
from urllib.parse import urlsplit

from flask import current_app, g, request
from markupsafe import Markup, escape

from ..config import Settings
from .admin_signin import CSRF_FIELD, WebSecret
from .context import service
from .signin import SignIn, is_loopback

log = logging.getLogger("matcher.api")

EXTENSION = "matcher.people"
ACT_AS_COOKIE = "matcher_act_as"


@dataclass(frozen=True)
class Me:
    """Who is visiting the people's pages: `via` the trusted proxy (user = its header value) or the local demo,
    and the stored profile they act as (None: not mapped to exactly one profile, or none picked yet)."""

    via: Literal["proxy", "demo"]
    user: str
    profile_id: str | None
    problem: Literal["unknown", "ambiguous", "choose"] | None = None

    @property
    def identity(self) -> str:
        """What the CSRF token is bound to: the person acted as (else the proxy's user, or nobody picked)."""
        if self.profile_id is not None:
            return f"{self.via}:profile:{self.profile_id}"
        return f"{self.via}:user:{self.user if self.via == 'proxy' else ''}"


def demo_mode(settings: Settings, form: SignIn, serving_host: str | None) -> bool:
    """True when "act as" may be offered: asked for, served on loopback to local users, no proxy in front."""
    if not settings.demo_act_as:
        return False
    if serving_host is None or not is_loopback(serving_host) or form.proxies or form.mode != "open":
        log.warning(
            "MATCHER_DEMO_ACT_AS is ignored: it needs a server listening on a loopback address, the form "
            "open (MATCHER_FORM=auto or open) and no MATCHER_TRUSTED_PROXIES"
        )
        return False
    log.warning("demo mode: local users may act as any stored profile on /me (MATCHER_DEMO_ACT_AS=1)")
    return True


class People:
    """Decides who a visitor is, and makes and checks the CSRF tokens of their forms."""

    def __init__(self, form: SignIn, demo: bool, secret: WebSecret):
        self.form, self.demo, self.secret = form, demo, secret

    def me(self) -> Me | None:
        """The visitor (see the module docstring), or None: nobody this page may serve."""
        user = self.form.user()
        if user is not None:
            ids = service().store.ids_by_email(user)
            if len(ids) == 1:
                return Me("proxy", user, ids[0])
            return Me("proxy", user, None, "ambiguous" if ids else "unknown")
        if self.demo and is_loopback(request.remote_addr or ""):
            picked = request.cookies.get(ACT_AS_COOKIE, "")
            if picked and len(picked) <= 64 and service().get(picked) is not None:
                return Me("demo", "demo", picked)
            return Me("demo", "demo", None, "choose")
        return None

    def csrf_token(self, me: Me) -> str:
        return hmac.new(self.secret.key(), b"people-pages\0" + me.identity.encode(), hashlib.sha256).hexdigest()

    def post_refusal(self, me: Me) -> tuple[int, str, str] | None:
        """Why a POST is refused (status, title, message): 403 from another site (Origin), 400 without this
        visitor's token; None when it may go on."""
        origin = request.headers.get("Origin")
        if origin is not None and origin != "null" and not _same_host(origin, self.form):
            return 403, "Refused", "This form was sent from another site; open your page and use its buttons."
        token = request.form.get(CSRF_FIELD, "")
        if not hmac.compare_digest(token.encode(), self.csrf_token(me).encode()):
            return (
                400,
                "Form expired",
                (
                    "This form did not come from your page (its security token is missing or "
                    "out of date). Reload the page and try again."
                ),
            )
        return None


def _same_host(origin: str, form: SignIn) -> bool:
    try:
        host = urlsplit(origin).netloc.lower()
    except ValueError:
        return False
    hosts = {request.host.lower()}
    if form.from_trusted_proxy(request.remote_addr):
        forwarded = request.headers.get("X-Forwarded-Host", "").split(",")[0].strip().lower()
        if forwarded:
            hosts.add(forwarded)
    return bool(host) and host in hosts


def people() -> People:
    """The app's People."""
    return current_app.extensions[EXTENSION]


def current() -> Me | None:
    """The visitor of this request (cached on `g`): the form's result cards use it too."""
    if "me" not in g:
        g.me = people().me()
    return g.me


def searcher_id() -> str:
    """The profile the form searches as: the known visitor's, when active and discoverable (a search names
    a stored mentee with a `match` key's limited trust: SECURITY.md), so that the cards show the mentors the
    rules let them ask (their seniority, languages, reporting line); else "" (asking re-checks the rules)."""
    me = current()
    if me is None or me.profile_id is None:
        return ""
    profile = service().get(me.profile_id)
    return me.profile_id if profile is not None and profile.active and profile.discoverable else ""


def csrf_field() -> Markup:
    """The hidden CSRF input of the visitor's forms (empty token when nobody is known)."""
    me = current()
    token = people().csrf_token(me) if me is not None else ""
    return Markup(f'<input type="hidden" name="{CSRF_FIELD}" value="{escape(token)}">')
