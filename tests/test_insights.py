"""The skills map on small real data: the real model, SQLite and PostgreSQL, the HTTP routes.

Thirty-odd people in three groups: senior leaders who want TikTok (junior mentors teach it: a reverse
opening), juniors who want negotiation (senior mentors teach it), and people who want the bagpipes (nobody
teaches them: a gap). One TikTok wish holds a word nobody else uses; a hidden mentor and an inactive
wanter must count nowhere.
"""

from __future__ import annotations

import base64
import json
import logging

import numpy as np
import pytest

from matcher.api import create_app
from matcher.config import Settings
from matcher.service import MatchService
from tests.api_people import bearer, make_keys
from tests.conftest import profile

TIKTOK_BIOS = [
    "I film and edit TikTok videos for our brand every week and teach leaders to post short videos.",
    "I make short TikTok videos with CapCut and can show you how to film and edit one on your phone.",
    "I run our TikTok account and explain how the TikTok algorithm decides who sees a video.",
    "I script and film TikTok videos and Instagram Reels and help beginners post their first video.",
    "I edit short-form TikTok videos and coach senior people to make TikTok videos without fear.",
    "I plan TikTok content and teach people how to film short TikTok videos that others watch.",
]
TIKTOK_WISHES = [
    "I want to learn how to make TikTok videos for our brand.",
    "I'd like to film and edit short TikTok videos myself.",
    "I want to understand TikTok and post short videos with confidence.",
    "I want to make TikTok videos for our Quokkaland store.",  # Quokkaland: one person's own word
    "I'd like to learn to post TikTok videos that people watch.",
    "I want to learn how the TikTok algorithm picks videos.",
]
NEGOTIATION_BIOS = [
    "I negotiate enterprise contracts and teach people how to prepare a hard negotiation.",
    "I lead supplier negotiations and coach colleagues to negotiate prices with confidence.",
    "I have negotiated hundreds of sales contracts and help people plan a negotiation step by step.",
    "I teach negotiation: how to prepare, what to concede and how to close a contract negotiation.",
    "I negotiate partnership deals and show people how to handle a tough negotiation calmly.",
    "I run negotiation workshops and help people prepare to negotiate a contract or a salary.",
]
NEGOTIATION_WISHES = [
    "I want to learn to negotiate contracts with suppliers.",
    "I'd like to prepare for a hard negotiation.",
    "I want to negotiate with more confidence.",
    "I want to learn how to negotiate a contract.",
    "I'd like to get better at negotiation with customers.",
    "I want to learn negotiation skills for sales contracts.",
]
BAGPIPE_WISHES = [
    "I want to learn to play the bagpipes.",
    "I'd like to play the Highland bagpipes at weddings.",
    "I want to learn bagpipes and march with a pipe band.",
    "I'd like to tune and play the bagpipes.",
    "I want to play bagpipes tunes for my family.",
    "I want to learn the bagpipes chanter and drones.",
]


def people() -> list[dict]:
    out = []
    for i, bio in enumerate(TIKTOK_BIOS):  # junior mentors in Brand: TikTok
        out.append(profile(f"tt-mentor-{i}", 2, bio, goals="", department="Brand", styles=["reverse", "flash"]))
    out.append(
        profile(
            "tt-hidden",
            2,
            TIKTOK_BIOS[0] + " I also teach TikTok live streams.",
            goals="",
            department="Brand",
            discoverable=False,
        )
    )
    for i, bio in enumerate(NEGOTIATION_BIOS):  # senior mentors in Sales: negotiation; tag nobody asks for
        out.append(
            profile(
                f"neg-mentor-{i}",
                8,
                bio,
                goals="",
                department="Sales",
                styles=["traditional"],
                skills=["forklift safety"],
            )
        )
    for i, wish in enumerate(TIKTOK_WISHES):  # senior leaders: five in Finance, one in Legal
        out.append(profile(f"leader-{i}", 9, "", styles=[], goals=wish, department="Finance" if i < 5 else "Legal"))
    for i, wish in enumerate(NEGOTIATION_WISHES):  # juniors in Operations
        out.append(profile(f"junior-{i}", 2, "", styles=[], goals=wish, department="Operations"))
    for i, wish in enumerate(BAGPIPE_WISHES):  # mid-level engineers: nobody teaches it
        out.append(profile(f"piper-{i}", 5, "", styles=[], goals=wish, department="Engineering"))
    out.append(profile("piper-gone", 5, "", styles=[], goals=BAGPIPE_WISHES[0], department="Engineering", active=False))
    return out


def open_mapped(data_dir, embedder, database_url: str = "") -> MatchService:
    settings = Settings(data_dir=data_dir, database_url=database_url, insights_topics=3)
    service = MatchService(settings, embedder=embedder).open()
    report = service.import_items(list(enumerate(people(), start=1)))
    assert not report.rejected, report.rejected
    service.insights.build()
    return service


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def mapped(request, tmp_path_factory, embedder):
    data_dir = tmp_path_factory.mktemp(f"insights-{request.param}") / "data"
    if request.param == "sqlite":
        service = open_mapped(data_dir, embedder)
        yield service
        service.close()
        return
    from tests.pg import fresh_database

    with fresh_database() as url:
        service = open_mapped(data_dir, embedder, url)
        yield service
        service.close()


def by_label(summary: dict, word: str) -> dict:
    found = [t for t in summary["topics"] if word in (t["label"] or "")]
    assert len(found) == 1, [t["label"] for t in summary["topics"]]
    return found[0]


def test_topics_come_out_with_their_counts_and_small_cells_suppressed(mapped):
    summary = mapped.insights.summary()
    assert len(summary["topics"]) == 3
    tiktok, negotiation = by_label(summary, "tiktok"), by_label(summary, "negotiat")
    # the hidden mentor teaches nobody, the inactive piper wants nothing
    assert (tiktok["demand"], tiktok["supply"], tiktok["uncovered"]) == (6, 6, 0)
    assert (negotiation["demand"], negotiation["supply"]) == (6, 6)
    assert tiktok["demand_by_band"] == {"junior": 0, "mid": 0, "senior": 6}
    assert tiktok["supply_by_band"] == {"junior": 6, "mid": 0, "senior": 0}
    # five leaders in Finance and one in Legal (pooled: Legal has one person): the 1 would give away the 5
    assert tiktok["demand_by_department"]["Finance"] is None
    assert tiktok["demand_by_department"]["Other departments"] is None
    assert tiktok["demand_by_department"]["Operations"] == 0
    assert "Legal" not in summary["departments"]
    assert summary["reverse_mentoring"][0]["label"] == tiktok["label"]
    opening = summary["reverse_mentoring"][0]
    assert (opening["senior_demand"], opening["junior_supply"]) == (6, 6)
    assert summary["unasked"] == [{"skill": "forklift safety", "mentors": 6}]
    assert all(
        value is None or value == 0 or value >= 5
        for t in summary["topics"]
        for key in t
        if key.endswith(("_by_band", "_by_department"))
        for value in t[key].values()
    )


def test_a_topic_with_demand_and_no_supply_is_a_gap(mapped):
    summary = mapped.insights.summary()
    bagpipes = by_label(summary, "bagpipes")
    assert (bagpipes["demand"], bagpipes["supply"], bagpipes["uncovered"]) == (6, 0, 6)
    assert summary["gaps"] == [
        {"topic": bagpipes["id"], "label": bagpipes["label"], "uncovered": 6, "demand": 6, "supply": 0}
    ]
    people = mapped.insights.people(bagpipes["id"])
    assert sorted(p["id"] for p in people) == [f"piper-{i}" for i in range(6)]
    assert {p["wish"] for p in people} == {w.rstrip(".") for w in BAGPIPE_WISHES}
    cohort = [json.loads(line) for line in mapped.insights.cohort_jsonl(bagpipes["id"]).splitlines()]
    assert sorted(member["id"] for member in cohort) == [f"piper-{i}" for i in range(6)]


def test_labels_hold_only_words_several_people_used(mapped):
    summary = mapped.insights.summary()
    words = " ".join(" ".join(t["terms"]) for t in summary["topics"])
    assert "tiktok" in words and "bagpipes" in words
    assert "quokkaland" not in words.lower()  # one person's word
    stored = mapped.insights.current()
    assert all(n >= 5 for topic in stored.manifest["topics"] for _, n in topic["terms"])
    assert "quokkaland" not in json.dumps(stored.manifest).lower()


@pytest.fixture(params=["sqlite", "postgres"])
def database_url(request):
    """ "" for SQLite, else a fresh PostgreSQL database."""
    if request.param == "sqlite":
        yield ""
        return
    from tests.pg import fresh_database

    with fresh_database() as url:
        yield url


def test_erasure_leaves_the_map_at_once_and_the_file_at_the_next_build(tmp_path, embedder, database_url):
    service = open_mapped(tmp_path / "data", embedder, database_url)
    try:
        bagpipes = by_label(service.insights.summary(), "bagpipes")["id"]
        gone = service.store.get("piper-0").row_id
        assert service.delete("piper-0")
        after = by_label(service.insights.summary(), "bagpipes")
        assert (after["demand"], after["uncovered"]) == (5, 5)  # at once, before any build
        assert "piper-0" not in {p["id"] for p in service.insights.people(bagpipes)}
        assert gone in service.insights.current().arrays["demand_row"]  # the file still has the row...
        assert service.delete("piper-1")
        assert by_label(service.insights.summary(), "bagpipes")["demand"] is None  # 4: suppressed
        service.insights.build()
        arrays = service.insights.current().arrays
        assert gone not in arrays["demand_row"] and gone not in arrays["person_row"]  # ...until the next build
        assert service.insights.files.names() == ["map-000002.npz"]  # the older map file is deleted
    finally:
        service.close()


def test_the_http_routes_are_for_admin_keys_only(mapped, caplog):
    caplog.set_level(logging.DEBUG, logger="matcher")
    app = create_app({"key_rate_limit": "100000 per minute"}, service=mapped)
    client, keys = app.test_client(), make_keys(mapped)
    assert client.get("/v1/insights").status_code == 401
    assert client.get("/v1/insights", headers=bearer(keys["match"])).status_code == 403
    assert client.post("/v1/insights", headers=bearer(keys["match"])).status_code == 403
    assert client.get("/v1/insights/topics/1/people", headers=bearer(keys["match"])).status_code == 403
    answer = client.get("/v1/insights", headers=bearer(keys["admin"]))
    assert answer.status_code == 200 and answer.headers["Cache-Control"] == "no-store"
    bagpipes = by_label(answer.json, "bagpipes")
    as_csv = client.get("/v1/insights", headers={**bearer(keys["admin"]), "Accept": "text/csv"})
    assert as_csv.mimetype == "text/csv" and as_csv.headers["Cache-Control"] == "no-store"
    rows = as_csv.get_data(as_text=True).splitlines()
    assert rows[0].startswith("topic,label,demand,supply,uncovered,demand_junior")
    assert f"{bagpipes['id']},{bagpipes['label']},6,0,6," in "\n".join(
        rows
    ) or f'{bagpipes["id"]},"{bagpipes["label"]}",6,0,6,' in "\n".join(rows)
    listed = client.get(f"/v1/insights/topics/{bagpipes['id']}/people", headers=bearer(keys["admin"]))
    assert listed.status_code == 200 and len(listed.json["people"]) == 6
    cohort = client.get(f"/v1/insights/topics/{bagpipes['id']}/cohort.jsonl", headers=bearer(keys["admin"]))
    assert cohort.mimetype == "application/x-ndjson" and len(cohort.get_data(as_text=True).splitlines()) == 6
    assert client.get("/v1/insights/topics/99/people", headers=bearer(keys["admin"])).status_code == 404
    assert client.get("/v1/insights/topics/x/people", headers=bearer(keys["admin"])).status_code == 404
    assert client.post("/v1/insights", headers=bearer(keys["admin"])).json["topics"] == 3
    # the log holds versions, topic ids and counts: no label, name or wish
    assert "insights map-" in caplog.text and "skills map map-" in caplog.text
    assert not any(text in caplog.text for text in ["bagpipes", "Person piper", "Highland", "tiktok", "TikTok"])


def test_the_pages_are_for_admins_only(mapped):
    app = create_app({"key_rate_limit": "100000 per minute"}, service=mapped)
    client, keys = app.test_client(), make_keys(mapped)

    def basic(key: str) -> dict:
        return {"Authorization": "Basic " + base64.b64encode(f"hr:{key}".encode()).decode()}

    assert client.get("/insights").status_code == 401
    assert client.get("/insights", headers=basic(keys["match"])).status_code == 403
    page = client.get("/insights", headers=basic(keys["admin"]))
    assert page.status_code == 200 and page.headers["Cache-Control"] == "no-store"
    html = page.get_data(as_text=True)
    assert "<script" not in html and "bagpipes" in html and "fewer than 5" in html
    assert "piper-0" not in html  # the map names nobody; the topic page does
    topic = by_label(mapped.insights.summary(), "bagpipes")["id"]
    assert "piper-0" in client.get(f"/insights/topics/{topic}", headers=basic(keys["admin"])).get_data(as_text=True)
    assert client.get(f"/insights/topics/{topic}").status_code == 401


def test_no_map_yet_is_a_clear_404(tmp_path, embedder):
    service = MatchService(Settings(data_dir=tmp_path / "data"), embedder=embedder).open()
    try:
        client = create_app(service=service).test_client()
        admin = make_keys(service)["admin"]
        answer = client.get("/v1/insights", headers=bearer(admin))
        assert answer.status_code == 404 and "mentor-match insights build" in answer.json["detail"]
        page = client.get(
            "/insights", headers={"Authorization": "Basic " + base64.b64encode(f"x:{admin}".encode()).decode()}
        )
        assert page.status_code == 404 and "No map yet" in page.get_data(as_text=True)
        assert np.array_equal(service.insights.files.names(), [])
    finally:
        service.close()


def test_a_reindex_builds_the_map_unless_told_not_to(tmp_path, embedder):
    service = MatchService(Settings(data_dir=tmp_path / "a", insights_topics=3), embedder=embedder).open()
    quiet = MatchService(Settings(data_dir=tmp_path / "b", insights_after_reindex=False), embedder=embedder).open()
    try:
        for svc in (service, quiet):
            assert not svc.import_items(list(enumerate(people(), start=1))).rejected
        built = service.reindex()["insights"]
        assert built["version"] == "map-000001" and built["topics"] == 3
        assert "insights" not in quiet.reindex() and quiet.insights.files.names() == []
    finally:
        service.close()
        quiet.close()


def test_the_command_line_says_what_is_missing(tmp_path, monkeypatch, capsys):
    from matcher.cli import main

    monkeypatch.setenv("MATCHER_DATA_DIR", str(tmp_path / "data"))
    assert main(["insights", "show"]) == 1
    assert "no skills map has been built yet: run `mentor-match insights build`" in capsys.readouterr().err
    assert main(["insights", "show", "--cohort"]) == 2
    assert "--cohort: needs --topic ID" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exited:
        main(["insights", "show", "--topic", "x"])
    assert exited.value.code == 2 and "expected a whole number from 1, got 'x'" in capsys.readouterr().err


def test_a_store_without_wishes_or_without_mentors_builds_a_map(tmp_path, embedder):
    mentors = [p for p in people() if p["styles"]]
    wanting = [p for p in people() if not p["styles"]]
    for name, group in (("empty", []), ("mentors", mentors), ("wanting", wanting)):
        service = MatchService(Settings(data_dir=tmp_path / name), embedder=embedder).open()
        try:
            assert not service.import_items(list(enumerate(group, start=1))).rejected
            service.insights.build()
            summary = service.insights.summary()
            assert (len(summary["topics"]) > 0) == bool(wanting and group is wanting)
            assert all(t["supply"] == 0 for t in summary["topics"])
        finally:
            service.close()


def test_a_programme_members_need_counts_as_demand(tmp_path, embedder):
    service = open_mapped(tmp_path / "data", embedder)
    try:
        need = "I want to learn to play the bagpipes for the office party."
        created = service.programmes.create(
            {"name": "Pipes", "style": "any", "cohort": [{"id": "junior-0", "need": need}, {"id": "junior-1"}]}
        )
        service.insights.build()
        bagpipes = by_label(service.insights.summary(), "bagpipes")
        assert bagpipes["demand"] == 7  # the six pipers and junior-0's programme need (junior-1's is their goals)
        listed = {p["id"]: p for p in service.insights.people(bagpipes["id"])}
        assert listed["junior-0"]["wish"] == need.rstrip(".")
        assert listed["junior-0"]["source"] == f"programme {created.record.id}"
    finally:
        service.close()


def test_an_introductions_need_counts_as_demand(tmp_path, embedder):
    """A need someone asked a mentor for is a want like their goals: counted in its topic, listed with its
    request; withdrawn requests and a need equal to the person's goals are not counted again."""
    from matcher.relationships.access import Actor

    service = open_mapped(tmp_path / "data", embedder)
    try:
        need = "One flash session to start playing the bagpipes for Burns night."
        asked = service.relationships.ask(
            Actor.admin(), {"mentee_id": "junior-0", "mentor_id": "tt-mentor-0", "need": need, "style": "flash"}
        )
        withdrawn = service.relationships.ask(
            Actor.admin(),
            {"mentee_id": "junior-1", "mentor_id": "tt-mentor-1", "need": BAGPIPE_WISHES[1], "style": "flash"},
        )
        service.relationships.withdraw(Actor.person("junior-1"), withdrawn["id"])
        service.insights.build()
        bagpipes = by_label(service.insights.summary(), "bagpipes")
        assert bagpipes["demand"] == 7  # the six pipers and junior-0's request (junior-1 withdrew theirs)
        listed = {p["id"]: p for p in service.insights.people(bagpipes["id"])}
        assert listed["junior-0"]["source"] == f"request {asked['id']}"
        assert listed["junior-0"]["wish"] == need.rstrip(".")
        assert "junior-1" not in listed
    finally:
        service.close()


def test_a_map_written_after_an_erasure_leaves_the_erased_out(tmp_path, embedder):
    from matcher.insights.build import drop_erased

    service = open_mapped(tmp_path / "data", embedder)
    try:
        arrays = service.insights.current().arrays
        gone = service.store.get("piper-2").row_id
        assert gone in arrays["demand_row"] and gone in arrays["person_row"]
        assert service.delete("piper-2")
        kept = drop_erased(service.store, arrays)  # what a build that read them before the delete writes
        assert gone not in kept["demand_row"] and gone not in kept["person_row"]
        assert len(kept["demand_row"]) == len(arrays["demand_row"]) - 1
        assert len(kept["demand_topic"]) == len(kept["demand_row"]) and len(kept["person_band"]) == len(
            kept["person_row"]
        )
    finally:
        service.close()
