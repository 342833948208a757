"""Whose word the server takes (issue 21, defect 3), with Flask's test client: the trusted user header only
from a configured proxy address (none by default), the Host header against MATCHER_ALLOWED_HOSTS (a
DNS-rebinding page sends the attacker's name), and the form's rate limit per address when no proxy vouches
for the user. `test_a_live_loopback_server_*` checks the same on `mentor-match serve` at 127.0.0.2."""

from __future__ import annotations

import base64
import http.client
import re

import pytest

from matcher.api import create_app
from matcher.config import Settings, SettingsError
from tests.api_people import NEED, PEOPLE, bearer, make_keys, open_service
from tests.live_server import LiveServer, cli, load_profiles, tool
from tests.test_programmes import COHORT, LEADERS, MENTORS

BOSS = "boss@example.com"
REBOUND = "rebind.attacker.example:8000"  # the name a DNS-rebinding page was loaded from
TOKEN = re.compile(r'name="csrf_token" value="([0-9a-f]{64})"')


def basic(key: str) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"anyone:{key}".encode()).decode()}


@pytest.fixture(scope="module")
def service(tmp_path_factory, embedder):
    svc = open_service(tmp_path_factory.mktemp("hosts") / "data", embedder, people=MENTORS + LEADERS)
    yield svc
    svc.close()


@pytest.fixture(scope="module")
def keys(service):
    return make_keys(service)


@pytest.fixture
def pid(service):
    view = service.programmes.create({"name": "Reverse mentoring 2027", "style": "reverse", "cohort": COHORT})
    service.programmes.run(view.record.id)
    return view.record.id


def published(service, pid) -> int:
    return sum(pair.status == "published" for pair in service.programmes.view(pid).pairs.values())


# -- the trusted user header ---------------------------------------------------------------------------


def test_without_a_configured_proxy_the_user_header_is_nobody_s_word(service, pid):
    """No MATCHER_TRUSTED_PROXIES: a loopback client sending X-Forwarded-User is neither admin nor signed in."""
    pages = create_app({"admin_users": BOSS}, service=service, serving_host="127.0.0.1").test_client()
    for url in ("/programmes", f"/programmes/{pid}", f"/programmes/{pid}/pairs.csv"):
        response = pages.get(url, headers={"X-Forwarded-User": BOSS})
        assert response.status_code == 401 and "WWW-Authenticate" in response.headers, url
        assert "Person lea" not in response.get_data(as_text=True)
    form = create_app(service=service, serving_host="0.0.0.0").test_client()  # the form needs a signed-in user
    for response in (
        form.get("/", headers={"X-Forwarded-User": "ana@example.com"}),
        form.post("/", data={"need": NEED}, headers={"X-Forwarded-User": "ana@example.com"}),
    ):
        assert response.status_code == 403 and "Sign in first" in response.get_data(as_text=True)
        assert "Signed in as" not in response.get_data(as_text=True)


def test_the_user_header_is_believed_from_a_configured_proxy_address_only(service, pid):
    app = create_app(
        {"admin_users": BOSS, "trusted_proxies": "127.0.0.1,10.9.8.0/24"}, service=service, serving_host="0.0.0.0"
    )
    client = app.test_client()
    for address in ("127.0.0.1", "10.9.8.7"):
        page = client.get(
            f"/programmes/{pid}", headers={"X-Forwarded-User": BOSS}, environ_base={"REMOTE_ADDR": address}
        )
        assert page.status_code == 200 and f"Signed in as {BOSS}" in page.get_data(as_text=True), address
        form = client.get("/", headers={"X-Forwarded-User": "ana@example.com"}, environ_base={"REMOTE_ADDR": address})
        assert form.status_code == 200 and "Signed in as ana@example.com" in form.get_data(as_text=True)
    for address in ("127.0.0.2", "10.9.9.1"):  # another loopback address is no configured proxy either
        assert (
            client.get(
                "/programmes", headers={"X-Forwarded-User": BOSS}, environ_base={"REMOTE_ADDR": address}
            ).status_code
            == 401
        ), address
        assert (
            client.get(
                "/", headers={"X-Forwarded-User": "ana@example.com"}, environ_base={"REMOTE_ADDR": address}
            ).status_code
            == 403
        ), address


def test_rotating_the_user_header_does_not_get_round_the_form_s_limit(service):
    """Not vouched for by a proxy, every search from one address shares that address's allowance."""
    client = create_app({"form_rate_limit": "2 per minute"}, service=service, serving_host="127.0.0.1").test_client()
    answers = [
        client.post("/", data={"need": NEED}, headers={"X-Forwarded-User": f"user{n}@example.com"}).status_code
        for n in range(3)
    ]
    assert answers == [200, 200, 429]
    # Vouched for by a configured proxy, each user has their own allowance (one cannot lock out the others).
    proxied = create_app(
        {"form_rate_limit": "2 per minute", "trusted_proxies": "127.0.0.1"}, service=service, serving_host="127.0.0.1"
    ).test_client()
    answers = [
        proxied.post("/", data={"need": NEED}, headers={"X-Forwarded-User": f"user{n}@example.com"}).status_code
        for n in (1, 1, 1, 2)
    ]
    assert answers == [200, 200, 429, 200]


# -- the Host header -------------------------------------------------------------------------------------


def test_a_foreign_host_gets_no_page_no_token_and_cannot_publish(service, keys, pid):
    client = create_app(
        {"admin_users": BOSS, "trusted_proxies": "127.0.0.1"}, service=service, serving_host="127.0.0.1"
    ).test_client()
    for who in (basic(keys["admin"]), {"X-Forwarded-User": BOSS}):
        good = client.get(f"/programmes/{pid}", headers=who)  # the test client's Host: localhost
        assert good.status_code == 200
        token = TOKEN.search(good.get_data(as_text=True)).group(1)
        for method, url, data in (
            ("GET", "/programmes", None),
            ("GET", f"/programmes/{pid}", None),
            ("GET", f"/programmes/{pid}/pairs.csv", None),
            ("POST", f"/programmes/{pid}/pairs", {"action": "approve-all", "csrf_token": token}),
            ("POST", f"/programmes/{pid}/publish", {"csrf_token": token}),
        ):
            response = client.open(url, method=method, data=data, headers={**who, "Host": REBOUND})
            body = response.get_data(as_text=True)
            assert response.status_code == 400 and response.mimetype == "text/plain", (url, response.status_code)
            assert "MATCHER_ALLOWED_HOSTS" in body and not TOKEN.search(body) and "Person lea" not in body
    assert published(service, pid) == 0
    assert {pair.status for pair in service.programmes.view(pid).pairs.values()} <= {"proposed", "unmatched"}
    # The API refuses it too (a problem document), whatever the key.
    response = client.get("/v1/programmes", headers={**bearer(keys["admin"]), "Host": REBOUND})
    assert response.status_code == 400 and response.mimetype == "application/problem+json"
    assert response.get_json()["status"] == 400 and "MATCHER_ALLOWED_HOSTS" in response.get_json()["detail"]
    # Health checks answer any Host (a load balancer asks with the backend's address): no data, no state.
    assert client.get("/healthz", headers={"Host": REBOUND}).status_code == 200
    assert client.get("/readyz", headers={"Host": REBOUND}).status_code == 200


def test_the_open_loopback_form_refuses_a_foreign_host(service):
    client = create_app(service=service, serving_host="127.0.0.1").test_client()  # form "auto": open on loopback
    for host in (REBOUND, "localhost.attacker.example", "127.0.0.1.nip.io:8000", "evil.example:notaport"):
        for response in (
            client.get("/", headers={"Host": host}),
            client.post("/", data={"need": NEED}, headers={"Host": host}),
        ):
            assert response.status_code == 400, host
            assert '<li class="card">' not in response.get_data(as_text=True)
    for host in ("localhost", "localhost:8000", "LOCALHOST.", "127.0.0.1:8000", "[::1]:8000", "[::1]"):
        response = client.post("/", data={"need": NEED}, headers={"Host": host})
        assert response.status_code == 200 and '<li class="card">' in response.get_data(as_text=True), host


def test_the_allowed_hosts_are_a_setting_plus_the_address_served_on(service):
    def status(host: str, serving_host: str | None = None, **config) -> int:
        app = create_app(config, service=service, serving_host=serving_host)
        return app.test_client().get("/openapi.json", headers={"Host": host}).status_code

    assert status("10.1.2.3:8000", serving_host="10.1.2.3") == 200  # `serve --host 10.1.2.3`
    assert status("10.1.2.3:8000", serving_host="0.0.0.0") == 400  # every address: none of them is added
    assert status("0.0.0.0:8000", serving_host="0.0.0.0") == 400
    mine = {"allowed_hosts": "mentors.example.com, .corp.example, 10.0.0.11, [fd00::1]"}
    for host in (
        "mentors.example.com",
        "mentors.example.com:443",
        "corp.example",
        "hr.corp.example:8000",
        "10.0.0.11:8000",
        "[fd00::1]:8000",
        "[fd00:0::1]",
    ):
        assert status(host, **mine) == 200, host
    for host in ("localhost", "127.0.0.1:8000", "mentors.example.com.evil.example", "xcorp.example", "[fd00::2]"):
        assert status(host, **mine) == 400, host
    assert status("anything.example", allowed_hosts="*") == 200


@pytest.mark.parametrize(
    "value, reason",
    [
        ("mentors.example.com:8443", "without a port"),
        ("https://mentors.example.com", "not a host name"),
        ("*.example.com", "not a host name"),
        ("[::1", "not a host name"),
        ("*,localhost", "alone"),
    ],
)
def test_a_bad_allowed_host_is_refused_naming_it(value, reason):
    with pytest.raises(SettingsError, match=re.escape(f"MATCHER_ALLOWED_HOSTS={value!r}") + ".*" + reason):
        Settings.from_env(allowed_hosts=value)


# -- end to end --------------------------------------------------------------------------------------------


def ask(port: int, method: str, path: str, headers: dict[str, str], body: str | None = None) -> tuple[int, str]:
    """One request to 127.0.0.2:port with exactly these headers (Host included)."""
    conn = http.client.HTTPConnection("127.0.0.2", port, timeout=60)
    try:
        conn.putrequest(method, path, skip_host=True, skip_accept_encoding=True)
        body_bytes = (body or "").encode()
        for name, value in {**headers, "Content-Length": str(len(body_bytes))}.items():
            conn.putheader(name, value)
        if body is not None:
            conn.putheader("Content-Type", "application/x-www-form-urlencoded")
        conn.endheaders(body_bytes)
        response = conn.getresponse()
        return response.status, response.read().decode("utf-8", "replace")
    finally:
        conn.close()


@pytest.mark.slow
def test_a_live_loopback_server_ignores_the_header_and_refuses_a_rebound_host(tmp_path, embedder):
    data_dir = tmp_path / "data"
    load_profiles(data_dir, embedder, PEOPLE)
    command = [tool("mentor-match"), "serve", "--host", "127.0.0.2", "--port", "{port}", "--threads", "2"]
    live = LiveServer(command, data_dir, tmp_path / "server.log", admin_users="alice")
    live.url = f"http://127.0.0.2:{live.port}"
    live.start()
    try:
        key = cli(data_dir, "keys", "create", "--scope", "admin").stdout.strip().splitlines()[-1]
        own = f"127.0.0.2:{live.port}"
        status, body = ask(live.port, "GET", "/programmes", {"Host": own, "X-Forwarded-User": "alice"})
        assert status == 401 and "Signed in as alice" not in body
        status, body = ask(live.port, "GET", "/programmes", {"Host": own, **basic(key)})
        assert status == 200 and "Signed in as admin key" in body
        status, body = ask(
            live.port, "GET", "/programmes", {"Host": f"rebind.attacker.example:{live.port}", **basic(key)}
        )
        assert status == 400 and not TOKEN.search(body)
        form = "need=" + NEED.replace(" ", "+")
        status, body = ask(live.port, "POST", "/", {"Host": f"rebind.attacker.example:{live.port}"}, form)
        assert status == 400 and '<li class="card">' not in body
        status, body = ask(live.port, "POST", "/", {"Host": own}, form)
        assert status == 200 and '<li class="card">' in body
    finally:
        live.stop()
