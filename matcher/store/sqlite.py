"""SQLiteStore: the embedded default store. SQLite in WAL mode, one file under the data directory.

What it keeps is the store interface's (see base.py). Each thread has its own connection; processes
share the file through SQLite's own locks.
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
import sqlite3
import threading
import time
import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from ..errors import PurgeIncomplete, ReindexRunning
from ..files import PRIVATE_FILE, private_data_dir, tighten
from ..profiles import Profile, content_hash, without_manager
from .base import Embeddings, KeyRecord, StoredProfile, Write, blob_vectors, vector_blob
from .ledger import Ledger
from .relationships import forget_person
from .sqlite_outcomes import OUTCOME_SCHEMA, SQLiteOutcomes
from .sqlite_programmes import PROGRAMME_SCHEMA, SQLiteProgrammes
from .sqlite_relationships import COMMITTED, RELATIONSHIP_SCHEMA, SQLITE, SQLiteRelationships, migrate
from .webhooks import WebhookStore

log = logging.getLogger("matcher.store")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
INSERT OR IGNORE INTO meta(key, value) VALUES ('seq', '0');
INSERT OR IGNORE INTO meta(key, value) VALUES ('reindex', '0');
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
CREATE INDEX IF NOT EXISTS profiles_manager ON profiles(json_extract(data, '$.manager_id'));
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


def _load_profile(data: str) -> Profile:
    # Stored data was validated on the way in; skip validation on the way out.
    return Profile.model_construct(**json.loads(data))


def _dump_profile(profile: Profile) -> str:
    return json.dumps(profile.model_dump(), ensure_ascii=False, sort_keys=True)


class SQLiteStore(SQLiteProgrammes, SQLiteRelationships, WebhookStore, SQLiteOutcomes):
    """The store (see base.ProfileStore) in one SQLite file, WAL mode, readable by its owner only.

    Safe to share between threads (one connection per thread) and between processes (SQLite locks).

    Args:
        path: the database file; created (mode 0600, in a folder of mode 0700) when missing. SQLite
            gives its -wal and -shm files the database file's mode.
    """

    PURGE_ATTEMPTS = 10  # wal_checkpoint(TRUNCATE) tries while readers keep old pages in use
    PURGE_WAIT_MS = 1000  # each waits this long for readers (SQLite's busy handler), instead of 30 s
    PURGE_PAUSE = 0.25  # seconds between them

    def __init__(self, path: str | Path):
        self.path = Path(path)
        private_data_dir(self.path.parent)  # the data directory (store/__init__.py: DATABASE_FILE)
        if not self.path.exists():
            os.close(os.open(self.path, os.O_CREAT | os.O_WRONLY, PRIVATE_FILE))
        for suffix in ("", "-wal", "-shm", ".reindex-lock"):
            tighten(self.path.with_name(self.path.name + suffix))
        self._local = threading.local()
        # Every live thread's connection, for close(); a thread's own goes with the thread (_ThreadConnection).
        self._connections: weakref.WeakSet[_ThreadConnection] = weakref.WeakSet()
        self._connections_lock = threading.Lock()
        self.conn.executescript(_SCHEMA + PROGRAMME_SCHEMA + RELATIONSHIP_SCHEMA + OUTCOME_SCHEMA)  # commits on its own
        migrate(self.conn)  # stores made by older versions carried forward (sqlite_relationships.py)
        # Stores made before the lexical index moved into memory (index/lexical.py) hold an FTS5
        # copy of every offers text: drop it, texts of people since erased included.
        if self.conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'lexical'").fetchone():
            self.conn.execute("DROP TABLE lexical")

    def __repr__(self) -> str:
        return f"SQLiteStore({str(self.path)!r})"

    # -- connections ---------------------------------------------------------------------------

    @property
    def conn(self) -> sqlite3.Connection:
        """This thread's connection (autocommit: writes go through `_write()`, one transaction each); closed
        when the thread ends (background work runs on short-lived threads: each would keep one open, with
        its page cache, for the life of the process)."""
        held = getattr(self._local, "conn", None)
        if held is None:
            conn = sqlite3.connect(self.path, timeout=30.0, isolation_level=None, check_same_thread=False)
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")
            conn.execute("PRAGMA busy_timeout=30000")
            conn.execute("PRAGMA secure_delete=ON")  # a deleted profile's pages are overwritten, not just freed
            held = self._local.conn = _ThreadConnection(conn)
            with self._connections_lock:
                self._connections.add(held)
        return held.conn

    def _write(self) -> _Transaction:
        return _Transaction(self.conn)

    def close(self) -> None:
        """Close every connection this store opened (in any thread); it reconnects if used again."""
        with self._connections_lock:
            connections, self._connections = list(self._connections), weakref.WeakSet()
        for held in connections:
            held.conn.close()
        self._local = threading.local()

    # -- reads ---------------------------------------------------------------------------------

    def current_seq(self) -> int:
        """The change sequence: it grows with every committed write or delete."""
        return int(self.conn.execute("SELECT value FROM meta WHERE key='seq'").fetchone()[0])

    def last_delete_seq(self) -> int:
        """The change number of the latest delete (0 when nothing was ever deleted)."""
        return int(self.conn.execute("SELECT COALESCE(MAX(seq), 0) FROM tombstones").fetchone()[0])

    def count(self) -> int:
        """How many profiles are stored."""
        return int(self.conn.execute("SELECT COUNT(*) FROM profiles").fetchone()[0])

    def get(self, profile_id: str) -> StoredProfile | None:
        """The stored profile with this id, or None."""
        row = self.conn.execute(
            f"SELECT row_id, data, content_hash, text_hash, seq, {COMMITTED} FROM profiles WHERE id = ?", (profile_id,)
        ).fetchone()
        return None if row is None else StoredProfile(row[0], _load_profile(row[1]), row[2], row[3], row[4], row[5])

    def ids_by_email(self, email: str) -> list[str]:
        """The ids of the profiles whose private `email` equals this one, ignoring case (a scan: one a page)."""
        rows = self.conn.execute(
            "SELECT id FROM profiles WHERE lower(json_extract(data, '$.email')) = ? ORDER BY id LIMIT 10",
            (email.strip().lower(),),
        ).fetchall()
        return [row[0] for row in rows]

    def get_many(self, row_ids: list[int]) -> dict[int, Profile]:
        """Profiles by row id (missing ones are left out)."""
        found: dict[int, Profile] = {}
        for start in range(0, len(row_ids), 500):
            chunk = [int(r) for r in row_ids[start : start + 500]]
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
            chunk = profile_ids[start : start + 500]
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
                f"SELECT row_id, data, content_hash, text_hash, seq, {COMMITTED} FROM profiles WHERE row_id > ? "
                "ORDER BY row_id LIMIT ?",
                (last, batch_size),
            ).fetchall()
            if not rows:
                return
            for row in rows:
                yield StoredProfile(row[0], _load_profile(row[1]), row[2], row[3], row[4], row[5])
            last = rows[-1][0]

    def embeddings(self, row_ids: list[int], dim: int) -> dict[int, Embeddings]:
        """Stored embeddings by row id (rows without embeddings are left out)."""
        found: dict[int, Embeddings] = {}
        for start in range(0, len(row_ids), 500):
            chunk = [int(r) for r in row_ids[start : start + 500]]
            marks = ",".join("?" * len(chunk))
            for row_id, key, offers, goals, passages in self.conn.execute(
                f"SELECT row_id, model_key, offers, goals, passages FROM embeddings WHERE row_id IN ({marks})",
                chunk,
            ):
                found[row_id] = Embeddings(
                    key,
                    blob_vectors(offers, dim)[0],
                    None if goals is None else blob_vectors(goals, dim)[0],
                    blob_vectors(passages, dim),
                )
        return found

    def changes_since(self, seq: int) -> tuple[list[StoredProfile], list[int], int]:
        """What changed after `seq`: (upserted profiles, deleted row ids, the sequence now)."""
        with _Transaction(self.conn, read_only=True) as conn:
            now = int(conn.execute("SELECT value FROM meta WHERE key='seq'").fetchone()[0])
            if now == seq:
                return [], [], now
            rows = conn.execute(
                f"SELECT row_id, data, content_hash, text_hash, seq, {COMMITTED} FROM profiles "
                "WHERE seq > ? ORDER BY row_id",
                (seq,),
            ).fetchall()
            deleted = [r[0] for r in conn.execute("SELECT row_id FROM tombstones WHERE seq > ?", (seq,))]
        upserted = [StoredProfile(r[0], _load_profile(r[1]), r[2], r[3], r[4], r[5]) for r in rows]
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
                data = _dump_profile(w.profile)
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
        """Delete a profile and its embeddings, and every record naming them (see base.ProfileStore.delete)."""
        with self._write() as conn:
            row = conn.execute("SELECT row_id FROM profiles WHERE id = ?", (profile_id,)).fetchone()
            if row is None:
                return None
            row_id = row[0]
            seq = _bump_seq(conn)
            conn.execute("DELETE FROM profiles WHERE row_id = ?", (row_id,))
            conn.execute("DELETE FROM embeddings WHERE row_id = ?", (row_id,))
            conn.execute("INSERT OR REPLACE INTO tombstones(row_id, seq) VALUES (?, ?)", (row_id, seq))
            # Erasure reaches the records that name the person as their manager: the id goes too.
            for report_row, data in conn.execute(
                "SELECT row_id, data FROM profiles WHERE json_extract(data, '$.manager_id') = ?", (profile_id,)
            ).fetchall():
                report = without_manager(_load_profile(data))
                conn.execute(
                    "UPDATE profiles SET data=?, content_hash=?, seq=?, updated_at=? WHERE row_id=?",
                    (_dump_profile(report), content_hash(report), seq, time.time(), report_row),
                )
            # ...and every programme: their cohort entry (with their need), pairs and bans; their requests,
            # relationships (sessions, fit answers), bans and events; their outcomes, as mentor or as mentee.
            freed = self._forget_in_programmes(conn, profile_id) | forget_person(Ledger(conn, SQLITE), profile_id)
            if freed:
                conn.executemany("UPDATE profiles SET seq = ? WHERE id = ?", [(seq, m) for m in sorted(freed)])
        return int(row_id)

    def purge_deleted(self) -> None:
        """Leave no trace of deleted profiles on disk: fold the WAL back into the database file and
        truncate it (it still holds page images from before the deletes; secure_delete has zeroed
        the deleted rows in the database file itself).

        A checkpoint cannot finish while another connection reads an older snapshot (busy under load):
        it is tried again for a few seconds. Raises PurgeIncomplete when it still cannot finish.
        """
        conn = self.conn
        conn.execute(f"PRAGMA busy_timeout={int(self.PURGE_WAIT_MS)}")
        try:
            for _ in range(self.PURGE_ATTEMPTS):
                busy, wal_pages, _ = conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
                if not busy and wal_pages <= 0:  # folded back and truncated to nothing
                    return
                time.sleep(self.PURGE_PAUSE)
        finally:
            conn.execute("PRAGMA busy_timeout=30000")
        waited = self.PURGE_ATTEMPTS * (self.PURGE_WAIT_MS / 1000 + self.PURGE_PAUSE)
        raise PurgeIncomplete(
            f"the write-ahead log of {self.path.name} could not be folded and truncated "
            f"(readers kept it busy for {waited:g} s): "
            f"deleted profiles' old pages may remain in {self.path.name}-wal; run "
            f"`mentor-match reindex` again when the service is less busy"
        )

    @contextmanager
    def reindex_lock(self) -> Iterator[None]:
        """Held while a re-index runs: a lock file beside the database (flock, released if the process dies).

        Raises:
            ReindexRunning: another process or thread holds it.
        """
        path = self.path.with_name(self.path.name + ".reindex-lock")
        fd = os.open(path, os.O_CREAT | os.O_RDWR, PRIVATE_FILE)
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                raise ReindexRunning(
                    "a re-index is already running on this store (in this or another process); wait for it to finish"
                ) from None
            try:
                yield
            finally:
                fcntl.flock(fd, fcntl.LOCK_UN)
        finally:
            os.close(fd)

    def reindex_count(self) -> int:
        """How many re-indexes have completed on this store (0 when none has)."""
        return int(self.conn.execute("SELECT value FROM meta WHERE key='reindex'").fetchone()[0])

    def record_reindex(self) -> int:
        """Count one more completed re-index; returns the new count."""
        with self._write() as conn:
            conn.execute("UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key = 'reindex'")
            return int(conn.execute("SELECT value FROM meta WHERE key='reindex'").fetchone()[0])

    @contextmanager
    def changes_held(self) -> Iterator[tuple[int, int]]:
        """No write or delete commits while held; yields (current seq, last delete seq) as of then.

        Used to switch to a new index generation only if no profile was deleted after its snapshot.
        """
        with self._write() as conn:
            seq = int(conn.execute("SELECT value FROM meta WHERE key='seq'").fetchone()[0])
            last_delete = int(conn.execute("SELECT COALESCE(MAX(seq), 0) FROM tombstones").fetchone()[0])
            yield seq, last_delete

    def backup(self, target: str | Path) -> None:
        """Copy the whole database to `target` (a new file, mode 0600) with SQLite's online backup."""
        fd = os.open(target, os.O_CREAT | os.O_EXCL | os.O_WRONLY, PRIVATE_FILE)
        os.close(fd)
        dest = sqlite3.connect(target)
        try:
            self.conn.backup(dest)
        finally:
            dest.close()

    # -- API keys ------------------------------------------------------------------------------

    def add_key(self, record: KeyRecord) -> None:
        """Store a new key."""
        with self._write() as conn:
            conn.execute(
                "INSERT INTO api_keys(key_id, secret_hash, scope, label, created_at, revoked_at) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                (record.key_id, record.secret_hash, record.scope, record.label, record.created_at, record.revoked_at),
            )

    def keys(self) -> list[KeyRecord]:
        """Every key, oldest first, revoked ones included."""
        rows = self.conn.execute(
            "SELECT key_id, secret_hash, scope, label, created_at, revoked_at FROM api_keys ORDER BY created_at, key_id"
        ).fetchall()
        return [KeyRecord(*row) for row in rows]

    def key(self, key_id: str) -> KeyRecord | None:
        """The key with this id, or None."""
        row = self.conn.execute(
            "SELECT key_id, secret_hash, scope, label, created_at, revoked_at FROM api_keys WHERE key_id = ?", (key_id,)
        ).fetchone()
        return None if row is None else KeyRecord(*row)

    def revoke_key(self, key_id: str, at: float) -> bool:
        """Mark an active key revoked; False when no active key has this id."""
        with self._write() as conn:
            cursor = conn.execute(
                "UPDATE api_keys SET revoked_at = ? WHERE key_id = ? AND revoked_at IS NULL", (at, key_id)
            )
        return cursor.rowcount > 0


def _bump_seq(conn: sqlite3.Connection) -> int:
    conn.execute("UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key = 'seq'")
    return int(conn.execute("SELECT value FROM meta WHERE key='seq'").fetchone()[0])


def _put_embeddings(conn: sqlite3.Connection, row_id: int, text_hash: str, emb: Embeddings) -> None:
    conn.execute(
        "INSERT OR REPLACE INTO embeddings(row_id, model_key, text_hash, offers, goals, passages) "
        "VALUES (?, ?, ?, ?, ?, ?)",
        (row_id, emb.model_key, text_hash, vector_blob(emb.offers), vector_blob(emb.goals), vector_blob(emb.passages)),
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


class _ThreadConnection:
    """One thread's connection, held in the store's thread-local: when the thread ends, its local goes and
    this closes the connection (sqlite3 connections take no weak references, this holder does)."""

    def __init__(self, conn: sqlite3.Connection):
        self.conn = conn

    def __del__(self) -> None:
        self.conn.close()
