"""MatchService end to end on the real model, SQLite and FAISS: import, re-import, match, delete, restart."""

import json

import pytest

from matcher.errors import InvalidInput
from matcher.importing.readers import read_text
from matcher.text.need import query_texts
from tests.conftest import profile

PEOPLE = [
    profile(
        "junior-social",
        2,
        "I film short videos for TikTok and Instagram Reels every week. I help leaders post with confidence.",
        skills=["tiktok", "instagram"],
        styles=["reverse", "flash", "two-way"],
        goals="I want to learn how budgets are planned.",
    ),
    profile(
        "junior-ai",
        3,
        "I build small automations with ChatGPT and Copilot. I teach prompt writing.",
        styles=["reverse", "flash"],
        timezone="Europe/Berlin",
        languages=["en", "de"],
    ),
    profile(
        "senior-finance",
        9,
        "I have led finance teams for twenty years and coach managers on budgeting.",
        styles=["traditional", "two-way"],
        goals="I want to learn TikTok and short video.",
    ),
    profile(
        "mid-sql",
        5,
        "I write SQL window functions daily and untangle slow queries in one session.",
        styles=["flash", "e-mentoring"],
        formats=["virtual"],
        capacity=0,
        flash_hours_per_month=6,
        timezone="America/New_York",
        languages=["en"],
    ),
    profile(
        "ceo",
        10,
        "I run the company and I want to get better at social media.",
        styles=[],
        goals="I want to learn Instagram.",
    ),
    profile("inactive", 1, "I know everything about TikTok trends.", active=False),
]


@pytest.fixture
def service(make_service):
    svc = make_service()
    report = svc.import_items(list(enumerate(PEOPLE, start=1)), checkpoint=True)
    assert report.summary() == {"added": 6, "updated": 0, "unchanged": 0, "rejected": 0}
    return svc.open()


def ids(result):
    return [m["mentor"]["id"] for m in result["matches"]]


def test_reverse_returns_juniors_with_evidence(service):
    result = service.match(
        {"need": "I am a senior leader and want to learn social media", "style": "reverse", "mentee": {"seniority": 9}}
    )
    assert ids(result)[0] == "junior-social"
    assert set(ids(result)) <= {"junior-social", "junior-ai"}  # never the inactive one, never seniors
    top = result["matches"][0]
    assert top["why"]["evidence"][0] in (
        "I film short videos for TikTok and Instagram Reels every week.",
        "I help leaders post with confidence.",
    )
    videos = service.match(
        {"need": "I want to learn TikTok and Instagram Reels", "style": "reverse", "mentee": {"seniority": 9}}
    )
    assert videos["matches"][0]["why"]["evidence"][0].startswith("I film short videos for TikTok")
    assert "7 levels junior to you: fits reverse mentoring" in top["why"]["notes"]
    assert set(top["mentor"]) <= {
        "id",
        "name",
        "title",
        "seniority",
        "department",
        "skills",
        "styles",
        "formats",
        "location",
        "timezone",
        "languages",
    }


def test_every_style_keeps_its_rule(service):
    traditional = {"need": "budgeting", "style": "traditional", "mentee": {"seniority": 3}}
    assert ids(service.match(traditional)) == ["senior-finance"]
    assert set(ids(service.match({"need": "SQL", "style": "flash"}))) == {"junior-social", "junior-ai", "mid-sql"}
    assert ids(service.match({"need": "SQL", "style": "e-mentoring"})) == []  # mid-sql has no long-term capacity
    two_way = service.match({"need": "budget planning", "style": "two-way", "mentee": {"id": "junior-social"}})
    assert ids(two_way) == ["senior-finance"]
    assert any("they want to learn" in n for n in two_way["matches"][0]["why"]["notes"])


def test_stored_mentee_brings_seniority_and_is_never_matched_to_self(service):
    result = service.match({"need": "TikTok", "style": "reverse", "mentee": {"id": "ceo"}})
    assert ids(result)[0] == "junior-social" and "ceo" not in ids(result)
    result = service.match({"need": "TikTok videos", "style": "any", "mentee": {"id": "junior-social"}})
    assert "junior-social" not in ids(result)


def test_reporting_line_is_excluded(make_service):
    svc = make_service()
    people = [
        profile("boss", 8, "I coach people on negotiation and leadership."),
        profile("report", 3, "I analyse data.", manager_id="boss"),
        profile("peer", 8, "I coach people on negotiation and salary talks."),
    ]
    svc.import_items(list(enumerate(people, start=1)))
    svc.open()
    result = svc.match({"need": "negotiation", "style": "traditional", "mentee": {"id": "report"}})
    assert ids(result) == ["peer"]


def test_missing_requirements_are_clear_errors(service):
    with pytest.raises(InvalidInput, match="mentee.seniority: required for reverse"):
        service.match({"need": "TikTok", "style": "reverse"})
    with pytest.raises(InvalidInput, match="mentee.bio"):
        service.match({"need": "TikTok", "style": "two-way", "mentee": {"seniority": 4}})
    with pytest.raises(InvalidInput, match="mentee.id: no stored profile"):
        service.match({"need": "TikTok", "mentee": {"id": "nobody"}})
    with pytest.raises(InvalidInput, match="style"):
        service.match({"need": "TikTok", "style": "sideways"})
    with pytest.raises(InvalidInput, match="limit"):
        service.match({"need": "TikTok", "limit": 51})


def test_same_request_same_order(service):
    body = {"need": "help with videos and prompts", "style": "flash", "limit": 10}
    assert service.match(body)["matches"] == service.match(body)["matches"]


def test_partly_bad_import_keeps_every_good_row(make_service):
    svc = make_service()
    lines = [
        json.dumps(profile("good-1", 3, "I teach Excel pivot tables.")),
        "{not json",
        json.dumps(profile("bad-seniority", 11, "I teach Excel.")),
        json.dumps(profile("good-2", 4, "I teach Figma auto-layout.")),
        json.dumps(profile("with-age", 4, "I teach Figma.", age=40)),
    ]
    report = svc.import_items(read_text("\n".join(lines), "jsonl"))
    assert report.summary() == {"added": 2, "updated": 0, "unchanged": 0, "rejected": 3}
    assert [(r["line"], r["errors"][0]["field"]) for r in report.rejected] == [(2, ""), (3, "seniority"), (5, "age")]
    assert svc.get("good-1") and svc.get("good-2")
    assert svc.get("bad-seniority") is None and svc.get("with-age") is None
    assert svc.store.count() == 2


def test_reimport_of_unchanged_profiles_embeds_nothing(make_service, embedder):
    svc = make_service()
    items = list(enumerate(PEOPLE, start=1))
    svc.import_items(items)
    before = embedder.texts_encoded
    report = svc.import_items(items)
    assert report.summary()["unchanged"] == len(PEOPLE) and embedder.texts_encoded == before
    # A change that leaves the texts alone (capacity) stores the profile without running the model.
    changed = [(1, dict(PEOPLE[0], capacity=3))]
    assert svc.import_items(changed).summary()["updated"] == 1 and embedder.texts_encoded == before
    changed = [(1, dict(PEOPLE[0], bio="I now teach LinkedIn video."))]
    assert svc.import_items(changed).summary()["updated"] == 1 and embedder.texts_encoded > before


def test_delete_is_immediate_and_survives_restart_and_reindex(service, make_service):
    assert "junior-social" in ids(service.match({"need": "TikTok", "limit": 10}))
    row = service.store.get("junior-social").row_id
    assert row in dict(service.refresh().lexical.search("TikTok", 10))
    assert service.delete("junior-social") and not service.delete("junior-social")
    assert "junior-social" not in ids(service.match({"need": "TikTok", "limit": 10}))
    assert row not in dict(service.refresh().lexical.search("TikTok", 10))
    restarted = make_service(data_dir=service.settings.data_dir).open()
    assert "junior-social" not in ids(restarted.match({"need": "TikTok", "limit": 10}))
    restarted.reindex()
    assert "junior-social" not in ids(restarted.match({"need": "TikTok", "limit": 10}))


def test_another_process_sees_changes_without_rebuilding(service, make_service, embedder):
    other = make_service(data_dir=service.settings.data_dir).open()
    service.upsert(profile("new-video", 1, "I edit YouTube Shorts and TikTok videos in CapCut.", styles=["reverse"]))
    embedder.clear_cache()  # the session's embedder may have met these phrases in other tests
    before = embedder.texts_encoded
    result = other.match({"need": "CapCut video editing", "style": "reverse", "mentee": {"seniority": 6}})
    # Only the need and its key phrases are encoded, no profile.
    assert ids(result)[0] == "new-video"
    assert embedder.texts_encoded == before + len(query_texts("CapCut video editing"))


def test_index_of_another_model_is_refused_and_rebuilt(service, make_service):
    name = service.generations.current_name()
    manifest_path = service.generations.root / name / "manifest.json"
    manifest = json.loads(manifest_path.read_text())
    manifest["model"] = "some-other-model:torch:0000"
    manifest_path.write_text(json.dumps(manifest))
    restarted = make_service(data_dir=service.settings.data_dir).open()
    assert restarted.status()["generation"] != name  # rebuilt from the store into a new generation
    reverse = {"need": "TikTok Reels", "style": "reverse", "mentee": {"seniority": 9}}
    assert ids(restarted.match(reverse))[0] == "junior-social"
