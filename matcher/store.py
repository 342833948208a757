"""ProfileStore: the source of truth. SQLite in WAL mode, one file under the data directory.

Besides the profiles it keeps, in the same transactions:
- a change sequence (`seq`): every write bumps it, so any process can catch its in-memory indexes
  up with `changes_since(seq)` instead of rebuilding them;
- the embeddings of each profile (offers, goals, passages) with the model that made them, so that
  rebuilding an index, or another worker catching up, never has to run the model again;
- tombstones of deleted rows, so that catching up also removes them.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .profiles import Profile

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
INSERT OR IGNORE INTO meta(key, value) VALUES ('seq', '0');
CREATE TABLE IF NOT EXISTS profiles (
    row_id INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,
    data TEXT NOT NULL,
    content_hash TEXT NOT NULL,
    text_hash TEXT NOT NULL,
    seq INTEGER NOT NULL,
    updated_at REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS profiles_seq ON profiles(seq);
CREATE TABLE IF NOT EXISTS embeddings (
    row_id INTEGER PRIMARY KEY,
    model_key TEXT NOT NULL,
    text_hash TEXT NOT NULL,
    offers BLOB NOT NULL,
    goals BLOB,
    passages BLOB NOT NULL
);
CREATE TABLE IF NOT EXISTS tombstones (row_id INTEGER PRIMARY KEY, seq INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS tombstones_seq ON tombstones(seq);
CREATE TABLE IF NOT EXISTS api_keys (
    key_id TEXT PRIMARY KEY,
    secret_hash TEXT NOT NULL,
    scope TEXT NOT NULL,
    label TEXT,
    created_at REAL NOT NULL,
    revoked_at REAL
);
"""


@dataclass
class Embeddings:
    """The vectors of one profile: whole offers text, goals (None if no goals), one per passage."""

    model_key: str
    offers: np.ndarray
    goals: np.ndarray | None
    passages: np.ndarray  # shape (n_passages, dim)


@dataclass
class StoredProfile:
    """A profile as stored: its row id (the id in every index), hashes and change sequence."""

    row_id: int
    profile: Profile
    content_hash: str
    text_hash: str
    seq: int


@dataclass
class Write:
    """One profile to upsert, with its hashes and its embeddings."""

    profile: Profile
    content_hash: str
    text_hash: str
    embeddings: Embeddings | None


def _blob(array: np.ndarray | None) -> bytes | None:
    return None if array is None else np.ascontiguousarray(array, dtype=np.float32).tobytes()


def _vectors(blob: bytes | None, dim: int) -> np.ndarray | None:
    if blob is None:
        return None
    return np.frombuffer(blob, dtype=np.float32).reshape(-1, dim)


def _load_profile(data: str) -> Profile:
    # Stored data was validated on the way in; skip validation on the way out.
    return Profile.model_construct(**json.loads(data))


class ProfileStore:
    """Profiles and their embeddings in one SQLite file (WAL mode).

    Safe to share between threads (one connection per thread) and between processes (SQLite locks).
    """

    def __init__(self, path: str | Path):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._local = threading.local()
        self.conn.executescript(_SCHEMA)  # executescript commits on its own
        # Stores made before the lexical index moved into memory (matcher/lexical.py) hold an FTS5
        # copy of every offers text: drop it, texts of people since erased included.
        if self.conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'lexical'").fetchone():
            self.conn.execute("DROP TABLE lexical")

    # -- connections ---------------------------------------------------------------------------

    @property
    def conn(self) -> sqlite3.Connection:
        """This thread's connection (autocommit off; use `_write()` for changes)."""
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = sqlite3.connect(self.path, timeout=30.0, isolation_level=None, check_same_thread=False)
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")
            conn.execute("PRAGMA busy_timeout=30000")
            conn.execute("PRAGMA secure_delete=ON")  # a deleted profile's pages are overwritten, not just freed
            self._local.conn = conn
        return conn

    def _write(self):
        return _Transaction(self.conn)

    def close(self) -> None:
        """Close this thread's connection."""
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            conn.close()
            self._local.conn = None

    # -- reads ---------------------------------------------------------------------------------

    def current_seq(self) -> int:
        """The change sequence: it grows with every committed write."""
        return int(self.conn.execute("SELECT value FROM meta WHERE key='seq'").fetchone()[0])

    def count(self) -> int:
        """How many profiles are stored."""
        return int(self.conn.execute("SELECT COUNT(*) FROM profiles").fetchone()[0])

    def get(self, profile_id: str) -> StoredProfile | None:
        """The stored profile with this id, or None."""
        row = self.conn.execute(
            "SELECT row_id, data, content_hash, text_hash, seq FROM profiles WHERE id = ?", (profile_id,)
        ).fetchone()
        return None if row is None else StoredProfile(row[0], _load_profile(row[1]), row[2], row[3], row[4])

    def get_many(self, row_ids: list[int]) -> dict[int, Profile]:
        """Profiles by row id (missing ones are left out)."""
        found: dict[int, Profile] = {}
        for start in range(0, len(row_ids), 500):
            chunk = [int(r) for r in row_ids[start:start + 500]]
            marks = ",".join("?" * len(chunk))
            for row_id, data in self.conn.execute(
                f"SELECT row_id, data FROM profiles WHERE row_id IN ({marks})", chunk
            ):
                found[row_id] = _load_profile(data)
        return found

    def hashes(self, profile_ids: list[str]) -> dict[str, tuple[str, str]]:
        """{id: (content_hash, text_hash)} for the ids that are stored."""
        found: dict[str, tuple[str, str]] = {}
        for start in range(0, len(profile_ids), 500):
            chunk = profile_ids[start:start + 500]
            marks = ",".join("?" * len(chunk))
            for pid, ch, th in self.conn.execute(
                f"SELECT id, content_hash, text_hash FROM profiles WHERE id IN ({marks})", chunk
            ):
                found[pid] = (ch, th)
        return found

    def iter_profiles(self, batch_size: int = 1000) -> Iterator[StoredProfile]:
        """Every stored profile, in row-id order, read in batches (rows written meanwhile may show up)."""
        last = 0
        while True:
            rows = self.conn.execute(
                "SELECT row_id, data, content_hash, text_hash, seq FROM profiles WHERE row_id > ? "
                "ORDER BY row_id LIMIT ?",
                (last, batch_size),
            ).fetchall()
            if not rows:
                return
            for row in rows:
                yield StoredProfile(row[0], _load_profile(row[1]), row[2], row[3], row[4])
            last = rows[-1][0]

    def embeddings(self, row_ids: list[int], dim: int) -> dict[int, Embeddings]:
        """Stored embeddings by row id (rows without embeddings are left out)."""
        found: dict[int, Embeddings] = {}
        for start in range(0, len(row_ids), 500):
            chunk = [int(r) for r in row_ids[start:start + 500]]
            marks = ",".join("?" * len(chunk))
            for row_id, key, offers, goals, passages in self.conn.execute(
                f"SELECT row_id, model_key, offers, goals, passages FROM embeddings WHERE row_id IN ({marks})",
                chunk,
            ):
                found[row_id] = Embeddings(key, _vectors(offers, dim)[0],
                                           None if goals is None else _vectors(goals, dim)[0],
                                           _vectors(passages, dim))
        return found

    def changes_since(self, seq: int) -> tuple[list[StoredProfile], list[int], int]:
        """What changed after `seq`: (upserted profiles, deleted row ids, the sequence now)."""
        with _Transaction(self.conn, read_only=True) as conn:
            now = int(conn.execute("SELECT value FROM meta WHERE key='seq'").fetchone()[0])
            if now == seq:
                return [], [], now
            rows = conn.execute(
                "SELECT row_id, data, content_hash, text_hash, seq FROM profiles WHERE seq > ? ORDER BY row_id",
                (seq,),
            ).fetchall()
            deleted = [r[0] for r in conn.execute("SELECT row_id FROM tombstones WHERE seq > ?", (seq,))]
        upserted = [StoredProfile(r[0], _load_profile(r[1]), r[2], r[3], r[4]) for r in rows]
        return upserted, deleted, now

    # -- writes --------------------------------------------------------------------------------

    def write(self, writes: list[Write]) -> list[int]:
        """Upsert profiles with their embeddings in one transaction; returns row ids."""
        if not writes:
            return []
        now = time.time()
        row_ids: list[int] = []
        with self._write() as conn:
            seq = _bump_seq(conn)
            for w in writes:
                data = json.dumps(w.profile.model_dump(), ensure_ascii=False, sort_keys=True)
                row = conn.execute("SELECT row_id FROM profiles WHERE id = ?", (w.profile.id,)).fetchone()
                if row is None:
                    row_id = conn.execute(
                        "INSERT INTO profiles(id, data, content_hash, text_hash, seq, updated_at) "
                        "VALUES (?, ?, ?, ?, ?, ?)",
                        (w.profile.id, data, w.content_hash, w.text_hash, seq, now),
                    ).lastrowid
                else:
                    row_id = row[0]
                    conn.execute(
                        "UPDATE profiles SET data=?, content_hash=?, text_hash=?, seq=?, updated_at=? WHERE row_id=?",
                        (data, w.content_hash, w.text_hash, seq, now, row_id),
                    )
                if w.embeddings is not None:
                    _put_embeddings(conn, row_id, w.text_hash, w.embeddings)
                row_ids.append(int(row_id))
        return row_ids

    def set_embeddings(self, items: list[tuple[int, str, Embeddings]]) -> int:
        """Store embeddings made by a re-index: (row_id, text_hash it was made from, vectors).

        A row whose text changed meanwhile (another hash now) is skipped: its newer write brought its
        own embeddings. Returns how many rows were written. Does not bump the change sequence.
        """
        written = 0
        with self._write() as conn:
            for row_id, text_hash, emb in items:
                current = conn.execute("SELECT text_hash FROM profiles WHERE row_id = ?", (row_id,)).fetchone()
                if current is None or current[0] != text_hash:
                    continue
                _put_embeddings(conn, row_id, text_hash, emb)
                written += 1
        return written

    def delete(self, profile_id: str) -> int | None:
        """Delete a profile and its embeddings; returns its row id, or None if absent."""
        with self._write() as conn:
            row = conn.execute("SELECT row_id FROM profiles WHERE id = ?", (profile_id,)).fetchone()
            if row is None:
                return None
            row_id = row[0]
            seq = _bump_seq(conn)
            conn.execute("DELETE FROM profiles WHERE row_id = ?", (row_id,))
            conn.execute("DELETE FROM embeddings WHERE row_id = ?", (row_id,))
            conn.execute("INSERT OR REPLACE INTO tombstones(row_id, seq) VALUES (?, ?)", (row_id, seq))
        return int(row_id)

    def purge_deleted(self) -> None:
        """Leave no trace of deleted profiles on disk: fold the WAL back into the database file and
        truncate it (it still holds page images from before the deletes; secure_delete has zeroed
        the deleted rows in the database file itself)."""
        self.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()

    def backup(self, target: str | Path) -> None:
        """Copy the whole database to `target` with SQLite's online backup (safe while serving)."""
        dest = sqlite3.connect(target)
        try:
            self.conn.backup(dest)
        finally:
            dest.close()


def _bump_seq(conn: sqlite3.Connection) -> int:
    conn.execute("UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key = 'seq'")
    return int(conn.execute("SELECT value FROM meta WHERE key='seq'").fetchone()[0])


def _put_embeddings(conn: sqlite3.Connection, row_id: int, text_hash: str, emb: Embeddings) -> None:
    conn.execute(
        "INSERT OR REPLACE INTO embeddings(row_id, model_key, text_hash, offers, goals, passages) "
        "VALUES (?, ?, ?, ?, ?, ?)",
        (row_id, emb.model_key, text_hash, _blob(emb.offers), _blob(emb.goals), _blob(emb.passages)),
    )


class _Transaction:
    """`with _Transaction(conn):` BEGIN IMMEDIATE ... COMMIT, or ROLLBACK on error."""

    def __init__(self, conn: sqlite3.Connection, read_only: bool = False):
        self.conn = conn
        self.read_only = read_only

    def __enter__(self) -> sqlite3.Connection:
        self.conn.execute("BEGIN" if self.read_only else "BEGIN IMMEDIATE")
        return self.conn

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is None:
            self.conn.execute("COMMIT")
        else:
            self.conn.execute("ROLLBACK")
