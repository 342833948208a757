"""Who may use the web form: everyone local, or the users a signing-in reverse proxy vouches for.

The form needs no API key, so a company puts it behind its sign-in the usual way: a reverse proxy
(oauth2-proxy, or the SSO module of nginx or Apache) signs people in and passes their name in a
header such as `X-Forwarded-User`. That header is believed only when the request comes from one of
the proxy addresses in MATCHER_TRUSTED_PROXIES (anyone can send the header; only the proxy's word
counts). None are set by default: without a proxy the header is ignored everywhere (a loopback default
would let any local account, or a DNS-rebinding page in a local browser, name itself).

Form modes (Settings.form):
- "open": anyone who reaches the port may search;
- "signed-in": only requests carrying the trusted header from a trusted proxy;
- "auto" (default): "open" when the server listens on a loopback address (only local users reach
  it: what `scripts/serve` does), "signed-in" otherwise, and when the address is not known;
- "off": no form at all.
"""

from __future__ import annotations

import hashlib
import ipaddress
import logging
from typing import Literal

from flask import current_app, request

log = logging.getLogger("matcher.api")

FormMode = Literal["open", "signed-in", "off"]
EXTENSION = "matcher.form"
MAX_USER_CHARS = 256


def form_mode(setting: str, public_form: bool, serving_host: str | None) -> FormMode:
    """The form mode in force, from Settings.form, Settings.public_form and the address served on.

    Raises:
        ValueError: an unknown setting value (naming MATCHER_FORM and what is allowed).
    """
    if setting not in ("auto", "open", "signed-in", "off"):
        raise ValueError(f"MATCHER_FORM: expected one of auto, open, signed-in, off, got {setting!r}")
    if not public_form or setting == "off":
        return "off"
    if setting != "auto":
        return setting  # type: ignore[return-value]
    return "open" if serving_host is not None and is_loopback(serving_host) else "signed-in"


def is_loopback(host: str) -> bool:
    """True for a loopback address (127.0.0.0/8, ::1) or the name localhost."""
    if host.strip("[]").lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def parse_networks(value: str) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    """Comma-separated addresses or networks (MATCHER_TRUSTED_PROXIES).

    Raises:
        ValueError: naming the entry that is not an address or network.
    """
    networks = []
    for part in (p.strip() for p in value.split(",")):
        if not part:
            continue
        try:
            networks.append(ipaddress.ip_network(part, strict=False))
        except ValueError:
            raise ValueError(f"MATCHER_TRUSTED_PROXIES: {part!r} is not an IP address or network") from None
    return tuple(networks)


class SignIn:
    """Reads the signed-in user of a request, believing the header only from trusted proxies."""

    def __init__(self, mode: FormMode, header: str, proxies: str):
        self.mode = mode
        self.header = header
        self.proxies = parse_networks(proxies)

    def from_trusted_proxy(self, address: str | None) -> bool:
        """True when `address` is one of the trusted proxies."""
        try:
            ip = ipaddress.ip_address(address or "")
        except ValueError:
            return False
        return any(ip in network for network in self.proxies)

    def user(self) -> str | None:
        """The signed-in user the proxy vouches for, or None (no header, or not from a trusted proxy)."""
        if not self.header or not self.from_trusted_proxy(request.remote_addr):
            return None
        value = request.headers.get(self.header, "").strip()
        return value[:MAX_USER_CHARS] or None

    def allowed(self) -> bool:
        """True when this request may use the form."""
        return self.mode == "open" or (self.mode == "signed-in" and self.user() is not None)


def warn_without_proxy(form: SignIn, admin_users: str) -> None:
    """Say at start-up when a setting needs a trusted proxy and none is configured (nobody could use it)."""
    if form.proxies and form.header:
        return
    if form.mode == "signed-in":
        log.warning(
            "the web form needs a user signed in by a trusted proxy, but MATCHER_TRUSTED_PROXIES (or "
            "MATCHER_TRUSTED_USER_HEADER) is empty: nobody can use it. Set it to your sign-in proxy's "
            "address, or MATCHER_FORM=off"
        )
    if admin_users.strip():
        log.warning(
            "MATCHER_ADMIN_USERS is set but MATCHER_TRUSTED_PROXIES (or MATCHER_TRUSTED_USER_HEADER) is "
            "empty: those users cannot sign in; set it to your sign-in proxy's address"
        )


def sign_in() -> SignIn:
    """The app's SignIn."""
    return current_app.extensions[EXTENSION]


def form_rate_limit_key() -> str:
    """The form's rate-limit bucket, and its searcher's partition of the query cache (querycache.py): the
    signed-in user when a trusted proxy names one, else the address.

    Behind a proxy every request has the proxy's address: counting per user keeps one person's
    searches from using up everyone's budget. The name is hashed, never kept as it is.
    """
    user = sign_in().user()
    if user:
        return "user:" + hashlib.sha256(user.encode()).hexdigest()[:24]
    return "addr:" + (request.remote_addr or "unknown")
