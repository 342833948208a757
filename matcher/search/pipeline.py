"""MatchPipeline: a match request in, ranked mentors with their reasons out, stage by stage.

    request ─► mentee (mentees.py) ─► need, key phrases and parts (text/need.py), encoded
            ─► eligibility mask (styles/rules.py) ─► candidates (candidates.py) ─► scores (scoring.py)
            ─► the best `limit`, explained (explain.py)

The key phrases (and, for a need of several sentences, each sentence: text/need.py need_parts) are encoded on
a pool thread while this thread encodes the need and searches: on two cores that takes the phrases'
model time, the largest cost beyond the need's own vector, off the critical path. The time budget is
checked between stages.

The need and its phrases go through the query cache the caller passes (`cache`): the caller's own
partition, a programme run's private one, or none (querycache.py: nobody may time another's needs).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Collection
from concurrent import futures
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from typing import Any, Protocol

import numpy as np

from ..errors import InvalidInput
from ..index.state import IndexState
from ..model.embedder import Embedder
from ..model.querycache import Partition
from ..profiles import Profile
from ..store import ProfileStore
from ..styles.rules import Filters, Mentee, eligible, get_style
from ..text.need import need_parts, query_texts
from .budget import Budget
from .candidates import RetrievalSettings, retrieve
from .explain import explain
from .fusion import Weights
from .mentees import resolve_mentee
from .request import MatchRequest, Trust
from .responsiveness import BetaPrior, ResponsivenessSettings, adjust, fit_prior
from .scoring import Scored, score

log = logging.getLogger("matcher.search")


@dataclass(frozen=True)
class QuerySettings:
    """How a need becomes query vectors: its key phrases (text/need.py need_phrases)."""

    phrase_words: int = 2
    max_phrases: int = 64


class Reranker(Protocol):
    """A learned ranking (matcher/learn): candidates from what similar needs chose, then its own scores."""

    def votes(self, need: np.ndarray, state: IndexState) -> Any:
        """What the past needs nearest to `need` say (an object with `top()`: more candidate rows)."""

    def rescore(self, scored: Scored, votes: Any) -> None:
        """Replace `scored.scores` with the learned ranking's (or only look at the candidates, in training)."""


@dataclass
class Ranked:
    """Every candidate of one match, scored and ordered, before any is explained."""

    request: MatchRequest
    mentee: Mentee
    scored: Scored | None  # None: nobody eligible
    order: list[int]  # candidate positions, best first
    eligible: int  # how many mentors the style and filters allowed


class MatchPipeline:
    """Runs matches against an IndexState.

    Args:
        store: read for the returned mentors' profiles and a stored mentee.
        embedder: encodes needs and key phrases.
        weights, retrieval, query: the ranking settings.
        pool: threads for the side work of a match (key phrases, BM25, the sentence search).
        responsiveness: how mentors' response rates and inactivity weigh (responsiveness.py).
    """

    PRIOR_SECONDS = 60.0  # the response-rate prior is fitted again at most this often (it moves slowly)

    def __init__(
        self,
        store: ProfileStore,
        embedder: Embedder,
        weights: Weights,
        retrieval: RetrievalSettings,
        query: QuerySettings,
        pool: ThreadPoolExecutor,
        responsiveness: ResponsivenessSettings = ResponsivenessSettings(),
    ):
        self.store = store
        self.embedder = embedder
        self.weights = weights
        self.retrieval = retrieval
        self.query = query
        self.pool = pool
        self.responsiveness = responsiveness
        self._prior_lock = threading.Lock()
        self._prior: tuple[float, BetaPrior | None] | None = None  # (fitted at, prior)

    def rank(
        self,
        request: MatchRequest,
        state: IndexState,
        trust: Trust = "full",
        retrieval: str | None = None,
        budget: Budget | None = None,
        pool_ids: Collection[str] | None = None,
        cache: Partition | None = None,
        reranker: Reranker | None = None,
    ) -> Ranked:
        """Every eligible candidate of a request, scored and ordered.

        Args:
            pool_ids: only these profiles may be candidates (a programme's mentor pool); None: everyone.
            cache: where the need and its phrases' vectors are looked up and kept: the caller's partition
                of the query cache, a private one, or None for nowhere (Embedder.encode_queries).
            reranker: a learned ranking (matcher/learn): it adds candidates and scores them; None: the
                hand-tuned fusion alone.

        Raises:
            InvalidInput: a mentee field the style needs is missing, or `mentee.id` names nobody usable.
            BudgetExceeded: the budget ran out between stages.
        """
        budget = budget or Budget()
        mentee = resolve_mentee(request.mentee, self.store, state.catalog, trust)
        style = get_style(request.style)
        problems = style.requirements(mentee)
        if problems:
            raise InvalidInput(problems)
        weights = self.weights if retrieval is None else replace(self.weights, retrieval=retrieval)
        with_phrases = weights.phrase_weight > 0 and weights.retrieval != "lexical"
        texts = query_texts(request.need, self.query.phrase_words if with_phrases else 0, self.query.max_phrases)
        with_parts = weights.coverage_weight > 0 and weights.retrieval != "lexical"
        parts = need_parts(texts[0]) if with_parts else []
        extra = texts[1:] + parts  # key phrases, then parts: one model call on the pool thread
        encoded = self.pool.submit(self._phrase_vectors, state, extra, cache) if extra else None
        n_phrases = len(texts) - 1

        def phrase_vectors() -> np.ndarray:
            return encoded.result()[:n_phrases]

        need_vector = self.embedder.encode_queries(texts[:1], cache)
        mentee_vector = self._offers_vector(mentee) if style.mutual else None
        budget.check("after encoding the need")
        # "Never again": mentors who declined this mentee, or whom they found not_a_fit (matcher/relationships).
        never = self.store.never_again(mentee.id) if mentee.id else set()
        with state.lock.read():
            mask = eligible(request.style, state.catalog, mentee, self._filters(request, state, pool_ids, never))
            if not mask.any():
                return Ranked(request, mentee, None, [], 0)
            # The learned ranking's votes are counted on a pool thread while the searches run; their mentors
            # join the candidates at the end of retrieve (waited for before the read lock is let go).
            voting = self.pool.submit(reranker.votes, need_vector[0], state) if reranker is not None else None

            def voted_rows() -> np.ndarray:
                rows = voting.result().top()
                rows = rows[rows < len(mask)]
                return rows[mask[rows]]

            try:
                candidates = retrieve(
                    state,
                    self.pool,
                    self.retrieval,
                    weights.retrieval,
                    texts[0],
                    need_vector[0],
                    mask,
                    request.limit,
                    phrase_vectors if n_phrases else None,
                    mentee_vector,
                    voted_rows if voting is not None else None,
                )
            finally:
                if voting is not None:
                    futures.wait([voting])
            if not len(candidates.rows):
                return Ranked(request, mentee, None, [], int(mask.sum()))
            query = np.vstack([need_vector, phrase_vectors()]) if n_phrases else need_vector
            part_vectors = encoded.result()[n_phrases:] if parts else None
            scored = score(
                state,
                candidates,
                query,
                weights,
                style,
                mentee,
                mentee_vector,
                part_vectors,
                with_signals=reranker is not None,
            )
            if reranker is not None:
                reranker.rescore(scored, voting.result())
        self._weigh_responsiveness(scored)  # after a learned ranking: it adjusts the scores the order is made of
        return Ranked(request, mentee, scored, scored.order(), int(mask.sum()))

    def _weigh_responsiveness(self, scored: Scored) -> None:
        """Set the order's own scores from the candidates' response records (one read, candidates only)."""
        settings = self.responsiveness
        if settings.weight <= 0 and settings.inactive_days <= 0:
            return
        now = time.time()
        records = self.store.responses(scored.ids, now)
        if records:
            scored.rank_scores, scored.sunk = adjust(scored.scores, scored.ids, records, self.prior(now), settings, now)

    def prior(self, now: float | None = None) -> BetaPrior | None:
        """The response-rate prior over every mentor, fitted again when PRIOR_SECONDS have passed."""
        now = time.time() if now is None else now
        with self._prior_lock:
            if self._prior is None or now - self._prior[0] >= self.PRIOR_SECONDS:
                self._prior = (now, fit_prior(self.store.response_counts(now)))
            return self._prior[1]

    def forget_prior(self) -> None:
        """Fit the prior again at the next match (after many answers at once: a simulation, a test)."""
        with self._prior_lock:
            self._prior = None

    def answer(self, ranked: Ranked, limit: int | None = None) -> list[dict[str, Any]]:
        """The best `limit` (default: the request's) candidates, each explained."""
        if ranked.scored is None:
            return []
        top = ranked.order[: limit or ranked.request.limit]
        profiles = self.store.get_many([int(ranked.scored.rows[i]) for i in top])
        style = get_style(ranked.request.style)
        matches = []
        for position in top:
            mentor = profiles.get(int(ranked.scored.rows[position]))
            if mentor is not None:  # None: deleted while we ranked
                matches.append(explain(ranked.scored, position, mentor, style, ranked.mentee))
        return matches

    def run(
        self,
        request: MatchRequest,
        state: IndexState,
        trust: Trust = "full",
        retrieval: str | None = None,
        budget: Budget | None = None,
        cache: Partition | None = None,
        reranker: Reranker | None = None,
    ) -> dict[str, Any]:
        """A whole match: {"matches", "style", "took_ms"} (see MatchService.match; `cache`, `reranker` as in rank)."""
        budget = budget or Budget()
        ranked = self.rank(request, state, trust, retrieval, budget, cache=cache, reranker=reranker)
        matches = self.answer(ranked)
        budget.check("after ranking")
        took = budget.elapsed_ms
        log.info(
            "match style=%s mentee=%s limit=%d returned=%d eligible=%d took_ms=%.1f",
            request.style,
            ranked.mentee.id or "-",
            request.limit,
            len(matches),
            ranked.eligible,
            took,
        )
        return {"matches": matches, "style": request.style, "took_ms": round(took, 2)}

    def explain(self, ranked: Ranked, position: int, mentor: Profile) -> dict[str, Any]:
        """The candidate at `position` of a ranking as one match of an answer (see explain.py)."""
        return explain(ranked.scored, position, mentor, get_style(ranked.request.style), ranked.mentee)

    @staticmethod
    def _filters(
        request: MatchRequest, state: IndexState, pool_ids: Collection[str] | None = None, never: Collection[str] = ()
    ) -> Filters:
        row_of = state.catalog.row_of
        excluded = {*request.filters.exclude_ids, *never}
        return Filters(
            tuple(request.filters.languages),
            request.filters.virtual_only,
            tuple(request.filters.departments),
            frozenset(row_of[i] for i in excluded if i in row_of),
            None if pool_ids is None else frozenset(row_of[i] for i in pool_ids if i in row_of),
        )

    def _phrase_vectors(self, state: IndexState, phrases: list[str], cache: Partition | None) -> np.ndarray:
        """The key phrases' (and need parts') vectors: from the generation's phrase book (shared: it holds
        phrases of the mentors' bios, no caller's), the rest through the need's own cache."""
        if state.phrase_book is None:
            return self.embedder.encode_queries(phrases, cache)
        return state.phrase_book.vectors_for(phrases, lambda missing: self.embedder.encode_queries(missing, cache))

    def _offers_vector(self, mentee: Mentee) -> np.ndarray:
        """What a two-way mentee offers: their stored embedding when it is their stored bio, else their
        inline bio encoded without the query cache (it is theirs, not a need)."""
        if mentee.stored_offers:
            stored = self.store.embeddings([mentee.row_id], self.embedder.dim).get(mentee.row_id)
            if stored is not None and stored.model_key == self.embedder.key:
                return stored.offers
        return self.embedder.encode_uncached([mentee.bio])[0]
