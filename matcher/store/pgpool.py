"""The PostgreSQL store's connection pool, made to ride out an outage of the database.

When PostgreSQL stops (a restart, a failover, a crash), every pooled connection breaks and new ones are
refused. Without care each request would then wait psycopg_pool's default 30 s for a connection and
end in a 500. Here:

- a call waits at most WAIT_SECONDS for a connection;
- an error that says the database is unreachable (the connection broke, the server is shutting down or
  starting up, no connection within the wait) is raised as StoreUnavailable, which the API answers
  with 503 and Retry-After; other database errors are left as they are;
- after such an error every call fails at once for HOLD_SECONDS instead of waiting in turn (a match
  holds the index's lock while it catches up with the store: waits would queue behind it), and the
  idle connections are checked in the background, so that the first requests after the outage do
  not pick up connections the server has ended;
- the pool reconnects by itself: psycopg_pool retries in the background with a growing delay, and
  gives up after RECONNECT_SECONDS so that the delay never grows long; the next call that needs a
  connection starts a fresh attempt. Recovery needs no restart and no operator.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import psycopg
from psycopg_pool import ConnectionPool, PoolTimeout

from ..errors import StoreUnavailable

log = logging.getLogger("matcher.store")

WAIT_SECONDS = 2.0  # the longest a call waits for a free connection (psycopg_pool's default: 30 s)
HOLD_SECONDS = 1.0  # after the database failed to answer, calls fail at once for this long
RECONNECT_SECONDS = 5.0  # a background reconnection attempt backs off for this long, then starts afresh
# SQLSTATEs of a server going away: admin_shutdown, crash_shutdown, cannot_connect_now (starting up).
UNREACHABLE_STATES = ("57P01", "57P02", "57P03")


def unreachable(exc: psycopg.Error, conn: psycopg.Connection | None) -> bool:
    """True when `exc` says the database cannot be reached (not that a statement failed)."""
    if isinstance(exc, PoolTimeout):  # TooManyRequests too: a subclass
        return True
    if conn is not None and conn.broken:
        return True
    state = exc.sqlstate
    return state is None or state.startswith("08") or state in UNREACHABLE_STATES


class ResilientPool(ConnectionPool):
    """A ConnectionPool whose `connection()` fails fast with StoreUnavailable while the database is down.

    Args:
        url: the database URL (never logged).
        kwargs: connection options (pgconnect.connect_options).
        max_size: connections at most.
        name: the pool's name, in psycopg_pool's own log lines.
    """

    def __init__(self, url: str, kwargs: dict[str, Any], max_size: int, name: str):
        super().__init__(
            url,
            kwargs=kwargs,
            min_size=1,
            max_size=max_size,
            name=name,
            timeout=WAIT_SECONDS,
            reconnect_timeout=RECONNECT_SECONDS,
            open=True,
        )
        self._fail_fast_until = 0.0
        self._down_since: float | None = None
        self._checking = False
        self._health_lock = threading.Lock()

    @contextmanager
    def connection(self, timeout: float | None = None) -> Iterator[psycopg.Connection]:
        """A pooled connection, as ConnectionPool.connection.

        Raises:
            StoreUnavailable: the database did not answer (now, or within the last HOLD_SECONDS).
        """
        if time.monotonic() < self._fail_fast_until:
            raise StoreUnavailable("the database does not answer; retry in a moment")
        conn = None
        try:
            with super().connection(timeout) as conn:
                yield conn
        except psycopg.OperationalError as exc:
            if not unreachable(exc, conn):
                raise
            self._went_down(exc)
            raise StoreUnavailable("the database does not answer; retry in a moment") from exc
        if self._down_since is not None:
            self._came_back()

    def _went_down(self, exc: psycopg.Error) -> None:
        """Fail fast for a moment; say so once per outage; check the idle connections in the background."""
        with self._health_lock:
            self._fail_fast_until = time.monotonic() + HOLD_SECONDS
            first = self._down_since is None
            if first:
                self._down_since = time.monotonic()
            check = not self._checking
            self._checking = True
        if first:  # the exception's type and state only: libpq's message names hosts and users
            log.warning(
                "the database does not answer (%s%s): answering 503 until it does",
                type(exc).__name__,
                f" {exc.sqlstate}" if exc.sqlstate else "",
            )
        if check:
            threading.Thread(target=self._check_idle, daemon=True, name="matcher-pool-check").start()

    def _came_back(self) -> None:
        with self._health_lock:
            since, self._down_since = self._down_since, None
        if since is not None:
            log.info("the database answers again (after %.1f s)", time.monotonic() - since)

    def _check_idle(self) -> None:
        """Drop the idle connections the server has ended (ConnectionPool.check replaces them)."""
        try:
            self.check()
        except Exception as exc:  # a closed pool, or the server still down: nothing to do
            log.debug("pool check: %s", type(exc).__name__)
        finally:
            with self._health_lock:
                self._checking = False
