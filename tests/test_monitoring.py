"""Operations over Flask's test client: GET /metrics (who may read it, what it counts, with which labels),
the request id (header, problem details, log lines) and the JSON log format.

Metrics live in this process here (no PROMETHEUS_MULTIPROC_DIR): other tests count too, so every check
compares a scrape after the requests with one before. The gunicorn side (workers adding up, JSON lines
from a real server) is in test_monitoring_live.py.
"""

from __future__ import annotations

import io
import json
import logging
import re

import pytest
from prometheus_client.parser import text_string_to_metric_families

from matcher import logs
from matcher.api import create_app
from tests.api_people import NEED, bearer, make_keys, open_service
from tests.conftest import profile

MATCH = {"need": NEED, "style": "reverse", "mentee": {"seniority": 9}}
REQUEST_SECONDS = "matcher_http_request_duration_seconds"
TRUSTED = "127.0.0.1,::1"  # the test client's address as a configured proxy


@pytest.fixture(scope="module")
def service(tmp_path_factory, embedder):
    svc = open_service(tmp_path_factory.mktemp("monitoring") / "data", embedder)
    yield svc
    svc.close()


@pytest.fixture(scope="module")
def keys(service):
    return make_keys(service)


@pytest.fixture(scope="module")
def client(service):
    # A low per-key limit, so that a 429 is a few requests away; the test client's loopback address is the
    # trusted proxy (none is by default), so that its X-Request-ID is believed.
    return create_app({"key_rate_limit": "4 per minute", "trusted_proxies": TRUSTED}, service=service).test_client()


def scrape(client, token) -> dict[tuple[str, frozenset], float]:
    """{(sample name, its labels): value} of one GET /metrics."""
    response = client.get("/metrics", headers=bearer(token))
    assert response.status_code == 200, response.data
    assert response.mimetype == "text/plain"
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(response.text)
        for sample in family.samples
    }


def value(samples, name: str, **labels: str) -> float:
    return samples.get((name, frozenset(labels.items())), 0.0)


def grew(before, after, name: str, **labels: str) -> float:
    """How much a sample grew between two scrapes."""
    return value(after, name, **labels) - value(before, name, **labels)


def test_metrics_need_an_admin_key(client, keys):
    missing = client.get("/metrics")
    assert missing.status_code == 401 and missing.mimetype == "application/problem+json"
    assert client.get("/metrics", headers=bearer(keys["match"])).status_code == 403
    assert client.get("/metrics", headers=bearer(keys["revoked"])).status_code == 401
    assert REQUEST_SECONDS in client.get("/metrics", headers=bearer(keys["admin"])).text


def test_a_listed_scrape_address_needs_no_key(service):
    app = create_app({"metrics_addresses": "10.9.8.0/24, 192.0.2.7"}, service=service)
    listed = app.test_client().get("/metrics", environ_base={"REMOTE_ADDR": "10.9.8.20"})
    assert listed.status_code == 200 and "matcher_index_generation" in listed.text
    assert app.test_client().get("/metrics", environ_base={"REMOTE_ADDR": "10.9.9.1"}).status_code == 401
    assert app.test_client().get("/metrics").status_code == 401  # 127.0.0.1 is not listed


def test_requests_are_counted_by_route_and_status_and_matches_by_style(client, keys, service):
    before = scrape(client, keys["admin"])
    for _ in range(4):
        assert client.post("/v1/match", json=MATCH, headers=bearer(keys["match"])).status_code == 200
    assert client.post("/v1/match", json=MATCH, headers=bearer(keys["match"])).status_code == 429
    assert client.get("/v1/profiles/somebody-unknown", headers=bearer(keys["admin"])).status_code == 404
    assert client.get("/no/such/page").status_code == 404
    after = scrape(client, keys["admin"])

    def more(name, **labels):
        return grew(before, after, name, **labels)

    count = REQUEST_SECONDS + "_count"
    assert more(count, method="POST", route="/v1/match", status="200") == 4
    assert more(count, method="POST", route="/v1/match", status="429") == 1
    assert more(count, method="GET", route="/v1/profiles/<profile_id>", status="404") == 1
    assert more(count, method="GET", route="unmatched", status="404") == 1
    assert more(REQUEST_SECONDS + "_bucket", method="POST", route="/v1/match", status="200", le="+Inf") == 4
    assert more("matcher_matches_total", style="reverse", result="found") == 4
    # Routes are URL rules: neither the unknown id nor the unknown path became a label value.
    labels = " ".join(v for _, label_set in after for _, v in label_set)
    assert "somebody-unknown" not in labels and "/no/such/page" not in labels
    assert value(after, "matcher_index_generation") >= 1 and value(after, "matcher_index_profiles") >= 8
    assert value(after, "matcher_index_generation_age_seconds") >= 0
    assert value(after, "matcher_store_up") == 1 and value(after, "matcher_store_round_trip_seconds") > 0


def test_imports_and_reindexes_are_counted_and_logged_with_the_request_id(service, keys):
    client = create_app({"trusted_proxies": TRUSTED}, service=service).test_client()
    before = scrape(client, keys["admin"])
    person = profile("mia", 4, "I teach spreadsheet modelling for budgets in one session.", styles=["flash"])
    assert client.put("/v1/profiles/mia", json=person, headers=bearer(keys["admin"])).status_code == 201
    lines = {"json": io.StringIO(), "text": io.StringIO()}
    handlers = [logs.prepare(logging.StreamHandler(stream), kind) for kind, stream in lines.items()]
    logger = logging.getLogger("matcher.api")
    level = logger.level
    logger.setLevel(logging.INFO)
    for handler in handlers:
        logger.addHandler(handler)
    try:
        headers = {**bearer(keys["admin"]), "X-Request-ID": "reindex-7.a_b"}
        reindexed = client.post("/v1/reindex", headers=headers)
    finally:
        for handler in handlers:
            logger.removeHandler(handler)
        logger.setLevel(level)
    assert reindexed.status_code == 200 and reindexed.headers["X-Request-ID"] == "reindex-7.a_b"
    after = scrape(client, keys["admin"])
    assert grew(before, after, "matcher_reindexes_total", outcome="ok") == 1
    assert grew(before, after, "matcher_reindex_duration_seconds_count", outcome="ok") == 1
    assert grew(before, after, "matcher_reindexes_total", outcome="failed") == 0
    assert grew(before, after, "matcher_imported_profiles_total", result="added") == 1
    assert grew(before, after, "matcher_import_duration_seconds_count") >= 1

    records = [json.loads(line) for line in lines["json"].getvalue().splitlines()]
    done = [r for r in records if r["message"].startswith("reindex: generation=")]
    assert len(done) == 1 and done[0]["request_id"] == "reindex-7.a_b"
    assert {"timestamp", "level", "logger", "message", "request_id"} <= set(done[0])
    assert "[reindex-7.a_b]: reindex: generation=" in lines["text"].getvalue()


def test_a_request_id_is_made_when_absent_and_echoed_in_problem_details(client):
    response = client.get("/v1/profiles/x")  # no key: 401
    made = response.headers["X-Request-ID"]
    assert re.fullmatch(r"[0-9a-f]{32}", made)
    assert response.json["request_id"] == made
    assert client.get("/healthz").headers["X-Request-ID"] != made  # one per request


@pytest.mark.parametrize(
    "sent,kept",
    [
        ("abc-123_x.y", True),
        ("a" * 128, True),
        ("a" * 129, False),
        ("two words", False),
        ("../etc/passwd", False),
        ("", False),
    ],
)
def test_an_incoming_request_id_is_kept_only_when_well_formed(client, sent, kept):
    response = client.get("/v1/profiles/x", headers={"X-Request-ID": sent})
    assert (response.headers["X-Request-ID"] == sent) is kept
    assert response.json["request_id"] == response.headers["X-Request-ID"]


def test_an_incoming_request_id_is_kept_only_from_a_trusted_proxy(client, service):
    # MATCHER_TRUSTED_PROXIES is 127.0.0.1 and ::1 here: another address's id is replaced.
    response = client.get("/healthz", headers={"X-Request-ID": "from-anyone"}, environ_base={"REMOTE_ADDR": "10.1.2.3"})
    assert response.headers["X-Request-ID"] != "from-anyone"
    trusted = client.get("/healthz", headers={"X-Request-ID": "from-the-proxy"})
    assert trusted.headers["X-Request-ID"] == "from-the-proxy"
    # With no proxy configured (the default) no incoming id is believed, not even a loopback client's.
    unproxied = create_app({}, service=service).test_client()
    answer = unproxied.get("/healthz", headers={"X-Request-ID": "from-loopback"})
    assert answer.headers["X-Request-ID"] != "from-loopback"
