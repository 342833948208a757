"""Abuse limits on a real server, all set small through MATCHER_* settings: body size (413), text lengths
and `limit` (422), per-key and per-address rate limits (429) and the per-request time budget (503 with
Retry-After: the request was valid, the server could not finish it in time). Each answer is a problem
document. The tests run in file order: the last one uses up the address's allowance.
"""

from __future__ import annotations

import shutil
import uuid

import pytest

from tests.api_people import PEOPLE
from tests.live_server import LiveServer, call, cli, load_profiles, tool

pytestmark = pytest.mark.slow  # a server, a child process, a browser or a benchmark: see pyproject markers

LIMITS = {
    "max_body_bytes": "4096",
    "max_need_chars": "100",
    "max_limit": "10",
    "key_rate_limit": "6 per minute",
    "address_rate_limit": "30 per minute",
    "request_budget_ms": "0.001",
}  # 1 microsecond: no match can finish in it


@pytest.fixture(scope="module")
def server(tmp_path_factory, embedder):
    data_dir = tmp_path_factory.mktemp("limits") / "data"
    load_profiles(data_dir, embedder, PEOPLE)
    shutil.rmtree(data_dir / "index")  # the server must rebuild it from the store as it starts
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
    live = LiveServer(command, data_dir, tmp_path_factory.mktemp("limits-log") / "server.log", **LIMITS)
    live.data_dir = data_dir
    yield live.start()
    live.stop()


def new_key(server, scope: str) -> str:
    done = cli(server.data_dir, "keys", "create", "--scope", scope)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip().splitlines()[-1]


@pytest.fixture(scope="module")
def admin_key(server):
    return new_key(server, "admin")


def problem(answer, status: int) -> dict:
    got, headers, body = answer
    assert got == status, body
    assert headers.get_content_type() == "application/problem+json"
    assert body["status"] == status and body["title"] and body["detail"] and body["type"]
    return body


def test_the_server_rebuilt_its_missing_index_from_the_store(server, admin_key):
    status, headers, ready = call(server, "GET", "/readyz", key=admin_key)
    assert status == 200 and ready["profiles"] == len(PEOPLE) and ready["generation"]
    assert headers["X-Index-Generation"] == ready["generation"]


def test_only_a_caller_with_a_key_sees_the_index_generation(server, admin_key):
    """The generation's name changes at each import and re-index: the pages and health checks, open to anyone,
    do not show it; an answer to a request with a valid key (a match key too) does."""
    for path in ("/healthz", "/readyz", "/"):
        status, headers, _ = call(server, "GET", path)
        assert status == 200 and "X-Index-Generation" not in headers and headers["X-Worker-Id"], path
    assert "X-Index-Generation" not in call(server, "GET", "/v1/profiles/nobody", key="not-a-key")[1]
    key = new_key(server, "match")
    assert "X-Index-Generation" not in call(server, "GET", "/v1/profiles/nobody", key=key)[1]  # 403: no scope
    status, headers, body = call(server, "POST", "/v1/match", {"need": "pottery"}, key)
    assert headers["X-Index-Generation"], (status, body)


def test_the_document_states_the_configured_limits(server):
    doc = call(server, "GET", "/openapi.json")[2]
    request = doc["components"]["schemas"]["MatchRequest"]["properties"]
    assert (request["need"]["maxLength"], request["limit"]["maximum"]) == (100, 10)
    assert "4096 bytes" in doc["info"]["description"]


def test_a_body_over_the_size_limit_is_413(server, admin_key):
    big = {"need": "x" * 50, "mentee": {"bio": "y" * 5000}}
    assert "4096" in problem(call(server, "POST", "/v1/match", big, admin_key), 413)["detail"]
    person = dict(PEOPLE[0], bio="z" * 4900)
    problem(call(server, "PUT", "/v1/profiles/ana", person, admin_key), 413)
    problem(call(server, "POST", "/v1/profiles:batch", [person], admin_key), 413)


def test_text_lengths_and_limit_over_their_caps_are_422(server, admin_key):
    body = problem(call(server, "POST", "/v1/match", {"need": "n" * 101}, admin_key), 422)
    assert body["errors"][0]["field"] == "need" and "100" in body["errors"][0]["reason"]
    body = problem(call(server, "POST", "/v1/match", {"need": "SQL", "limit": 11}, admin_key), 422)
    assert body["errors"][0]["field"] == "limit"
    body = problem(call(server, "PUT", "/v1/profiles/ana", dict(PEOPLE[0], goals="g" * 2001), admin_key), 422)
    assert body["errors"][0]["field"] == "goals"


def test_a_match_over_the_time_budget_is_503_with_retry_after(server, admin_key):
    need = f"help with spreadsheets, request {uuid.uuid4().hex}"
    body = problem(call(server, "POST", "/v1/match", {"need": need}, admin_key), 503)
    assert body["type"].endswith("/request-budget") and body["budget_ms"] == 0.001
    # At least 1 s; Flask-Limiter raises it to the end of the rate-limit window when that is later.
    assert int(call(server, "POST", "/v1/match", {"need": need}, admin_key)[1]["Retry-After"]) >= 1
    assert call(server, "GET", "/healthz")[0] == 200


def test_each_key_has_its_own_rate_limit(server):
    first, second = new_key(server, "match"), new_key(server, "match")
    answers = [call(server, "POST", "/v1/match", {"need": "SQL"}, first) for _ in range(7)]
    assert [a[0] for a in answers[:6]] == [503] * 6  # within the rate limit (and over the time budget)
    body = problem(answers[6], 429)
    assert "6 per 1 minute" in body["detail"] and answers[6][1]["Retry-After"]
    assert call(server, "POST", "/v1/match", {"need": "SQL"}, second)[0] == 503  # not limited


def test_one_address_is_limited_whatever_keys_it_makes_up(server):
    statuses = []
    for _ in range(31):
        statuses.append(call(server, "POST", "/v1/match", {"need": "SQL"}, f"mm_{uuid.uuid4().hex[:8]}_guess")[0])
        if statuses[-1] == 429:
            break
    assert statuses[-1] == 429 and set(statuses[:-1]) == {401}, statuses
    body = problem(call(server, "POST", "/v1/match", {"need": "SQL"}, new_key(server, "admin")), 429)
    assert "30 per 1 minute" in body["detail"]
    assert call(server, "GET", "/healthz")[0] == 200  # health checks are never limited
