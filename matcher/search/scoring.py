"""Stage 2 of a match: every candidate's score, from its vectors, its BM25 and the style's fit.

The arithmetic of fusion lives in fusion.py (pure); this stage reads the candidates' stored vectors
(whole bio, every bio sentence, goals) and hands fusion.py plain arrays. A need of several sentences
(text/need.py need_parts) also has each sentence scored against every bio sentence, for fusion.coverage.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..index.state import IndexState
from ..profiles import MAX_PASSAGES
from ..styles.rules import Mentee, MentoringStyle
from . import fusion
from .candidates import CandidateRows
from .fusion import Candidates, Weights


@dataclass
class PassageSimilarities:
    """The need similarity of every bio sentence of the candidates, laid out row after row."""

    sims: np.ndarray  # all sentences' similarities, candidates' sentences one after the other
    starts: np.ndarray  # where each candidate's sentences start in `sims`
    counts: np.ndarray  # how many sentences each candidate has
    best: np.ndarray  # each candidate's best sentence similarity
    best_slot: np.ndarray  # the number of that sentence within its candidate's bio (the first best)

    def of(self, position: int) -> np.ndarray:
        """The similarities of candidate `position`'s sentences, in bio order."""
        start = self.starts[position]
        return self.sims[start : start + self.counts[position]]


def passage_similarities(sims: np.ndarray, counts: np.ndarray) -> PassageSimilarities:
    """Each candidate's best sentence, and which one it is, from the flat similarities of all sentences.

    Args:
        sims: need similarities of all sentences, `counts[0]` of the first candidate, then the next...
        counts: sentences per candidate (each at least 1).
    """
    counts = np.asarray(counts, dtype=np.int64)
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]]).astype(np.int64)
    slots = np.arange(counts.sum()) - np.repeat(starts, counts)  # sentence number within its bio
    best = np.maximum.reduceat(sims, starts)
    # The first slot holding its row's best (np.argmax's choice), for every row at once.
    first = np.where(sims == np.repeat(best, counts), slots, np.iinfo(np.int64).max)
    best_slot = np.minimum.reduceat(first, starts)
    return PassageSimilarities(sims, starts, counts, best.astype(np.float32, copy=False), best_slot)


@dataclass
class Signals:
    """What the scores are made of, per candidate (aligned arrays), for a learned ranking (matcher/learn)."""

    whole_need: np.ndarray  # cosine(need, whole bio)
    whole_phrase: np.ndarray  # best cosine(key phrase, whole bio); 0 without phrases
    whole: np.ndarray  # the need similarity of the whole bio (the blend of the two)
    passage: np.ndarray  # the need similarity of the best bio sentence
    coverage: np.ndarray  # how well the mentor answers each sentence of the need; 0 for a one-sentence need
    words: np.ndarray  # BM25 of the need's words, over the best candidate's
    items: np.ndarray  # BM25 of the need's list items, over the best candidate's
    relevance: np.ndarray  # the hand-tuned fusion of the above (fusion.relevance)
    item_share: float  # how much of the need is list items the profiles use (the lexical mix)
    n_parts: int  # the need's sentences (0: one sentence)
    n_phrases: int  # the need's key phrases


@dataclass
class Scored:
    """The candidates of one match with every part of their scores (aligned arrays)."""

    rows: np.ndarray
    ids: list[str]
    semantic: np.ndarray
    lexical: np.ndarray
    fit: np.ndarray
    reciprocal: np.ndarray | None  # two-way: how well the mentee's offer fits each candidate's goals
    scores: np.ndarray
    passages: PassageSimilarities
    # The order's own scores and who sinks below the rest (search/responsiveness.py); None: `scores` alone.
    # Never shown: a match answer gives `scores`.
    rank_scores: np.ndarray | None = None
    sunk: np.ndarray | None = None
    signals: Signals | None = None

    def order(self) -> list[int]:
        """Candidate positions, best first, ties by profile id (the same request gives the same order)."""
        return fusion.order(self.scores if self.rank_scores is None else self.rank_scores, self.ids, self.sunk)


def score(
    state: IndexState,
    candidates: CandidateRows,
    query: np.ndarray,
    weights: Weights,
    style: MentoringStyle,
    mentee: Mentee,
    mentee_vector: np.ndarray | None = None,
    part_vectors: np.ndarray | None = None,
    with_signals: bool = False,
) -> Scored:
    """Score every candidate (call it holding `state.lock` for reading).

    Args:
        query: (1 + n phrases, dim): the whole need's vector, then its key phrases'.
        mentee_vector: two-way only, what the mentee offers.
        part_vectors: (n parts, dim), the need's sentences (text/need.py need_parts) when it has several:
            each candidate's coverage of them joins its semantic score (fusion.coverage). None: no parts.
        with_signals: keep every part of the scores apart (Scored.signals), for a learned ranking.
    """
    rows = candidates.rows
    whole_sims = state.offers.vectors(rows) @ query.T
    whole = fusion.need_similarity(whole_sims, weights.phrase_weight)
    counts = np.maximum(state.catalog.n_passages[rows].astype(np.int64), 1)
    passage_ids = np.repeat(rows * MAX_PASSAGES, counts) + (
        np.arange(counts.sum()) - np.repeat(np.concatenate([[0], np.cumsum(counts)[:-1]]), counts)
    )
    passage_vectors = state.passages.vectors(passage_ids)
    passages = passage_similarities(fusion.need_similarity(passage_vectors @ query.T, weights.phrase_weight), counts)
    coverage = None
    if part_vectors is not None and len(part_vectors):
        coverage = fusion.coverage(passage_vectors @ part_vectors.T, passages.starts)
    ids = [state.catalog.ids[r] for r in rows.tolist()]
    parts = Candidates(
        ids,
        whole,
        passages.best,
        np.array([candidates.lexical.get(r, 0.0) for r in rows.tolist()], dtype=np.float32),
        coverage,
    )
    passage_weight = min(1.0, weights.passage_weight + style.passage_boost)
    relevance, semantic, lexical = fusion.relevance(parts, weights, passage_weight)
    reciprocal = None
    if mentee_vector is not None:
        has_goals = state.catalog.has_goals[rows]
        reciprocal = np.zeros(len(rows), dtype=np.float32)
        if has_goals.any():
            reciprocal[has_goals] = np.clip(state.goals.vectors(rows[has_goals]) @ mentee_vector, 0, 1)
    fit = style.fit(state.catalog, rows, mentee, reciprocal)
    scores = fusion.final_scores(relevance, fit, weights.style_weight * style.style_weight, reciprocal)
    if not with_signals:
        return Scored(rows, ids, semantic, lexical, fit, reciprocal, scores, passages)
    n = len(rows)
    hits = candidates.hits
    words, items = np.zeros(n, dtype=np.float32), np.zeros(n, dtype=np.float32)
    if len(hits.rows):  # each candidate's place among BM25's hits (the hits are sorted by score, not row)
        by_row = np.argsort(hits.rows)
        at = np.clip(np.searchsorted(hits.rows, rows, sorter=by_row), 0, len(hits.rows) - 1)
        hit = by_row[at]
        found = hits.rows[hit] == rows
        words[found], items[found] = hits.words[hit[found]], hits.items[hit[found]]
    signals = Signals(
        whole_need=whole_sims[:, 0].astype(np.float32),
        whole_phrase=(whole_sims[:, 1:].max(axis=1) if whole_sims.shape[1] > 1 else np.zeros(n)).astype(np.float32),
        whole=whole,
        passage=passages.best,
        coverage=np.zeros(n, dtype=np.float32) if coverage is None else coverage,
        words=fusion.scaled(words),
        items=fusion.scaled(items),
        relevance=relevance,
        item_share=hits.share,
        n_parts=0 if part_vectors is None else len(part_vectors),
        n_phrases=query.shape[0] - 1,
    )
    return Scored(rows, ids, semantic, lexical, fit, reciprocal, scores, passages, signals=signals)
