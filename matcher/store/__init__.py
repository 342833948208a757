"""The store: the source of truth for profiles, their embeddings, the change sequence, API keys, programmes,
introductions and relationships (with the outbox of their events).

`ProfileStore` is the interface (base.py); `SQLiteStore` the embedded default (sqlite.py);
`PostgresStore` (postgres.py, the optional extra `mentor-matcher[postgres]`) the shared store for
several replicas. `open_store(settings)` picks the backend the settings name.

May import the profile schema, errors, files and config; nothing that ranks (no search, index, model,
programme, service or face: checked by lint-imports).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..relationships.records import FitRecord, OutboxRecord, RelationshipRecord, RequestRecord, SessionRecord
from .base import (
    PAIR_STATUSES,
    CohortRecord,
    Embeddings,
    KeyRecord,
    PairRecord,
    ProfileStore,
    ProgrammeRecord,
    StoredProfile,
    Write,
    blob_vectors,
    vector_blob,
)
from .dburl import is_postgres_url, masked
from .sqlite import SQLiteStore

if TYPE_CHECKING:
    from ..config import Settings

__all__ = [
    "PAIR_STATUSES",
    "CohortRecord",
    "Embeddings",
    "FitRecord",
    "KeyRecord",
    "OutboxRecord",
    "PairRecord",
    "ProfileStore",
    "ProgrammeRecord",
    "RelationshipRecord",
    "RequestRecord",
    "SQLiteStore",
    "SessionRecord",
    "StoredProfile",
    "Write",
    "blob_vectors",
    "describe_store",
    "migrate_store",
    "open_store",
    "vector_blob",
]

DATABASE_FILE = "profiles.db"


def _postgres():
    """The postgres module, or an error naming the extra to install."""
    try:
        from . import postgres
    except ImportError as exc:
        raise RuntimeError(
            f"MATCHER_DATABASE_URL names a PostgreSQL database, but its driver is not installed "
            f"({exc.name}): pip install 'mentor-matcher[postgres]'"
        ) from None
    return postgres


def _database_url(settings: Settings) -> str:
    """The PostgreSQL URL the settings name, or "" for SQLite.

    Raises:
        ValueError: MATCHER_DATABASE_URL is set but is not a postgresql:// URL.
    """
    url = settings.database_url.strip()
    if url and not is_postgres_url(url):
        raise ValueError(f"MATCHER_DATABASE_URL: expected a postgresql:// URL, got {masked(url)!r}")
    return url


def open_store(settings: Settings) -> ProfileStore:
    """The store the settings name.

    Args:
        settings: MATCHER_DATABASE_URL set: PostgreSQL at that URL (its schema must be current: see
            `migrate_store`); unset: SQLite in the data directory (the default).
    Returns:
        The open store.
    Raises:
        ValueError: MATCHER_DATABASE_URL is not a postgresql:// URL.
        RuntimeError: the PostgreSQL driver is missing, or the schema is missing, behind or ahead
            (SchemaMismatch, naming `mentor-match migrate`).
    """
    url = _database_url(settings)
    if url:
        return _postgres().PostgresStore(url)
    return SQLiteStore(settings.data_dir / DATABASE_FILE)


def describe_store(settings: Settings) -> str:
    """Where the store lives, safe to print: the SQLite file, or the database URL with its password masked."""
    url = _database_url(settings)
    return f"PostgreSQL database {masked(url)}" if url else f"SQLite store {settings.data_dir / DATABASE_FILE}"


def migrate_store(settings: Settings) -> tuple[list[str], int | None]:
    """Bring the store's schema up to this code's version (`mentor-match migrate`).

    Args:
        settings: as for open_store.
    Returns:
        (the migrations applied now, by name; the schema version now). SQLite creates its schema when
        it opens: nothing is applied and the version is None.
    Raises:
        As open_store; SchemaMismatch when the database is ahead of this code.
    """
    url = _database_url(settings)
    if not url:
        SQLiteStore(settings.data_dir / DATABASE_FILE).close()
        return [], None
    _postgres()  # the driver, or a clear error
    from .schema import migrate_database

    applied, version = migrate_database(url)
    return [f"{m.version:04d}_{m.name}" for m in applied], version
