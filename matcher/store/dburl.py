"""Database URLs: which ones select PostgreSQL, and how one is shown without its password.

A URL in MATCHER_DATABASE_URL may carry a password (`postgresql://user:secret@host/db`, or a
`password=` query parameter). It is never logged and never printed back: every message that names
the database uses `masked(url)`.
"""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

SCHEMES = ("postgresql", "postgres")
MASK = "***"
# Query parameters libpq reads secrets from (`sslpassword` unlocks a client key).
SECRET_PARAMETERS = {"password", "sslpassword"}


def is_postgres_url(url: str) -> bool:
    """True for a `postgresql://` or `postgres://` URL (the schemes libpq accepts).

    Args:
        url: the value of MATCHER_DATABASE_URL.
    Returns:
        Whether it names a PostgreSQL database.
    """
    scheme, sep, _ = url.partition("://")
    return bool(sep) and scheme.lower() in SCHEMES


def masked(url: str) -> str:
    """The URL with any password replaced by `***`, safe to log or print.

    Args:
        url: a database URL (or anything else: a string that is not a URL is masked whole unless empty).
    Returns:
        The URL with the password of its user part and the values of `password` and `sslpassword`
        query parameters replaced; the user, host, port, database and other parameters kept.
    """
    if not url:
        return url
    if "://" not in url:
        # Not a URL (perhaps a libpq "key=value" string): nothing can be shown safely.
        return MASK
    try:
        parts = urlsplit(url)
    except ValueError:
        return MASK
    netloc = parts.netloc
    userinfo, at, hostinfo = netloc.rpartition("@")
    if at:
        user, colon, _ = userinfo.partition(":")
        netloc = f"{user}:{MASK}@{hostinfo}" if colon else f"{user}@{hostinfo}"
    query = parts.query
    if query:
        pairs = parse_qsl(query, keep_blank_values=True)
        if any(key.lower() in SECRET_PARAMETERS for key, _ in pairs):
            query = urlencode(
                [(key, MASK if key.lower() in SECRET_PARAMETERS else value) for key, value in pairs], safe="*"
            )
    return urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment))
