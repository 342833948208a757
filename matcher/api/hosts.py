"""Which `Host` the server answers: the names in MATCHER_ALLOWED_HOSTS (the loopback names by default) and
the address `mentor-match serve --host` binds.

A page on another site cannot read the matcher's answers (the browser's same-origin rule), unless its
name is made to point at the matcher's address (DNS rebinding): the browser then sends that name as
`Host`, and believes the page and the matcher are one site. Refusing every name that is not the
matcher's own stops it. Werkzeug's own check (Flask's TRUSTED_HOSTS) cuts a name at its first colon, so
it cannot list an IPv6 address such as ::1: hence this small one.

`/healthz` and `/readyz` answer any Host: load balancers and probes ask with the backend's address, and
the two carry no personal data and change nothing.
"""

from __future__ import annotations

import ipaddress
import logging
import re

from flask import Flask, Response, request

from .errors import problem_response

log = logging.getLogger("matcher.api")

ANY = "*"
EXEMPT_PATHS = frozenset({"/healthz", "/readyz"})
_NAME = re.compile(r"(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)*[a-z0-9](?:[a-z0-9-]*[a-z0-9])?")
_HOST_HEADER = re.compile(r"(\[[^\]]*\]|[^:\[\]]*)(?::(\d{1,5}))?")
UNSPECIFIED = frozenset({"", "0.0.0.0", "::"})


def normal_name(host: str) -> str | None:
    """`host` (a name, an IPv4 address, or an IPv6 address with or without brackets) in one comparable form:
    lower case, no trailing dot, an address in its canonical form; None when it is none of these."""
    host = host.strip().lower()
    bracketed = host.startswith("[") and host.endswith("]")
    try:
        return str(ipaddress.ip_address(host[1:-1] if bracketed else host))
    except ValueError:
        if bracketed:
            return None
    host = host.removesuffix(".")
    try:
        host = host.encode("idna").decode("ascii")
    except UnicodeError:
        return None
    return host if _NAME.fullmatch(host) else None


def allowed_hosts(setting: str) -> frozenset[str]:
    """The names of MATCHER_ALLOWED_HOSTS (comma-separated): names, addresses, `.example.com` for that domain
    and every name under it, or `*` alone for any host.

    Raises:
        ValueError: naming an entry that is not a host name or address, that has a port, or a `*` with others.
    """
    entries = [entry.strip() for entry in setting.split(",") if entry.strip()]
    if ANY in entries:
        if len(entries) > 1:
            raise ValueError("'*' (any host) must stand alone")
        return frozenset({ANY})
    names = set()
    for entry in entries:
        domain = entry.startswith(".")
        name = normal_name(entry[1:] if domain else entry)
        if name is None:
            head, _, port = entry.rpartition(":")
            if port.isdigit() and normal_name(head) is not None:
                raise ValueError(f"give {head!r} without a port ({entry!r}): every port is answered")
            raise ValueError(f"{entry!r} is not a host name or IP address")
        if domain and _is_address(name):
            raise ValueError(f"{entry!r}: a leading dot means a domain and every name under it, not an address")
        names.add("." + name if domain else name)
    return frozenset(names)


def _is_address(name: str) -> bool:
    try:
        ipaddress.ip_address(name)
    except ValueError:
        return False
    return True


class HostCheck:
    """Answers whether a Host header names this server."""

    def __init__(self, setting: str, serving_host: str | None = None):
        self.names = set(allowed_hosts(setting))
        bound = normal_name(serving_host or "")
        if bound is not None and bound not in UNSPECIFIED:
            self.names.add(bound)

    def allows(self, header: str | None) -> bool:
        """True for an allowed name with any port, and for no Host header at all (no browser omits it)."""
        if header is None or ANY in self.names:
            return True
        parts = _HOST_HEADER.fullmatch(header.strip())
        if parts is None or (parts.group(2) and not 0 < int(parts.group(2)) < 65536):
            return False
        name = normal_name(parts.group(1))
        if name is None:
            return False
        return name in self.names or any(
            entry.startswith(".") and (name == entry[1:] or name.endswith(entry)) for entry in self.names
        )


def install(app: Flask, setting: str, serving_host: str | None) -> HostCheck:
    """Refuse, before anything else runs, a request whose Host is not allowed: 400, a problem document on
    the API, plain text elsewhere (it is no page of ours)."""
    check = HostCheck(setting, serving_host)

    @app.before_request
    def _check_host():
        header = request.headers.get("Host")
        if request.path in EXEMPT_PATHS or check.allows(header):
            return None
        shown = (header or "")[:100]
        log.info("refused a request for host %r (not in MATCHER_ALLOWED_HOSTS)", shown)
        detail = (
            f"this server does not answer for host {shown!r}; its operator can add the name to MATCHER_ALLOWED_HOSTS"
        )
        if request.path.startswith("/v1/") or request.path == "/openapi.json":
            return problem_response(400, detail, title="Host not allowed")
        response = Response(f"Host not allowed: {detail}\n", status=400, mimetype="text/plain")
        response.headers["X-Content-Type-Options"] = "nosniff"
        return response

    return check
