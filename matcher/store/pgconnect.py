"""Connections to the PostgreSQL store: autocommit, named, with a connect timeout, and errors that
name the database without its password."""

from __future__ import annotations

from typing import Any

import psycopg
from psycopg.conninfo import conninfo_to_dict

from .dburl import masked

CONNECT_TIMEOUT = 10  # seconds, unless the URL says otherwise


def connect_options(url: str) -> dict[str, Any]:
    """Connection options: autocommit (transactions are explicit), named, with a connect timeout
    unless the URL sets one."""
    options: dict[str, Any] = {"autocommit": True, "application_name": "mentor-matcher"}
    if "connect_timeout" not in conninfo_to_dict(url):
        options["connect_timeout"] = CONNECT_TIMEOUT
    return options


def connect(url: str) -> psycopg.Connection:
    """A connection of its own (autocommit), outside any pool.

    Raises:
        psycopg.OperationalError: naming the URL with its password masked, and libpq's reason (which
            names the host and user, never the password).
    """
    try:
        return psycopg.connect(url, **connect_options(url))
    except psycopg.OperationalError as exc:
        raise psycopg.OperationalError(
            f"MATCHER_DATABASE_URL ({masked(url)}): cannot connect: {str(exc).strip()}"
        ) from None
