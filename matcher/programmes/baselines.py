"""What the optimal assignment is measured against: pairing one mentee at a time, and ignoring capacity.

Pure: numpy. Both take the same candidates as `assignment.assign` and give an `Assignment`, so the
benchmark compares like with like.

- `greedy_first_come`: mentees in arrival order each take their best candidate with room left. It is what
  pairing a cohort one match request at a time amounts to: the first take the best mentors' places.
- `independent_top1`: each mentee's best candidate, ignoring capacity. Infeasible as soon as two mentees
  share a full mentor, but its total is an upper bound on the fit any feasible assignment can reach.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.typing import ArrayLike

from .edges import CandidateEdges
from .result import Assignment, Pair, unmatched_reasons


def greedy_first_come(
    candidates: CandidateEdges,
    capacities: ArrayLike,
    *,
    order: Sequence[int] | None = None,
    min_score: float | None = None,
) -> Assignment:
    """Pair mentees one at a time, in arrival order, each with its best mentor that still has room.

    Args:
        candidates: each mentee's candidate mentors with scores.
        capacities: per mentor, the most mentees they may take (whole numbers >= 0).
        order: the mentees' arrival order (a permutation of their indices); default: by index.
        min_score: when given, no pair scores below it.

    Returns:
        An `Assignment` with method "greedy_first_come"; ties between equal scores go to the lower
        mentor index.
    """
    left = np.asarray(capacities, dtype=np.int64).copy()
    arrivals = range(candidates.n_mentees) if order is None else [int(i) for i in order]
    pairs: list[Pair] = []
    matched = np.zeros(candidates.n_mentees, dtype=bool)
    for mentee in arrivals:
        span = candidates.edges_of(mentee)
        mentors, scores = candidates.mentor[span], candidates.score[span]
        for at in np.lexsort((mentors, -scores)):
            if min_score is not None and scores[at] < min_score:
                break
            if left[mentors[at]] > 0:
                left[mentors[at]] -= 1
                matched[mentee] = True
                pairs.append(Pair(mentee, int(mentors[at]), float(scores[at])))
                break
    reasons = unmatched_reasons(
        np.flatnonzero(~matched),
        candidates.mentee,
        candidates.score,
        np.ones(len(candidates), dtype=bool),
        candidates.n_mentees,
        min_score,
    )
    return Assignment.build(pairs, reasons, "greedy_first_come")


def independent_top1(candidates: CandidateEdges, *, min_score: float | None = None) -> Assignment:
    """Each mentee's best candidate, whatever the other mentees take (capacity ignored: infeasible).

    Args:
        candidates: each mentee's candidate mentors with scores.
        min_score: when given, no pair scores below it.

    Returns:
        An `Assignment` with method "independent_top1": the upper bound on total fit and on the number
        matched. A mentor may appear more often than its capacity allows. Ties go to the lower mentor index.
    """
    pairs: list[Pair] = []
    matched = np.zeros(candidates.n_mentees, dtype=bool)
    for mentee in range(candidates.n_mentees):
        span = candidates.edges_of(mentee)
        if span.stop == span.start:
            continue
        at = span.start + int(np.argmax(candidates.score[span]))  # first maximum = lowest mentor index
        if min_score is None or candidates.score[at] >= min_score:
            matched[mentee] = True
            pairs.append(Pair(mentee, int(candidates.mentor[at]), float(candidates.score[at])))
    reasons = unmatched_reasons(
        np.flatnonzero(~matched),
        candidates.mentee,
        candidates.score,
        np.ones(len(candidates), dtype=bool),
        candidates.n_mentees,
        min_score,
    )
    return Assignment.build(pairs, reasons, "independent_top1")
