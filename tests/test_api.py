"""HTTP API with Flask's test client: every endpoint, the key scopes, and the response shapes.

Real model, real SQLite and FAISS: the app runs over a small data dir loaded with tests.api_people.
"""

from __future__ import annotations

import json

import pytest

from matcher.api import create_app
from matcher.api.schemas import BatchResponse, MatchResponse, ProfileWritten, Readiness, ReindexResponse
from matcher.profiles import PUBLIC_FIELDS
from tests.api_people import NEED, PEOPLE, bearer, make_keys
from tests.conftest import profile


def match(client, token, body):
    return client.post("/v1/match", json=body, headers=bearer(token))


# -- health and readiness -------------------------------------------------------------------------


def test_healthz_and_readyz_need_no_key_and_readyz_shows_only_readiness_without_one(client):
    assert client.get("/healthz").json == {"status": "ok"}
    ready = client.get("/readyz")
    # The profile count and the change number move with every write and erasure: admins only.
    assert ready.status_code == 200 and ready.json == {"ready": True, "draining": False}
    Readiness.model_validate(ready.json)


def test_readyz_shows_the_index_facts_to_an_admin_key_only(client, keys, service):
    state = Readiness.model_validate(client.get("/readyz", headers=bearer(keys["admin"])).json)
    assert state.ready and state.profiles == len(PEOPLE) and state.generation and state.seq is not None
    assert state.model_dump() == {**service.status(), "draining": False}
    assert client.get("/readyz", headers=bearer(keys["match"])).status_code == 403
    assert client.get("/readyz", headers=bearer(keys["revoked"])).status_code == 401
    assert client.get("/readyz", headers=bearer("mm_nope_nope")).status_code == 401


def test_answers_carrying_people_s_data_are_never_cached(client, keys):
    admin = bearer(keys["admin"])
    answers = [
        client.get("/v1/profiles/ana", headers=admin),
        client.get("/v1/profiles/nobody", headers=admin),
        client.post(
            "/v1/match",
            json={"need": NEED, "style": "reverse", "mentee": {"seniority": 9}},
            headers=bearer(keys["match"]),
        ),
        client.get("/readyz", headers=admin),
        client.get("/v1/profiles/ana"),
    ]
    assert [a.status_code for a in answers] == [200, 404, 200, 200, 401]
    assert all(a.headers["Cache-Control"] == "no-store" for a in answers)


def test_the_app_opens_the_service_once(tmp_path, embedder, keys):
    from matcher.config import Settings
    from matcher.service import MatchService

    fresh = MatchService(Settings(data_dir=tmp_path / "data"), embedder=embedder)
    fresh.import_items(list(enumerate(PEOPLE, start=1)))
    assert not fresh.ready  # nothing loaded yet
    app = create_app(service=fresh)
    assert app.extensions["matcher.service"] is fresh and fresh.ready  # opened by create_app
    state = fresh.refresh()
    client = app.test_client()
    token = make_keys(fresh)["match"]
    for _ in range(3):
        assert match(client, token, {"need": NEED}).status_code == 200
    assert fresh.refresh() is state  # requests share what was loaded: nothing is loaded again
    fresh.close()


# -- match -------------------------------------------------------------------------------------------


def test_reverse_match_returns_juniors_with_reasons(client, keys):
    response = match(client, keys["match"], {"need": NEED, "style": "reverse", "mentee": {"seniority": 9}})
    assert response.status_code == 200, response.json
    body = MatchResponse.model_validate(response.json)
    assert body.style == "reverse" and body.matches
    assert [m.mentor.id for m in body.matches][:2] == ["ana", "ben"]
    for m in body.matches:
        assert m.mentor.seniority < 9
        assert set(response.json["matches"][0]["mentor"]) <= set(PUBLIC_FIELDS)
    top = body.matches[0]
    assert any("TikTok" in sentence for sentence in top.why.evidence)
    assert any("junior to you" in note for note in top.why.notes)


def test_match_answers_what_the_service_answers(client, keys, service):
    request = {"need": "help with a slow SQL query", "style": "flash", "limit": 3}
    over_http = match(client, keys["match"], request).json
    direct = service.match(request)
    over_http.pop("took_ms"), direct.pop("took_ms")
    assert over_http == json.loads(json.dumps(direct))
    assert over_http["matches"][0]["mentor"]["id"] == "dev"


def test_an_admin_key_may_match_too(client, keys):
    assert match(client, keys["admin"], {"need": NEED}).status_code == 200


def test_a_mentee_by_id_brings_seniority_and_reporting_line(client, keys):
    response = match(client, keys["match"], {"need": NEED, "style": "reverse", "mentee": {"id": "cleo"}})
    ids = [m["mentor"]["id"] for m in response.json["matches"]]
    assert response.status_code == 200 and ids
    assert "ana" not in ids  # ana reports to cleo: never her mentor
    assert "ben" in ids


# -- profiles ------------------------------------------------------------------------------------


def test_put_adds_then_updates_then_leaves_unchanged(client, keys):
    person = profile(
        "ivy",
        2,
        "I teach people to build dashboards in Looker Studio in one sitting.",
        styles=["flash"],
        flash_hours_per_month=3,
    )
    headers = bearer(keys["admin"])
    added = client.put("/v1/profiles/ivy", json=person, headers=headers)
    assert added.status_code == 201 and added.headers["Location"].endswith("/v1/profiles/ivy")
    assert ProfileWritten.model_validate(added.json).status == "added"
    again = client.put("/v1/profiles/ivy", json=person, headers=headers)
    assert (again.status_code, again.json["status"]) == (200, "unchanged")
    changed = client.put("/v1/profiles/ivy", json={**person, "title": "Data Analyst"}, headers=headers)
    assert (changed.status_code, changed.json["status"]) == (200, "updated")
    assert changed.json["profile"]["title"] == "Data Analyst"
    found = match(client, keys["match"], {"need": "build a Looker Studio dashboard", "style": "flash"}).json
    assert found["matches"][0]["mentor"]["id"] == "ivy"  # searchable at once, no re-index


def test_put_takes_the_id_from_the_url(client, keys):
    person = profile("unused", 3, "I teach Excel pivot tables and lookups.")
    del person["id"]
    response = client.put("/v1/profiles/jon", json=person, headers=bearer(keys["admin"]))
    assert response.status_code == 201 and response.json["profile"]["id"] == "jon"


def test_get_returns_the_whole_profile_and_delete_removes_it(client, keys):
    headers = bearer(keys["admin"])
    person = profile(
        "kim", 3, "I teach the basics of Figma prototyping for product people.", goals="Learn SQL.", manager_id="cleo"
    )
    assert client.put("/v1/profiles/kim", json=person, headers=headers).status_code == 201
    got = client.get("/v1/profiles/kim", headers=headers)
    assert got.status_code == 200
    assert got.json["manager_id"] == "cleo" and got.json["goals"] == "Learn SQL." and got.json["capacity"] == 2
    deleted = client.delete("/v1/profiles/kim", headers=headers)
    assert deleted.status_code == 204 and deleted.data == b""
    assert client.get("/v1/profiles/kim", headers=headers).status_code == 404
    assert client.delete("/v1/profiles/kim", headers=headers).status_code == 404
    found = match(client, keys["match"], {"need": "Figma prototyping", "limit": 50}).json
    assert "kim" not in [m["mentor"]["id"] for m in found["matches"]]


def test_batch_json_array_stores_good_items_and_names_bad_ones(client, keys):
    items = [
        profile("b1", 3, "I teach Canva for social posts."),
        {"id": "b2", "name": "No Seniority", "bio": "x"},
        profile("b3", 4, "I teach Power BI measures.", age=40),
        "not an object",
        profile("b4", 5, "I teach how to run a retrospective."),
    ]
    response = client.post("/v1/profiles:batch", json=items, headers=bearer(keys["admin"]))
    assert response.status_code == 200, response.json
    body = BatchResponse.model_validate(response.json)
    assert body.summary.model_dump() == {"added": 2, "updated": 0, "unchanged": 0, "rejected": 3}
    by_line = {r.line: r for r in body.results}
    assert [r.line for r in body.results] == [1, 2, 3, 4, 5]
    assert by_line[1].status == by_line[5].status == "added" and by_line[1].id == "b1"
    assert by_line[2].status == "rejected" and by_line[2].id == "b2"
    assert [e.field for e in by_line[2].errors] == ["seniority"]
    assert by_line[3].errors[0].field == "age" and "protected" in by_line[3].errors[0].reason
    assert by_line[4].id is None and "JSON object" in by_line[4].errors[0].reason
    headers = bearer(keys["admin"])
    assert client.get("/v1/profiles/b4", headers=headers).status_code == 200
    assert client.get("/v1/profiles/b2", headers=headers).status_code == 404


@pytest.mark.parametrize("content_type", ["application/x-ndjson", "application/jsonl"])
def test_batch_json_lines_reports_each_bad_line(client, keys, content_type):
    suffix = content_type.rsplit("/", 1)[1].replace("-", "")
    lines = [
        json.dumps(profile(f"l1{suffix}", 3, "I teach podcast editing in Descript.")),
        "",
        '{"id": "broken", "name": ',
        json.dumps(profile(f"l4{suffix}", 11, "I teach OKRs.")),
    ]
    response = client.post(
        "/v1/profiles:batch", data="\n".join(lines) + "\n", content_type=content_type, headers=bearer(keys["admin"])
    )
    assert response.status_code == 200
    results = response.json["results"]
    assert [(r["line"], r["status"]) for r in results] == [(1, "added"), (3, "rejected"), (4, "rejected")]
    assert "not valid JSON" in results[1]["errors"][0]["reason"]
    assert results[2]["errors"][0]["field"] == "seniority" and results[2]["id"] == f"l4{suffix}"


def test_batch_accepts_csv(client, keys):
    text = (
        "id,name,seniority,bio,styles,capacity\n"
        "c1,Cai,2,I teach Notion templates.,reverse|flash,1\n"
        "c2,Cat,two,I teach nothing.,flash,1\n"
    )
    response = client.post("/v1/profiles:batch", data=text, content_type="text/csv", headers=bearer(keys["admin"]))
    assert response.status_code == 200
    assert response.json["summary"] == {"added": 1, "updated": 0, "unchanged": 0, "rejected": 1}
    assert response.json["results"][1]["errors"][0]["field"] == "seniority"


def test_reindex_switches_to_a_new_generation(client, keys, service):
    before = client.get("/readyz", headers=bearer(keys["admin"])).json["generation"]
    response = client.post("/v1/reindex", headers=bearer(keys["admin"]))
    assert response.status_code == 200
    result = ReindexResponse.model_validate(response.json)
    assert result.generation != before and result.profiles == service.status()["profiles"]
    assert client.get("/readyz", headers=bearer(keys["admin"])).json["generation"] == result.generation
    assert (
        match(client, keys["match"], {"need": NEED, "style": "reverse", "mentee": {"seniority": 9}}).json["matches"][0][
            "mentor"
        ]["id"]
        == "ana"
    )


# -- keys ----------------------------------------------------------------------------------------

ADMIN_CALLS = [
    ("put", "/v1/profiles/zed"),
    ("get", "/v1/profiles/ana"),
    ("delete", "/v1/profiles/ana"),
    ("post", "/v1/profiles:batch"),
    ("post", "/v1/reindex"),
]


@pytest.mark.parametrize("method,path", ADMIN_CALLS + [("post", "/v1/match")])
@pytest.mark.parametrize("header", [None, "Bearer mm_nope_nothing", "Basic dXNlcjpwYXNz", "Bearer ", "revoked"])
def test_missing_or_wrong_key_is_401(client, keys, method, path, header):
    authorization = f"Bearer {keys['revoked']}" if header == "revoked" else header
    headers = {} if header is None else {"Authorization": authorization}
    response = getattr(client, method)(path, json={"need": "x"}, headers=headers)
    assert response.status_code == 401
    assert response.mimetype == "application/problem+json"
    assert response.headers["WWW-Authenticate"].startswith("Bearer realm=")
    assert "key" in response.json["detail"]


@pytest.mark.parametrize("method,path", ADMIN_CALLS)
def test_a_match_key_cannot_administer(client, keys, method, path):
    response = getattr(client, method)(path, json=profile("zed", 3, "x"), headers=bearer(keys["match"]))
    assert response.status_code == 403
    assert response.json["status"] == 403 and "admin" in response.json["detail"]
    assert 'error="insufficient_scope"' in response.headers["WWW-Authenticate"]
    assert client.get("/v1/profiles/ana", headers=bearer(keys["admin"])).status_code == 200  # nothing deleted
