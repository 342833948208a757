"""The pages for people (/me and "Ask for an introduction") with Flask's test client, over a real store and model:
who a visitor is (the trusted proxy's user mapped by the private `email` field, case-insensitively; nobody off
loopback without a proxy; the local demo only when asked for, on loopback, without a proxy), the CSRF token on
every POST, and the RelationshipService's rules seen through the pages (nobody acts on another's request or
relationship; the fit question after the first session; a mentor never sees the mentee's fit answer)."""

from __future__ import annotations

import re

import pytest

from matcher.api import create_app
from matcher.api.people_signin import EXTENSION, Me
from matcher.relationships.access import Actor
from tests.conftest import profile

PROXY = "10.0.0.5"
LEAD, SAM, OUT = "Lea.Lead@Example.com", "sam@example.com", "out@example.com"
PEOPLE = [
    profile("lead", 9, "I run the sales division and coach managers on forecasting.", styles=[], email=LEAD),
    profile(
        "sam",
        2,
        "I film TikTok videos every week and teach leaders to post on Instagram Reels.",
        styles=["reverse", "flash"],
        email=SAM,
    ),
    profile(
        "out", 3, "I run our Instagram account and plan content calendars for TikTok.", styles=["reverse"], email=OUT
    ),
    profile("dup1", 4, "I write SQL.", styles=["flash"], email="dup@example.com"),
    profile("dup2", 4, "I write SQL too.", styles=["flash"], email="DUP@example.com"),
]
NEED = "TikTok and Instagram for a senior leader"


@pytest.fixture(scope="module")
def service(tmp_path_factory, embedder):
    from matcher.config import Settings
    from matcher.service import MatchService

    svc = MatchService(Settings(data_dir=tmp_path_factory.mktemp("people-pages") / "data"), embedder=embedder).open()
    assert not svc.import_items(list(enumerate(PEOPLE, start=1))).rejected
    yield svc
    svc.close()


def app_for(service, host: str | None = "10.0.0.1", **settings):
    config = {"trusted_proxies": PROXY, "form": "signed-in", **settings}
    return create_app(config, service=service, serving_host=host)


@pytest.fixture(scope="module")
def client(service):
    return app_for(service).test_client()


def as_user(user: str) -> dict:
    return {"environ_base": {"REMOTE_ADDR": PROXY}, "headers": {"X-Forwarded-User": user}}


def token(html: str) -> str:
    found = set(re.findall(r'name="csrf_token" value="([0-9a-f]{64})"', html))
    assert len(found) == 1, found
    return found.pop()


def me(client, user: str) -> tuple[str, str]:
    response = client.get("/me", **as_user(user))
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    assert response.headers["Cache-Control"] == "no-store"
    html = response.get_data(as_text=True)
    if "csrf_token" in html:
        return html, token(html)
    ids = client.application.extensions[EXTENSION]  # a page without forms: the token its forms would carry
    with client.application.test_request_context("/me", **as_user(user)):
        return html, ids.csrf_token(ids.me())


def post(client, user: str, path: str, data: dict, csrf: str | None):
    if csrf is not None:
        data = {**data, "csrf_token": csrf}
    return client.post(path, data=data, **as_user(user))


def request_ids(html: str) -> list[str]:
    return re.findall(r'id="req-(req-[0-9a-f]+)"', html)


def test_a_signed_in_person_asks_from_a_result_card_and_the_mentor_accepts_logs_and_answers_fit(service, client):
    # The form knows the lead (by e-mail, another case): each card carries "Ask for an introduction".
    page = client.post("/", data={"need": NEED, "style": "reverse"}, **as_user("LEA.lead@example.com"))
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and html.count("Ask for an introduction") >= 1
    assert 'value="sam"' in html and LEAD not in html  # the stored address is never shown (the header's value is)
    csrf = token(html)
    asked = post(client, LEAD, "/me/requests", {"mentor_id": "sam", "need": NEED, "style": "reverse"}, csrf)
    assert asked.status_code == 303 and asked.headers["Location"].endswith("/me?done=asked#outgoing")
    # The mentor sees it on /me and accepts.
    html, sam_csrf = me(client, SAM)
    assert "Person lead" in html and NEED in html
    (request_id,) = request_ids(html)
    accepted = post(client, SAM, f"/me/requests/{request_id}/answer", {"answer": "accept"}, sam_csrf)
    assert accepted.status_code == 303
    rels = service.relationships.store.relationships(person_id="sam")
    assert len(rels) == 1 and rels[0].state == "active"
    rid = rels[0].id
    # The fit question before any session: refused on the page (422), nothing stored.
    early = post(client, SAM, f"/me/relationships/{rid}/fit", {"fit": "good"}, sam_csrf)
    assert early.status_code == 422 and "after the first session" in early.get_data(as_text=True)
    logged = post(
        client,
        SAM,
        f"/me/relationships/{rid}/sessions",
        {"date": "2026-01-05", "status": "done", "plan_item": "1"},
        sam_csrf,
    )
    assert logged.status_code == 303
    assert post(client, SAM, f"/me/relationships/{rid}/fit", {"fit": "good"}, sam_csrf).status_code == 303
    # The mentee answers too; the mentor never sees the mentee's answer, the mentee sees their own.
    html, lead_csrf = me(client, LEAD)
    assert "1 of 6 sessions done" in html
    assert post(client, LEAD, f"/me/relationships/{rid}/fit", {"fit": "still_deciding"}, lead_csrf).status_code == 303
    lead_html, _ = me(client, LEAD)
    sam_html, _ = me(client, SAM)
    assert 'value="still_deciding" checked' in lead_html and 'value="good" checked' not in lead_html
    assert 'value="good" checked' in sam_html and 'value="still_deciding" checked' not in sam_html
    fits = {f.side: f.fit for f in service.relationships.store.fits([rid])[rid]}
    assert fits == {"mentor": "good", "mentee": "still_deciding"}


def sam_and_lead(service) -> str:
    """The lead and sam's relationship (the first test makes it through the pages; alone, made here)."""
    found = service.relationships.store.relationships(person_id="sam")
    if not found:
        relationships = service.relationships
        asked = relationships.ask(
            Actor.person("lead"), {"mentee_id": "lead", "mentor_id": "sam", "need": NEED, "style": "reverse"}
        )
        relationships.answer(Actor.person("sam"), asked["id"], {"answer": "accept"})
        relationships.log_session(
            Actor.person("sam"),
            relationships.store.relationships(person_id="sam")[0].id,
            {"date": "2026-01-05", "status": "done"},
        )
        found = service.relationships.store.relationships(person_id="sam")
    return found[0].id


def test_nobody_acts_on_someone_else_s_request_or_relationship(service, client):
    html, lead_csrf = me(client, LEAD)
    asked = post(client, LEAD, "/me/requests", {"mentor_id": "out", "need": NEED, "style": "reverse"}, lead_csrf)
    assert asked.status_code == 303
    (request_id,) = [r.id for r in service.relationships.store.requests(person_id="out")]
    _, sam_csrf = me(client, SAM)
    # Sam (not the mentor asked) cannot answer it, and cannot withdraw it (not the mentee): 403 pages.
    for path, data in (
        (f"/me/requests/{request_id}/answer", {"answer": "accept"}),
        (f"/me/requests/{request_id}/withdraw", {}),
    ):
        refused = post(client, SAM, path, data, sam_csrf)
        assert refused.status_code == 403 and "someone else" in refused.get_data(as_text=True)
    # The mentee cannot accept their own request either; unknown ids are 404 pages.
    assert post(client, LEAD, f"/me/requests/{request_id}/answer", {"answer": "accept"}, lead_csrf).status_code == 403
    assert post(client, LEAD, "/me/requests/req-nope/withdraw", {}, lead_csrf).status_code == 404
    # Out's relationship list stays empty; nobody but the two logs in the lead and sam's relationship.
    rid = sam_and_lead(service)
    _, out_csrf = me(client, OUT)
    for path, data in (
        (f"/me/relationships/{rid}/sessions", {"date": "2026-01-06", "status": "done"}),
        (f"/me/relationships/{rid}/fit", {"fit": "not_a_fit"}),
    ):
        assert post(client, OUT, path, data, out_csrf).status_code == 403
    assert len(service.relationships.store.sessions([rid])[rid]) == 1
    # A person asks for themselves only: the form's mentee is always the signed-in person, whatever is posted.
    body = {"mentor_id": "sam", "need": NEED, "style": "reverse", "mentee_id": "lead"}
    assert post(client, OUT, "/me/requests", body, out_csrf).status_code == 303
    (made,) = [r for r in service.relationships.store.requests(person_id="sam") if r.state == "pending"]
    assert made.mentee_id == "out"
    # Sam declines it with a reason: never again for that pair (asking again is refused on the page, 422).
    _, sam_csrf = me(client, SAM)
    decline = {"answer": "decline", "reason": "no_time"}
    assert post(client, SAM, f"/me/requests/{made.id}/answer", decline, sam_csrf).status_code == 303
    stored = service.relationships.store.request(made.id)
    assert stored.state == "declined" and stored.reason == "no_time"
    again = post(client, OUT, "/me/requests", {"mentor_id": "sam", "need": NEED, "style": "reverse"}, out_csrf)
    assert again.status_code == 422 and "never_again" in again.get_data(as_text=True)
    # The mentee withdraws their own pending request.
    assert post(client, LEAD, f"/me/requests/{request_id}/withdraw", {}, lead_csrf).status_code == 303
    assert service.relationships.store.request(request_id).state == "withdrawn"


def test_every_post_needs_the_visitor_s_own_token_and_this_site(client):
    _, lead_csrf = me(client, LEAD)
    _, sam_csrf = me(client, SAM)
    body = {"mentor_id": "sam", "need": NEED, "style": "reverse"}
    assert post(client, LEAD, "/me/requests", body, None).status_code == 400
    assert post(client, LEAD, "/me/requests", body, sam_csrf).status_code == 400  # another person's token
    foreign = client.post(
        "/me/requests",
        data={**body, "csrf_token": lead_csrf},
        environ_base={"REMOTE_ADDR": PROXY},
        headers={"X-Forwarded-User": LEAD, "Origin": "https://evil.example"},
    )
    assert foreign.status_code == 403


def test_who_is_signed_in(service):
    # Off loopback, without a proxy, nobody is anybody: the header from elsewhere is ignored.
    app = app_for(service)
    client = app.test_client()
    spoofed = client.get("/me", headers={"X-Forwarded-User": LEAD}, environ_base={"REMOTE_ADDR": "10.9.9.9"})
    assert spoofed.status_code == 403
    open_off_loopback = app_for(service, form="open", trusted_proxies="").test_client()
    assert open_off_loopback.get("/me", headers={"X-Forwarded-User": LEAD}).status_code == 403
    html = open_off_loopback.post("/", data={"need": NEED, "style": "reverse"}).get_data(as_text=True)
    assert "Ask for an introduction" not in html  # the open form searches, nobody asks
    # A user no profile carries, or two profiles carry, is signed in but may not act.
    unknown = client.get("/me", **as_user("nobody@example.com"))
    assert unknown.status_code == 200 and "No stored profile carries your sign-in address" in unknown.get_data(
        as_text=True
    )
    with app.app_context():  # their own valid token (the page has no form to take it from)
        csrf = app.extensions[EXTENSION].csrf_token(Me("proxy", "nobody@example.com", None, "unknown"))
    refused = post(
        client, "nobody@example.com", "/me/requests", {"mentor_id": "sam", "need": NEED, "style": "reverse"}, csrf
    )
    assert refused.status_code == 403
    assert "More than one stored profile" in client.get("/me", **as_user("dup@example.com")).get_data(as_text=True)


def test_the_local_demo_acts_as_a_picked_profile_only_when_asked_on_loopback_without_a_proxy(service):
    local = {"REMOTE_ADDR": "127.0.0.1"}
    # Not asked for: nobody.
    plain = app_for(service, host="127.0.0.1", form="auto", trusted_proxies="").test_client()
    assert plain.get("/me", environ_base=local).status_code == 403
    # Asked for, but served off loopback or behind a proxy: still nobody.
    for host, proxies in (("10.0.0.1", ""), ("127.0.0.1", "127.0.0.1")):
        client = app_for(service, host=host, form="open", trusted_proxies=proxies, demo_act_as=True).test_client()
        assert client.get("/me", environ_base=local).status_code == 403
    demo = app_for(service, host="127.0.0.1", form="auto", trusted_proxies="", demo_act_as=True).test_client()
    # From another address (a port forwarded to the world): nobody.
    assert demo.get("/me", environ_base={"REMOTE_ADDR": "10.1.2.3"}).status_code == 403
    page = demo.get("/me", environ_base=local)
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "Demo mode" in html and 'value="out"' in html
    picked = demo.post("/me/act-as", data={"profile_id": "out", "csrf_token": token(html)}, environ_base=local)
    assert picked.status_code == 303 and "HttpOnly" in picked.headers["Set-Cookie"]
    html = demo.get("/me", environ_base=local).get_data(as_text=True)
    assert "you are acting as\n    out." in html and "Your requests" in html
    # Acting as someone needs the token bound to that someone.
    assert (
        demo.post(
            "/me/requests", data={"mentor_id": "sam", "need": NEED, "style": "reverse"}, environ_base=local
        ).status_code
        == 400
    )


def test_actions_are_rate_limited_like_searches(service):
    app = app_for(service, form_rate_limit="2 per minute")
    client = app.test_client()
    with app.app_context():
        csrf = app.extensions[EXTENSION].csrf_token(Me("proxy", LEAD, "lead"))
    answers = [post(client, LEAD, "/me/requests/req-none/withdraw", {}, csrf).status_code for _ in range(3)]
    assert answers == [404, 404, 429]
    assert client.get("/me", **as_user(LEAD)).status_code == 200  # reading is not counted


def test_a_known_person_searches_as_their_stored_profile(client):
    """Their stored seniority counts (reverse needs one; nobody typed it), so the cards are mentors they may ask."""
    body = {"need": NEED, "style": "reverse"}
    anonymous = client.post("/", data=body, environ_base={"REMOTE_ADDR": PROXY})
    assert anonymous.status_code == 403  # signed-in mode: nobody without the proxy's word
    unknown = client.post("/", data=body, **as_user("nobody@example.com"))
    assert unknown.status_code == 422 and "seniority" in unknown.get_data(as_text=True).lower()
    known = client.post("/", data=body, **as_user(LEAD))
    assert known.status_code == 200 and "Ask Person sam for an introduction" in known.get_data(as_text=True)
