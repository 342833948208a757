"""The web form in a real browser: `mentor-match serve` on a loopback port, Debian's headless Chromium
driven by Playwright. A person types a need, picks reverse mentoring and seniority 9, submits (a plain
form POST: JavaScript is off) and reads result cards. Screenshots go to test-artifacts/.
"""

from __future__ import annotations

import json
import re

import pytest

from matcher.cli import demo_profiles_path
from tests.live_server import ROOT, LiveServer, load_profiles, tool

pytestmark = pytest.mark.slow  # a server, a child process, a browser or a benchmark: see pyproject markers

NEED = "I lead a 400-person division and want to get comfortable with TikTok and Instagram"
ARTIFACTS = ROOT / "test-artifacts"
DEMO_SUBSET = 30

pytest.importorskip("playwright.sync_api")


def demo_subset() -> list[dict]:
    """About 30 demo people: every one whose text mentions TikTok or Instagram, then the first others."""
    people = [json.loads(line) for line in demo_profiles_path().read_text(encoding="utf-8").splitlines() if line]
    social = [p for p in people if re.search(r"tiktok|instagram", json.dumps(p), re.I)]
    others = [p for p in people if p not in social]
    return (social + others)[: max(DEMO_SUBSET, len(social) + 10)]


@pytest.fixture(scope="module")
def server(tmp_path_factory, embedder):
    data_dir = tmp_path_factory.mktemp("browser") / "data"
    load_profiles(data_dir, embedder, demo_subset())
    command = [tool("mentor-match"), "serve", "--host", "127.0.0.1", "--port", "{port}", "--threads", "4"]
    live = LiveServer(command, data_dir, tmp_path_factory.mktemp("browser-log") / "server.log")
    yield live.start()
    live.stop()


def fill_and_submit(page, need: str, style: str, seniority: str) -> None:
    page.get_by_label("What do you want to learn?").fill(need)
    page.locator(f'input[name="style"][value="{style}"]').check()
    page.get_by_label("Your seniority").select_option(seniority)
    with page.expect_navigation():
        page.get_by_role("button", name="Find mentors").click()


def card_seniorities(page) -> list[int]:
    metas = page.locator("li.card .meta").all_inner_texts()
    return [int(re.search(r"seniority (\d+)", meta).group(1)) for meta in metas]


def test_a_person_finds_reverse_mentors_without_javascript(server, browser):
    ARTIFACTS.mkdir(exist_ok=True)
    context = browser.new_context(java_script_enabled=False, viewport={"width": 1100, "height": 900})
    page = context.new_page()
    page.goto(server.url + "/")
    assert page.title().startswith("Find a mentor")
    fill_and_submit(page, NEED, "reverse", "9")
    cards = page.locator("li.card")
    assert cards.count() >= 3
    assert all(level < 9 for level in card_seniorities(page))
    first = cards.first
    assert first.locator("h3").inner_text().strip()
    assert first.locator("meter").get_attribute("value")
    marked = [m.lower() for m in page.locator("li.card .evidence mark").all_inner_texts()]
    assert {"tiktok", "instagram"} & set(marked)
    assert "junior to you: fits reverse mentoring" in first.locator(".notes").inner_text()
    assert page.get_by_label("What do you want to learn?").input_value() == NEED  # the form keeps the need
    page.screenshot(path=str(ARTIFACTS / "form-results.png"), full_page=True)
    context.close()


def test_the_page_reads_well_at_phone_width(server, browser):
    ARTIFACTS.mkdir(exist_ok=True)
    context = browser.new_context(viewport={"width": 390, "height": 844}, device_scale_factor=2, is_mobile=True)
    page = context.new_page()
    page.goto(server.url + "/")
    fill_and_submit(page, NEED, "reverse", "9")
    assert page.locator("li.card").count() >= 3
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")  # no sideways scrolling
    page.screenshot(path=str(ARTIFACTS / "form-results-phone.png"), full_page=True)
    context.close()


def test_nobody_junior_says_why_and_offers_a_wider_style(server, browser):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(server.url + "/")
    fill_and_submit(page, NEED, "reverse", "1")
    assert page.locator("li.card").count() == 0
    assert "nobody is junior to you at seniority 1" in page.locator(".empty").first.inner_text().lower()
    page.screenshot(path=str(ARTIFACTS / "form-no-results.png"), full_page=True)
    with page.expect_navigation():
        page.get_by_role("button", name=re.compile(r"mentors? of any style")).click()
    assert page.locator("li.card").count() >= 1
    assert page.locator('input[name="style"][value="any"]').is_checked()
    context.close()
