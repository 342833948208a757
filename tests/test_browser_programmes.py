"""The programme pages in a real browser: `mentor-match serve` on a loopback port, Debian's headless Chromium
driven by Playwright with JavaScript off. An admin signs in with HTTP Basic (an admin key as the password),
opens a reverse-mentoring programme of demo people, reads the draft, approves one pair and then all,
runs the draft again, publishes and downloads the CSV. Screenshots go to test-artifacts/.
"""

from __future__ import annotations

import csv
import io
import json
import re

import pytest

from matcher.cli import demo_profiles_path
from tests.live_server import ROOT, LiveServer, call, cli, load_profiles, tool

pytestmark = pytest.mark.slow

ARTIFACTS = ROOT / "test-artifacts"
COHORT_SIZE = 8

playwright_api = pytest.importorskip("playwright.sync_api")


def demo_people() -> tuple[list[dict], list[dict]]:
    """Every demo reverse mentor, and a cohort of senior leaders with learning goals (their needs)."""
    people = [json.loads(line) for line in demo_profiles_path().read_text(encoding="utf-8").splitlines() if line]
    mentors = [p for p in people if "reverse" in p.get("styles", [])]
    leaders = [p for p in people if p["seniority"] >= 9 and p.get("goals") and p not in mentors][:COHORT_SIZE]
    return mentors + leaders, leaders


@pytest.fixture(scope="module")
def server(tmp_path_factory, embedder):
    data_dir = tmp_path_factory.mktemp("browser-programmes") / "data"
    people, leaders = demo_people()
    load_profiles(data_dir, embedder, people)
    command = [tool("mentor-match"), "serve", "--host", "127.0.0.1", "--port", "{port}", "--threads", "4"]
    live = LiveServer(command, data_dir, tmp_path_factory.mktemp("browser-programmes-log") / "server.log")
    live.data_dir, live.leaders = data_dir, leaders
    yield live.start()
    live.stop()


@pytest.fixture(scope="module")
def keys(server):
    made = {}
    for scope in ("match", "admin"):
        done = cli(server.data_dir, "keys", "create", "--scope", scope, "--label", f"browser {scope}")
        assert done.returncode == 0, done.stderr
        made[scope] = done.stdout.strip().splitlines()[-1]
    return made


def api(server, key: str, path: str, body: dict | None = None) -> dict:
    status, _, answer = call(server, "POST", path, body or {}, key)
    assert status in (200, 201), (path, status, answer)
    return answer


@pytest.fixture(scope="module")
def programme(server, keys) -> dict:
    """A reverse-mentoring programme over HTTP, with its first draft."""
    cohort = [{"id": p["id"]} for p in server.leaders]  # each need: the leader's own learning goals
    created = api(
        server,
        keys["admin"],
        "/v1/programmes",
        {
            "name": "Reverse mentoring for senior leaders 2027",
            "style": "reverse",
            "cohort": cohort,
            "sessions": 4,
            "cadence": "monthly",
            "max_per_mentor": 1,
            "start_date": "2027-02-01",
        },
    )
    return api(server, keys["admin"], f"/v1/programmes/{created['id']}/runs")


def message(page) -> str:
    return " ".join(page.locator("#message").inner_text().split())


def click(page, name) -> None:
    with page.expect_navigation():
        page.get_by_role("button", name=name).first.click()


def test_an_admin_reviews_publishes_and_downloads_a_programme_without_javascript(server, browser, keys, programme):
    ARTIFACTS.mkdir(exist_ok=True)
    pid = programme["id"]
    proposed = programme["summary"]["proposed"]
    assert proposed >= 3, programme["summary"]
    context = browser.new_context(
        java_script_enabled=False,
        viewport={"width": 1280, "height": 900},
        http_credentials={"username": "hr-admin", "password": keys["admin"]},
        accept_downloads=True,
    )
    page = context.new_page()
    page.goto(server.url + "/programmes")
    assert page.title().startswith("Programmes")
    assert "Signed in as admin key" in page.locator(".signed-in").inner_text()
    with page.expect_navigation():
        page.get_by_role("link", name="Reverse mentoring for senior leaders 2027").click()

    # The draft: one row per pair, each with a score bar, the mentor's own sentences and a plan.
    rows = page.locator("table.pairs tbody tr")
    assert rows.count() == proposed
    first = rows.first
    assert first.locator("meter").get_attribute("value")
    assert first.locator("blockquote.evidence").count() >= 1
    assert first.locator("details.plan summary").inner_text() == "Plan of 4 sessions"
    assert page.locator("svg[role=img] rect.bar").count() >= 1
    assert page.get_by_role("img", name="Pair scores").count() == 1
    page.locator("details.plan").first.locator("summary").click()  # opens without JavaScript
    sessions = first.locator("ol.sessions > li")
    assert sessions.count() == 4
    texts = [" ".join(sessions.nth(i).inner_text().split()) for i in range(4)]
    assert texts[0].startswith("Session 1 2027-02-01: Start: both of you share your interests"), texts[0]
    assert texts[3].startswith("Session 4 2027-05-01: Review: progress against the goals"), texts[3]
    texts = [text.split(":", 1)[1] for text in texts]
    assert len(set(texts)) == 4  # no two sessions read the same
    page.screenshot(path=str(ARTIFACTS / "programme-draft.png"), full_page=True)

    # Approve one pair, then all the others.
    mentee = first.locator("th").inner_text().split()[0]
    click(page, re.compile(r"^Approve " + re.escape(mentee)))
    assert message(page) == "Approved 1 pair."
    assert page.locator("table.pairs tbody tr").first.locator(".status").inner_text() == "Approved"
    click(page, re.compile(r"^Approve all proposals"))
    assert message(page) == f"Approved {proposed - 1} pairs."

    # Reject one by ticking it, run the draft again for that member, approve what it proposes.
    page.locator("table.pairs tbody tr").nth(1).locator("input[type=checkbox]").check()
    click(page, "Reject selected")
    assert message(page).startswith("Rejected 1 pair")
    click(page, "Run the draft again")
    assert re.fullmatch(r"Draft run 2 done: \d+ pairs? proposed, \d+ members? unmatched\.", message(page))
    if page.get_by_role("button", name=re.compile(r"^Approve all proposals \([1-9]")).count():
        click(page, re.compile(r"^Approve all proposals"))

    # Publish: the pairs take their mentors' places; publishing again publishes nothing more.
    click(page, re.compile(r"^Publish \d+ approved and pinned"))
    assert re.fullmatch(r"Published \d+ pairs: they now use their mentors' capacity\.", message(page))
    assert page.locator("table.pairs .status", has_text="Published").count() >= proposed - 1
    assert "Published" in page.locator("header.intro .status").inner_text()
    # Each published pair shows its progress: nothing logged yet, no fit answers.
    progress = page.locator("table.pairs .pair-progress")
    assert progress.count() == page.locator("table.pairs .status", has_text="Published").count()
    assert " ".join(progress.first.inner_text().split()).endswith(
        "0 of 4 sessions done Fit: mentee not yet, mentor not yet"
    )
    page.screenshot(path=str(ARTIFACTS / "programme-published.png"), full_page=True)

    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download CSV").click()
    download = download_info.value
    assert download.suggested_filename == f"{pid}.csv"
    rows = list(csv.DictReader(io.StringIO(open(download.path(), encoding="utf-8").read())))
    assert len(rows) == len(server.leaders)
    assert {"mentee_id", "mentor_id", "score", "status", "evidence", "plan", "reason"} <= set(rows[0])
    assert sum(row["status"] == "published" for row in rows) >= proposed - 1

    with page.expect_download() as download_info:  # the published sessions, one event each
        page.get_by_role("link", name="Download calendar (.ics)").click()
    download = download_info.value
    assert download.suggested_filename == f"{pid}.ics"
    calendar = open(download.path(), encoding="utf-8").read()
    published = sum(row["status"] == "published" for row in rows)
    assert calendar.startswith("BEGIN:VCALENDAR") and calendar.count("BEGIN:VEVENT") == 4 * published
    context.close()


def test_the_page_reads_well_at_phone_width(server, browser, keys, programme):
    ARTIFACTS.mkdir(exist_ok=True)
    context = browser.new_context(
        viewport={"width": 390, "height": 844},
        device_scale_factor=2,
        is_mobile=True,
        http_credentials={"username": "", "password": keys["admin"]},
    )
    page = context.new_page()
    page.goto(f"{server.url}/programmes/{programme['id']}")
    assert page.locator("table.pairs tbody tr").count() >= 1
    # The table scrolls inside its own box; the page itself never scrolls sideways.
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    page.screenshot(path=str(ARTIFACTS / "programme-phone.png"), full_page=True)
    context.close()


def test_without_an_admin_key_the_browser_sees_no_programme(server, browser, keys, programme):
    url = f"{server.url}/programmes/{programme['id']}"
    secrets = (programme["pairs"][0]["mentee_name"], "Reverse mentoring for senior")
    # A match key: a 403 page.
    context = browser.new_context(
        java_script_enabled=False, http_credentials={"username": "x", "password": keys["match"]}
    )
    page = context.new_page()
    response = page.goto(url)
    assert response.status == 403 and "Admins only" in page.content()
    assert not any(secret in page.content() for secret in secrets)
    context.close()
    # No key, or a wrong one: the server asks for Basic credentials. A desktop browser shows its sign-in prompt;
    # headless Chromium has none: without credentials it gives up (ERR_INVALID_AUTH_CREDENTIALS), with wrong
    # ones it shows the 401 page. Either way no programme data.
    for credentials in (None, {"username": "x", "password": "mm_0_no"}):
        context = browser.new_context(java_script_enabled=False, http_credentials=credentials)
        page = context.new_page()
        try:
            response = page.goto(url)
        except playwright_api.Error as exc:
            assert "ERR_INVALID_AUTH_CREDENTIALS" in str(exc) and credentials is None
        else:
            assert response.status == 401 and "Sign in" in page.content()
            assert not any(secret in page.content() for secret in secrets)
        answer = context.request.get(url)
        assert answer.status == 401
        assert answer.headers["www-authenticate"].startswith('Basic realm="mentor-matcher admin"')
        assert not any(secret in answer.text() for secret in secrets)
        context.close()


def test_the_server_log_holds_ids_and_counts_only(server, programme):
    """After the sessions above: the real server's log (access log included) has the programme's id, and no
    name, need, evidence, plan, programme name or the Basic user name the browser sent."""
    log = server.log_path.read_text(errors="replace")
    assert f"/programmes/{programme['id']}" in log and f"programme {programme['id']} published" in log
    assert "Traceback" not in log and "hr-admin" not in log
    secrets = ["Reverse mentoring for senior leaders"]
    for leader in server.leaders:
        secrets += [leader["name"], leader["goals"]]
    for line in programme["pairs"]:
        secrets += [line.get("mentor_name") or "", *line.get("evidence", [])]
        secrets += [cover["topic"] for session in line.get("plan", []) for cover in session["covers"]]
    for secret in (s for s in secrets if len(s) >= 4):  # a two-letter topic ("AI") could be in any user agent
        assert secret not in log, f"the server log holds {secret!r}"
