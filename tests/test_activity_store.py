"""The store's activity and response counts (issue 22 part 5) on SQLite and PostgreSQL: what the ranking reads,
written in the same transactions as the actions, and erased with the person."""

from __future__ import annotations

from matcher.relationships.records import RequestRecord
from tests.test_store_backends import backend, store, write  # noqa: F401  (fixtures)

DAY = 86_400.0
T = 1_700_000_000.0


def request(rid: str, mentee: str, mentor: str, at: float) -> RequestRecord:
    return RequestRecord(rid, mentee, mentor, "flash", False, "a need", "pending", at, at + 14 * DAY)


def test_actions_record_activity_and_counts_and_erasure_forgets_them(store):  # noqa: F811
    store.write([write("m1"), write("m2"), write("e1"), write("e2")])
    assert store.responses(["m1", "m2"], T) == {} and store.response_counts(T) == []
    store.create_request(request("r1", "e1", "m1", T), 3, T)
    store.create_request(request("r2", "e2", "m1", T + 1), 3, T + 1)
    store.create_request(request("r3", "e1", "m2", T + 2), 3, T + 2)
    store.answer_request("r1", False, "no_time", T + 5)  # m1 answers one, lets the other expire
    later = T + 20 * DAY
    assert store.responses(["m2"], later)["m2"].expired == 0  # counted when the store marks it expired
    assert len(store.expire_requests(later)) == 2
    got = store.responses(["m1", "m2", "e1"], later)
    assert (got["m1"].answered, got["m1"].expired, got["m1"].last_active, got["m1"].first_asked) == (1, 1, T + 5, T)
    assert (got["m2"].answered, got["m2"].expired, got["m2"].last_active, got["m2"].first_asked) == (0, 1, None, T + 2)
    assert got["e1"].last_active == T + 2  # asking is activity (the latest act counts)
    assert sorted(store.response_counts(later)) == [(0, 1), (1, 1)]
    store.delete("m1")
    assert "m1" not in store.responses(["m1"], later)
    store.delete("e1")
    assert store.responses(["e1"], later) == {}
