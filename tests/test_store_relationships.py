"""Introductions, relationships and the outbox in the store, the same on both backends (SQLite and a real
PostgreSQL): each change one transaction with its events, one ledger of places read by every profile read,
expiry that holds at read time, erasure, programmes, the sender's claims, and carrying old stores forward."""

from __future__ import annotations

import itertools
import json
import sqlite3
import time
from dataclasses import replace

import pytest

from matcher.config import Settings
from matcher.errors import Conflict, InvalidInput, NotFound, OverCommitted, RuleRefused
from matcher.relationships import events
from matcher.relationships.records import RelationshipRecord, RequestRecord, SessionRecord
from tests.test_store_backends import Backend, create, pair, people

REQUEST_NUMBERS = itertools.count(1)

DAY = 86_400.0


@pytest.fixture(params=["sqlite", "postgres"])
def backend(request, tmp_path):
    """A fresh store on each backend (as tests/test_store_backends.py): a SQLite file, a new PostgreSQL database."""
    if request.param == "sqlite":
        b = Backend("sqlite", Settings(data_dir=tmp_path / "data"))
        yield b
        b.close()
        return
    from tests.pg import fresh_database

    with fresh_database() as url:
        b = Backend("postgres", Settings(data_dir=tmp_path / "data", database_url=url))
        yield b
        b.close()


@pytest.fixture
def store(backend):
    return backend.opened()


def ask(
    store,
    mentee: str,
    mentor: str,
    style: str = "reverse",
    at: float | None = None,
    ttl: float = 14 * DAY,
    max_open: int = 3,
    rid: str | None = None,
) -> RequestRecord:
    now = time.time() if at is None else at
    record = RequestRecord(
        rid or f"req-{mentee}-{mentor}-{next(REQUEST_NUMBERS)}",  # two asks in one millisecond: two ids
        mentee,
        mentor,
        style,
        style != "flash",
        f"the need of {mentee}",
        "pending",
        now,
        now + ttl,
        created_by="k1",
    )
    return store.create_request(record, max_open, now)


def relationship_for(request: RequestRecord, sessions: int = 2) -> RelationshipRecord:
    plan = tuple(
        {"number": n, "covers": [{"topic": f"topic {n}", "sentence": None, "similarity": 0.0}]}
        for n in range(1, sessions + 1)
    )
    return RelationshipRecord(
        f"rel-{request.id}",
        "request",
        request.mentee_id,
        request.mentor_id,
        request.style,
        request.long_term,
        request.need,
        plan,
        sessions,
    )


def accept(store, request: RequestRecord, sessions: int = 2) -> RelationshipRecord:
    _, started = store.answer_request(request.id, True, None, time.time(), relationship_for(request, sessions))
    return started


def types(store) -> list[str]:
    return [e.type for e in store.events(limit=1000)]


def test_a_pending_request_holds_a_place_that_every_read_of_the_mentor_counts(store, backend):
    people(store, {"ana": 1, "bo": 2}, ["lea", "max"])
    seq = store.current_seq()
    request = ask(store, "lea", "ana")
    other = backend.opened()
    assert other.request(request.id) == request
    ana = other.get("ana")
    assert ana.committed == 1 and ana.seq == seq + 1 == other.current_seq()  # one change: catalogs catch up
    assert [(s.profile.id, s.committed) for s in other.changes_since(seq)[0]] == [("ana", 1)]
    with pytest.raises(RuleRefused) as refused:  # her one place is held: nobody else may ask
        ask(store, "max", "ana")
    assert refused.value.rule == "no_room" and refused.value.errors[0].field == "mentor_id"
    flash = ask(store, "max", "ana", style="flash")  # flash takes no place
    assert other.get("ana").committed == 1 and other.current_seq() == seq + 1

    withdrawn = store.withdraw_request(request.id, time.time())
    assert withdrawn.state == "withdrawn" and other.get("ana").committed == 0 and other.current_seq() == seq + 2
    with pytest.raises(Conflict) as again:
        store.withdraw_request(request.id, time.time())
    assert again.value.extensions == {"state": "withdrawn"} and "only a pending request" in str(again.value)
    assert types(other) == ["request.created", "request.created", "request.withdrawn"]
    payloads = [e.payload for e in other.events()]
    assert payloads[0] == {
        "request_id": request.id,
        "mentee_id": "lea",
        "mentor_id": "ana",
        "style": "reverse",
        "state": "pending",
        "expires_at": events.iso(request.expires_at),
    }
    assert all("need" not in json.dumps(p) for p in payloads)  # ids and states only
    assert other.requests(person_id="max") == [flash] and other.requests(state="withdrawn") == [withdrawn]
    with pytest.raises(NotFound):
        store.withdraw_request("req-nope", time.time())


def test_duplicates_open_requests_and_unknown_people_are_refused_and_nothing_is_stored(store, backend):
    people(store, {"ana": 3, "bo": 3, "cy": 3, "di": 3}, ["lea"])
    first = ask(store, "lea", "ana")
    with pytest.raises(Conflict) as duplicate:
        ask(store, "lea", "ana", style="flash")
    assert duplicate.value.field == "mentor_id" and duplicate.value.extensions == {"request_id": first.id}
    ask(store, "lea", "bo")
    ask(store, "lea", "cy")
    with pytest.raises(Conflict) as too_many:
        ask(store, "lea", "di")
    assert too_many.value.field == "mentee_id" and "3 pending requests" in str(too_many.value)
    for mentee, mentor, field in (("nobody", "ana", "mentee_id"), ("lea", "nobody", "mentor_id")):
        with pytest.raises(NotFound) as unknown:
            ask(store, mentee, mentor)
        assert unknown.value.field == field
    assert len(backend.opened().requests()) == 3 and types(store) == ["request.created"] * 3


def test_accepting_starts_a_relationship_keeping_the_place_and_declining_bans_for_good(store, backend):
    people(store, {"ana": 2}, ["lea", "max"])
    request = ask(store, "lea", "ana")
    seq = store.current_seq()
    answered, started = store.answer_request(request.id, True, None, time.time(), relationship_for(request))
    assert answered.state == "accepted" and answered.relationship_id == started.id
    assert started.request_id == request.id and started.state == "active" and started.plan[0]["number"] == 1
    other = backend.opened()
    assert other.relationship(started.id) == started and other.request(request.id) == answered
    assert other.get("ana").committed == 1 and other.current_seq() == seq  # the request's place is the relationship's
    with pytest.raises(Conflict):  # one active relationship joins them: no second request
        ask(store, "lea", "ana", style="flash")

    declined_request = ask(store, "max", "ana")
    declined, none = store.answer_request(declined_request.id, False, "no_time", time.time())
    assert (declined.state, declined.reason, none) == ("declined", "no_time", None)
    assert other.get("ana").committed == 1 and other.never_again("max") == {"ana"}
    with pytest.raises(RuleRefused) as banned:
        ask(store, "max", "ana", style="flash")
    assert banned.value.rule == "never_again"
    assert types(other) == [
        "request.created",
        "request.answered",
        "relationship.started",
        "request.created",
        "request.answered",
    ]
    assert [e.payload for e in other.events()][4]["reason"] == "no_time"


def test_two_accepts_for_a_last_place_one_wins_and_the_other_changes_nothing(store, backend):
    """Pending requests hold places against new requests; when the mentor's capacity goes down meanwhile,
    the first accepted wins and the next is refused (409), nothing changed."""
    people(store, {"ana": 2}, ["lea", "max"])
    first, second = ask(store, "lea", "ana"), ask(store, "max", "ana")
    people(store, {"ana": 1})  # she lowers her capacity to one
    accept(store, first)
    before = (store.current_seq(), types(store))
    with pytest.raises(Conflict) as full:
        accept(store, second)
    assert full.value.extensions == {"rule": "no_room"} and "nothing changed" in str(full.value)
    assert store.request(second.id).state == "pending" and (store.current_seq(), types(store)) == before
    assert len(store.relationships(person_id="ana")) == 1


def test_expiry_holds_at_read_time_and_is_recorded_when_observed_or_swept(store, backend):
    people(store, {"ana": 1, "bo": 1}, ["lea", "max"])
    past = time.time() - 15 * DAY
    stale = ask(store, "lea", "ana", at=past)  # asked 15 days ago: expired a day ago
    other = backend.opened()
    assert other.request(stale.id).state == "pending"  # as stored ...
    assert other.get("ana").committed == 0  # ... but its place is free at once
    assert other.next_request_expiry() == pytest.approx(stale.expires_at)
    with pytest.raises(Conflict) as late:  # answering observes the expiry, records it, and refuses
        store.answer_request(stale.id, True, None, time.time(), relationship_for(stale))
    assert late.value.extensions == {"state": "expired"}
    expired = other.request(stale.id)
    assert expired.state == "expired" and expired.answered_at == pytest.approx(stale.expires_at)
    assert types(other) == ["request.created", "request.expired"] and other.relationships() == []

    swept = ask(store, "max", "bo", at=past)
    live = ask(store, "lea", "ana", style="flash")  # (asking observes the expiry of the two people's requests only)
    assert [r.id for r in store.expire_requests(time.time())] == [swept.id]
    assert store.expire_requests(time.time()) == []  # once
    assert other.request(swept.id).state == "expired" and other.request(live.id).state == "pending"
    assert types(other)[-1] == "request.expired" and other.next_request_expiry() is None  # flash holds no place


def test_sessions_fit_and_the_end_of_a_relationship(store, backend):
    people(store, {"ana": 2}, ["lea", "max"])
    relationship = accept(store, ask(store, "lea", "ana"), sessions=2)
    with pytest.raises(InvalidInput) as early:  # before any session held
        store.record_fit(relationship.id, "mentee", "good", time.time())
    assert early.value.errors[0].field == "fit"
    store.log_session(SessionRecord(relationship.id, "2027-01-05", "missed", None, "mentee"), time.time())
    with pytest.raises(InvalidInput):  # a missed session is not a session held
        store.record_fit(relationship.id, "mentor", "good", time.time())
    after, session = store.log_session(SessionRecord(relationship.id, "2027-01-12", "done", 1, "mentor"), time.time())
    assert after.state == "active" and session.id > 0 and session.logged_by == "mentor"
    store.record_fit(relationship.id, "mentor", "not_a_fit", time.time())  # recorded, nothing more
    store.record_fit(relationship.id, "mentee", "still_deciding", time.time())
    other = backend.opened()
    assert {f.side: f.fit for f in other.fits([relationship.id])[relationship.id]} == {
        "mentor": "not_a_fit",
        "mentee": "still_deciding",
    }
    assert other.relationship(relationship.id).state == "active" and other.never_again("lea") == set()

    ended = store.record_fit(relationship.id, "mentee", "not_a_fit", time.time())
    assert (ended.state, ended.end_reason, ended.ended_by) == ("ended", "not_a_fit", "mentee")
    assert other.get("ana").committed == 0 and other.never_again("lea") == {"ana"}
    last = other.events(limit=1000)[-1]
    assert last.type == "relationship.ended" and last.payload["reason"] is None  # the mentee's answer stays theirs
    assert last.payload["ended_by"] == "mentee"
    for change in (
        lambda: store.log_session(SessionRecord(relationship.id, "2027-01-19", "done"), time.time()),
        lambda: store.record_fit(relationship.id, "mentee", "good", time.time()),
        lambda: store.end_relationship(relationship.id, "no_time", "mentor", time.time()),
    ):
        with pytest.raises(Conflict):
            change()
    assert [s.date for s in other.sessions([relationship.id])[relationship.id]] == ["2027-01-05", "2027-01-12"]

    # The last planned session held completes a relationship; its place is freed.
    flash = accept(store, ask(store, "max", "ana", style="flash"), sessions=1)
    completed, _ = store.log_session(SessionRecord(flash.id, "2027-01-20", "done", 1, "mentee"), time.time())
    assert completed.state == "completed" and completed.end_reason is None
    ended_by_hand = accept(store, ask(store, "max", "ana"))
    gone = store.end_relationship(ended_by_hand.id, "goal_reached", "mentor", time.time())
    assert (gone.state, gone.end_reason) == ("ended", "goal_reached") and other.get("ana").committed == 0
    assert types(other).count("relationship.ended") == 3 and types(other).count("session.logged") == 3


def test_erasure_reaches_requests_relationships_sessions_fits_bans_and_events(store, backend):
    people(store, {"ana": 2, "bo": 2}, ["lea", "max"])
    relationship = accept(store, ask(store, "lea", "ana"))
    store.log_session(SessionRecord(relationship.id, "2027-01-05", "done", 1, "mentee"), time.time())
    store.record_fit(relationship.id, "mentee", "good", time.time())
    store.answer_request(ask(store, "lea", "bo").id, False, "other", time.time())
    ask(store, "max", "bo")
    assert store.get("ana").committed == 1 and store.get("bo").committed == 1
    seq = store.current_seq()
    assert backend.opened().delete("lea") is not None
    other = backend.opened()
    assert other.requests(person_id="lea") == [] and other.relationships(person_id="lea") == []
    assert other.sessions([relationship.id]) == {relationship.id: []} and other.fits([relationship.id]) == {
        relationship.id: []
    }
    assert other.never_again("lea") == set()
    assert all("lea" not in json.dumps(e.payload) for e in other.events(limit=1000))
    assert [e.payload["mentee_id"] for e in other.events(limit=1000)] == ["max"]
    ana = other.get("ana")
    assert ana.committed == 0 and ana.seq == seq + 1  # her place freed, in the delete's change
    assert other.get("bo").committed == 1  # max's request is untouched
    store.purge_deleted()


def test_publishing_a_programme_starts_relationships_and_deleting_it_ends_them(store, backend):
    people(store, {"ana": 2, "bo": 2}, ["lea", "max"])
    create(store, "p1", ["lea", "max"], inline={"seniority": 3})
    store.save_pairs(
        "p1",
        [pair("lea", "ana", "approved"), pair("max", "bo", "pinned"), pair("ref1", "ana", "approved", stored=False)],
    )
    ask(store, "max", "ana")  # a pending request holds ana's second place: the programme asks for two
    with pytest.raises(OverCommitted) as over:
        store.publish("p1", long_term=True)
    assert over.value.mentors == {"ana": (2, 1)} and store.relationships() == []
    store.withdraw_request(store.requests(person_id="max")[0].id, time.time())
    published = store.publish("p1", long_term=True)
    other = backend.opened()
    started = {r.mentee_key: r for r in other.relationships(programme_id="p1")}
    assert sorted(started) == ["lea", "max", "ref1"] and len(published) == 3
    assert started["ref1"].mentee_id is None and started["lea"].mentee_id == "lea"
    assert started["lea"].need == "the need of lea" and started["lea"].style == "reverse"
    assert started["lea"].plan == pair("lea", "ana").plan and started["lea"].sessions_planned == 1
    assert other.get("ana").committed == 2 and other.get("bo").committed == 1
    published_events = [
        e for e in other.events(limit=1000) if e.type in ("relationship.started", "programme.published")
    ]
    assert [e.type for e in published_events] == ["relationship.started"] * 3 + ["programme.published"]
    assert published_events[-1].payload == {"programme_id": "p1", "published": 3}
    with pytest.raises(Conflict):  # the programme pair joins them already
        ask(store, "max", "bo")

    assert store.delete_programme("p1") is True
    assert {r.state for r in other.relationships()} == {"ended"}
    assert {r.end_reason for r in other.relationships()} == {"programme_deleted"}
    assert other.get("ana").committed == 0 and other.get("bo").committed == 0
    assert types(other).count("relationship.ended") == 3


def test_the_sender_claims_due_events_once_and_backs_off_until_it_gives_up(store, backend):
    people(store, {"ana": 5}, ["lea", "max", "noa"])
    for mentee in ("lea", "max", "noa"):
        ask(store, mentee, "ana", style="flash")
    now = time.time() + 1
    first = store.claim_events(now, limit=2, lease=30)
    second = backend.opened().claim_events(now, limit=10, lease=30)
    assert [e.type for e in first] == ["request.created"] * 2 and len(second) == 1
    assert {e.id for e in first}.isdisjoint({e.id for e in second})  # never the same event twice at once
    assert store.claim_events(now, limit=10) == []  # all leased
    store.mark_delivered([first[0].id], now)
    due = store.mark_failed(first[1].id, now, "HTTP 500")
    assert due == pytest.approx(now + events.RETRY_SCHEDULE[0])
    assert [e.id for e in store.claim_events(due, limit=10)] == [first[1].id]  # due again after the backoff
    for _ in range(2, len(events.RETRY_SCHEDULE) + 2):
        due = store.mark_failed(first[1].id, now, "ConnectError")
    assert due is None  # eight attempts: given up
    state = {e.id: e for e in store.events(limit=10)}
    assert state[first[0].id].delivered_at == now and state[first[0].id].attempts == 1
    gave_up = state[first[1].id]
    assert (gave_up.attempts, gave_up.next_attempt_at, gave_up.last_error) == (8, None, "ConnectError")
    assert [e.id for e in store.events(undelivered=True)] == [first[1].id, second[0].id]
    assert store.prune_events(now + 1) == 2 and [e.id for e in store.events()] == [second[0].id]


def test_an_old_sqlite_store_carries_its_published_pairs_forward_once(tmp_path):
    from matcher.store import SQLiteStore

    path = tmp_path / "data" / "profiles.db"
    old = SQLiteStore(path)
    people(old, {"ana": 2}, ["lea"])
    create(old, "p1", ["lea"])
    old.save_pairs("p1", [pair("lea", "ana", "approved")])
    old.publish("p1", long_term=True)
    old.close()
    with sqlite3.connect(path) as conn:  # as a store from before relationships: pairs, no relationships
        conn.execute("DELETE FROM relationships")
        conn.execute("PRAGMA user_version = 0")
    reopened = SQLiteStore(path)
    [carried] = reopened.relationships()
    assert (carried.origin, carried.programme_id, carried.mentee_id, carried.mentor_id, carried.state) == (
        "programme",
        "p1",
        "lea",
        "ana",
        "active",
    )
    assert carried.need == "the need of lea" and carried.sessions_planned == 1 and reopened.get("ana").committed == 1
    reopened.close()
    assert SQLiteStore(path).relationships() == [carried]  # once


def test_migrate_carries_a_postgres_database_s_published_pairs_forward(tmp_path, monkeypatch, capsys):
    import psycopg

    from matcher.cli import main
    from matcher.store import schema
    from tests.pg import fresh_database

    with fresh_database(migrated=False) as url:
        with psycopg.connect(url, autocommit=True) as conn:  # a database at version 3: before relationships
            for migration in schema.migrations()[:3]:
                with conn.transaction():
                    conn.execute(migration.sql)
                    conn.execute(schema._CREATE_TABLE)
                    conn.execute(
                        "INSERT INTO schema_migrations (version, name) VALUES (%s, %s)",
                        (migration.version, migration.name),
                    )
            conn.execute("INSERT INTO meta (key, value) VALUES ('seq', 0) ON CONFLICT DO NOTHING")
            conn.execute(
                "INSERT INTO profiles (id, data, content_hash, text_hash, seq, updated_at) VALUES "
                "('ana', '{\"capacity\": 2}', 'h', 't', 1, 1), ('lea', '{}', 'h', 't', 1, 1)"
            )
            conn.execute(
                "INSERT INTO programmes VALUES ('p1', 'P', '{\"style\": \"traditional\", \"sessions\": 3}', "
                "'published', 1, 1, 1, 5)"
            )
            conn.execute("INSERT INTO programme_cohort VALUES ('p1', 'lea', 0, 'lea', 'SQL please', NULL)")
            conn.execute(
                "INSERT INTO programme_pairs (programme_id, mentee_key, mentee_profile_id, mentor_id, status,"
                " long_term) VALUES ('p1', 'lea', 'lea', 'ana', 'published', true)"
            )
        monkeypatch.setenv("MATCHER_DATABASE_URL", url)
        monkeypatch.setenv("MATCHER_DATA_DIR", str(tmp_path / "data"))
        assert main(["migrate"]) == 0
        assert "applied 0004_relationships" in capsys.readouterr().out
        from matcher.store import open_store

        store = open_store(Settings(data_dir=tmp_path / "data", database_url=url))
        try:
            [carried] = store.relationships()
            assert (
                carried.mentee_id,
                carried.mentor_id,
                carried.style,
                carried.need,
                carried.sessions_planned,
                carried.started_at,
                carried.state,
            ) == ("lea", "ana", "traditional", "SQL please", 3, 5.0, "active")
            assert store.get("ana").committed == 1
        finally:
            store.close()


def test_an_answer_needs_the_relationship_and_a_decline_needs_none(store):
    people(store, {"ana": 2}, ["lea"])
    request = ask(store, "lea", "ana")
    with pytest.raises(NotFound):
        store.answer_request("req-nope", False, None, time.time())
    answered, _ = store.answer_request(
        request.id, True, None, time.time(), replace(relationship_for(request), id="rel-given")
    )
    assert answered.relationship_id == "rel-given"


ACTOR = """
import json, sys, time
from pathlib import Path
from matcher.config import Settings
from matcher.errors import Conflict, RuleRefused
from matcher.relationships.records import RelationshipRecord, RequestRecord
from matcher.store import open_store
store = open_store(Settings(data_dir=Path(sys.argv[1]), database_url=sys.argv[2]))
store.current_seq()  # connected before any race starts
print("READY", flush=True)
for line in sys.stdin:
    verb, *args = line.split()
    now = time.time()
    try:
        if verb == "accept":
            request = store.request(args[0])
            rel = RelationshipRecord("rel-" + args[0], "request", request.mentee_id, request.mentor_id, "reverse",
                                     True, request.need, (), 1)
            answer = {"ok": store.answer_request(args[0], True, None, now, rel)[1].id}
        else:
            record = RequestRecord("req-new-" + args[0], args[0], args[1], "reverse", True, "a need", "pending", now,
                                   now + 3600)
            answer = {"ok": store.create_request(record, 3, now).id}
    except (Conflict, RuleRefused) as exc:
        answer = {"refused": type(exc).__name__, "detail": str(exc)}
    print(json.dumps(answer), flush=True)
store.close()
"""


class Actor:
    """A process acting on the store: send it a line, read its JSON answer (never hanging the suite)."""

    def __init__(self, backend: Backend, log):
        import os
        import queue
        import subprocess
        import sys
        import threading

        from tests.test_store_backends import ROOT

        self.log_path = log
        self.log = log.open("w")
        self.process = subprocess.Popen(
            [sys.executable, "-c", ACTOR, str(backend.settings.data_dir), backend.settings.database_url],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self.log,
            text=True,
            env=dict(os.environ, PYTHONPATH=str(ROOT)),
            cwd=ROOT,
        )
        self.lines: queue.Queue[str] = queue.Queue()
        threading.Thread(target=lambda: [self.lines.put(line) for line in self.process.stdout], daemon=True).start()
        self._empty = queue.Empty

    def send(self, line: str) -> None:
        self.process.stdin.write(line + "\n")
        self.process.stdin.flush()

    def read(self) -> str:
        try:
            return self.lines.get(timeout=60).strip()
        except self._empty:
            raise AssertionError(f"an acting process did not answer in 60 s: {self.log_path.read_text()}") from None

    def close(self) -> None:
        try:
            self.process.stdin.close()
            self.process.wait(timeout=30)
        finally:
            if self.process.poll() is None:
                self.process.kill()
                self.process.wait()
            self.log.close()


@pytest.mark.slow
def test_two_processes_racing_for_a_mentors_last_place_exactly_one_wins(store, backend, tmp_path):
    """Each round two processes at once either ask the same mentor for their last place, or accept two pending
    requests after the mentor's capacity went down to one: exactly one succeeds, the other is refused and
    changes nothing. Round 0 releases both at once; later rounds hold the store's write lock until both wait."""
    from contextlib import nullcontext

    from tests.test_store_backends import _wait_until_both_wait

    rounds = 2
    people(
        store,
        {f"ask{r}": 1 for r in range(rounds)} | {f"acc{r}": 2 for r in range(rounds)},
        [f"{side}{r}" for side in "ab" for r in range(rounds)],
    )
    pending = {}
    for r in range(rounds):
        for side in "ab":
            pending[(side, r)] = ask(store, f"{side}{r}", f"acc{r}", rid=f"req-{side}{r}").id
        people(store, {f"acc{r}": 1})  # capacity down to one: both requests still pending
    actors = [Actor(backend, tmp_path / f"{side}.log") for side in "ab"]
    try:
        for one in actors:
            assert one.read() == "READY"
        for r in range(rounds):
            for verb in ("ask", "accept"):
                with store.changes_held() if r > 0 else nullcontext():
                    for i, side in enumerate("ab"):
                        actors[i].send(f"ask {side}{r} ask{r}" if verb == "ask" else f"accept {pending[(side, r)]}")
                    if r > 0:
                        _wait_until_both_wait(backend)
                answers = [json.loads(one.read()) for one in actors]
                won = [a for a in answers if "ok" in a]
                refused = [a for a in answers if "refused" in a]
                assert len(won) == 1 and len(refused) == 1, answers
                if verb == "ask":
                    assert refused[0]["refused"] == "RuleRefused" and "no_room" in refused[0]["detail"]
                    assert store.get(f"ask{r}").committed == 1 == len(store.requests(person_id=f"ask{r}"))
                else:
                    assert refused[0]["refused"] == "Conflict" and "no place left" in refused[0]["detail"]
                    assert len(store.relationships(person_id=f"acc{r}")) == 1
                    assert sorted(q.state for q in store.requests(person_id=f"acc{r}")) == ["accepted", "pending"]
    finally:
        for one in actors:
            one.close()
    for stored in store.iter_profiles():  # nobody has more active mentees than places
        assert len(store.relationships(state="active", person_id=stored.profile.id)) <= stored.profile.capacity
