"""Nobody can tell from the query cache what someone else searched (issue 21, SECURITY.md "query cache").

A cached need answers a few ms sooner, which a caller reads in `took_ms`. So each caller (API key, form
user, form address) has its own partition: another caller's need is never a hit. Programme runs keep
members' needs and goals out of every caller's reach, and after an erasure nothing cached holds them.

Asserted on state, never on timing: what the cache holds (Embedder.cached) and whether a request ran the
model (Embedder.texts_encoded), through the real model, service and Flask test client.
"""

from __future__ import annotations

import numpy as np
import pytest

from matcher.api import create_app
from matcher.keys import KeyRing
from matcher.model.querycache import QueryCache
from matcher.programmes.topics import need_topics
from matcher.text.need import query_texts
from tests.api_people import PEOPLE, bearer, open_service
from tests.conftest import profile

GOALS = "I want to understand my tinnitus diagnosis and choose hearing aids."
IVY = profile("ivy", 2, "I answer the phones at reception and keep the meeting rooms booked.", styles=[], goals=GOALS)
CUSTODY = "Preparing for a custody hearing about my two children next month"


@pytest.fixture
def service(tmp_path, embedder):
    svc = open_service(tmp_path / "data", embedder, PEOPLE + [IVY])
    embedder.clear_cache()  # the session's embedder: other tests' searches are not this test's
    yield svc
    svc.close()


def model_runs(embedder, request) -> int:
    """How many texts the model encoded while `request()` ran (0: every text came from a cache)."""
    before = embedder.texts_encoded
    response = request()
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    return embedder.texts_encoded - before


def match_keys(service, count: int) -> list[tuple[str, str]]:
    """`count` fresh `match` keys: (key id, token)."""
    ring = KeyRing(service.store)
    return [(key.key_id, token) for key, token in (ring.create("match", f"caller {i}") for i in range(count))]


def anyone_cached(embedder, texts: list[str]) -> list[str]:
    """The texts any partition of the query cache holds."""
    return [t for t in texts if embedder.cached(t)]


def test_a_match_key_never_hits_another_key_s_need(service):
    client = create_app({"key_rate_limit": "100000 per minute"}, service=service).test_client()
    embedder = service.embedder
    (a_id, a), (b_id, b) = match_keys(service, 2)
    body = {"need": CUSTODY, "limit": 3}

    def ask(token):
        return lambda: client.post("/v1/match", json=body, headers=bearer(token))

    first = model_runs(embedder, ask(a))
    assert first >= 1
    assert model_runs(embedder, ask(a)) == 0  # a key's own repeat still comes from the cache
    # Key B pays what key A paid the first time: A's search left B nothing to notice.
    assert model_runs(embedder, ask(b)) == first
    whole = query_texts(CUSTODY)[0]
    assert embedder.cached(whole, caller=f"key:{a_id}") and embedder.cached(whole, caller=f"key:{b_id}")
    assert not embedder.cached(whole, caller="key:someone-else")


def test_form_users_and_keys_never_hit_each_other_s_needs(service):
    embedder = service.embedder
    behind_proxy = create_app({"trusted_proxies": "127.0.0.1"}, service=service, serving_host="0.0.0.0").test_client()
    local = create_app(service=service, serving_host="127.0.0.1").test_client()
    api = create_app({"key_rate_limit": "100000 per minute"}, service=service).test_client()
    [(_, token)] = match_keys(service, 1)

    def form(client, need, **kwargs):
        return lambda: client.post("/", data={"need": need}, **kwargs)

    # Two people signed in through the same proxy (same address): each has their own partition.
    need = "Getting a restraining order against a former partner"
    first = model_runs(embedder, form(behind_proxy, need, headers={"X-Forwarded-User": "ana@example.com"}))
    assert first >= 1
    assert model_runs(embedder, form(behind_proxy, need, headers={"X-Forwarded-User": "ana@example.com"})) == 0
    assert model_runs(embedder, form(behind_proxy, need, headers={"X-Forwarded-User": "ben@example.com"})) == first
    # ... and a match key cannot probe what a form user searched.
    assert model_runs(embedder, lambda: api.post("/v1/match", json={"need": need}, headers=bearer(token))) == first

    # Anonymous form users (open form on loopback): one partition per client address.
    need = "Talking to my manager about a gambling debt"
    first = model_runs(embedder, form(local, need, environ_base={"REMOTE_ADDR": "127.0.0.1"}))
    assert first >= 1
    assert model_runs(embedder, form(local, need, environ_base={"REMOTE_ADDR": "::1"})) == first
    # ... nor can a form user probe what a key searched.
    need = "Coping at work after a miscarriage"
    first = model_runs(embedder, lambda: api.post("/v1/match", json={"need": need}, headers=bearer(token)))
    assert model_runs(embedder, form(local, need, environ_base={"REMOTE_ADDR": "127.0.0.1"})) == first


def run_programme(service, client, admin: dict[str, str]) -> str:
    """A programme whose cohort has a member with a need and a member (ivy) with stored goals only, run."""
    cohort = [{"id": "fay", "need": CUSTODY}, {"id": "ivy"}]
    created = client.post("/v1/programmes", json={"name": "Spring", "style": "any", "cohort": cohort}, headers=admin)
    assert created.status_code == 201, created.json
    ran = client.post(f"/v1/programmes/{created.json['id']}/runs", headers=admin)
    assert ran.status_code == 200, ran.json
    assert {line["mentee"]: line["status"] for line in ran.json["pairs"]} == {"fay": "proposed", "ivy": "proposed"}
    return created.json["id"]


def members_texts() -> list[str]:
    """Every text a run encodes for the members: needs (or goals), their key phrases and plan topics."""
    return [t for need in (CUSTODY, GOALS) for t in query_texts(need) + need_topics(need)]


def test_a_programme_run_leaves_no_member_need_or_goal_in_any_cache_a_caller_can_probe(service):
    client = create_app({"key_rate_limit": "100000 per minute"}, service=service).test_client()
    admin = bearer(KeyRing(service.store).create("admin", "hr")[1])
    run_programme(service, client, admin)
    assert anyone_cached(service.embedder, members_texts()) == []
    # A match key asking for a member's goals runs the model: nothing of the run answers it.
    [(_, token)] = match_keys(service, 1)
    assert (
        model_runs(service.embedder, lambda: client.post("/v1/match", json={"need": GOALS}, headers=bearer(token))) >= 1
    )
    # The admin who ran it cannot probe it either (the run used no caller's partition, the admin's included).
    assert model_runs(service.embedder, lambda: client.post("/v1/match", json={"need": CUSTODY}, headers=admin)) >= 1


def test_after_a_member_is_erased_nothing_cached_holds_their_goals(service):
    client = create_app({"key_rate_limit": "100000 per minute"}, service=service).test_client()
    admin = bearer(KeyRing(service.store).create("admin", "hr")[1])
    run_programme(service, client, admin)
    assert client.delete("/v1/profiles/ivy", headers=admin).status_code == 204
    goals = query_texts(GOALS) + need_topics(GOALS)
    assert anyone_cached(service.embedder, goals) == []
    [(_, token)] = match_keys(service, 1)
    assert (
        model_runs(service.embedder, lambda: client.post("/v1/match", json={"need": GOALS}, headers=bearer(token))) >= 1
    )


def test_a_match_without_a_caller_keeps_nothing(service):
    service.match({"need": "Returning to work after cancer treatment"})
    assert anyone_cached(service.embedder, query_texts("Returning to work after cancer treatment")) == []


# -- the cache itself (no model) ----------------------------------------------------------------------


def vectors(n: int) -> np.ndarray:
    return np.arange(n * 4, dtype=np.float32).reshape(n, 4)


def test_partitions_are_apart_share_one_bound_and_hold_no_text():
    cache = QueryCache(3)
    a, b = cache.partition("key:a"), cache.partition("key:b")
    a.put(["sql window functions", "sql"], vectors(2))
    assert set(a.get(["sql", "python"])) == {"sql"} and b.get(["sql"]) == {}
    assert cache.holds("sql", "key:a") and not cache.holds("sql", "key:b") and cache.holds("sql")
    b.put(["python", "rust"], vectors(2))  # the bound covers every partition: a's oldest goes
    assert len(cache) == 3 and not cache.holds("sql window functions")
    for key in cache.held_keys():  # (partition hash, text hash): no text, no caller name
        assert all(isinstance(part, bytes) and len(part) == 16 for part in key)
    assert cache.drop("key:b") == 2 and a.get(["sql"]) and not cache.holds("python")
    # Another process (another secret) makes other keys for the same texts: no word list recomputes them.
    other = QueryCache(3)
    other.partition("key:a").put(["sql"], vectors(1))
    assert not set(other.held_keys()) & set(cache.held_keys())
    with pytest.raises(ValueError, match="caller"):
        cache.partition("")


def test_a_private_cache_is_emptied_when_its_work_ends_and_size_zero_keeps_nothing():
    with QueryCache.private(10) as scratch:
        scratch.put(["tinnitus"], vectors(1))
        assert set(scratch.get(["tinnitus"])) == {"tinnitus"}
    assert scratch.get(["tinnitus"]) == {}
    nothing = QueryCache(0).partition("key:a")
    nothing.put(["sql"], vectors(1))
    assert nothing.get(["sql"]) == {}
