"""Fuzzing from the spec: Schemathesis reads /openapi.json from a real `mentor-match serve` on a loopback
port and sends valid and invalid requests for every operation, each with a `match` key, an `admin` key
or no key (Hypothesis picks), from a fixed seed so that a failure replays.

Every response must: never be a 5xx; conform to the document (status code, content type, headers,
body schema); and every 4xx must be a problem document (application/problem+json with type, title,
status equal to the response's, detail). Invalid input must be refused. FUZZ_EXAMPLES
(default 150) bounds the examples per operation and mode; the counts land in test-artifacts/fuzz-summary.json.
"""

from __future__ import annotations

import json
import os
from collections import Counter
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, given, seed, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.generation import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.api_people import PEOPLE, PROGRAMME, aim_at_programme, aim_at_relationships
from tests.live_server import ROOT, LiveServer, call, cli, load_profiles, tool

pytestmark = pytest.mark.slow  # a server, a child process, a browser or a benchmark: see pyproject markers

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "150"))
SEED = 20261121
KEYS = ("admin", "admin", "match", None)  # admin twice: the writes are where the work is
# Operations without input: a few examples each show all there is (reindex re-embeds every profile).
NO_INPUT = {"POST /v1/reindex": 4, "GET /healthz": 3, "GET /readyz": 3, "GET /v1/programmes": 6}
# Introductions and relationships: small bodies and one state machine; fewer examples keep the suite's time.
RELATIONSHIPS = [
    "POST /v1/requests",
    "GET /v1/requests/{request_id}",
    "POST /v1/requests/{request_id}/answer",
    "POST /v1/requests/{request_id}/withdraw",
    "GET /v1/people/{person_id}/requests",
    "GET /v1/people/{person_id}/relationships",
    "GET /v1/relationships/{relationship_id}",
    "POST /v1/relationships/{relationship_id}/sessions",
    "POST /v1/relationships/{relationship_id}/fit",
    "POST /v1/relationships/{relationship_id}/end",
]
FEWER = dict.fromkeys(RELATIONSHIPS, max(3, EXAMPLES // 5))
SUMMARY = ROOT / "test-artifacts" / "fuzz-summary.json"
sent: Counter[str] = Counter()
statuses: Counter[str] = Counter()


def problem_document(ctx, response, case) -> None:
    """Every 4xx (and 5xx) is an RFC 9457 problem document whose status is the response's."""
    if response.status_code < 400:
        return
    headers = {key.lower(): value for key, value in response.headers.items()}
    media = headers.get("content-type", [""])
    media = (media[0] if isinstance(media, list) else media).split(";")[0].strip()
    assert media == "application/problem+json", f"{response.status_code} answered as {media!r}"
    body = json.loads(response.content)
    assert {"type", "title", "status", "detail"} <= set(body), f"problem document lacks members: {body}"
    assert body["status"] == response.status_code and isinstance(body["detail"], str) and body["detail"]


CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    response_headers_conformance,
    negative_data_rejection,
    problem_document,
]


@pytest.fixture(scope="module")
def server(tmp_path_factory, embedder):
    data_dir = tmp_path_factory.mktemp("fuzz") / "data"
    load_profiles(data_dir, embedder, PEOPLE)
    generation = data_dir / "index" / (data_dir / "index" / "CURRENT").read_text().strip()
    offers = generation / "offers.faiss"
    offers.write_bytes(offers.read_bytes()[:-100])  # truncated: the server must refuse it and rebuild
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
    live = LiveServer(
        command,
        data_dir,
        tmp_path_factory.mktemp("fuzz-log") / "server.log",
        key_rate_limit="100000 per minute",
        address_rate_limit="100000 per minute",
    )
    live.data_dir = data_dir
    yield live.start()
    live.stop()
    SUMMARY.parent.mkdir(exist_ok=True)
    SUMMARY.write_text(
        json.dumps(
            {
                "seed": SEED,
                "examples_per_operation_and_mode": EXAMPLES,
                "requests": sum(sent.values()),
                "per_operation": dict(sorted(sent.items())),
                "statuses": dict(sorted(statuses.items())),
            },
            indent=2,
        )
    )
    print(f"\nfuzz: {sum(sent.values())} requests, statuses {dict(sorted(statuses.items()))}")


@pytest.fixture(scope="module")
def tokens(server):
    made = {}
    for scope in ("match", "admin"):
        done = cli(server.data_dir, "keys", "create", "--scope", scope, "--label", f"fuzz {scope}")
        assert done.returncode == 0, done.stderr
        made[scope] = done.stdout.strip().splitlines()[-1]
    made[None] = None
    return made


@pytest.fixture(scope="module")
def programme_id(server, tokens):
    """A programme with a draft: positive cases with an admin key aim at it half the time (past the 404s)."""

    def post(path: str, body: dict | None = None) -> dict:
        status, _, answer = call(server, "POST", path, body, tokens["admin"], timeout=60)
        assert status in (200, 201), (path, status, answer)
        return answer

    pid = post("/v1/programmes", PROGRAMME)["id"]
    post(f"/v1/programmes/{pid}/runs")
    return pid


@pytest.fixture(scope="module")
def introduction(server, tokens):
    """A pending request and an active relationship: positive cases aim at them half the time."""
    import urllib.request

    def post(path: str, body: dict) -> dict:
        request = urllib.request.Request(
            server.url + path,
            data=json.dumps(body).encode(),
            method="POST",
            headers={"Authorization": f"Bearer {tokens['admin']}", "Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=60) as response:
            return json.load(response)

    pending = post("/v1/requests", {"mentee_id": "eli", "mentor_id": "fay", "need": "TikTok", "style": "reverse"})
    accepted = post("/v1/requests", {"mentee_id": "hal", "mentor_id": "ben", "need": "Instagram", "style": "reverse"})
    return pending["id"], post(f"/v1/requests/{accepted['id']}/answer", {"answer": "accept"})["relationship_id"]


@pytest.fixture(scope="module")
def operations(server):
    schema = schemathesis.openapi.from_url(server.url + "/openapi.json")
    return {op.ok().label: op.ok() for op in schema.get_all_operations()}


LABELS = [
    "POST /v1/match",
    "PUT /v1/profiles/{profile_id}",
    "GET /v1/profiles/{profile_id}",
    "DELETE /v1/profiles/{profile_id}",
    "POST /v1/profiles:batch",
    "POST /v1/programmes",
    "GET /v1/programmes/{programme_id}",
    "DELETE /v1/programmes/{programme_id}",
    "POST /v1/programmes/{programme_id}/runs",
    "POST /v1/programmes/{programme_id}/pairs",
    "POST /v1/programmes/{programme_id}/publish",
    "GET /v1/programmes/{programme_id}/pairs.csv",
    *NO_INPUT,
    *RELATIONSHIPS,
]
# Documented, checked by schemathesis in tests/test_api_schema.py, not fuzzed on this live server (yet).
NOT_FUZZED_HERE = {
    "GET /metrics",
    "GET /v1/programmes/{programme_id}/sessions.ics",
    "GET /v1/insights",
    "POST /v1/insights",
    "GET /v1/insights/topics/{topic_id}/people",
    "GET /v1/insights/topics/{topic_id}/cohort.jsonl",
}
CASES = [
    (label, mode)
    for label in LABELS
    for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)
    if label not in NO_INPUT or mode == GenerationMode.POSITIVE
]


@pytest.mark.parametrize("label,mode", CASES, ids=[f"{label}-{mode.value}" for label, mode in CASES])
def test_every_answer_keeps_the_contract(server, tokens, operations, programme_id, introduction, label, mode):
    assert set(operations) == set(LABELS) | NOT_FUZZED_HERE
    checks = CHECKS
    if label == "POST /v1/profiles:batch":  # by design, bad items of a readable batch are answered 200
        checks = [check for check in CHECKS if check is not negative_data_rejection]

    @seed(SEED)
    @given(case=operations[label].as_strategy(generation_mode=mode), scope=st.sampled_from(KEYS), real=st.booleans())
    @settings(
        max_examples=NO_INPUT.get(label, FEWER.get(label, EXAMPLES)),
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    def run(case, scope, real):
        if real and mode == GenerationMode.POSITIVE and "programme" in label:
            aim_at_programme(case, label, programme_id)
        elif real and mode == GenerationMode.POSITIVE and label in RELATIONSHIPS:
            aim_at_relationships(case, label, *introduction)
        headers = {"Authorization": f"Bearer {tokens[scope]}"} if scope else {}
        response = case.call_and_validate(base_url=server.url, headers=headers, checks=checks, timeout=60)
        sent[f"{label} {mode.value}"] += 1
        statuses[str(response.status_code)] += 1

    run()
    assert sent[f"{label} {mode.value}"] >= min(NO_INPUT.get(label, FEWER.get(label, EXAMPLES)), 3)


def test_the_server_survived_the_fuzz(server, tokens):
    """After all of it the server still answers, and its log holds no traceback (and shows that the
    truncated index it was given was refused and rebuilt)."""
    import urllib.request

    with urllib.request.urlopen(server.url + "/readyz", timeout=10) as response:
        assert json.load(response)["ready"]
    log = Path(server.log_path).read_text(errors="replace")
    assert "Traceback" not in log
    assert "offers.faiss is corrupt (checksum mismatch)" in log  # the truncated index was refused at start
