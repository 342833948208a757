"""API keys: created, listed, revoked, verified. Only a hash of each secret is stored.

A key looks like `mm_<key_id>_<secret>`. The key id is public (it names the key in lists and logs);
the secret is shown once, at creation. Scopes: `match` may call /v1/match and ask for introductions for
stored mentees (reading the requests it made); `people` may also act for one signed-in person per call
(header On-Behalf-Of: answer, withdraw, log sessions, answer the fit question); `admin` may do everything.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from dataclasses import dataclass

from .store import KeyRecord, ProfileStore

SCOPES = ("match", "people", "admin")
PREFIX = "mm"


@dataclass(frozen=True)
class ApiKey:
    """A key as listed: never its secret."""

    key_id: str
    scope: str
    label: str | None
    created_at: float
    revoked_at: float | None

    @property
    def active(self) -> bool:
        """False once revoked."""
        return self.revoked_at is None


def _hash(secret: str) -> str:
    # Secrets are 32 random bytes: a plain SHA-256 is enough (no dictionary to attack).
    return hashlib.sha256(secret.encode()).hexdigest()


class KeyRing:
    """API keys kept in the profile store (its api_keys table)."""

    def __init__(self, store: ProfileStore):
        self.store = store

    def create(self, scope: str, label: str | None = None) -> tuple[ApiKey, str]:
        """Create a key; returns it and the full token (shown once, never stored)."""
        if scope not in SCOPES:
            raise ValueError(f"scope: expected one of {', '.join(SCOPES)}, got {scope!r}")
        key_id = secrets.token_hex(4)
        secret = secrets.token_urlsafe(32).replace("_", "-")
        now = time.time()
        self.store.add_key(KeyRecord(key_id, _hash(secret), scope, label, now, None))
        return ApiKey(key_id, scope, label, now, None), f"{PREFIX}_{key_id}_{secret}"

    def list(self) -> list[ApiKey]:
        """Every key, oldest first, revoked ones included."""
        return [_listed(record) for record in self.store.keys()]  # noqa: SIM118 - the store's keys, not a dict's

    def revoke(self, key_id: str) -> bool:
        """Revoke a key at once; False when no active key has this id."""
        return self.store.revoke_key(key_id, time.time())

    def verify(self, token: str) -> ApiKey | None:
        """The active key a token belongs to, or None (wrong, malformed or revoked)."""
        parts = token.strip().split("_", 2)
        if len(parts) != 3 or parts[0] != PREFIX:
            return None
        _, key_id, secret = parts
        record = self.store.key(key_id)
        if (
            record is None
            or record.revoked_at is not None
            or not hmac.compare_digest(record.secret_hash, _hash(secret))
        ):
            return None
        return _listed(record)


def _listed(record: KeyRecord) -> ApiKey:
    return ApiKey(record.key_id, record.scope, record.label, record.created_at, record.revoked_at)
