"""A pair's plan of sessions: the mentee's topics, each with the mentor's passage that covers it best, and
for a two-way pair the other direction too, alternating who teaches (plan.py decides the shape; topics.py
reads the needs; the match side gives the passages and vectors).

Used by introductions (each accepted request) and by programmes (each proposed or pinned pair).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from . import plan as plans
from .match_side import MatchSide
from .topics import need_topics


def one_way_plan(match: MatchSide, need: str, mentor_id: str, sessions: int) -> tuple[dict[str, Any], ...]:
    """The plan of `sessions` sessions for a mentee with this need and this mentor, as plain data."""
    topics = need_topics(need) if need.strip() else []
    passages, vectors = match.passages(mentor_id)
    return plans.session_data(plans.plan_sessions(topics, passages, _similarity(match, topics, vectors), sessions))


def two_way_pair_plan(
    match: MatchSide,
    a: tuple[str, str, str],
    b: tuple[str, str, str],
    sessions: int,
) -> tuple[dict[str, Any], ...]:
    """The plan of a two-way pair as plain data: `a` and `b` are each (profile id, need, name); B teaches A's
    topics from B's passages, then A teaches B's, in turn."""
    (a_id, a_need, a_name), (b_id, b_need, b_name) = a, b
    a_topics = need_topics(a_need) if a_need.strip() else []
    b_topics = need_topics(b_need) if b_need.strip() else []
    b_passages, b_vectors = match.passages(b_id)
    a_passages, a_vectors = match.passages(a_id)
    plan = plans.two_way_plan(
        a_topics,
        b_passages,
        _similarity(match, a_topics, b_vectors),
        b_topics,
        a_passages,
        _similarity(match, b_topics, a_vectors),
        sessions,
        a_label=a_name,
        b_label=b_name,
    )
    return plans.session_data(plan)


def _similarity(match: MatchSide, topics: list[str], vectors: np.ndarray) -> np.ndarray:
    if not topics or not len(vectors):
        return np.zeros((len(topics), len(vectors)), np.float32)
    return match.encode(topics) @ vectors.T
