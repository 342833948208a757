"""Introductions and relationships through the service, on the real model and both stores: the match, the
programmes and the requests read one ledger of places and one "never again" list; expiry frees a place in
every catalog without a daemon; two replicas on one PostgreSQL database agree; the operators' commands."""

from __future__ import annotations

import csv
import json
import os
import stat

import pytest

from matcher.cli import main
from matcher.errors import RuleRefused
from matcher.relationships.access import Actor
from tests.test_programmes import COHORT, LEADERS, MENTORS

ADMIN = Actor.admin()
TIKTOK = "TikTok and Instagram Reels for a senior leader"


@pytest.fixture(params=["sqlite", "postgres"])
def service(request, make_service):
    url = request.getfixturevalue("postgres_url") if request.param == "postgres" else ""
    svc = make_service(database_url=url).open()
    assert not svc.import_items(list(enumerate(MENTORS + LEADERS, start=1))).rejected
    yield svc
    svc.close()


def mentors_for(service, mentee: str, need: str = TIKTOK) -> list[str]:
    result = service.match({"need": need, "style": "reverse", "mentee": {"id": mentee}, "limit": 10})
    return [m["mentor"]["id"] for m in result["matches"]]


def ask(service, mentee: str, mentor: str, need: str = TIKTOK, style: str = "reverse") -> dict:
    return service.relationships.ask(ADMIN, {"mentee_id": mentee, "mentor_id": mentor, "need": need, "style": style})


def test_a_pending_request_takes_the_mentor_out_of_matches_and_programmes_until_it_expires(service):
    """ana has one place. A request holds it: she is proposed to nobody else, in a match or a programme draft.
    Fifteen days later (no sweep ran) the request has expired at read time, and the next match proposes her."""
    assert "ana" in mentors_for(service, "max")
    rels = service.relationships
    real = rels.clock
    request = ask(service, "lea", "ana")
    assert "ana" not in mentors_for(service, "max")
    view = service.programmes.run(
        service.programmes.create({"name": "R", "style": "reverse", "cohort": COHORT, "sessions": 2}).record.id
    )
    assert "ana" not in {pair.mentor_id for pair in view.pairs.values()}
    rels.clock = lambda: real() + 15 * 86_400  # fifteen days later: expired, and her place free in the catalog
    assert rels.view_request(ADMIN, request["id"])["state"] == "expired"
    assert "ana" in mentors_for(service, "max")
    assert service.store.request(request["id"]).state == "expired"  # the match's catch-up recorded it
    assert [e.type for e in service.store.events()] == ["request.created", "request.expired"]


def test_never_again_reaches_matches_programme_drafts_and_pins(service):
    request = ask(service, "lea", "ana")
    assert (
        service.relationships.answer(Actor.person("ana"), request["id"], {"answer": "decline"})["state"] == "declined"
    )
    assert "ana" not in mentors_for(service, "lea") and "ana" in mentors_for(service, "max")
    programme = service.programmes.create({"name": "R", "style": "reverse", "cohort": COHORT, "sessions": 2})
    view = service.programmes.run(programme.record.id)
    assert view.pairs["lea"].mentor_id != "ana"
    with pytest.raises(Exception, match="cannot mentor"):
        service.programmes.pin(programme.record.id, "lea", "ana")
    with pytest.raises(RuleRefused) as banned:
        ask(service, "lea", "ana", style="reverse")
    assert banned.value.rule == "never_again"


def test_a_published_programme_pair_is_a_relationship_on_the_same_ledger(service):
    programme = service.programmes.create({"name": "R", "style": "reverse", "cohort": COHORT, "sessions": 3})
    pid = programme.record.id
    service.programmes.run(pid)
    service.programmes.approve(pid)
    _, published = service.programmes.publish(pid)
    started = {r.mentee_id: r for r in service.store.relationships(programme_id=pid)}
    assert set(started) == {p.mentee_key for p in published} and all(r.sessions_planned == 3 for r in started.values())
    lea = started["lea"]
    assert lea.mentor_id == "ana" and lea.need == COHORT[0]["need"]
    with pytest.raises(RuleRefused) as full:  # ana's one place is the programme pair's
        ask(service, "max", "ana", need="LinkedIn")
    assert full.value.rule == "no_room"
    seen = service.relationships.view_relationship(Actor.person("lea"), lea.id)
    assert seen["origin"] == "programme" and seen["programme_id"] == pid and len(seen["plan"]) == 3


def test_two_replicas_on_one_database_agree(make_service, postgres_url, tmp_path):
    """A request asked through one replica takes the mentor's place in the other's catalog; answered on the
    other, the first reads it accepted."""
    one = make_service(tmp_path / "one", database_url=postgres_url).open()
    assert not one.import_items(list(enumerate(MENTORS + LEADERS, start=1))).rejected
    two = make_service(tmp_path / "two", database_url=postgres_url).open()
    assert "ana" in mentors_for(two, "max")
    request = ask(one, "lea", "ana")
    assert "ana" not in mentors_for(two, "max")  # two's catalog caught up through the change sequence
    assert two.relationships.answer(Actor.person("ana"), request["id"], {"answer": "accept"})["state"] == "accepted"
    assert one.relationships.view_request(ADMIN, request["id"])["state"] == "accepted"
    rid = one.store.request(request["id"]).relationship_id
    one.relationships.log_session(Actor.person("lea"), rid, {"date": "2026-01-05", "status": "done"})
    assert two.relationships.view_relationship(ADMIN, rid)["progress"]["sessions_done"] == 1
    assert "ana" not in mentors_for(one, "max") and "ana" not in mentors_for(two, "max")


def test_the_operators_commands_list_expire_and_export(service, monkeypatch, tmp_path, capsys):
    settings = service.settings
    monkeypatch.setenv("MATCHER_DATA_DIR", str(settings.data_dir))
    if settings.database_url:
        monkeypatch.setenv("MATCHER_DATABASE_URL", settings.database_url)
    rels = service.relationships
    real = rels.clock
    rels.clock = lambda: real() - 15 * 86_400  # asked fifteen days ago
    stale = ask(service, "noa", "cai", need='=HYPERLINK("http://evil") dashboards')
    rels.clock = real
    assert main(["requests", "list", "--state", "expired"]) == 0  # expired at read time, though stored pending
    listed = capsys.readouterr().out.splitlines()
    assert len(listed) == 1 and listed[0].startswith(f"{stale['id']}\texpired\tnoa\tcai")
    assert "HYPERLINK" not in listed[0]  # no needs in lists
    assert main(["requests", "expire"]) == 0 and capsys.readouterr().out.strip() == "expired 1 request(s)"
    assert main(["requests", "expire"]) == 0 and capsys.readouterr().out.strip() == "expired 0 request(s)"
    assert service.store.request(stale["id"]).state == "expired"

    accepted = ask(service, "lea", "ana", need="=cmd|' /C calc'!A0 and TikTok")
    rid = rels.answer(ADMIN, accepted["id"], {"answer": "accept"})["relationship_id"]
    rels.log_session(Actor.person("ana"), rid, {"date": "2026-01-05", "status": "done", "plan_item": 2})  # 1: the start
    rels.answer_fit(Actor.person("lea"), rid, {"by": "mentee", "fit": "good"})
    assert main(["relationships", "list", "--json"]) == 0
    assert f'"id": "{rid}"' in capsys.readouterr().out

    out = tmp_path / "progress.csv"
    assert main(["relationships", "export", "--out", str(out)]) == 0
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    [row] = list(csv.DictReader(out.open(encoding="utf-8")))
    assert (row["relationship_id"], row["state"], row["sessions_done"], row["sessions_planned"], row["fit_mentee"]) == (
        rid,
        "active",
        "1",
        str(settings.relationship_sessions),
        "good",
    )
    assert row["topics_covered"].startswith("'=cmd")  # the mentee's words, never a live formula (csvsafe.py)
    capsys.readouterr()
    assert main(["relationships", "export", "--out", str(out)]) == 2  # never overwritten
    link = tmp_path / "link.csv"
    os.symlink(tmp_path / "elsewhere.csv", link)
    assert main(["relationships", "export", "--out", str(link)]) == 2  # never through a link
    assert not (tmp_path / "elsewhere.csv").exists() and "symbolic link" in capsys.readouterr().err

    assert main(["events", "list", "--undelivered"]) == 0
    listed = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [e["type"] for e in listed] == [
        "request.created",
        "request.expired",
        "request.created",
        "request.answered",
        "relationship.started",
        "session.logged",
    ]
    assert "cmd" not in json.dumps(listed) and all(e["delivered_at"] is None for e in listed)
    service.store.mark_delivered([e["id"] for e in listed[:2]], 1.0)  # delivered long ago
    assert main(["events", "prune", "--days", "30"]) == 0 and capsys.readouterr().out.strip() == "pruned 2 event(s)"
    assert main(["events", "prune", "--days", "-1"]) == 2


def test_what_happens_after_a_match_goes_into_the_outcome_log_with_the_change(service):
    """An accept, a decline, the mentee's fit answer and a relationship ended with its goal reached each add one
    outcome (the need in the mentee's words, the style, the day) in the change's own transaction, and bump the
    log's counter (every process's learned ranking reads it again). The mentor's fit answer and 'still deciding'
    add none. Erasing the mentee removes their outcomes."""
    rels = service.relationships
    version = service.store.outcomes_version()
    pivot = "Excel pivot tables for my monthly reports"
    declined = ask(service, "lea", "cai", need=pivot)
    rels.answer(Actor.person("cai"), declined["id"], {"answer": "decline", "reason": "no_time"})
    accepted = ask(service, "lea", "ana")
    rid = rels.answer(Actor.person("ana"), accepted["id"], {"answer": "accept"})["relationship_id"]
    assert service.store.outcomes_version() == version + 2
    rels.log_session(Actor.person("lea"), rid, {"date": "2026-01-05", "status": "done", "plan_item": 1})
    rels.answer_fit(Actor.person("ana"), rid, {"by": "mentor", "fit": "not_a_fit"})  # the mentor's: not an outcome
    rels.answer_fit(Actor.person("lea"), rid, {"by": "mentee", "fit": "still_deciding"})
    rels.answer_fit(Actor.person("lea"), rid, {"by": "mentee", "fit": "good"})
    rels.end(Actor.person("lea"), rid, {"reason": "goal_reached"})
    log = service.store.outcomes(mentee_id="lea")
    assert [(o.mentor_id, o.outcome, o.style, o.source) for o in log] == [
        ("cai", "declined", "reverse", "service"),
        ("ana", "accepted", "reverse", "service"),
        ("ana", "good_fit", "reverse", "service"),
        ("ana", "completed", "reverse", "service"),
    ]
    assert [o.need for o in log] == [pivot, TIKTOK, TIKTOK, TIKTOK]
    assert all(o.at for o in log)
    assert service.store.outcomes_version() == version + 4
    service.delete("lea")
    assert service.store.outcomes(mentee_id="lea") == [] and service.store.outcome_stats()["outcomes"] == 0


def test_a_two_way_introduction_plans_both_directions_in_turn(service):
    """In two-way each teaches the other: the plan alternates who teaches, the mentee's need one way and the
    mentor's stored goals the other, each topic with the teacher's own sentence."""
    max_name = service.store.get("max").profile.name
    lea_name = service.store.get("lea").profile.name
    request = ask(service, "lea", "max", need="budgeting and forecasting for my division", style="two-way")
    answered = service.relationships.answer(Actor.person("max"), request["id"], {"answer": "accept"})
    plan = service.store.relationship(answered["relationship_id"]).plan
    directions = [(c["learner"], c["teacher"]) for session in plan for c in session["covers"]]
    assert (lea_name, max_name) in directions and (max_name, lea_name) in directions
    taught = {c["teacher"]: c for session in plan for c in session["covers"] if c["sentence"]}
    assert "budget" in taught[max_name]["sentence"].lower()  # max's own bio answers lea's need
    assert "linkedin" in taught[lea_name]["topic"].lower()  # lea teaches what max's goals ask for
