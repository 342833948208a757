"""API keys: created, listed, revoked, verified. Only a hash of each secret is stored.

A key looks like `mm_<key_id>_<secret>`. The key id is public (it names the key in lists and logs);
the secret is shown once, at creation. Scopes: `match` may call /v1/match; `admin` may also write
profiles and re-index.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from dataclasses import dataclass

from .store import ProfileStore

SCOPES = ("match", "admin")
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
    """API keys kept in the profile store's SQLite file (table api_keys)."""

    def __init__(self, store: ProfileStore):
        self.store = store

    def create(self, scope: str, label: str | None = None) -> tuple[ApiKey, str]:
        """Create a key; returns it and the full token (shown once, never stored)."""
        if scope not in SCOPES:
            raise ValueError(f"scope: expected one of {', '.join(SCOPES)}, got {scope!r}")
        key_id = secrets.token_hex(4)
        secret = secrets.token_urlsafe(32).replace("_", "-")
        now = time.time()
        with self.store._write() as conn:
            conn.execute("INSERT INTO api_keys(key_id, secret_hash, scope, label, created_at) VALUES (?, ?, ?, ?, ?)",
                         (key_id, _hash(secret), scope, label, now))
        return ApiKey(key_id, scope, label, now, None), f"{PREFIX}_{key_id}_{secret}"

    def list(self) -> list[ApiKey]:
        """Every key, oldest first, revoked ones included."""
        rows = self.store.conn.execute(
            "SELECT key_id, scope, label, created_at, revoked_at FROM api_keys ORDER BY created_at").fetchall()
        return [ApiKey(*row) for row in rows]

    def revoke(self, key_id: str) -> bool:
        """Revoke a key at once; False when no active key has this id."""
        with self.store._write() as conn:
            cursor = conn.execute("UPDATE api_keys SET revoked_at = ? WHERE key_id = ? AND revoked_at IS NULL",
                                  (time.time(), key_id))
        return cursor.rowcount > 0

    def verify(self, token: str) -> ApiKey | None:
        """The active key a token belongs to, or None (wrong, malformed or revoked)."""
        parts = token.strip().split("_", 2)
        if len(parts) != 3 or parts[0] != PREFIX:
            return None
        _, key_id, secret = parts
        row = self.store.conn.execute(
            "SELECT key_id, scope, label, created_at, revoked_at, secret_hash FROM api_keys WHERE key_id = ?",
            (key_id,)).fetchone()
        if row is None or row[4] is not None or not hmac.compare_digest(row[5], _hash(secret)):
            return None
        return ApiKey(*row[:5])
