"""From the outcome log to ranking examples: needs with the mentors their mentees chose, split by mentee,
and each need's candidates with their features, through the match pipeline itself.

- One query per (mentee, need): its outcomes grade the mentors (outcomes.GRADES); a mentor the mentee
  declined or found not a fit is 0 even if an earlier row accepted them.
- The split holds back whole mentees, never some rows of a mentee: with dates, the mentees whose latest
  outcome is the most recent; without, a stable hash of the mentee key.
- Every query is ranked by MatchPipeline.rank as a match would be, with the votes of the other mentees'
  outcomes (leave-mentee-out), so training sees the candidates and features serving will see.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import numpy as np

from ..errors import InvalidInput
from ..model.embedder import Embedder
from ..outcomes.importing import embed_needs
from ..outcomes.records import GRADES, Outcome
from ..search.pipeline import Ranked
from ..styles.rules import ANY
from .pool import OutcomePool
from .reranker import FeatureCollector, LearnedReranker


@dataclass
class Query:
    """One need of one mentee, with the grade of each mentor their outcomes name."""

    key: str  # the mentee key (Outcome.mentee_key)
    need: str
    style: str
    mentee_id: str | None
    relevant: dict[str, int] = field(default_factory=dict)
    day: str | None = None  # the latest date among its outcomes

    @property
    def positive(self) -> bool:
        """True when some mentor was chosen (the query can be ranked and measured)."""
        return any(g > 0 for g in self.relevant.values())


def queries_of(outcomes: Iterable[Outcome]) -> list[Query]:
    """One Query per (mentee, need), in the order first seen."""
    found: dict[tuple[str, str], Query] = {}
    refused: set[tuple[str, str, str]] = set()
    for o in outcomes:
        q = found.setdefault((o.mentee_key, o.need), Query(o.mentee_key, o.need, o.style or ANY, o.mentee_id))
        if o.style and q.style == ANY:
            q.style = o.style
        if o.at and (q.day is None or o.at > q.day):
            q.day = o.at
        if GRADES[o.outcome] == 0:
            refused.add((o.mentee_key, o.need, o.mentor_id))
            q.relevant[o.mentor_id] = 0
        elif (o.mentee_key, o.need, o.mentor_id) not in refused:
            q.relevant[o.mentor_id] = max(q.relevant.get(o.mentor_id, 0), GRADES[o.outcome])
    return list(found.values())


def stable_share(key: str) -> float:
    """A number in [0, 1) fixed by the key (a SHA-256 of it): the same mentee always falls on the same side."""
    return int(hashlib.sha256(key.encode("utf-8")).hexdigest()[:12], 16) / float(1 << 48)


def split(queries: list[Query], holdout: float) -> tuple[list[Query], list[Query], str]:
    """(training queries, held-back queries, how): whole mentees held back, the latest ones when every
    mentee has a date, else a stable hash's share."""
    latest: dict[str, str | None] = {}
    for q in queries:
        latest[q.key] = max(filter(None, (latest.get(q.key), q.day)), default=None)
    if latest and all(latest.values()):
        ordered = sorted(latest, key=lambda k: (latest[k], stable_share(k)))
        held = set(ordered[len(ordered) - round(len(ordered) * holdout) :])
        how = "latest mentees by date"
    else:
        held = {k for k in latest if stable_share(k) < holdout}
        how = "mentees by a stable hash"
    return [q for q in queries if q.key not in held], [q for q in queries if q.key in held], how


@dataclass
class TrainingSplit:
    """An outcome log's needs that chose someone, split for training and for judging, with the log's counts
    (never a text or an id); `refused` says why there is too little to go on (then nothing else is set)."""

    counts: dict
    train: list[Query] = field(default_factory=list)
    held: list[Query] = field(default_factory=list)
    refused: str | None = None

    @property
    def held_mentees(self) -> set[str]:
        return {q.key for q in self.held}


def training_split(
    outcomes: list[Outcome],
    holdout: float,
    min_outcomes: int,
    min_held_back: int,
    needed_to: str,
    **more_counts: int,
) -> TrainingSplit:
    """The split `learn` and `adapt` both judge by (split): refused with fewer than `min_outcomes` positive
    outcomes or `min_held_back` held-back mentees who chose someone. `needed_to` ends the refusal's "N needed
    to ..."; `more_counts` join the counts."""
    queries = queries_of(outcomes)
    positives = sum(1 for o in outcomes if o.grade > 0)
    days = sorted(o.at for o in outcomes if o.at)
    counts = {
        "outcomes": len(outcomes),
        "positive": positives,
        "mentees": len({q.key for q in queries}),
        "needs": len(queries),
        "first_day": days[0] if days else None,
        "last_day": days[-1] if days else None,
        **more_counts,
    }
    if positives < min_outcomes:
        return TrainingSplit(
            counts,
            refused=f"too few outcomes: {positives} accepted, good fit or completed, {min_outcomes} needed "
            f"to {needed_to}; nothing changed",
        )
    train, held, how = split(queries, holdout)
    found = TrainingSplit(counts, [q for q in train if q.positive], [q for q in held if q.positive])
    held_mentees = len(found.held_mentees)
    counts.update(split=how, train_mentees=len({q.key for q in found.train}), held_back_mentees=held_mentees)
    if held_mentees < min_held_back:
        found.refused = (
            f"too few outcomes to judge: {held_mentees} held-back mentees chose a mentor, "
            f"{min_held_back} needed; nothing changed"
        )
    return found


def pool_of(store, embedder: Embedder, outcomes: list[Outcome]) -> OutcomePool:
    """The outcomes as an OutcomePool; needs without a vector of this model are embedded (and stored)."""
    stored = store.outcome_vectors([o.id for o in outcomes], embedder.dim)
    vectors = {oid: v for oid, (key, v) in stored.items() if key == embedder.key}
    missing = [o for o in outcomes if o.id not in vectors]
    if missing:
        fresh = embed_needs(embedder, [o.need for o in missing])
        store.set_outcome_vectors([(o.id, embedder.key, v) for o, v in zip(missing, fresh)])
        vectors.update({o.id: v for o, v in zip(missing, fresh)})
    dim = embedder.dim
    matrix = np.vstack([vectors[o.id] for o in outcomes]) if outcomes else np.zeros((0, dim), dtype=np.float32)
    return OutcomePool(
        matrix,
        [o.mentor_id for o in outcomes],
        np.array([GRADES[o.outcome] for o in outcomes]),
        [o.mentee_key for o in outcomes],
    )


@dataclass
class Examples:
    """The candidates of many queries: features, labels and the fusion's scores, query after query."""

    x: list[np.ndarray] = field(default_factory=list)
    y: list[np.ndarray] = field(default_factory=list)
    baseline: list[np.ndarray] = field(default_factory=list)
    ids: list[list[str]] = field(default_factory=list)
    queries: list[Query] = field(default_factory=list)

    def add(self, query: Query, ranked: Ranked, features: np.ndarray) -> None:
        ids = ranked.scored.ids
        self.x.append(features)
        self.y.append(np.array([query.relevant.get(i, 0) for i in ids], dtype=np.float32))
        self.baseline.append(ranked.scored.scores.copy())
        self.ids.append(ids)
        self.queries.append(query)

    def stacked(
        self, where: Callable[[int], bool] = lambda i: True
    ) -> tuple[np.ndarray, np.ndarray, list[int], np.ndarray]:
        """(features, labels, candidates per query, fusion scores) of the queries `where` keeps that have a
        chosen mentor among their candidates (others teach a ranking nothing)."""
        keep = [i for i in range(len(self.x)) if where(i) and self.y[i].max() > 0]
        if not keep:
            return np.zeros((0, 0), dtype=np.float32), np.zeros(0), [], np.zeros(0)
        return (
            np.vstack([self.x[i] for i in keep]),
            np.concatenate([self.y[i] for i in keep]),
            [len(self.y[i]) for i in keep],
            np.concatenate([self.baseline[i] for i in keep]),
        )


RankQuery = Callable[[dict, LearnedReranker | None], Ranked]


def request_of(query: Query, limit: int, max_chars: int, stored: Callable[[str], bool]) -> list[dict]:
    """The match requests to try for a query, best first: its style with its mentee (when stored), then
    style `any` without them (a past participant who is not in the store, or a style that needs fields
    the log does not have)."""
    mentee = {"id": query.mentee_id} if query.mentee_id and stored(query.mentee_id) else {}
    body = {"need": query.need[:max_chars], "style": query.style, "limit": limit, "mentee": mentee}
    plain = {"need": query.need[:max_chars], "style": ANY, "limit": limit, "mentee": mentee}
    return [body, plain] if query.style != ANY else [plain]


def rank_query(rank: RankQuery, bodies: list[dict], reranker: LearnedReranker | None) -> Ranked | None:
    """The first of `bodies` the pipeline accepts, ranked (None: none, or nobody eligible)."""
    for body in bodies:
        try:
            ranked = rank(body, reranker)
        except InvalidInput:
            continue
        return ranked if ranked.scored is not None else None
    return None


def collect(
    rank: RankQuery,
    queries: list[Query],
    pool: OutcomePool,
    bodies: Callable[[Query], list[dict]],
    progress: Callable[[], None] = lambda: None,
) -> Examples:
    """Every query ranked with the votes of the other mentees' outcomes in `pool`, its features kept."""
    examples = Examples()
    for query in queries:
        collector = FeatureCollector(pool, exclude=query.key)
        ranked = rank_query(rank, bodies(query), collector)
        if ranked is not None and collector.features is not None:
            examples.add(query, ranked, collector.features)
        progress()
    return examples
