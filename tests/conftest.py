"""Shared fixtures: the real model (loaded once per test session), real SQLite and FAISS under tmp_path."""

from __future__ import annotations

import os
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
    data = {"id": pid, "name": f"Person {pid}", "title": "Specialist", "seniority": seniority, "bio": bio,
            "styles": ["reverse", "flash", "e-mentoring", "traditional", "two-way"], "capacity": 2,
            "flash_hours_per_month": 4, "goals": "I want to learn public speaking."}
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
