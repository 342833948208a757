"""Introductions and relationships over HTTP (issue 22's contract) with Flask's test client, on the real model,
SQLite and FAISS: who may do what (admin, match and people keys), the state machine's 404/403/409/422 as problem
details naming the field (and the rule), what each side sees, never-again in matches, and a log of ids only."""

from __future__ import annotations

import logging

import pytest

from matcher.api import create_app
from matcher.api.relationship_schemas import IntroductionRequest, PersonRequests, Relationship
from matcher.keys import KeyRing
from tests.api_people import NEED, bearer, open_service

PROBLEM = "application/problem+json"


@pytest.fixture
def service(tmp_path, embedder):
    svc = open_service(tmp_path / "data", embedder)
    yield svc
    svc.close()


@pytest.fixture
def keys(service):
    ring = KeyRing(service.store)
    return {
        name: ring.create(scope, name)[1]
        for name, scope in (("admin", "admin"), ("app", "match"), ("other_app", "match"), ("people", "people"))
    }


@pytest.fixture
def client(service):
    return create_app({"key_rate_limit": "100000 per minute"}, service=service).test_client()


@pytest.fixture
def call(client, keys):
    """call(METHOD, path, key name, body=None, person=None): a request with that key (and On-Behalf-Of)."""

    def send(method: str, path: str, key: str, body=None, person: str | None = None):
        headers = bearer(keys[key]) | ({"On-Behalf-Of": person} if person else {})
        return client.open(path, method=method, json=body, headers=headers)

    return send


def asked(mentee="cleo", mentor="ben", style="reverse", need=NEED) -> dict:
    return {"mentee_id": mentee, "mentor_id": mentor, "need": need, "style": style}


def problem(response, status: int, field: str) -> dict:
    assert response.status_code == status, response.json
    assert response.mimetype == PROBLEM and response.json["status"] == status
    assert field in [e["field"] for e in response.json["errors"]], response.json
    return response.json


def test_an_app_asks_the_mentor_accepts_and_a_match_key_can_never_answer(call):
    created = call("POST", "/v1/requests", "app", asked())
    assert created.status_code == 201 and created.headers["Cache-Control"] == "no-store"
    request = IntroductionRequest.model_validate(created.json)
    assert request.state == "pending" and created.headers["Location"].endswith(f"/v1/requests/{request.id}")
    assert call("GET", f"/v1/requests/{request.id}", "app").json == created.json
    problem(call("GET", f"/v1/requests/{request.id}", "other_app"), 403, "request_id")  # another app's

    for key, person in (("app", None), ("people", "cleo"), ("people", "eli")):
        refused = problem(
            call("POST", f"/v1/requests/{request.id}/answer", key, {"answer": "accept"}, person), 403, "request_id"
        )
        assert refused["type"].endswith("/not-allowed")
    assert call("GET", f"/v1/requests/{request.id}", "admin").json["state"] == "pending"  # nothing changed

    accepted = call("POST", f"/v1/requests/{request.id}/answer", "people", {"answer": "accept"}, "ben")
    assert accepted.status_code == 200 and accepted.json["state"] == "accepted"
    rid = accepted.json["relationship_id"]
    assert call("GET", f"/v1/requests/{request.id}", "app").json["state"] == "accepted"  # the app follows it
    problem(call("GET", f"/v1/relationships/{rid}", "app"), 403, "relationship_id")  # but sees no relationship
    seen = Relationship.model_validate(call("GET", f"/v1/relationships/{rid}", "people", person="cleo").json)
    assert (seen.state, seen.origin, seen.request_id, seen.progress.sessions_planned) == (
        "active",
        "request",
        request.id,
        6,
    )
    topics = [c.topic for session in seen.plan for c in session.covers]
    assert "TikTok and Instagram" in topics  # the plan follows the need (programmes/topics.py reads it)
    problem(call("GET", f"/v1/relationships/{rid}", "people", person="eli"), 403, "relationship_id")
    again = call("POST", f"/v1/requests/{request.id}/answer", "admin", {"answer": "decline"})
    assert problem(again, 409, "request_id")["state"] == "accepted"
    assert (
        problem(call("POST", f"/v1/requests/{request.id}/withdraw", "people", person="cleo"), 409, "request_id")[
            "state"
        ]
        == "accepted"
    )
    assert (
        problem(call("POST", "/v1/requests", "app", asked(style="e-mentoring")), 409, "mentor_id")["relationship_id"]
        == rid
    )


def test_people_see_their_own_requests_and_an_app_only_those_it_made(call):
    mine = call("POST", "/v1/requests", "app", asked()).json
    theirs = call("POST", "/v1/requests", "other_app", asked(mentee="gus", mentor="ana", style="reverse")).json
    assert theirs.get("state") == "pending", theirs
    own = PersonRequests.model_validate(call("GET", "/v1/people/ben/requests", "people", person="ben").json)
    assert [r.id for r in own.incoming] == [mine["id"]] and own.outgoing == []
    assert [r["id"] for r in call("GET", "/v1/people/ana/requests", "app").json["incoming"]] == []
    assert [r["id"] for r in call("GET", "/v1/people/ana/requests", "other_app").json["incoming"]] == [theirs["id"]]
    assert call("GET", "/v1/people/ana/requests", "admin").json["incoming"][0]["id"] == theirs["id"]
    problem(call("GET", "/v1/people/ana/requests", "people", person="ben"), 403, "person_id")
    problem(call("GET", "/v1/people/nobody/requests", "admin"), 404, "person_id")
    problem(call("GET", "/v1/people/ben/requests", "people"), 422, "On-Behalf-Of")  # a people key names someone
    problem(call("GET", "/v1/people/ben/requests", "people", person="nobody"), 422, "On-Behalf-Of")
    problem(call("POST", "/v1/requests", "people", asked(), person="eli"), 403, "mentee_id")  # only for oneself
    withdrawn = call("POST", f"/v1/requests/{mine['id']}/withdraw", "people", person="cleo")
    assert withdrawn.json["state"] == "withdrawn" and withdrawn.json["answered_at"]
    problem(call("POST", f"/v1/requests/{theirs['id']}/withdraw", "app"), 403, "request_id")


@pytest.mark.parametrize(
    "key,body,rule",
    [
        ("admin", asked(mentee="cleo", mentor="ana"), "reporting_line"),  # ana reports to cleo
        ("admin", asked(mentee="hal", mentor="hal", style="flash"), "oneself"),
        ("admin", asked(mentee="fay", mentor="eli"), "style"),  # eli offers no reverse mentoring (and is senior)
        ("admin", asked(mentee="fay", mentor="hal", style="flash"), "not_a_mentor"),
    ],
)
def test_a_request_the_rules_refuse_is_422_naming_the_rule(call, key, body, rule):
    refused = problem(call("POST", "/v1/requests", key, body), 422, "mentor_id")
    assert refused["rule"] == rule and refused["type"].endswith("/rule") and f"rule: {rule}" in refused["detail"]
    assert call("GET", f"/v1/people/{body['mentee_id']}/requests", "admin").json["outgoing"] == []


def test_room_open_requests_and_unknown_people(call, service):
    assert (
        call("POST", "/v1/requests", "admin", asked(mentee="fay", mentor="gus", style="traditional")).status_code == 201
    )
    assert (
        call("POST", "/v1/requests", "admin", asked(mentee="ben", mentor="gus", style="traditional")).status_code == 201
    )
    full = problem(
        call("POST", "/v1/requests", "admin", asked(mentee="hal", mentor="gus", style="traditional")), 422, "mentor_id"
    )
    assert full["rule"] == "no_room"  # gus's two places are held by the pending requests
    for mentor in ("ben", "fay", "ana"):
        assert call("POST", "/v1/requests", "admin", asked(mentee="hal", mentor=mentor)).status_code == 201
    assert (
        "MATCHER_MAX_OPEN_REQUESTS=3"
        in problem(
            call("POST", "/v1/requests", "admin", asked(mentee="hal", mentor="dev", style="flash")), 409, "mentee_id"
        )["detail"]
    )
    problem(call("POST", "/v1/requests", "admin", asked(mentor="nobody")), 422, "mentor_id")
    problem(call("POST", "/v1/requests", "admin", asked(mentee="nobody")), 422, "mentee_id")
    # A match key names only active, discoverable mentors: hal (no mentor) is answered like an unknown id.
    assert (
        "may be named here"
        in problem(
            call("POST", "/v1/requests", "app", asked(mentee="fay", mentor="hal", style="flash")), 422, "mentor_id"
        )["detail"]
    )
    for bad, field in (
        ({**asked(), "style": "any"}, "style"),
        ({**asked(), "need": ""}, "need"),
        ({**asked(), "extra": 1}, "extra"),
        ({**asked(), "mentor_id": "a b"}, "mentor_id"),
    ):
        problem(call("POST", "/v1/requests", "admin", bad), 422, field)
    problem(call("GET", "/v1/requests/req-nope", "admin"), 404, "request_id")
    problem(call("POST", "/v1/requests/req-nope/answer", "admin", {"answer": "accept"}), 404, "request_id")
    problem(call("GET", "/v1/relationships/rel-nope", "admin"), 404, "relationship_id")


def test_sessions_fit_and_what_each_side_sees(call, service):
    rid = call(
        "POST",
        f"/v1/requests/{call('POST', '/v1/requests', 'app', asked()).json['id']}/answer",
        "admin",
        {"answer": "accept"},
    ).json["relationship_id"]
    path = f"/v1/relationships/{rid}"
    problem(call("POST", f"{path}/fit", "people", {"by": "mentee", "fit": "good"}, "cleo"), 422, "fit")  # too early
    for date in ("2027-13-01", "01/02/2027", "2027-02-30", "2999-01-01"):
        problem(call("POST", f"{path}/sessions", "people", {"date": date, "status": "done"}, "cleo"), 422, "date")
    problem(
        call("POST", f"{path}/sessions", "admin", {"date": "2026-01-05", "status": "done", "plan_item": 7}),
        422,
        "plan_item",
    )
    problem(call("POST", f"{path}/sessions", "admin", {"date": "2026-01-05", "status": "maybe"}), 422, "status")
    logged = call(
        "POST", f"{path}/sessions", "people", {"date": "2026-01-05", "status": "done", "plan_item": 2}, "ben"
    )  # item 1 is the start (goals agreed), item 2 the first topic
    assert logged.status_code == 200 and logged.headers["Cache-Control"] == "no-store"
    progress = logged.json["progress"]
    assert (progress["sessions_done"], progress["sessions_planned"], progress["items_covered"]) == (1, 6, [2])
    assert progress["topics_covered"] and logged.json["sessions"][0]["logged_by"] == "mentor"

    problem(call("POST", f"{path}/fit", "people", {"by": "mentee", "fit": "good"}, "ben"), 403, "by")
    assert call("POST", f"{path}/fit", "people", {"by": "mentor", "fit": "not_a_fit"}, "ben").json["fit"] == {
        "mentor": "not_a_fit"
    }
    assert call("GET", path, "people", person="cleo").json["fit"] == {}  # the mentor's answer is for admins
    assert call("GET", path, "people", person="cleo").json["state"] == "active"
    ended = call("POST", f"{path}/fit", "people", {"by": "mentee", "fit": "not_a_fit"}, "cleo").json
    assert (ended["state"], ended["end_reason"], ended["ended_by"], ended["fit"]) == (
        "ended",
        "not_a_fit",
        "mentee",
        {"mentee": "not_a_fit"},
    )
    mentor_view = Relationship.model_validate(call("GET", path, "people", person="ben").json)
    assert mentor_view.fit.mentee is None and mentor_view.end_reason is None and mentor_view.ended_by == "mentee"
    assert call("GET", path, "admin").json["fit"] == {"mentee": "not_a_fit", "mentor": "not_a_fit"}
    problem(call("POST", f"{path}/sessions", "admin", {"date": "2026-01-12", "status": "done"}), 409, "relationship_id")

    # Never again: ben is not proposed to cleo, in a match or a request.
    match = call("POST", "/v1/match", "app", {"need": NEED, "style": "reverse", "mentee": {"id": "cleo"}}).json
    assert "ben" not in [m["mentor"]["id"] for m in match["matches"]] and match["matches"]
    assert problem(call("POST", "/v1/requests", "app", asked()), 422, "mentor_id")["rule"] == "never_again"
    assert "ben" in [
        m["mentor"]["id"]
        for m in call("POST", "/v1/match", "app", {"need": NEED, "style": "reverse", "mentee": {"seniority": 9}}).json[
            "matches"
        ]
    ]  # for others he still is


def test_a_flash_relationship_completes_and_a_decline_bans(call):
    request = call(
        "POST",
        "/v1/requests",
        "app",
        asked(mentee="hal", mentor="dev", style="flash", need="one session on SQL window functions"),
    ).json
    rid = call("POST", f"/v1/requests/{request['id']}/answer", "people", {"answer": "accept"}, "dev").json[
        "relationship_id"
    ]
    done = call(
        "POST", f"/v1/relationships/{rid}/sessions", "people", {"date": "2026-01-05", "status": "done"}, "hal"
    ).json
    assert done["state"] == "completed" and done["progress"]["sessions_planned"] == 1
    assert call("POST", f"/v1/relationships/{rid}/fit", "people", {"by": "mentee", "fit": "good"}, "hal").json[
        "fit"
    ] == {"mentee": "good"}  # the fit question still counts after the last session
    problem(
        call("POST", f"/v1/requests/{request['id']}/answer", "people", {"answer": "accept", "reason": "other"}, "dev"),
        422,
        "reason",
    )

    second = call("POST", "/v1/requests", "app", asked(mentee="hal", mentor="ben", need=NEED)).json
    declined = call(
        "POST", f"/v1/requests/{second['id']}/answer", "people", {"answer": "decline", "reason": "not_my_topic"}, "ben"
    ).json
    assert (declined["state"], declined["reason"]) == ("declined", "not_my_topic")
    assert call("GET", f"/v1/requests/{second['id']}", "app").json["reason"] == "not_my_topic"
    problem(
        call("POST", f"/v1/requests/{second['id']}/answer", "people", {"answer": "decline", "reason": "busy"}, "ben"),
        422,
        "reason",
    )
    assert (
        problem(
            call("POST", "/v1/requests", "app", asked(mentee="hal", mentor="ben", style="e-mentoring")),
            422,
            "mentor_id",
        )["rule"]
        == "never_again"
    )
    ended = call("POST", "/v1/requests", "app", asked(mentee="hal", mentor="fay")).json
    rel = call("POST", f"/v1/requests/{ended['id']}/answer", "admin", {"answer": "accept"}).json["relationship_id"]
    out = call("POST", f"/v1/relationships/{rel}/end", "people", {"reason": "goal_reached"}, "fay").json
    assert (out["state"], out["end_reason"], out["ended_by"]) == ("ended", "goal_reached", "mentor")
    listed = call("GET", "/v1/people/hal/relationships", "people", person="hal").json["relationships"]
    assert sorted(r["state"] for r in listed) == ["completed", "ended"]
    problem(call("GET", "/v1/people/hal/relationships", "app"), 403, "person_id")


def test_the_log_holds_ids_and_states_never_needs_or_fit_answers(call, caplog):
    secret = "I secretly cannot post on Instagram and fear TikTok"
    with caplog.at_level(logging.DEBUG):
        request = call("POST", "/v1/requests", "app", asked(need=secret)).json
        rid = call("POST", f"/v1/requests/{request['id']}/answer", "admin", {"answer": "accept"}).json[
            "relationship_id"
        ]
        call("POST", f"/v1/relationships/{rid}/sessions", "admin", {"date": "2026-01-05", "status": "done"})
        call("POST", f"/v1/relationships/{rid}/fit", "admin", {"by": "mentee", "fit": "still_deciding"})
    text = "\n".join(record.getMessage() for record in caplog.records)
    assert request["id"] in text and rid in text
    for hidden in (secret, "Instagram", "still_deciding", "Person cleo"):
        assert hidden not in text


def test_the_openapi_document_describes_the_routes(client):
    doc = client.get("/openapi.json").json
    create = doc["paths"]["/v1/requests"]["post"]
    assert create["x-required-scope"] == "match" and "On-Behalf-Of" in create["description"]
    assert set(create["responses"]) >= {"201", "403", "409", "422"}
    assert doc["components"]["schemas"]["NewRequest"]["required"] == ["mentee_id", "mentor_id", "need", "style"]
    fit = doc["paths"]["/v1/relationships/{relationship_id}/fit"]["post"]
    assert fit["requestBody"]["content"]["application/json"]["schema"]["$ref"].endswith("/FitAnswer")
