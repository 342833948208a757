"""Operations on a real server: `mentor-match serve --workers 2` on a loopback port with MATCHER_LOG_FORMAT=json.

The two workers' counters add up in every scrape, whichever worker answers it; every line the server
writes is one JSON object; a request's id is in its access line, in the service's own lines and in its
problem details; no need text reaches the log; the metrics folder is owner-only and gone after the stop.
"""

from __future__ import annotations

import json
import stat
import time
import urllib.error
import urllib.request

import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.api_people import NEED, PEOPLE
from tests.live_server import START_TIMEOUT, LiveServer, cli, load_profiles, tool

pytestmark = pytest.mark.slow  # a server, a child process, a browser or a benchmark: see pyproject markers

MAX_TRIES = 200  # requests sent until both (ready) workers have answered some
METRICS_FOLDERS = "mentor-match-metrics-*"
SECRET_NEED = NEED + " (zebra-violet-7)"  # a need text that must never show up in a log line


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory, embedder):
    path = tmp_path_factory.mktemp("ops") / "data"
    load_profiles(path, embedder, PEOPLE)
    return path


@pytest.fixture(scope="module")
def keys(data_dir):
    made = {}
    for scope in ("match", "admin"):
        done = cli(data_dir, "keys", "create", "--scope", scope)
        assert done.returncode == 0, done.stderr
        made[scope] = done.stdout.strip().splitlines()[-1]
    return made


@pytest.fixture(scope="module")
def temp_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("ops-tmp")  # the server's TMPDIR: where its metrics folder goes


@pytest.fixture(scope="module")
def server(data_dir, keys, temp_dir, tmp_path_factory):
    command = [
        tool("mentor-match"),
        "serve",
        "--host",
        "127.0.0.1",
        "--port",
        "{port}",
        "--workers",
        "2",
        "--threads",
        "2",
    ]
    live = LiveServer(command, data_dir, tmp_path_factory.mktemp("ops-log") / "server.log", log_format="json")
    live.env["TMPDIR"] = str(temp_dir)
    live.env["MATCHER_TRUSTED_PROXIES"] = "127.0.0.1"  # the test's client stands for the proxy: its ids are kept
    live.start()
    yield live
    live.stop()


def call(
    server,
    path: str,
    key: str | None = None,
    method: str = "GET",
    body: dict | None = None,
    request_id: str | None = None,
):
    """(status, headers, body bytes)."""
    request = urllib.request.Request(
        server.url + path, method=method, data=None if body is None else json.dumps(body).encode()
    )
    if body is not None:
        request.add_header("Content-Type", "application/json")
    if key:
        request.add_header("Authorization", f"Bearer {key}")
    if request_id:
        request.add_header("X-Request-ID", request_id)
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


def wait_for_both_workers(server) -> None:
    """Until both workers have built their app (LiveServer.start waits for one): their "app ready" lines."""
    deadline = time.monotonic() + START_TIMEOUT
    while server.log_path.read_text().count('"app ready: ') < 2:
        assert time.monotonic() < deadline and server.process.poll() is None, server.log()
        time.sleep(0.2)


def served_count(body: bytes, route: str) -> float:
    for family in text_string_to_metric_families(body.decode()):
        for sample in family.samples:
            if (
                sample.name == "matcher_http_request_duration_seconds_count"
                and sample.labels["route"] == route
                and sample.labels["status"] == "200"
            ):
                return sample.value
    return 0.0


def test_the_workers_counts_add_up_in_every_scrape(server, keys, temp_dir):
    folders = list(temp_dir.glob(METRICS_FOLDERS))
    assert len(folders) == 1 and stat.S_IMODE(folders[0].stat().st_mode) == 0o700
    wait_for_both_workers(server)
    sent, workers = 0, set()
    while len(workers) < 2 and sent < MAX_TRIES:
        status, headers, _ = call(server, "/openapi.json")
        assert status == 200
        sent += 1
        workers.add(headers["X-Worker-Id"])
    assert len(workers) == 2, f"one worker answered all {sent} requests"
    scraped_by, tries = set(), 0
    while len(scraped_by) < 2 and tries < MAX_TRIES:
        status, headers, body = call(server, "/metrics", keys["admin"])
        assert status == 200
        tries += 1
        scraped_by.add(headers["X-Worker-Id"])
        assert served_count(body, "/openapi.json") == sent  # both workers' requests, whoever answers
    assert scraped_by == workers


def test_json_lines_carry_the_request_id_and_no_texts(server, keys):
    status, headers, _ = call(
        server,
        "/v1/match",
        keys["match"],
        "POST",
        {"need": SECRET_NEED, "style": "reverse", "mentee": {"seniority": 9}},
        request_id="ops-match-1",
    )
    assert status == 200 and headers["X-Request-ID"] == "ops-match-1"
    status, headers, _ = call(server, "/v1/reindex", keys["admin"], "POST", request_id="ops-reindex-1")
    assert status == 200 and headers["X-Request-ID"] == "ops-reindex-1"
    status, headers, body = call(server, "/v1/profiles/nobody-here", keys["admin"])
    made = headers["X-Request-ID"]
    assert status == 404 and json.loads(body)["request_id"] == made and len(made) == 32
    status, _, body = call(server, "/metrics", keys["admin"])
    samples = {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(body.decode())
        for s in family.samples
    }
    assert samples[("matcher_reindexes_total", (("outcome", "ok"),))] == 1
    assert samples[("matcher_matches_total", (("result", "found"), ("style", "reverse")))] == 1

    server.stop()  # flushes every line; the tests after this one need no server
    lines = [line for line in server.log_path.read_text().splitlines() if line.strip()]
    records = [json.loads(line) for line in lines]  # every line is one JSON object
    by_id = {}
    for record in records:
        by_id.setdefault(record["request_id"], []).append(record)
    access = [r for r in by_id["ops-reindex-1"] if r["logger"] == "gunicorn.access"]
    assert len(access) == 1 and access[0]["status"] == 200 and access[0]["path"] == "/v1/reindex"
    assert "ops-reindex-1" in access[0]["message"] and isinstance(access[0]["duration_ms"], int)
    assert any(
        r["logger"] == "matcher.api" and r["message"].startswith("reindex: generation=") for r in by_id["ops-reindex-1"]
    )
    assert [r["status"] for r in by_id[made]] == [404]
    # The match's own line (matcher.search: ids and timings) and its access line.
    assert sorted(r["logger"] for r in by_id["ops-match-1"]) == ["gunicorn.access", "matcher.search"]
    assert "zebra-violet" not in server.log_path.read_text()


def test_the_metrics_folder_is_removed_when_the_server_stops(server, temp_dir):
    server.stop()  # returns once the server has exited
    assert list(temp_dir.glob(METRICS_FOLDERS)) == []
