"""The features a learned ranking weighs: what the match pipeline already computes for each candidate, plus
what mentees with similar needs chose before (pool.py). Pure numpy.

Names are stored with every learned ranking; a ranking made with other features is refused (re-learn).
"""

from __future__ import annotations

import numpy as np

from ..search.scoring import Scored
from .pool import Votes

FEATURES: tuple[str, ...] = (
    # the need against the whole bio, its best sentence, and each sentence of the need (search/scoring.py)
    "whole_need",
    "whole_phrase",
    "whole",
    "passage",
    "coverage",
    # BM25 over words and over list items, each over the best candidate's; how list-like the need is
    "words",
    "items",
    "item_share",
    # the hand-tuned fusion and the style's preference; the default score and the rank it gives
    "relevance",
    "fit",
    "default_score",
    "default_rank",
    # the need's shape
    "n_parts",
    "n_phrases",
    # what similar needs chose (pool.Votes). Not how often a mentor was chosen overall: on the lists dev set
    # that added 0.007 nDCG@10 and made the top 5s a popularity contest (README "Learning from outcomes").
    "vote",
    "vote_best",
    "vote_count",
    "declined_best",
)


def feature_matrix(scored: Scored, votes: Votes | None) -> np.ndarray:
    """The (candidates, FEATURES) matrix of one match, in the order of `scored`'s candidates."""
    s = scored.signals
    n = len(scored.rows)
    # The hand-tuned ranking's places (ties by position: a feature needs no tie rule by id).
    default_rank = np.empty(n, dtype=np.float32)
    default_rank[np.argsort(-np.round(scored.scores, 6), kind="stable")] = np.arange(n, dtype=np.float32)
    votes = votes or Votes()
    rows = scored.rows

    def of(voted: np.ndarray, values: np.ndarray) -> np.ndarray:
        """`values` (by the sorted rows `voted`) at each candidate; 0 for a candidate without one."""
        column = np.zeros(n, dtype=np.float32)
        if len(voted):
            at = np.clip(np.searchsorted(voted, rows), 0, len(voted) - 1)
            found = voted[at] == rows
            column[found] = values[at[found]]
        return column

    columns = [
        s.whole_need,
        s.whole_phrase,
        s.whole,
        s.passage,
        s.coverage,
        s.words,
        s.items,
        np.full(n, s.item_share, dtype=np.float32),
        s.relevance,
        scored.fit,
        scored.scores,
        np.log1p(default_rank),
        np.full(n, s.n_parts, dtype=np.float32),
        np.full(n, s.n_phrases, dtype=np.float32),
        of(votes.rows, votes.vote),
        of(votes.rows, votes.best),
        of(votes.rows, votes.count),
        of(votes.declined_rows, votes.declined),
    ]
    return np.column_stack([np.asarray(c, dtype=np.float32) for c in columns])
