"""Ranking: fuse semantic, lexical and style-fit scores into one order, deterministically.

Pure: numpy and plain data. The service gathers the candidate scores; this module decides.

- need similarity of a text = (1 - phrase_weight) * cosine(whole need, text)
                              + phrase_weight * max over the need's key phrases of cosine(phrase, text)
  (text/need.py need_phrases: a need naming several topics is answered by a mentor strong in one of them)
- semantic = (1 - passage_weight) * need similarity(whole bio) + passage_weight * need similarity(best passage);
  for a need of several sentences (text/need.py need_parts), blended with how well the mentor answers each:
  (1 - coverage_weight) * that + coverage_weight * coverage, where coverage = the mean over the need's
  sentences of the sentence's best cosine among the mentor's passages (see coverage())
- lexical  = BM25 / the best BM25 among the candidates (BM25 has no absolute scale)
- relevance, by `retrieval`:
    dense:   semantic
    lexical: lexical
    hybrid:  fusion "convex": (1 - lexical_weight) * semantic + lexical_weight * lexical
             fusion "rrf":    reciprocal rank fusion, 1/(k + rank) summed over both lists (1-based ranks),
                              rescaled so that first in both lists is 1
- score = (1 - style_weight) * relevance + style_weight * fit; for two-way, the harmonic mean of the
  relevance and the reciprocal match, so both directions must be good.
Ties are broken by profile id, so the same request always gives the same order.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

RETRIEVAL_MODES = ("dense", "lexical", "hybrid")
FUSIONS = ("convex", "rrf")


@dataclass
class Candidates:
    """Score parts of each candidate mentor, aligned arrays."""

    ids: list[str]
    whole: np.ndarray  # cosine(need, whole offers text)
    passage: np.ndarray  # cosine(need, best passage)
    lexical: np.ndarray  # raw BM25 (0 when the words do not occur)
    coverage: np.ndarray | None = None  # see coverage(); None when the need has a single part


@dataclass(frozen=True)
class Weights:
    """The knobs of ranking (defaults chosen on the dev set, see README)."""

    retrieval: str = "hybrid"
    fusion: str = "convex"
    passage_weight: float = 0.25
    lexical_weight: float = 0.1
    rrf_k: int = 60
    style_weight: float = 0.15
    phrase_weight: float = 0.5
    coverage_weight: float = 0.75


def need_similarity(sims: np.ndarray, phrase_weight: float) -> np.ndarray:
    """Blend, per text, the cosine with the whole need (column 0) and with its best key phrase (the rest).

    Args:
        sims: (n texts, 1 + n phrases) cosines; with no phrase column, the whole-need cosine alone.
    """
    if sims.ndim == 1:
        sims = sims[:, None]
    if sims.shape[1] == 1 or phrase_weight <= 0:
        return sims[:, 0].astype(np.float32)
    return ((1.0 - phrase_weight) * sims[:, 0] + phrase_weight * sims[:, 1:].max(axis=1)).astype(np.float32)


def coverage(part_sims: np.ndarray, starts: np.ndarray) -> np.ndarray:
    """How well each mentor answers every part of a need: the mean over the parts of each part's best
    cosine among the mentor's passages.

    Args:
        part_sims: (passages of every mentor, one mentor's after the other; n parts) cosines.
        starts: the first row of each mentor's passages in part_sims.

    Returns:
        (n mentors,) float32.
    """
    return np.maximum.reduceat(part_sims, starts, axis=0).mean(axis=1).astype(np.float32)


def semantic_scores(c: Candidates, passage_weight: float, coverage_weight: float = 0.0) -> np.ndarray:
    """Blend of whole-bio and best-passage cosine (and, for a need of several parts, of its coverage),
    clipped to [0, 1]."""
    blend = (1.0 - passage_weight) * c.whole + passage_weight * c.passage
    if c.coverage is not None and coverage_weight > 0:
        blend = (1.0 - coverage_weight) * blend + coverage_weight * c.coverage
    return np.clip(blend, 0.0, 1.0).astype(np.float32)


def lexical_scores(c: Candidates) -> np.ndarray:
    """BM25 scaled by the best candidate's BM25, in [0, 1]."""
    return scaled(c.lexical)


def scaled(values: np.ndarray) -> np.ndarray:
    """Non-negative scores over the best of them, in [0, 1] (all 0 when none is above 0)."""
    top = float(values.max()) if len(values) else 0.0
    if top <= 0:
        return np.zeros(len(values), dtype=np.float32)
    return np.clip(values / top, 0.0, 1.0).astype(np.float32)


def ranks(values: np.ndarray, present: np.ndarray | None = None) -> np.ndarray:
    """1-based rank of each value, highest first (ties by position); inf where not present."""
    order = np.argsort(-values, kind="stable")
    out = np.empty(len(values), dtype=np.float64)
    out[order] = np.arange(1, len(values) + 1)
    if present is not None:
        out[~present] = np.inf
    return out


def relevance(
    c: Candidates, w: Weights, passage_weight: float | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(relevance, semantic, lexical) per candidate, each in [0, 1]."""
    semantic = semantic_scores(c, w.passage_weight if passage_weight is None else passage_weight, w.coverage_weight)
    lexical = lexical_scores(c)
    if w.retrieval == "dense":
        return semantic, semantic, lexical
    if w.retrieval == "lexical":
        return lexical, semantic, lexical
    if w.fusion == "rrf":
        fused = 1.0 / (w.rrf_k + ranks(semantic)) + 1.0 / (w.rrf_k + ranks(lexical, c.lexical > 0))
        return (fused * (w.rrf_k + 1) / 2.0).astype(np.float32), semantic, lexical
    fused = (1.0 - w.lexical_weight) * semantic + w.lexical_weight * lexical
    return fused.astype(np.float32), semantic, lexical


def harmonic_mean(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """2ab / (a + b), 0 where both are 0."""
    a = np.clip(a, 0, None)
    b = np.clip(b, 0, None)
    total = a + b
    return np.where(total > 0, 2 * a * b / np.where(total > 0, total, 1), 0).astype(np.float32)


def final_scores(
    rel: np.ndarray, fit: np.ndarray, style_weight: float, reciprocal: np.ndarray | None = None
) -> np.ndarray:
    """Combine relevance with style fit; with `reciprocal` (two-way), take the harmonic mean instead."""
    if reciprocal is not None:
        return harmonic_mean(rel, reciprocal)
    return ((1.0 - style_weight) * rel + style_weight * fit).astype(np.float32)


def order(scores: np.ndarray, ids: list[str], sunk: np.ndarray | None = None) -> list[int]:
    """Candidate positions sorted by score (highest first, to 6 decimals), ties by profile id; with `sunk`,
    every sunk candidate after every other (each group in that order)."""
    if not ids:
        return []
    keys = (np.array(ids), -np.round(scores.astype(np.float64), 6))
    return np.lexsort(keys if sunk is None else (*keys, sunk.astype(np.int8))).tolist()


def evidence(
    passages: list[str], passage_scores: np.ndarray, best: int, margin: float = 0.05, most: int = 2
) -> list[str]:
    """The passage that drove the rank first, then any other within `margin` of it (at most `most`)."""
    if not passages:
        return []
    chosen = [best]
    for i in np.argsort(-passage_scores, kind="stable"):
        if len(chosen) >= most:
            break
        if int(i) != best and passage_scores[i] >= passage_scores[best] - margin:
            chosen.append(int(i))
    return [passages[i] for i in chosen]
