"""Every class of bad input answers a 4xx problem document (RFC 9457) that names the field and the reason."""

from __future__ import annotations

import json

import pytest

from matcher.api import create_app
from matcher.api.schemas import ProblemDetails
from tests.api_people import NEED, bearer
from tests.conftest import profile


def problem(response, status: int) -> dict:
    """Check a problem document and return it."""
    assert response.status_code == status, (response.status_code, response.data[:300])
    assert response.mimetype == "application/problem+json"
    body = response.json
    ProblemDetails.model_validate(body)
    assert body["status"] == status and body["title"] and body["detail"] and body["type"]
    return body


def post_match(client, keys, body=None, *, data=None, content_type="application/json"):
    raw = json.dumps(body) if data is None else data
    return client.post("/v1/match", data=raw, content_type=content_type, headers=bearer(keys["match"]))


# -- 422: validation, naming the field ------------------------------------------------------------


@pytest.mark.parametrize(
    "body,field,reason",
    [
        ({}, "need", "Field required"),
        ({"need": "   "}, "need", "at least 1 character"),
        ({"need": 42}, "need", "valid string"),
        ({"need": NEED, "style": "mentorship"}, "style", "'reverse'"),
        ({"need": NEED, "limit": 0}, "limit", "greater than or equal to 1"),
        ({"need": NEED, "limit": 51}, "limit", "less than or equal to 50"),
        ({"need": NEED, "limit": "5"}, "limit", "valid integer"),
        ({"need": NEED, "limit": 2.5}, "limit", "valid integer"),
        ({"need": NEED, "mentee": {"seniority": 11}}, "mentee.seniority", "less than or equal to 10"),
        ({"need": NEED, "mentee": {"seniority": True}}, "mentee.seniority", "valid integer"),
        ({"need": NEED, "mentee": {"gender": "f"}}, "mentee.gender", "protected attribute"),
        ({"need": NEED, "mentee": {"timezone": "Mars/Olympus"}}, "mentee.timezone", "unknown IANA time zone"),
        ({"need": NEED, "mentee": "senior"}, "mentee", "valid dictionary"),
        ({"need": NEED, "filters": {"virtual_only": "sometimes"}}, "filters.virtual_only", "valid boolean"),
        ({"need": NEED, "colour": "blue"}, "colour", "unknown field"),
        ({"need": "x" * 2001}, "need", "at most 2000 characters"),
        ({"need": NEED, "style": "reverse"}, "mentee.seniority", "required for reverse mentoring"),
        (
            {"need": NEED, "style": "traditional", "mentee": {"timezone": "Europe/Paris"}},
            "mentee.seniority",
            "required for traditional mentoring",
        ),
        ({"need": NEED, "style": "two-way", "mentee": {"seniority": 4}}, "mentee.bio", "two-way"),
        ({"need": NEED, "mentee": {"id": "nobody"}}, "mentee.id", "no stored profile"),
    ],
)
def test_invalid_match_requests_name_the_field(client, keys, body, field, reason):
    body = problem(post_match(client, keys, body), 422)
    assert body["type"].endswith("/validation")
    assert [e["field"] for e in body["errors"]][0] == field
    assert reason in body["errors"][0]["reason"]
    assert field in body["detail"] and reason in body["detail"]


def test_several_bad_fields_are_all_named(client, keys):
    body = problem(post_match(client, keys, {"need": "", "style": "x", "limit": 99}), 422)
    assert {e["field"] for e in body["errors"]} == {"need", "style", "limit"}


@pytest.mark.parametrize("body", [[], ["need"], "need", 3, None, True])
def test_a_body_that_is_not_an_object_is_422(client, keys, body):
    body = problem(post_match(client, keys, body), 422)
    assert "JSON object" in body["detail"]


def test_put_profile_errors_name_each_field(client, keys):
    bad = profile("p1", 0, "", styles=["reverse", "karaoke"], religion="x")
    body = problem(client.put("/v1/profiles/p1", json=bad, headers=bearer(keys["admin"])), 422)
    assert body["errors"][0]["field"] == "religion"
    bad.pop("religion")
    body = problem(client.put("/v1/profiles/p1", json=bad, headers=bearer(keys["admin"])), 422)
    assert {"seniority", "styles.1"} <= {e["field"] for e in body["errors"]}


def test_put_with_another_id_in_the_body_is_422(client, keys):
    body = problem(
        client.put("/v1/profiles/p2", json=profile("p3", 3, "I teach Excel."), headers=bearer(keys["admin"])), 422
    )
    assert body["errors"] == [{"field": "id", "reason": "the body says 'p3' but the URL says 'p2'; they must agree"}]


def test_put_with_an_invalid_id_in_the_url_is_422(client, keys):
    person = profile("x", 3, "I teach Excel.")
    del person["id"]
    body = problem(client.put("/v1/profiles/" + "a" * 65, json=person, headers=bearer(keys["admin"])), 422)
    assert body["errors"][0]["field"] == "id"


def test_batch_that_is_not_an_array_is_422(client, keys):
    response = client.post("/v1/profiles:batch", json={"profiles": []}, headers=bearer(keys["admin"]))
    assert "array" in problem(response, 422)["detail"]


# -- 400: malformed JSON ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "data,says",
    [
        ('{"need": "x",}', "not valid JSON"),
        ('{"need": ', "not valid JSON"),
        ("", "empty"),
        ('{"need": "x", "limit": NaN}', "NaN"),
        ('{"need": "x", "limit": Infinity}', "Infinity"),
        ("[" * 100_000 + "]" * 100_000, "nested too deeply"),
        ('{"need": "x", "limit": ' + "9" * 5000 + "}", "not acceptable JSON"),
        (b"\xff\xfe{}", "UTF-8"),
    ],
)
def test_malformed_json_is_400(client, keys, data, says):
    body = problem(post_match(client, keys, data=data), 400)
    assert says in body["detail"] and body["type"].endswith("/malformed-json")


def test_malformed_batch_is_400(client, keys):
    response = client.post(
        "/v1/profiles:batch", data='[{"id": "a"', content_type="application/json", headers=bearer(keys["admin"])
    )
    assert "line 1" in problem(response, 400)["detail"]


# -- 415, 413 ------------------------------------------------------------------------------------


@pytest.mark.parametrize("content_type", ["text/plain", "application/xml", "multipart/form-data; boundary=x"])
def test_wrong_content_type_is_415(client, keys, content_type):
    body = problem(post_match(client, keys, {"need": NEED}, content_type=content_type), 415)
    assert "application/json" in body["detail"]


def test_a_form_encoded_body_is_415_unless_it_is_json(client, keys):
    # curl -d sends application/x-www-form-urlencoded; a JSON body is still understood.
    ok = post_match(client, keys, {"need": NEED}, content_type="application/x-www-form-urlencoded")
    assert ok.status_code == 200 and ok.json["matches"]
    body = problem(
        post_match(client, keys, data="need=tiktok&style=reverse", content_type="application/x-www-form-urlencoded"),
        415,
    )
    assert "application/json" in body["detail"]


def test_batch_wrong_content_type_is_415(client, keys):
    response = client.post(
        "/v1/profiles:batch", data="<profiles/>", content_type="application/xml", headers=bearer(keys["admin"])
    )
    assert "application/x-ndjson" in problem(response, 415)["detail"]


def test_body_too_large_is_413(service, keys):
    client = create_app({"max_body_bytes": 2048}, service=service).test_client()
    body = problem(post_match(client, keys, {"need": "x" * 3000}), 413)
    assert "2048 bytes" in body["detail"]
    response = client.post(
        "/v1/profiles:batch",
        data="\n".join([json.dumps(profile("big", 3, "x" * 500))] * 5),
        content_type="application/x-ndjson",
        headers=bearer(keys["admin"]),
    )
    problem(response, 413)


def test_too_many_batch_items_is_413(client, keys):
    response = client.post("/v1/profiles:batch", json=[{}] * 1001, headers=bearer(keys["admin"]))
    assert "at most 1000" in problem(response, 413)["detail"]


@pytest.mark.parametrize(
    "content_type,item,tail",
    [
        ("application/json", "{}", "<not json at all"),
        ("application/x-ndjson", "{}", "<not json at all"),
        ("text/csv", "c,Cai,2", '"an unterminated quote'),
    ],
)
def test_the_batch_cap_is_checked_while_reading_before_the_rest_is_parsed(client, keys, content_type, item, tail):
    """Item 1,001 ends the reading: what follows is never parsed (a broken tail would otherwise be a 400)."""
    if content_type == "application/json":
        data = "[" + ",".join([item] * 1001) + "," + tail
    elif content_type == "text/csv":
        data = "id,name,seniority\n" + "\n".join([item] * 1001) + "\n" + tail + "\n"
    else:
        data = "\n".join([item] * 1001) + "\n" + tail + "\n"
    response = client.post("/v1/profiles:batch", data=data, content_type=content_type, headers=bearer(keys["admin"]))
    assert "at most 1000" in problem(response, 413)["detail"]


def test_a_match_body_is_limited_to_what_a_match_needs(client, keys):
    """A valid match body is about 110 KB at most; the 8 MiB batch limit does not apply to /v1/match."""
    big = {"need": "TikTok", "filters": {"exclude_ids": ["x"]}, "mentee": {"bio": "y" * 300_000}}
    assert "262144 bytes" in problem(post_match(client, keys, big), 413)["detail"]
    largest_valid = {
        "need": "é" * 2000,
        "mentee": {"bio": "é" * 5000, "goals": "é" * 2000},
        "filters": {"exclude_ids": ["i" * 64] * 1000, "departments": ["d" * 200] * 50},
    }
    assert post_match(client, keys, largest_valid).status_code == 200


# -- 404, 405 ------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/v2/match", "/v1/matches", "/nothing/here", "/v1/profiles/a/b"])
def test_unknown_route_is_404(client, keys, path):
    body = problem(client.get(path, headers=bearer(keys["admin"])), 404)
    assert path in body["detail"]


def test_unknown_profile_is_404(client, keys):
    body = problem(client.get("/v1/profiles/nobody", headers=bearer(keys["admin"])), 404)
    assert "'nobody'" in body["detail"]
    problem(client.delete("/v1/profiles/nobody", headers=bearer(keys["admin"])), 404)


@pytest.mark.parametrize(
    "method,path,allowed",
    [
        ("get", "/v1/match", "POST"),
        ("put", "/v1/match", "POST"),
        ("post", "/v1/profiles/ana", "DELETE, GET, HEAD, PUT"),
        ("get", "/v1/reindex", "POST"),
        ("post", "/healthz", "GET, HEAD"),
        ("delete", "/openapi.json", "GET, HEAD"),
    ],
)
def test_wrong_method_is_405_with_allow(client, keys, method, path, allowed):
    body = problem(getattr(client, method)(path, headers=bearer(keys["admin"])), 405)
    assert body["detail"].endswith(f"allowed: {allowed}")
    assert set(allowed.split(", ")) <= {m.strip() for m in getattr(client, method)(path).headers["Allow"].split(",")}


# -- 429 -----------------------------------------------------------------------------------------


def test_api_rate_limit_is_per_key_and_429(service, keys):
    client = create_app({"key_rate_limit": "2 per minute"}, service=service).test_client()
    for _ in range(2):
        assert post_match(client, keys, {"need": NEED}).status_code == 200
    body = problem(post_match(client, keys, {"need": NEED}), 429)
    assert "2 per 1 minute" in body["detail"]
    # Another key has its own budget; health checks are never limited.
    other = client.post("/v1/match", json={"need": NEED}, headers=bearer(keys["admin"]))
    assert other.status_code == 200
    assert all(client.get("/healthz").status_code == 200 for _ in range(4))
