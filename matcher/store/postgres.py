"""PostgresStore: the shared store for several replicas. PostgreSQL through psycopg 3 and a connection pool.

What it keeps is the store interface's (see base.py), in the tables of migrations/ (programmes: the
mixin in postgres_programmes.py).
How the change sequence stays correct across replicas: every transaction that writes or deletes a
profile first increments the single `meta` row 'seq' (UPDATE ... RETURNING). That row lock is held
until commit, so such transactions take turns and commit in the order of their numbers: when a
reader's snapshot shows seq N, every change numbered N or less is committed and visible in that same
snapshot, and none numbered above N is. `changes_since` reads the counter and the changed rows in
one REPEATABLE READ snapshot, so no change can commit "behind" a reader and be missed.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg

from ..errors import ReindexRunning, StoreUnavailable
from ..profiles import Profile, content_hash, without_manager
from . import pgdump, pgvacuum, schema
from .base import Embeddings, KeyRecord, StoredProfile, Write, blob_vectors, vector_blob
from .dburl import masked
from .ledger import Ledger
from .pgconnect import connect, connect_options
from .pgledger import COMMITTED, POSTGRES
from .pgpool import ResilientPool
from .pgseq import bump_seq, hold_seq
from .postgres_outcomes import PostgresOutcomes
from .postgres_programmes import PostgresProgrammes
from .relationships import RelationshipStore, forget_person
from .webhooks import WebhookStore

POOL_SIZE = 10  # connections per process at most (gunicorn threads, background catch-ups and rebuilds)
# Session-level advisory lock held while a re-index runs (per database: one re-index per database).
REINDEX_LOCK_KEY = 0x6D656E746F7201

# data as text, decoded here with json.loads: faster than psycopg's jsonb loader (0.40 vs 0.49 ms for
# the five profiles a match returns, measured). Then the places its published programme pairs take.
_PROFILE_COLUMNS = f"row_id, data::text, content_hash, text_hash, seq, {COMMITTED}"


def _load_profile(data: str) -> Profile:
    # Stored data was validated on the way in; skip validation on the way out.
    return Profile.model_construct(**json.loads(data))


def _dump_profile(profile: Profile) -> str:
    return json.dumps(profile.model_dump(), ensure_ascii=False, sort_keys=True)


def _stored(row: tuple) -> StoredProfile:
    return StoredProfile(int(row[0]), _load_profile(row[1]), row[2], row[3], int(row[4]), int(row[5]))


class PostgresStore(PostgresProgrammes, RelationshipStore, WebhookStore, PostgresOutcomes):
    """The store (see base.ProfileStore) in a PostgreSQL database, shared by every replica.

    Safe to share between threads (a connection pool) and between processes and hosts (PostgreSQL).
    The database must be at this code's schema version (`mentor-match migrate`).

    Args:
        url: a `postgresql://` URL (MATCHER_DATABASE_URL); its password is never logged or shown.
    Raises:
        psycopg.OperationalError: the database cannot be reached (the message names the masked URL).
        SchemaMismatch: the schema is missing, behind or ahead of this code.
    """

    PURGE_ATTEMPTS = 20  # checks for older snapshots that keep deleted rows' versions alive
    PURGE_PAUSE = 0.25  # seconds between them

    def __init__(self, url: str):
        self._url = url
        self._connect_options = connect_options(url)
        with connect(url) as conn:
            schema.check(conn, url)
        self._pool: ResilientPool | None = None
        self._pool_lock = threading.Lock()

    def __repr__(self) -> str:
        return f"PostgresStore({masked(self._url)!r})"

    # -- connections ---------------------------------------------------------------------------

    @property
    def pool(self) -> ResilientPool:
        """This process's pool of autocommit connections (opened on first use, again after close). While the
        database is down its connections raise StoreUnavailable, and it reconnects by itself (pgpool.py)."""
        pool = self._pool
        if pool is None:
            with self._pool_lock:
                if self._pool is None:
                    self._pool = ResilientPool(self._url, self._connect_options, POOL_SIZE, "mentor-matcher")
                pool = self._pool
        return pool

    @contextmanager
    def _transaction(self) -> Iterator[psycopg.Cursor]:
        """A read-write transaction (READ COMMITTED) on a pooled connection: committed, or rolled back on error."""
        with self.pool.connection() as conn, conn.transaction(), conn.cursor() as cur:
            yield cur

    @contextmanager
    def _snapshot(self) -> Iterator[psycopg.Cursor]:
        """A read-only REPEATABLE READ transaction: every query in it sees the same committed state."""
        with self.pool.connection() as conn:
            conn.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
            try:
                with conn.cursor() as cur:
                    yield cur
            finally:
                conn.execute("COMMIT")

    @contextmanager
    def _ledger(self) -> Iterator[Ledger]:
        """A change of introductions or relationships: the change sequence's row locked first (hold_seq), as
        every profile write, publish and erasure does: one lock order, and no place taken or freed meanwhile."""
        with self._transaction() as cur:
            hold_seq(cur)
            yield Ledger(cur, POSTGRES)

    @contextmanager
    def _outbox_tx(self) -> Iterator[Ledger]:
        """The sender's bookkeeping: a transaction of its own, without the ledger's lock."""
        with self._transaction() as cur:
            yield Ledger(cur, POSTGRES)

    @contextmanager
    def _reading(self) -> Iterator[Ledger]:
        with self.pool.connection() as conn:
            yield Ledger(conn, POSTGRES)

    def _one(self, query: str, params: tuple = ()) -> tuple | None:
        with self.pool.connection() as conn:
            return conn.execute(query, params).fetchone()

    def close(self) -> None:
        """Close the pool's connections; a new pool opens if the store is used again."""
        with self._pool_lock:
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.close()

    # -- reads ---------------------------------------------------------------------------------

    def current_seq(self) -> int:
        """The change sequence: it grows with every committed write or delete."""
        return int(self._one("SELECT value FROM meta WHERE key = 'seq'")[0])

    def last_delete_seq(self) -> int:
        """The change number of the latest delete (0 when nothing was ever deleted)."""
        return int(self._one("SELECT COALESCE(MAX(seq), 0) FROM tombstones")[0])

    def count(self) -> int:
        """How many profiles are stored."""
        return int(self._one("SELECT COUNT(*) FROM profiles")[0])

    def get(self, profile_id: str) -> StoredProfile | None:
        """The stored profile with this id, or None (one round trip)."""
        row = self._one(f"SELECT {_PROFILE_COLUMNS} FROM profiles WHERE id = %s", (profile_id,))
        return None if row is None else _stored(row)

    def ids_by_email(self, email: str) -> list[str]:
        """The ids of the profiles whose private `email` equals this one, ignoring case (a scan: one a page)."""
        with self.pool.connection() as conn:
            rows = conn.execute(
                "SELECT id FROM profiles WHERE lower(data ->> 'email') = %s ORDER BY id LIMIT 10",
                (email.strip().lower(),),
            ).fetchall()
        return [row[0] for row in rows]

    def get_many(self, row_ids: list[int]) -> dict[int, Profile]:
        """Profiles by row id (missing ones are left out), in one round trip."""
        if not row_ids:
            return {}
        with self.pool.connection() as conn:
            rows = conn.execute(
                "SELECT row_id, data::text FROM profiles WHERE row_id = ANY(%s)", ([int(r) for r in row_ids],)
            ).fetchall()
        return {int(row_id): _load_profile(data) for row_id, data in rows}

    def hashes(self, profile_ids: list[str]) -> dict[str, tuple[str, str]]:
        """{id: (content_hash, text_hash)} for the ids that are stored."""
        if not profile_ids:
            return {}
        with self.pool.connection() as conn:
            rows = conn.execute(
                "SELECT id, content_hash, text_hash FROM profiles WHERE id = ANY(%s)", (list(profile_ids),)
            ).fetchall()
        return {pid: (ch, th) for pid, ch, th in rows}

    def iter_profiles(self, batch_size: int = 1000) -> Iterator[StoredProfile]:
        """Every stored profile, in row-id order, read in batches (rows written meanwhile may show up)."""
        last = 0
        while True:
            with self.pool.connection() as conn:
                rows = conn.execute(
                    f"SELECT {_PROFILE_COLUMNS} FROM profiles WHERE row_id > %s ORDER BY row_id LIMIT %s",
                    (last, batch_size),
                ).fetchall()
            if not rows:
                return
            for row in rows:
                yield _stored(row)
            last = rows[-1][0]

    def embeddings(self, row_ids: list[int], dim: int) -> dict[int, Embeddings]:
        """Stored embeddings by row id (rows without embeddings are left out)."""
        found: dict[int, Embeddings] = {}
        if not row_ids:
            return found
        with self.pool.connection() as conn, conn.cursor(binary=True) as cur:
            # Binary results: bytea arrives as its bytes, not as hex text to decode.
            cur.execute(
                "SELECT row_id, model_key, offers, goals, passages FROM embeddings WHERE row_id = ANY(%s)",
                ([int(r) for r in row_ids],),
            )
            for row_id, key, offers, goals, passages in cur:
                found[int(row_id)] = Embeddings(
                    key,
                    blob_vectors(bytes(offers), dim)[0],
                    None if goals is None else blob_vectors(bytes(goals), dim)[0],
                    blob_vectors(bytes(passages), dim),
                )
        return found

    def changes_since(self, seq: int) -> tuple[list[StoredProfile], list[int], int]:
        """What changed after `seq`: (upserted profiles, deleted row ids, the sequence now), as one snapshot.

        Nothing changed (the usual case on every match) costs one round trip.
        """
        if int(self._one("SELECT value FROM meta WHERE key = 'seq'")[0]) == seq:
            return [], [], seq
        with self._snapshot() as cur:
            now = int(cur.execute("SELECT value FROM meta WHERE key = 'seq'").fetchone()[0])
            rows = cur.execute(
                f"SELECT {_PROFILE_COLUMNS} FROM profiles WHERE seq > %s ORDER BY row_id", (seq,)
            ).fetchall()
            deleted = [int(r[0]) for r in cur.execute("SELECT row_id FROM tombstones WHERE seq > %s", (seq,))]
        return [_stored(r) for r in rows], deleted, now

    # -- writes --------------------------------------------------------------------------------

    def write(self, writes: list[Write]) -> list[int]:
        """Upsert profiles with their embeddings in one transaction; returns their row ids (in order)."""
        if not writes:
            return []
        latest: dict[str, Write] = {}  # an id written twice in one call: the last write wins, as in SQLite
        vectors: dict[str, Write] = {}  # ... and its embeddings come from the last write that has some
        for w in writes:
            latest[w.profile.id] = w
            if w.embeddings is not None:
                vectors[w.profile.id] = w
        ids = list(latest)
        now = time.time()
        with self._transaction() as cur:
            seq = bump_seq(cur)
            row_of = {
                pid: int(row_id)
                for pid, row_id in cur.execute("SELECT id, row_id FROM profiles WHERE id = ANY(%s)", (ids,)).fetchall()
            }
            updates = [latest[pid] for pid in ids if pid in row_of]
            inserts = [latest[pid] for pid in ids if pid not in row_of]
            if updates:
                cur.execute(
                    "UPDATE profiles AS p SET data = u.data::jsonb, content_hash = u.content_hash, "
                    "text_hash = u.text_hash, seq = %s, updated_at = %s "
                    "FROM unnest(%b::bigint[], %b::text[], %b::text[], %b::text[]) "
                    "AS u(row_id, data, content_hash, text_hash) WHERE p.row_id = u.row_id",
                    (
                        seq,
                        now,
                        [row_of[w.profile.id] for w in updates],
                        [_dump_profile(w.profile) for w in updates],
                        [w.content_hash for w in updates],
                        [w.text_hash for w in updates],
                    ),
                )
            if inserts:
                cur.execute(
                    "INSERT INTO profiles (id, data, content_hash, text_hash, seq, updated_at) "
                    "SELECT u.id, u.data::jsonb, u.content_hash, u.text_hash, %s, %s "
                    "FROM unnest(%b::text[], %b::text[], %b::text[], %b::text[]) WITH ORDINALITY "
                    "AS u(id, data, content_hash, text_hash, n) ORDER BY u.n RETURNING id, row_id",
                    (
                        seq,
                        now,
                        [w.profile.id for w in inserts],
                        [_dump_profile(w.profile) for w in inserts],
                        [w.content_hash for w in inserts],
                        [w.text_hash for w in inserts],
                    ),
                )
                row_of.update({pid: int(row_id) for pid, row_id in cur.fetchall()})
            if vectors:
                _put_embeddings(cur, [(row_of[pid], w.text_hash, w.embeddings) for pid, w in vectors.items()])
        return [row_of[w.profile.id] for w in writes]

    def set_embeddings(self, items: list[tuple[int, str, Embeddings]]) -> int:
        """Store embeddings made by a re-index: (row_id, text_hash it was made from, vectors).

        A row whose text changed meanwhile (another hash now) is skipped: its newer write brought its
        own embeddings. Returns how many rows were written. Does not bump the change sequence, but
        takes turns with writes (the seq row's lock), so a write cannot slip in between the check of
        the hash and the store of the vectors.
        """
        if not items:
            return 0
        latest = {int(row_id): (text_hash, emb) for row_id, text_hash, emb in items}
        with self._transaction() as cur:
            hold_seq(cur)
            current = dict(
                cur.execute("SELECT row_id, text_hash FROM profiles WHERE row_id = ANY(%s)", (list(latest),)).fetchall()
            )
            keep = [
                (row_id, text_hash, emb)
                for row_id, (text_hash, emb) in latest.items()
                if current.get(row_id) == text_hash
            ]
            _put_embeddings(cur, keep)
        return len(keep)

    def delete(self, profile_id: str) -> int | None:
        """Delete a profile and its embeddings, leaving a tombstone, clear its id from the profiles that
        name it as their manager, take the person out of every programme (cohort, pairs, bans; the
        mentors their published pairs free get this change number) and delete their outcomes, in one
        transaction; returns its row id, or None if absent."""
        row_id: int | None = None
        with self._transaction() as cur:
            seq = bump_seq(cur)
            row = cur.execute("DELETE FROM profiles WHERE id = %s RETURNING row_id", (profile_id,)).fetchone()
            if row is None:
                raise _NothingToDelete  # rolls the bump back; the with block ends here
            row_id = int(row[0])
            cur.execute("DELETE FROM embeddings WHERE row_id = %s", (row_id,))  # (the foreign key would too)
            cur.execute(
                "INSERT INTO tombstones (row_id, seq) VALUES (%s, %s) "
                "ON CONFLICT (row_id) DO UPDATE SET seq = EXCLUDED.seq",
                (row_id, seq),
            )
            # Erasure reaches the records that name the person as their manager: the id goes too.
            reports = cur.execute(
                "SELECT row_id, data::text FROM profiles WHERE data ->> 'manager_id' = %s", (profile_id,)
            ).fetchall()
            now = time.time()
            cleared = [without_manager(_load_profile(data)) for _, data in reports]
            if cleared:
                cur.executemany(
                    "UPDATE profiles SET data = %s::jsonb, content_hash = %s, seq = %s, updated_at = %s "
                    "WHERE row_id = %s",
                    [
                        (_dump_profile(p), content_hash(p), seq, now, report_row)
                        for p, (report_row, _) in zip(cleared, reports)
                    ],
                )
            # ...and every programme: their cohort entry (with their need), pairs and bans; their requests,
            # relationships (sessions, fit answers), bans and events; their outcomes, as mentor or as mentee.
            freed = self._forget_in_programmes(cur, profile_id) | forget_person(Ledger(cur, POSTGRES), profile_id)
            if freed:
                cur.execute("UPDATE profiles SET seq = %s WHERE id = ANY(%s)", (seq, sorted(freed)))
        return row_id

    def purge_deleted(self) -> None:
        """Make deleted profiles' old row versions unreachable: VACUUM profiles and embeddings (their
        TOAST data and every index entry too), once no older snapshot can still see them.

        What VACUUM does not do (SECURITY.md "Erasure"): it marks the space free but does not
        overwrite it, so the bytes stay in the table files until new rows reuse the space; the
        write-ahead log keeps them until its segments are recycled; backups keep them.

        Raises:
            PurgeIncomplete: an older snapshot (a long transaction, a running pg_dump, a replication
                slot or a prepared transaction) still holds the deleted rows' versions after a few
                seconds, or VACUUM skipped a table (the role does not own it).
        """
        with self.pool.connection() as conn:
            pgvacuum.vacuum_deleted(conn, self._url, self.PURGE_ATTEMPTS, self.PURGE_PAUSE)

    @contextmanager
    def reindex_lock(self) -> Iterator[None]:
        """Held while a re-index runs: a session-level advisory lock on a connection of its own, so
        one re-index runs at a time across every replica on this database (released if the process
        or its connection dies).

        Raises:
            ReindexRunning: another process, replica or thread holds it.
            StoreUnavailable: the database does not answer.
        """
        try:
            conn = connect(self._url)
        except psycopg.OperationalError:
            raise StoreUnavailable("the database does not answer; retry in a moment") from None
        try:
            if not conn.execute("SELECT pg_try_advisory_lock(%s)", (REINDEX_LOCK_KEY,)).fetchone()[0]:
                raise ReindexRunning(
                    "a re-index is already running on this database (in this or another process "
                    "or replica); wait for it to finish"
                )
            try:
                yield
            finally:
                try:
                    conn.execute("SELECT pg_advisory_unlock(%s)", (REINDEX_LOCK_KEY,))
                except psycopg.Error:  # the connection broke: the server released the lock with the session
                    pass
        finally:
            conn.close()

    def reindex_count(self) -> int:
        """How many re-indexes have completed on this database (0 when none has)."""
        return int(self._one("SELECT value FROM meta WHERE key = 'reindex'")[0])

    def record_reindex(self) -> int:
        """Count one more completed re-index (its own row: profile writes do not wait for it); returns the count."""
        with self._transaction() as cur:
            return int(
                cur.execute("UPDATE meta SET value = value + 1 WHERE key = 'reindex' RETURNING value").fetchone()[0]
            )

    @contextmanager
    def changes_held(self) -> Iterator[tuple[int, int]]:
        """No write or delete commits while held (the seq row is locked); yields (current seq, last delete seq).

        Used to switch to a new index generation only if no profile was deleted after its snapshot.
        """
        with self._transaction() as cur:
            seq = hold_seq(cur)
            last_delete = int(cur.execute("SELECT COALESCE(MAX(seq), 0) FROM tombstones").fetchone()[0])
            yield seq, last_delete

    def backup(self, target: str | Path) -> None:
        """A consistent copy of the whole database (keys included) with pg_dump, to a new file (mode 0600).

        Raises:
            pgdump.BackupUnavailable: pg_dump is not installed (the message says what to use instead).
            RuntimeError: pg_dump failed (its message, with the URL masked).
        """
        pgdump.dump(self._url, Path(target))

    # -- API keys ------------------------------------------------------------------------------

    def add_key(self, record: KeyRecord) -> None:
        """Store a new key."""
        with self._transaction() as cur:
            cur.execute(
                "INSERT INTO api_keys (key_id, secret_hash, scope, label, created_at, revoked_at) "
                "VALUES (%s, %s, %s, %s, %s, %s)",
                (record.key_id, record.secret_hash, record.scope, record.label, record.created_at, record.revoked_at),
            )

    def keys(self) -> list[KeyRecord]:
        """Every key, oldest first, revoked ones included."""
        with self.pool.connection() as conn:
            rows = conn.execute(
                "SELECT key_id, secret_hash, scope, label, created_at, revoked_at FROM api_keys "
                "ORDER BY created_at, key_id"
            ).fetchall()
        return [KeyRecord(*row) for row in rows]

    def key(self, key_id: str) -> KeyRecord | None:
        """The key with this id, or None."""
        row = self._one(
            "SELECT key_id, secret_hash, scope, label, created_at, revoked_at FROM api_keys WHERE key_id = %s",
            (key_id,),
        )
        return None if row is None else KeyRecord(*row)

    def revoke_key(self, key_id: str, at: float) -> bool:
        """Mark an active key revoked; False when no active key has this id."""
        with self._transaction() as cur:
            cur.execute("UPDATE api_keys SET revoked_at = %s WHERE key_id = %s AND revoked_at IS NULL", (at, key_id))
            return cur.rowcount > 0


class _NothingToDelete(psycopg.Rollback):
    """Raised inside a delete's transaction when the profile is absent: psycopg rolls back quietly."""


def _put_embeddings(cur: psycopg.Cursor, items: list[tuple[int, str, Embeddings]]) -> None:
    """Insert or replace the embeddings of these rows (each row id at most once) in one statement."""
    if not items:
        return
    cur.execute(
        "INSERT INTO embeddings (row_id, model_key, text_hash, offers, goals, passages) "
        "SELECT * FROM unnest(%b::bigint[], %b::text[], %b::text[], %b::bytea[], %b::bytea[], %b::bytea[]) "
        "ON CONFLICT (row_id) DO UPDATE SET model_key = EXCLUDED.model_key, text_hash = EXCLUDED.text_hash, "
        "offers = EXCLUDED.offers, goals = EXCLUDED.goals, passages = EXCLUDED.passages",
        (
            [row_id for row_id, _, _ in items],
            [emb.model_key for _, _, emb in items],
            [text_hash for _, text_hash, _ in items],
            [vector_blob(emb.offers) for _, _, emb in items],
            [vector_blob(emb.goals) for _, _, emb in items],
            [vector_blob(emb.passages) for _, _, emb in items],
        ),
    )
