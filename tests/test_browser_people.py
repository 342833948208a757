"""The pages for people in a real browser: `mentor-match serve` on a loopback port with
MATCHER_TRUSTED_PROXIES=127.0.0.1, Playwright's extra_http_headers standing in for the signing-in proxy (each
person's own X-Forwarded-User, their profile's private e-mail), Debian's headless Chromium with JavaScript off.
A senior leader searches, asks the first reverse mentor for an introduction from the result card; the mentor
accepts on /me, logs a session and answers the fit question; the leader sees the progress. Screenshots go to
test-artifacts/.
"""

from __future__ import annotations

import json
import re
import shutil

import pytest

from matcher.cli import demo_profiles_path
from tests.live_server import ROOT, LiveServer, load_profiles, tool

pytestmark = pytest.mark.slow

ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
]
NEED = "I lead a 400-person division and want to get comfortable with TikTok and Instagram"
SUBSET = 30

playwright_api = pytest.importorskip("playwright.sync_api")


def email(profile_id: str) -> str:
    return f"{profile_id}@example.com"


def people() -> tuple[list[dict], dict]:
    """About 30 demo people, each with a sign-in address, and one senior leader among them (the mentee)."""
    everyone = [json.loads(line) for line in demo_profiles_path().read_text(encoding="utf-8").splitlines() if line]
    social = [p for p in everyone if re.search(r"tiktok|instagram", json.dumps(p), re.I)]
    leader = next(p for p in everyone if p["seniority"] >= 9 and p not in social)
    chosen = (social + [p for p in everyone if p not in social and p is not leader])[: SUBSET - 1] + [leader]
    return [dict(p, email=email(p["id"])) for p in chosen], leader


@pytest.fixture(scope="module")
def server(tmp_path_factory, embedder):
    data_dir = tmp_path_factory.mktemp("browser-people") / "data"
    stored, leader = people()
    load_profiles(data_dir, embedder, stored)
    command = [tool("mentor-match"), "serve", "--host", "127.0.0.1", "--port", "{port}", "--threads", "4"]
    live = LiveServer(
        command, data_dir, tmp_path_factory.mktemp("browser-people-log") / "server.log", trusted_proxies="127.0.0.1"
    )
    live.leader = leader
    yield live.start()
    live.stop()


@pytest.fixture(scope="module")
def browser():
    executable = shutil.which("chromium")
    if executable is None:
        pytest.fail("chromium is not installed: scripts/test installs Debian's chromium (apt-get install chromium)")
    with playwright_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=executable, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def signed_in(browser, profile_id: str):
    """A browser context the stand-in proxy signs in as this person (their profile's e-mail, in another case)."""
    context = browser.new_context(
        java_script_enabled=False,
        viewport={"width": 1000, "height": 1000},
        extra_http_headers={"X-Forwarded-User": email(profile_id).upper()},
    )
    return context.new_page()


def click(page, name: str) -> None:
    with page.expect_navigation():
        page.get_by_role("button", name=name).first.click()


def message(page) -> str:
    return " ".join(page.locator("#message").inner_text().split())


def test_ask_accept_log_a_session_and_answer_fit_in_the_browser(server, browser):
    ARTIFACTS.mkdir(exist_ok=True)
    leader = server.leader
    lead = signed_in(browser, leader["id"])
    lead.goto(server.url + "/")
    assert "Your requests and relationships" in lead.locator("header").inner_text()
    lead.get_by_label("What do you want to learn?").fill(NEED)
    lead.locator('input[name="style"][value="reverse"]').check()
    with lead.expect_navigation():
        lead.get_by_role("button", name="Find mentors").click()
    cards = lead.locator("li.card")
    assert cards.count() >= 3
    first = cards.first
    mentor_name = first.locator("h3").inner_text()
    mentor_id = first.locator('input[name="mentor_id"]').get_attribute("value")
    first.scroll_into_view_if_needed()
    lead.screenshot(path=str(ARTIFACTS / "people-1-result-card-ask.png"))
    with lead.expect_navigation():
        first.get_by_role("button", name=f"Ask {mentor_name} for an introduction").click()
    assert lead.url.endswith("/me?done=asked#outgoing")
    assert message(lead).startswith("Your request was sent")
    outgoing = lead.locator("#outgoing li.item")
    assert (
        outgoing.count() == 1
        and mentor_name in outgoing.inner_text()
        and "Waiting for an answer" in (outgoing.inner_text())
    )
    lead.screenshot(path=str(ARTIFACTS / "people-2-request-sent.png"), full_page=True)

    # The mentor, signed in as themselves, sees the request with the need, and accepts it.
    mentor = signed_in(browser, mentor_id)
    mentor.goto(server.url + "/me")
    incoming = mentor.locator("#incoming li.item")
    assert incoming.count() == 1 and leader["name"] in incoming.inner_text() and NEED in incoming.inner_text()
    mentor.screenshot(path=str(ARTIFACTS / "people-3-mentor-request.png"), full_page=True)
    click(mentor, f"Accept {leader['name']}")
    assert message(mentor).startswith("Accepted")
    relationship = mentor.locator("article.relationship")
    assert relationship.count() == 1 and f"Mentoring {leader['name']}" in relationship.locator("h3").inner_text()
    assert "0 of 6 sessions done" in relationship.inner_text()
    assert relationship.locator("form.fit").count() == 0  # asked after the first session held

    # A session held, on plan item 1; then the fit question appears and is answered.
    relationship.get_by_label("Plan session").select_option("1")
    relationship.get_by_label("It was").select_option("done")
    click(mentor, "Log the session")
    assert message(mentor) == "Session logged."
    relationship = mentor.locator("article.relationship")
    assert "1 of 6 sessions done" in relationship.inner_text()
    relationship.get_by_label("Good fit").check()
    click(mentor, "Answer")
    assert message(mentor).startswith("Thank you")
    assert mentor.locator("article.relationship input[value=good]").is_checked()
    mentor.screenshot(path=str(ARTIFACTS / "people-4-mentor-session-and-fit.png"), full_page=True)

    # The leader sees the relationship and its progress, never the mentor's fit answer.
    lead.goto(server.url + "/me")
    relationship = lead.locator("article.relationship")
    assert f"Mentored by {mentor_name}" in relationship.locator("h3").inner_text()
    assert "1 of 6 sessions done" in relationship.inner_text()
    assert not relationship.locator("input[value=good]").is_checked()
    assert "Accepted" in lead.locator("#outgoing").inner_text()
    lead.screenshot(path=str(ARTIFACTS / "people-5-mentee-progress.png"), full_page=True)
