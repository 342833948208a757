"""Whether this server process is draining: told to stop, still serving, /readyz answering 503.

Set by the gunicorn worker when it gets SIGTERM (api/gworker.py), read by /readyz. Light on purpose
(no gunicorn import): the app imports it on every platform.
"""

from __future__ import annotations

import threading

_draining = threading.Event()


def draining() -> bool:
    """True once this process was told to stop: a load balancer should send it nothing new."""
    return _draining.is_set()


def start_draining() -> None:
    """Mark this process as draining (for the rest of its life)."""
    _draining.set()
