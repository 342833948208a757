"""Headless Chromium for the browser tests: Debian's binary, driven by Playwright (never its download)."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update"]


@contextmanager
def chromium() -> Iterator:
    """A launched headless Chromium (a Playwright Browser), closed afterwards; fails the test when Debian's
    chromium is missing (scripts/test installs it)."""
    from playwright import sync_api

    executable = shutil.which("chromium")
    if executable is None:
        pytest.fail("chromium is not installed: scripts/test installs Debian's chromium (apt-get install chromium)")
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=executable, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()
