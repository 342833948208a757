"""The skills map in a real browser: the demo people, the map built with `mentor-match insights build`,
`mentor-match serve` on a loopback port, Debian's headless Chromium with JavaScript off. An admin (HTTP
Basic with an admin key) reads the map, opens a topic and downloads its cohort; a match key gets a 403 page
without a name or a wish on it. Screenshots go to test-artifacts/.
"""

from __future__ import annotations

import json
import shutil

import pytest

from matcher.cli import demo_profiles_path
from tests.live_server import ROOT, LiveServer, cli, load_profiles, tool

pytestmark = pytest.mark.slow

ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
]

playwright_api = pytest.importorskip("playwright.sync_api")


@pytest.fixture(scope="module")
def server(tmp_path_factory, embedder):
    data_dir = tmp_path_factory.mktemp("browser-insights") / "data"
    people = [json.loads(line) for line in demo_profiles_path().read_text(encoding="utf-8").splitlines() if line]
    load_profiles(data_dir, embedder, people)
    built = cli(data_dir, "insights", "build")
    assert built.returncode == 0, built.stderr
    assert built.stdout.startswith("skills map map-000001: ")
    shown = cli(data_dir, "insights", "show")
    assert shown.returncode == 0, shown.stderr
    assert "Top gaps" in shown.stdout and "Reverse mentoring: seniors want it, juniors can teach it" in shown.stdout
    command = [tool("mentor-match"), "serve", "--host", "127.0.0.1", "--port", "{port}", "--threads", "4"]
    live = LiveServer(command, data_dir, tmp_path_factory.mktemp("browser-insights-log") / "server.log")
    live.data_dir = data_dir
    yield live.start()
    live.stop()


@pytest.fixture(scope="module")
def keys(server):
    made = {}
    for scope in ("match", "admin"):
        done = cli(server.data_dir, "keys", "create", "--scope", scope)
        assert done.returncode == 0, done.stderr
        made[scope] = done.stdout.strip().splitlines()[-1]
    return made


@pytest.fixture(scope="module")
def browser():
    executable = shutil.which("chromium")
    if executable is None:
        pytest.fail("chromium is not installed: scripts/test installs Debian's chromium (apt-get install chromium)")
    with playwright_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=executable, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def test_an_admin_reads_the_map_opens_a_topic_and_downloads_its_cohort(server, browser, keys):
    ARTIFACTS.mkdir(exist_ok=True)
    context = browser.new_context(
        java_script_enabled=False,
        viewport={"width": 1280, "height": 900},
        http_credentials={"username": "hr", "password": keys["admin"]},
        accept_downloads=True,
    )
    page = context.new_page()
    response = page.goto(server.url + "/insights")
    assert response.status == 200 and response.headers["cache-control"] == "no-store"
    assert page.title().startswith("Skills map")
    rows = page.locator("section[aria-labelledby=topics-title] table.topics tbody tr")
    assert rows.count() >= 10
    assert rows.first.locator("svg[role=img] rect.bar-demand").count() == 1  # a bar for the most wanted topic
    assert page.locator("td .hidden-count").count() >= 1  # some counts are "fewer than 5"
    assert "fewer than 5" in page.locator("td .hidden-count").first.inner_text()
    reverse = page.locator("section[aria-labelledby=reverse-title] tbody tr")
    assert reverse.count() >= 1  # the demo's senior leaders want what juniors teach
    assert page.locator("table.heat").count() == 2
    assert page.locator("script").count() == 0
    page.screenshot(path=str(ARTIFACTS / "insights-map.png"), full_page=True)

    with page.expect_navigation():
        rows.first.locator("th a").click()
    people = page.locator("table.people tbody tr")
    assert people.count() >= 5 and page.locator("h1").inner_text()
    page.screenshot(path=str(ARTIFACTS / "insights-topic.png"), full_page=True)
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download the cohort (JSON Lines)").click()
    members = [json.loads(line) for line in open(download_info.value.path(), encoding="utf-8") if line.strip()]
    assert len(members) == people.count() and all(set(m) == {"id", "need"} and m["need"] for m in members)
    context.close()


def test_a_match_key_sees_no_map(server, browser, keys):
    context = browser.new_context(
        java_script_enabled=False, http_credentials={"username": "x", "password": keys["match"]}
    )
    page = context.new_page()
    response = page.goto(server.url + "/insights/topics/1")
    assert response.status == 403 and "Admins only" in page.content()
    assert "demo-" not in page.content() and "<q>" not in page.content()
    context.close()
