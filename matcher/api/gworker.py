"""gunicorn's gthread worker, with a drain period before it stops: a rolling restart behind a load
balancer loses no request.

On SIGTERM gthread stops accepting at once but keeps its listening socket open until its requests
in flight are done: a connection a load balancer opens in that moment (it still counts the server as
up) waits in the kernel's queue unanswered, and is reset when the worker exits. Here the worker first
drains for `drain_seconds` (Settings.drain_seconds, MATCHER_DRAIN_SECONDS): it answers every request
as before, but `/readyz` answers 503, so the load balancer's health checks mark it down and stop
sending it anything. Then it stops as gthread does: no new connection, requests in flight finished
(within gunicorn's graceful timeout, which `serve` lengthens by the drain period).
"""

from __future__ import annotations

import threading

from gunicorn.workers.gthread import ThreadWorker

from .draining import start_draining


class DrainingThreadWorker(ThreadWorker):
    """A gthread worker that drains for `drain_seconds` after SIGTERM (set by `serve` before the fork)."""

    drain_seconds = 0.0
    _drain_timer: threading.Timer | None = None

    def handle_exit(self, sig, frame):
        """SIGTERM: /readyz answers 503 from now on; stop accepting after the drain period."""
        if not self.alive or self._drain_timer is not None:  # stopping already, or draining
            return
        start_draining()
        if self.drain_seconds <= 0:
            super().handle_exit(sig, frame)
            return
        self.log.info("draining for %.1f s before stopping (pid: %s)", self.drain_seconds, self.pid)
        self._drain_timer = threading.Timer(self.drain_seconds, super().handle_exit, args=(sig, None))
        self._drain_timer.daemon = True
        self._drain_timer.start()
