"""End to end over real HTTP: `gunicorn server:app` on a loopback port, keys made with the CLI,
every scope's paths (401 / 403 / 2xx), a few error paths, and the README's curl command."""

from __future__ import annotations

import json
import shutil
import subprocess

import pytest

from tests.api_people import NEED, PEOPLE
from tests.conftest import profile
from tests.live_server import ROOT, LiveServer, call, cli, load_profiles, tool

pytestmark = pytest.mark.slow  # a server, a child process, a browser or a benchmark: see pyproject markers


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory, embedder):
    path = tmp_path_factory.mktemp("e2e") / "data"
    load_profiles(path, embedder, PEOPLE)
    return path


@pytest.fixture(scope="module")
def server(data_dir, tmp_path_factory):
    command = [
        tool("gunicorn"),
        "server:app",
        "--bind",
        "127.0.0.1:{port}",
        "--worker-class",
        "gthread",
        "--threads",
        "4",
        "--workers",
        "1",
        "--timeout",
        "120",
    ]
    live = LiveServer(command, data_dir, tmp_path_factory.mktemp("e2e-log") / "server.log", max_body_bytes="65536")
    yield live.start()
    live.stop()


def create_key(data_dir, scope: str) -> str:
    done = cli(data_dir, "keys", "create", "--scope", scope, "--label", f"e2e {scope}")
    assert done.returncode == 0, done.stderr
    return done.stdout.strip().splitlines()[-1]


@pytest.fixture(scope="module")
def keys(data_dir, server):
    return {scope: create_key(data_dir, scope) for scope in ("match", "admin")}


def test_health_and_readiness(server, keys):
    assert call(server, "GET", "/healthz")[2] == {"status": "ok"}
    status, headers, body = call(server, "GET", "/readyz")
    assert (status, headers.get_content_type(), body) == (200, "application/json", {"ready": True, "draining": False})
    status, _, ready = call(server, "GET", "/readyz", key=keys["admin"])
    assert status == 200 and ready["ready"] and ready["profiles"] == len(PEOPLE)


def test_match_needs_a_key(server):
    status, headers, body = call(server, "POST", "/v1/match", {"need": NEED})
    mimetype = headers.get_content_type()
    assert (status, mimetype) == (401, "application/problem+json") and body["status"] == 401


def test_a_match_key_matches(server, keys):
    status, _, body = call(
        server, "POST", "/v1/match", {"need": NEED, "style": "reverse", "mentee": {"seniority": 9}}, key=keys["match"]
    )
    assert status == 200
    assert body["style"] == "reverse" and body["matches"][0]["mentor"]["id"] == "ana"
    assert all(m["mentor"]["seniority"] < 9 for m in body["matches"])
    assert body["matches"][0]["why"]["evidence"]


def test_a_match_key_cannot_write_or_reindex(server, keys):
    for method, path, body in [
        ("PUT", "/v1/profiles/zoe", profile("zoe", 2, "I teach Canva.")),
        ("GET", "/v1/profiles/ana", None),
        ("DELETE", "/v1/profiles/ana", None),
        ("POST", "/v1/profiles:batch", [profile("zoe", 2, "I teach Canva.")]),
        ("POST", "/v1/reindex", None),
    ]:
        status, headers, problem = call(server, method, path, body, key=keys["match"])
        mimetype = headers.get_content_type()
        assert (status, mimetype) == (403, "application/problem+json"), (method, path)
        assert "admin" in problem["detail"]


def test_an_admin_key_writes_and_the_next_match_sees_it(server, keys):
    person = profile(
        "zoe",
        2,
        "I make Instagram carousels and TikTok duets and teach leaders to post them.",
        styles=["reverse"],
        title="Junior Designer",
    )
    status, _, body = call(server, "PUT", "/v1/profiles/zoe", person, key=keys["admin"])
    assert status == 201 and body["status"] == "added"
    assert call(server, "GET", "/v1/profiles/zoe", key=keys["admin"])[2]["bio"] == person["bio"]
    lines = "\n".join(json.dumps(profile(f"e2e-{i}", 3, f"I teach spreadsheet trick number {i}.")) for i in range(3))
    status, _, batch = call(
        server,
        "POST",
        "/v1/profiles:batch",
        data=(lines + "\n{oops}\n").encode(),
        key=keys["admin"],
        content_type="application/x-ndjson",
    )
    assert status == 200 and batch["summary"] == {"added": 3, "updated": 0, "unchanged": 0, "rejected": 1}
    assert batch["results"][3]["line"] == 4
    status, _, result = call(server, "POST", "/v1/reindex", key=keys["admin"])
    assert status == 200 and result["profiles"] == len(PEOPLE) + 4
    found = call(
        server,
        "POST",
        "/v1/match",
        {"need": "Instagram carousels", "style": "reverse", "mentee": {"seniority": 9}},
        key=keys["match"],
    )[2]
    assert "zoe" in [m["mentor"]["id"] for m in found["matches"]]
    assert call(server, "DELETE", "/v1/profiles/zoe", key=keys["admin"])[0] == 204
    assert call(server, "GET", "/v1/profiles/zoe", key=keys["admin"])[0] == 404


def test_a_revoked_key_is_refused_at_once(server, data_dir):
    token = create_key(data_dir, "match")
    assert call(server, "POST", "/v1/match", {"need": NEED}, key=token)[0] == 200
    key_id = token.split("_")[1]
    listed = cli(data_dir, "keys", "list")
    assert key_id in listed.stdout and token.split("_", 2)[2] not in listed.stdout  # never the secret
    assert cli(data_dir, "keys", "revoke", key_id).returncode == 0
    status, _, problem = call(server, "POST", "/v1/match", {"need": NEED}, key=token)
    assert status == 401 and "not valid" in problem["detail"]


@pytest.mark.parametrize(
    "body,content_type,status",
    [
        (b'{"need": "x",', "application/json", 400),
        (b'{"need": "x"}', "text/plain", 415),
        (b'{"need": ""}', "application/json", 422),
        (json.dumps({"need": "x" * 70_000}).encode(), "application/json", 413),
    ],
)
def test_error_paths_over_http(server, keys, body, content_type, status):
    got, headers, problem = call(server, "POST", "/v1/match", key=keys["match"], data=body, content_type=content_type)
    mimetype = headers.get_content_type()
    assert (got, mimetype) == (status, "application/problem+json")
    assert problem["status"] == status and problem["detail"]


def test_unknown_route_and_method_over_http(server):
    for path, status in (("/v1/nothing", 404), ("/v1/match", 405)):
        got, headers, _ = call(server, "GET", path)
        assert (got, headers.get_content_type()) == (status, "application/problem+json")


@pytest.mark.skipif(shutil.which("curl") is None, reason="curl is not installed")
def test_the_readme_curl_command(server, keys):
    # curl -d sends application/x-www-form-urlencoded: the JSON body is still understood.
    body = json.dumps({"need": NEED, "style": "reverse", "mentee": {"seniority": 9}})
    done = subprocess.run(
        ["curl", "-s", "-H", f"Authorization: Bearer {keys['match']}", "-d", body, server.url + "/v1/match"],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=ROOT,
    )
    result = json.loads(done.stdout)
    assert result["matches"][0]["mentor"]["id"] == "ana"
