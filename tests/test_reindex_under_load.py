"""Re-index and batch import while people search: no failed request, only complete indexes, atomic swaps.

In-process first (threads over one MatchService, plus a second service on the same data dir that
stands for another worker process), then over HTTP against two server processes on one data dir,
each request going to the next one in turn (gunicorn's own workers share a socket, and which worker
accepts a connection is up to the kernel: a test cannot rely on reaching both).
"""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path

import pytest

from tests.integrity import assert_index_agrees, tiny_people
from tests.live_server import LiveServer, call, cli, load_profiles, tool

pytestmark = pytest.mark.slow  # a server, a child process, a browser or a benchmark: see pyproject markers

BASE = tiny_people(24, "base")
# Newcomers are seniority 1: reverse mentors for a senior, never traditional mentors.
NEWCOMERS = [dict(p, seniority=1, styles=["reverse", "flash"]) for p in tiny_people(24, "new", offset=3)]
# Deleted and added again and again: they may or may not be in an answer.
EPHEMERAL = [dict(p, seniority=1, styles=["reverse"]) for p in tiny_people(3, "eph")]
# Base people deleted under load: seniority 1 or 2, so never traditional mentors of a seniority-2 mentee.
VICTIMS = [BASE[10]["id"], BASE[11]["id"], BASE[20]["id"]]
# limit 50 is more than can ever be eligible: each answer must hold every eligible mentor, whatever the order.
STABLE = {"need": "budget planning and negotiation", "style": "traditional", "mentee": {"seniority": 2}, "limit": 50}
MOVING = {"need": "TikTok videos and Instagram Reels", "style": "reverse", "mentee": {"seniority": 9}, "limit": 50}
LOAD_SECONDS = 120  # upper bound: the searchers stop as soon as the writer is done


def ranked(result) -> list[tuple[str, float]]:
    return [(m["mentor"]["id"], m["score"]) for m in result["matches"]]


class Searchers:
    """Threads that keep matching until told to stop; every answer is kept with its start time."""

    def __init__(self, search, threads: int = 4):
        self.search = search
        self.stop = threading.Event()
        self.answers: list[tuple[float, str, object]] = []  # (started, query name, result or exception)
        self._lock = threading.Lock()
        self._threads = [threading.Thread(target=self._run, args=(i,), daemon=True) for i in range(threads)]

    def _run(self, i: int) -> None:
        deadline = time.monotonic() + LOAD_SECONDS
        n = 0
        while not self.stop.is_set() and time.monotonic() < deadline:
            name = "stable" if (i + n) % 2 == 0 else "moving"
            started = time.monotonic()
            try:
                result = self.search(name)
            except Exception as exc:  # kept and reported: no request may fail
                result = exc
            with self._lock:
                self.answers.append((started, name, result))
            n += 1

    def __enter__(self) -> Searchers:
        for thread in self._threads:
            thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop.set()
        for thread in self._threads:
            thread.join(timeout=60)


class Timeline:
    """When each import and delete returned, to know what a search that started later must see."""

    def __init__(self):
        self.imported: dict[str, float] = {}
        self.deleted: dict[str, float] = {}

    def check(self, answers, stable: set[str]) -> None:
        """No failure; every answer is sorted and holds exactly what a complete index holds:
        - stable: always the same set of mentors (nothing it depends on changes);
        - moving: every base mentor not yet deleted, every newcomer imported before the search
          started, nothing deleted before it started, nothing unknown."""
        failures = [r for _, _, r in answers if isinstance(r, Exception)]
        assert not failures, f"{len(failures)} of {len(answers)} searches failed, first: {failures[0]!r}"
        base = {p["id"] for p in BASE if p["seniority"] < MOVING["mentee"]["seniority"]}
        known = base | {p["id"] for p in NEWCOMERS + EPHEMERAL}
        for started, name, result in answers:
            got = ranked(result)
            assert [s for _, s in got] == sorted((s for _, s in got), reverse=True)
            ids = {pid for pid, _ in got}
            assert len(ids) == len(got)
            if name == "stable":
                assert ids == stable, "an answer came from an incomplete index"
                continue
            gone = {pid for pid, t in self.deleted.items() if t < started}
            required = (base | {pid for pid, t in self.imported.items() if t < started}) - gone
            may_be_gone = {pid for pid, t in self.deleted.items() if t >= started}
            assert required - may_be_gone <= ids, f"missing from an answer: {sorted(required - ids)}"
            assert ids <= known and not ids & gone, f"unexpected in an answer: {sorted(ids - known | ids & gone)}"


def churn(service, rounds: int) -> None:
    """Small writes: capacities change (no model run) and one ephemeral mentor is deleted and added
    again, every round. Each write makes every process catch up while others search."""
    people = [p for p in BASE if p["id"] not in VICTIMS]
    for r in range(rounds):
        capacity = 3 if (r // 4) % 2 == 0 else 2
        service.import_items([(i, dict(p, capacity=capacity)) for i, p in enumerate(people[r % 4 :: 4], start=1)])
        ephemeral = EPHEMERAL[r % len(EPHEMERAL)]
        service.delete(ephemeral["id"])
        service.import_items([(1, ephemeral)])


def test_reindex_and_import_while_searching_in_process(make_service):
    service = make_service()
    service.open()
    service.import_items(list(enumerate(BASE + EPHEMERAL, start=1)), checkpoint=True)
    other = make_service(data_dir=service.settings.data_dir).open()  # another worker on the same data
    stable = {m["mentor"]["id"] for m in service.match(STABLE)["matches"]}
    assert len(stable) == sum(p["seniority"] > 2 for p in BASE)
    services = [service, other]
    calls = {"n": 0}

    def search(name: str):
        calls["n"] += 1
        return services[calls["n"] % 2].match(STABLE if name == "stable" else MOVING)

    timeline = Timeline()
    with Searchers(search) as searchers:
        for n, start in enumerate(range(0, len(NEWCOMERS), 8)):
            batch = NEWCOMERS[start : start + 8]
            assert service.import_items(list(enumerate(batch, start=1))).summary()["added"] == len(batch)
            timeline.imported.update(dict.fromkeys((p["id"] for p in batch), time.monotonic()))
            for victim in (batch[0]["id"], VICTIMS[n]):
                assert service.delete(victim)
                timeline.deleted[victim] = time.monotonic()
            churn(service, rounds=15)
            if n == 1:
                service.reindex()
        final = service.reindex()["generation"]
        service.import_items([(1, NEWCOMERS[1] | {"bio": "I teach TikTok videos after the re-index."})])
        deadline = time.monotonic() + 60
        while other.status()["generation"] != final and time.monotonic() < deadline:
            time.sleep(0.05)  # the other worker loads the new generation in the background

    answers = searchers.answers
    assert len(answers) >= 20, f"only {len(answers)} searches ran"
    timeline.check(answers, stable)
    assert other.status()["generation"] == final, "the other worker never picked up the new generation"
    for svc in services:
        assert_index_agrees(svc)


# -- over HTTP: two `mentor-match serve` processes on one data dir ------------------------------------


class Replicas:
    """Server processes on one data dir; `url` is the next one's, in turn (thread-safe)."""

    def __init__(self, servers: list[LiveServer]):
        self.servers = servers
        self._turn = 0
        self._lock = threading.Lock()

    @property
    def url(self) -> str:
        with self._lock:
            self._turn += 1
            return self.servers[self._turn % len(self.servers)].url

    def log(self) -> str:
        """Every server's output."""
        return "\n".join(Path(s.log_path).read_text(errors="replace") for s in self.servers)


@pytest.fixture(scope="module")
def two_workers(tmp_path_factory, embedder):
    data_dir = tmp_path_factory.mktemp("load") / "data"
    load_profiles(data_dir, embedder, BASE + EPHEMERAL)
    command = [
        tool("mentor-match"),
        "serve",
        "--host",
        "127.0.0.1",
        "--port",
        "{port}",
        "--workers",
        "1",
        "--threads",
        "4",
    ]
    logs = tmp_path_factory.mktemp("load-log")
    servers = [
        LiveServer(
            command,
            data_dir,
            logs / f"server-{i}.log",
            key_rate_limit="100000 per minute",
            address_rate_limit="100000 per minute",
        )
        for i in range(2)
    ]
    try:
        for server in servers:
            server.start()
        tokens = {}
        for scope in ("match", "admin"):
            done = cli(data_dir, "keys", "create", "--scope", scope)
            assert done.returncode == 0, done.stderr
            tokens[scope] = done.stdout.strip().splitlines()[-1]
        yield Replicas(servers), tokens
    finally:
        for server in servers:
            server.stop()


def test_reindex_and_batch_import_under_load_with_two_workers(two_workers):
    server, tokens = two_workers
    served: list[tuple[float, str, str]] = []  # (started, worker, generation) of every answer

    def search(name: str):
        started = time.monotonic()
        status, headers, body = call(
            server, "POST", "/v1/match", STABLE if name == "stable" else MOVING, tokens["match"]
        )
        if status != 200:
            raise AssertionError(f"/v1/match answered {status}: {body}")
        served.append((started, headers["X-Worker-Id"], headers["X-Index-Generation"]))
        return body

    def admin(method: str, path: str, body=None, content_type="application/json"):
        status, headers, answer = call(server, method, path, body, tokens["admin"], content_type)
        assert status in (200, 204), (method, path, status, answer)
        return headers, answer

    stable = {m["mentor"]["id"] for m in search("stable")["matches"]}
    timeline = Timeline()
    reindexed: list[tuple[float, str, str]] = []  # (returned, worker, generation)
    with Searchers(search) as searchers:
        for n, start in enumerate(range(0, len(NEWCOMERS), 8)):
            batch = NEWCOMERS[start : start + 8]
            lines = "".join(json.dumps(p) + "\n" for p in batch).encode()
            _, report = admin("POST", "/v1/profiles:batch", lines, "application/x-ndjson")
            assert report["summary"]["added"] == len(batch)
            timeline.imported.update(dict.fromkeys((p["id"] for p in batch), time.monotonic()))
            for victim in (batch[0]["id"], VICTIMS[n]):
                admin("DELETE", f"/v1/profiles/{victim}")
                timeline.deleted[victim] = time.monotonic()
            if n in (1, 2):  # a full re-index (the model runs on every profile) while searches go on
                headers, result = admin("POST", "/v1/reindex")
                reindexed.append((time.monotonic(), headers["X-Worker-Id"], result["generation"]))
        final = reindexed[-1][2]
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:  # until every worker has answered from the new generation
            workers = {w for _, w, _ in served}
            latest = {w: g for _, w, g in sorted(served)}
            seen_after = all(
                any(w == worker and started > returned for started, w, _ in served) for returned, worker, _ in reindexed
            )
            if len(workers) == 2 and set(latest.values()) == {final} and seen_after:
                break
            time.sleep(0.2)

    answers = searchers.answers
    assert len(answers) >= 20, f"only {len(answers)} searches ran"
    timeline.check(answers, stable)
    workers = {w for _, w, _ in served}
    assert len(workers) == 2, "the searches should have reached both workers"
    latest = {w: g for _, w, g in sorted(served)}
    assert set(latest.values()) == {final}, f"not every worker serves {final}: {latest}"
    # The worker that re-indexed served the new generation from the moment the re-index returned.
    for returned, worker, generation in reindexed:
        later = [g for started, w, g in served if w == worker and started > returned]
        assert later and all(g >= generation for g in later), (worker, generation, later[:5])
    # Only ids, counts and timings in the log; no need, no bio.
    log = server.log()
    assert "match style=reverse" in log and "took_ms=" in log and "Traceback" not in log
    for text in (STABLE["need"], MOVING["need"], NEWCOMERS[0]["bio"], BASE[0]["bio"], "I teach"):
        assert text not in log
