"""The globally optimal pairing of a cohort of mentees with mentors under capacities, from sparse candidates.

Pure: numpy and OR-Tools' min-cost flow (a C++ solver; no Flask, SQLite, FAISS or model).

The problem is a maximum-weight b-matching on a bipartite graph: each mentee takes at most one mentor,
mentor j at most capacity[j] mentees, only along candidate edges. As a flow network:

    source --(1, 0)--> mentee i --(1, -round(score * 1e6))--> mentor j --(capacity j, 0)--> sink

- objective "score" (the highest total fit): one more arc source -> sink of capacity n at cost 0 lets a
  mentee stay unmatched, and `SimpleMinCostFlow.solve` finds the cheapest flow = the highest total.
- objective "participation" (as many mentees matched as possible, then the highest total fit):
  `SimpleMinCostFlow.solve_max_flow_with_min_cost` finds a maximum flow (most pairs), and among
  maximum flows the cheapest: exactly the lexicographic objective, with no big-M bonus to tune.

Integer costs. Scores are rounded to multiples of 1e-6 (`SCORE_SCALE`), each by at most 5e-7, so the
true total of any assignment is within |pairs| * 5e-7 of its rounded total, and the returned total is
within |pairs_returned| + |pairs_optimal| times 5e-7 of the true optimum: at most 1e-6 * n_mentees
(0.001 for a cohort of 1,000, far below the scores' own precision). The number of pairs in
"participation" is exact (a max flow, not a weighted trade-off). The cost range is safe: OR-Tools scales
costs by the number of nodes + 1, and 1e6 * (nodes + 1) stays far below 2**63 for any cohort.

Why OR-Tools' min-cost flow. Measured by `scripts/bench_programmes.py` (synthetic cohorts, K = 10
candidates per mentee, capacities 1-3, solve time only; ranges over 2-3 runs on 2 cores shared with
other jobs, load average 3-4.5, so times vary up to 2x):

    solver (same edges, same optimum)    1,000 x 5,000   10,000 x 50,000       100,000 x 500,000
    OR-Tools SimpleMinCostFlow           0.02-0.09 s     0.6-1.6 s,  26 MB     9-14 s,    185 MB
    SciPy min_weight_full_bipartite_     0.02-0.06 s     2.2-2.8 s,  16 MB     139-174 s, 119 MB
      matching (LAPJVsp) on slots
    networkx min_cost_flow (simplex)     1.9-4.7 s       -                     -

  (MB: growth of the peak resident set during the solve.) With capacities 1-10 at 10,000 x 50,000:
  OR-Tools 1.1 s, SciPy 3.2-3.5 s and 29 MB, since a mentor of capacity c is c slot columns there.
- as fast as SciPy at 1,000 mentees, 2-3x faster at 10,000 and 12-15x at 100,000: it scales best;
- capacities are arc capacities: no slot copies, so time and memory do not grow with capacity;
- "participation" is exact and native (`solve_max_flow_with_min_cost`), where SciPy needs a big-M
  penalty per unmatched mentee in floating point;
- CP-SAT was not needed: the flow problem's LP is already integral, and on the (harder) two-way matching
  CP-SAT with one worker had not proved an optimum for 1,000 people after 120 s (`--solvers cpsat`).
  The cost is a dependency: the `ortools` wheel (80 MB installed, plus the pandas and protobuf 6 it needs).
  SciPy, already installed with sentence-transformers, also meets the issue's targets at 10,000 x 50,000
  (`scipy_slots` in the benchmark is a drop-in replacement if the dependency is ever unwelcome).
- A dense mentees x capacity-slots matrix for `scipy.optimize.linear_sum_assignment` would hold
  10,000 x ~100,000 float64 = 8 GB at 10,000 x 50,000: it is used only as a reference in the tests.

Determinism: edges reach the solver in the canonical (mentee, mentor) order of `CandidateEdges`, and
OR-Tools' cost-scaling push-relabel is deterministic, so the same candidates, capacities and options
always give the same pairs; among equally good assignments the solver's choice on that order decides.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Literal

import numpy as np
from numpy.typing import ArrayLike
from ortools.graph.python import min_cost_flow

from .edges import CandidateEdges, index_pairs
from .result import Assignment, Pair, unmatched_reasons

Objective = Literal["score", "participation"]
OBJECTIVES: tuple[str, ...] = ("score", "participation")
SCORE_SCALE = 1_000_000
"""Scores become integer costs in units of 1 / SCORE_SCALE."""


def assign(
    candidates: CandidateEdges,
    capacities: ArrayLike,
    *,
    objective: Objective = "score",
    min_score: float | None = None,
    pinned: Iterable[tuple[int, int]] = (),
    banned: Iterable[tuple[int, int]] = (),
    kept: Iterable[tuple[int, int]] = (),
) -> Assignment:
    """Pair the cohort's mentees with mentors, optimally for the whole cohort.

    Args:
        candidates: each mentee's candidate mentors with scores (the match pipeline's top K).
        capacities: per mentor (index = mentor index), the most mentees they may take in this programme
            (whole numbers >= 0; 0 = takes nobody). Its length is the size of the mentor pool.
        objective: "score" for the highest total fit; "participation" for the most mentees matched,
            then the highest total fit among those assignments.
        min_score: when given, no new pair scores below it (pinned pairs are the admin's choice and exempt).
        pinned: (mentee, mentor) pairs that must be in the result; each must be a candidate edge (its score
            is the edge's), not banned, and they use the mentor's capacity.
        banned: (mentee, mentor) pairs never proposed.
        kept: (mentee, mentor) pairs settled before (approved in an earlier run): those mentees are left
            out of this run and each pair uses one place of its mentor's capacity. They are not repeated
            in the result.

    Returns:
        The `Assignment`: the pairs (pinned ones flagged), their total, and every other mentee of the
        cohort (kept ones aside) unmatched with its reason.

    Raises:
        ValueError: on an unknown objective, a min_score outside [0, 1], capacities that are not whole
            numbers >= 0 or do not cover every candidate mentor, or pins that cannot all hold (a mentee
            kept or pinned twice, a banned or unknown pair, more pins than a mentor's capacity).
    """
    if objective not in OBJECTIVES:
        raise ValueError(f"objective must be one of {', '.join(OBJECTIVES)}, got {objective!r}")
    if min_score is not None and not 0.0 <= min_score <= 1.0:
        raise ValueError(f"min_score must be in [0, 1], got {min_score!r}")
    free = _capacities(capacities, candidates)
    n_mentees, n_mentors = candidates.n_mentees, len(free)
    settled = np.zeros(n_mentees, dtype=bool)

    for mentee, mentor in _in_range(index_pairs(kept, "kept"), n_mentees, n_mentors, "kept"):
        if settled[mentee]:
            raise ValueError(f"kept: mentee {mentee} is kept with two mentors")
        settled[mentee] = True
        free[mentor] = max(free[mentor] - 1, 0)  # kept pairs stand even where capacity later shrank

    banned_mask = candidates.pair_mask(index_pairs(banned, "banned"))
    pins = _pins(candidates, index_pairs(pinned, "pinned"), banned_mask, settled, free)

    eligible = ~banned_mask & ~settled[candidates.mentee]
    usable = eligible & (free[candidates.mentor] > 0)
    if min_score is not None:
        usable &= candidates.score >= min_score
    chosen = np.flatnonzero(usable)[_solve(candidates, usable, free, objective)]
    if objective == "score":
        chosen = _with_zero_score_fill(candidates, usable, free, chosen)

    matched = settled.copy()
    matched[candidates.mentee[chosen]] = True
    pairs = pins + [
        Pair(int(candidates.mentee[e]), int(candidates.mentor[e]), float(candidates.score[e])) for e in chosen
    ]
    reasons = unmatched_reasons(
        np.flatnonzero(~matched), candidates.mentee, candidates.score, eligible, n_mentees, min_score
    )
    return Assignment.build(pairs, reasons, objective)


def _solve(candidates: CandidateEdges, usable: np.ndarray, free: np.ndarray, objective: str) -> np.ndarray:
    """A boolean mask over the usable edges: those in the optimal assignment (by min-cost flow)."""
    mentee = candidates.mentee[usable]
    if len(mentee) == 0:
        return np.zeros(0, dtype=bool)
    mentees, mentee_node = np.unique(mentee, return_inverse=True)
    mentors, mentor_node = np.unique(candidates.mentor[usable], return_inverse=True)
    source, sink = 0, 1
    mentee_node = mentee_node + 2
    mentor_node = mentor_node + 2 + len(mentees)
    n_edges = len(mentee)
    n = len(mentees)
    # Arcs: the candidate edges first (arc index = position among the usable edges), then the rest.
    tails = np.concatenate([mentee_node, np.full(n, source), 2 + len(mentees) + np.arange(len(mentors))])
    heads = np.concatenate([mentor_node, 2 + np.arange(n), np.full(len(mentors), sink)])
    arc_capacity = np.concatenate([np.ones(n_edges + n, dtype=np.int64), free[mentors].astype(np.int64)])
    cost = np.concatenate(
        [-np.rint(candidates.score[usable] * SCORE_SCALE).astype(np.int64), np.zeros(n + len(mentors), dtype=np.int64)]
    )
    if objective == "score":  # unmatched mentees route their unit straight to the sink, at no gain
        tails, heads = np.append(tails, source), np.append(heads, sink)
        arc_capacity, cost = np.append(arc_capacity, n), np.append(cost, 0)
    flow = min_cost_flow.SimpleMinCostFlow()
    flow.add_arcs_with_capacity_and_unit_cost(tails, heads, arc_capacity, cost)
    flow.set_node_supply(source, n)
    flow.set_node_supply(sink, -n)
    status = flow.solve() if objective == "score" else flow.solve_max_flow_with_min_cost()
    if status != flow.OPTIMAL:
        raise RuntimeError(f"min-cost flow did not solve: {status}")
    return flow.flows(np.arange(n_edges)) > 0


def _with_zero_score_fill(
    candidates: CandidateEdges, usable: np.ndarray, free: np.ndarray, chosen: np.ndarray
) -> np.ndarray:
    """Add pairs that cost nothing: an unmatched mentee whose (rounded) zero-score candidate has room.

    The score optimum never leaves a positive-score edge to a free mentor unused, but it may leave a
    zero one; taking it keeps the total and makes "at_capacity" true for everyone still unmatched.
    """
    left = free.astype(np.int64).copy()
    np.subtract.at(left, candidates.mentor[chosen], 1)
    taken = np.zeros(candidates.n_mentees, dtype=bool)
    taken[candidates.mentee[chosen]] = True
    extra = np.flatnonzero(usable & ~taken[candidates.mentee] & (left[candidates.mentor] > 0))
    added: list[int] = []
    for e in sorted(extra.tolist(), key=lambda e: (candidates.mentee[e], -candidates.score[e], candidates.mentor[e])):
        mentee, mentor = candidates.mentee[e], candidates.mentor[e]
        if not taken[mentee] and left[mentor] > 0:
            taken[mentee] = True
            left[mentor] -= 1
            added.append(int(e))
    return np.sort(np.concatenate([chosen, np.array(added, dtype=np.int64)]))


def _capacities(capacities: ArrayLike, candidates: CandidateEdges) -> np.ndarray:
    raw = np.asarray(capacities).ravel()
    if raw.size and (
        not np.issubdtype(raw.dtype, np.number)
        or not np.all(np.isfinite(raw))
        or np.any(raw != np.round(raw))
        or raw.min() < 0
    ):
        raise ValueError("capacities must be whole numbers >= 0")
    free = raw.astype(np.int64)
    if len(candidates) and candidates.mentor.max() >= len(free):
        raise ValueError(f"mentor index {int(candidates.mentor.max())} has no capacity: {len(free)} given")
    return free


def _in_range(pairs: list[tuple[int, int]], n_mentees: int, n_mentors: int, what: str) -> list[tuple[int, int]]:
    for mentee, mentor in pairs:
        if mentee >= n_mentees or mentor >= n_mentors:
            raise ValueError(
                f"{what}: pair ({mentee}, {mentor}) out of range ({n_mentees} mentees, {n_mentors} mentors)"
            )
    return pairs


def _pins(
    candidates: CandidateEdges,
    pins: list[tuple[int, int]],
    banned_mask: np.ndarray,
    settled: np.ndarray,
    free: np.ndarray,
) -> list[Pair]:
    """The pinned pairs, validated; marks their mentees settled and uses their mentors' capacity."""
    banned = set(zip(candidates.mentee[banned_mask].tolist(), candidates.mentor[banned_mask].tolist()))
    pairs = []
    for mentee, mentor in _in_range(pins, candidates.n_mentees, len(free), "pinned"):
        if settled[mentee]:
            raise ValueError(f"pinned: mentee {mentee} is already kept or pinned")
        if (mentee, mentor) in banned:
            raise ValueError(f"pinned: pair ({mentee}, {mentor}) is also banned")
        score = candidates.score_of(mentee, mentor)
        if score is None:
            raise ValueError(f"pinned: pair ({mentee}, {mentor}) is not a candidate: add its edge with its score")
        if free[mentor] <= 0:
            raise ValueError(f"pinned: mentor {mentor} has no capacity left for mentee {mentee}")
        settled[mentee] = True
        free[mentor] -= 1
        pairs.append(Pair(mentee, mentor, score, pinned=True))
    return pairs
