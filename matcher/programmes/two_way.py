"""Two-way programmes: one pool whose members pair with each other, each pair teaching both ways.

Pure: numpy and rustworkx (no Flask, SQLite, FAISS or model).

Each person is in at most one pair and a pair is an undirected edge whose score is already symmetric
(the two-way score is the harmonic mean of both directions). That is a maximum-weight matching on a
general graph, not a bipartite one (A may pair with B, B with C or C with A: odd cycles), so flows and the
Hungarian method do not apply; Edmonds' blossom algorithm does: `rustworkx.max_weight_matching`
(a Rust port of networkx's primal-dual blossom, O(n^3) worst case).

- objective "score": `max_weight_matching(G)`: the highest total fit.
- objective "participation": `max_weight_matching(G, max_cardinality=True)`: among the matchings with
  the most pairs, the highest total fit (lexicographic, as for mentees and mentors).

Weights are integers (scores * 1e6, rounded): rustworkx takes integer weights only, and the blossom is
then exact; the tolerance is the one of `assignment` (the returned total is within 1e-6 per person of
the true optimum). Edges are added in canonical order (lower index first, sorted), so the result is deterministic.

Size (measured by `scripts/bench_programmes.py`, synthetic pools, K = 10 partners per person, 2 cores
shared with other jobs): a pool of 1,000 people in 0.1-0.9 s, 2,000 in 0.7-3.8 s, 4,000 in 8-17 s and
8,000 in 50-90 s, at 10-20 MB. Growth is steeper than linear (O(n^3) worst case): a two-way programme
of a few thousand people pairs in seconds, one of 8,000 in one to one and a half minutes. networkx's
pure-Python blossom, the same algorithm, took 21-68 s for 1,000 people; CP-SAT (one worker) had not
proved an optimum for 1,000 after 120 s.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import rustworkx as rx

from .assignment import OBJECTIVES, SCORE_SCALE, Objective
from .edges import CandidateEdges, index_pairs
from .result import Assignment, Pair, unmatched_reasons


def pair_within(
    candidates: CandidateEdges,
    *,
    objective: Objective = "score",
    min_score: float | None = None,
    pinned: Iterable[tuple[int, int]] = (),
    banned: Iterable[tuple[int, int]] = (),
    kept: Iterable[tuple[int, int]] = (),
) -> Assignment:
    """Pair the members of one pool with each other, optimally for the whole pool.

    Args:
        candidates: each person's candidate partners (mentee = the person, mentor = the partner, both
            indices into the same pool of `candidates.n_mentees` people) with the symmetric two-way score.
            (a, b) and (b, a) are one pair; given twice with different scores, the higher is kept.
        objective: "score" for the highest total fit; "participation" for the most pairs, then the highest
            total fit.
        min_score: when given, no new pair scores below it (pinned pairs are exempt).
        pinned: pairs that must be in the result (each a candidate edge, either way round, not banned).
        banned: pairs never proposed (either way round).
        kept: pairs settled before: both people are left out of this run and not repeated in the result.

    Returns:
        The `Assignment`: pairs with `mentee` < `mentor` (the two people), their total, and every other
        person of the pool (kept ones aside) unmatched with its reason.

    Raises:
        ValueError: on an unknown objective, a min_score outside [0, 1], an edge from a person to
            themselves or outside the pool, or pins that cannot all hold (a person kept or pinned twice,
            a banned or unknown pair).
    """
    if objective not in OBJECTIVES:
        raise ValueError(f"objective must be one of {', '.join(OBJECTIVES)}, got {objective!r}")
    if min_score is not None and not 0.0 <= min_score <= 1.0:
        raise ValueError(f"min_score must be in [0, 1], got {min_score!r}")
    n_people = candidates.n_mentees
    if len(candidates) and candidates.mentor.max() >= n_people:
        raise ValueError(f"partner index {int(candidates.mentor.max())} is outside the pool of {n_people}")
    if np.any(candidates.mentee == candidates.mentor):
        raise ValueError("a person cannot be their own partner")
    edges = CandidateEdges.from_arrays(
        np.minimum(candidates.mentee, candidates.mentor),
        np.maximum(candidates.mentee, candidates.mentor),
        candidates.score,
        n_people,
    )
    settled = np.zeros(n_people, dtype=bool)
    for a, b in _undirected(index_pairs(kept, "kept"), n_people, "kept"):
        if settled[a] or settled[b]:
            raise ValueError(f"kept: person {a if settled[a] else b} is kept in two pairs")
        settled[a] = settled[b] = True
    banned_mask = edges.pair_mask(_undirected(index_pairs(banned, "banned"), n_people, "banned"))
    pins = []
    for a, b in _undirected(index_pairs(pinned, "pinned"), n_people, "pinned"):
        score = edges.score_of(a, b)
        if settled[a] or settled[b]:
            raise ValueError(f"pinned: person {a if settled[a] else b} is already kept or pinned")
        if score is None:
            raise ValueError(f"pinned: pair ({a}, {b}) is not a candidate: add its edge with its score")
        if banned_mask[edges.pair_mask([(a, b)])].any():
            raise ValueError(f"pinned: pair ({a}, {b}) is also banned")
        settled[a] = settled[b] = True
        pins.append(Pair(a, b, score, pinned=True))

    usable = ~banned_mask & ~settled[edges.mentee] & ~settled[edges.mentor]
    if min_score is not None:
        usable &= edges.score >= min_score
    chosen = _max_weight_matching(edges, usable, maxcardinality=objective == "participation")
    if objective == "score":
        chosen = _with_zero_score_fill(edges, usable, chosen)

    paired = settled.copy()
    paired[edges.mentee[chosen]] = True
    paired[edges.mentor[chosen]] = True
    pairs = pins + [Pair(int(edges.mentee[e]), int(edges.mentor[e]), float(edges.score[e])) for e in chosen]
    both_ends = np.concatenate([edges.mentee, edges.mentor])
    reasons = unmatched_reasons(
        np.flatnonzero(~paired),
        both_ends,
        np.concatenate([edges.score, edges.score]),
        np.concatenate([~banned_mask, ~banned_mask]),
        n_people,
        min_score,
    )
    return Assignment.build(pairs, reasons, objective)


def _max_weight_matching(edges: CandidateEdges, usable: np.ndarray, maxcardinality: bool) -> np.ndarray:
    """Indices of the usable edges in a maximum-weight matching (Edmonds' blossom, integer weights)."""
    index = np.flatnonzero(usable)
    graph = rx.PyGraph(multigraph=False)
    graph.add_nodes_from(range(edges.n_mentees))
    weights = np.rint(edges.score[index] * SCORE_SCALE).astype(np.int64)
    graph.add_edges_from(list(zip(edges.mentee[index].tolist(), edges.mentor[index].tolist(), weights.tolist())))
    matching = rx.max_weight_matching(graph, max_cardinality=maxcardinality, weight_fn=int)
    at = {(int(edges.mentee[e]), int(edges.mentor[e])): int(e) for e in index}
    return np.array(sorted(at[(min(a, b), max(a, b))] for a, b in matching), dtype=np.int64)


def _with_zero_score_fill(edges: CandidateEdges, usable: np.ndarray, chosen: np.ndarray) -> np.ndarray:
    """Add pairs between two unpaired people whose edge rounds to zero weight (free for the total)."""
    paired = np.zeros(edges.n_mentees, dtype=bool)
    paired[edges.mentee[chosen]] = True
    paired[edges.mentor[chosen]] = True
    added: list[int] = []
    candidates = np.flatnonzero(usable & ~paired[edges.mentee] & ~paired[edges.mentor])
    for e in sorted(candidates.tolist(), key=lambda e: (-edges.score[e], edges.mentee[e], edges.mentor[e])):
        a, b = edges.mentee[e], edges.mentor[e]
        if not paired[a] and not paired[b]:
            paired[a] = paired[b] = True
            added.append(e)
    return np.sort(np.concatenate([chosen, np.array(added, dtype=np.int64)]))


def _undirected(pairs: list[tuple[int, int]], n_people: int, what: str) -> list[tuple[int, int]]:
    out = []
    for a, b in pairs:
        if a >= n_people or b >= n_people:
            raise ValueError(f"{what}: pair ({a}, {b}) is outside the pool of {n_people}")
        if a == b:
            raise ValueError(f"{what}: pair ({a}, {b}) pairs a person with themselves")
        out.append((min(a, b), max(a, b)))
    return out
