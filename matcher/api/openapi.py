"""The OpenAPI 3.1 document, generated from the app itself.

Schemas come from the pydantic models that validate requests (MatchRequest, Profile) and from the
response models in schemas.py, through `models_json_schema` (JSON Schema 2020-12, which OpenAPI 3.1
uses as is). Paths come from the app's URL map: every route must have an entry in OPERATIONS (a
missing one fails at start-up), the methods are the route's own, and the security requirement is
read from the view's `require_scope`. Limits that settings can change (need length, limit maximum,
body size) are written from the running settings.
"""

from __future__ import annotations

import re
from importlib import metadata
from typing import Any

from flask import Flask
from pydantic.json_schema import models_json_schema

from ..config import Settings
from ..profiles import Profile
from ..programmes.spec import ProgrammeSpec
from ..relationships import inputs
from ..search.request import MatchRequest
from . import insights_schemas, relationship_schemas, schemas
from .profiles import MAX_BATCH_ITEMS

REF = "#/components/schemas/{model}"
PROBLEM = "application/problem+json"
ID_PATTERN = r"^[A-Za-z0-9._-]+$"

ERROR_TEXT = {
    400: "Malformed JSON (or not UTF-8).",
    401: "Missing or wrong API key.",
    403: "The key's scope does not allow this.",
    404: "No profile with this id.",
    409: "A re-index is already running.",
    501: "Programmes are not available on this store (one that cannot keep them).",
    413: "The body is too large.",
    415: "Wrong content type.",
    422: "Validation failed; `errors` names each field and its reason.",
    429: "Too many requests for this key (or address).",
    503: "The profile store does not answer right now (type .../store-unavailable); retry after the Retry-After "
    "header's seconds.",
}

INSIGHTS_TEXT = {404: "No skills map has been built yet (POST /v1/insights builds one), or no topic with this id."}
INSIGHTS_OPERATIONS: dict[str, dict[str, Any]] = {
    "insights.get_map": {
        "summary": "The skills map: per topic who wants it and who can teach it, by band and department, the gaps",
        "ok": {200: "InsightsMap"},
        "also": {
            200: {
                "text/csv": {
                    "type": "string",
                    "description": "With `Accept: text/csv`: one row per topic "
                    "(topic, label, demand, supply, uncovered, then by band and by department); a "
                    "suppressed count is written <5.",
                }
            }
        },
        "errors": [404],
        "error_text": INSIGHTS_TEXT,
        "description": "Counts over the people stored now (an erased person is gone at once); a count of fewer "
        "than `min_group` people is null. Labels are words at least `min_group` people used.",
    },
    "insights.build": {
        "summary": "Build a new skills map from the store now (synchronous; also done after every re-index)",
        "ok": {200: "InsightsBuilt"},
        "errors": [409],
        "error_text": {409: "A skills map build is already running."},
    },
    "insights.topic_people": {
        "summary": "The people who want a topic, with their wish in their own words, least answered first",
        "ok": {200: "TopicPeople"},
        "errors": [404],
        "error_text": INSIGHTS_TEXT,
    },
    "insights.topic_cohort": {
        "summary": "The people who want a topic as a cohort file for `mentor-match pair` (JSON Lines)",
        "ok": {200: {"type": "string", "description": 'One {"id", "need"} object a line.'}},
        "media": "application/x-ndjson",
        "errors": [404],
        "error_text": INSIGHTS_TEXT,
    },
}

# endpoint -> how to document it. Bodies and responses name models; "errors" are the 4xx it can answer
# besides 401/403/429/503, which every scoped operation gets (503: its key is checked in the store).
NO_PROGRAMME = {404: "No programme with this id."}  # the programme routes' 404, in place of ERROR_TEXT's

OPERATIONS: dict[str, dict[str, Any]] = {
    "match.match": {
        "summary": "Rank mentors for a need, in a mentoring style, each with the reason it was chosen",
        "body": {"application/json": "MatchRequest"},
        "ok": {200: "MatchResponse"},
        "errors": [400, 413, 415, 422, 503],
        "error_text": {
            503: "The match did not finish within the request budget (MATCHER_REQUEST_BUDGET_MS, type "
            ".../request-budget), or the profile store does not answer right now (type "
            ".../store-unavailable); retry after the Retry-After header's seconds."
        },
        "description": "A mentee given by `id` brings its stored seniority, time zone, languages, goals, bio and "
        "manager. `reverse` and `traditional` need the mentee's seniority, `two-way` needs what the "
        "mentee can teach (a stored profile or `mentee.bio`); without them the answer is 422. "
        "A body sent as application/x-www-form-urlencoded (curl -d) is read as JSON when it parses.",
    },
    "profiles.put_profile": {
        "summary": "Add or replace a profile (201 when added, 200 when updated or unchanged)",
        "body": {"application/json": "ProfileInput"},
        "ok": {200: "ProfileWritten", 201: "ProfileWritten"},
        "errors": [400, 413, 415, 422],
        "description": "The id in the URL wins; an `id` in the body must equal it (422 otherwise).",
    },
    "profiles.get_profile": {
        "summary": "The whole stored profile",
        "ok": {200: "Profile"},
        "errors": [404],
    },
    "profiles.delete_profile": {
        "summary": "Delete a profile from the store and every index at once",
        "ok": {204: None},
        "errors": [404],
    },
    "profiles.batch": {
        "summary": "Add or replace many profiles: good items are stored, bad ones named",
        "body": {
            "application/json": {"type": "array", "items": "Profile"},
            "application/x-ndjson": {
                "type": "string",
                "description": "JSON Lines: one profile per line (application/jsonl is accepted too).",
            },
            "text/csv": {
                "type": "string",
                "description": "CSV with a header row of profile fields; list cells separated by | or ;.",
            },
        },
        "ok": {200: "BatchResponse"},
        "errors": [400, 413, 415, 422],
        "description": f"Answers 200 whenever the body can be read, with one result per item in input order "
        f"(`line` is the line of a JSON Lines or CSV body, the 1-based position in a JSON "
        f"array). At most {MAX_BATCH_ITEMS} items per request (413 beyond).",
    },
    "admin.reindex": {
        "summary": "Rebuild the indexes from the store as a new generation and switch to it (synchronous)",
        "ok": {200: "ReindexResponse"},
        "errors": [409],
    },
    "programmes.create_programme": {
        "summary": "Create a programme: a cohort to pair at once, its mentor pool, sessions and rules (no draft yet)",
        "body": {"application/json": "ProgrammeSpec"},
        "ok": {201: "Programme"},
        "headers": {201: {"Location": "The programme's URL."}},
        "errors": [400, 413, 415, 422, 501],
        "description": "Each cohort member is a stored profile (`id`, whose need defaults to the profile's goals) or "
        "an inline mentee (`ref`, `mentee`, `need`); a stored id that names no profile is 422. The "
        "needs are kept with the programme (admin keys only see them). `POST .../runs` makes the draft.",
    },
    "programmes.list_programmes": {
        "summary": "Every programme, newest first, with the count of members in each state",
        "ok": {200: "ProgrammeList"},
        "errors": [501],
    },
    "programmes.get_programme": {
        "summary": "A programme: its definition and one line per cohort member (pair, score, evidence, plan, or "
        "why none)",
        "ok": {200: "Programme"},
        "errors": [404, 501],
        "error_text": NO_PROGRAMME,
    },
    "programmes.delete_programme": {
        "summary": "Delete a programme with its cohort, pairs and bans (published pairs free their mentors' places)",
        "ok": {204: None},
        "errors": [404, 501],
        "error_text": NO_PROGRAMME,
    },
    "programmes.run_programme": {
        "summary": "Run the draft: pair every member without an approved, pinned or published pair, optimally for "
        "the whole cohort",
        "ok": {200: "Programme"},
        "errors": [404, 501],
        "error_text": NO_PROGRAMME,
        "description": "Synchronous: about the time of one match per member to run. Members left without a mentor get "
        "the reason. Rejected and banned pairs are never proposed again.",
    },
    "programmes.act_on_pairs": {
        "summary": "Approve, reject, pin or ban pairs of the draft",
        "body": {"application/json": "PairAction"},
        "ok": {200: "Programme"},
        "errors": [400, 404, 413, 415, 422, 501],
        "error_text": NO_PROGRAMME,
        "description": "`approve` without `mentees` approves every proposal; `reject` needs `mentees`; `pin` and "
        "`ban` take one mentee and the `mentor`. A pin the programme's rules do not allow (style, "
        "capacity, reporting line, mentor pool, a ban) and a mentee outside the cohort are 422.",
    },
    "programmes.publish_programme": {
        "summary": "Publish the approved and pinned pairs: they use their mentors' capacity (idempotent)",
        "ok": {200: "PublishResponse"},
        "errors": [404, 409, 501],
        "error_text": {
            **NO_PROGRAMME,
            409: "Publishing would over-commit the mentors named in `mentors`; nothing was published.",
        },
        "description": "One transaction: when any mentor would get more long-term mentees than their capacity "
        "(counting every programme's published pairs), nothing is published and the answer is 409 "
        "naming them in `mentors`. Called again, it publishes nothing more (`published` is empty).",
    },
    "programmes.export_programme": {
        "summary": "The programme as CSV: one row per cohort member",
        "ok": {
            200: {
                "type": "string",
                "description": "CSV with the header mentee_id, mentee_name, mentor_id, "
                "mentor_name, score, status, evidence, plan, reason.",
            }
        },
        "media": "text/csv",
        "errors": [404, 501],
        "error_text": NO_PROGRAMME,
    },
    "programmes.export_calendar": {
        "summary": "The published pairs' sessions as iCalendar: one all-day event per session",
        "ok": {
            200: {
                "type": "string",
                "description": "text/calendar (RFC 5545): per session of each published "
                "pair, the two names, the session's plan line and date.",
            }
        },
        "media": "text/calendar",
        "errors": [404, 409, 501],
        "error_text": {404: "No programme with this id.", 409: "The programme has no start date (field start_date)."},
    },
    **{
        f"relationships.{name}": doc
        for name, doc in {
            "create_request": {
                "summary": "Ask a mentor for an introduction, for a need, in a style (201: pending)",
                "body": {"application/json": "NewRequest"},
                "ok": {201: "IntroductionRequest"},
                "headers": {201: {"Location": "The request's URL."}},
                "errors": [400, 403, 409, 413, 415, 422],
                "error_text": {
                    403: "A person (people key) asking for someone else.",
                    409: "A pending request or an active relationship already joins them (named in "
                    "`request_id` / `relationship_id`), or the mentee has MATCHER_MAX_OPEN_REQUESTS "
                    "pending.",
                    422: "A bad field, an unknown mentee or mentor, or a rule that refuses the pair (named in "
                    "`rule`: oneself, not_a_mentor, style, reporting_line, no_room, never_again).",
                },
                "description": "The rules of asking are the match's own, checked now: never oneself, never the "
                "reporting line, an active and discoverable mentor offering the style (its own rule, e.g. "
                "seniority), with room (long-term styles), and not 'never again' for this mentee. A "
                "long-term request holds one of the mentor's places until it is answered, withdrawn or "
                "expires (after MATCHER_REQUEST_TTL_DAYS). A `match` key asks for stored, active and "
                "discoverable mentees; a `people` key for the person it names in the On-Behalf-Of header.",
            },
            "get_request": {
                "summary": "A request, in its state now (a pending request past its time is expired)",
                "ok": {200: "IntroductionRequest"},
                "errors": [403, 404, 422],
                "error_text": {
                    403: "Someone else's request (a match key reads the requests it made).",
                    404: "No request with this id.",
                    422: "A people key without a valid On-Behalf-Of.",
                },
            },
            "answer_request": {
                "summary": "The mentor accepts (a relationship starts, with its plan) or declines (with a reason)",
                "body": {"application/json": "Answer"},
                "ok": {200: "IntroductionRequest"},
                "errors": [400, 403, 404, 409, 413, 415, 422],
                "error_text": {
                    403: "Not the mentor's to answer: a match key never answers; a people key answers only "
                    "as the mentor the request was made to.",
                    404: "No request with this id.",
                    409: "The request is not pending any more (`state` says what it is), or the mentor has "
                    "no place left (`rule`: no_room); nothing changed.",
                },
                "description": "A decline makes the mentor 'never again' for this mentee "
                "(matches, programmes, requests).",
            },
            "withdraw_request": {
                "summary": "The mentee takes a pending request back",
                "ok": {200: "IntroductionRequest"},
                "errors": [403, 404, 409, 422],
                "error_text": {
                    403: "Not the mentee's request (a match key never withdraws).",
                    404: "No request with this id.",
                    409: "The request is not pending any more.",
                    422: "A people key without a valid On-Behalf-Of.",
                },
            },
            "person_requests": {
                "summary": "A person's requests: made (outgoing) and received (incoming), newest first",
                "ok": {200: "PersonRequests"},
                "errors": [403, 404, 422],
                "error_text": {
                    403: "A people key naming another person.",
                    404: "No stored profile with this id.",
                    422: "A people key without a valid On-Behalf-Of.",
                },
                "description": "A `match` key sees only the requests it made.",
            },
            "person_relationships": {
                "summary": "A person's relationships, on both sides, newest first",
                "ok": {200: "PersonRelationships"},
                "errors": [403, 404, 422],
                "error_text": {
                    403: "A match key, or a people key naming another person.",
                    404: "No stored profile with this id.",
                    422: "A people key without a valid On-Behalf-Of.",
                },
            },
            "get_relationship": {
                "summary": "A relationship: its plan, progress, sessions and the fit answers the reader may see",
                "ok": {200: "Relationship"},
                "errors": [403, 404, 422],
                "error_text": {
                    403: "A match key, or a person who is not one of the two.",
                    404: "No relationship with this id.",
                    422: "A people key without a valid On-Behalf-Of.",
                },
            },
            "log_session": {
                "summary": "Log a session held or missed against the plan (the last planned session held completes it)",
                "body": {"application/json": "NewSession"},
                "ok": {200: "Relationship"},
                "errors": [400, 403, 404, 409, 413, 415, 422],
                "error_text": {
                    403: "A match key, or a person who is not one of the two.",
                    404: "No relationship with this id.",
                    409: "The relationship is not active.",
                    422: "A bad field: a date not YYYY-MM-DD, not a real day or in the future, a plan item "
                    "outside the plan.",
                },
            },
            "answer_fit": {
                "summary": "One side's answer to the pairing-fit question (after the first session held)",
                "body": {"application/json": "FitAnswer"},
                "ok": {200: "Relationship"},
                "errors": [400, 403, 404, 409, 413, 415, 422],
                "error_text": {
                    403: "A match key, or a person answering for the other side.",
                    404: "No relationship with this id.",
                    409: "The relationship has ended.",
                    422: "A bad field, or no session held yet.",
                },
                "description": "A mentee's not_a_fit ends the relationship (its place is freed) and that mentor is "
                "never proposed to them again; a mentor's is recorded for admins only.",
            },
            "end_relationship": {
                "summary": "End an active relationship with a reason code (its place is freed)",
                "body": {"application/json": "EndRelationship"},
                "ok": {200: "Relationship"},
                "errors": [400, 403, 404, 409, 413, 415, 422],
                "error_text": {
                    403: "A match key, or a person who is not one of the two.",
                    404: "No relationship with this id.",
                    409: "The relationship is not active.",
                },
            },
        }.items()
    },
    **INSIGHTS_OPERATIONS,
    "admin.healthz": {"summary": "Alive", "ok": {200: "Health"}, "errors": []},
    "admin.readyz": {
        "summary": "Ready: the index is loaded and the server is not draining (503 otherwise)",
        "ok": {200: "Readiness", 503: "Readiness"},
        "optional_scope": "admin",
        "errors": [401, 403],
        "error_text": {
            401: "A Bearer key was sent and is not valid.",
            403: "A Bearer key was sent and its scope is not `admin`.",
        },
        "description": "Without a key, only `ready` and `draining`. With an `admin` key (optional), "
        "the index's facts too: generation, profiles, model, seq, approximate. "
        "`draining`: the server was told to stop (SIGTERM) and serves only until a load "
        "balancer has taken it out (MATCHER_DRAIN_SECONDS).",
    },
    "admin.openapi": {"summary": "This document", "ok": {200: {"type": "object"}}, "errors": []},
    "monitoring.scrape": {
        "summary": "Metrics in the Prometheus text format",
        "description": "Needs an API key with scope `admin`, unless the caller's address is listed "
        'in MATCHER_METRICS_ADDRESSES (README "Monitoring").',
        "ok": {200: {"type": "string"}},
        "media": "text/plain",
        "errors": [401, 403],
        "security": [{"bearerAuth": []}],
    },
}

# Routes that are not part of the API: the web form and the pages for people and admins (HTML) and their files.
UNDOCUMENTED_BLUEPRINTS = ("web", "programme_pages", "people_pages", "insights_pages")

RESPONSE_MODELS = (
    schemas.MatchResponse,
    schemas.ProfileWritten,
    schemas.BatchResponse,
    schemas.ReindexResponse,
    schemas.Health,
    schemas.Readiness,
    schemas.ProblemDetails,
    schemas.Programme,
    schemas.ProgrammeList,
    schemas.PublishResponse,
) + insights_schemas.RESPONSE_MODELS


def component_schemas(settings: Settings) -> dict[str, Any]:
    """JSON Schemas of every request and response model, keyed by model name."""
    models = [
        (MatchRequest, "validation"),
        (Profile, "validation"),
        (ProgrammeSpec, "validation"),
        (schemas.PairAction, "validation"),
    ]
    models += [
        (model, "validation")
        for model in (inputs.NewRequest, inputs.Answer, inputs.NewSession, inputs.FitAnswer, inputs.EndRelationship)
    ]
    models += [(model, "serialization") for model in RESPONSE_MODELS + relationship_schemas.RESPONSE_MODELS]
    _, top = models_json_schema(models, ref_template=REF)
    components = top["$defs"]
    request = components["MatchRequest"]["properties"]
    request["limit"]["maximum"] = settings.max_limit
    request["need"]["maxLength"] = settings.max_need_chars
    # PUT /v1/profiles/<id> takes the id from the URL: the same schema, with `id` optional in the body.
    body = dict(components["Profile"], title="ProfileInput")
    body["required"] = [name for name in body.get("required", []) if name != "id"]
    components["ProfileInput"] = body
    return components


def _schema(spec: Any) -> dict[str, Any]:
    if isinstance(spec, str):
        return {"$ref": REF.format(model=spec)}
    spec = dict(spec)
    if isinstance(spec.get("items"), str):
        spec["items"] = _schema(spec["items"])
    return spec


def _operation(endpoint: str, doc: dict[str, Any], scope: str | None, path_params: list[str]) -> dict[str, Any]:
    op: dict[str, Any] = {
        "operationId": endpoint.replace(".", "_"),
        "summary": doc["summary"],
        "tags": [endpoint.split(".")[0]],
    }
    description = doc.get("description", "")
    if scope:
        description = (
            f"Needs an API key with scope `{scope}`"
            + (" (or `people` or `admin`)" if scope == "match" else "")
            + (". " + description if description else ".")
        )
        if endpoint.startswith("relationships."):
            description += (
                " An `admin` key acts for anyone; a `people` key for the one person named in the "
                "`On-Behalf-Of` header (their profile id). Answers are `Cache-Control: no-store`."
            )
        op["security"] = [{"bearerAuth": []}]
        op["x-required-scope"] = scope
    elif doc.get("optional_scope"):  # open to all; a key of that scope shows more
        op["security"] = [{}, {"bearerAuth": []}]
        op["x-optional-scope"] = doc["optional_scope"]
    else:
        op["security"] = doc.get("security", [])
    if description:
        op["description"] = description
    if path_params:
        op["parameters"] = [
            {
                "name": name,
                "in": "path",
                "required": True,
                "schema": {"type": "string", "minLength": 1, "maxLength": 64, "pattern": ID_PATTERN},
            }
            for name in path_params
        ]
    if "body" in doc:
        op["requestBody"] = {
            "required": True,
            "content": {media: {"schema": _schema(spec)} for media, spec in doc["body"].items()},
        }
    responses: dict[str, Any] = {}
    for status, model in doc["ok"].items():
        if model is None:
            responses[str(status)] = {"description": "No content."}
        else:
            responses[str(status)] = {
                "description": {200: "OK", 201: "Created"}.get(status, "Not ready yet"),
                "content": {doc.get("media", "application/json"): {"schema": _schema(model)}},
            }
            for media, spec in doc.get("also", {}).get(status, {}).items():  # other media types of the same answer
                responses[str(status)]["content"][media] = {"schema": _schema(spec)}
        for name, text in doc.get("headers", {}).get(status, {}).items():
            responses[str(status)].setdefault("headers", {})[name] = {
                "description": text,
                "required": True,
                "schema": {"type": "string"},
            }
    # A `match` route cannot answer 403: every valid key has at least the match scope.
    errors = list(doc["errors"]) + ([401, 429, 503] if scope else []) + ([403] if scope == "admin" else [])
    for status in sorted(set(errors)):
        responses[str(status)] = {
            "description": doc.get("error_text", {}).get(status, ERROR_TEXT[status]),
            "content": {PROBLEM: {"schema": _schema("ProblemDetails")}},
        }
    op["responses"] = responses
    return op


def build_openapi(app: Flask, settings: Settings) -> dict[str, Any]:
    """The OpenAPI 3.1 document of `app`, from its URL map and the models.

    Raises:
        KeyError: a route of the app has no entry in OPERATIONS (document it).
    """
    paths: dict[str, dict[str, Any]] = {}
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static" or rule.endpoint.split(".")[0] in UNDOCUMENTED_BLUEPRINTS:
            continue
        doc = OPERATIONS.get(rule.endpoint)
        if doc is None:
            raise KeyError(f"route {rule.rule} (endpoint {rule.endpoint}) is missing from openapi.OPERATIONS")
        view = app.view_functions[rule.endpoint]
        path = re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule.rule)
        params = re.findall(r"{([^}]+)}", path)
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            paths.setdefault(path, {})[method.lower()] = _operation(
                rule.endpoint, doc, getattr(view, "required_scope", None), params
            )
    try:
        version = metadata.version("mentor-matcher")
    except metadata.PackageNotFoundError:  # pragma: no cover - running from a plain checkout
        version = "0.0.0"
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Mentor matcher",
            "version": version,
            "description": "Match people to mentors from their own words, in a mentoring style, with reasons. "
            "Errors are problem details (RFC 9457, application/problem+json). Bodies larger than "
            f"{settings.max_body_bytes} bytes are answered 413. The web form at / is for people "
            "and is not part of this API. Answers about introductions and relationships are "
            "Cache-Control: no-store.",
        },
        "paths": dict(sorted(paths.items())),
        "components": {
            "schemas": component_schemas(settings),
            "securitySchemes": {
                "bearerAuth": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "An API key from `mentor-match keys create --scope match|people|admin`.",
                }
            },
        },
    }
