"""Prometheus metrics of the service (prometheus-client), read at GET /metrics (api/monitoring.py).

Counters and histograms are made on first use, in the process that uses them. Under `mentor-match
serve` every gunicorn worker writes them to files in a private folder (PROMETHEUS_MULTIPROC_DIR, set by
api/serving.py before any worker imports prometheus_client), and a scrape of any worker adds up all
of them. Without that variable (the Flask test client, `gunicorn server:app` without it, the CLI) they
live in this process only; a CLI command's are never scraped.

Labels are bounded: a route is the URL rule (`/v1/profiles/<profile_id>`), never the path; a style is
one of the styles; no label carries anything a person wrote.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from types import SimpleNamespace
from typing import Any

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0)
JOB_BUCKETS = (0.1, 0.5, 1.0, 5.0, 15.0, 30.0, 60.0, 120.0, 300.0, 600.0, 1800.0, 3600.0)
REINDEX_OUTCOMES = ("ok", "busy", "failed")
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


_made: list[SimpleNamespace] = []
_making = threading.Lock()


def _metrics() -> SimpleNamespace:
    """This process's metrics, made once (by the first thread that needs them: registering twice fails)."""
    if not _made:
        with _making:
            if not _made:
                _made.append(_make())
    return _made[0]


def _make() -> SimpleNamespace:
    from prometheus_client import Counter, Histogram

    made = SimpleNamespace(
        requests=Histogram(
            "matcher_http_request_duration_seconds",
            "HTTP requests by method, route (the URL rule) and status: time to the response",
            ["method", "route", "status"],
            buckets=LATENCY_BUCKETS,
        ),
        matches=Counter(
            "matcher_matches", "Matches by style and result (found, none, budget_exceeded)", ["style", "result"]
        ),
        reindex_seconds=Histogram(
            "matcher_reindex_duration_seconds", "Re-indexes that finished, by outcome", ["outcome"], buckets=JOB_BUCKETS
        ),
        reindexes=Counter(
            "matcher_reindexes", "Re-indexes by outcome (ok, busy: another was running, failed)", ["outcome"]
        ),
        import_seconds=Histogram(
            "matcher_import_duration_seconds",
            "Profile imports (a batch, a PUT, a CLI import), whole",
            buckets=JOB_BUCKETS,
        ),
        imported=Counter(
            "matcher_imported_profiles",
            "Profiles imported, by result (added, updated, unchanged, rejected)",
            ["result"],
        ),
        webhooks=Counter(
            "matcher_webhook_deliveries",
            "Webhook delivery attempts by event type and outcome (delivered, retry, failed: given up)",
            ["type", "outcome"],
        ),
    )
    # Shown at 0 from the start: an alert on increase(...{outcome="failed"}) needs the series before the first one.
    for outcome in REINDEX_OUTCOMES:
        made.reindexes.labels(outcome)
    return made


def count_webhook(event_type: str, outcome: str) -> None:
    """One webhook delivery attempt: "delivered", "retry" (to be tried again) or "failed" (given up)."""
    _metrics().webhooks.labels(event_type, outcome).inc()


def observe_request(method: str, route: str, status: int, seconds: float) -> None:
    """One HTTP request answered (`route`: the URL rule, or "unmatched")."""
    _metrics().requests.labels(method if method in METHODS else "other", route, str(status)).observe(seconds)


def count_match(style: str, result: str) -> None:
    """One match answered ("found", "none") or given up ("budget_exceeded")."""
    _metrics().matches.labels(style, result).inc()


@contextmanager
def reindex_timer() -> Iterator[None]:
    """Time and count a re-index: "ok", "busy" (ReindexRunning) or "failed" (any other error)."""
    from .errors import ReindexRunning

    started = time.perf_counter()
    outcome = "failed"
    try:
        yield
        outcome = "ok"
    except ReindexRunning:
        outcome = "busy"
        raise
    finally:
        metrics = _metrics()
        metrics.reindexes.labels(outcome).inc()
        if outcome != "busy":
            metrics.reindex_seconds.labels(outcome).observe(time.perf_counter() - started)


def observe_import(summary: dict[str, int], seconds: float) -> None:
    """One import finished: its duration and its summary ({"added": n, "updated": n, ...})."""
    metrics = _metrics()
    metrics.import_seconds.observe(seconds)
    for result, count in summary.items():
        if count:
            metrics.imported.labels(result).inc(count)


def exposition(collectors: Iterable[Any] = ()) -> tuple[bytes, str]:
    """(body, content type) of a scrape: every process's metrics (or this process's when not under
    `mentor-match serve`), plus `collectors` (computed now, in this process)."""
    from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, generate_latest

    _metrics()  # a process that has not served anything yet still shows every metric's help and type
    registry = CollectorRegistry()
    if os.environ.get(MULTIPROC_ENV):
        from prometheus_client import multiprocess

        multiprocess.MultiProcessCollector(registry)
    else:
        registry.register(_Forward(REGISTRY))
    for collector in collectors:
        registry.register(collector)
    return generate_latest(registry), CONTENT_TYPE_LATEST


class _Forward:
    """The metrics of another registry (this process's default one) inside a per-scrape registry."""

    def __init__(self, registry):
        self.registry = registry

    def collect(self):
        return self.registry.collect()
