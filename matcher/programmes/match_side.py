"""What programmes need of the match side, and nothing more: rank a member's candidates, explain one, encode
texts, and two facts of the index (a person's passages, a mentor's places).

`MatchSide` is the interface; `PipelineMatchSide` is the one implementation, over a MatchService, given to
the ProgrammeService where the service is assembled (MatchService.programmes). It is the only programme
code that knows the match pipeline's types: the rest sees plain ids, scores, sentences and vectors.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np

from ..model.querycache import QueryCache
from ..profiles import MAX_PASSAGES, offers_text, profile_passages
from ..search.request import MatchRequest

if TYPE_CHECKING:
    from ..index.state import IndexState
    from ..service import MatchService


@dataclass(frozen=True)
class Candidates:
    """One member's candidates, best first: mentor ids and their match scores in [0, 1].

    `ranking` is the match side's own record of the ranking, passed back to `MatchSide.explain`.
    """

    ids: tuple[str, ...]
    scores: tuple[float, ...]
    ranking: Any = None


@dataclass(frozen=True)
class Ask:
    """What a programme asks the match side for one member."""

    need: str
    style: str
    mentee: dict  # {"id": profile id} or an inline mentee's description
    limit: int
    departments: Sequence[str] = ()
    exclude_ids: Sequence[str] = ()
    pool_ids: Sequence[str] | None = None  # only these may be candidates; None: everyone eligible


class MatchSide(Protocol):
    """The match side as programmes see it."""

    def private(self) -> AbstractContextManager[None]:
        """A piece of work (a run, a pin) whose members' needs and topics are encoded through a cache of its
        own, emptied when it ends: never one a caller could time (SECURITY.md "The query cache")."""

    def refresh(self) -> None:
        """Catch up with the store: the rankings, passages and places that follow see every change so far."""

    def rank(self, ask: Ask) -> Candidates:
        """The member's best `ask.limit` candidates under the style's rules (InvalidInput: a field the style
        needs is missing, or the mentee names nobody usable)."""

    def explain(self, candidates: Candidates, mentor_id: str) -> tuple[str, ...]:
        """The sentences of the mentor's own bio that back this candidate (none if not among them)."""

    def encode(self, texts: list[str]) -> np.ndarray:
        """Unit vectors of short texts (topics), as a need's phrases are encoded."""

    def passages(self, profile_id: str | None) -> tuple[list[str], np.ndarray]:
        """A person's passages (their bio, sentence by sentence) and their stored vectors."""

    def places(self, mentor_ids: Sequence[str], flash: bool) -> dict[str, int]:
        """Each mentor's free places: long-term capacity left, or (flash) flash hours a month."""


class PipelineMatchSide:
    """`MatchSide` over a MatchService: its pipeline (with an admin's full trust), embedder and index."""

    def __init__(self, service: MatchService):
        self.service = service
        self._state: IndexState | None = None
        self._work = threading.local()  # this thread's private cache, while a piece of work runs

    @contextmanager
    def private(self) -> Iterator[None]:
        with QueryCache.private(self.service.settings.query_cache_size) as cache:
            self._work.cache = cache
            try:
                yield
            finally:
                self._work.cache = None

    @property
    def _cache(self):
        """The private cache of the work under way in this thread; None (nothing kept) outside one."""
        return getattr(self._work, "cache", None)

    def refresh(self) -> None:
        self._state = self.service.refresh()

    @property
    def state(self) -> IndexState:
        if self._state is None:
            self.refresh()
        return self._state  # type: ignore[return-value]

    def rank(self, ask: Ask) -> Candidates:
        request = MatchRequest.model_validate(
            {
                "need": ask.need,
                "style": ask.style,
                "mentee": ask.mentee,
                "limit": ask.limit,
                "filters": {"departments": list(ask.departments), "exclude_ids": list(ask.exclude_ids)[:1000]},
            }
        )
        ranked = self.service.pipeline.rank(
            request,
            self.state,
            trust="full",
            pool_ids=None if ask.pool_ids is None else list(ask.pool_ids),
            cache=self._cache,
            reranker=self.service.reranker(),  # the learned ranking, when one was adopted (matcher/learn)
        )
        if ranked.scored is None:
            return Candidates((), (), ranked)
        top = ranked.order[: ask.limit]
        return Candidates(
            tuple(ranked.scored.ids[i] for i in top),
            tuple(float(np.clip(ranked.scored.scores[i], 0, 1)) for i in top),
            ranked,
        )

    def explain(self, candidates: Candidates, mentor_id: str) -> tuple[str, ...]:
        from ..search.explain import evidence

        ranked = candidates.ranking
        if ranked is None or ranked.scored is None or mentor_id not in ranked.scored.ids:
            return ()
        stored = self.service.store.get(mentor_id)
        if stored is None:
            return ()
        return tuple(evidence(ranked.scored, ranked.scored.ids.index(mentor_id), stored.profile))

    def encode(self, texts: list[str]) -> np.ndarray:
        return self.service.embedder.encode_queries(texts, self._cache)

    def passages(self, profile_id: str | None) -> tuple[list[str], np.ndarray]:
        stored = self.service.store.get(profile_id) if profile_id else None
        if stored is None:
            return [], np.zeros((0, self.service.embedder.dim), np.float32)
        sentences = profile_passages(stored.profile) or [offers_text(stored.profile)]
        state = self.state
        row = stored.row_id
        count = int(state.catalog.n_passages[row]) if row < state.catalog.size else 0
        count = max(1, min(count, len(sentences)))
        with state.lock.read():
            vectors = state.passages.vectors(row * MAX_PASSAGES + np.arange(count, dtype=np.int64))
        return sentences[:count], vectors

    def places(self, mentor_ids: Sequence[str], flash: bool) -> dict[str, int]:
        catalog = self.state.catalog
        free = catalog.flash_hours if flash else catalog.capacity  # capacity: less every published pair already
        return {mentor: int(free[row]) for mentor in mentor_ids if (row := catalog.row_of.get(mentor)) is not None}
