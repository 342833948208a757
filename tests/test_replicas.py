"""Several replicas on one PostgreSQL database, each with its own data dir for index generations.

In process: a re-index through one service is followed by another (its own generation, rebuilt from
the stored embeddings), and processes sharing a data dir never rebuild twice. Over HTTP: two real
`mentor-match serve` servers on one database: writes, deletes and re-indexes through either one
are seen by the other, and one re-index at a time runs across both.
"""

from __future__ import annotations

import time

import pytest

from matcher.config import Settings
from matcher.index.replicas import MARKER
from matcher.keys import KeyRing
from matcher.store import open_store
from tests.api_people import NEED, PEOPLE
from tests.conftest import profile
from tests.integrity import assert_index_agrees, tiny_people
from tests.live_server import LiveServer, call, load_profiles, tool

pytestmark = pytest.mark.slow  # a server, a child process, a browser or a benchmark: see pyproject markers

FOLLOW_WAIT = 120  # seconds a replica may take to notice a re-index and rebuild (the machine is shared)


def _wait(condition, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.2)


def test_a_reindex_through_one_replica_is_followed_by_the_others(tmp_path, make_service, postgres_url, embedder):
    a = make_service(tmp_path / "a", database_url=postgres_url).open()
    a.import_items(list(enumerate(tiny_people(30, "rep"), start=1)))
    b = make_service(tmp_path / "b", database_url=postgres_url).open()  # built from the stored embeddings
    a.index.follower.poll_seconds = b.index.follower.poll_seconds = 0
    before = b.status()["generation"]
    assert not (tmp_path / "b" / "index" / MARKER).exists()  # a new data dir has followed no re-index

    result = a.reindex()
    assert (tmp_path / "a" / "index" / MARKER).read_text().strip() == "1"
    a.refresh()
    assert a.status()["generation"] == result["generation"]  # A does not follow its own re-index

    encoded = embedder.texts_encoded
    b.refresh()  # notices the store's count and rebuilds in the background
    _wait(
        lambda: b.status()["generation"] != before and (tmp_path / "b" / "index" / MARKER).read_text().strip() == "1",
        FOLLOW_WAIT,
        "replica B to follow",
    )
    b.index.close()
    # No profile ran through the model: only the phrase book, new in B's generation.
    assert embedder.texts_encoded - encoded == len(b.refresh().phrase_book)
    assert_index_agrees(b)
    generation = b.status()["generation"]
    b.refresh()
    b.index.close()
    assert b.status()["generation"] == generation  # followed once


def test_a_new_replica_serves_at_once_then_follows_the_latest_reindex_for_its_phrase_book(
    tmp_path, make_service, postgres_url
):
    a = make_service(tmp_path / "a", database_url=postgres_url).open()
    a.import_items(list(enumerate(tiny_people(30, "new"), start=1)))
    a.reindex()
    assert a.refresh().phrase_book is not None
    b = make_service(tmp_path / "b", database_url=postgres_url).open()  # ready at once: built from the store
    b.index.follower.poll_seconds = 0
    assert b.refresh().phrase_book is None
    _wait(lambda: b.refresh().phrase_book is not None, FOLLOW_WAIT, "the new replica to follow the re-index")
    b.index.close()
    assert (tmp_path / "b" / "index" / MARKER).read_text().strip() == "1"
    assert len(b.refresh().phrase_book) == len(a.refresh().phrase_book)


def test_processes_sharing_a_data_dir_never_follow_their_own_reindex(tmp_path, make_service, embedder):
    # SQLite: every process shares the data dir, and so its marker.
    server = make_service(tmp_path / "data").open()
    server.import_items(list(enumerate(PEOPLE, start=1)))
    server.index.follower.poll_seconds = 0
    cli = make_service(tmp_path / "data").open()
    cli.reindex()
    _wait(
        lambda: server.refresh().generation == cli.status()["generation"], 60, "the server to load the new generation"
    )
    server.index.close()
    generations = sorted(p.name for p in (tmp_path / "data" / "index").glob("gen-*"))
    server.refresh()
    server.index.close()
    assert sorted(p.name for p in (tmp_path / "data" / "index").glob("gen-*")) == generations


def test_a_failed_follow_keeps_the_marker_and_is_retried_later(tmp_path, caplog):
    from matcher.index import Generations
    from matcher.index.replicas import ReindexFollower

    store = open_store(Settings(data_dir=tmp_path / "data"))
    follower = ReindexFollower(store, Generations(tmp_path / "data" / "index"), poll_seconds=0)
    assert follower.due() is None
    store.record_reindex()
    assert follower.due() == 1

    def broken():
        raise OSError("disk full")

    follower.follow(broken)
    assert "could not follow" in caplog.text and follower.behind() == 1
    assert follower.due() is None  # postponed: not tried again on every request
    follower.postpone(0)
    rebuilt = []
    follower.follow(lambda: rebuilt.append(True))
    assert rebuilt == [True] and follower.due() is None and follower.behind() is None
    with follower.turn(wait=True):  # another process of this data dir is re-indexing: this one skips its turn
        store.record_reindex()
        follower.follow(lambda: rebuilt.append(True))
    assert rebuilt == [True] and follower.behind() == 2
    store.close()


# -- two real servers ----------------------------------------------------------------------------------


def matched_ids(server: LiveServer, key: str, need: str) -> list[str]:
    status, _, body = call(server, "POST", "/v1/match", {"need": need, "limit": 50}, key)
    assert status == 200, body
    return [m["mentor"]["id"] for m in body["matches"]]


@pytest.fixture
def replicas(tmp_path, postgres_url, embedder):
    """Replicas A and B: `mentor-match serve` each, own data dirs, one database; with an admin key."""
    load_profiles(tmp_path / "a", embedder, PEOPLE, database_url=postgres_url)
    store = open_store(Settings(data_dir=tmp_path / "a", database_url=postgres_url))
    _, admin = KeyRing(store).create("admin", "replica test")
    store.close()
    servers = []
    for name in ("a", "b"):
        command = [tool("mentor-match"), "serve", "--port", "{port}", "--workers", "1", "--threads", "4"]
        servers.append(
            LiveServer(
                command, tmp_path / name, tmp_path / f"{name}.log", database_url=postgres_url, backend=embedder.backend
            )
        )
    try:
        for server in servers:
            server.start()
        yield servers[0], servers[1], admin
    finally:
        for server in servers:
            server.stop()


def test_two_servers_on_one_database_see_each_others_writes_deletes_and_reindexes(replicas, tmp_path, postgres_url):
    a, b, key = replicas
    assert "erin" not in matched_ids(b, key, "ceramics glazing and kiln firing")

    # A write through A is matched on B.
    erin = profile(
        "erin", 5, "I teach ceramics: glazing, throwing on the wheel and kiln firing schedules.", styles=["flash"]
    )
    status, _, _ = call(a, "PUT", "/v1/profiles/erin", erin, key)
    assert status in (200, 201)
    assert matched_ids(b, key, "ceramics glazing and kiln firing")[0] == "erin"

    # A delete through B is never returned by A once B has answered.
    status, _, _ = call(b, "DELETE", "/v1/profiles/erin", key=key)
    assert status == 204
    for _ in range(5):
        assert "erin" not in matched_ids(a, key, "ceramics glazing and kiln firing")
    assert call(a, "GET", "/v1/profiles/erin", key=key)[0] == 404

    # A re-index through A is picked up by B: B writes a generation of its own and serves it.
    _, headers, _ = call(b, "POST", "/v1/match", {"need": NEED}, key)
    b_before = headers["X-Index-Generation"]
    status, headers, body = call(a, "POST", "/v1/reindex", key=key)
    assert status == 200, body
    assert headers["X-Index-Generation"] == body["generation"]

    def b_followed():
        _, headers, _ = call(b, "POST", "/v1/match", {"need": NEED}, key)
        return headers["X-Index-Generation"] != b_before

    _wait(b_followed, FOLLOW_WAIT, "replica B to follow A's re-index")
    assert (tmp_path / "b" / "index" / MARKER).read_text().strip() == "1"
    assert matched_ids(b, key, NEED)[:2] == matched_ids(a, key, NEED)[:2]
    assert "erin" not in matched_ids(b, key, "ceramics glazing and kiln firing")

    # One re-index at a time across every replica: while anyone holds the database's lock, both refuse.
    store = open_store(Settings(data_dir=tmp_path / "x", database_url=postgres_url))
    try:
        with store.reindex_lock():
            for server in (a, b):
                status, _, body = call(server, "POST", "/v1/reindex", key=key)
                assert status == 409 and "already running" in body["detail"]
    finally:
        store.close()
    for server in (a, b):
        assert "password" not in server.log().lower() and postgres_url.split("@")[0] not in server.log()
