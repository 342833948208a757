"""What mentees with similar needs chose before: the collaborative signal of a learned ranking.

An OutcomePool holds the outcome log's needs as vectors, each with the mentor it was about, its grade
(outcomes.GRADES: accepted 1, good fit and completed 2, declined and not a fit 0) and who asked. For a
new need, the past needs nearest to it vote for the mentors they chose, each vote weighed by how near
the need is; the declined and not-a-fit ones say which mentors similar needs turned away. Pure numpy.

A mentee's own outcomes never vote for them (`exclude`): in training every example is scored as if its
mentee were new (leave-mentee-out), as a new mentee is when the service asks.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np

NEIGHBOURS = 50  # past positive (and, apart, negative) needs that vote for a new need
SHARPNESS = 4  # a vote weighs similarity ** SHARPNESS: the nearest needs count far more than the 50th
CANDIDATES = 50  # the most voted mentors that join a match's candidates


@dataclass
class Votes:
    """The votes of the past needs nearest to one need: arrays by mentor row (sorted), for the rows voted for."""

    rows: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    vote: np.ndarray = field(default_factory=lambda: np.zeros(0))  # share of the neighbours' weighted votes
    best: np.ndarray = field(default_factory=lambda: np.zeros(0))  # similarity of the nearest need that chose them
    count: np.ndarray = field(default_factory=lambda: np.zeros(0))  # how many of the neighbours chose them
    declined_rows: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    declined: np.ndarray = field(default_factory=lambda: np.zeros(0))  # nearest need that declined them

    def top(self, most: int = CANDIDATES) -> np.ndarray:
        """The `most` mentor rows with the largest votes (ties by row), as candidates."""
        return self.rows[np.lexsort((self.rows, -self.vote))[:most]]


class OutcomePool:
    """The outcome log as vectors, for votes (see the module docstring).

    Args:
        vectors: (n, dim) unit vectors of the outcomes' needs.
        mentors: each outcome's mentor id.
        grades: each outcome's grade (0 = declined or not a fit).
        mentees: each outcome's mentee key (Outcome.mentee_key).
    """

    def __init__(self, vectors: np.ndarray, mentors: list[str], grades: np.ndarray, mentees: list[str]):
        self.vectors = np.ascontiguousarray(vectors, dtype=np.float32).reshape(len(mentors), -1)
        self.mentors = list(mentors)
        self.grades = np.asarray(grades, dtype=np.float32)
        self.mentees = list(mentees)
        self.positive = self.grades > 0
        # Positive and negative outcomes apart, each with its vectors in one block: a match multiplies
        # only those, and looks up only the mentees its training example excludes.
        self._sides = [_Side(np.flatnonzero(side), self) for side in (self.positive, ~self.positive)]

    def __len__(self) -> int:
        return len(self.mentors)

    @property
    def positives(self) -> int:
        """How many outcomes are positive (accepted, good fit, completed)."""
        return int(self.positive.sum())

    def subset(self, keep: np.ndarray) -> OutcomePool:
        """The pool of the outcomes where `keep` is true."""
        index = np.flatnonzero(keep)
        return OutcomePool(
            self.vectors[index], [self.mentors[i] for i in index], self.grades[index], [self.mentees[i] for i in index]
        )

    def votes(
        self, need: np.ndarray, row_of: Mapping[str, int], exclude: str | None = None, neighbours: int = NEIGHBOURS
    ) -> Votes:
        """The votes of the past needs nearest to `need` for the mentors still stored (`row_of`: id -> row).

        Args:
            need: the need's unit vector.
            exclude: a mentee key whose own outcomes do not vote (leave-mentee-out).
        """
        votes = Votes()
        query = need.astype(np.float32)
        for side, positive in zip(self._sides, (True, False)):
            if not len(side.index):
                continue
            sims = side.vectors @ query
            if exclude is not None and exclude in side.of_mentee:
                sims[side.of_mentee[exclude]] = -np.inf
            nearest = (
                np.argpartition(-sims, neighbours - 1)[:neighbours] if len(sims) > neighbours else np.arange(len(sims))
            )
            nearest = nearest[np.isfinite(sims[nearest])]
            rows = np.array([row_of.get(m, -1) for m in side.mentors[nearest].tolist()], dtype=np.int64)
            stored = rows >= 0  # a mentor erased since has no row: no vote
            nearest, rows = nearest[stored], rows[stored]
            if not len(rows):
                continue
            near = sims[nearest].astype(np.float64)
            # Grouped by mentor row, nearest first within a row: each group's first is its best.
            order = np.lexsort((-near, rows))
            rows, near, nearest = rows[order], near[order], nearest[order]
            starts = np.flatnonzero(np.r_[True, rows[1:] != rows[:-1]])
            if positive:
                weights = side.grades[nearest] * np.maximum(near, 0.0) ** SHARPNESS
                total = weights.sum()
                votes.rows, votes.best = rows[starts], near[starts]
                votes.vote = np.add.reduceat(weights, starts) / (total if total > 0 else 1.0)
                votes.count = np.diff(np.r_[starts, len(rows)]).astype(np.float64)
            else:
                votes.declined_rows, votes.declined = rows[starts], near[starts]
        return votes


class _Side:
    """The positive (or the negative) outcomes of a pool: their indices, vectors, mentors, grades and who asked."""

    def __init__(self, index: np.ndarray, pool: OutcomePool):
        self.index = index
        self.vectors = np.ascontiguousarray(pool.vectors[index])
        self.mentors = np.array([pool.mentors[i] for i in index.tolist()], dtype=object)
        self.grades = pool.grades[index].astype(np.float64)
        self.of_mentee = {
            key: np.array(at, dtype=np.int64) for key, at in _group([pool.mentees[i] for i in index.tolist()]).items()
        }


def _group(keys: list[str]) -> dict[str, list[int]]:
    groups: dict[str, list[int]] = defaultdict(list)
    for i, key in enumerate(keys):
        groups[key].append(i)
    return groups
