"""The id of each HTTP request: in the `X-Request-ID` response header, in every log line of the request
(matcher/logs.py) and in its problem details (`request_id`).

An `X-Request-ID` the request brings is kept when it comes from a trusted proxy (MATCHER_TRUSTED_PROXIES,
the proxies whose sign-in header is believed too) and is well-formed (1 to 128 of A-Z a-z 0-9 . _ -),
so that the proxy's logs and ours name the same request; otherwise the server makes one. The id is made
on first use, so even a request refused before any view runs (a 429) has one.
"""

from __future__ import annotations

import re
import uuid

from flask import current_app, g, has_request_context, request

HEADER = "X-Request-ID"
WELL_FORMED = re.compile(r"[A-Za-z0-9._-]{1,128}")


def current() -> str | None:
    """The id of the request being served (made on first use), or None outside a request."""
    if not has_request_context():
        return None
    if "request_id" not in g:
        g.request_id = _incoming() or uuid.uuid4().hex
    return g.request_id


def _incoming() -> str | None:
    """The request's own X-Request-ID, if a trusted proxy sent it and it is well-formed."""
    from .signin import EXTENSION

    value = request.headers.get(HEADER, "")
    if not WELL_FORMED.fullmatch(value):
        return None
    proxies = current_app.extensions.get(EXTENSION)
    if proxies is None or not proxies.from_trusted_proxy(request.remote_addr):
        return None
    return value
