"""API keys on HTTP: `Authorization: Bearer KEY`, checked against the KeyRing (hashes only).

Scopes are ordered: an `admin` key may do everything a `people` key may, and a `people` key everything a
`match` key may (a `people` key also acts for the one person its app names in On-Behalf-Of: see
matcher/relationships/access.py). Missing or wrong key: 401;
right key, wrong scope: 403 (both with a WWW-Authenticate header as RFC 6750 describes).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from functools import wraps
from typing import TypeVar

from flask import current_app, g, request

from ..keys import ApiKey, KeyRing
from .errors import Problem

REALM = "mentor-matcher"
SCOPE_RANK = {"match": 0, "people": 1, "admin": 2}
EXTENSION = "matcher.keys"

F = TypeVar("F", bound=Callable)


def bearer_token() -> str | None:
    """The token of an `Authorization: Bearer ...` header, or None."""
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


def keyring() -> KeyRing:
    """The app's KeyRing."""
    return current_app.extensions[EXTENSION]


def authenticate(scope: str) -> ApiKey:
    """The verified key of the request if its scope allows `scope`; raises a 401 or 403 Problem."""
    token = bearer_token()
    if token is None:
        raise Problem(
            401,
            "missing API key: send the header Authorization: Bearer KEY",
            headers={"WWW-Authenticate": f'Bearer realm="{REALM}"'},
        )
    key = keyring().verify(token)
    if key is None:
        raise Problem(
            401,
            "the API key is not valid (unknown, malformed or revoked)",
            headers={"WWW-Authenticate": f'Bearer realm="{REALM}", error="invalid_token"'},
        )
    if SCOPE_RANK.get(key.scope, -1) < SCOPE_RANK[scope]:
        raise Problem(
            403,
            f"key {key.key_id} has scope '{key.scope}'; this needs scope '{scope}'",
            headers={"WWW-Authenticate": f'Bearer realm="{REALM}", error="insufficient_scope", scope="{scope}"'},
        )
    g.api_key = key
    return key


def admin_key_sent() -> ApiKey | None:
    """The request's `admin` key, for routes open to all that show more to admins (/readyz's details).

    None when the request sends no `Authorization: Bearer` header (a load balancer's probe; a browser's
    Basic credentials are not a Bearer key either); a key that is sent must be a valid `admin` key, else
    the same 401 or 403 Problem as on the scoped routes, so that an operator's typo is not mistaken for
    "no details".
    """
    if bearer_token() is None:
        return None
    return authenticate("admin")


def require_scope(scope: str) -> Callable[[F], F]:
    """Decorator: the view runs only for a valid key whose scope allows `scope` ("match", "people" or "admin")."""
    if scope not in SCOPE_RANK:
        raise ValueError(f"scope: expected one of {', '.join(SCOPE_RANK)}, got {scope!r}")

    def decorate(view: F) -> F:
        @wraps(view)
        def wrapper(*args, **kwargs):
            authenticate(scope)
            return view(*args, **kwargs)

        wrapper.required_scope = scope  # read by the OpenAPI generator
        return wrapper  # type: ignore[return-value]

    return decorate


def rate_limit_key() -> str:
    """Rate-limit bucket of an API request: the key (a hash of the token, never the token), else the address.

    The token is hashed whole rather than keyed by its public key id, so that nobody can use up
    another caller's budget by sending their key id with a wrong secret.
    """
    token = bearer_token()
    if token:
        return "key:" + hashlib.sha256(token.encode()).hexdigest()[:24]
    return "addr:" + (request.remote_addr or "unknown")
