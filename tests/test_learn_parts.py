"""The pure parts of learning from outcomes: grading, the split by mentee, the votes, the measures.

Plain data in, plain data out: no store, no model (the whole command runs on real data in test_learn.py).
"""

from __future__ import annotations

import numpy as np
import pytest

from matcher.errors import InvalidInput
from matcher.learn.examples import queries_of, split
from matcher.learn.metrics import exposure, gini, ndcg, recall
from matcher.learn.pool import OutcomePool
from matcher.outcomes import make_outcome


def test_an_outcome_names_its_mentee_and_grades_its_mentor():
    rows = [
        make_outcome("SQL", "ana", "accepted", "e1", at="2025-01-02"),
        make_outcome("SQL", "ana", "not_a_fit", "e1", at="2025-02-01"),  # accepted, then did not work out
        make_outcome("SQL", "ben", "completed", "e1"),
        make_outcome("SQL", "cy", "declined", "e1"),
        make_outcome("SQL", "cy", "accepted", "e1"),  # a mentor once declined stays 0 for this need
        make_outcome("speaking", "ben", "good_fit"),  # no mentee id: the need is the mentee
    ]
    first, second = queries_of(rows)
    assert first.key == "id:e1" and first.relevant == {"ana": 0, "ben": 2, "cy": 0} and first.day == "2025-02-01"
    assert second.key.startswith("need:") and second.relevant == {"ben": 2} and second.positive
    assert make_outcome("SQL", "ana", "accepted", "e1", at="2025-01-02").content_hash == rows[0].content_hash
    assert make_outcome("SQL", "ana", "accepted").content_hash != make_outcome("SQL", "ana", "declined").content_hash
    with pytest.raises(InvalidInput) as refused:
        make_outcome("SQL", "ana", "maybe", at="soon")
    assert {e.field for e in refused.value.errors} == {"outcome", "at"}


def test_the_split_holds_back_whole_mentees_the_latest_when_dated():
    dated = [make_outcome(f"need {i}", "ana", "accepted", f"e{i}", at=f"2025-01-{i + 1:02d}") for i in range(10)]
    dated.append(make_outcome("another need of e0", "ben", "accepted", "e0", at="2025-01-31"))
    train, held, how = split(queries_of(dated), 0.2)
    # e0's latest outcome is the latest of all: both of e0's needs are held back, with e9.
    assert how == "latest mentees by date" and {q.key for q in held} == {"id:e0", "id:e9"} and len(held) == 3
    assert not {q.key for q in train} & {q.key for q in held}
    undated = [make_outcome(f"need {i}", "ana", "accepted", f"e{i}") for i in range(200)]
    train, held, how = split(queries_of(undated), 0.2)
    assert how == "mentees by a stable hash" and 20 < len(held) < 60
    assert split(queries_of(undated), 0.2)[1] == held  # the same mentees every time


def test_votes_weigh_near_needs_and_never_count_the_mentees_own():
    vectors = np.array([[1.0, 0.0], [0.96, 0.28], [0.0, 1.0], [0.8, 0.6]], dtype=np.float32)
    pool = OutcomePool(vectors, ["ana", "ana", "ben", "cy"], np.array([1, 2, 1, 0]), ["e1", "e2", "e3", "e4"])
    rows = {"ana": 10, "ben": 11, "cy": 12}
    votes = pool.votes(np.array([1.0, 0.0], dtype=np.float32), rows)
    assert votes.top().tolist() == [10, 11] and votes.count.tolist() == [2, 1]
    assert votes.vote[0] > 0.99 and votes.best[0] == pytest.approx(1.0)  # ben is orthogonal: no weight
    assert votes.declined_rows.tolist() == [12] and votes.declined[0] == pytest.approx(0.8)
    alone = pool.votes(np.array([1.0, 0.0], dtype=np.float32), rows, exclude="e1")
    assert alone.count.tolist() == [1, 1] and alone.best[0] == pytest.approx(0.96)
    gone = pool.votes(np.array([1.0, 0.0], dtype=np.float32), {"ben": 11})  # ana and cy erased since
    assert gone.rows.tolist() == [11] and len(gone.declined_rows) == 0


def test_the_measures():
    assert ndcg(["a", "b"], {"b": 1}) == pytest.approx(1 / np.log2(3))
    assert ndcg(["b", "a"], {"a": 1, "b": 2}) == pytest.approx(1.0)
    assert recall(["x"] * 49 + ["a"], {"a": 1, "b": 1}) == 0.5
    assert gini([1, 1, 1, 1]) == pytest.approx(0.0) and gini([0, 0, 0, 8]) == pytest.approx(0.75)
    concentrated, share = exposure([["a", "b"], ["a", "b"]], mentors=4, k=5)
    assert share == 0.5 and concentrated == pytest.approx(0.5)
