"""What a match shows, field by field, against SECURITY.md "What a match shows": the whole response is
walked (mentor, score, why: numbers, evidence, notes), for every style, over the service, the API with
a `match` key and the web form; and what a `match` key can learn with other people's ids.
"""

from __future__ import annotations

import json
import re

import pytest

from matcher.api import create_app
from matcher.errors import InvalidInput
from matcher.profiles import PUBLIC_FIELDS
from tests.api_people import bearer, open_service
from tests.conftest import profile

SECRET_GOALS = "I want to learn xylocarpentry and quillography in secret."
MENTORS = [
    profile(
        "m-social",
        2,
        "I film TikTok videos and teach leaders to post on Instagram Reels.",
        capacity=7,
        flash_hours_per_month=13.5,
        goals=SECRET_GOALS,
        manager_id="boss",
        timezone="Europe/Berlin",
        languages=["en", "de"],
        email="Sofia.Secret@Mail.Example",
    ),
    profile(
        "m-sql",
        4,
        "I untangle slow SQL queries and window functions in one session.",
        capacity=3,
        flash_hours_per_month=1.5,
        goals="I want to learn budgeting in Excel pivot tables.",
        email="sql.person@mail.example",
    ),
    profile(
        "m-lead",
        9,
        "I coach directors on budgets, strategy and leading through change.",
        capacity=9,
        flash_hours_per_month=2.25,
        goals="I want to learn short video editing for TikTok.",
    ),
    profile("boss", 8, "I run the brand department and coach managers on hiring.", capacity=4, goals=SECRET_GOALS),
    profile("hidden", 3, "I teach TikTok video editing too.", discoverable=False),
    profile("asleep", 3, "I teach TikTok video editing as well.", active=False),
]
REQUESTS = [
    {"need": "TikTok and Instagram for a senior leader", "style": "reverse", "mentee": {"seniority": 9}},
    {"need": "SQL window functions", "style": "flash"},
    {"need": "budgets and strategy", "style": "traditional", "mentee": {"seniority": 2}},
    {"need": "TikTok videos", "style": "e-mentoring", "mentee": {"timezone": "Europe/Paris", "languages": ["de"]}},
    {"need": "TikTok videos", "style": "two-way", "mentee": {"bio": "I teach Excel pivot tables and budgeting."}},
    {"need": "TikTok videos and SQL", "style": "any"},
]
WHY_KEYS = {"semantic", "lexical", "style", "evidence", "notes"}
# Values of hidden fields that must never appear in any text of a response.
HIDDEN_TEXTS = [
    "xylocarpentry",
    "quillography",
    "budgeting in Excel",
    "short video editing",
    "13.5",
    "1.5",
    "2.25",
    "room for",
    "flash hours",
    "capacity",
    "Sofia.Secret",
    "sql.person",
    "mail.example",
    "@",
]


def assert_shows_only_what_security_md_allows(result: dict, people: dict[str, dict]) -> None:
    """Every field of a match response: public mentor fields only; why = the five parts; evidence quoted
    from the mentor's own bio; notes and every other text free of goals, capacity, flash hours, manager."""
    assert set(result) == {"matches", "style", "took_ms"}
    for match in result["matches"]:
        assert set(match) == {"mentor", "score", "why"}
        mentor = match["mentor"]
        assert set(mentor) <= set(PUBLIC_FIELDS), set(mentor) - set(PUBLIC_FIELDS)
        stored = people[mentor["id"]]
        for key, value in mentor.items():
            assert value == stored.get(key, value), key  # as stored, nothing derived
        assert set(match["why"]) == WHY_KEYS
        for sentence in match["why"]["evidence"]:
            assert sentence in stored["bio"], sentence
        for note in match["why"]["notes"]:
            assert not re.search(r"\d+ (mentee|hour)", note), note
    # Every text of the answer (numbers such as took_ms may hold any digits: they are checked above).
    texts = [json.dumps(m["mentor"], ensure_ascii=False) for m in result["matches"]]
    texts += [t for m in result["matches"] for t in m["why"]["evidence"] + m["why"]["notes"]]
    for hidden in HIDDEN_TEXTS:
        for text in texts:
            assert hidden not in text, f"{hidden!r} shown: {text}"


@pytest.fixture(scope="module")
def service(tmp_path_factory, embedder):
    svc = open_service(tmp_path_factory.mktemp("disclosure") / "data", embedder, MENTORS)
    yield svc
    svc.close()


@pytest.fixture(scope="module")
def client(service):
    return create_app({"form": "open"}, service=service).test_client()


PEOPLE = {p["id"]: p for p in MENTORS}


@pytest.mark.parametrize("request_body", REQUESTS, ids=[r["style"] for r in REQUESTS])
def test_a_match_shows_only_public_fields_own_sentences_and_public_notes(service, client, keys, request_body):
    result = service.match(dict(request_body, limit=50), trust="limited")
    assert result["matches"], request_body
    assert_shows_only_what_security_md_allows(result, PEOPLE)
    over_http = client.post("/v1/match", json=dict(request_body, limit=50), headers=bearer(keys["match"]))
    assert over_http.status_code == 200
    assert_shows_only_what_security_md_allows(over_http.json, PEOPLE)
    assert not {"hidden", "asleep"} & {m["mentor"]["id"] for m in result["matches"]}


def test_the_two_way_form_never_quotes_a_mentor_s_goals(client):
    page = client.post(
        "/", data={"need": "TikTok videos", "style": "two-way", "bio": "I teach Excel pivot tables and budgeting."}
    ).get_data(as_text=True)
    assert '<li class="card">' in page and "you can teach them back" in page
    for hidden in HIDDEN_TEXTS:
        assert hidden not in page


def test_scores_tell_availability_only_coarsely(service):
    """Flash hours 1.5 and 2.25 (both under 4) fit alike; capacities 3, 7 and 9 (all 2 or more) fit alike."""
    flash = service.match({"need": "SQL budgets TikTok", "style": "flash", "limit": 50})["matches"]
    fits = {m["mentor"]["id"]: m["why"]["style"] for m in flash}
    assert fits["m-sql"] == fits["m-lead"] == 0.5 and fits["m-social"] == 1.0
    reverse = service.match({"need": "TikTok budgets", "style": "reverse", "mentee": {"seniority": 10}, "limit": 50})[
        "matches"
    ]
    by_id = {m["mentor"]["id"]: m["why"]["style"] for m in reverse}
    # The same seniority gap term would differ; compare the room term alone: 0.25 * 1.0 for all of them.
    assert {round(by_id[i] - 0.75 * min(1.0, (10 - PEOPLE[i]["seniority"]) / 4.0), 4) for i in by_id} == {0.25}


# -- mentee ids: what a `match` key may do with other people's ids ------------------------------------


def test_a_match_key_cannot_tell_absent_hidden_and_inactive_people_apart(client, keys):
    answers = []
    for pid in ("nobody", "hidden", "asleep"):
        response = client.post(
            "/v1/match", json={"need": "TikTok", "mentee": {"id": pid}}, headers=bearer(keys["match"])
        )
        assert response.status_code == 422
        body = dict(response.json)
        assert body.pop("request_id") == response.headers["X-Request-ID"]  # each request's own, random
        answers.append(json.dumps(body).replace(repr(pid), "ID"))
    assert answers[0] == answers[1] == answers[2]
    # An admin key (HR tooling) may name anyone stored.
    assert (
        client.post(
            "/v1/match", json={"need": "TikTok", "mentee": {"id": "hidden"}}, headers=bearer(keys["admin"])
        ).status_code
        == 200
    )


def test_a_match_key_never_brings_a_stored_bio_or_goals_into_the_answer(service, client, keys):
    body = {"need": "TikTok videos", "style": "two-way", "mentee": {"id": "m-sql"}}
    refused = client.post("/v1/match", json=body, headers=bearer(keys["match"]))
    assert refused.status_code == 422 and refused.json["errors"][0]["field"] == "mentee.bio"
    allowed = client.post("/v1/match", json=body, headers=bearer(keys["admin"]))
    assert allowed.status_code == 200 and allowed.json["matches"]
    with pytest.raises(InvalidInput, match="mentee.bio"):
        service.match(body, trust="limited")
    # With limited trust a named mentee brings public fields: seniority from the stored profile.
    reverse = service.match({"need": "TikTok", "style": "reverse", "mentee": {"id": "m-lead"}}, trust="limited")
    assert reverse["matches"] and all(m["mentor"]["seniority"] < 9 for m in reverse["matches"])


def test_the_reporting_line_still_protects_a_named_mentee(service):
    """The one deliberate dependence on hidden data (SECURITY.md): never matched with their manager or reports."""
    asked = service.match(
        {"need": "hiring and brand", "style": "traditional", "mentee": {"id": "m-social"}, "limit": 50}, trust="limited"
    )
    assert "boss" not in {m["mentor"]["id"] for m in asked["matches"]}


def test_the_private_email_is_stored_for_sign_in_but_never_shown_by_a_match(service, client, keys):
    """The e-mail maps a signed-in person to their profile (people's pages); an admin key reads it, nothing else."""
    assert service.get("m-social").email == "Sofia.Secret@Mail.Example"
    assert "email" not in PUBLIC_FIELDS and "email" not in service.get("m-social").public()
    whole = client.get("/v1/profiles/m-social", headers=bearer(keys["admin"]))
    assert whole.status_code == 200 and whole.json["email"] == "Sofia.Secret@Mail.Example"
    assert client.get("/v1/profiles/m-social", headers=bearer(keys["match"])).status_code == 403
    page = client.post("/", data={"need": "TikTok videos and SQL", "style": "any"}).get_data(as_text=True)
    assert "Person m-social" in page and "Person m-sql" in page
    assert "Sofia.Secret" not in page and "sql.person" not in page and "mail.example" not in page.lower()
