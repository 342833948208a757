"""The programme pages for admins with Flask's test client: who may see them (Basic with an admin key, or a
listed user a trusted proxy signed in; nobody else ever sees a programme's data), the CSRF token and Origin
check on every POST, the web secret's file, every action and its message, the 409 over-commit page, the
page's structure (labels, meters, the SVG histogram, no script, the CSP) and the log."""

from __future__ import annotations

import base64
import csv
import html as htmllib
import io
import logging
import os
import re
import stat

import pytest

from matcher.api import create_app
from tests.api_people import make_keys
from tests.test_programmes import COHORT, SOCIAL, open_people

BOSS = "boss@example.com"
CHALLENGE = 'Basic realm="mentor-matcher admin", charset="UTF-8"'


def basic(token: str, user: str = "anyone") -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"{user}:{token}".encode()).decode()}


@pytest.fixture
def service(make_service):
    return open_people(make_service)


@pytest.fixture
def keys(service):
    return make_keys(service)


@pytest.fixture
def app(service):
    # The test client comes from 127.0.0.1: here the address of a sign-in proxy on the same host.
    return create_app(
        {"admin_users": f" {BOSS} , other@example.com", "trusted_proxies": "127.0.0.1,::1"},
        service=service,
        serving_host="127.0.0.1",
    )


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def admin(keys):
    return basic(keys["admin"])


@pytest.fixture
def pid(service):
    programmes = service.programmes
    view = programmes.create(
        {
            "name": "Reverse mentoring 2027",
            "style": "reverse",
            "cohort": COHORT + [{"ref": "intern", "mentee": {"seniority": 1}, "need": "TikTok"}],
            "sessions": 3,
        }
    )
    programmes.run(view.record.id)
    return view.record.id


def token(html: str) -> str:
    found = set(re.findall(r'<input type="hidden" name="csrf_token" value="([0-9a-f]{64})">', html))
    assert len(found) == 1, found  # every form of the page carries the same token
    return found.pop()


def page(client, pid, headers) -> str:
    response = client.get(f"/programmes/{pid}", headers=headers)
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    return response.get_data(as_text=True)


def message(html: str) -> str:
    found = re.search(r'<p id="message" class="message[^"]*" role="(status|alert)">(.*?)</p>', html, re.S)
    assert found, "no message on the page"
    return htmllib.unescape(" ".join(found.group(2).split()))


def post(client, url, headers, data, follow=True):
    response = client.post(url, data=data, headers=headers)
    if follow and response.status_code == 303:
        assert response.headers["Location"].startswith(url.split("/pairs")[0].split("/run")[0].split("/publish")[0])
        return client.get(response.headers["Location"], headers=headers)
    return response


def statuses(service, pid) -> dict[str, str]:
    return {key: pair.status for key, pair in service.programmes.view(pid).pairs.items()}


def no_data(text: str) -> None:
    for secret in ("Person lea", "Person ana", "TikTok", "Reverse mentoring 2027", SOCIAL):
        assert secret not in text, secret


def routes(pid):
    return [
        ("GET", "/programmes"),
        ("GET", f"/programmes/{pid}"),
        ("GET", f"/programmes/{pid}/pairs.csv"),
        ("POST", f"/programmes/{pid}/run"),
        ("POST", f"/programmes/{pid}/pairs"),
        ("POST", f"/programmes/{pid}/publish"),
    ]


# -- who may see the pages ---------------------------------------------------------------------------


def test_without_credentials_the_browser_is_asked_to_sign_in_and_sees_nothing(client, pid):
    for method, url in routes(pid):
        response = client.open(url, method=method, data={"action": "approve-all"})
        assert response.status_code == 401 and response.headers["WWW-Authenticate"] == CHALLENGE, url
        assert response.mimetype == "text/html" and "sign in with an admin API key" in response.get_data(as_text=True)
        no_data(response.get_data(as_text=True))


def test_only_an_admin_key_signs_in(client, pid, keys, service):
    cases = [
        (basic(keys["match"]), 403, "scope 'match'"),
        (basic(keys["revoked"]), 401, "not a valid API key"),
        (basic("mm_0000_nope"), 401, "not a valid API key"),
        (basic(""), 401, "not a valid API key"),
        ({"Authorization": "Basic !!!"}, 401, "sign in"),
        ({"Authorization": f"Bearer {keys['admin']}"}, 401, "sign in"),
    ]  # pages take Basic, not Bearer
    for headers, status, says in cases:
        for method, url in routes(pid):
            response = client.open(url, method=method, headers=headers, data={"action": "approve-all"})
            assert response.status_code == status, (headers, url)
            assert says.lower() in htmllib.unescape(response.get_data(as_text=True)).lower()
            assert ("WWW-Authenticate" in response.headers) == (status == 401)
            no_data(response.get_data(as_text=True))
    assert set(statuses(service, pid).values()) == {"proposed", "unmatched"}  # no POST did anything
    html = page(client, pid, basic(keys["admin"], user="whoever"))  # the user name is ignored
    assert "Signed in as admin key" in html and "Person lea" in html


def test_a_listed_user_signed_in_by_the_trusted_proxy_is_an_admin(service, client, pid):
    html = page(client, pid, {"X-Forwarded-User": BOSS})  # the test client comes from 127.0.0.1: the proxy
    assert f"Signed in as {BOSS}" in html and "Person lea" in html
    # Signed in by the proxy but not listed: 403, never the data.
    response = client.get(f"/programmes/{pid}", headers={"X-Forwarded-User": "ana@example.com"})
    assert response.status_code == 403 and "not a programme admin" in response.get_data(as_text=True)
    no_data(response.get_data(as_text=True))
    # The header from an address that is no trusted proxy is anyone's word: ignored.
    for method, url in routes(pid):
        forged = client.open(
            url,
            method=method,
            headers={"X-Forwarded-User": BOSS},
            environ_base={"REMOTE_ADDR": "10.9.8.7"},
            data={"csrf_token": "x"},
        )
        assert forged.status_code == 401, url
        no_data(forged.get_data(as_text=True))
    # No admin users configured: the proxy's word alone never makes an admin.
    plain = create_app({"trusted_proxies": "127.0.0.1"}, service=service, serving_host="0.0.0.0").test_client()
    assert plain.get(f"/programmes/{pid}", headers={"X-Forwarded-User": BOSS}).status_code == 403
    proxied = create_app({"admin_users": BOSS, "trusted_proxies": "10.9.8.0/24"}, service=service).test_client()
    assert (
        proxied.get(
            "/programmes", headers={"X-Forwarded-User": BOSS}, environ_base={"REMOTE_ADDR": "10.9.8.7"}
        ).status_code
        == 200
    )
    # 127.0.0.1 is no trusted proxy any more:
    assert proxied.get("/programmes", headers={"X-Forwarded-User": BOSS}).status_code == 401


def test_the_pages_are_there_with_the_form_turned_off(service, admin, pid):
    client = create_app({"form": "off"}, service=service).test_client()
    assert client.get("/").status_code == 404
    assert "Person lea" in page(client, pid, admin)
    assert client.get("/programmes/static/admin.css").status_code == 200


# -- CSRF --------------------------------------------------------------------------------------------


def test_every_post_needs_the_admin_s_token_and_this_site_s_origin(client, service, keys, admin, pid):
    good = token(page(client, pid, admin))
    other_admin = basic(make_keys(service)["admin"])
    other_token = token(page(client, pid, other_admin))
    assert other_token != good  # bound to the admin's identity
    boss_token = token(page(client, pid, {"X-Forwarded-User": BOSS}))
    assert boss_token not in (good, other_token)
    for url in (f"/programmes/{pid}/run", f"/programmes/{pid}/pairs", f"/programmes/{pid}/publish"):
        data = {"action": "approve-all"}
        for headers, form in (
            (admin, data),
            (admin, {**data, "csrf_token": ""}),
            (admin, {**data, "csrf_token": "0" * 64}),
            (admin, {**data, "csrf_token": other_token}),
            ({**admin, "Origin": "https://evil.example"}, {**data, "csrf_token": good}),
            ({**admin, "Origin": "http://localhost.evil.example"}, {**data, "csrf_token": good}),
            ({"X-Forwarded-User": BOSS}, {**data, "csrf_token": good}),
        ):
            response = client.post(url, data=form, headers=headers)
            assert response.status_code == 403, (url, headers, form)
            assert "Refused" in response.get_data(as_text=True)
    assert set(statuses(service, pid).values()) == {"proposed", "unmatched"}  # nothing happened
    ok = client.post(
        f"/programmes/{pid}/pairs",
        data={"action": "approve-all", "csrf_token": good},
        headers={**admin, "Origin": "http://localhost"},
    )  # the test client's own host
    assert ok.status_code == 303
    ok = client.post(
        f"/programmes/{pid}/run", data={"csrf_token": boss_token}, headers={"X-Forwarded-User": BOSS, "Origin": "null"}
    )  # no host named: the token decides
    assert ok.status_code == 303


def test_the_web_secret_is_owner_only_shared_and_replaced_when_malformed(service, admin, pid):
    first = create_app(service=service).test_client()
    good = token(page(first, pid, admin))
    secret = service.settings.data_dir / "web-secret"
    assert stat.S_IMODE(os.stat(secret).st_mode) == 0o600 and len(secret.read_text().strip()) == 64
    assert not [p for p in secret.parent.iterdir() if p.name.startswith(".web-secret")]  # no temporary file left
    second = create_app(service=service).test_client()  # another worker on the same data dir
    assert token(page(second, pid, admin)) == good
    secret.write_text("not hex\n")
    third = create_app(service=service).test_client()
    assert token(page(third, pid, admin)) != good and len(bytes.fromhex(secret.read_text().strip())) == 32
    assert stat.S_IMODE(os.stat(secret).st_mode) == 0o600


# -- the page ----------------------------------------------------------------------------------------


def test_the_draft_page_shows_pairs_scores_evidence_plans_histogram_and_the_unmatched(client, admin, pid):
    response = client.get(f"/programmes/{pid}", headers=admin)
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and response.mimetype == "text/html"
    assert "default-src 'none'" in response.headers["Content-Security-Policy"]
    assert response.headers["Cache-Control"] == "no-store" and response.headers["Referrer-Policy"] == "same-origin"
    assert "<script" not in html and " style=" not in html and "<style" not in html  # the CSP allows neither
    for control in re.findall(r'<(?:textarea|select|input)\b(?![^>]*type="hidden")[^>]*\bid="([^"]+)"', html):
        assert f'<label for="{control}"' in html, control
    assert not re.search(r'<(?:textarea|select|input)\b(?![^>]*type="hidden")(?![^>]*\bid=)[^>]*>', html)
    rows = re.findall(r'<tr id="pair-\d+">(.*?)</tr>', html, re.S)
    assert len(rows) == 3
    assert "Person lea" in rows[0] and "Person ana" in rows[0] and f"“{SOCIAL}”" in rows[0]
    assert re.search(r'<meter min="0" max="1"[^>]*value="0\.\d+"', rows[0])
    assert "Plan of 3 sessions" in rows[0] and "Session 1" in rows[0] and "TikTok" in rows[0]
    assert 'aria-label="Approve Person lea with Person ana">Approve</button>' in rows[0]
    assert 'aria-label="Reject Person lea with Person ana">Reject</button>' in rows[0]
    svg = re.search(r'<svg role="img".*?</svg>', html, re.S).group(0)
    assert len(re.findall(r'<rect class="bar"', svg)) >= 1 and "3 pairs by score" in svg
    unmatched = re.search(r'id="unmatched-title">Without a mentor \(1\)</h2>(.*?)</section>', html, re.S).group(1)
    assert "intern" in unmatched and "nobody eligible" in unmatched
    assert f'href="/programmes/{pid}/pairs.csv" download>Download CSV</a>' in html
    assert "Approve all proposals (3)" in html and "Publish 0 approved and pinned</button>" in html


def test_the_list_page_links_every_programme(client, admin, pid, service):
    html = client.get("/programmes", headers=admin).get_data(as_text=True)
    assert f'<a href="/programmes/{pid}">Reverse mentoring 2027</a>' in html
    row = re.search(rf"/programmes/{pid}.*?</tr>", html, re.S).group(0)
    assert re.findall(r'<td class="num">(\d+)</td>', row) == ["4", "3", "1", "1"]  # members, paired, unmatched, runs
    service.programmes.delete(pid)
    assert "No programmes yet" in client.get("/programmes", headers=admin).get_data(as_text=True)


def test_names_and_needs_are_escaped(service, client, admin):
    view = service.programmes.create(
        {
            "name": '<img src=x onerror="alert(1)"> & co',
            "style": "reverse",
            "cohort": [
                {"ref": "r-1", "mentee": {"seniority": 9}, "need": "<script>alert(1)</script> TikTok and Instagram"}
            ],
        }
    )
    service.programmes.run(view.record.id)
    html = page(client, view.record.id, admin)
    assert "<img src=x" not in html and "<script>alert" not in html
    assert "&lt;img src=x onerror=&#34;alert(1)&#34;&gt; &amp; co" in html


def test_an_unknown_programme_is_a_404_page(client, admin, pid):
    good = token(page(client, pid, admin))  # tokens are per admin, not per page
    for method, url in routes("prog-nope")[1:]:
        response = client.open(url, method=method, headers=admin, data={"csrf_token": good, "action": "approve-all"})
        assert response.status_code == 404 and response.mimetype == "text/html", url
        assert "No such programme" in response.get_data(as_text=True)


# -- every action ------------------------------------------------------------------------------------


def test_every_action_shows_its_message(client, admin, pid, service):
    base = f"/programmes/{pid}"
    good = token(page(client, pid, admin))

    def act(url, expect=200, **data):
        response = post(client, base + url, admin, {"csrf_token": good, **data})
        assert response.status_code == expect, re.findall(r'<p id="message".*?</p>', response.get_data(as_text=True))
        return response.get_data(as_text=True)

    assert message(act("/pairs", action="approve", mentees="lea")) == "Approved 1 pair."
    assert statuses(service, pid)["lea"] == "approved"
    html = act("/pairs", 422, action="reject")  # nothing ticked
    assert message(html).startswith("Choose at least one pair first") and 'role="alert"' in html
    assert message(act("/pairs", action="reject", mentees=["max", "noa"])).startswith("Rejected 2 pairs")
    assert statuses(service, pid) == {"lea": "approved", "max": "unmatched", "noa": "unmatched", "intern": "unmatched"}
    assert message(act("/pairs", action="pin", mentee="noa", mentor="dee")).startswith("Pinned the pair")
    assert service.programmes.view(pid).pairs["noa"].mentor_id == "dee"
    # The remainder: max (ben banned, ana and dee taken) gets cai; the intern stays without anyone.
    assert message(act("/run")) == "Draft run 2 done: 1 pair proposed, 1 member unmatched."
    assert service.programmes.view(pid).pairs["max"].mentor_id == "cai"
    assert message(act("/pairs", action="approve-all")) == "Approved 1 pair."
    assert message(act("/pairs", action="approve-all")) == "Nothing to approve: none of those pairs was proposed."
    html = act("/pairs", 422, action="pin", mentee="intern", mentor="max")  # nobody mentors seniority 1 in reverse
    assert message(html).startswith("That was refused: mentor: 'max' cannot mentor 'intern'")
    assert '<option value="intern" selected>' in html and 'value="max"' in html  # the form keeps what was typed
    assert message(act("/pairs", action="ban", mentee="max", mentor="cai")).startswith("Banned the pair")
    assert ("max", "cai") in service.programmes.view(pid).bans and statuses(service, pid)["max"] == "unmatched"
    assert "Banned pairs (" in page(client, pid, admin)
    assert message(act("/pairs", 422, action="wave")) == "Unknown action: use the page's buttons."
    html = act("/publish")
    assert message(html) == "Published 2 pairs: they now use their mentors' capacity."  # lea and noa
    assert 'status status-published">Published' in html
    assert message(act("/publish")) == "Nothing new to publish: every approved and pinned pair is already published."
    download = client.get(f"{base}/pairs.csv", headers=admin)
    assert download.status_code == 200 and download.mimetype == "text/csv"
    assert download.headers["Content-Disposition"] == f'attachment; filename="{pid}.csv"'
    rows = {r["mentee_id"]: r for r in csv.DictReader(io.StringIO(download.get_data(as_text=True)))}
    assert rows["lea"]["status"] == "published" and rows["noa"]["mentor_id"] == "dee"


def test_an_over_committing_publish_is_a_409_page_naming_the_mentor(client, admin, service):
    programmes = service.programmes
    ids = []
    for mentee in ("lea", "max"):
        pid = programmes.create(
            {"name": f"Speaking {mentee}", "style": "reverse", "cohort": [{"id": mentee, "need": "public speaking"}]}
        ).record.id
        programmes.pin(pid, mentee, "dee")
        ids.append(pid)
    programmes.publish(ids[0])
    good = token(page(client, ids[1], admin))
    response = client.post(f"/programmes/{ids[1]}/publish", data={"csrf_token": good}, headers=admin)
    html = response.get_data(as_text=True)
    assert response.status_code == 409 and 'role="alert"' in html
    assert message(html) == (
        "Nothing was published: it would give these mentors more mentees than they have room "
        "for: Person dee (dee): 1 asked, 0 left. Reject or re-pin their pairs, then publish "
        "again."
    )
    assert statuses(service, ids[1]) == {"max": "pinned"}


def test_the_pages_log_ids_and_counts_only(client, admin, pid, caplog):
    good = token(page(client, pid, admin))
    with caplog.at_level(logging.DEBUG):
        for data in (
            {"action": "approve", "mentees": "lea"},
            {"action": "pin", "mentee": "noa", "mentor": "dee"},
            {"action": "pin", "mentee": "max", "mentor": "lea"},
        ):
            client.post(f"/programmes/{pid}/pairs", data={"csrf_token": good, **data}, headers=admin)
        client.post(f"/programmes/{pid}/run", data={"csrf_token": good}, headers=admin)
        client.post(f"/programmes/{pid}/publish", data={"csrf_token": good}, headers=admin)
        client.get(f"/programmes/{pid}", headers=admin)
        client.get(f"/programmes/{pid}/pairs.csv", headers=admin)
    text = "\n".join(record.getMessage() + (record.exc_text or "") for record in caplog.records)
    assert f"programme {pid} run 2" in text and f"programme {pid} published" in text
    for secret in (
        "Person",
        "TikTok",
        "Instagram",
        "LinkedIn",
        "Reverse mentoring 2027",
        SOCIAL,
        "public speaking",
        good,
    ):
        assert secret not in text, f"the log holds {secret!r}"


def test_each_published_pair_shows_its_progress_and_both_fit_answers(client, admin, service, pid):
    from matcher.relationships.access import Actor

    programmes = service.programmes
    programmes.approve(pid)
    programmes.publish(pid)
    relationships = service.relationships
    found = {r.mentee_key: r for r in service.store.relationships(programme_id=pid)}
    assert set(found) == {"lea", "max", "noa"}
    lea = found["lea"]
    relationships.log_session(Actor.person("lea"), lea.id, {"date": "2026-01-05", "status": "done", "plan_item": 1})
    relationships.log_session(Actor.person(lea.mentor_id), lea.id, {"date": "2026-02-05", "status": "missed"})
    relationships.answer_fit(Actor.person("lea"), lea.id, {"by": "mentee", "fit": "still_deciding"})
    relationships.answer_fit(Actor.person(lea.mentor_id), lea.id, {"by": "mentor", "fit": "good"})
    html = page(client, pid, admin)
    cells = re.findall(r'<div class="pair-progress">(.*?)</div>', html, re.S)
    assert len(cells) == 3
    texts = [" ".join(re.sub(r"<[^>]+>", " ", cell).split()) for cell in cells]
    assert "1 of 3 sessions done, 1 missed Fit: mentee still deciding, mentor good" in " | ".join(texts)
    assert texts.count("0/3 0 of 3 sessions done Fit: mentee not yet, mentor not yet") == 2
