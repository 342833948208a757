"""Start the real server as a subprocess on a free loopback port, wait until it is ready, stop it.

Used by the browser and end-to-end tests. Bounded in time: start-up waits at most START_TIMEOUT
seconds (the model loads in the worker), and stopping escalates from SIGTERM to SIGKILL.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
START_TIMEOUT = 180.0
BIN = Path(sys.executable).parent


def free_port() -> int:
    """A TCP port free on 127.0.0.1 right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def tool(name: str) -> str:
    """A console script of the venv running the tests (mentor-match, gunicorn)."""
    found = shutil.which(name, path=str(BIN)) or shutil.which(name)
    if found is None:
        raise FileNotFoundError(f"{name} is not installed in {BIN}: run scripts/setup")
    return found


def server_env(data_dir: Path, **settings: str) -> dict[str, str]:
    """The environment of a server or CLI subprocess over `data_dir` (MATCHER_<NAME> per setting)."""
    env = dict(os.environ, HF_HUB_OFFLINE="1", MATCHER_DATA_DIR=str(data_dir), PYTHONUNBUFFERED="1")
    env.update({f"MATCHER_{key.upper()}": value for key, value in settings.items()})
    return env


def cli(data_dir: Path, *args: str) -> subprocess.CompletedProcess:
    """Run `mentor-match ARGS` over `data_dir`; returns the completed process (text output)."""
    return subprocess.run(
        [tool("mentor-match"), *args], env=server_env(data_dir), capture_output=True, text=True, timeout=120, cwd=ROOT
    )


def call(
    server,
    method: str,
    path: str,
    body=None,
    key: str | None = None,
    content_type="application/json",
    data: bytes | None = None,
    timeout: float = 120,
):
    """One HTTP request to a live server over a new connection: (status, headers, parsed JSON body or None).

    `body` is sent as JSON (bytes as they are), `data` as it is (with `content_type`); `key` as a bearer token. An error
    status is returned like any other, never raised.
    """
    if data is None and body is not None:
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
    request = urllib.request.Request(server.url + path, data=data, method=method)
    if data is not None:
        request.add_header("Content-Type", content_type)
    if key:
        request.add_header("Authorization", f"Bearer {key}")
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            status, headers, raw = response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        status, headers, raw = error.code, error.headers, error.read()
    return status, headers, (json.loads(raw) if raw and headers.get_content_type().endswith("json") else None)


class LiveServer:
    """A server subprocess: `command` gets {port} formatted in; `url` is its base URL once started."""

    def __init__(self, command: list[str], data_dir: Path, log_path: Path, **settings: str):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.command = [part.format(port=self.port) for part in command]
        self.env = server_env(data_dir, **settings)
        self.log_path = log_path
        self.process: subprocess.Popen | None = None

    def start(self) -> LiveServer:
        """Start and wait for /readyz to answer 200; raises with the server's log if it does not."""
        return self.launch().wait_ready()

    def launch(self) -> LiveServer:
        """Start the process without waiting (several servers then load their model side by side)."""
        self._log = open(self.log_path, "a")
        self.process = subprocess.Popen(
            self.command, env=self.env, stdout=self._log, stderr=subprocess.STDOUT, cwd=ROOT
        )
        return self

    def wait_ready(self) -> LiveServer:
        """Wait for /readyz to answer 200; raises with the server's log if it does not."""
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"server exited with {self.process.returncode}:\n{self.log()}")
            try:
                with urllib.request.urlopen(self.url + "/readyz", timeout=2) as response:
                    if response.status == 200 and json.load(response)["ready"]:
                        return self
            except (urllib.error.URLError, ConnectionError, TimeoutError, json.JSONDecodeError):
                pass
            time.sleep(0.5)
        self.stop()
        raise TimeoutError(f"server not ready after {START_TIMEOUT:.0f} s:\n{self.log()}")

    def stop(self) -> None:
        """SIGTERM (gunicorn stops gracefully), then SIGKILL after 30 s."""
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        if getattr(self, "_log", None):
            self._log.close()

    def terminate(self) -> None:
        """SIGTERM without waiting (stop() then waits)."""
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()

    def log(self) -> str:
        """The last part of the server's output."""
        try:
            return self.log_path.read_text(errors="replace")[-4000:]
        except OSError:
            return ""


def stop_all(servers) -> None:
    """Stop several servers side by side (each takes seconds to exit: its model is torn down)."""
    servers = list(servers)
    for server in servers:
        server.terminate()
    for server in servers:
        server.stop()


def load_profiles(data_dir: Path, embedder, people: list[dict], database_url: str = "") -> None:
    """Store `people` in `data_dir` (or in the PostgreSQL database at `database_url`) with the test
    session's model, and write an index generation, so that the server starts without embedding anything."""
    from matcher.config import Settings
    from matcher.service import MatchService

    service = MatchService(Settings(data_dir=data_dir, database_url=database_url), embedder=embedder).open()
    report = service.import_items(list(enumerate(people, start=1)), checkpoint=True)
    assert not report.rejected, report.rejected
    service.close()
