"""MatchService: the one façade over the store, the embedder and the indexes.

The Flask app, the CLI and the scripts call it; none of them touches FAISS or SQLite directly.
"""

from __future__ import annotations

import logging
import threading
import time
from concurrent import futures
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from typing import Any, Iterable

import numpy as np
from threadpoolctl import threadpool_limits
from tqdm import tqdm

from . import needs, ranking, state as state_mod
from .budget import Budget, BudgetExceeded  # noqa: F401 - BudgetExceeded is part of match()'s contract
from .config import Settings
from .embedder import Embedder
from .index import Generations, set_search_threads
from .lifecycle import IndexLifecycle, IndexSettings
from .profiles import (FieldError, InvalidInput, Profile, content_hash, offers_text, parse_profile,
                       profile_passages, text_hash)
from .queries import MatchRequest, Trust, parse_match_request
from .ranking import Candidates, Weights
from .state import IndexState
from .files import private_dir
from .store import ProfileStore, Write, open_store
from .styles import Filters, Mentee, eligible, policy

log = logging.getLogger("matcher.service")

WRITE_BATCH = 256  # profiles read, and profiles embedded and committed, per step of an import
MAX_REPORTING_DEPTH = 20


@dataclass
class ImportReport:
    """What an import did: counts, and each rejected item with its line (1-based) and reasons."""

    added: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: list[dict[str, Any]] = field(default_factory=list)
    results: list[dict[str, Any]] = field(default_factory=list)  # per item, in input order

    def summary(self) -> dict[str, int]:
        """The four counts."""
        return {"added": self.added, "updated": self.updated, "unchanged": self.unchanged,
                "rejected": len(self.rejected)}


class MatchService:
    """Match needs to mentors, and keep profiles and indexes in step.

    Args:
        settings: see config.Settings.
        embedder: an Embedder to share (tests pass one so the model loads once).
    """

    def __init__(self, settings: Settings | None = None, embedder: Embedder | None = None):
        self.settings = settings or Settings.from_env()
        data_dir = private_dir(self.settings.data_dir)
        self.store: ProfileStore = open_store(self.settings)
        self.embedder = embedder or Embedder.from_settings(self.settings)
        set_search_threads(self.settings.search_threads)
        # numpy's BLAS: one thread. A match multiplies a few hundred vectors at a time, where a BLAS
        # thread team costs more than it gains and contends with ONNX Runtime and FAISS for the cores.
        threadpool_limits(1, user_api="blas")
        self.generations = Generations(data_dir / "index")
        self.weights = Weights(self.settings.retrieval, self.settings.fusion, self.settings.passage_weight,
                               self.settings.lexical_weight, self.settings.rrf_k, self.settings.style_weight,
                               self.settings.phrase_weight)
        self.index = IndexLifecycle(self.store, self.embedder, self.generations, IndexSettings(
            self.settings.ann_threshold, self.settings.ann_nprobe,
            self.settings.phrase_book_size if self.settings.phrase_weight > 0 else 0, self.settings.phrase_words))
        # Side work of a match (key phrases, BM25, the bio-sentence search) that overlaps the rest.
        self._match_pool = ThreadPoolExecutor(max_workers=16, thread_name_prefix="matcher-match")

    # -- index lifecycle (matcher/lifecycle.py) ---------------------------------------------------

    @property
    def ready(self) -> bool:
        """True once an index is loaded in this process."""
        return self.index.ready

    def open(self, progress: bool = False) -> "MatchService":
        """Load the current index generation, or rebuild it from the store when it is missing,
        stale, corrupt or built by another model. Returns self."""
        self.index.open(progress)
        return self

    def refresh(self) -> IndexState:
        """The current index state, caught up with the store (see IndexLifecycle.current)."""
        return self.index.current()

    def reindex(self, progress: bool = False) -> dict[str, Any]:
        """Rebuild the indexes from the store as a new generation and switch to it (IndexLifecycle.reindex).

        Raises:
            ReindexRunning: a re-index is already running on this store, in this or another process.
        """
        return self.index.reindex(progress)

    def checkpoint(self) -> str | None:
        """Write the in-memory indexes as a new generation without running the model (IndexLifecycle.checkpoint)."""
        return self.index.checkpoint()

    def status(self) -> dict[str, Any]:
        """Facts for /readyz and operators: generation, counts, model."""
        return self.index.status()

    def close(self) -> None:
        """Stop the match threads, wait for background index work and close the store's connections."""
        self._match_pool.shutdown(wait=True)
        self.index.close()
        self.store.close()

    def __enter__(self) -> "MatchService":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # -- profiles ------------------------------------------------------------------------------

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

    def import_items(self, items: Iterable[tuple[int, Any]], progress: bool = False, total: int | None = None,
                     checkpoint: bool = False) -> ImportReport:
        """Validate and store many profiles: every good item is stored, every bad one reported.

        Args:
            items: (line number, item) pairs; an item is a dict, or an InvalidInput for a row that
                could not be parsed (so that it is reported with its line).
            checkpoint: afterwards, write the indexes as a new generation (for large imports).

        Unchanged profiles (same content hash) are not touched; profiles whose texts did not change
        are stored without running the model.
        """
        report = ImportReport()
        bar = tqdm(total=total, desc="import", unit="profile", disable=not progress)
        batch: list[tuple[int, Profile]] = []  # (position in report.results, profile)
        pending: list[tuple[int, str, Write]] = []  # changed texts, embedded together once there are enough
        seen: set[str] = set()
        for line, item in items:
            try:
                if isinstance(item, InvalidInput):
                    raise item
                profile = parse_profile(item)
                if profile.id in seen:
                    raise InvalidInput([FieldError("id", f"{profile.id!r} appears twice in this import")])
                seen.add(profile.id)
                batch.append((len(report.results), profile))
                report.results.append({"line": line, "id": profile.id, "status": None})
            except InvalidInput as exc:
                errors = [{"field": e.field, "reason": e.reason} for e in exc.errors]
                report.rejected.append({"line": line, "id": item.get("id") if isinstance(item, dict) else None,
                                        "errors": errors})
                report.results.append({"line": line, "status": "rejected", "errors": errors})
            if len(batch) >= WRITE_BATCH:
                self._write_batch(batch, report, pending)
                bar.update(len(batch))
                batch = []
                if len(pending) >= WRITE_BATCH:
                    self._write_embedded(pending, report)
        self._write_batch(batch, report, pending)
        self._write_embedded(pending, report)
        bar.update(len(batch))
        bar.close()
        if self.index.ready:
            self.refresh()
        if checkpoint and (report.added or report.updated):
            self.checkpoint()
        return report

    def _write_batch(self, batch: list[tuple[int, Profile]], report: ImportReport,
                     pending: list[tuple[int, str, Write]]) -> None:
        """Store the batch's profiles whose texts did not change; queue those that need the model."""
        if not batch:
            return
        known = self.store.hashes([p.id for _, p in batch])
        writes: list[tuple[int, str, Write]] = []
        for pos, profile in batch:
            c_hash, t_hash = content_hash(profile), text_hash(profile)
            old = known.get(profile.id)
            if old is not None and old[0] == c_hash:
                self._count(report, pos, "unchanged")
                continue
            write = Write(profile, c_hash, t_hash, None)
            status = "updated" if old is not None else "added"
            (pending if old is None or old[1] != t_hash else writes).append((pos, status, write))
        self.store.write([w for _, _, w in writes])
        for pos, status, _ in writes:
            self._count(report, pos, status)

    def _write_embedded(self, pending: list[tuple[int, str, Write]], report: ImportReport) -> None:
        """Embed the queued profiles in one length-sorted run (a few changed profiles per write batch
        would each pay for a batch padded to its longest text) and store them with their vectors."""
        if not pending:
            return
        vectors = state_mod.embed_profiles(self.embedder, [w.profile for _, _, w in pending])
        for (_, _, write), emb in zip(pending, vectors):
            write.embeddings = emb
        self.store.write([w for _, _, w in pending])
        for pos, status, _ in pending:
            self._count(report, pos, status)
        pending.clear()

    @staticmethod
    def _count(report: ImportReport, pos: int, status: str) -> None:
        report.results[pos]["status"] = status
        setattr(report, status, getattr(report, status) + 1)

    def delete(self, profile_id: str) -> bool:
        """Delete a profile everywhere at once (store, vector and lexical indexes). False if absent."""
        row_id = self.store.delete(profile_id)
        if row_id is None:
            return False
        if self.index.ready:
            self.refresh()
        return True

    # -- matching ------------------------------------------------------------------------------

    def match(self, request: MatchRequest | dict[str, Any], retrieval: str | None = None,
              budget_ms: float | None = None, trust: Trust = "full") -> dict[str, Any]:
        """Rank mentors for a need, in a style, each with the reason it was chosen.

        Args:
            request: a MatchRequest or its JSON body (validated here).
            retrieval: override the retrieval mode ("dense", "lexical", "hybrid"), for evaluation.
            budget_ms: give up once this much time has passed, checked between the stages (catching
                up, encoding, ranking): a stage that is running finishes first. None or 0: no budget.
            trust: what a `mentee.id` may bring (queries.Trust): "full" for operators (the CLI, admin
                keys, programmes), "limited" for `match` keys and the web form.
        Returns:
            {"matches": [{"mentor", "score", "why"}], "style", "took_ms"}
        Raises:
            InvalidInput: a bad request, a missing mentee field the style needs, or an unknown mentee id.
            BudgetExceeded: the budget ran out.
        """
        budget = Budget(budget_ms)

        if not isinstance(request, MatchRequest):
            request = parse_match_request(request, self.settings.max_need_chars, self.settings.max_limit)
        st = self.refresh()
        budget.check("after catching up with the store")
        mentee = self._mentee(request, st, trust)
        pol = policy(request.style)
        problems = pol.requirements(mentee)
        if problems:
            raise InvalidInput(problems)
        weights = self.weights if retrieval is None else replace(self.weights, retrieval=retrieval)
        with_phrases = weights.phrase_weight > 0 and weights.retrieval != "lexical"
        texts = needs.query_texts(request.need, self.settings.phrase_words if with_phrases else 0,
                                  self.settings.max_phrases)
        need = texts[0]
        # The key phrases are only needed once the candidates are in: they are encoded on another
        # thread while this one encodes the need and searches (on two cores that takes the phrases'
        # model time, the largest cost beyond the need's own vector, off the critical path).
        phrases = self._match_pool.submit(self._phrase_vectors, st, texts[1:]) if len(texts) > 1 else None
        need_vec = self.embedder.encode_queries(texts[:1])
        mentee_vec = self._offers_vector(mentee) if request.style == "two-way" else None
        budget.check("after encoding the need")
        with st.lock.read():
            filters = Filters(tuple(request.filters.languages), request.filters.virtual_only,
                              tuple(request.filters.departments),
                              frozenset(st.catalog.row_of[i] for i in request.filters.exclude_ids
                                        if i in st.catalog.row_of))
            mask = eligible(request.style, st.catalog, mentee, filters)
            matches = self._rank(request, need, st, mentee, pol, mask, weights, need_vec, phrases, mentee_vec) \
                if mask.any() else []
        budget.check("after ranking")
        took = budget.elapsed_ms
        log.info("match style=%s mentee=%s limit=%d returned=%d eligible=%d took_ms=%.1f", request.style,
                 mentee.id or "-", request.limit, len(matches), int(mask.sum()), took)
        return {"matches": matches, "style": request.style, "took_ms": round(took, 2)}

    def _phrase_vectors(self, st: IndexState, phrases: list[str]) -> np.ndarray:
        """Vectors of the need's key phrases: from the generation's phrase book, the rest from the model."""
        if st.phrase_book is None:
            return self.embedder.encode_queries(phrases)
        return st.phrase_book.vectors_for(phrases, self.embedder.encode_queries)

    def _mentee(self, request: MatchRequest, st: IndexState, trust: Trust) -> Mentee:
        """The person asking, from the request and, for `mentee.id`, their stored profile.

        With "limited" trust the id must name an active, discoverable person (any other id is answered
        exactly like an unknown one), and it brings only their public fields (seniority, time zone,
        languages) and the rules that protect them (never themselves, never their reporting line),
        never their bio or goals: see SECURITY.md "What a match shows".
        """
        spec = request.mentee
        if spec.id is None:
            return Mentee(spec.seniority, spec.timezone, tuple(spec.languages), spec.goals, spec.bio)
        stored = self.store.get(spec.id)
        usable = stored is not None and (trust == "full" or (stored.profile.active and stored.profile.discoverable))
        if not usable:
            raise InvalidInput([FieldError("mentee.id", f"no stored profile with id {spec.id!r}"
                                                        + ("" if trust == "full" else " that may be named here"))])
        p = stored.profile
        chain: set[int] = set()
        manager_id, depth = p.manager_id, 0
        while manager_id and depth < MAX_REPORTING_DEPTH:
            row = st.catalog.row_of.get(manager_id)
            if row is None or row in chain:
                break
            chain.add(row)
            manager = self.store.get(manager_id)
            manager_id, depth = (manager.profile.manager_id if manager else None), depth + 1
        private = trust == "full"
        return Mentee(
            seniority=spec.seniority if spec.seniority is not None else p.seniority,
            timezone=spec.timezone or p.timezone,
            languages=tuple(spec.languages or p.languages),
            goals=spec.goals or (p.goals if private else ""),
            bio=spec.bio or (offers_text(p) if private else ""),
            id=p.id, row_id=stored.row_id, reporting_rows=frozenset(chain),
            stored_offers=private and not spec.bio,
        )

    def _offers_vector(self, mentee: Mentee) -> np.ndarray:
        """The vector of what the mentee offers (two-way): their stored embedding when it is their stored
        bio, else their inline bio encoded without the query cache (it is theirs, not a need)."""
        if mentee.stored_offers:
            stored = self.store.embeddings([mentee.row_id], self.embedder.dim).get(mentee.row_id)
            if stored is not None and stored.model_key == self.embedder.key:
                return stored.offers
        return self.embedder.encode_uncached([mentee.bio])[0]

    def _rank(self, request: MatchRequest, need: str, st: IndexState, mentee: Mentee, pol, mask: np.ndarray,
              weights: Weights, need_vec: np.ndarray, phrases: Future | None, mentee_vec: np.ndarray | None
              ) -> list[dict[str, Any]]:
        """Rank the eligible mentors: retrieve candidates with the whole need's vector (1, dim), then
        score them with it and with the key phrases' vectors (`phrases`, still being encoded)."""
        query = need_vec

        def with_phrases() -> np.ndarray:  # row 0: the whole need; then one row per key phrase
            return np.vstack([need_vec, phrases.result()]) if phrases is not None else need_vec

        k = max(self.settings.candidates, request.limit * 4)
        rows: dict[int, None] = {}
        lexical_hits: dict[int, float] = {}
        dense = weights.retrieval in ("dense", "hybrid")
        # BM25 (it needs only the words) and the bio-sentence search run on pool threads while this
        # one searches the whole bios: on two cores the three overlap.
        lexical_search = self._match_pool.submit(st.lexical.search, need, k, mask) \
            if weights.retrieval in ("lexical", "hybrid") else None
        passage_search = self._match_pool.submit(st.passages.search, query[0], 2 * k, mask,
                                                 self.settings.passage_nprobe) if dense else None
        try:
            if dense:
                _, ids = st.offers.search(query[0], k, mask)
                rows.update(dict.fromkeys(ids.tolist()))
            if weights.retrieval == "dense":
                # Without BM25, mentors that a single key phrase names need searches of their own. In
                # hybrid mode BM25 brings them: there the phrase searches (one exact scan each) moved
                # nDCG@10 on the dev set by 0.0004 and cost more than the rest of the match.
                query = with_phrases()
                for phrase in query[1:]:
                    _, ids = st.offers.search(phrase, self.settings.phrase_candidates, mask)
                    rows.update(dict.fromkeys(ids.tolist()))
        finally:
            # They read the state: done before the caller lets go of its read lock, even on an error.
            futures.wait([f for f in (lexical_search, passage_search) if f is not None])
        if passage_search is not None:
            _, pids = passage_search.result()
            rows.update(dict.fromkeys((pids // state_mod.MAX_PASSAGES).tolist()))
        if lexical_search is not None:
            lexical_hits = dict(lexical_search.result())
            rows.update(dict.fromkeys(lexical_hits))
        if mentee_vec is not None:
            _, gids = st.goals.search(mentee_vec, k, mask)
            rows.update(dict.fromkeys(gids.tolist()))
        rows = [r for r in rows if r in st.catalog.ids]
        if not rows:
            return []
        row_arr = np.array(rows, dtype=np.int64)
        query = with_phrases()
        whole = ranking.need_similarity(st.offers.vectors(row_arr) @ query.T, weights.phrase_weight)
        passage_best, best_slot, passage_scores = self._passage_scores(st, row_arr, query, weights.phrase_weight)
        cands = Candidates([st.catalog.ids[r] for r in rows], whole, passage_best,
                           np.array([lexical_hits.get(r, 0.0) for r in rows], dtype=np.float32))
        passage_weight = min(1.0, weights.passage_weight + pol.passage_boost)
        rel, semantic, lexical = ranking.relevance(cands, weights, passage_weight)
        reciprocal = None
        if mentee_vec is not None:
            has_goals = st.catalog.has_goals[row_arr]
            reciprocal = np.zeros(len(rows), dtype=np.float32)
            if has_goals.any():
                reciprocal[has_goals] = np.clip(st.goals.vectors(row_arr[has_goals]) @ mentee_vec, 0, 1)
        fit = pol.fit(st.catalog, row_arr, mentee, reciprocal)
        scores = ranking.final_scores(rel, fit, weights.style_weight * pol.style_weight, reciprocal)
        top = ranking.order(scores, cands.ids)[: request.limit]
        profiles = self.store.get_many([rows[i] for i in top])
        matches = []
        for i in top:
            profile = profiles.get(rows[i])
            if profile is None:  # deleted while we ranked
                continue
            passages = profile_passages(profile) or [offers_text(profile)]
            evidence = ranking.evidence(passages, passage_scores(i)[: len(passages)], min(best_slot[i], len(passages) - 1))
            matches.append({
                "mentor": profile.public(),
                "score": round(float(scores[i]), 4),
                "why": {"semantic": round(float(semantic[i]), 4), "lexical": round(float(lexical[i]), 4),
                        "style": round(float(fit[i]), 4), "evidence": evidence,
                        "notes": pol.notes(profile, mentee, None if reciprocal is None else float(reciprocal[i]))},
            })
        return matches

    def _passage_scores(self, st: IndexState, rows: np.ndarray, query: np.ndarray, phrase_weight: float):
        """Need similarity of every passage of each row: (best per row, its slot, f(i) -> all of row i's)."""
        counts = np.maximum(st.catalog.n_passages[rows].astype(np.int64), 1)
        starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
        slots = np.arange(counts.sum()) - np.repeat(starts, counts)  # passage number within its row
        ids = np.repeat(rows * state_mod.MAX_PASSAGES, counts) + slots
        sims = ranking.need_similarity(st.passages.vectors(ids) @ query.T, phrase_weight)
        best = np.maximum.reduceat(sims, starts)
        # The first slot holding its row's best (np.argmax's choice), for every row at once.
        first = np.where(sims == np.repeat(best, counts), slots, np.iinfo(np.int64).max)
        best_slot = np.minimum.reduceat(first, starts)
        return best.astype(np.float32, copy=False), best_slot, lambda i: sims[starts[i]:starts[i] + counts[i]]
