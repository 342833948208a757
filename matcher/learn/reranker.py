"""A learned ranking inside a match: the pipeline's Reranker (search/pipeline.py).

It brings the mentors that the nearest past needs chose as candidates (pool.py), builds every candidate's
features (features.py) and replaces the hand-tuned fusion's score by the fitted model's (models.py); for
two-way, the learned score takes the place of the relevance in the harmonic mean with the reciprocal
match. Without a model it only collects the features (training).
"""

from __future__ import annotations

import numpy as np

from ..index.state import IndexState
from ..search.fusion import harmonic_mean
from ..search.scoring import Scored
from .features import feature_matrix
from .models import FittedModel
from .pool import OutcomePool, Votes


class LearnedReranker:
    """Votes from `pool`, scores from `model` (shared by every thread of a process: it keeps no state).

    Args:
        exclude: a mentee key whose outcomes do not vote (training: leave-mentee-out).
    """

    def __init__(self, pool: OutcomePool, model: FittedModel | None, exclude: str | None = None):
        self.pool = pool
        self.model = model
        self.exclude = exclude

    def votes(self, need: np.ndarray, state: IndexState) -> Votes:
        """What the past needs nearest to `need` chose (for the mentors still in the catalog)."""
        return self.pool.votes(need, state.catalog.row_of, self.exclude)

    def rescore(self, scored: Scored, votes: Votes) -> None:
        """The learned scores in place of the fusion's."""
        learned = self.model.calibrated(feature_matrix(scored, votes))
        scored.scores = learned if scored.reciprocal is None else harmonic_mean(learned, scored.reciprocal)


class FeatureCollector(LearnedReranker):
    """In training: votes as when serving, the features kept, the fusion's scores left as they are."""

    def __init__(self, pool: OutcomePool, exclude: str | None = None):
        super().__init__(pool, None, exclude)
        self.features: np.ndarray | None = None

    def rescore(self, scored: Scored, votes: Votes) -> None:
        self.features = feature_matrix(scored, votes)
