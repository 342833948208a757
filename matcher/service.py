"""MatchService: the one façade over the store, the embedder and the indexes.

The Flask app, the CLI, the programmes and the scripts call it; none of them touches FAISS or the
store's database directly. It delegates to parts a newcomer can read alone:

    store/                  the source of truth (ProfileStore: SQLite by default; open_store picks it)
    importing/importer.py   profiles in: validate, embed what changed, store
    index/lifecycle.py      this process's indexes: open, catch up, swap in, re-index, checkpoint
    search/                 a match, stage by stage: mentee, candidates, scores, explanation
    programmes/             whole cohorts paired at once, reviewed, published (the `programmes` attribute)
    relationships/          introductions, relationships, sessions, pairing fit (the `relationships` attribute)
    insights/               the skills map: demand and supply by topic (the `insights` attribute)
    learn/                  the ranking fitted to the outcome log (`mentor-match learn`), when one was adopted

Below the class, three functions reach the store alone, without loading the model, for the CLI's
`keys`, `backup` and `migrate`.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from threadpoolctl import threadpool_limits

from . import metrics
from .config import Settings
from .errors import BudgetExceeded, FieldError, InvalidInput
from .files import private_data_dir
from .importing.importer import Importer, ImportReport
from .index import Generations, set_search_threads
from .index.lifecycle import IndexLifecycle, IndexSettings
from .index.state import IndexState
from .keys import KeyRing
from .learn.active import LearnedRankings
from .model.batch import EmbeddingEngine
from .model.embedder import Embedder
from .model.querycache import Partition
from .profiles import Profile, parse_profile
from .search import MatchPipeline, QuerySettings, Ranked, RetrievalSettings
from .search.budget import Budget
from .search.fusion import Weights
from .search.request import MatchRequest, Trust, parse_match_request
from .search.responsiveness import ResponsivenessSettings
from .store import ProfileStore, describe_store, migrate_store, open_store

if TYPE_CHECKING:
    from .insights import InsightsService
    from .programmes.service import ProgrammeService
    from .relationships.service import RelationshipService

log = logging.getLogger("matcher.service")

MATCH_THREADS = 16  # pool threads for the side work of matches (key phrases, BM25, the sentence search)


class MatchService:
    """Match needs to mentors, and keep profiles and indexes in step.

    Args:
        settings: see config.Settings.
        embedder: an Embedder to share (tests pass one so the model loads once).
    """

    def __init__(self, settings: Settings | None = None, embedder: Embedder | None = None):
        self.settings = settings or Settings.from_env()
        data_dir = private_data_dir(self.settings.data_dir)
        self.store: ProfileStore = open_store(self.settings)
        self.embedder = embedder or Embedder.from_settings(self.settings)
        set_search_threads(self.settings.search_threads)
        # numpy's BLAS: one thread. A match multiplies a few hundred vectors at a time, where a BLAS
        # thread team costs more than it gains and contends with ONNX Runtime and FAISS for the cores.
        threadpool_limits(1, user_api="blas")
        self.generations = Generations(data_dir / "index")
        self.insights.files.tighten()  # the skills map's files, like the index's, are owner-only
        s = self.settings
        self.index = IndexLifecycle(
            self.store,
            self.embedder,
            self.generations,
            IndexSettings(
                s.ann_threshold, s.ann_nprobe, s.phrase_book_size if s.phrase_weight > 0 else 0, s.phrase_words
            ),
        )
        self._pool = ThreadPoolExecutor(max_workers=MATCH_THREADS, thread_name_prefix="matcher-match")
        self.pipeline = MatchPipeline(
            self.store,
            self.embedder,
            Weights(
                s.retrieval,
                s.fusion,
                s.passage_weight,
                s.lexical_weight,
                s.rrf_k,
                s.style_weight,
                s.phrase_weight,
                s.coverage_weight,
            ),
            RetrievalSettings(s.candidates, s.phrase_candidates, s.passage_nprobe),
            QuerySettings(s.phrase_words, s.max_phrases),
            self._pool,
            ResponsivenessSettings(s.responsiveness_weight, s.inactive_days),
        )
        # The ranking `mentor-match learn` adopted, if any (matcher/learn): used by every match from then on.
        self.learned = LearnedRankings(self.store, self.embedder, data_dir)

    # -- index lifecycle (index/lifecycle.py) -------------------------------------------------------

    @property
    def ready(self) -> bool:
        """True once an index is loaded in this process."""
        return self.index.ready

    def open(self, progress: bool = False) -> MatchService:
        """Load the current index generation, or rebuild it from the store when it is missing,
        stale, corrupt or built by another model. Returns self."""
        self.index.open(progress)
        return self

    def refresh(self) -> IndexState:
        """The current index state, caught up with the store (see IndexLifecycle.current), and with the places
        that pending requests which expired since free (relationships.service: costs nothing when none has)."""
        state = self.index.current()
        if self.relationships.expiry_due(state.seq):
            try:
                self.relationships.expire_due()
            except Exception:  # a store that cannot be written now: the match goes on, the next one tries again
                log.warning("expiring requests failed", exc_info=True)
            state = self.index.current()
        return state

    def reindex(self, progress: bool = False, engine: EmbeddingEngine | None = None) -> dict[str, Any]:
        """Rebuild the indexes from the store as a new generation and switch to it (IndexLifecycle.reindex).

        Args:
            engine: fills in the missing embeddings first (model/batch, e.g. on Ray); None: in this process.
        Returns:
            {"generation", "profiles", "seconds"}, and "insights" (the skills map built after it, or why
            not) unless MATCHER_INSIGHTS_AFTER_REINDEX is false.

        Raises:
            ReindexRunning: a re-index is already running on this store, in this or another process.
        """
        with metrics.reindex_timer():
            result = self.index.reindex(progress, engine)
        if self.settings.insights_after_reindex:
            result["insights"] = self.insights.build_quietly()
        return result

    def checkpoint(self) -> str | None:
        """Write the in-memory indexes as a new generation without running the model (IndexLifecycle.checkpoint)."""
        return self.index.checkpoint()

    def status(self) -> dict[str, Any]:
        """Facts for /readyz and operators: generation, counts, model."""
        return self.index.status()

    def close(self) -> None:
        """Stop the match threads, wait for background index work and close the store's connections."""
        self._pool.shutdown(wait=True)
        self.index.close()
        self.store.close()

    def __enter__(self) -> MatchService:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # -- profiles (importing/importer.py) -----------------------------------------------------------------

    def get(self, profile_id: str) -> Profile | None:
        """The stored profile, or None."""
        stored = self.store.get(profile_id)
        return stored.profile if stored else None

    def upsert(self, data: dict[str, Any]) -> tuple[str, Profile]:
        """Validate and store one profile; returns ("added" | "updated" | "unchanged", profile).

        Raises:
            InvalidInput: naming each bad field.
        """
        report = self.import_items([(1, data)])
        if report.rejected:
            raise InvalidInput([FieldError(e["field"], e["reason"]) for e in report.rejected[0]["errors"]])
        return report.results[0]["status"], parse_profile(data)

    def import_items(
        self,
        items: Iterable[tuple[int, Any]],
        progress: bool = False,
        total: int | None = None,
        checkpoint: bool = False,
    ) -> ImportReport:
        """Validate and store many profiles: every good item is stored, every bad one reported (Importer.run).

        Args:
            items: (line number, item) pairs; an item is a dict, or an InvalidInput for a row that
                could not be parsed (so that it is reported with its line).
            checkpoint: afterwards, write the indexes as a new generation (for large imports).
        """
        started = time.perf_counter()
        report = Importer(self.store, self.embedder).run(items, progress, total)
        if self.index.ready:
            self.refresh()
        if checkpoint and (report.added or report.updated):
            self.checkpoint()
        metrics.observe_import(report.summary(), time.perf_counter() - started)
        return report

    def delete(self, profile_id: str) -> bool:
        """Delete a profile everywhere at once (store, vector and lexical indexes). False if absent."""
        if self.store.delete(profile_id) is None:
            return False
        if self.index.ready:
            self.refresh()
        return True

    # -- matching (search/) ---------------------------------------------------------------------------

    def match(
        self,
        request: MatchRequest | dict[str, Any],
        retrieval: str | None = None,
        budget_ms: float | None = None,
        trust: Trust = "full",
        caller: str | None = None,
    ) -> dict[str, Any]:
        """Rank mentors for a need, in a style, each with the reason it was chosen.

        Args:
            request: a MatchRequest or its JSON body (validated here).
            retrieval: override the retrieval mode ("dense", "lexical", "hybrid"), for evaluation.
            budget_ms: give up once this much time has passed, checked between the stages (catching
                up, encoding, ranking): a stage that is running finishes first. None or 0: no budget.
            trust: what a `mentee.id` may bring (search/request.py Trust): "full" for operators (the CLI, admin
                keys, programmes), "limited" for `match` keys and the web form.
            caller: whose partition of the query cache the need and its key phrases are looked up in and
                kept in ("key:<key id>", "user:<hash>", "addr:<address>"): a caller can only ever hit its
                own earlier needs (querycache.py). None: nothing is cached (the CLI's one-off match).
        Returns:
            {"matches": [{"mentor", "score", "why"}], "style", "took_ms"}
        Raises:
            InvalidInput: a bad request, a missing mentee field the style needs, or an unknown mentee id.
            BudgetExceeded: the budget ran out.
        """
        budget = Budget(budget_ms)
        request = self.parse(request)
        try:
            state = self.refresh()
            budget.check("after catching up with the store")
            answer = self.pipeline.run(
                request, state, trust, retrieval, budget, self._cache(caller), self.reranker(retrieval)
            )
        except BudgetExceeded:
            metrics.count_match(request.style, "budget_exceeded")
            raise
        metrics.count_match(request.style, "found" if answer["matches"] else "none")
        return answer

    def rank(self, request: MatchRequest | dict[str, Any], trust: Trust = "full", caller: str | None = None) -> Ranked:
        """Every eligible candidate of a request, scored and ordered, none explained yet
        (`pipeline.answer(ranked, k)` explains the best k); `caller` as in match. The programmes rank through
        the pipeline itself, with their mentor pool."""
        return self.pipeline.rank(
            self.parse(request), self.refresh(), trust, cache=self._cache(caller), reranker=self.reranker()
        )

    def _cache(self, caller: str | None) -> Partition | None:
        return None if caller is None else self.embedder.caller_cache(caller)

    def reranker(self, retrieval: str | None = None):
        """The learned ranking matches use (matcher/learn), or None: the hand-tuned fusion. A match that asks
        for one retrieval mode (evaluation) is ranked by that mode alone."""
        return None if retrieval is not None else self.learned.reranker()

    @cached_property
    def programmes(self) -> ProgrammeService:
        """Programmes: pair whole cohorts over this service's store and, through the narrow MatchSide
        interface, its pipeline, embedder and index (programmes/service.py, programmes/match_side.py)."""
        from .programmes.match_side import PipelineMatchSide
        from .programmes.service import ProgrammeService  # the solvers load only when programmes are used

        return ProgrammeService(self.store, PipelineMatchSide(self))

    @cached_property
    def relationships(self) -> RelationshipService:
        """Introductions and relationships over this service's store, index and model (relationships/service.py)."""
        from .relationships.service import RelationshipService

        return RelationshipService(self.store, self.settings, self)

    @cached_property
    def insights(self) -> InsightsService:
        """The skills map: demand and supply topics from this service's store (insights/service.py)."""
        from .insights import InsightsService

        return InsightsService(self)

    def parse(self, request: MatchRequest | dict[str, Any]) -> MatchRequest:
        """A validated MatchRequest within this service's limits (InvalidInput naming each bad field)."""
        if isinstance(request, MatchRequest):
            return request
        return parse_match_request(request, self.settings.max_need_chars, self.settings.max_limit)


# -- the store alone, without the model: the operators' commands (`keys`, `backup`, `migrate`, `requests`) ---


def open_keyring(settings: Settings) -> KeyRing:
    """The API keys of the store the settings name (no model is loaded)."""
    return KeyRing(open_store(settings))


def open_relationships(settings: Settings) -> RelationshipService:
    """Introductions and relationships over the store the settings name, without the model or an index
    (the operators' `requests`, `relationships` and `events` commands: listing, expiring, exporting)."""
    from .relationships.service import RelationshipService

    return RelationshipService(open_store(settings), settings)


def open_outbox(settings: Settings) -> ProfileStore:
    """The store alone, for the operators' `webhooks` commands: send what is due once, list deliveries, prune."""
    return open_store(settings)


def backup_store(settings: Settings, target: Path) -> None:
    """Write a consistent copy of the store to `target`, a new file (no model is loaded)."""
    open_store(settings).backup(target)


def migrate(settings: Settings) -> tuple[list[str], int | None, str]:
    """Bring the store's schema up to this code's version (store.migrate_store).

    Returns:
        (the migrations applied now; the schema version now, None for SQLite; where the store lives,
        safe to print).
    """
    applied, version = migrate_store(settings)
    return applied, version, describe_store(settings)
