"""`mentor-match learn`: fit the ranking to the outcome log, and adopt it only when it ranks held-back
mentees' outcomes better than the hand-tuned fusion.

1. Enough outcomes? Fewer than `min_outcomes` positive ones, or fewer than `min_held_back` held-back
   mentees with one: say so and change nothing.
2. Split by mentee (examples.split): the held-back mentees' outcomes are never trained on, and never vote.
3. Every training need is ranked by the match pipeline with the votes of the other training mentees'
   outcomes (leave-mentee-out); its candidates' features and the mentors chosen are the examples.
4. The model (models.py: the linear one; LightGBM LambdaRank too, or instead, when asked) is fitted and
   measured on the held-back needs beside the fusion: nDCG@10, recall@50, and the Gini and share of the
   top-5 places. With both kinds, LightGBM is judged only when it beats the linear model by MARGIN.
5. Adopted only when its nDCG@10 is higher and its recall@50 not lower: saved owner-only in the data dir
   (artefacts.py) and made active; otherwise nothing changes. `--revert` goes back.
"""

from __future__ import annotations

import fcntl
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field

import numpy as np
from tqdm import tqdm

from ..errors import LearnRunning
from ..files import PRIVATE_FILE
from ..search.fusion import order
from . import artefacts
from .examples import Examples, Query, collect, pool_of, rank_query, request_of, stable_share, training_split
from .features import FEATURES
from .metrics import summarise
from .models import FittedModel, fit
from .reranker import LearnedReranker

EARLY_STOP_SHARE = 0.15  # of the training mentees, for LightGBM's early stopping
MARGIN = 0.005  # nDCG@10 by which LightGBM must beat the linear model to be the one judged
TOP = 50  # ranked places measured (recall@50)


@dataclass(frozen=True)
class LearnOptions:
    """The knobs of one `mentor-match learn` (the CLI's options)."""

    holdout: float = 0.2  # share of mentees held back to judge the result
    min_outcomes: int = 200  # positive outcomes (accepted, good fit, completed) needed at all
    min_held_back: int = 30  # held-back mentees with a positive outcome needed to judge
    kinds: tuple[str, ...] = ("linear",)  # and/or "lightgbm" (models.py)
    threads: int = 0  # LightGBM threads (0: every core)


@dataclass
class LearnResult:
    """What a learn did and why (printed by the CLI, kept as the adopted ranking's record)."""

    adopted: bool
    reason: str
    counts: dict = field(default_factory=dict)
    before: dict | None = None
    after: dict[str, dict] = field(default_factory=dict)  # by kind
    kind: str | None = None  # the kind judged (the better one)
    name: str | None = None  # the adopted ranking's folder
    importance: dict[str, float] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)
    model: FittedModel | None = field(default=None, repr=False)  # the kind judged, fitted


@contextmanager
def exclusive(data_dir) -> Iterator[None]:
    """One learn (or revert) at a time per data dir. Raises LearnRunning when another holds it."""
    folder = artefacts.root(data_dir)
    fd = os.open(folder / ".learn.lock", os.O_RDWR | os.O_CREAT, PRIVATE_FILE)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise LearnRunning(
                f"another `mentor-match learn` is running on {folder}; try again when it has finished"
            ) from None
        yield
    finally:
        os.close(fd)


def learn(service, options: LearnOptions | None = None, progress: bool = False) -> LearnResult:
    """Fit, judge and perhaps adopt a learned ranking for `service`'s store (see the module docstring).

    Args:
        service: an open MatchService (its store, its pipeline, its data dir).
    """
    options = options or LearnOptions()
    started = time.perf_counter()
    with exclusive(service.settings.data_dir):
        result = _learn(service, options, progress)
    result.seconds["total"] = round(time.perf_counter() - started, 1)
    if result.adopted:
        record = _record(result, options)
        result.name = artefacts.save(service.settings.data_dir, result.model, record)
        artefacts.activate(service.settings.data_dir, result.name)
        service.learned.reload()
    return result


def _learn(service, options: LearnOptions, progress: bool) -> LearnResult:
    store = service.store
    outcomes = store.outcomes()
    prepared = training_split(
        outcomes,
        options.holdout,
        options.min_outcomes,
        options.min_held_back,
        "learn from",
        mentors=len({o.mentor_id for o in outcomes}),
    )
    counts = prepared.counts
    if prepared.refused:
        return LearnResult(False, prepared.refused, counts)
    train_q, held_q, held_mentees = prepared.train, prepared.held, prepared.held_mentees
    timer = time.perf_counter()
    pool = pool_of(store, service.embedder, outcomes)
    train_pool = pool.subset(np.array([o.mentee_key not in held_mentees for o in outcomes]))
    max_chars = service.settings.max_need_chars

    def bodies(query: Query) -> list[dict]:
        return request_of(query, TOP, max_chars, lambda pid: store.get(pid) is not None)

    def rank(body: dict, reranker: LearnedReranker | None):
        return service.pipeline.rank(service.parse(body), service.refresh(), reranker=reranker)

    bar = tqdm(total=len(train_q) + 2 * len(held_q), desc="ranking needs", unit="need", disable=not progress)
    train = collect(rank, train_q, train_pool, bodies, lambda: bar.update(1))
    held = collect(rank, held_q, train_pool, bodies, lambda: bar.update(1))
    before = {}
    for q in held.queries:
        ranked = rank_query(rank, bodies(q), None)
        before[q.key + "\n" + q.need] = [] if ranked is None else [ranked.scored.ids[i] for i in ranked.order[:TOP]]
        bar.update(1)
    bar.close()
    seconds = {"ranking": round(time.perf_counter() - timer, 1)}
    relevant = {q.key + "\n" + q.need: q.relevant for q in held.queries}
    mentors = len(service.refresh().catalog.row_of)
    result = LearnResult(False, "", counts, summarise(before, relevant, mentors), seconds=seconds)
    counts.update(train_needs=len(train.queries), held_back_needs=len(held.queries))

    stop = {q.key for q in train.queries if stable_share("stop:" + q.key) < EARLY_STOP_SHARE}
    x, y, groups, baseline = train.stacked(lambda i: train.queries[i].key not in stop)
    x_stop, y_stop, groups_stop, _ = train.stacked(lambda i: train.queries[i].key in stop)
    counts.update(train_candidates=int(len(y)), train_chosen_among_candidates=int((y > 0).sum()))
    models = {}
    for kind in options.kinds:
        timer = time.perf_counter()
        model = fit(kind, FEATURES, x, y, groups, x_stop, y_stop, groups_stop, baseline, options.threads)
        seconds[f"fit_{kind}"] = round(time.perf_counter() - timer, 1)
        models[kind] = model
        result.after[kind] = summarise(_ranked(held, model), relevant, mentors)
    best = options.kinds[0]
    for kind in options.kinds[1:]:
        margin = MARGIN if best == "linear" else -MARGIN if kind == "linear" else 0.0
        if result.after[kind]["ndcg@10"] > result.after[best]["ndcg@10"] + margin:
            best = kind
    result.kind, result.model = best, models[best]
    result.importance = models[best].importance()
    gain = result.after[best]["ndcg@10"] - result.before["ndcg@10"]
    recall_change = result.after[best]["recall@50"] - result.before["recall@50"]
    if gain > 0 and recall_change >= 0:
        result.adopted = True
        result.reason = (
            f"adopted the {best} ranking: nDCG@10 {gain:+.3f}, recall@50 {recall_change:+.3f} on "
            f"{len(held_mentees)} held-back mentees"
        )
    else:
        result.reason = (
            f"not adopted: the {best} ranking did not rank the {len(held_mentees)} held-back mentees "
            f"better (nDCG@10 {gain:+.3f}, recall@50 {recall_change:+.3f}; both must not fall and "
            f"nDCG@10 must rise); nothing changed"
        )
    return result


def _ranked(held: Examples, model) -> dict[str, list[str]]:
    """The held-back needs' candidates in the order `model` gives them."""
    out = {}
    for features, ids, q in zip(held.x, held.ids, held.queries):
        out[q.key + "\n" + q.need] = [ids[i] for i in order(model.calibrated(features), ids)[:TOP]]
    return out


def _record(result: LearnResult, options: LearnOptions) -> dict:
    """What the adopted ranking was trained on and how it measured: counts, dates and figures, never a text or id."""
    return {
        "created_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "kind": result.kind,
        "features": list(FEATURES),
        "counts": result.counts,
        "before": result.before,
        "after": result.after,
        "importance": result.importance,
        "options": asdict(options),
        "seconds": result.seconds,
    }


def revert(service) -> tuple[str | None, list[str]]:
    """Back to the hand-tuned fusion: ACTIVE removed and every learned ranking deleted; returns (the active
    name, the deleted names)."""
    with exclusive(service.settings.data_dir):
        name, deleted = artefacts.deactivate(service.settings.data_dir)
    service.learned.reload()
    return name, deleted
