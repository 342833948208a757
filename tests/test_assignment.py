"""Cohort pairing: the optimum equals a brute force and a dense Hungarian solution; reasons; determinism.

Real solvers on small random instances, no mocks. References are written independently of the module:
the brute force enumerates every assignment of the raw edges and checks the rules itself.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from scipy.optimize import linear_sum_assignment

from matcher.programmes.assignment import assign
from matcher.programmes.baselines import greedy_first_come, independent_top1
from matcher.programmes.edges import CandidateEdges
from matcher.programmes.result import REASONS
from matcher.programmes.two_way import pair_within

TOL = 1e-5  # scores are rounded to 1e-6 inside the solver; a handful of pairs stays far below this


def random_instance(rng, n_mentees, n_mentors, k, max_capacity=2, decimals=None):
    triples = []
    for mentee in range(n_mentees):
        for mentor in rng.choice(n_mentors, size=min(k, n_mentors), replace=False)[: rng.integers(0, k + 1)]:
            score = float(rng.random())
            triples.append((mentee, int(mentor), round(score, decimals) if decimals else score))
    capacities = rng.integers(0, max_capacity + 1, size=n_mentors)
    return CandidateEdges.from_triples(triples, n_mentees), capacities


def random_options(rng, edges: CandidateEdges, capacities):
    """Random bans, kept pairs, pins (only ones that can hold) and min_score for one instance."""
    triples = list(zip(edges.mentee.tolist(), edges.mentor.tolist(), edges.score.tolist()))
    rng.shuffle(triples)
    banned = [(a, b) for a, b, _ in triples[:2]] if rng.random() < 0.5 else []
    free = np.array(capacities).copy()
    kept, pinned, busy = [], [], set(a for a, _ in banned)
    for a, b, _ in triples[2:]:
        if a in busy or free[b] <= 0 or rng.random() < 0.7:
            continue
        (kept if rng.random() < 0.5 else pinned).append((a, b))
        busy.add(a)
        free[b] -= 1
    min_score = float(rng.choice([0.0, 0.3, 0.6])) if rng.random() < 0.6 else None
    return dict(banned=banned, kept=kept, pinned=pinned, min_score=min_score)


def objective_key(objective, pairs):
    total = sum(s for _, _, s in pairs)
    return (len(pairs), total) if objective == "participation" else (total,)


def brute_force(edges: CandidateEdges, capacities, objective, banned=(), kept=(), pinned=(), min_score=None):
    """Every feasible assignment of the raw edges; returns (best key, the best assignments' pair sets)."""
    kept_mentees = {a for a, _ in kept}
    pinned_mentees = {a for a, _ in pinned}
    options = []
    for mentee in range(edges.n_mentees):
        span = edges.edges_of(mentee)
        own = [(mentee, int(b), float(s)) for b, s in zip(edges.mentor[span], edges.score[span])]
        if mentee in kept_mentees:
            options.append([None])
        elif mentee in pinned_mentees:
            options.append([t for t in own if (t[0], t[1]) in set(pinned)])
        else:
            options.append(
                [None]
                + [t for t in own if (t[0], t[1]) not in set(banned) and (min_score is None or t[2] >= min_score)]
            )
    best_key, best = None, []
    for choice in itertools.product(*options):
        pairs = [t for t in choice if t is not None]
        load = np.bincount([b for _, b in kept] + [b for _, b, _ in pairs], minlength=len(capacities))
        if np.any(load[: len(capacities)] > capacities):
            continue
        key = objective_key(objective, pairs)
        if best_key is None or _better(key, best_key):
            best_key, best = key, [pairs]
        elif _close(key, best_key):
            best.append(pairs)
    return best_key, best


def _better(key, other):
    if len(key) == 2 and key[0] != other[0]:
        return key[0] > other[0]
    return key[-1] > other[-1] + TOL


def _close(key, other):
    return key[:-1] == other[:-1] and abs(key[-1] - other[-1]) <= TOL


def dense_hungarian(edges: CandidateEdges, capacities, objective, min_score=None):
    """scipy's linear_sum_assignment over capacity slots plus one "nobody" column per mentee."""
    n = edges.n_mentees
    slots = [mentor for mentor, capacity in enumerate(capacities) for _ in range(capacity)]
    bonus = n + 1.0 if objective == "participation" else 0.0
    forbidden = 1e9
    cost = np.full((n, len(slots) + n), forbidden)
    cost[:, len(slots) :] = 0.0
    for a, b, s in zip(edges.mentee, edges.mentor, edges.score):
        if min_score is None or s >= min_score:
            cost[a, [i for i, slot in enumerate(slots) if slot == b]] = -(bonus + s)
    rows, cols = linear_sum_assignment(cost)
    real = cols < len(slots)
    chosen = [(int(a), slots[c]) for a, c in zip(rows[real], cols[real])]
    return len(chosen), sum(edges.score_of(a, b) for a, b in chosen)


def as_triples(result):
    return sorted((p.mentee, p.mentor, p.score) for p in result.pairs)


@pytest.mark.parametrize("objective", ["score", "participation"])
def test_equal_to_brute_force_on_tiny_random_instances(objective):
    rng = np.random.default_rng(15)
    for _ in range(300):
        edges, capacities = random_instance(rng, int(rng.integers(1, 6)), int(rng.integers(1, 4)), 3)
        options = random_options(rng, edges, capacities)
        result = assign(edges, capacities, objective=objective, **options)
        key, best = brute_force(edges, capacities, objective, **options)
        assert _close(objective_key(objective, as_triples(result)), key)
        assert as_triples(result) in [sorted(p) for p in best]
        if len(best) == 1:  # the optimum is unique: the very same pairs
            assert as_triples(result) == sorted(best[0])
        assert {p.mentee for p in result.pairs if p.pinned} == {a for a, _ in options["pinned"]}


@pytest.mark.parametrize("objective", ["score", "participation"])
def test_equal_to_dense_hungarian_on_small_random_instances(objective):
    rng = np.random.default_rng(1515)
    for _ in range(40):
        edges, capacities = random_instance(rng, 40, 12, 5, max_capacity=3)
        min_score = float(rng.choice([0.0, 0.4]))
        result = assign(edges, capacities, objective=objective, min_score=min_score)
        matched, total = dense_hungarian(edges, capacities, objective, min_score)
        assert result.total == pytest.approx(total, abs=TOL)
        if objective == "participation":
            assert result.matched == matched
        assert np.all(result.mentor_load(len(capacities)) <= capacities)


def test_participation_matches_at_least_as_many_and_score_totals_at_least_as_much():
    rng = np.random.default_rng(7)
    differed = 0
    for _ in range(100):
        edges, capacities = random_instance(rng, 12, 5, 3)
        by_score = assign(edges, capacities, objective="score")
        by_participation = assign(edges, capacities, objective="participation")
        assert by_participation.matched >= by_score.matched
        assert by_score.total >= by_participation.total - TOL
        differed += by_participation.matched > by_score.matched
    assert differed > 0  # the two objectives do disagree on some instances


def test_participation_trades_fit_for_one_more_pair():
    # Mentor 0 fits mentee 0 best (0.9) and mentee 1 has nobody else: the highest total (0.9 > 0.2 + 0.5)
    # leaves mentee 1 out; participation pairs both.
    edges = CandidateEdges.from_triples([(0, 0, 0.9), (0, 1, 0.2), (1, 0, 0.5)], 2)
    assert as_triples(assign(edges, [1, 1], objective="score")) == [(0, 0, 0.9)]
    assert as_triples(assign(edges, [1, 1], objective="participation")) == [(0, 1, 0.2), (1, 0, 0.5)]


def test_unmatched_reasons():
    edges = CandidateEdges.from_triples([(0, 0, 0.9), (1, 0, 0.8), (2, 1, 0.2), (3, 2, 0.95), (5, 3, 0.7)], 6)
    result = assign(edges, [1, 1, 0, 1], min_score=0.5, banned=[(5, 3)])
    assert as_triples(result) == [(0, 0, 0.9)]
    reasons = {u.mentee: u.reason for u in result.unmatched}
    assert reasons == {
        1: "at_capacity",  # mentor 0 went to mentee 0
        2: "below_min_score",  # its only candidate scores 0.2 < 0.5
        3: "at_capacity",  # mentor 2 takes nobody (capacity 0)
        4: "no_eligible",  # no candidate at all
        5: "no_eligible",
    }  # its only candidate is banned
    assert all(u.words == REASONS[u.reason] for u in result.unmatched)


def test_at_capacity_means_every_eligible_mentor_is_full():
    rng = np.random.default_rng(3)
    for objective in ("score", "participation"):
        for _ in range(50):
            edges, capacities = random_instance(rng, 15, 4, 3)
            result = assign(edges, capacities, objective=objective, min_score=0.2)
            load = result.mentor_load(len(capacities))
            for u in result.unmatched:
                span = edges.edges_of(u.mentee)
                good = edges.mentor[span][edges.score[span] >= 0.2]
                assert u.reason == (
                    "no_eligible" if span.stop == span.start else "below_min_score" if len(good) == 0 else "at_capacity"
                )
                assert np.all(load[good] == capacities[good])


def test_kept_pairs_use_capacity_and_leave_the_run():
    edges = CandidateEdges.from_triples([(0, 0, 0.9), (1, 0, 0.8), (1, 1, 0.1), (2, 0, 0.5)], 3)
    result = assign(edges, [2, 1], kept=[(0, 0)])
    assert as_triples(result) == [(1, 0, 0.8)]
    assert [(u.mentee, u.reason) for u in result.unmatched] == [(2, "at_capacity")]


def test_pins_are_kept_whatever_the_optimum_and_min_score():
    edges = CandidateEdges.from_triples([(0, 0, 0.9), (0, 1, 0.1), (1, 0, 0.7)], 2)
    result = assign(edges, [1, 1], min_score=0.5, pinned=[(0, 1)])
    assert [(p.mentee, p.mentor, p.pinned) for p in result.pairs] == [(0, 1, True), (1, 0, False)]
    assert result.total == pytest.approx(0.8)


@pytest.mark.parametrize(
    "options,message",
    [
        (dict(pinned=[(1, 1)]), "not a candidate"),
        (dict(pinned=[(0, 2)]), "out of range"),
        (dict(pinned=[(0, 0)], banned=[(0, 0)]), "banned"),
        (dict(pinned=[(0, 0), (1, 0)]), "no capacity left"),
        (dict(pinned=[(0, 0)], kept=[(0, 1)]), "already kept"),
        (dict(kept=[(0, 0), (0, 1)]), "two mentors"),
        (dict(objective="fairness"), "objective"),
        (dict(min_score=1.5), "min_score"),
        (dict(banned=[(0, -1)]), "banned"),
    ],
)
def test_bad_options_are_refused(options, message):
    edges = CandidateEdges.from_triples([(0, 0, 0.9), (1, 0, 0.8), (0, 1, 0.5)], 2)
    with pytest.raises(ValueError, match=message):
        assign(edges, [1, 1], **options)


@pytest.mark.parametrize(
    "build,message",
    [
        (lambda: CandidateEdges.from_triples([(0, 0, 1.2)], 1), r"\[0, 1\]"),
        (lambda: CandidateEdges.from_triples([(0, 0, float("nan"))], 1), r"\[0, 1\]"),
        (lambda: CandidateEdges.from_triples([(3, 0, 0.5)], 2), "out of range"),
        (lambda: CandidateEdges.from_arrays([0, 1], [0], [0.5], 2), "one entry per edge"),
        (lambda: assign(CandidateEdges.from_triples([(0, 4, 0.5)], 1), [1, 1]), "no capacity"),
        (lambda: assign(CandidateEdges.from_triples([(0, 0, 0.5)], 1), [-1]), "capacities"),
        (lambda: assign(CandidateEdges.from_triples([(0, 0, 0.5)], 1), [float("inf")]), "capacities"),
        (lambda: assign(CandidateEdges.from_triples([(0, 0, 0.5)], 1), [1.5]), "capacities"),
    ],
)
def test_bad_input_is_refused(build, message):
    with pytest.raises(ValueError, match=message):
        build()


def test_candidates_are_canonical_whatever_their_order_and_shape():
    top_k = CandidateEdges.from_top_k([[2, 0, -1], [1, 1, 0]], [[0.5, 0.7, 0.0], [0.3, 0.6, 0.2]])
    assert list(zip(top_k.mentee.tolist(), top_k.mentor.tolist(), top_k.score.tolist())) == [
        (0, 0, 0.7),
        (0, 2, 0.5),
        (1, 0, 0.2),
        (1, 1, 0.6),
    ]  # a pair given twice keeps its best score
    assert top_k.score_of(1, 1) == 0.6 and top_k.score_of(1, 2) is None


def test_same_input_same_output_whatever_the_edge_order():
    rng = np.random.default_rng(11)
    # Scores on a coarse grid: many equally good assignments, so the solver's tie-break is exercised.
    edges, capacities = random_instance(rng, 300, 60, 6, max_capacity=3, decimals=1)
    shuffled = rng.permutation(len(edges))
    again = CandidateEdges.from_arrays(
        edges.mentee[shuffled], edges.mentor[shuffled], edges.score[shuffled], edges.n_mentees
    )
    for objective in ("score", "participation"):
        first = assign(edges, capacities, objective=objective, min_score=0.2)
        assert assign(edges, capacities, objective=objective, min_score=0.2) == first
        assert assign(again, capacities, objective=objective, min_score=0.2) == first


def test_baselines_bracket_the_optimum():
    rng = np.random.default_rng(5)
    for _ in range(30):
        edges, capacities = random_instance(rng, 30, 8, 4)
        optimal = assign(edges, capacities, objective="score")
        greedy = greedy_first_come(edges, capacities)
        top1 = independent_top1(edges)
        assert greedy.total <= optimal.total + TOL <= top1.total + 2 * TOL
        assert np.all(greedy.mentor_load(len(capacities)) <= capacities)
        assert assign(edges, capacities, objective="participation").matched >= greedy.matched


def test_greedy_first_come_serves_the_first_arrivals_first():
    edges = CandidateEdges.from_triples([(0, 0, 0.6), (0, 1, 0.5), (1, 0, 0.9)], 2)
    assert as_triples(greedy_first_come(edges, [1, 0])) == [(0, 0, 0.6)]
    assert as_triples(greedy_first_come(edges, [1, 0], order=[1, 0])) == [(1, 0, 0.9)]
    assert as_triples(assign(edges, [1, 1])) == [(0, 1, 0.5), (1, 0, 0.9)]


# Two-way: one pool pairs with itself.


def random_pool(rng, n_people, k, decimals=None):
    triples = []
    for person in range(n_people):
        others = [p for p in range(n_people) if p != person]
        for partner in rng.choice(others, size=min(k, len(others)), replace=False)[: rng.integers(0, k + 1)]:
            score = float(rng.random())
            triples.append((person, int(partner), round(score, decimals) if decimals else score))
    return CandidateEdges.from_triples(triples, n_people)


def brute_force_matchings(n_people, edges, objective):
    """The best key over every matching of an undirected edge list [(a, b, score)], by recursion."""
    best = None

    def extend(start, used, pairs):
        nonlocal best
        key = objective_key(objective, pairs)
        if best is None or _better(key, best):
            best = key
        for i in range(start, len(edges)):
            a, b, s = edges[i]
            if a not in used and b not in used:
                extend(i + 1, used | {a, b}, pairs + [(a, b, s)])

    extend(0, frozenset(), [])
    return best


@pytest.mark.parametrize("objective", ["score", "participation"])
def test_two_way_equal_to_brute_force_on_small_graphs(objective):
    rng = np.random.default_rng(22)
    for _ in range(150):
        n_people = int(rng.integers(2, 9))
        candidates = random_pool(rng, n_people, 3)
        undirected: dict[tuple[int, int], float] = {}
        for a, b, s in zip(candidates.mentee.tolist(), candidates.mentor.tolist(), candidates.score.tolist()):
            undirected[(min(a, b), max(a, b))] = max(s, undirected.get((min(a, b), max(a, b)), 0.0))
        min_score = float(rng.choice([0.0, 0.5]))
        banned = list(undirected)[:1] if rng.random() < 0.5 else []
        edges = [(a, b, s) for (a, b), s in undirected.items() if (a, b) not in banned and s >= min_score]
        result = pair_within(
            candidates, objective=objective, min_score=min_score, banned=[(b, a) for a, b in banned]
        )  # bans hold either way round
        assert _close(objective_key(objective, as_triples(result)), brute_force_matchings(n_people, edges, objective))
        people = [p.mentee for p in result.pairs] + [p.mentor for p in result.pairs]
        assert len(people) == len(set(people))
        assert sorted(people + [u.mentee for u in result.unmatched]) == list(range(n_people))


def test_two_way_pins_kept_bans_and_reasons():
    candidates = CandidateEdges.from_triples(
        [(0, 1, 0.9), (1, 0, 0.9), (2, 3, 0.8), (3, 4, 0.3), (2, 4, 0.6), (5, 6, 0.2)], 8
    )
    result = pair_within(candidates, pinned=[(4, 3)], kept=[(1, 0)], min_score=0.5)
    assert [(p.mentee, p.mentor, p.pinned) for p in result.pairs] == [(3, 4, True)]
    assert {u.mentee: u.reason for u in result.unmatched} == {
        2: "at_capacity",
        5: "below_min_score",
        6: "below_min_score",
        7: "no_eligible",
    }
    with pytest.raises(ValueError, match="own partner"):
        pair_within(CandidateEdges.from_triples([(1, 1, 0.5)], 2))
    with pytest.raises(ValueError, match="banned"):
        pair_within(candidates, pinned=[(0, 1)], banned=[(1, 0)])


def test_two_way_participation_pairs_at_least_as_many_and_is_deterministic():
    rng = np.random.default_rng(9)
    candidates = random_pool(rng, 200, 5, decimals=1)
    by_score = pair_within(candidates, objective="score")
    by_participation = pair_within(candidates, objective="participation")
    assert by_participation.matched >= by_score.matched
    assert by_score.total >= by_participation.total - TOL
    assert pair_within(candidates, objective="participation") == by_participation
