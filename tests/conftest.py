"""Shared fixtures: the real model (loaded once per test session), real SQLite and FAISS under tmp_path."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")

import pytest

from matcher.config import Settings
from matcher.model.embedder import Embedder
from matcher.service import MatchService
from tests.children import Child


@pytest.fixture(scope="session")
def embedder() -> Embedder:
    """The default local model, loaded once for the whole session."""
    settings = Settings()
    return Embedder(settings.model, settings.backend, settings.batch_size)


@pytest.fixture
def make_service(tmp_path, embedder):
    """Factory: a MatchService over a fresh data dir (or a given one), sharing the session's model."""
    created: list[MatchService] = []

    def factory(data_dir=None, **overrides) -> MatchService:
        settings = Settings(data_dir=data_dir or tmp_path / "data", **overrides)
        service = MatchService(settings, embedder=embedder)
        created.append(service)
        return service

    yield factory
    for service in created:
        service.close()


def profile(pid: str, seniority: int, bio: str, **fields) -> dict:
    """A valid profile dict for tests (a mentor of every style unless `styles` says otherwise)."""
    data = {
        "id": pid,
        "name": f"Person {pid}",
        "title": "Specialist",
        "seniority": seniority,
        "bio": bio,
        "styles": ["reverse", "flash", "e-mentoring", "traditional", "two-way"],
        "capacity": 2,
        "flash_hours_per_month": 4,
        "goals": "I want to learn public speaking.",
    }
    data.update(fields)
    return data


@pytest.fixture
def postgres_url():
    """A fresh, migrated PostgreSQL database for this test (skipped without a server, failed under CI)."""
    from tests.pg import fresh_database

    with fresh_database() as url:
        yield url


@pytest.fixture
def spawn(tmp_path, embedder):
    """Factory: `mentor-match` child processes (tests/children.py), killed when the test ends."""
    children: list[Child] = []

    def start(data_dir: Path, *args: str, backend: str | None = None) -> Child:
        child = Child(data_dir, list(args), tmp_path / f"child-{len(children)}.log", backend or embedder.backend)
        children.append(child)
        return child

    yield start
    for child in children:
        child.kill()
        child.log.close()


# -- the HTTP API's tests: one service per module over tests/api_people.py, its keys, a test client ------------
# A module that needs other people or settings defines its own `service` or `client` (pytest takes the
# module's fixture over these).


@pytest.fixture(scope="module")
def service(request, tmp_path_factory, embedder):
    """The API tests' people in a service opened once per module."""
    from tests.api_people import open_service

    svc = open_service(tmp_path_factory.mktemp(request.module.__name__.rsplit(".", 1)[-1]) / "data", embedder)
    yield svc
    svc.close()


@pytest.fixture(scope="module")
def keys(service):
    """A `match`, an `admin` and a revoked key of the module's service (tests/api_people.make_keys)."""
    from tests.api_people import make_keys

    return make_keys(service)


@pytest.fixture(scope="module")
def client(service):
    """A Flask test client of an app over the module's service."""
    from matcher.api import create_app

    return create_app(service=service).test_client()


# -- the browser tests: Debian's chromium through Playwright ---------------------------------------------

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
]


@pytest.fixture(scope="module")
def browser():
    """Chromium (the system's, as CI installs it), headless, one per module."""
    playwright_api = pytest.importorskip("playwright.sync_api")
    executable = shutil.which("chromium")
    if executable is None:
        pytest.fail("chromium is not installed: scripts/test installs Debian's chromium (apt-get install chromium)")
    with playwright_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=executable, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()
