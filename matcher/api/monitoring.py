"""GET /metrics (Prometheus text format), the per-request timing behind it, and the request id header.

/metrics shows operations data (routes, status counts, latencies, index generation, store round trip),
never people's data, yet only to those who run the service: an `admin` key, or a peer address listed in
MATCHER_METRICS_ADDRESSES (a Prometheus server scraping the replica directly). See SECURITY.md.
"""

from __future__ import annotations

import ipaddress
import re
import time
from functools import lru_cache

from flask import Blueprint, Flask, Response, g, request

from .. import metrics
from .auth import authenticate
from .context import service, settings
from .request_id import HEADER, current
from .signin import parse_networks

bp = Blueprint("monitoring", __name__)
GENERATION_NUMBER = re.compile(r"gen-(\d+)")


def install(app: Flask) -> None:
    """Time every request and give it an id: first of the app's before-request hooks (so that a request
    the rate limiter refuses is timed too), and an after-request hook that records it."""
    app.before_request_funcs.setdefault(None, []).insert(0, _started)
    app.after_request(_finished)
    app.register_blueprint(bp)


def _started() -> None:
    g.request_started = time.perf_counter()


def _finished(response: Response) -> Response:
    response.headers[HEADER] = current()
    started = g.get("request_started")
    if started is not None:
        route = request.url_rule.rule if request.url_rule is not None else "unmatched"
        metrics.observe_request(request.method, route, response.status_code, time.perf_counter() - started)
    return response


def may_read_metrics() -> None:
    """Allow the request, or raise 401/403: a listed scrape address passes, anyone else needs an admin key.

    Kept apart so that it can become the one "is this an operator" check that /readyz's details use too.
    """
    if _listed(request.remote_addr, settings().metrics_addresses):
        return
    authenticate("admin")


@lru_cache(maxsize=8)
def _networks(value: str) -> tuple:
    return parse_networks(value)


def _listed(address: str | None, networks: str) -> bool:
    if not networks:
        return False
    try:
        ip = ipaddress.ip_address(address or "")
    except ValueError:
        return False
    return any(ip in network for network in _networks(networks))


@bp.get("/metrics")
def scrape():
    """Every worker's counters and histograms, and this worker's index and store facts, measured now."""
    may_read_metrics()
    body, content_type = metrics.exposition([IndexCollector(service())])
    return Response(body, content_type=content_type)


class IndexCollector:
    """This process's index generation (number, age) and a timed round trip to the store."""

    def __init__(self, svc):
        self.service = svc

    def collect(self):
        from prometheus_client.core import GaugeMetricFamily

        status = self.service.status()
        name = status["generation"]
        found = GENERATION_NUMBER.fullmatch(name or "")
        yield GaugeMetricFamily(
            "matcher_index_generation",
            "Number of the index generation this process serves (0: none yet)",
            value=int(found[1]) if found else 0,
        )
        yield GaugeMetricFamily("matcher_index_profiles", "Profiles in this process's index", value=status["profiles"])
        manifest = _manifest(self.service, name) if name else None
        if manifest is not None:
            yield GaugeMetricFamily(
                "matcher_index_generation_age_seconds",
                "Time since the served generation was written (by a re-index, or a CLI import at its end)",
                value=time.time() - manifest["created_at"],
            )
        started = time.perf_counter()
        try:
            self.service.store.current_seq()
            up, seconds = 1, time.perf_counter() - started
        except Exception:  # a store that does not answer is what this reports
            up, seconds = 0, time.perf_counter() - started
        yield GaugeMetricFamily("matcher_store_up", "1 when the store answered this scrape's round trip", value=up)
        yield GaugeMetricFamily(
            "matcher_store_round_trip_seconds",
            "Time of one small query to the store, measured at this scrape",
            value=seconds,
        )


def _manifest(svc, name: str) -> dict | None:
    try:
        return _cached_manifest(svc.generations, name)
    except (OSError, ValueError, KeyError):
        return None


@lru_cache(maxsize=4)
def _cached_manifest(generations, name: str) -> dict:
    manifest = generations.manifest(name)  # a generation is written once: its manifest never changes
    return {"created_at": float(manifest["created_at"])}
