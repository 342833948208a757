"""A one-way pair's plan of sessions from the service's state: the mentee's topics, each with the mentor's
sentence that covers it best (plan.py decides; this module fetches the mentor's sentences and their vectors).

Shared by programmes (each proposed pair) and introductions (each accepted request).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from ..profiles import MAX_PASSAGES, offers_text, profile_passages
from . import plan as plans

if TYPE_CHECKING:
    from ..index.state import IndexState
    from ..model.embedder import Embedder
    from ..store import ProfileStore


def sentences_of(store: ProfileStore, embedder: Embedder, state: IndexState,
                 profile_id: str | None) -> tuple[list[str], np.ndarray]:
    """A person's bio sentences and their stored vectors (the index's passages); nothing for nobody."""
    stored = store.get(profile_id) if profile_id else None
    if stored is None:
        return [], np.zeros((0, embedder.dim), np.float32)
    sentences = profile_passages(stored.profile) or [offers_text(stored.profile)]
    row = stored.row_id
    count = int(state.catalog.n_passages[row]) if row < state.catalog.size else 0
    count = max(1, min(count, len(sentences)))
    with state.lock.read():
        vectors = state.passages.vectors(row * MAX_PASSAGES + np.arange(count, dtype=np.int64))
    return sentences[:count], vectors


def similarity(embedder: Embedder, topics: list[str], vectors: np.ndarray) -> np.ndarray:
    """Cosines of each topic (encoded as a query) with each sentence vector."""
    if not topics or not len(vectors):
        return np.zeros((len(topics), len(vectors)), np.float32)
    return embedder.encode_queries(topics) @ vectors.T


def session_dicts(plan: plans.Plan) -> tuple[dict[str, Any], ...]:
    """A plan as plain data (how the store keeps it)."""
    return tuple({"number": session.number,
                  "covers": [{"topic": c.topic, "sentence": c.sentence, "similarity": round(float(c.similarity), 4),
                              "practice": c.practice, "learner": c.learner, "teacher": c.teacher}
                             for c in session.covers]}
                 for session in plan.sessions)


def one_way_plan(store: ProfileStore, embedder: Embedder, state: IndexState, need: str, mentor_id: str,
                 sessions: int) -> tuple[dict[str, Any], ...]:
    """The plan of `sessions` sessions for a mentee with this need and this mentor, as plain data."""
    topics = plans.need_topics(need) if need.strip() else []
    sentences, vectors = sentences_of(store, embedder, state, mentor_id)
    return session_dicts(plans.plan_sessions(topics, sentences, similarity(embedder, topics, vectors), sessions))
