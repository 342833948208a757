"""The store: the source of truth for profiles, their embeddings, the change sequence and API keys.

`ProfileStore` is the interface (base.py); `SQLiteStore` the embedded default (sqlite.py).
`open_store(settings)` picks the backend the settings name.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .base import (Embeddings, KeyRecord, ProfileStore, PurgeIncomplete, ReindexRunning, StoredProfile, Write,
                   blob_vectors, vector_blob)
from .sqlite import SQLiteStore

if TYPE_CHECKING:
    from ..config import Settings

__all__ = ["Embeddings", "KeyRecord", "ProfileStore", "PurgeIncomplete", "ReindexRunning", "SQLiteStore",
           "StoredProfile", "Write", "blob_vectors", "open_store", "vector_blob"]

DATABASE_FILE = "profiles.db"


def open_store(settings: "Settings") -> ProfileStore:
    """The store the settings name: SQLite in the data directory (the default)."""
    return SQLiteStore(settings.data_dir / DATABASE_FILE)
