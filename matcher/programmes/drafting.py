"""A draft: who pairs with whom, from each member's ranked candidates, the mentors' places and the bans.

Pure: numpy and the solvers. One function for every style: one-way programmes assign members to mentors
under places (assignment.assign: min-cost flow); two-way programmes pair members with each other
(two_way.pair_within: a matching within the pool). A member who could not be ranked (no need, or a field
the style needs is missing, such as a two-way member's bio) is unmatched with that reason before
solving, and is nobody's partner: the rest are paired as usual.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from .assignment import assign
from .edges import CandidateEdges
from .match_side import Candidates
from .result import REASONS
from .spec import ProgrammeRules
from .two_way import pair_within


@dataclass(frozen=True)
class Draft:
    """A solved draft. Two-way pairs are listed under both members.

    Attributes:
        pairs: member key -> (their mentor's id, or their partner's key; the pair's score).
        unmatched: member key -> why they have nobody, in words.
    """

    pairs: dict[str, tuple[str, float]]
    unmatched: dict[str, str]


@dataclass(frozen=True)
class OneWayInputs:
    """A one-way draft before it is solved (the benchmark compares solvers on exactly these)."""

    members: list[str]  # member keys, indexed as in `edges`
    edges: CandidateEdges  # member index -> mentor index (into mentor_ids), with the match score
    mentor_ids: list[str]
    capacities: np.ndarray  # places per mentor in this run


def draft(
    members: Sequence[str],
    ranked: Mapping[str, Candidates],
    settled: Mapping[str, str],
    places: Mapping[str, int],
    bans: set[tuple[str, str]],
    rules: ProgrammeRules,
) -> Draft:
    """Pair a cohort's members, optimally for the whole cohort.

    Args:
        members: every member of this run, in the cohort's order.
        ranked: each rankable member's candidates (mentor ids; two-way: other members' keys).
        settled: members left unmatched before solving, with the reason (they have no entry in `ranked`).
        places: each mentor's places in this run (one-way; ignored for two-way: one partner each).
        bans: (member, mentor) pairs never proposed.
        rules: the programme's style, objective, minimum score and candidates per member.
    """
    unmatched = {key: settled[key] for key in members if key in settled}
    if rules.mutual:
        return _two_way(members, ranked, bans, rules, unmatched)
    inputs = one_way_inputs(members, ranked, places, bans, rules.candidates)
    assignment = assign(inputs.edges, inputs.capacities, objective=rules.objective, min_score=rules.min_score)
    pairs = {inputs.members[p.mentee]: (inputs.mentor_ids[p.mentor], p.score) for p in assignment.pairs}
    reasons = {inputs.members[u.mentee]: u.words for u in assignment.unmatched}
    for key in inputs.members:
        if key not in pairs:
            unmatched[key] = reasons.get(key, REASONS["no_eligible"])
    return Draft(pairs, unmatched)


def one_way_inputs(
    members: Sequence[str],
    ranked: Mapping[str, Candidates],
    places: Mapping[str, int],
    bans: set[tuple[str, str]],
    per_member: int,
) -> OneWayInputs:
    """Each ranked member's top candidates as sparse edges (bans left out), and each mentor's places."""
    keys = [key for key in members if key in ranked]
    mentors: dict[str, int] = {}
    edges: list[tuple[int, int, float]] = []
    for position, key in enumerate(keys):
        found = ranked[key]
        for mentor, score in list(zip(found.ids, found.scores))[:per_member]:
            if (key, mentor) not in bans:
                edges.append((position, mentors.setdefault(mentor, len(mentors)), score))
    mentor_ids = list(mentors)
    capacities = np.array([max(0, places.get(m, 0)) for m in mentor_ids], dtype=np.int64)
    return OneWayInputs(keys, CandidateEdges.from_triples(edges, len(keys)), mentor_ids, capacities)


def run_places(
    free: Mapping[str, int],
    published_here: Mapping[str, int],
    kept: Mapping[str, int],
    max_per_mentor: int | None,
    flash: bool,
) -> dict[str, int]:
    """Each mentor's places in this run: their free places (capacity left, already less every published
    pair; flash: one session per flash hour a month, less this programme's published sessions), at most the
    programme's limit, less the pairs kept from earlier runs."""
    places = {}
    for mentor, left in free.items():
        if flash:
            left -= published_here.get(mentor, 0)
        if max_per_mentor is not None:
            left = min(left, max_per_mentor - published_here.get(mentor, 0))
        places[mentor] = max(0, left - kept.get(mentor, 0))
    return places


def _two_way(
    members: Sequence[str],
    ranked: Mapping[str, Candidates],
    bans: set[tuple[str, str]],
    rules: ProgrammeRules,
    unmatched: dict[str, str],
) -> Draft:
    pool = [key for key in members if key in ranked]  # the settled are nobody's partner
    index = {key: i for i, key in enumerate(pool)}
    scores: dict[tuple[int, int], list[float]] = {}
    for key in pool:
        found = ranked[key]
        for partner, score in list(zip(found.ids, found.scores))[: rules.candidates]:
            if partner in index and partner != key and (key, partner) not in bans:
                pair = (min(index[key], index[partner]), max(index[key], index[partner]))
                scores.setdefault(pair, []).append(score)
    # Each direction's two-way score already needs both people's fit; a pair both found scores the mean.
    edges = [(a, b, float(np.mean(s))) for (a, b), s in scores.items()]
    assignment = pair_within(
        CandidateEdges.from_triples(edges, len(pool)), objective=rules.objective, min_score=rules.min_score
    )
    pairs: dict[str, tuple[str, float]] = {}
    for pair in assignment.pairs:
        pairs[pool[pair.mentee]] = (pool[pair.mentor], pair.score)
        pairs[pool[pair.mentor]] = (pool[pair.mentee], pair.score)
    reasons = {pool[u.mentee]: u.words for u in assignment.unmatched}
    for key in pool:
        if key not in pairs:
            unmatched[key] = reasons.get(key, REASONS["no_eligible"])
    return Draft(pairs, unmatched)
