"""HTTP side of scripts/bench.py: start `mentor-match serve` on a loopback port, drive /v1/match with a
bounded load generator (threads + http.client, a fixed number of requests and a time cap), and
summarise latencies.
"""

from __future__ import annotations

import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path


def free_port() -> int:
    """A free TCP port on 127.0.0.1."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def percentile(values: list[float], q: float) -> float:
    """The q-th percentile (0..100) by linear interpolation; nan for no values."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    pos = (len(ordered) - 1) * q / 100
    lo, hi = int(pos), min(int(pos) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (pos - lo)


def summary(latencies_ms: list[float]) -> dict[str, float]:
    """p50, p95, p99 and mean of a list of latencies in ms."""
    return {
        "n": len(latencies_ms),
        "p50_ms": round(percentile(latencies_ms, 50), 2),
        "p95_ms": round(percentile(latencies_ms, 95), 2),
        "p99_ms": round(percentile(latencies_ms, 99), 2),
        "mean_ms": round(sum(latencies_ms) / len(latencies_ms), 2) if latencies_ms else float("nan"),
    }


class Server:
    """`mentor-match serve` in a child process, bound to 127.0.0.1; stopped by `stop()` (SIGTERM, then SIGKILL)."""

    def __init__(self, env: dict[str, str], workers: int, threads: int, log_path: Path, ready_timeout: float = 600):
        self.port = free_port()
        self.log_path = log_path
        self._log = open(log_path, "wb")
        cli = Path(sys.executable).with_name("mentor-match")
        cmd = [
            str(cli) if cli.exists() else sys.executable,
            *([] if cli.exists() else ["-m", "matcher.cli"]),
            "serve",
            "--host",
            "127.0.0.1",
            "--port",
            str(self.port),
            "--workers",
            str(workers),
            "--threads",
            str(threads),
        ]
        self.proc = subprocess.Popen(cmd, env=env, stdout=self._log, stderr=subprocess.STDOUT, start_new_session=True)
        self._wait_ready(ready_timeout)

    def _wait_ready(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited with {self.proc.returncode}; see {self.log_path}")
            try:
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
                conn.request("GET", "/readyz")
                ok = conn.getresponse().status == 200
                conn.close()
                if ok:
                    return
            except OSError:
                pass
            time.sleep(0.5)
        self.stop()
        raise RuntimeError(f"server not ready within {timeout:.0f} s; see {self.log_path}")

    def stop(self) -> None:
        """Stop the server and its workers (its own process group only)."""
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=10)
        self._log.close()

    def rss_mb(self) -> float:
        """Resident memory of the server and its workers, in MB (Pss where available: shared pages split)."""
        total = 0.0
        pids = [self.proc.pid] + _children(self.proc.pid)
        for pid in pids:
            total += _pss_kb(pid) / 1024
        return round(total, 1)


def _children(pid: int) -> list[int]:
    try:
        out = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout
    except FileNotFoundError:
        return []
    kids = [int(x) for x in out.split()]
    return kids + [g for k in kids for g in _children(k)]


def _pss_kb(pid: int) -> float:
    for name in (f"/proc/{pid}/smaps_rollup", f"/proc/{pid}/status"):
        try:
            with open(name) as fh:
                for line in fh:
                    if line.startswith(("Pss:", "VmRSS:")):
                        return float(line.split()[1])
        except OSError:
            continue
    return 0.0


@dataclass
class Client:
    """One keep-alive connection to the server, posting /v1/match with an API key."""

    port: int
    token: str
    conn: http.client.HTTPConnection | None = field(default=None, repr=False)

    def match(self, body: dict, token: str | None = None) -> tuple[int, float]:
        """POST one request (with `token`, else the client's); returns (status, latency in ms).
        Reconnects once on a dropped connection."""
        payload = json.dumps(body).encode()
        headers = {"Content-Type": "application/json", "Authorization": f"Bearer {token or self.token}"}
        for attempt in (0, 1):
            if self.conn is None:
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)
            started = time.perf_counter()
            try:
                self.conn.request("POST", "/v1/match", body=payload, headers=headers)
                response = self.conn.getresponse()
                response.read()
                return response.status, (time.perf_counter() - started) * 1000
            except (http.client.HTTPException, OSError):
                self.conn.close()
                self.conn = None
                if attempt:
                    return 0, (time.perf_counter() - started) * 1000
        return 0, 0.0  # pragma: no cover

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()


@dataclass
class Tally:
    """What a load level got back: latencies of the answered requests, failures counted by status."""

    latencies: list[float] = field(default_factory=list)
    errors: dict[str, int] = field(default_factory=dict)

    def add(self, status: int, ms: float) -> None:
        """Count one request (status 0: no answer)."""
        if status == 200:
            self.latencies.append(ms)
        else:
            self.errors[str(status)] = self.errors.get(str(status), 0) + 1

    def report(self, concurrency: int, asked: int, wall: float, busy: float) -> dict:
        """Percentiles, counts and requests/s (answered requests over `busy` seconds)."""
        done = len(self.latencies) + sum(self.errors.values())
        return {
            "concurrency": concurrency,
            "requests": done,
            "ok": len(self.latencies),
            "errors": self.errors,
            "seconds": round(wall, 2),
            "rps": round(len(self.latencies) / busy, 2) if busy else 0.0,
            "capped": done < asked,
            **summary(self.latencies),
        }


def _tokens(token: str | list[str]) -> list[str]:
    return [token] if isinstance(token, str) else list(token)


def run_load(port: int, token: str | list[str], bodies: list[dict], concurrency: int, time_cap: float) -> dict:
    """Send the bodies (each once) over `concurrency` connections, stopping at the time cap. With several
    tokens, body i goes with token i mod their count (callers each with their own query cache).

    Returns latency percentiles of the successful requests, requests/s, and error counts.
    """
    tokens = _tokens(token)
    lock = threading.Lock()
    next_index = [0]
    tally = Tally()
    deadline = time.monotonic() + time_cap

    def worker() -> None:
        client = Client(port, tokens[0])
        try:
            while time.monotonic() < deadline:
                with lock:
                    i = next_index[0]
                    next_index[0] += 1
                if i >= len(bodies):
                    return
                status, ms = client.match(bodies[i], tokens[i % len(tokens)])
                with lock:
                    tally.add(status, ms)
        finally:
            client.close()

    started = time.perf_counter()
    threads = [threading.Thread(target=worker, daemon=True) for _ in range(concurrency)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(time_cap + 150)
    wall = time.perf_counter() - started
    return tally.report(concurrency, len(bodies), wall, wall)


def run_interleaved(port: int, token: str | list[str], bodies: list[dict], floor, time_cap: float) -> tuple[dict, dict]:
    """Concurrency 1, alternating one in-process floor call and one HTTP request per body, so that both
    see the same machine load (the machine is shared and noisy). `floor(body)` returns ms. Tokens as in
    run_load.

    Returns (http summary, floor summary).
    """
    tokens = _tokens(token)
    client = Client(port, tokens[0])
    tally = Tally()
    floors: list[float] = []
    deadline = time.monotonic() + time_cap
    started = time.perf_counter()
    http_seconds = 0.0
    try:
        for i, body in enumerate(bodies):
            if time.monotonic() >= deadline:
                break
            floors.append(floor(body))
            status, ms = client.match(body, tokens[i % len(tokens)])
            http_seconds += ms / 1000
            tally.add(status, ms)
    finally:
        client.close()
    wall = time.perf_counter() - started
    # One client waiting on each answer: requests/s over the time spent in requests (floor calls excluded).
    return tally.report(1, len(bodies), wall, http_seconds), summary(floors)
