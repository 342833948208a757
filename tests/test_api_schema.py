"""The OpenAPI document: generated from the validating models, covering every route, and true to what
the server does (Schemathesis sends valid and invalid requests built from it to the real app and checks
each answer: never a 500, only documented status codes and content types, bodies matching the schemas).
"""

from __future__ import annotations

import re

import pytest
import schemathesis
from flask import Blueprint
from hypothesis import HealthCheck, given, seed, settings
from hypothesis import strategies as st
from pydantic.json_schema import models_json_schema
from schemathesis.checks import not_a_server_error
from schemathesis.generation import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from matcher.api import create_app
from matcher.api.openapi import build_openapi
from matcher.profiles import Profile
from matcher.search.request import MatchRequest
from matcher.styles.rules import MATCH_STYLES
from tests.api_people import PROGRAMME, aim_at_programme, aim_at_relationships, bearer, make_keys

pytestmark = pytest.mark.slow  # a server, a child process, a browser or a benchmark: see pyproject markers


@pytest.fixture(scope="module")
def app(service):
    return create_app({"key_rate_limit": "100000 per minute"}, service=service)


@pytest.fixture(scope="module")
def admin_key(service):
    return make_keys(service)["admin"]


@pytest.fixture(scope="module")
def doc(app):
    return app.test_client().get("/openapi.json").json


def test_the_document_is_openapi_3_1_and_covers_every_route(app, doc):
    assert doc["openapi"] == "3.1.0"
    documented = {(path, method.upper()) for path, ops in doc["paths"].items() for method in ops}
    served = set()
    for rule in app.url_map.iter_rules():
        pages = ("web.", "programme_pages.", "people_pages.", "insights_pages.")
        if rule.endpoint.startswith(pages) or rule.endpoint == "static":
            continue
        path = re.sub(r"<([a-z_]+)>", r"{\1}", rule.rule)
        served |= {(path, m) for m in rule.methods - {"HEAD", "OPTIONS"}}
    assert documented == served
    assert doc["paths"]["/v1/match"]["post"]["x-required-scope"] == "match"
    assert doc["paths"]["/v1/reindex"]["post"]["x-required-scope"] == "admin"
    assert doc["paths"]["/healthz"]["get"]["security"] == []


def test_the_schemas_are_the_validating_models(doc):
    _, generated = models_json_schema(
        [(MatchRequest, "validation"), (Profile, "validation")], ref_template="#/components/schemas/{model}"
    )
    schemas = doc["components"]["schemas"]
    assert schemas["Profile"] == generated["$defs"]["Profile"]
    assert schemas["MenteeSpec"] == generated["$defs"]["MenteeSpec"]
    request = schemas["MatchRequest"]
    assert request["required"] == ["need"] and request["additionalProperties"] is False
    assert request["properties"]["style"]["enum"] == list(MATCH_STYLES)
    assert request["properties"]["limit"]["maximum"] == 50


def test_settings_limits_are_written_into_the_document(service):
    doc = create_app({"max_limit": 20, "max_need_chars": 300}, service=service).test_client().get("/openapi.json").json
    limit = doc["components"]["schemas"]["MatchRequest"]["properties"]
    assert (limit["limit"]["maximum"], limit["need"]["maxLength"]) == (20, 300)


def test_an_undocumented_route_is_refused(service):
    app = create_app(service=service)
    extra = Blueprint("extra", __name__)
    extra.add_url_rule("/v1/secret", "secret", lambda: "")
    app.register_blueprint(extra)
    with pytest.raises(KeyError, match="/v1/secret"):
        build_openapi(app, app.extensions["matcher.settings"])


@pytest.fixture(scope="module")
def api_schema(app):
    return schemathesis.openapi.from_wsgi("/openapi.json", app)


CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    response_headers_conformance,
    negative_data_rejection,
]
# label -> whether it takes input (only those get invalid requests too)
OPERATIONS = {
    "POST /v1/match": True,
    "PUT /v1/profiles/{profile_id}": True,
    "GET /v1/profiles/{profile_id}": True,
    "DELETE /v1/profiles/{profile_id}": True,
    "POST /v1/profiles:batch": True,
    "POST /v1/reindex": False,
    "POST /v1/programmes": True,
    "GET /v1/programmes": False,
    "GET /v1/programmes/{programme_id}": True,
    "DELETE /v1/programmes/{programme_id}": True,
    "POST /v1/programmes/{programme_id}/runs": True,
    "POST /v1/programmes/{programme_id}/pairs": True,
    "POST /v1/programmes/{programme_id}/publish": True,
    "GET /v1/programmes/{programme_id}/pairs.csv": True,
    "GET /v1/programmes/{programme_id}/sessions.ics": True,
    "POST /v1/requests": True,
    "GET /v1/requests/{request_id}": True,
    "POST /v1/requests/{request_id}/answer": True,
    "POST /v1/requests/{request_id}/withdraw": True,
    "GET /v1/people/{person_id}/requests": True,
    "GET /v1/people/{person_id}/relationships": True,
    "GET /v1/relationships/{relationship_id}": True,
    "POST /v1/relationships/{relationship_id}/sessions": True,
    "POST /v1/relationships/{relationship_id}/fit": True,
    "POST /v1/relationships/{relationship_id}/end": True,
    "GET /v1/insights": False,
    "POST /v1/insights": False,
    "GET /v1/insights/topics/{topic_id}/people": True,
    "GET /v1/insights/topics/{topic_id}/cohort.jsonl": True,
    # schemathesis leaves out the document's own path
    "GET /healthz": False,
    "GET /readyz": False,
    "GET /metrics": False,
}
CASES = [
    (label, mode)
    for label, has_input in OPERATIONS.items()
    for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)
    if has_input or mode == "positive"
]


@pytest.fixture(scope="module")
def programme_id(app, admin_key):
    """A programme with a draft: positive cases name it half the time, so that the fuzz reaches past the 404."""
    client = app.test_client()
    created = client.post("/v1/programmes", headers=bearer(admin_key), json=PROGRAMME)
    assert created.status_code == 201, created.json
    assert client.post(f"/v1/programmes/{created.json['id']}/runs", headers=bearer(admin_key)).status_code == 200
    return created.json["id"]


@pytest.fixture(scope="module")
def introduction(app, admin_key):
    """A pending request (eli asks fay) and an active relationship (hal with ben), for the fuzz to reach."""
    client = app.test_client()
    pending = client.post(
        "/v1/requests",
        headers=bearer(admin_key),
        json={"mentee_id": "eli", "mentor_id": "fay", "need": "TikTok", "style": "reverse"},
    )
    accepted = client.post(
        "/v1/requests",
        headers=bearer(admin_key),
        json={"mentee_id": "hal", "mentor_id": "ben", "need": "Instagram", "style": "reverse"},
    )
    assert pending.status_code == accepted.status_code == 201, (pending.json, accepted.json)
    answered = client.post(
        f"/v1/requests/{accepted.json['id']}/answer", headers=bearer(admin_key), json={"answer": "accept"}
    )
    return pending.json["id"], answered.json["relationship_id"]


@pytest.mark.parametrize("label,mode", CASES)
def test_the_server_does_what_the_document_says(api_schema, admin_key, programme_id, introduction, label, mode):
    # Driven by hand rather than by schemathesis' pytest plugin, whose lazy loader does not run on pytest 9.
    operations = {op.ok().label: op.ok() for op in api_schema.get_all_operations()}
    assert set(operations) == set(OPERATIONS)
    checks = CHECKS
    if label == "POST /v1/profiles:batch":
        # By design a batch with bad items is answered 200, each bad item named in `results`.
        checks = [check for check in CHECKS if check is not negative_data_rejection]

    @seed(20261121)  # failures reproduce
    @given(case=operations[label].as_strategy(generation_mode=mode), real=st.booleans())
    @settings(
        max_examples=20 if OPERATIONS[label] else 2,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    def run(case, real):
        if real and mode == GenerationMode.POSITIVE and "programme" in label:
            aim_at_programme(case, label, programme_id)
        elif real and mode == GenerationMode.POSITIVE:
            aim_at_relationships(case, label, *introduction)
        case.call_and_validate(headers=bearer(admin_key), checks=checks)

    run()
