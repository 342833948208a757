"""The dense side of a match, alone: needs against the mentors' offers vectors (whole bio and skills), by
cosine. `mentor-match adapt` uses it twice: to find the bundled model's near misses (hard negatives for
training) and to judge a fine-tuned model against the bundled one on held-back mentees' outcomes.
"""

from __future__ import annotations

import random
from collections.abc import Sequence

import numpy as np

from ..model.adapt.triplets import Triplet
from ..model.embedder import Embedder
from ..outcomes.importing import embed_needs, need_text
from .examples import Query
from .metrics import summarise

TOP = 50  # ranked places measured (recall@50)
NEAR_MISS_RANK = 10  # a near miss: a mentor the bundled model ranks this high that the mentee did not choose


def top_ids(need_vectors: np.ndarray, mentor_vectors: np.ndarray, ids: Sequence[str], k: int) -> list[list[str]]:
    """Each need's first k mentors by cosine (unit vectors), best first; ties by position (stable)."""
    if len(ids) == 0:
        return [[] for _ in range(len(need_vectors))]
    scores = need_vectors @ mentor_vectors.T
    order = np.argsort(-scores, axis=1, kind="stable")[:, :k]
    return [[ids[j] for j in row] for row in order]


def judge(embedder: Embedder, queries: list[Query], ids: Sequence[str], mentor_vectors: np.ndarray) -> dict:
    """nDCG@10 and recall@50 (and the top-5 spread) of the dense ranking of held-back needs.

    Each need is embedded as a match embeds it (alone, its cleaned text: outcomes.importing.embed_needs), the
    mentors' vectors are given (their offers texts through the same embedder).
    """
    needs = embed_needs(embedder, [q.need for q in queries])
    ranked = top_ids(needs, mentor_vectors, ids, TOP)
    keys = [f"{q.key}\n{q.need}" for q in queries]
    return summarise(dict(zip(keys, ranked)), {k: q.relevant for k, q in zip(keys, queries)}, len(ids))


def make_triplets(
    queries: list[Query],
    need_vectors: np.ndarray,
    ids: Sequence[str],
    texts: Sequence[str],
    mentor_vectors: np.ndarray,
    seed: int = 0,
) -> list[Triplet]:
    """One triplet for each mentor a training need chose: (the need as a match embeds it, the mentor's offers
    text, a negative). The negatives of a need, in turn: the mentors its mentee declined or found not a fit,
    then the bundled model's near misses (in its first NEAR_MISS_RANK, not chosen).

    Args:
        queries: the training needs (each with a chosen mentor).
        need_vectors: their vectors under the bundled model (for the near misses).
        ids, texts, mentor_vectors: the active, discoverable mentors, their offers texts and vectors.
        seed: the random seed (which near misses go with which chosen mentor).
    """
    rng = random.Random(seed)
    text_of = dict(zip(ids, texts))
    ranked = top_ids(need_vectors, mentor_vectors, ids, NEAR_MISS_RANK)
    mentees = {key: i for i, key in enumerate(dict.fromkeys(q.key for q in queries))}
    out: list[Triplet] = []
    for query, near in zip(queries, ranked):
        chosen = sorted(
            (m for m, g in query.relevant.items() if g > 0 and m in text_of), key=lambda m: -query.relevant[m]
        )
        declined = [("declined", m) for m, g in query.relevant.items() if g == 0 and m in text_of]
        misses = [("near_miss", m) for m in near if m not in query.relevant]
        rng.shuffle(misses)
        negatives = declined + misses
        anchor = need_text(query.need)
        for i, mentor in enumerate(chosen):
            if not negatives:
                break
            kind, negative = negatives[i % len(negatives)]
            if text_of[negative] != text_of[mentor]:
                out.append(Triplet(anchor, text_of[mentor], text_of[negative], kind, mentees[query.key]))
    return out
