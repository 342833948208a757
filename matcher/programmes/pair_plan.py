"""A one-way pair's plan of sessions: the mentee's topics, each with the mentor's passage that covers it
best (plan.py decides the shape; topics.py reads the need; the match side gives the passages and vectors).

Used by introductions (each accepted request); a programme plans its pairs the same way in its service.
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
    if topics and len(vectors):
        similarity = match.encode(topics) @ vectors.T
    else:
        similarity = np.zeros((len(topics), len(vectors)), np.float32)
    return plans.session_data(plans.plan_sessions(topics, passages, similarity, sessions))
