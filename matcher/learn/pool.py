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
    """The votes of the past needs nearest to one need, by mentor row (rows not in them: no vote)."""

    vote: dict[int, float] = field(default_factory=dict)  # share of the neighbours' weighted votes
    best: dict[int, float] = field(default_factory=dict)  # similarity of the nearest need that chose them
    count: dict[int, int] = field(default_factory=dict)  # how many of the neighbours chose them
    declined: dict[int, float] = field(default_factory=dict)  # similarity of the nearest need that declined them

    def rows(self, most: int = CANDIDATES) -> np.ndarray:
        """The `most` mentor rows with the largest votes (ties by row), as candidates."""
        ranked = sorted(self.vote.items(), key=lambda item: (-item[1], item[0]))[:most]
        return np.array([row for row, _ in ranked], dtype=np.int64)


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
            for at in nearest.tolist():
                sim = float(sims[at])
                i = int(side.index[at])
                row = row_of.get(self.mentors[i])
                if row is None or sim == -np.inf:
                    continue
                if positive:
                    votes.vote[row] = votes.vote.get(row, 0.0) + self.grades[i] * max(sim, 0.0) ** SHARPNESS
                    votes.best[row] = max(votes.best.get(row, -1.0), sim)
                    votes.count[row] = votes.count.get(row, 0) + 1
                else:
                    votes.declined[row] = max(votes.declined.get(row, -1.0), sim)
        total = sum(votes.vote.values())
        if total > 0:
            votes.vote = {row: v / total for row, v in votes.vote.items()}
        return votes


class _Side:
    """The positive (or the negative) outcomes of a pool: their indices, vectors and who asked."""

    def __init__(self, index: np.ndarray, pool: OutcomePool):
        self.index = index
        self.vectors = np.ascontiguousarray(pool.vectors[index])
        self.of_mentee = {
            key: np.array(at, dtype=np.int64) for key, at in _group([pool.mentees[i] for i in index.tolist()]).items()
        }


def _group(keys: list[str]) -> dict[str, list[int]]:
    groups: dict[str, list[int]] = defaultdict(list)
    for i, key in enumerate(keys):
        groups[key].append(i)
    return groups
