"""A bounded HTTP load for the failure tests: threads that keep sending requests until told to stop (or a
deadline passes), every answer kept with when it started and ended.

Each request has a client timeout: a server that hangs shows up as an answer with `error` set, never as a
test that hangs. Loopback only, new connection per request (what a proxy or a simple client does).
"""

from __future__ import annotations

import http.client
import json
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit


@dataclass
class Answer:
    """One request and what came back (status None: no answer, `error` says why)."""

    kind: str
    target: str
    started: float
    ended: float
    status: int | None = None
    headers: dict[str, str] | None = None
    body: Any = None
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300

    def describe(self) -> str:
        detail = self.error or (self.body.get("detail") if isinstance(self.body, dict) else self.body)
        return f"{self.kind} on {self.target}: {self.status} {detail!r}"


def send(
    base_url: str,
    method: str,
    path: str,
    body: Any = None,
    token: str | None = None,
    timeout: float = 10.0,
    kind: str = "",
) -> Answer:
    """One request over a new connection; never raises (a failure is an Answer with `error`)."""
    parts = urlsplit(base_url)
    headers = {"Connection": "close"}
    data = None
    if body is not None:
        data = json.dumps(body).encode()
        headers["Content-Type"] = "application/json"
    if token:
        headers["Authorization"] = f"Bearer {token}"
    answer = Answer(kind or f"{method} {path}", base_url, time.monotonic(), 0.0)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=timeout)
    try:
        conn.request(method, path, body=data, headers=headers)
        response = conn.getresponse()
        raw = response.read()
        answer.status = response.status
        answer.headers = {k.lower(): v for k, v in response.getheaders()}
        content_type = answer.headers.get("content-type", "")
        answer.body = json.loads(raw) if raw and "json" in content_type else raw.decode(errors="replace")
    except (OSError, http.client.HTTPException, ValueError) as exc:
        answer.error = f"{type(exc).__name__}: {exc}"
    finally:
        conn.close()
        answer.ended = time.monotonic()
    return answer


class Load:
    """Threads running `step(n)` (n = 0, 1, ...) over and over; each step returns the Answer(s) it got.

    Bounded: every thread stops at `stop()` or after `max_seconds`, whichever comes first.
    """

    def __init__(self, max_seconds: float = 120.0):
        self.max_seconds = max_seconds
        self.answers: list[Answer] = []
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []

    def add(self, step: Callable[[int], Answer | list[Answer]], threads: int = 1) -> Load:
        for i in range(threads):
            self._threads.append(threading.Thread(target=self._run, args=(step, i, threads), daemon=True))
        return self

    def _run(self, step: Callable[[int], Answer | list[Answer]], first: int, stride: int) -> None:
        deadline = time.monotonic() + self.max_seconds
        n = first
        while not self._stop.is_set() and time.monotonic() < deadline:
            got = step(n)
            with self._lock:
                self.answers.extend(got if isinstance(got, list) else [got])
            n += stride

    def snapshot(self) -> list[Answer]:
        with self._lock:
            return list(self.answers)

    def wait_for(self, condition: Callable[[list[Answer]], bool], timeout: float, what: str) -> None:
        """Poll the answers so far until `condition` holds; fail the test after `timeout` seconds."""
        deadline = time.monotonic() + timeout
        while not condition(self.snapshot()):
            if time.monotonic() > deadline:
                raise AssertionError(
                    f"timed out after {timeout:.0f} s waiting for {what}; the last answers: "
                    f"{self.summary(time.monotonic() - timeout)}"
                )
            time.sleep(0.1)

    def summary(self, since: float = 0.0) -> dict[str, int]:
        """How many of each (server, kind, status or error) were answered since `since`: for failure messages."""
        counts = Counter(f"{a.target} {a.kind} {a.status or a.error}" for a in self.snapshot() if a.started >= since)
        return dict(sorted(counts.items()))

    def __enter__(self) -> Load:
        for thread in self._threads:
            thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=60)

    def __exit__(self, *exc) -> None:
        self.stop()
