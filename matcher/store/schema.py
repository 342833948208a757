"""Versioned, forward-only migrations of the PostgreSQL store's schema.

Migrations are the SQL files in matcher/store/migrations, named `NNNN_what.sql` and applied in
order, each in its own transaction, by `mentor-match migrate` (`migrate(url)`). The table
`schema_migrations` records each applied version. A store opens only on a database whose schema is
exactly at this code's latest version (`check(conn)`): one behind is refused with a message naming
`mentor-match migrate`, one ahead (written by a newer version of the service) is refused too.
There are no down-migrations: to go back, restore a backup.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from importlib import resources

import psycopg

from ..errors import SchemaMismatch
from .dburl import masked
from .pgconnect import connect

# Taken (per database, for the transaction) by every migrate run, so that two runs take turns.
MIGRATE_LOCK_KEY = 0x6D656E746F7202
_FILE_NAME = re.compile(r"^(\d{4})_([a-z0-9_]+)\.sql$")

_CREATE_TABLE = """
CREATE TABLE IF NOT EXISTS schema_migrations (
    version INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    applied_at TIMESTAMPTZ NOT NULL DEFAULT now()
)
"""


@dataclass(frozen=True)
class Migration:
    """One migration: its version (1, 2, ...), name and SQL."""

    version: int
    name: str
    sql: str


def migrations() -> list[Migration]:
    """The migrations shipped in the package, in order.

    Returns:
        Every matcher/store/migrations/NNNN_name.sql, numbered 1, 2, ... without gaps.
    Raises:
        RuntimeError: a gap or a duplicate in the numbering (a packaging mistake).
    """
    folder = resources.files("matcher.store") / "migrations"
    found = []
    for entry in folder.iterdir():
        match = _FILE_NAME.match(entry.name)
        if match:
            found.append(Migration(int(match.group(1)), match.group(2), entry.read_text(encoding="utf-8")))
    found.sort(key=lambda m: m.version)
    if [m.version for m in found] != list(range(1, len(found) + 1)):
        raise RuntimeError(f"matcher/store/migrations: versions {[m.version for m in found]} are not 1..N")
    return found


def latest_version() -> int:
    """The schema version this code needs (the highest migration's)."""
    return len(migrations())


def current_version(conn: psycopg.Connection) -> int:
    """The database's schema version: the highest applied migration, 0 when none ever was."""
    exists = conn.execute("SELECT to_regclass('schema_migrations') IS NOT NULL").fetchone()[0]
    if not exists:
        return 0
    return int(conn.execute("SELECT COALESCE(MAX(version), 0) FROM schema_migrations").fetchone()[0])


def check(conn: psycopg.Connection, url: str) -> None:
    """Refuse a database whose schema is not exactly this code's version.

    Args:
        conn: a connection to the database.
        url: its URL (named in the message with the password masked).
    Raises:
        SchemaMismatch: naming the versions and what to do.
    """
    have, need = current_version(conn), latest_version()
    if have == need:
        return
    where = f"MATCHER_DATABASE_URL ({masked(url)})"
    if have == 0:
        raise SchemaMismatch(
            f"{where}: the database has no mentor-matcher schema yet (version {need} needed); "
            f"run `mentor-match migrate` to create it"
        )
    if have < need:
        raise SchemaMismatch(
            f"{where}: the database schema is at version {have}, this version of mentor-matcher "
            f"needs {need}; run `mentor-match migrate` to upgrade it"
        )
    raise SchemaMismatch(
        f"{where}: the database schema is at version {have}, newer than this version of "
        f"mentor-matcher knows ({need}); upgrade mentor-matcher (migrations are forward-only)"
    )


def migrate(conn: psycopg.Connection, url: str) -> list[Migration]:
    """Apply the migrations the database lacks, in order, each in its own transaction.

    Concurrent runs take turns (an advisory lock per transaction) and each migration is applied once.

    Args:
        conn: a connection to the database (autocommit; its role needs to create tables).
        url: its URL (named in errors with the password masked).
    Returns:
        The migrations applied now (empty when the schema was up to date).
    Raises:
        SchemaMismatch: the schema is newer than this code.
    """
    applied: list[Migration] = []
    for migration in migrations():
        with conn.transaction():
            conn.execute("SELECT pg_advisory_xact_lock(%s)", (MIGRATE_LOCK_KEY,))
            conn.execute(_CREATE_TABLE)
            if current_version(conn) >= migration.version:
                continue
            conn.execute(migration.sql)
            conn.execute(
                "INSERT INTO schema_migrations (version, name) VALUES (%s, %s)", (migration.version, migration.name)
            )
        applied.append(migration)
    check(conn, url)
    return applied


def migrate_database(url: str) -> tuple[list[Migration], int]:
    """Apply the migrations the database at `url` lacks (`mentor-match migrate`).

    Args:
        url: a `postgresql://` URL; its role needs to create tables in the database.
    Returns:
        (the migrations applied now, the schema version now).
    Raises:
        psycopg.OperationalError: the database cannot be reached (the message names the masked URL).
        SchemaMismatch: the schema is newer than this code.
    """
    with connect(url) as conn:
        applied = migrate(conn, url)
        return applied, current_version(conn)
