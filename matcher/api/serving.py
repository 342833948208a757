"""Run the app under a production WSGI server: gunicorn (gthread workers), or waitress where
gunicorn is not available (Windows).

Each gunicorn worker builds its own app after the fork (no preload): torch and faiss keep thread
pools that do not survive a fork, and the master stays small. The model and index load once per
worker; requests never reload them.
"""

from __future__ import annotations

import logging
import os
import sys
from typing import Any

log = logging.getLogger("matcher.serve")

TIMEOUT = 120  # seconds a worker may stay silent (a synchronous re-index of a large store takes a while)
GRACEFUL_TIMEOUT = 30
KEEPALIVE = 5


def gunicorn_options(host: str, port: int, workers: int = 1, threads: int = 8) -> dict[str, Any]:
    """The gunicorn settings `serve` uses."""
    options: dict[str, Any] = {
        "bind": f"{host}:{port}",
        "workers": max(1, workers),
        "worker_class": "gthread",
        "threads": max(1, threads),
        "timeout": TIMEOUT,
        "graceful_timeout": GRACEFUL_TIMEOUT,
        "keepalive": KEEPALIVE,
        "preload_app": False,
        "accesslog": "-",
        # gunicorn's default format without %(u)s, the user name of HTTP Basic credentials: the programme pages
        # ignore it, but people type their own name or e-mail address into the browser's prompt.
        "access_log_format": '%(h)s %(l)s - %(t)s "%(r)s" %(s)s %(b)s "%(f)s" "%(a)s"',
        "errorlog": "-",
        "loglevel": "info",
        "proc_name": "mentor-match",
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


def serve(host: str = "127.0.0.1", port: int = 8000, workers: int = 1, threads: int = 8) -> int:
    """Serve until stopped; returns the exit status.

    Args:
        host: address to bind (127.0.0.1 by default: put a proxy in front to expose it).
        port: TCP port.
        workers: processes (each loads the model: about 100 MB per worker).
        threads: threads per process.
    """
    try:
        from gunicorn.app.base import BaseApplication
    except ImportError:  # pragma: no cover - Windows
        return _serve_waitress(host, port, threads)

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

    print(f"serving on http://{host}:{port} with gunicorn ({workers} worker(s) x {threads} threads)",
          file=sys.stderr, flush=True)
    try:
        MatcherApplication(gunicorn_options(host, port, workers, threads)).run()
    except SystemExit as exc:  # gunicorn exits through sys.exit
        return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    return 0


def _serve_waitress(host: str, port: int, threads: int) -> int:  # pragma: no cover - Windows
    from waitress import serve as waitress_serve

    print(f"serving on http://{host}:{port} with waitress ({threads} threads)", file=sys.stderr, flush=True)
    waitress_serve(_app(host), host=host, port=port, threads=threads, ident="mentor-match")
    return 0
