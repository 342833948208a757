"""Programmes over HTTP (admin scope) with Flask's test client: create, list, read, run, act on pairs, publish
(idempotent; 409 naming the over-committed mentors), export CSV, delete; 401/403/404/422 as problem details
naming the field; every answer matches its response model; the log holds ids and counts only."""

from __future__ import annotations

import csv
import io
import logging

import pytest

from matcher.api import create_app
from matcher.api.schemas import Programme, ProgrammeList, PublishResponse
from tests.api_people import bearer, make_keys
from tests.test_programmes import COHORT, SOCIAL, open_people

PROBLEM = "application/problem+json"


@pytest.fixture
def service(make_service):
    return open_people(make_service)


@pytest.fixture
def keys(service):
    return make_keys(service)


@pytest.fixture
def client(service):
    return create_app({"key_rate_limit": "100000 per minute"}, service=service).test_client()


@pytest.fixture
def admin(keys):
    return bearer(keys["admin"])


def definition(**rules):
    return {"name": "Reverse mentoring 2027", "style": "reverse", "cohort": COHORT, "sessions": 4, **rules}


def create(client, admin, **rules) -> str:
    response = client.post("/v1/programmes", json=definition(**rules), headers=admin)
    assert response.status_code == 201, response.json
    return response.json["id"]


def mentors(body) -> dict[str, str | None]:
    return {line["mentee"]: line["mentor"] for line in body["pairs"]}


def statuses(body) -> dict[str, str]:
    return {line["mentee"]: line["status"] for line in body["pairs"]}


def test_create_run_read_list_and_delete(client, admin):
    response = client.post("/v1/programmes", json=definition(), headers=admin)
    assert response.status_code == 201
    body = Programme.model_validate(response.json).model_dump()
    pid = body["id"]
    assert response.headers["Location"] == f"/v1/programmes/{pid}"
    assert body["status"] == "draft" and body["runs"] == 0 and body["definition"]["style"] == "reverse"
    assert "cohort" not in body["definition"]  # the needs are not echoed back
    assert statuses(body) == {"lea": "waiting", "max": "waiting", "noa": "waiting"}

    ran = client.post(f"/v1/programmes/{pid}/runs", headers=admin)
    assert ran.status_code == 200
    Programme.model_validate(ran.json)
    assert mentors(ran.json) == {"lea": "ana", "max": "ben", "noa": "cai"}
    lea = ran.json["pairs"][0]
    assert lea["mentee_name"] == "Person lea" and lea["mentor_name"] == "Person ana" and 0 < lea["score"] <= 1
    assert lea["evidence"] == [SOCIAL] and len(lea["plan"]) == 4 and lea["plan"][1]["covers"]
    assert [s["kind"] for s in lea["plan"]] == ["start", "topics", "apply", "review"]
    assert all(s["date"] is None for s in lea["plan"])  # no start date: no dates
    assert ran.json["summary"]["proposed"] == 3 and ran.json["runs"] == 1

    read = client.get(response.headers["Location"], headers=admin)
    assert read.status_code == 200 and read.json == ran.json

    listed = client.get("/v1/programmes", headers=admin)
    assert listed.status_code == 200
    ProgrammeList.model_validate(listed.json)
    [entry] = [p for p in listed.json["programmes"] if p["id"] == pid]
    assert entry["style"] == "reverse" and entry["runs"] == 1 and entry["summary"]["proposed"] == 3
    assert "pairs" not in entry

    assert client.delete(f"/v1/programmes/{pid}", headers=admin).status_code == 204
    gone = client.get(f"/v1/programmes/{pid}", headers=admin)
    assert gone.status_code == 404 and gone.mimetype == PROBLEM
    assert gone.json["errors"] == [{"field": "programme_id", "reason": "no programme with this id"}]
    assert pid not in {p["id"] for p in client.get("/v1/programmes", headers=admin).json["programmes"]}


def test_an_inline_cohort_member_and_the_unmatched_reason(client, admin):
    cohort = [{"ref": "intern", "mentee": {"seniority": 1}, "need": "TikTok"}, COHORT[0]]
    pid = client.post(
        "/v1/programmes", json={"name": "Edge", "style": "reverse", "cohort": cohort}, headers=admin
    ).json["id"]
    body = client.post(f"/v1/programmes/{pid}/runs", headers=admin).json
    intern = body["pairs"][0]
    assert intern["mentee"] == "intern" and intern["mentee_name"] == "intern" and intern["mentor"] is None
    assert intern["status"] == "unmatched" and "nobody eligible" in intern["reason"]


def test_pair_actions_approve_reject_pin_ban_and_approve_all(client, admin):
    pid = create(client, admin)
    client.post(f"/v1/programmes/{pid}/runs", headers=admin)

    def act(**body):
        response = client.post(f"/v1/programmes/{pid}/pairs", json=body, headers=admin)
        assert response.status_code == 200, response.json
        return Programme.model_validate(response.json).model_dump()

    body = act(action="approve", mentees=["lea"])
    assert statuses(body) == {"lea": "approved", "max": "proposed", "noa": "proposed"}
    body = act(action="reject", mentees=["max"])
    assert statuses(body)["max"] == "unmatched" and {"mentee": "max", "mentor": "ben"} in body["bans"]
    body = act(action="pin", mentees=["noa"], mentor="dee")
    assert mentors(body)["noa"] == "dee" and statuses(body)["noa"] == "pinned"
    body = act(action="ban", mentees=["noa"], mentor="dee")
    assert statuses(body)["noa"] == "unmatched" and {"mentee": "noa", "mentor": "dee"} in body["bans"]
    body = client.post(f"/v1/programmes/{pid}/runs", headers=admin).json  # the remainder
    assert mentors(body)["lea"] == "ana" and statuses(body)["lea"] == "approved"
    assert mentors(body)["max"] not in (None, "ben") and mentors(body)["noa"] != "dee"
    body = act(action="approve")  # no mentees: every proposal
    assert {s for s in statuses(body).values()} <= {"approved", "unmatched"}
    assert body["summary"]["proposed"] == 0


@pytest.mark.parametrize(
    "body,field,says",
    [
        ({"action": "wave"}, "action", "Input should be 'approve', 'reject', 'pin' or 'ban'"),
        ({"mentees": ["lea"]}, "action", "Field required"),
        ({"action": "pin", "mentees": ["lea"]}, "mentor", "pin needs the mentor's profile id"),
        ({"action": "ban", "mentees": ["lea", "max"], "mentor": "dee"}, "mentees", "exactly one mentee"),
        ({"action": "pin", "mentor": "dee"}, "mentees", "exactly one mentee"),
        ({"action": "reject"}, "mentees", "name the members whose pairs to reject"),
        ({"action": "approve", "mentor": "ana"}, "mentor", "only pin and ban take a mentor"),
        ({"action": "approve", "mentees": []}, "mentees", "at least 1 item"),
        ({"action": "approve", "mentees": ["bad id!"]}, "mentees.0", "should match pattern"),
        ({"action": "approve", "mentees": ["zed"]}, "mentees", "not in this programme's cohort: 'zed'"),
        ({"action": "reject", "mentees": ["zed"]}, "mentees", "not in this programme's cohort"),
        ({"action": "pin", "mentees": ["zed"], "mentor": "dee"}, "mentee", "not in this programme's cohort"),
        ({"action": "pin", "mentees": ["noa"], "mentor": "max"}, "mentor", "cannot mentor 'noa'"),
        ({"action": "approve", "why": "because"}, "why", "unknown field"),
        (["approve"], "", "must be a JSON object"),
    ],
)
def test_bad_actions_are_422_naming_the_field(client, admin, body, field, says):
    pid = create(client, admin)
    client.post(f"/v1/programmes/{pid}/runs", headers=admin)
    response = client.post(f"/v1/programmes/{pid}/pairs", json=body, headers=admin)
    assert response.status_code == 422 and response.mimetype == PROBLEM
    assert field in {e["field"] for e in response.json["errors"]}, response.json
    assert says in response.json["detail"]


def test_a_pin_on_a_banned_pair_is_refused(client, admin):
    pid = create(client, admin)
    ban = {"action": "ban", "mentees": ["noa"], "mentor": "dee"}
    client.post(f"/v1/programmes/{pid}/pairs", json=ban, headers=admin)
    response = client.post(
        f"/v1/programmes/{pid}/pairs", json={"action": "pin", "mentees": ["noa"], "mentor": "dee"}, headers=admin
    )
    assert response.status_code == 422 and response.json["errors"][0]["field"] == "mentor"
    assert "banned" in response.json["detail"]


@pytest.mark.parametrize(
    "body,fields",
    [
        ({"name": "", "style": "sideways", "cohort": []}, {"name", "style", "cohort"}),
        ({"name": "x", "cohort": [{"id": "nobody"}]}, {"cohort.0.id"}),
        (
            {"name": "x", "cohort": [{"id": "lea"}], "sessions": 0, "objective": "fun", "min_score": 2},
            {"sessions", "objective", "min_score"},
        ),
        ({"name": "x", "cohort": [{"id": "lea"}, {"id": "lea"}]}, {"cohort.1"}),
        ({"name": "x", "cohort": [{"id": "lea", "gender": "f"}]}, {"cohort.0.gender"}),
        ({"name": "x", "cohort": [{"ref": "r1", "need": "SQL"}]}, {"cohort.0"}),  # reason: "mentee: ..."
        ({"name": "x", "cohort": [{"id": "lea"}], "mentors": {"ids": ["a b"]}}, {"mentors.ids.0"}),
        ({"name": "x"}, {"cohort"}),
        ([], {""}),
    ],
)
def test_bad_definitions_are_422_naming_the_field(client, admin, body, fields):
    response = client.post("/v1/programmes", json=body, headers=admin)
    assert response.status_code == 422 and response.mimetype == PROBLEM
    assert fields <= {e["field"] for e in response.json["errors"]}, response.json


@pytest.mark.parametrize(
    "data,content_type,status",
    [
        (b"{not json", "application/json", 400),
        (b"name=x", "text/plain", 415),
    ],
)
def test_malformed_and_mistyped_bodies(client, admin, data, content_type, status):
    response = client.post("/v1/programmes", data=data, content_type=content_type, headers=admin)
    assert response.status_code == status and response.mimetype == PROBLEM


def test_publishing_is_idempotent_and_never_over_commits(client, admin):
    first = create(client, admin)
    client.post(f"/v1/programmes/{first}/runs", headers=admin)
    client.post(f"/v1/programmes/{first}/pairs", json={"action": "approve"}, headers=admin)
    response = client.post(f"/v1/programmes/{first}/publish", headers=admin)
    assert response.status_code == 200
    body = PublishResponse.model_validate(response.json).model_dump()
    assert {(p["mentee"], p["mentor"]) for p in body["published"]} == {("lea", "ana"), ("max", "ben"), ("noa", "cai")}
    assert body["programme"]["status"] == "published" and body["programme"]["published_at"]
    assert set(statuses(body["programme"]).values()) == {"published"}
    again = client.post(f"/v1/programmes/{first}/publish", headers=admin)
    assert again.status_code == 200 and again.json["published"] == []  # idempotent

    # Two drafts pinned on dee's one place: the second publish is refused whole, naming her.
    pinned = []
    for mentee in ("lea", "max"):
        pid = client.post(
            "/v1/programmes",
            json={
                "name": f"Speaking {mentee}",
                "style": "reverse",
                "cohort": [{"id": mentee, "need": "public speaking"}],
            },
            headers=admin,
        ).json["id"]
        pin = client.post(
            f"/v1/programmes/{pid}/pairs", json={"action": "pin", "mentees": [mentee], "mentor": "dee"}, headers=admin
        )
        assert pin.status_code == 200, pin.json
        pinned.append(pid)
    assert client.post(f"/v1/programmes/{pinned[0]}/publish", headers=admin).status_code == 200
    refused = client.post(f"/v1/programmes/{pinned[1]}/publish", headers=admin)
    assert refused.status_code == 409 and refused.mimetype == PROBLEM
    assert refused.json["type"] == "https://mentor-matcher.dev/problems/over-committed"
    assert refused.json["mentors"] == [{"mentor": "dee", "asked": 1, "left": 0}]
    assert "dee" in refused.json["detail"] and "nothing was published" in refused.json["detail"]
    still = client.get(f"/v1/programmes/{pinned[1]}", headers=admin).json
    assert still["status"] == "draft" and statuses(still) == {"max": "pinned"}


def test_the_csv_export(client, admin):
    pid = create(client, admin)
    client.post(f"/v1/programmes/{pid}/runs", headers=admin)
    response = client.get(f"/v1/programmes/{pid}/pairs.csv", headers=admin)
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"] == f'attachment; filename="{pid}.csv"'
    # Names, needs, evidence: no copy in a browser's or a proxy's cache (the programme itself neither).
    assert response.headers["Cache-Control"] == "no-store"
    assert client.get(f"/v1/programmes/{pid}", headers=admin).headers["Cache-Control"] == "no-store"
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert [(r["mentee_id"], r["mentor_id"]) for r in rows] == [("lea", "ana"), ("max", "ben"), ("noa", "cai")]
    assert SOCIAL in rows[0]["evidence"] and "Session 1" in rows[0]["plan"] and rows[0]["status"] == "proposed"


def test_the_calendar_export_is_admin_only_never_cached_and_needs_a_start_date(client, admin):
    pid = create(client, admin, start_date="2027-05-03", cadence="weekly")
    client.post(f"/v1/programmes/{pid}/runs", headers=admin)
    client.post(f"/v1/programmes/{pid}/pairs", json={"action": "approve", "mentees": ["lea"]}, headers=admin)
    client.post(f"/v1/programmes/{pid}/publish", headers=admin)
    response = client.get(f"/v1/programmes/{pid}/sessions.ics", headers=admin)
    assert response.status_code == 200 and response.mimetype == "text/calendar"
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["Content-Disposition"] == f'attachment; filename="{pid}.ics"'
    text = response.get_data(as_text=True)
    assert text.count("BEGIN:VEVENT") == 4 and "DTSTART;VALUE=DATE:20270524" in text  # the 4th week
    undated = create(client, admin)
    refused = client.get(f"/v1/programmes/{undated}/sessions.ics", headers=admin)
    assert refused.status_code == 409 and refused.mimetype == PROBLEM
    assert refused.json["errors"][0]["field"] == "start_date"


ROUTES = [
    ("POST", "/v1/programmes"),
    ("GET", "/v1/programmes"),
    ("GET", "/v1/programmes/{pid}"),
    ("DELETE", "/v1/programmes/{pid}"),
    ("POST", "/v1/programmes/{pid}/runs"),
    ("POST", "/v1/programmes/{pid}/pairs"),
    ("POST", "/v1/programmes/{pid}/publish"),
    ("GET", "/v1/programmes/{pid}/pairs.csv"),
    ("GET", "/v1/programmes/{pid}/sessions.ics"),
]


def test_only_admin_keys_reach_programmes(client, admin, keys):
    pid = create(client, admin)
    client.post(f"/v1/programmes/{pid}/runs", headers=admin)
    for method, path in ROUTES:
        url = path.format(pid=pid)
        body = definition() if path == "/v1/programmes" else {"action": "approve"}
        for headers, status in (
            ({}, 401),
            (bearer(keys["revoked"]), 401),
            (bearer("mm_x_y"), 401),
            (bearer(keys["match"]), 403),
        ):
            response = client.open(url, method=method, json=body if method == "POST" else None, headers=headers)
            assert response.status_code == status and response.mimetype == PROBLEM, (method, url, headers)
            assert "WWW-Authenticate" in response.headers
            text = response.get_data(as_text=True)
            assert "Person lea" not in text and "TikTok" not in text and "ana" not in text
    assert client.get(f"/v1/programmes/{pid}", headers=admin).json["summary"]["proposed"] == 3  # nothing changed


def test_an_unknown_programme_is_404_on_every_route(client, admin):
    for method, path in ROUTES[2:]:
        response = client.open(
            path.format(pid="prog-nope"),
            method=method,
            headers=admin,
            json={"action": "approve"} if method == "POST" else None,
        )
        assert response.status_code == 404 and response.mimetype == PROBLEM, (method, path)
        assert response.json["title"] == "Unknown programme" and response.json["errors"][0]["field"] == "programme_id"


def test_the_openapi_document_describes_the_programme_operations(client):
    doc = client.get("/openapi.json").json
    paths = doc["paths"]
    for method, path in ROUTES:
        documented = paths[path.replace("{pid}", "{programme_id}")][method.lower()]
        assert documented["x-required-scope"] == "admin" and "403" in documented["responses"]
    created = paths["/v1/programmes"]["post"]
    body = created["requestBody"]["content"]["application/json"]["schema"]
    assert body == {"$ref": "#/components/schemas/ProgrammeSpec"}
    assert "Location" in created["responses"]["201"]["headers"]
    assert "422" in created["responses"]
    assert "text/csv" in paths["/v1/programmes/{programme_id}/pairs.csv"]["get"]["responses"]["200"]["content"]
    assert "409" in paths["/v1/programmes/{programme_id}/publish"]["post"]["responses"]
    schemas = doc["components"]["schemas"]
    assert {"ProgrammeSpec", "PairAction", "Programme", "ProgrammeList", "PublishResponse"} <= set(schemas)
    assert schemas["PairAction"]["properties"]["action"]["enum"] == ["approve", "reject", "pin", "ban"]


def test_the_log_holds_ids_and_counts_never_needs_names_or_evidence(client, admin, caplog):
    secret_need = "I secretly cannot read TikTok analytics or Instagram Reels insights at all"
    cohort = [
        {"id": "lea", "need": secret_need},
        {"ref": "guest-1", "mentee": {"seniority": 9}, "need": "zythography for quiet leaders"},
    ]
    with caplog.at_level(logging.DEBUG):
        pid = client.post(
            "/v1/programmes",
            json={"name": "Secret Name Programme", "style": "reverse", "cohort": cohort},
            headers=admin,
        ).json["id"]
        body = client.post(f"/v1/programmes/{pid}/runs", headers=admin).json
        client.post(f"/v1/programmes/{pid}/pairs", json={"action": "approve", "mentees": ["lea"]}, headers=admin)
        client.post(
            f"/v1/programmes/{pid}/pairs", json={"action": "pin", "mentees": ["lea"], "mentor": "max"}, headers=admin
        )  # refused: 422
        client.post(f"/v1/programmes/{pid}/publish", headers=admin)
        client.get(f"/v1/programmes/{pid}/pairs.csv", headers=admin)
        client.post(
            "/v1/programmes",
            json={"name": "Secret Name Programme", "cohort": [{"id": "nobody", "need": secret_need}]},
            headers=admin,
        )
    text = "\n".join(record.getMessage() + (record.exc_text or "") for record in caplog.records)
    assert f"programme {pid} created" in text and f"programme {pid} run 1" in text and "approve" in text
    shown = [secret_need, "zythography", "Secret Name Programme", "Person lea", "Person ana", SOCIAL, "TikTok"]
    shown += [
        cover["topic"] for line in body["pairs"] for session in line.get("plan", []) for cover in session["covers"]
    ]
    for secret in shown:
        assert secret not in text, f"the log holds {secret!r}"


def test_a_store_without_programmes_answers_501_not_500(client, admin, service, monkeypatch):
    from matcher.store.sqlite_programmes import SQLiteProgrammes

    monkeypatch.delattr(SQLiteProgrammes, "create_programme")  # as the PostgreSQL store is today
    response = client.get("/v1/programmes", headers=admin)
    assert response.status_code == 501 and response.mimetype == PROBLEM
    assert "not available on this store" in response.json["detail"]
