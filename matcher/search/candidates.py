"""Stage 1 of a match: the candidate mentors, from every retrieval that can bring a good one.

Among the eligible mentors (the style's mask, applied inside every search):
- the nearest whole bios to the need's vector (dense),
- the mentors owning the nearest bio sentences (dense; 2k sentences, fewer IVF lists searched: every
  candidate's sentences are scored exactly in stage 2),
- BM25 on the need's words (lexical),
- in dense mode only, the nearest bios to each key phrase (in hybrid mode BM25 brings those),
- in two-way, the mentors whose goals are nearest to what the mentee offers,
- with a learned ranking, the mentors that mentees with the nearest needs chose before (matcher/learn).
BM25 and the sentence search run on pool threads while the calling thread searches the whole bios.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent import futures
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import numpy as np

from ..index.lexical import LexicalHits
from ..index.state import IndexState
from ..profiles import MAX_PASSAGES


@dataclass(frozen=True)
class RetrievalSettings:
    """How wide each retrieval casts its net."""

    candidates: int = 100  # per search (at least 4x the answer's limit)
    phrase_candidates: int = 50  # per key phrase, dense mode only
    passage_nprobe: int = 32  # IVF lists searched for the bio sentences (0: the index's own)


@dataclass
class CandidateRows:
    """The candidates of one match: row ids (unique, in the order found) and the BM25 score of those BM25 found
    (`hits`: BM25's hits with their words' and list items' parts apart)."""

    rows: np.ndarray
    lexical: dict[int, float]
    hits: LexicalHits = field(default_factory=LexicalHits.none)


def retrieve(
    state: IndexState,
    pool: ThreadPoolExecutor,
    settings: RetrievalSettings,
    retrieval: str,
    need: str,
    need_vector: np.ndarray,
    mask: np.ndarray,
    limit: int,
    phrase_vectors: Callable[[], np.ndarray] | None = None,
    mentee_vector: np.ndarray | None = None,
    extra: Callable[[], np.ndarray] | None = None,
) -> CandidateRows:
    """Gather the candidates of a match (call it holding `state.lock` for reading).

    Args:
        retrieval: "dense", "lexical" or "hybrid".
        need: the cleaned need text (for BM25); need_vector: its unit vector (dim,).
        mask: eligibility over row ids (the style's rule and the caller's filters).
        limit: how many mentors the answer holds.
        phrase_vectors: the key phrases' vectors, when the caller has them coming (dense mode searches each).
        mentee_vector: what a two-way mentee offers (their partners' goals are searched with it).
        extra: gives more candidate rows, already eligible (the learned ranking's: what similar needs chose),
            asked for once the searches are done.
    """
    k = max(settings.candidates, limit * 4)
    dense = retrieval in ("dense", "hybrid")
    found: dict[int, None] = {}
    lexical_search = (
        pool.submit(state.lexical.search_fields, need, k, mask) if retrieval in ("lexical", "hybrid") else None
    )
    passage_search = (
        pool.submit(state.passages.search, need_vector, 2 * k, mask, settings.passage_nprobe) if dense else None
    )
    try:
        if dense:
            _, ids = state.offers.search(need_vector, k, mask)
            found.update(dict.fromkeys(ids.tolist()))
        if retrieval == "dense" and phrase_vectors is not None:
            # Without BM25, mentors that a single key phrase names need searches of their own. In
            # hybrid mode BM25 brings them: there the phrase searches (one exact scan each) moved
            # nDCG@10 on the dev set by 0.0004 and cost more than the rest of the match.
            for phrase in phrase_vectors():
                _, ids = state.offers.search(phrase, settings.phrase_candidates, mask)
                found.update(dict.fromkeys(ids.tolist()))
    finally:
        # They read the state: done before the caller lets go of its read lock, even on an error.
        futures.wait([f for f in (lexical_search, passage_search) if f is not None])
    if passage_search is not None:
        _, passage_ids = passage_search.result()
        found.update(dict.fromkeys((passage_ids // MAX_PASSAGES).tolist()))
    hits = LexicalHits.none()
    lexical: dict[int, float] = {}
    if lexical_search is not None:
        hits = lexical_search.result()
        lexical = dict(zip(hits.rows.tolist(), hits.scores.tolist()))
        found.update(dict.fromkeys(lexical))
    if mentee_vector is not None:
        _, goal_ids = state.goals.search(mentee_vector, k, mask)
        found.update(dict.fromkeys(goal_ids.tolist()))
    if extra is not None:
        found.update(dict.fromkeys(extra().tolist()))
    live = [row for row in found if row in state.catalog.ids]
    return CandidateRows(np.array(live, dtype=np.int64), lexical, hits)
