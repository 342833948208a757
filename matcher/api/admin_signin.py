"""Who may use the programme pages (admins only), and the CSRF tokens of their forms.

A visitor is an admin when
- a trusted reverse proxy signs them in (api/signin.py: the trusted user header, believed only from a
  trusted proxy address) AND their name is listed in MATCHER_ADMIN_USERS (exactly as the proxy sends it); or
- they send HTTP Basic credentials whose password is a valid API key of scope `admin` (the user name is
  ignored). A browser shows its own sign-in prompt after a 401 with `WWW-Authenticate: Basic`.

Everyone else gets a 401 with that challenge (no credentials, or a wrong or revoked key) or a 403 (a `match`
key; a user the proxy signed in who is not listed), never a programme's data.

Basic credentials, like cookies, are sent by the browser with every request to the site, including form
posts another site makes it send: every POST therefore carries a CSRF token, an HMAC-SHA256 of the admin's
identity ("proxy:<name>" or "key:<key id>") under a secret kept in the data directory (`web-secret`,
owner-only, created on first use, shared by every worker that uses the directory), and is refused without
it; a POST whose Origin header names another host is refused too.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import os
import secrets
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

from flask import current_app, request

from ..files import WEB_SECRET, private_dir, tighten
from .auth import SCOPE_RANK, keyring
from .signin import SignIn

log = logging.getLogger("matcher.api")

EXTENSION = "matcher.admin_signin"
REALM = "mentor-matcher admin"
CHALLENGE = {"WWW-Authenticate": f'Basic realm="{REALM}", charset="UTF-8"'}
SECRET_FILE = WEB_SECRET
SECRET_BYTES = 32
CSRF_FIELD = "csrf_token"


@dataclass(frozen=True)
class Admin:
    """A signed-in admin: by the trusted proxy (`name` is the user) or by an admin key (`name` is its key id)."""

    via: Literal["proxy", "key"]
    name: str

    @property
    def identity(self) -> str:
        """What the CSRF token is bound to."""
        return f"{self.via}:{self.name}"

    @property
    def label(self) -> str:
        """How the page names who is signed in."""
        return self.name if self.via == "proxy" else f"admin key {self.name}"


class Refused(Exception):
    """The visitor is not an admin (401 with the Basic challenge, or 403), or a POST failed the CSRF checks (403)."""

    def __init__(self, status: int, title: str, message: str):
        super().__init__(message)
        self.status, self.title, self.message = status, title, message

    @property
    def headers(self) -> dict[str, str]:
        return CHALLENGE if self.status == 401 else {}


def admin_names(setting: str) -> frozenset[str]:
    """The names of MATCHER_ADMIN_USERS (comma-separated; blanks around each name are dropped)."""
    return frozenset(name.strip() for name in setting.split(",") if name.strip())


class WebSecret:
    """The key of the CSRF tokens: 32 random bytes (hex) in `<data dir>/web-secret`, mode 0600.

    Created on first use with an exclusive link, so that workers starting together agree on one secret;
    read once per process. Delete the file and restart to rotate it (open pages then need a reload).
    """

    def __init__(self, data_dir: Path):
        self.path = Path(data_dir) / SECRET_FILE
        tighten(self.path)  # one loosened by hand or by an older version (files.private_data_dir does it too)
        self._key: bytes | None = None
        self._lock = threading.Lock()

    def key(self) -> bytes:
        """The secret, read (or created) on first use."""
        if self._key is None:
            with self._lock:
                if self._key is None:
                    self._key = self._load()
        return self._key

    def _read(self) -> bytes | None:
        try:
            text = self.path.read_text(encoding="ascii").strip()
            key = bytes.fromhex(text)
        except FileNotFoundError:
            return None
        except (UnicodeDecodeError, ValueError):
            key = b""
        if len(key) != SECRET_BYTES:
            log.warning("%s is malformed: making a new one", self.path)
            return b""
        return key

    def _load(self) -> bytes:
        key = self._read()
        if key:
            return key
        private_dir(self.path.parent)
        temporary = self.path.with_name(f".{SECRET_FILE}.{os.getpid()}.{secrets.token_hex(4)}")
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            with os.fdopen(descriptor, "w", encoding="ascii") as out:
                out.write(secrets.token_bytes(SECRET_BYTES).hex() + "\n")
                out.flush()
                os.fsync(out.fileno())
            if key is None:  # absent: the first worker to link its file wins, the others read that one
                try:
                    os.link(temporary, self.path)
                    log.info("created %s (the key of the programme pages' form tokens)", self.path)
                except FileExistsError:
                    pass
            else:  # malformed: replaced
                os.replace(temporary, self.path)
        finally:
            temporary.unlink(missing_ok=True)
        key = self._read()
        if not key:
            raise RuntimeError(f"{self.path} cannot be read back after writing it")
        return key


class AdminSignIn:
    """Decides whether a request comes from an admin, and makes and checks their forms' CSRF tokens."""

    def __init__(self, proxy: SignIn, admin_users: str, secret: WebSecret):
        self.proxy = proxy
        self.names = admin_names(admin_users)
        self.secret = secret

    def admin(self) -> Admin:
        """The admin making this request; raises Refused (401 or 403) for anyone else."""
        user = self.proxy.user()
        if user is not None and user in self.names:
            return Admin("proxy", user)
        credentials = request.authorization
        if credentials is not None and credentials.type == "basic":
            key = keyring().verify(credentials.password or "")
            if key is None:
                raise Refused(
                    401,
                    "Sign in",
                    "That is not a valid API key (unknown, malformed or revoked). Sign in "
                    "with an admin key as the password; the user name is ignored.",
                )
            if SCOPE_RANK.get(key.scope, -1) < SCOPE_RANK["admin"]:
                raise Refused(
                    403,
                    "Admins only",
                    f"Key {key.key_id} has scope '{key.scope}'; the programme pages need a key of scope 'admin'.",
                )
            return Admin("key", key.key_id)
        if user is not None:
            raise Refused(
                403,
                "Admins only",
                f"You are signed in as {user}, who is not a programme admin. An "
                "operator can add you to MATCHER_ADMIN_USERS.",
            )
        raise Refused(
            401,
            "Sign in",
            "The programme pages are for admins: sign in with an admin API key as the "
            "password (the user name is ignored), or through your organisation's sign-in.",
        )

    def csrf_token(self, admin: Admin) -> str:
        """The token every form of this admin carries."""
        return hmac.new(self.secret.key(), b"programme-pages\0" + admin.identity.encode(), hashlib.sha256).hexdigest()

    def check_post(self, admin: Admin) -> None:
        """Refuse (403) a POST sent from another site: an Origin naming another host, or no valid token."""
        origin = request.headers.get("Origin")
        if origin is not None and origin != "null" and not self._same_host(origin):
            raise Refused(
                403, "Refused", "This form was sent from another site; open the programme page and use its buttons."
            )
        token = request.form.get(CSRF_FIELD, "")
        if not hmac.compare_digest(token.encode(), self.csrf_token(admin).encode()):
            raise Refused(
                403,
                "Refused",
                "This form did not come from the programme page (its security token is "
                "missing or out of date). Reload the page and try again.",
            )

    def _same_host(self, origin: str) -> bool:
        try:
            host = urlsplit(origin).netloc.lower()
        except ValueError:
            return False
        hosts = {request.host.lower()}
        if self.proxy.from_trusted_proxy(request.remote_addr):  # a proxy may pass the host it was asked for
            forwarded = request.headers.get("X-Forwarded-Host", "").split(",")[0].strip().lower()
            if forwarded:
                hosts.add(forwarded)
        return bool(host) and host in hosts


def admin_sign_in() -> AdminSignIn:
    """The app's AdminSignIn."""
    return current_app.extensions[EXTENSION]
