"""What a pairing run gives back: the pairs, their total fit, and why each unmatched person is unmatched.

Pure: numpy and plain data. Shared by the optimal solvers (`assignment`, `two_way`) and the baselines.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

import numpy as np

Reason = Literal["no_eligible", "below_min_score", "at_capacity"]

REASONS: dict[str, str] = {
    "no_eligible": "nobody eligible: no candidate passed the programme's rules",
    "below_min_score": "candidates exist, but none at or above the minimum score",
    "at_capacity": "everyone eligible above the minimum score is at capacity: their places went to others",
}
"""Each reason code, and the words shown to an admin."""


@dataclass(frozen=True)
class Pair:
    """One proposed pair. For two-way programmes, `mentee` < `mentor` are simply the two people.

    Attributes:
        mentee: index of the mentee in the cohort.
        mentor: index of the mentor in the pool.
        score: the pair's fit in [0, 1], as the candidates gave it.
        pinned: True when an admin pinned the pair (it was kept whatever the optimum).
    """

    mentee: int
    mentor: int
    score: float
    pinned: bool = False


@dataclass(frozen=True)
class Unmatched:
    """A mentee left without a mentor, and why.

    Attributes:
        mentee: index of the mentee in the cohort.
        reason: `no_eligible`, `below_min_score` or `at_capacity` (see `REASONS`).
        words: the reason in plain words.
    """

    mentee: int
    reason: Reason
    words: str


@dataclass(frozen=True)
class Assignment:
    """The result of one pairing run over a cohort (kept pairs excluded: they were settled before).

    Attributes:
        pairs: the pairs, sorted by mentee (pinned ones included, flagged).
        unmatched: every mentee of the run without a pair, sorted by mentee, with the reason.
        method: how it was made: "score", "participation", "greedy_first_come", "independent_top1".
        total: the sum of the pairs' scores.
        matched: the number of pairs.
    """

    pairs: tuple[Pair, ...]
    unmatched: tuple[Unmatched, ...]
    method: str
    total: float
    matched: int

    @classmethod
    def build(cls, pairs: Iterable[Pair], unmatched: Iterable[Unmatched], method: str) -> Assignment:
        """An assignment from its parts, sorted by mentee, with the total summed exactly (math.fsum)."""
        ordered = tuple(sorted(pairs, key=lambda p: (p.mentee, p.mentor)))
        return cls(
            ordered,
            tuple(sorted(unmatched, key=lambda u: u.mentee)),
            method,
            math.fsum(p.score for p in ordered),
            len(ordered),
        )

    def mentor_of(self) -> dict[int, int]:
        """mentee -> mentor for every pair."""
        return {p.mentee: p.mentor for p in self.pairs}

    def mentor_load(self, n_mentors: int) -> np.ndarray:
        """How many mentees each mentor received in this run (int64, length n_mentors)."""
        return np.bincount(np.array([p.mentor for p in self.pairs], dtype=np.int64), minlength=n_mentors)


def unmatched_reasons(
    people: Iterable[int],
    edge_person: np.ndarray,
    edge_score: np.ndarray,
    eligible: np.ndarray,
    n_people: int,
    min_score: float | None,
) -> list[Unmatched]:
    """Why each of `people` is unmatched, from the edges it had.

    Args:
        people: the unmatched people (mentees; in a two-way pool, people).
        edge_person: for each edge end, the person it belongs to (a two-way edge is listed for both ends).
        edge_score: the score of each listed edge.
        eligible: per listed edge, False when the edge never counted (banned, or to someone settled before).
        n_people: the number of people (array sizes).
        min_score: the programme's minimum score, or None.

    Returns:
        One `Unmatched` per person: `no_eligible` when it had no eligible edge, `below_min_score` when
        none of them reached `min_score`, else `at_capacity`.
    """
    count = np.bincount(edge_person[eligible], minlength=n_people)
    best = np.full(n_people, -1.0)
    np.maximum.at(best, edge_person[eligible], edge_score[eligible])
    reasons: list[Unmatched] = []
    for person in people:
        if count[person] == 0:
            reason: Reason = "no_eligible"
        elif min_score is not None and best[person] < min_score:
            reason = "below_min_score"
        else:
            reason = "at_capacity"
        reasons.append(Unmatched(int(person), reason, REASONS[reason]))
    return reasons
