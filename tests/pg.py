"""A real PostgreSQL server for the tests: a fresh database per test on the server scripts/test starts.

scripts/test starts a throwaway cluster (scripts/throwaway-postgres) and exports its URL as
MATCHER_TEST_DATABASE_URL. Without it the PostgreSQL tests are skipped on a developer's machine, and
fail under CI (CI=true): there they must run.
"""

from __future__ import annotations

import os
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest

ENV = "MATCHER_TEST_DATABASE_URL"


def in_ci() -> bool:
    """True when running under CI (CI=true), where no PostgreSQL test may be skipped."""
    return os.environ.get("CI", "").lower() in ("1", "true", "yes")


def server_url() -> str:
    """The test server's URL; skips the test (fails it under CI) when there is none or it does not answer."""
    url = os.environ.get(ENV, "")
    problem = None
    if not url:
        problem = f"{ENV} is not set (scripts/test starts a throwaway PostgreSQL and sets it)"
    else:
        try:
            import psycopg

            with psycopg.connect(url, connect_timeout=5):
                pass
        except Exception as exc:
            problem = f"the PostgreSQL server in {ENV} does not answer: {type(exc).__name__}"
    if problem:
        if in_ci():
            pytest.fail(f"PostgreSQL is required under CI: {problem}")
        pytest.skip(problem)
    return url


def with_database(url: str, name: str) -> str:
    """`url` naming database `name` instead."""
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, "/" + name, parts.query, parts.fragment))


@contextmanager
def fresh_database(migrated: bool = True) -> Iterator[str]:
    """A new, empty database on the test server (with the current schema when `migrated`), dropped afterwards.

    Yields:
        Its URL (with the server's credentials).
    """
    import psycopg

    url = server_url()
    name = f"mm_test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(url, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    database = with_database(url, name)
    try:
        if migrated:
            from matcher.store.schema import migrate_database

            migrate_database(database)
        yield database
    finally:
        with psycopg.connect(url, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


class Cluster:
    """A PostgreSQL cluster of this test's own (scripts/throwaway-postgres), which it may stop and start
    again: `pause()` stops the server keeping its data, `resume()` starts it on the same port."""

    SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "throwaway-postgres"

    def __init__(self):
        # Directly under the temporary folder: as root the server runs as `postgres`, which must reach it.
        self.dir = tempfile.mkdtemp(prefix="mentor-matcher-outage-")
        self.url = ""

    def _run(self, verb: str) -> str:
        done = subprocess.run([str(self.SCRIPT), verb, self.dir], capture_output=True, text=True, timeout=180)
        if done.returncode != 0:
            raise RuntimeError(f"throwaway-postgres {verb} failed: {done.stderr.strip()[-2000:]}")
        return done.stdout.strip()

    def start(self) -> Cluster:
        """Start it (skips the test without server binaries; fails it under CI)."""
        try:
            self.url = self._run("start")
        except RuntimeError as exc:
            if in_ci():
                pytest.fail(f"PostgreSQL is required under CI: {exc}")
            pytest.skip(f"cannot start a PostgreSQL cluster of the test's own: {exc}")
        return self

    def pause(self) -> None:
        self._run("pause")

    def resume(self) -> None:
        self._run("resume")

    def stop(self) -> None:
        self._run("stop")


@contextmanager
def own_cluster() -> Iterator[Cluster]:
    """A started Cluster with the current schema, stopped and removed afterwards."""
    cluster = Cluster()
    try:
        cluster.start()
        from matcher.store.schema import migrate_database

        migrate_database(cluster.url)
        yield cluster
    finally:
        cluster.stop()
