"""Run the app under a production WSGI server: gunicorn (gthread workers), or waitress where
gunicorn is not available (Windows).

Each gunicorn worker builds its own app after the fork (no preload): torch and faiss keep thread
pools that do not survive a fork, and the master stays small. The model and index load once per
worker; requests never reload them.

Metrics: the workers write their counters to a private folder made for this server (metrics.py), so
that a scrape of any worker adds up all of them; it is removed when the server stops. Logs: the access
line names the request id and the time taken; MATCHER_LOG_FORMAT=json makes every line a JSON object.
"""

from __future__ import annotations

import logging
import math
import os
import shutil
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from .. import logs
from ..metrics import MULTIPROC_ENV

log = logging.getLogger("matcher.serve")

TIMEOUT = 120  # seconds a worker may stay silent (a synchronous re-index of a large store takes a while)
GRACEFUL_TIMEOUT = 30
KEEPALIVE = 5
# gunicorn's default format without %(u)s, the user name of HTTP Basic credentials (the programme pages
# ignore it, but people type their own name or e-mail address into the browser's prompt), plus the
# request id and the milliseconds taken.
ACCESS_LOG_FORMAT = '%(h)s %(l)s - %(t)s "%(r)s" %(s)s %(b)s "%(f)s" "%(a)s" %({x-request-id}o)s %(M)sms'


def gunicorn_options(
    host: str, port: int, workers: int = 1, threads: int = 8, log_format: str = "text", drain_seconds: float = 0.0
) -> dict[str, Any]:
    """The gunicorn settings `serve` uses: gthread workers that drain for `drain_seconds` on SIGTERM
    (api/gworker.py), then finish their requests within the graceful timeout."""
    options: dict[str, Any] = {
        "bind": f"{host}:{port}",
        "workers": max(1, workers),
        "worker_class": "matcher.api.gworker.DrainingThreadWorker",
        "threads": max(1, threads),
        "timeout": TIMEOUT,
        "graceful_timeout": GRACEFUL_TIMEOUT + math.ceil(drain_seconds),  # whole seconds only
        "keepalive": KEEPALIVE,
        "preload_app": False,
        "accesslog": "-",
        "access_log_format": ACCESS_LOG_FORMAT,
        "errorlog": "-",
        "loglevel": "info",
        "proc_name": "mentor-match",
        "logger_class": gunicorn_logger(log_format),
        "child_exit": _worker_exited,
    }
    # gunicorn >= 24 opens a control socket at one fixed path per user: two servers would fight over it.
    options["control_socket_disable"] = True
    if os.path.isdir("/dev/shm"):
        options["worker_tmp_dir"] = "/dev/shm"  # heartbeat files off a possibly slow disk
    return options


def _app(host: str | None = None):
    from . import create_app

    logging.getLogger("matcher").setLevel(logging.INFO)
    return create_app(serving_host=host)


def serve(
    host: str = "127.0.0.1",
    port: int = 8000,
    workers: int = 1,
    threads: int = 8,
    log_format: str | None = None,
    drain_seconds: float | None = None,
) -> int:
    """Serve until stopped; returns the exit status.

    Args:
        host: address to bind (127.0.0.1 by default: put a proxy in front to expose it).
        port: TCP port.
        workers: processes (each loads the model: about 100 MB per worker).
        threads: threads per process.
        log_format: "text" or "json"; None: MATCHER_LOG_FORMAT.
        drain_seconds: on SIGTERM, keep serving this long with /readyz answering 503 before stopping
            (None: MATCHER_DRAIN_SECONDS; waitress stops at once).
    """
    if log_format is None or drain_seconds is None:
        from ..config import Settings

        settings = Settings.from_env()
        log_format = settings.log_format if log_format is None else log_format
        drain_seconds = settings.drain_seconds if drain_seconds is None else drain_seconds
    for handler in logging.getLogger().handlers:
        logs.prepare(handler, log_format)
    try:
        from gunicorn.app.base import BaseApplication

        from .gworker import DrainingThreadWorker
    except ImportError:  # pragma: no cover - Windows
        return _serve_waitress(host, port, threads)
    DrainingThreadWorker.drain_seconds = drain_seconds  # the workers fork from this process: they inherit it

    class MatcherApplication(BaseApplication):
        def __init__(self, options: dict[str, Any]):
            self.options = options
            super().__init__()

        def load_config(self) -> None:
            for key, value in self.options.items():
                if key in self.cfg.settings:  # settings this gunicorn version does not know are skipped
                    self.cfg.set(key, value)

        def load(self):
            return _app(host)

    if log_format == "text":
        print(
            f"serving on http://{host}:{port} with gunicorn ({workers} worker(s) x {threads} threads)",
            file=sys.stderr,
            flush=True,
        )
    with _metrics_folder():
        try:
            MatcherApplication(gunicorn_options(host, port, workers, threads, log_format, drain_seconds)).run()
        except SystemExit as exc:  # gunicorn exits through sys.exit
            return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    return 0


@contextmanager
def _metrics_folder() -> Iterator[str]:
    """PROMETHEUS_MULTIPROC_DIR: a new owner-only folder for this server's workers, removed when it stops.

    Set before any worker imports prometheus_client (which reads it once); a value from the environment
    is replaced, since files left by another run would be added up with this one's.
    """
    if "prometheus_client" in sys.modules:
        log.warning(
            "prometheus_client was imported before the server set %s: the workers' metrics will not add up",
            MULTIPROC_ENV,
        )
    previous = os.environ.get(MULTIPROC_ENV)
    path = tempfile.mkdtemp(prefix="mentor-match-metrics-")  # mode 0700
    os.environ[MULTIPROC_ENV] = path
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)
        if previous is None:
            os.environ.pop(MULTIPROC_ENV, None)
        else:
            os.environ[MULTIPROC_ENV] = previous


def _worker_exited(server, worker) -> None:
    """gunicorn's child_exit hook (in the master): forget the gauges of a worker that is gone."""
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)


def gunicorn_logger(log_format: str):
    """gunicorn's logger class: its error and access lines in `log_format`; in JSON the access line also
    has its parts as members (request_id, status, duration_ms, ...)."""
    from gunicorn.glogging import Logger

    class MatcherLogger(Logger):
        def setup(self, cfg) -> None:
            super().setup(cfg)
            if log_format == "json":
                for handler in self.error_log.handlers + self.access_log.handlers:
                    logs.prepare(handler, log_format)

        def access(self, resp, req, environ, request_time) -> None:
            if log_format != "json":
                return super().access(resp, req, environ, request_time)
            if not self.access_log_enabled:
                return None
            atoms = self.atoms(resp, req, environ, request_time)
            try:
                self.access_log.info(
                    self.cfg.access_log_format, self.atoms_wrapper_class(atoms), extra=_access_fields(atoms)
                )
            except Exception:  # as gunicorn's own access(): a log line must not fail a request
                self.error("access log line failed", exc_info=True)
            return None

    return MatcherLogger


def _access_fields(atoms: dict[str, Any]) -> dict[str, Any]:
    """The access line's parts as JSON members: the same facts as the text line (no Basic user name)."""
    status = str(atoms.get("s", ""))
    return {
        "request_id": atoms.get("{x-request-id}o") or logs.NO_REQUEST,
        "remote_addr": atoms.get("h"),
        "method": atoms.get("m"),
        "path": atoms.get("U"),
        "status": int(status) if status.isdigit() else status,
        "bytes": atoms.get("B"),
        "duration_ms": atoms.get("M"),
        "referer": atoms.get("f"),
        "user_agent": atoms.get("a"),
    }


def _serve_waitress(host: str, port: int, threads: int) -> int:  # pragma: no cover - Windows
    from waitress import serve as waitress_serve

    print(f"serving on http://{host}:{port} with waitress ({threads} threads)", file=sys.stderr, flush=True)
    waitress_serve(_app(host), host=host, port=port, threads=threads, ident="mentor-match")
    return 0
