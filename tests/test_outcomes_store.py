"""The outcome log in the store, the same on both backends: SQLite (a file) and PostgreSQL (a real server).

Stored once per content hash, refused for a mentor nobody is, deleted by mentor, mentee, date or all,
and erased with the person (as mentor and as mentee) in the store's delete transaction.
"""

from __future__ import annotations

import numpy as np
import pytest

from matcher.config import Settings
from matcher.outcomes import make_outcome
from matcher.profiles import content_hash, parse_profile, text_hash
from matcher.store import Write, open_store
from tests.conftest import profile


@pytest.fixture(params=["sqlite", "postgres"])
def store(request, tmp_path):
    if request.param == "sqlite":
        opened = open_store(Settings(data_dir=tmp_path / "data"))
        yield opened
        opened.close()
        return
    from tests.pg import fresh_database

    with fresh_database() as url:
        opened = open_store(Settings(data_dir=tmp_path / "data", database_url=url))
        yield opened
        opened.close()


def put(store, *pids: str) -> None:
    """Store plain profiles (no embeddings: the outcome log needs only their ids)."""
    writes = []
    for pid in pids:
        p = parse_profile(profile(pid, 5, f"I teach topic {pid} to colleagues."))
        writes.append(Write(p, content_hash(p), text_hash(p), None))
    store.write(writes)


def test_outcomes_are_stored_once_and_refused_for_unknown_mentors(store):
    put(store, "m1", "m2")
    rows = [
        make_outcome("SQL window functions", "m1", "accepted", "e1", at="2025-03-01"),
        make_outcome("SQL window functions", "m2", "declined", "e1", at="2025-03-01"),
        make_outcome("public speaking", "ghost", "accepted", "e2"),
    ]
    before = store.outcomes_version()
    vector = np.arange(4, dtype=np.float32)
    assert store.add_outcomes(rows, [vector, None, None], "model-a") == ["added", "added", "unknown mentor"]
    assert store.outcomes_version() > before
    version = store.outcomes_version()
    # The same rows again (and the same row twice in one call) add nothing, and the log did not change.
    assert store.add_outcomes(rows[:2] + rows[:1]) == ["unchanged", "unchanged", "unchanged"]
    assert store.outcomes_version() == version
    assert store.known_outcomes([r.content_hash for r in rows]) == {rows[0].content_hash, rows[1].content_hash}
    stored = store.outcomes()
    assert [(o.mentor_id, o.outcome, o.mentee_id, o.at) for o in stored] == [
        ("m1", "accepted", "e1", "2025-03-01"),
        ("m2", "declined", "e1", "2025-03-01"),
    ]
    assert store.outcome_vectors([o.id for o in stored], 4) == {stored[0].id: ("model-a", pytest.approx(vector))}
    assert store.set_outcome_vectors([(stored[1].id, "model-b", vector + 1)]) == 1
    assert store.outcome_vectors([stored[1].id], 4)[stored[1].id][0] == "model-b"
    stats = store.outcome_stats()
    assert (stats["outcomes"], stats["by_outcome"], stats["mentees"], stats["mentors"]) == (
        2,
        {"accepted": 1, "declined": 1},
        1,
        2,
    )
    assert store.record_outcome(make_outcome("mentoring a new manager", "m2", "good_fit", source="service")) == "added"
    assert store.outcomes(mentor_id="m2")[-1].source == "service"


def test_outcomes_are_deleted_by_mentor_mentee_date_or_all(store):
    put(store, "m1", "m2")
    store.add_outcomes(
        [
            make_outcome("budgets", "m1", "accepted", "e1", at="2024-01-05"),
            make_outcome("budgets", "m2", "accepted", "e2", at="2025-06-01"),
            make_outcome("hiring", "m2", "completed", "e3"),  # undated: the day it was recorded
            make_outcome("hiring", "m1", "not_a_fit", "e3", at="2025-07-01"),
        ]
    )
    with pytest.raises(ValueError):
        store.delete_outcomes()
    assert store.delete_outcomes(before="2025-01-01") == 1
    assert store.delete_outcomes(mentee_id="e3") == 2
    assert store.delete_outcomes(mentor_id="m1") == 0
    assert [o.mentee_id for o in store.outcomes()] == ["e2"]
    assert store.delete_outcomes(everything=True) == 1
    assert store.outcomes() == []


def test_erasing_a_person_deletes_their_outcomes_as_mentor_and_as_mentee(store):
    put(store, "m1", "m2", "e1")
    store.add_outcomes(
        [
            make_outcome("career change", "m1", "accepted", "e1"),
            make_outcome("career change", "m2", "declined", "e1"),
            make_outcome("data science", "m2", "accepted", "other"),
            make_outcome("negotiation", "m1", "good_fit", "other"),
        ]
    )
    version = store.outcomes_version()
    store.delete("e1")  # a mentee who is a stored profile
    assert store.outcomes_version() > version
    assert sorted((o.mentor_id, o.mentee_id) for o in store.outcomes()) == [("m1", "other"), ("m2", "other")]
    store.delete("m1")  # a mentor
    assert [(o.mentor_id, o.need) for o in store.outcomes()] == [("m2", "data science")]
    # A mentor erased is unknown from then on: an outcome naming them is refused.
    assert store.add_outcomes([make_outcome("negotiation", "m1", "accepted", "later")]) == ["unknown mentor"]
