"""The store's behaviour, the same on both backends: SQLite (a file) and PostgreSQL (a real server).

Each test gets a fresh store: a new SQLite file, or a new PostgreSQL database with the current schema.
`opened()` opens another store object on the same data, as another process or replica would.
"""

from __future__ import annotations

import json
import os
import queue
import stat
import subprocess
import sys
import threading
import time
from contextlib import nullcontext
from pathlib import Path

import numpy as np
import pytest

from matcher.config import Settings
from matcher.errors import OverCommitted, PurgeIncomplete, ReindexRunning, SchemaMismatch
from matcher.profiles import content_hash, parse_profile, text_hash
from matcher.store import CohortRecord, Embeddings, KeyRecord, PairRecord, ProgrammeRecord, Write, open_store
from tests.conftest import profile

ROOT = Path(__file__).resolve().parent.parent
DIM = 8


class Backend:
    """Opens store objects on one fresh store; closes them all at the end."""

    def __init__(self, name: str, settings: Settings):
        self.name = name
        self.settings = settings
        self.stores = []

    def opened(self):
        store = open_store(self.settings)
        self.stores.append(store)
        return store

    def close(self) -> None:
        for store in self.stores:
            store.close()


@pytest.fixture(params=["sqlite", "postgres"])
def backend(request, tmp_path):
    if request.param == "sqlite":
        b = Backend("sqlite", Settings(data_dir=tmp_path / "data"))
        yield b
        b.close()
        return
    from tests.pg import fresh_database

    with fresh_database() as url:
        b = Backend("postgres", Settings(data_dir=tmp_path / "data", database_url=url))
        yield b
        b.close()


@pytest.fixture
def store(backend):
    return backend.opened()


def vectors(seed: int, goals: bool = True, passages: int = 2) -> Embeddings:
    rng = np.random.default_rng(seed)
    return Embeddings(
        "test-model",
        rng.standard_normal(DIM).astype(np.float32),
        rng.standard_normal(DIM).astype(np.float32) if goals else None,
        rng.standard_normal((passages, DIM)).astype(np.float32),
    )


def write(
    pid: str, bio: str = "I teach SQL window functions.", seed: int = 0, embedded: bool = True, **fields
) -> Write:
    p = parse_profile(profile(pid, 5, bio, **fields))
    return Write(p, content_hash(p), text_hash(p), vectors(seed) if embedded else None)


def test_upsert_get_get_many_hashes_and_iteration(store):
    rows = store.write([write("ana"), write("ben", "I teach Excel pivot tables."), write("cy", embedded=False)])
    assert len(set(rows)) == 3 and rows == sorted(rows)
    assert store.count() == 3
    ana = store.get("ana")
    assert ana.row_id == rows[0] and ana.profile.name == "Person ana" and ana.seq == store.current_seq()
    assert store.get("nobody") is None
    assert store.get_many([rows[1], rows[2], 10_000]) == {
        rows[1]: store.get("ben").profile,
        rows[2]: store.get("cy").profile,
    }
    assert store.get_many([]) == {}
    w = write("ana")
    assert store.hashes(["ana", "nobody"]) == {"ana": (w.content_hash, w.text_hash)}
    assert [s.profile.id for s in store.iter_profiles(batch_size=2)] == ["ana", "ben", "cy"]

    # An update keeps the row id and replaces the data; the sequence moves on.
    before = store.current_seq()
    assert store.write([write("ana", "I teach negotiation.", seed=5)]) == [rows[0]]
    assert store.get("ana").profile.bio == "I teach negotiation." and store.current_seq() == before + 1

    emb = store.embeddings(rows + [10_000], DIM)
    assert set(emb) == {rows[0], rows[1]}  # cy was written without embeddings
    expected = vectors(5)
    got = emb[rows[0]]
    assert got.model_key == "test-model" and got.passages.shape == (2, DIM)
    assert np.array_equal(got.offers, expected.offers) and np.array_equal(got.goals, expected.goals)
    assert np.array_equal(got.passages, expected.passages)
    store.write([Write(w.profile, w.content_hash, w.text_hash, vectors(1, goals=False, passages=1))])
    assert store.embeddings([rows[0]], DIM)[rows[0]].goals is None


def test_change_sequence_and_changes_since_with_deletes_and_manager_ids(store, backend):
    assert store.current_seq() == 0 and store.last_delete_seq() == 0
    assert store.changes_since(0) == ([], [], 0)
    boss, report, other = store.write([write("boss"), write("rep", manager_id="boss"), write("oth")])
    assert store.current_seq() == 1  # one write, one change number
    store.write([write("late")])
    upserted, deleted, now = store.changes_since(1)
    assert [s.profile.id for s in upserted] == ["late"] and deleted == [] and now == 2

    reader = backend.opened()  # another process's view
    assert reader.delete("nobody") is None
    assert reader.current_seq() == 2  # deleting nothing changes nothing
    assert reader.delete("boss") == boss
    assert store.current_seq() == 3 and store.last_delete_seq() == 3
    assert store.get("boss") is None and store.embeddings([boss], DIM) == {}
    # The erased id is cleared from the reports' records in the same change.
    rep = store.get("rep")
    assert rep.profile.manager_id is None and rep.seq == 3 and rep.content_hash == content_hash(rep.profile)
    upserted, deleted, now = store.changes_since(2)
    assert [s.profile.id for s in upserted] == ["rep"] and deleted == [boss] and now == 3
    assert store.changes_since(3) == ([], [], 3)
    # From the start: every stored profile, every deleted row.
    upserted, deleted, now = store.changes_since(0)
    assert sorted(s.profile.id for s in upserted) == ["late", "oth", "rep"] and deleted == [boss] and now == 3


def test_a_follower_of_changes_since_misses_nothing_while_writers_race(store, backend):
    """Writers on separate store objects commit concurrently while a follower applies changes_since
    over and over: at the end its copy equals the store (a change committed "behind" the sequence
    number the follower had already seen would be missed for good)."""
    writers = [backend.opened() for _ in range(3)]
    errors: list[BaseException] = []

    def work(n: int, writer) -> None:
        try:
            for i in range(25):
                writer.write([write(f"w{n}-{i % 7}", f"I teach topic {n} {i}.", seed=i, embedded=i % 2 == 0)])
                if i % 5 == 4:
                    writer.delete(f"w{n}-{(i + 3) % 7}")
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(n, w)) for n, w in enumerate(writers)]
    for t in threads:
        t.start()
    mirror: dict[int, tuple[str, str]] = {}
    seq = 0
    follower = backend.opened()
    while any(t.is_alive() for t in threads) or seq != follower.current_seq():
        upserted, deleted, now = follower.changes_since(seq)
        assert now >= seq
        for row in deleted:
            mirror.pop(row, None)
        for s in upserted:
            mirror[s.row_id] = (s.profile.id, s.content_hash)
        seq = now
    for t in threads:
        t.join()
    assert not errors, errors
    assert mirror == {s.row_id: (s.profile.id, s.content_hash) for s in store.iter_profiles()}


def test_set_embeddings_skips_rows_whose_text_changed_meanwhile(store):
    row, other = store.write([write("ana", embedded=False), write("ben", embedded=False)])
    stale_hash = store.get("ana").text_hash
    store.write([write("ana", "I teach something else now.", seed=9)])  # brings its own vectors
    seq = store.current_seq()
    assert (
        store.set_embeddings(
            [(row, stale_hash, vectors(1)), (other, store.get("ben").text_hash, vectors(2)), (10_000, "x", vectors(3))]
        )
        == 1
    )
    assert np.array_equal(store.embeddings([row], DIM)[row].offers, vectors(9).offers)  # not overwritten
    assert np.array_equal(store.embeddings([other], DIM)[other].offers, vectors(2).offers)
    assert store.current_seq() == seq  # embeddings are not a change of the profile


def test_keys(store, backend):
    store.add_key(KeyRecord("k2", "h2", "admin", None, 2.0, None))
    store.add_key(KeyRecord("k1", "h1", "match", "intranet", 1.0, None))
    assert [k.key_id for k in backend.opened().keys()] == ["k1", "k2"]  # noqa: SIM118 - API keys
    assert store.key("k1") == KeyRecord("k1", "h1", "match", "intranet", 1.0, None)
    assert store.key("nope") is None
    assert store.revoke_key("k1", 5.0) is True
    assert store.revoke_key("k1", 6.0) is False and store.revoke_key("nope", 6.0) is False
    assert store.key("k1").revoked_at == 5.0


def test_reindex_lock_is_one_at_a_time_across_store_objects(store, backend):
    other = backend.opened()
    with store.reindex_lock():
        with pytest.raises(ReindexRunning):
            with other.reindex_lock():
                pass
    with other.reindex_lock():  # released
        pass


HOLDER = """
import sys
from matcher.config import Settings
from matcher.store import open_store
from pathlib import Path
store = open_store(Settings(data_dir=Path(sys.argv[1]), database_url=sys.argv[2]))
with store.reindex_lock():
    print("LOCKED", flush=True)
    sys.stdin.read()
"""


def test_reindex_lock_is_one_at_a_time_across_processes_and_freed_when_one_dies(store, backend):
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    child = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(backend.settings.data_dir), backend.settings.database_url],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        env=env,
        cwd=ROOT,
    )
    try:
        assert child.stdout.readline().strip() == "LOCKED"
        with pytest.raises(ReindexRunning):
            with store.reindex_lock():
                pass
    finally:
        child.kill()  # no clean exit: the lock must go with the process (file lock, or database session)
        child.wait(timeout=30)
    deadline = time.monotonic() + 10
    while True:
        try:
            with store.reindex_lock():
                break
        except ReindexRunning:
            assert time.monotonic() < deadline, "the lock outlived the process that held it"
            time.sleep(0.1)


def test_changes_held_blocks_a_concurrent_delete_until_released(store, backend):
    store.write([write("ana"), write("ben")])
    deleter, reader = backend.opened(), backend.opened()
    done = threading.Event()
    result = {}

    def delete() -> None:
        result["row"] = deleter.delete("ana")
        done.set()

    with store.changes_held() as (seq, last_delete):
        assert (seq, last_delete) == (1, 0)
        thread = threading.Thread(target=delete)
        thread.start()
        assert not done.wait(1.0), "a delete committed while changes were held"
        assert reader.get("ana") is not None
    assert done.wait(30)
    thread.join()
    assert result["row"] is not None and store.get("ana") is None
    assert store.current_seq() == 2 and store.last_delete_seq() == 2


def test_purge_after_delete_and_refused_while_an_older_snapshot_holds_the_rows(store, backend):
    store.write([write("ana"), write("ben")])
    store.purge_deleted()  # nothing deleted yet: a no-op that succeeds
    old_reader = _snapshot_reader(backend)  # a transaction that started before the delete
    try:
        store.delete("ana")
        store.PURGE_ATTEMPTS, store.PURGE_PAUSE = 2, 0.05
        if backend.name == "sqlite":  # each checkpoint attempt would wait out the 30 s busy timeout
            store.conn.execute("PRAGMA busy_timeout=100")
        with pytest.raises(PurgeIncomplete):
            store.purge_deleted()
    finally:
        old_reader()
    store.purge_deleted()
    if backend.name == "postgres":
        import psycopg

        with psycopg.connect(backend.settings.database_url) as conn:
            dead = dict(
                conn.execute(
                    "SELECT relname, n_dead_tup FROM pg_stat_user_tables WHERE relname IN ('profiles', 'embeddings')"
                ).fetchall()
            )
        assert dead == {"profiles": 0, "embeddings": 0}


def _snapshot_reader(backend: Backend):
    """Open a reading transaction holding a snapshot from now; returns the function that ends it."""
    if backend.name == "sqlite":
        import sqlite3

        conn = sqlite3.connect(backend.settings.data_dir / "profiles.db", isolation_level=None)
        conn.execute("BEGIN")
        conn.execute("SELECT COUNT(*) FROM profiles").fetchone()
    else:
        import psycopg

        conn = psycopg.connect(backend.settings.database_url, autocommit=True)
        conn.execute("BEGIN ISOLATION LEVEL REPEATABLE READ")
        conn.execute("SELECT COUNT(*) FROM profiles").fetchone()

    def end() -> None:
        conn.execute("COMMIT")
        conn.close()

    return end


def test_backup_is_a_new_private_file_and_never_overwrites(store, backend, tmp_path):
    store.write([write("ana")])
    target = tmp_path / "backup.db"
    store.backup(target)
    assert target.stat().st_size > 0 and stat.S_IMODE(target.stat().st_mode) == 0o600
    with pytest.raises(FileExistsError):
        store.backup(target)
    if backend.name == "postgres":
        from matcher.store.pgdump import pg_dump_path

        pg_restore = Path(pg_dump_path()).with_name("pg_restore")
        listing = subprocess.run([str(pg_restore), "--list", str(target)], capture_output=True, text=True, check=True)
        assert "TABLE DATA public profiles" in listing.stdout and "TABLE DATA public api_keys" in listing.stdout


# -- PostgreSQL's schema migrations -------------------------------------------------------------------


def _apply(url: str, upto: int) -> None:
    """Apply the shipped migrations 1..upto by hand (a database left behind by an older release)."""
    import psycopg

    from matcher.store import schema

    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(schema._CREATE_TABLE)
        for migration in schema.migrations()[:upto]:
            with conn.transaction():
                conn.execute(migration.sql)
                conn.execute(
                    "INSERT INTO schema_migrations (version, name) VALUES (%s, %s)", (migration.version, migration.name)
                )


def test_a_schema_behind_the_code_is_refused_until_migrated(tmp_path, capsys):
    from matcher import cli
    from matcher.store import schema
    from tests.pg import fresh_database

    latest = schema.latest_version()
    with fresh_database(migrated=False) as url:
        password = url.split("@")[0].rsplit(":", 1)[1]
        settings = Settings(data_dir=tmp_path / "data", database_url=url)
        for behind in sorted({0, latest - 1}):
            if behind:
                _apply(url, behind)
            with pytest.raises(SchemaMismatch) as refused:
                open_store(settings)
            message = str(refused.value)
            assert "run `mentor-match migrate`" in message and "MATCHER_DATABASE_URL" in message
            assert (f"at version {behind}" in message) if behind else "no mentor-matcher schema" in message
            assert password not in message and ":***@" in message

        os.environ["MATCHER_DATABASE_URL"] = url
        try:
            assert cli.main(["migrate"]) == 0
            first = capsys.readouterr().out
            assert cli.main(["migrate"]) == 0  # again: nothing to do
            again = capsys.readouterr().out
        finally:
            del os.environ["MATCHER_DATABASE_URL"]
        assert f"schema at version {latest}" in first and "applied" in first and password not in first
        assert "already at version" in again and password not in again
        store = open_store(settings)
        store.write([write("ana")])
        assert store.get("ana") is not None
        store.close()


def test_a_schema_ahead_of_the_code_is_refused_and_never_migrated_down(postgres_url, tmp_path):
    import psycopg

    from matcher.store import migrate_store, schema

    with psycopg.connect(postgres_url, autocommit=True) as conn:
        conn.execute(
            "INSERT INTO schema_migrations (version, name) VALUES (%s, 'from_the_future')",
            (schema.latest_version() + 1,),
        )
    settings = Settings(data_dir=tmp_path / "data", database_url=postgres_url)
    for attempt in (open_store, migrate_store):
        with pytest.raises(SchemaMismatch, match="newer than this version of mentor-matcher"):
            attempt(settings)


def test_migrate_on_sqlite_creates_the_store_and_says_so(tmp_path, monkeypatch, capsys):
    from matcher import cli

    monkeypatch.setenv("MATCHER_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("MATCHER_DATABASE_URL", raising=False)
    assert cli.main(["migrate"]) == 0
    assert "nothing to migrate" in capsys.readouterr().out
    assert (tmp_path / "data" / "profiles.db").exists()


def test_the_reindex_count_is_shared_by_every_store_object(store, backend):
    assert store.reindex_count() == 0
    assert backend.opened().record_reindex() == 1 and store.record_reindex() == 2
    assert store.reindex_count() == 2 and store.current_seq() == 0  # not a change of any profile


# -- programmes: definitions, cohorts, pairs, bans, publishing (matcher/programmes) --------------------


SPEC = {"name": "Reverse 2027", "style": "reverse", "sessions": 4, "zeta": [1, 2.5], "alpha": {"b": 1, "a": None}}


def create(store, pid: str, members: list[str], created: float = 1.0, inline: dict | None = None) -> None:
    """A draft programme whose cohort is these stored profiles (and an inline member `ref1` when given)."""
    cohort = [CohortRecord(m, i, m, f"the need of {m}") for i, m in enumerate(members)]
    if inline is not None:
        cohort.append(CohortRecord("ref1", len(members), None, "TikTok for leaders", inline))
    store.create_programme(ProgrammeRecord(pid, f"Programme {pid}", SPEC, "draft", 0, created, created), cohort)


def pair(mentee: str, mentor: str | None, status: str = "proposed", run: int = 1, stored: bool = True) -> PairRecord:
    return PairRecord(
        mentee,
        mentee if stored else None,
        mentor,
        None if mentor is None else 0.75,
        status,
        None if mentor else "nobody eligible",
        ("I teach SQL.", "Ünïcode ✓") if mentor else (),
        ({"number": 1, "covers": [{"topic": "SQL", "similarity": 0.5}]},) if mentor else (),
        run,
    )


def people(store, mentors: dict[str, int], mentees: list[str] = ()) -> None:
    """Store mentors with these capacities, and mentees."""
    store.write([write(m, capacity=c) for m, c in mentors.items()] + [write(m) for m in mentees])


def test_programmes_are_stored_with_their_cohort_as_given(store, backend):
    create(store, "p1", ["lea", "max"], created=1.0, inline={"seniority": 9, "department": "Sales"})
    create(store, "p2", ["noa"], created=2.0)
    other = backend.opened()
    assert [p.id for p in other.programmes()] == ["p2", "p1"]  # newest first
    got = other.programme("p1")
    assert got == ProgrammeRecord("p1", "Programme p1", SPEC, "draft", 0, 1.0, 1.0, None)
    assert list(got.spec) == list(SPEC) and list(got.spec["alpha"]) == ["b", "a"]  # as given, key order too
    assert other.programme("nope") is None
    assert other.cohort("p1") == [
        CohortRecord("lea", 0, "lea", "the need of lea"),
        CohortRecord("max", 1, "max", "the need of max"),
        CohortRecord("ref1", 2, None, "TikTok for leaders", {"seniority": 9, "department": "Sales"}),
    ]
    assert other.pairs("p1") == [] and other.bans("p1") == set() and other.cohort("nope") == []
    assert store.current_seq() == 0  # a programme is no change of any profile


def test_save_pairs_replaces_records_never_a_published_one_and_adds_bans(store, backend):
    people(store, {"ana": 2, "ben": 2})
    create(store, "p1", ["a", "B", "Z", "m2"])
    store.save_pairs("p1", [pair("a", "ana"), pair("B", "ben"), pair("Z", None, "unmatched")], run=1)
    other = backend.opened()
    assert other.programme("p1").runs == 1
    assert [p.mentee_key for p in other.pairs("p1")] == ["B", "Z", "a"]  # by code point, on both backends
    assert other.pairs("p1")[2] == pair("a", "ana")  # evidence and plan as they were saved
    assert other.pairs("p1")[1] == pair("Z", None, "unmatched")
    updated = other.programme("p1").updated_at

    # A review: no run counted; one record replaced, the others kept; a mentee twice: the last wins.
    store.save_pairs("p1", [pair("a", "ben", "pinned"), pair("m2", "ana"), pair("m2", "ben", "approved")])
    assert other.programme("p1").runs == 1 and other.programme("p1").updated_at >= updated
    assert {p.mentee_key: (p.mentor_id, p.status) for p in other.pairs("p1")} == {
        "B": ("ben", "proposed"),
        "Z": (None, "unmatched"),
        "a": ("ben", "pinned"),
        "m2": ("ben", "approved"),
    }

    store.save_pairs("p1", [], bans=[("B", "ben"), ("B", "ben"), ("a", "ana")])
    store.save_pairs("p1", [], bans=[("a", "ana")])  # again: no error, no duplicate
    assert other.bans("p1") == {("B", "ben"), ("a", "ana")}

    assert [p.mentee_key for p in store.publish("p1", long_term=True)] == ["a", "m2"]
    store.save_pairs("p1", [pair("a", "ana", "proposed", run=2), pair("B", "ana", "approved", run=2)], run=2)
    pairs = {p.mentee_key: p for p in other.pairs("p1")}
    assert (pairs["a"].mentor_id, pairs["a"].status, pairs["a"].run) == ("ben", "published", 1)  # never replaced
    assert (pairs["B"].mentor_id, pairs["B"].status, pairs["B"].run) == ("ana", "approved", 2)
    assert other.programme("p1").runs == 2
    store.save_pairs("nope", [pair("a", "ana")], bans=[("a", "ana")], run=1)  # no such programme: nothing saved
    assert other.pairs("nope") == [] and other.bans("nope") == set() and other.programme("nope") is None


def test_publish_takes_places_once_and_every_read_of_a_profile_counts_them(store, backend):
    people(store, {"ana": 2, "ben": 1}, ["m1", "m2", "m3", "m4", "m5"])
    create(store, "p1", ["m1", "m2", "m3", "m4"])
    store.save_pairs(
        "p1",
        [pair("m1", "ana", "approved"), pair("m2", "ana", "pinned"), pair("m3", "ben"), pair("m4", None, "unmatched")],
        run=1,
    )
    before = store.current_seq()
    published = store.publish("p1", long_term=True)
    assert published == [pair("m1", "ana", "approved"), pair("m2", "ana", "pinned")]  # as they were approved
    record = store.programme("p1")
    assert record.status == "published" and record.published_at is not None
    assert {p.mentee_key: p.status for p in store.pairs("p1")} == {
        "m1": "published",
        "m2": "published",
        "m3": "proposed",
        "m4": "unmatched",
    }
    # One change: ana's places left changed, so every catalog catches up with her.
    other = backend.opened()
    assert other.current_seq() == before + 1
    ana = other.get("ana")
    assert ana.committed == 2 and ana.seq == before + 1 and other.get("ben").committed == 0
    assert {s.profile.id: s.committed for s in other.iter_profiles(batch_size=2)}["ana"] == 2
    upserted, _, _ = other.changes_since(before)
    assert [(s.profile.id, s.committed) for s in upserted] == [("ana", 2)]

    assert store.publish("p1", long_term=True) == []  # idempotent: nothing more, no change
    assert store.current_seq() == before + 1 and store.programme("p1").published_at == record.published_at

    # A flash round uses no capacity: ana is full, yet it publishes, and nothing changes for her.
    create(store, "flash", ["m5"])
    store.save_pairs("flash", [pair("m5", "ana", "approved")])
    assert [p.mentee_key for p in store.publish("flash", long_term=False)] == ["m5"]
    assert store.get("ana").committed == 2 and store.current_seq() == before + 1
    assert store.publish("nope", long_term=True) == []


def test_publish_refuses_to_over_commit_and_publishes_nothing(store, backend):
    people(store, {"ana": 1, "ben": 1}, ["m1", "m2", "m3", "m4"])
    create(store, "p1", ["m1", "m2", "m3", "m4"])
    saved = [
        pair("m1", "ana", "approved"),
        pair("m2", "ana", "pinned"),
        pair("m3", "ben", "approved"),
        pair("m4", "ben", "proposed"),
    ]  # a proposal is not published: ben's one place is enough
    store.save_pairs("p1", saved)
    seq = store.current_seq()
    with pytest.raises(OverCommitted) as refused:
        store.publish("p1", long_term=True)
    assert refused.value.mentors == {"ana": (2, 1)}
    assert "ana (2 asked, 1 left)" in str(refused.value)
    other = backend.opened()
    assert other.pairs("p1") == sorted(saved, key=lambda p: p.mentee_key)  # ben's fitting pair is not published
    assert other.programme("p1").status == "draft" and other.programme("p1").published_at is None
    assert other.current_seq() == seq and other.get("ana").committed == 0 and other.get("ben").committed == 0


def test_a_save_after_an_erasure_never_brings_the_person_back(store, backend):
    """A run that read the cohort and candidates before an erasure saves its draft after it: nothing
    naming the erased person (as member or as mentor, in a pair or a ban) is stored."""
    people(store, {"ana": 2, "ben": 2}, ["lea", "max"])
    create(store, "p1", ["lea", "max"])
    assert backend.opened().delete("lea") is not None and backend.opened().delete("ana") is not None
    store.save_pairs(
        "p1",
        [pair("lea", "ben"), pair("max", "ana"), pair("max", "ben", "approved")],
        bans=[("lea", "ben"), ("max", "ana"), ("max", "ben")],
        run=1,
    )
    assert [(p.mentee_key, p.mentor_id) for p in store.pairs("p1")] == [("max", "ben")]
    assert store.bans("p1") == {("max", "ben")}
    assert store.programme("p1").runs == 1


def test_erasure_takes_a_named_mentor_out_of_the_programmes_pool(store, backend):
    """`mentors.ids` loses the erased id (and counts it, so that a list erasure empties still names
    nobody: an empty list alone would mean everyone eligible); other keys stay as they were."""
    people(store, {"ana": 1, "ben": 1})
    spec = {"name": "Pool", "mentors": {"ids": ["ana", "ben"], "departments": ["Sales"]}, "zeta": 1}
    store.create_programme(ProgrammeRecord("p1", "Pool", spec, "draft", 0, 1.0, 1.0), [])
    store.create_programme(ProgrammeRecord("p2", "Other", SPEC, "draft", 0, 2.0, 2.0), [])
    backend.opened().delete("ana")
    assert store.programme("p1").spec == {
        "name": "Pool",
        "zeta": 1,
        "mentors": {"ids": ["ben"], "departments": ["Sales"], "erased": 1},
    }
    assert list(store.programme("p1").spec) == ["name", "mentors", "zeta"]
    backend.opened().delete("ben")
    assert store.programme("p1").spec["mentors"] == {"ids": [], "departments": ["Sales"], "erased": 2}
    assert store.programme("p2").spec == SPEC


def test_delete_takes_the_person_out_of_every_programme_and_frees_places(store, backend):
    people(store, {"ana": 2, "ben": 2}, ["lea", "max"])
    create(store, "p1", ["lea", "max"], inline={"seniority": 3})
    store.save_pairs(
        "p1",
        [pair("lea", "ana", "approved"), pair("max", "ben", "approved"), pair("ref1", "ana", "approved", stored=False)],
        bans=[("lea", "ben"), ("max", "ana"), ("ref1", "lea")],
    )
    store.publish("p1", long_term=True)
    create(store, "p2", ["lea", "max"], created=2.0)
    store.save_pairs("p2", [pair("lea", "ben"), pair("max", "ana")], bans=[("max", "ben")])
    assert store.get("ana").committed == 2 and store.get("ben").committed == 1
    ben_seq = store.get("ben").seq

    other = backend.opened()
    assert other.delete("lea") is not None
    seq = store.current_seq()
    assert [m.key for m in store.cohort("p1")] == ["max", "ref1"] and [m.key for m in store.cohort("p2")] == ["max"]
    assert [p.mentee_key for p in store.pairs("p1")] == ["max", "ref1"]
    assert [p.mentee_key for p in store.pairs("p2")] == ["max"]
    assert store.bans("p1") == {("max", "ana")}  # lea's own bans, and bans of lea as a mentor, are gone
    ana = store.get("ana")
    assert ana.committed == 1 and ana.seq == seq  # her place freed, in the delete's change
    assert store.get("ben").seq == ben_seq  # lea's pair with ben was a proposal: no place freed
    upserted, deleted, now = store.changes_since(seq - 1)
    assert ("ana", 1) in [(s.profile.id, s.committed) for s in upserted] and len(deleted) == 1 and now == seq

    assert other.delete("ben") is not None  # a mentor: every pair and ban naming them goes
    assert [p.mentee_key for p in store.pairs("p1")] == ["ref1"]
    assert [p.mentee_key for p in store.pairs("p2")] == ["max"] and store.bans("p2") == set()

    seq = store.current_seq()
    assert store.delete_programme("p1") is True
    assert store.programme("p1") is None and store.cohort("p1") == [] and store.pairs("p1") == []
    assert store.bans("p1") == set()
    assert store.current_seq() == seq + 1 and store.get("ana").committed == 0 and store.get("ana").seq == seq + 1
    assert store.delete_programme("p1") is False and store.current_seq() == seq + 1
    assert store.delete_programme("p2") is True and store.current_seq() == seq + 1  # no place freed: no change

    store.purge_deleted()  # PostgreSQL: the erased rows' old versions go from the programme tables too
    if backend.name == "postgres":
        import psycopg

        with psycopg.connect(backend.settings.database_url) as conn:
            vacuumed = dict(
                conn.execute(
                    "SELECT relname, last_vacuum IS NOT NULL AND n_dead_tup = 0 "
                    "FROM pg_stat_user_tables WHERE relname LIKE 'programme\\_%'"
                ).fetchall()
            )
        assert vacuumed == {"programme_cohort": True, "programme_pairs": True, "programme_bans": True}


PUBLISHER = """
import json, sys
from pathlib import Path
from matcher.config import Settings
from matcher.store import open_store
from matcher.errors import OverCommitted
store = open_store(Settings(data_dir=Path(sys.argv[1]), database_url=sys.argv[2]))
store.current_seq()  # connected before any race starts
print("READY", flush=True)
for line in sys.stdin:  # a programme id: publish it
    try:
        answer = {"published": [p.mentee_key for p in store.publish(line.strip(), long_term=True)]}
    except OverCommitted as exc:
        answer = {"over": {mentor: list(places) for mentor, places in exc.mentors.items()}}
    print(json.dumps(answer), flush=True)
store.close()
"""


class Child:
    """A publishing process: send it programme ids, read its answers (with a timeout, never hanging the suite)."""

    def __init__(self, backend: Backend, log: Path):
        self.log = log.open("w")
        self.process = subprocess.Popen(
            [sys.executable, "-c", PUBLISHER, str(backend.settings.data_dir), backend.settings.database_url],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self.log,
            text=True,
            env=dict(os.environ, PYTHONPATH=str(ROOT)),
            cwd=ROOT,
        )
        self.lines: queue.Queue[str] = queue.Queue()
        threading.Thread(target=lambda: [self.lines.put(line) for line in self.process.stdout], daemon=True).start()

    def send(self, line: str) -> None:
        self.process.stdin.write(line + "\n")
        self.process.stdin.flush()

    def read(self, path: Path) -> str:
        try:
            return self.lines.get(timeout=60).strip()
        except queue.Empty:
            raise AssertionError(f"a publishing process did not answer in 60 s: {path.read_text()}") from None

    def close(self) -> None:
        try:
            self.process.stdin.close()
            self.process.wait(timeout=30)
        finally:
            if self.process.poll() is None:
                self.process.kill()
                self.process.wait()
            self.log.close()


def _wait_until_both_wait(backend: Backend) -> None:
    """Best effort: until two sessions wait for a lock (PostgreSQL shows them; SQLite's busy waiters
    cannot be seen, so a pause), at most a few seconds."""
    if backend.name == "sqlite":
        time.sleep(0.5)
        return
    import psycopg

    with psycopg.connect(backend.settings.database_url, autocommit=True) as conn:
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            waiting = conn.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"
            ).fetchone()[0]
            if waiting >= 2:
                return
            time.sleep(0.02)


@pytest.mark.slow
def test_two_processes_publishing_on_a_mentors_last_place_at_once_never_over_commit(store, backend, tmp_path):
    """Each round two programmes, each pinned on the last place of the same mentor (capacity 2, one place
    already published), are published at the same moment by two processes: exactly one succeeds, the
    other is refused with OverCommitted and publishes nothing. Round 0 releases both at once; in later
    rounds this test also holds the store's write lock until both are waiting, then lets them race."""
    rounds = 3
    people(store, {f"men{r}": 2 for r in range(rounds)}, [f"{side}{r}" for side in "abc" for r in range(rounds)])
    for r in range(rounds):
        create(store, f"taken{r}", [f"c{r}"])
        store.save_pairs(f"taken{r}", [pair(f"c{r}", f"men{r}", "approved")])
        store.publish(f"taken{r}", long_term=True)
        for side in "ab":
            create(store, f"{side}{r}", [f"{side}{r}"])
            store.save_pairs(f"{side}{r}", [pair(f"{side}{r}", f"men{r}", "pinned")])
        assert store.get(f"men{r}").committed == 1
    logs = [tmp_path / "a.log", tmp_path / "b.log"]
    children = [Child(backend, log) for log in logs]
    try:
        for child, log in zip(children, logs):
            assert child.read(log) == "READY"
        for r in range(rounds):
            order = [0, 1] if r % 2 == 0 else [1, 0]
            with store.changes_held() if r > 0 else nullcontext():
                for i in order:
                    children[i].send(f"{'ab'[i]}{r}")
                if r > 0:
                    _wait_until_both_wait(backend)
            answers = {"ab"[i]: json.loads(children[i].read(logs[i])) for i in range(2)}
            won = [side for side, answer in answers.items() if "published" in answer]
            assert len(won) == 1, answers
            winner, loser = won[0], "ba"["ab".index(won[0])]
            assert answers[winner] == {"published": [f"{winner}{r}"]}
            assert answers[loser] == {"over": {f"men{r}": [1, 0]}}  # one asked, none left
            mentor = store.get(f"men{r}")
            assert mentor.committed == 2 == mentor.profile.capacity
            assert store.pairs(f"{loser}{r}")[0].status == "pinned" and store.programme(f"{loser}{r}").status == "draft"
            assert store.pairs(f"{winner}{r}")[0].status == "published"
    finally:
        for child in children:
            child.close()
    assert all(s.committed <= s.profile.capacity for s in store.iter_profiles())


def test_profiles_by_private_email_ignoring_case(store):
    """The people's pages map a signed-in user to a profile by its private `email` (SECURITY.md)."""
    store.write(
        [
            write("ana", email="Ana.Lima@Example.com"),
            write("ben"),
            write("dup1", email="dup@example.com"),
            write("dup2", email="DUP@Example.com"),
        ]
    )
    assert store.ids_by_email("ana.lima@example.COM") == ["ana"]
    assert store.ids_by_email(" Ana.Lima@Example.com ") == ["ana"]
    assert store.ids_by_email("dup@example.com") == ["dup1", "dup2"]
    assert store.ids_by_email("ben@example.com") == [] and store.ids_by_email("") == []
    store.write([write("ana")])  # the address removed
    assert store.ids_by_email("ana.lima@example.com") == []
