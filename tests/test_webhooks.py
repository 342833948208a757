"""Webhooks (relationships/webhooks.py, store/webhooks.py): a real receiver on a loopback port that verifies
Standard Webhooks signatures; the receiver down, answering 500, holding an answer past the sender's timeout,
then recovering; a restart; two senders sharing one store (SQLite and PostgreSQL); the settings."""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
import threading
import time
from collections import Counter

import pytest

from matcher.config import Settings
from matcher.errors import SettingsError
from matcher.relationships.access import Actor
from matcher.relationships.webhooks import WebhookSender
from matcher.store import open_store
from tests.conftest import profile
from tests.webhook_receiver import Receiver, wait_for

SECRET = "whsec_" + base64.b64encode(b"test-secret-of-32-bytes-for-hmac").decode()
FAST = (0.05, 0.1, 0.2, 0.4, 0.8, 1.6, 3.2)  # the retry schedule, shortened (about 6 s in all)
NEED = "Quokka budgeting for a penguin sanctuary"
BIO = "I teach zebrafish accounting and flamingo forecasting."
PEOPLE = [profile(f"m{i}", 8, BIO, name=f"Mentorname{i}") for i in range(1, 5)] + [
    profile(f"e{i}", 2, "I am new here and like walruses.", name=f"Menteename{i}") for i in range(1, 4)
]
ADMIN = Actor.admin()


@pytest.fixture(params=["sqlite", "postgres"])
def service(request, make_service):
    url = request.getfixturevalue("postgres_url") if request.param == "postgres" else ""
    svc = make_service(database_url=url).open()
    assert not svc.import_items(list(enumerate(PEOPLE, start=1))).rejected
    yield svc
    svc.close()


@pytest.fixture
def senders():
    """Senders a test starts: stopped before the service closes its store."""
    made: list[WebhookSender] = []
    yield made
    for sender in made:
        sender.stop()


def sender_for(store, urls, made, **options) -> WebhookSender:
    options = {"schedule": FAST, "interval": 0.02, "timeout": 2.0, **options}
    sender = WebhookSender(store, urls, SECRET, **options)
    made.append(sender)
    return sender


def ask(service, mentee: str, mentor: str) -> dict:
    return service.relationships.ask(ADMIN, {"mentee_id": mentee, "mentor_id": mentor, "need": NEED, "style": "flash"})


def outbox_ids(store) -> list[str]:
    return [e.event_id for e in store.events(limit=1000)]


def assert_ids_and_states_only(received: list[dict]) -> None:
    for entry in received:
        assert entry["verified"], entry["id"]
        text = entry["body"].decode()
        for words in (NEED, "Quokka", BIO, "zebrafish", "walruses", "Mentorname", "Menteename", "learn public"):
            assert words not in text, (words, text)
        body = json.loads(text)
        assert set(body) == {"type", "timestamp", "data"}
        assert all(isinstance(v, (str, int, type(None))) for v in body["data"].values()), body


def test_down_then_500_then_recovering_delivers_every_event_once_signed_ids_only(service, senders):
    steady = Receiver(SECRET).start()  # a second receiver, always up: its deliveries are its own
    flaky = Receiver(SECRET).start().stop()  # down: its port refuses connections
    sender = sender_for(service.store, [flaky.url, steady.url], senders).start()

    created = ask(service, "e1", "m1")
    service.relationships.answer(ADMIN, created["id"], {"answer": "accept"})
    withdrawn = ask(service, "e2", "m2")
    service.relationships.withdraw(ADMIN, withdrawn["id"])
    events = outbox_ids(service.store)
    assert len(events) == 5  # created, answered, relationship.started, created, withdrawn

    wait_for(lambda: {r["id"] for r in steady.received} == set(events), what="the steady receiver")
    refused = wait_for(
        lambda: [d for d in service.store.deliveries("pending") if d.receiver == flaky.url and d.attempts >= 2],
        what="retries of the refused deliveries",
    )
    assert refused[0].last_error == "ConnectionRefusedError"

    flaky.mode = "500"
    flaky.start()
    wait_for(lambda: flaky.received, what="an attempt answered 500")
    wait_for(
        lambda: any(d.last_error == "HTTP 500" for d in service.store.deliveries("pending")), what="the 500 recorded"
    )
    flaky.mode = "ok"
    wait_for(lambda: {r["id"] for r in flaky.answered_ok()} == set(events), what="every event after recovery")
    wait_for(lambda: all(e.delivered_at for e in service.store.events(limit=100)), what="the outbox settled")
    sender.stop()
    assert not sender.running

    assert Counter(r["id"] for r in steady.received) == Counter(events)  # once each, never held up by the other
    assert Counter(r["id"] for r in flaky.answered_ok()) == Counter(events)
    assert_ids_and_states_only(steady.received + flaky.received)
    types = [json.loads(r["body"])["type"] for r in steady.received]
    assert sorted(types) == sorted(
        ["request.created", "request.answered", "relationship.started", "request.created", "request.withdrawn"]
    )
    answered = next(json.loads(r["body"])["data"] for r in steady.received if b"request.answered" in r["body"])
    assert answered["state"] == "accepted" and answered["request_id"] == created["id"]
    flaky.stop(), steady.stop()


def test_a_published_programme_is_announced_with_a_start_for_each_pair(service, senders):
    """Publishing starts a relationship per pair and says so once: relationship.started for each, then
    programme.published with the count; ids and counts only (no need, no name, no plan)."""
    receiver = Receiver(SECRET).start()
    sender_for(service.store, [receiver.url], senders).start()
    cohort = [{"id": "e1", "need": NEED}, {"id": "e2", "need": NEED}]
    programme = service.programmes.create({"name": "Zebrafish", "style": "traditional", "cohort": cohort})
    pid = programme.record.id
    service.programmes.run(pid)
    service.programmes.approve(pid)
    _, published = service.programmes.publish(pid)
    assert len(published) == 2
    wait_for(lambda: len(receiver.answered_ok()) == 3, what="two starts and the publication")
    bodies = [json.loads(r["body"]) for r in receiver.answered_ok()]
    assert sorted(b["type"] for b in bodies) == ["programme.published", "relationship.started", "relationship.started"]
    announced = next(b["data"] for b in bodies if b["type"] == "programme.published")
    assert announced == {"programme_id": pid, "published": 2}
    starts = [b["data"] for b in bodies if b["type"] == "relationship.started"]
    assert {(d["origin"], d["programme_id"], d["mentee_id"]) for d in starts} == {
        ("programme", pid, "e1"),
        ("programme", pid, "e2"),
    }
    assert_ids_and_states_only(receiver.received)
    assert all("Zebrafish" not in r["body"].decode() for r in receiver.received)
    receiver.stop()


def test_a_held_answer_never_holds_up_a_request_and_is_retried_after_the_timeout(make_service, senders):
    """The served app's own sender: while the receiver holds its answer (past the sender's timeout), changes
    still return; the held event is retried and delivered once the receiver answers again."""
    from matcher.api import WEBHOOKS, create_app

    receiver = Receiver(SECRET, mode="hold").start()
    svc = make_service(webhook_urls=receiver.url, webhook_secret=SECRET, webhook_timeout=2.0)
    app = create_app(svc.settings, service=svc)
    sender = app.extensions[WEBHOOKS]
    senders.append(sender)
    assert sender.running and sender.receivers == [receiver.url]
    sender.schedule, sender.interval = FAST, 0.02  # the retry and the idle looks sooner, to keep the test quick
    svc.import_items(list(enumerate(PEOPLE, start=1)))

    first = ask(svc, "e1", "m1")
    wait_for(lambda: receiver.log, what="the receiver holding the first event")
    second = ask(svc, "e1", "m2")  # the request path, while the receiver holds its answer
    svc.relationships.withdraw(ADMIN, second["id"])
    # When both changes had returned, the receiver still held the first event, unanswered, and had seen no
    # other: the sender (one thread per receiver) waits on its answer, the changes do not.
    assert receiver.log == [f"held {outbox_ids(svc.store)[0]}"]
    assert first["state"] == "pending"

    wait_for(lambda: any(d.last_error == "TimeoutError" for d in svc.store.deliveries()), what="the timeout")
    receiver.mode = "ok"
    receiver.release.set()
    events = outbox_ids(svc.store)
    wait_for(lambda: [d.state for d in svc.store.deliveries()] == ["delivered"] * 3, what="every event delivered")
    assert {r["id"] for r in receiver.answered_ok()} == set(events)
    assert_ids_and_states_only(receiver.received)
    sender.stop()
    receiver.stop()


def test_a_restart_loses_no_event_and_erasure_takes_undelivered_events(make_service, tmp_path, senders):
    receiver = Receiver(SECRET).start().stop()  # down while the first process runs
    first = make_service(data_dir=tmp_path / "data").open()
    first.import_items(list(enumerate(PEOPLE, start=1)))
    sender = sender_for(first.store, [receiver.url], senders).start()
    ask(first, "e1", "m1")
    ask(first, "e3", "m3")
    wait_for(lambda: any(d.attempts for d in first.store.deliveries()), what="a failed attempt")
    events = outbox_ids(first.store)
    sender.stop()
    first.close()

    second = make_service(data_dir=tmp_path / "data").open()  # a new process's service, the same store
    assert second.delete("e3")  # erasure: e3's undelivered event and its delivery go with them
    kept = outbox_ids(second.store)
    assert kept == events[:1]
    receiver.start()
    sender_for(second.store, [receiver.url], senders).start()
    wait_for(lambda: [r["id"] for r in receiver.answered_ok()] == kept, what="the event kept over the restart")
    assert all(d.state == "delivered" for d in second.store.deliveries())
    receiver.stop()


def test_two_senders_on_one_store_deliver_each_event_once(service, senders):
    """Two replicas' senders (their own store connections) share the deliveries: claims never overlap."""
    receiver = Receiver(SECRET).start()
    for mentee in ("e1", "e2", "e3"):
        for mentor in ("m1", "m2", "m3"):
            service.relationships.withdraw(ADMIN, ask(service, mentee, mentor)["id"])
    events = outbox_ids(service.store)
    assert len(events) == 18
    other = open_store(service.settings)
    try:
        pair = [sender_for(store, [receiver.url], senders, batch=2) for store in (service.store, other)]

        def drain(sender):  # until every event is delivered (polled, with a deadline)
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline and not all(e.delivered_at for e in sender.store.events(limit=100)):
                sender.send_once()

        threads = [threading.Thread(target=drain, args=(s,)) for s in pair]
        [t.start() for t in threads]
        [t.join(60) for t in threads]
        assert Counter(r["id"] for r in receiver.received) == Counter(events)
        assert_ids_and_states_only(receiver.received)
    finally:
        other.close()
        receiver.stop()


def test_given_up_after_the_schedule_and_kept_as_failed(service, senders):
    receiver = Receiver(SECRET, mode="500").start()
    sender = sender_for(service.store, [receiver.url], senders, schedule=(0.01, 0.01))
    ask(service, "e1", "m1")
    wait_for(lambda: sender.send_once().failed, what="the delivery given up")
    [failed] = service.store.deliveries("failed")
    assert failed.attempts == 3 and failed.last_error == "HTTP 500" and len(receiver.received) == 3
    assert service.store.events()[0].delivered_at is not None  # settled: retention may prune it
    result = subprocess.run(
        [sys.executable, "-m", "matcher.cli", "webhooks", "list", "--state", "failed"],
        capture_output=True,
        text=True,
        env=cli_env(service.settings),
    )
    assert result.returncode == 0 and "request.created" in result.stdout and "HTTP 500" in result.stdout
    assert "receiver-token" not in result.stdout  # the URL's path and query may be a token

    ask(service, "e2", "m2")  # not yet handed out: retention keeps it
    assert service.store.prune_events(time.time() + 1) == 1  # the settled event goes, with its delivery
    assert service.store.deliveries() == [] and [e.type for e in service.store.events()] == ["request.created"]
    receiver.stop()


def cli_env(settings: Settings) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MATCHER_")}
    env.update(MATCHER_DATA_DIR=str(settings.data_dir), MATCHER_DATABASE_URL=settings.database_url)
    return env


@pytest.mark.parametrize(
    ("name", "value", "words"),
    [
        ("webhook_urls", "ftp://hooks.example.org/x", "not an http(s) URL"),
        ("webhook_urls", "https://", "not an http(s) URL"),
        ("webhook_secret", "whsec_not base64!", "whsec_ followed by 24 to 64 bytes"),
        ("webhook_secret", "c2hvcnQ=", "whsec_ followed by 24 to 64 bytes"),
    ],
)
def test_bad_webhook_settings_name_the_variable_and_never_echo_the_secret(name, value, words):
    others = {"webhook_secret": SECRET} if name == "webhook_urls" else {"webhook_urls": "https://h.example.org/x"}
    with pytest.raises(SettingsError) as caught:
        Settings.from_env(**{name: value}, **others)
    assert f"MATCHER_{name.upper()}=" in str(caught.value) and words in str(caught.value)
    assert "not base64" not in str(caught.value) and "c2hvcnQ" not in str(caught.value)


def test_receivers_need_a_secret_and_config_masks_it(tmp_path):
    with pytest.raises(SettingsError, match="MATCHER_WEBHOOK_SECRET=.*required when MATCHER_WEBHOOK_URLS"):
        Settings.from_env(webhook_urls="https://hooks.example.org/x")
    env = {k: v for k, v in os.environ.items() if not k.startswith("MATCHER_")}
    env.update(
        MATCHER_DATA_DIR=str(tmp_path),
        MATCHER_WEBHOOK_SECRET=SECRET,
        MATCHER_WEBHOOK_URLS="https://hooks.example.org/services/T0/B0/tok3n",
    )
    result = subprocess.run([sys.executable, "-m", "matcher.cli", "config"], capture_output=True, text=True, env=env)
    assert result.returncode == 0, result.stderr
    assert SECRET[6:] not in result.stdout and "whsec_***" in result.stdout and "tok3n" not in result.stdout
    assert "https://hooks.example.org/..." in result.stdout
