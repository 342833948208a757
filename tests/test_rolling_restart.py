"""A rolling restart behind HAProxy (Debian's package), as README "When something fails" describes it: two
replicas checked on /readyz; each in turn gets SIGTERM and is started again while matches run through HAProxy.
No request fails: a replica told to stop answers /readyz 503 while it still serves (MATCHER_DRAIN_SECONDS),
HAProxy takes it out, and only then does it stop accepting and finish what it has.

HAProxy is installed by scripts/test (as root); without it the test is skipped, and fails under CI.
Loopback only; the load is bounded in time.
"""

from __future__ import annotations

import csv
import io
import shutil
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest

from matcher.config import Settings
from matcher.keys import KeyRing
from matcher.store import open_store
from tests.api_people import NEED, PEOPLE
from tests.http_load import Answer, Load, send
from tests.live_server import LiveServer, free_port, load_profiles, stop_all, tool
from tests.pg import in_ci

pytestmark = pytest.mark.slow  # a server, a child process, a browser or a benchmark: see pyproject markers

DRAIN_SECONDS = 2  # more than HAProxy needs to mark a server down: inter 300 ms x fall 2, plus a check's time
CHECK = "option httpchk GET /readyz\n    http-check expect status 200"
CONFIG = """\
global
    maxconn 200
defaults
    mode http
    timeout connect 2s
    timeout client 30s
    timeout server 30s
    timeout check 2s
    retries 3
    option redispatch
frontend api
    bind 127.0.0.1:{port}
    default_backend replicas
backend replicas
    balance roundrobin
    {check}
    default-server inter 300ms fall 2 rise 2
{servers}
listen stats
    bind 127.0.0.1:{stats}
    stats enable
    stats uri /stats
"""


def haproxy_binary() -> str:
    """Debian's haproxy (in /usr/sbin, not always on a user's PATH); skips the test without it (fails under CI)."""
    found = shutil.which("haproxy") or shutil.which("haproxy", path="/usr/sbin:/usr/local/sbin")
    if found is None:
        reason = "haproxy is not installed (scripts/test installs Debian's package when run as root)"
        if in_ci():
            pytest.fail(f"haproxy is required under CI: {reason}")
        pytest.skip(reason)
    return found


class HAProxy:
    """HAProxy as a child process in front of `servers`, with its stats page for the servers' states."""

    def __init__(self, binary: str, servers: dict[str, LiveServer], folder: Path):
        self.port, self.stats = free_port(), free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        lines = "\n".join(f"    server {name} 127.0.0.1:{s.port} check" for name, s in servers.items())
        self.config = folder / "haproxy.cfg"
        self.config.write_text(CONFIG.format(port=self.port, stats=self.stats, check=CHECK, servers=lines))
        checked = subprocess.run([binary, "-c", "-q", "-f", str(self.config)], capture_output=True, text=True)
        assert checked.returncode == 0, checked.stderr
        self.log_path = folder / "haproxy.log"
        self._log = open(self.log_path, "w")
        self.process = subprocess.Popen(
            [binary, "-db", "-f", str(self.config)], stdout=self._log, stderr=subprocess.STDOUT
        )

    def states(self) -> dict[str, str]:
        """{server name: UP | DOWN | ...} as HAProxy sees the replicas now."""
        with urllib.request.urlopen(f"http://127.0.0.1:{self.stats}/stats;csv", timeout=5) as response:
            rows = csv.DictReader(io.StringIO(response.read().decode().lstrip("# ")))
            return {
                row["svname"]: row["status"]
                for row in rows
                if row["pxname"] == "replicas" and row["svname"] not in ("BACKEND", "FRONTEND")
            }

    def wait_for(self, name: str, state: str, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while True:
            try:
                if self.states().get(name, "").startswith(state):
                    return
            except OSError:
                pass  # not listening yet
            assert time.monotonic() < deadline, f"HAProxy never saw {name} {state}: {self.log()}"
            time.sleep(0.1)

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")[-3000:]

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)
        self._log.close()


@pytest.fixture
def behind_haproxy(tmp_path, embedder):
    """(HAProxy, {"a": replica, "b": replica}, match key): two `mentor-match serve` on one data dir (SQLite)."""
    binary = haproxy_binary()
    data_dir = tmp_path / "data"
    load_profiles(data_dir, embedder, PEOPLE)
    store = open_store(Settings(data_dir=data_dir))
    _, key = KeyRing(store).create("match", "rolling restart test")
    store.close()
    command = [tool("mentor-match"), "serve", "--port", "{port}", "--workers", "1", "--threads", "4"]
    servers = {
        name: LiveServer(
            command,
            data_dir,
            tmp_path / f"{name}.log",
            backend=embedder.backend,
            drain_seconds=str(DRAIN_SECONDS),
            key_rate_limit="100000 per minute",
            address_rate_limit="100000 per minute",
        )
        for name in ("a", "b")
    }
    proxy = None
    try:
        for server in servers.values():
            server.launch()
        for server in servers.values():
            server.wait_ready()
        proxy = HAProxy(binary, servers, tmp_path)
        for name in servers:
            proxy.wait_for(name, "UP", 30)
        yield proxy, servers, key
    finally:
        if proxy is not None:
            proxy.stop()
        stop_all(servers.values())


def worker_id(server: LiveServer) -> str:
    """The id of the worker answering on `server` (the X-Worker-Id header), asked directly."""
    answer = send(server.url, "GET", "/readyz")
    assert answer.status == 200, answer.describe()
    return answer.headers["x-worker-id"]


def test_a_rolling_restart_behind_haproxy_fails_no_request(behind_haproxy):
    proxy, servers, key = behind_haproxy

    def match(n: int) -> Answer:
        return send(proxy.url, "POST", "/v1/match", {"need": NEED, "limit": 5}, key, 60, "match")

    restarted: dict[str, tuple[float, str]] = {}  # name: (when it was ready again, its new worker's id)
    load = Load(max_seconds=240).add(match, threads=3)
    with load:
        load.wait_for(lambda answers: sum(a.ok for a in answers) >= 10, 60, "matches through HAProxy")
        for name, server in servers.items():
            stopping = time.monotonic()
            server.process.terminate()  # SIGTERM, as systemd or an operator would send
            drained = [send(server.url, "GET", "/readyz")]  # still answered, but 503: a load balancer takes it out
            while drained[-1].status == 200 and time.monotonic() < stopping + DRAIN_SECONDS:
                time.sleep(0.05)
                drained.append(send(server.url, "GET", "/readyz"))
            assert drained[-1].status == 503 and drained[-1].body["draining"] is True, drained[-1].describe()
            proxy.wait_for(name, "DOWN", 30)
            server.process.wait(timeout=60)
            server.stop()  # closes its log; the process has exited
            load.wait_for(
                lambda answers, t=stopping: sum(a.ok and a.started > t for a in answers) >= 10,
                60,
                f"matches while {name} is down",
            )
            server.launch().wait_ready()
            proxy.wait_for(name, "UP", 60)
            restarted[name] = (time.monotonic(), worker_id(server))
        load.wait_for(
            lambda answers: all(
                any(a.started > t and a.headers and a.headers["x-worker-id"] == w for a in answers)
                for t, w in restarted.values()
            ),
            60,
            "both restarted replicas to serve through HAProxy",
        )
    answers = load.snapshot()

    failed = [a for a in answers if a.status != 200]
    assert not failed, f"{len(failed)} of {len(answers)} requests failed, first: {failed[0].describe()}"
    assert len(answers) >= 40
    for server in servers.values():
        assert "draining for" in server.log_path.read_text(errors="replace")
