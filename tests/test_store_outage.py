"""The database goes away: two replicas on PostgreSQL under a steady load of matches, writes and deletes;
PostgreSQL is stopped for 10 s and started again.

During the outage every request is answered in time: a match with its mentors or a 503 with Retry-After,
a write or delete with a 503 (never a 500, never a hang past the request budget). Afterwards both
replicas recover by themselves: every acknowledged write is there, no acknowledged delete comes back.
"""

from __future__ import annotations

import time

import pytest

from matcher.config import Settings
from matcher.errors import StoreUnavailable
from matcher.index import Generations
from matcher.index.replicas import ReindexFollower
from matcher.keys import KeyRing
from matcher.store import open_store
from tests.api_people import NEED, PEOPLE
from tests.http_load import Answer, Load, send
from tests.integrity import tiny_people
from tests.live_server import LiveServer, load_profiles, stop_all, tool
from tests.pg import own_cluster

pytestmark = pytest.mark.slow  # a server, a child process, a browser or a benchmark: see pyproject markers

OUTAGE_SECONDS = 10
BUDGET_MS = 4000
CLIENT_TIMEOUT = BUDGET_MS / 1000 + 3  # a request still open by then hung past the request budget
DOOMED = tiny_people(16, "doomed")  # deleted one by one under load
ANSWERED = {200, 201, 204, 503}


@pytest.fixture
def replicas(tmp_path, embedder):
    """(cluster, [replica A, replica B], admin key): two `mentor-match serve` on a cluster of the test's own."""
    with own_cluster() as cluster:
        load_profiles(tmp_path / "a", embedder, PEOPLE + DOOMED, database_url=cluster.url)
        store = open_store(Settings(data_dir=tmp_path / "a", database_url=cluster.url))
        _, key = KeyRing(store).create("admin", "outage test")
        store.close()
        servers = [
            LiveServer(
                [tool("mentor-match"), "serve", "--port", "{port}", "--workers", "1", "--threads", "4"],
                tmp_path / name,
                tmp_path / f"{name}.log",
                database_url=cluster.url,
                backend=embedder.backend,
                request_budget_ms=str(BUDGET_MS),
                key_rate_limit="100000 per minute",
                address_rate_limit="100000 per minute",
            )
            for name in ("a", "b")
        ]
        try:
            for server in servers:
                server.launch()
            for server in servers:
                server.wait_ready()
            yield cluster, servers, key
        finally:
            stop_all(servers)


def kinds(answers: list[Answer], target: str, after: float, unavailable: bool = False) -> set[str]:
    """The kinds of request that `target` answered (2xx; or 503 when `unavailable`) since `after`."""
    return {
        a.kind
        for a in answers
        if a.target == target and a.started > after and (a.status == 503 if unavailable else a.ok)
    }


def test_replicas_answer_503_during_a_database_outage_and_recover_by_themselves(replicas):
    cluster, servers, key = replicas
    urls = [s.url for s in servers]
    acknowledged_writes: list[str] = []
    acknowledged_deletes: list[str] = []

    def match(n: int) -> Answer:
        return send(urls[n % 2], "POST", "/v1/match", {"need": NEED, "limit": 10}, key, CLIENT_TIMEOUT, "match")

    def write(n: int) -> list[Answer]:
        person = tiny_people(1, "written", offset=n)[0]
        answer = send(urls[n % 2], "PUT", f"/v1/profiles/{person['id']}", person, key, CLIENT_TIMEOUT, "write")
        if answer.ok:
            acknowledged_writes.append(person["id"])
        if n % 3 == 0 and n // 3 < len(DOOMED):  # every third turn, a delete too
            doomed = DOOMED[n // 3]["id"]
            gone = send(urls[(n + 1) % 2], "DELETE", f"/v1/profiles/{doomed}", None, key, CLIENT_TIMEOUT, "delete")
            if gone.status == 204:
                acknowledged_deletes.append(doomed)
            return [answer, gone]
        return [answer]

    load = Load(max_seconds=150).add(match, threads=3).add(write, threads=1)
    with load:
        load.wait_for(
            lambda answers: all({"match", "write"} <= kinds(answers, url, 0) for url in urls),
            60,
            "matches and writes to succeed on both replicas",
        )
        cluster.pause()
        down = time.monotonic()
        # Every replica notices: its matches and its writes are answered 503 (with Retry-After, checked below).
        load.wait_for(
            lambda answers: all({"match", "write"} <= kinds(answers, url, down, True) for url in urls),
            30,
            "503 answers to matches and writes on both replicas",
        )
        load.wait_for(
            lambda answers: time.monotonic() - down >= OUTAGE_SECONDS, OUTAGE_SECONDS + 5, "the outage to last its time"
        )
        restarting = time.monotonic()
        cluster.resume()
        # ... and recovers by itself: matches and writes succeed again on both.
        load.wait_for(
            lambda answers: all({"match", "write"} <= kinds(answers, url, restarting) for url in urls),
            60,
            "both replicas to answer matches and writes again",
        )
    answers = load.snapshot()

    unanswered = [a for a in answers if a.status is None]
    assert not unanswered, f"{len(unanswered)} requests got no answer in time, first: {unanswered[0].describe()}"
    wrong = [a for a in answers if a.status not in ANSWERED]
    assert not wrong, f"{len(wrong)} unexpected answers, first: {wrong[0].describe()}"
    for answer in answers:
        if answer.status == 503:
            assert answer.headers.get("retry-after", "").isdigit(), answer.describe()
            assert answer.headers["content-type"] == "application/problem+json", answer.describe()
    during = [a for a in answers if a.started > down and a.ended < restarting]
    assert all(a.status == 503 for a in during if a.kind in ("write", "delete")), [
        a.describe() for a in during if a.kind != "match" and a.status != 503
    ][:3]
    assert sum(a.status == 503 for a in during) >= 4
    assert acknowledged_deletes and acknowledged_writes

    # Nothing lost, nothing erased back, on either replica.
    for url in urls:
        for pid in acknowledged_writes:
            assert send(url, "GET", f"/v1/profiles/{pid}", None, key).status == 200, (url, pid)
        for pid in acknowledged_deletes:
            assert send(url, "GET", f"/v1/profiles/{pid}", None, key).status == 404, (url, pid)
        for person in DOOMED:
            if person["id"] in acknowledged_deletes:
                found = send(url, "POST", "/v1/match", {"need": person["bio"], "limit": 50}, key)
                assert found.status == 200, found.describe()
                assert person["id"] not in {m["mentor"]["id"] for m in found.body["matches"]}
    for server in servers:
        log = server.log()
        assert cluster.url.split("@")[0] not in log and "Traceback" not in log


# -- in process: background work the outage interrupted resumes by itself ------------------------------


def wait_until(condition, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while not (value := condition()):
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.1)
    return value


def answers(service) -> bool:
    try:
        service.refresh()
    except StoreUnavailable:
        return False
    return True


def test_loading_a_newer_generation_and_following_a_reindex_resume_after_an_outage(tmp_path, make_service):
    with own_cluster() as cluster:
        writer = make_service(tmp_path / "a", database_url=cluster.url).open()
        writer.import_items(list(enumerate(tiny_people(12, "gen"), start=1)))
        worker = make_service(tmp_path / "a", database_url=cluster.url).open()  # another worker, same data dir
        follower = ReindexFollower(
            open_store(Settings(data_dir=tmp_path / "b", database_url=cluster.url)),
            Generations(tmp_path / "b" / "index"),
            poll_seconds=0,
        )
        generation = writer.reindex()["generation"]
        cluster.pause()
        try:
            with pytest.raises(StoreUnavailable):
                worker.refresh()  # starts loading the writer's generation, which needs the store too
            worker.index.settle()
            assert worker.index.refused is None, "a generation must not be refused for the store's outage"
            follower.follow(lambda: None)  # another replica's data dir: the store does not answer
            assert follower.due() is None  # postponed, not retried on every request
        finally:
            cluster.resume()
        wait_until(
            lambda: answers(worker) and worker.status()["generation"] == generation,
            30,
            "the worker to load the newer generation",
        )
        followed = []
        wait_until(lambda: follower.due() is not None, 30, "the follower to ask the store again")
        follower.follow(lambda: followed.append(True))
        assert followed == [True] and follower.behind() is None
        follower.store.close()
