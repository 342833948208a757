"""IndexLifecycle: this process's searchable state, from open to re-index.

- open: load the generation named in CURRENT, or rebuild the indexes from the store when it is
  missing, stale, corrupt or built by another model (no model runs for what the store holds);
- current: the state caught up with the store's change log; a newer generation written by another
  process is loaded in the background and swapped in when complete;
- reindex / checkpoint: write a new generation and make it current, one at a time across processes
  (the store's re-index lock), never one older than the store's last delete;
- a re-index made through another replica (its own data dir, the same store) is followed: this
  process rebuilds its own generation from the stored embeddings (index/replicas.py);
- after deletes, BM25 is rebuilt from the store in the background so that its word statistics
  forget the erased texts too (the rows themselves are masked at once).

The store is the source of truth; everything here is derived from it and can be thrown away.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass
from typing import Any

from ..errors import IndexMismatch, ReindexRunning, StoreUnavailable
from ..model.batch import EmbeddingEngine, fill_missing
from ..model.embedder import Embedder
from ..store import ProfileStore
from . import state as state_mod
from .generations import Generations
from .replicas import ReindexFollower
from .state import IndexState

log = logging.getLogger("matcher.lifecycle")

PUBLISH_ATTEMPTS = 5  # deletes racing a re-index: fold them in and write again at most this often
STORE_RETRY_SECONDS = 5.0  # background work the store's outage stopped is tried again after this long
LEXICAL_RETRY_SECONDS = 60.0  # ... and a BM25 rebuild that failed for another reason after this long


@dataclass(frozen=True)
class IndexSettings:
    """What shapes the indexes (from config.Settings)."""

    ann_threshold: int = 50_000
    ann_nprobe: int = 128
    phrase_book_size: int = 200_000  # 0: no phrase book
    phrase_words: int = 2


class IndexLifecycle:
    """Owns this process's IndexState: loading it, catching it up, swapping and rebuilding it.

    Args:
        store: the source of truth.
        embedder: the model (runs only for rows without stored embeddings of it, and for new phrases).
        generations: the index generations on disk.
        settings: index shape and phrase book.
    """

    def __init__(
        self,
        store: ProfileStore,
        embedder: Embedder,
        generations: Generations,
        settings: IndexSettings = IndexSettings(),
    ):
        self.store = store
        self.embedder = embedder
        self.generations = generations
        self.settings = settings
        self._state: IndexState | None = None
        self._lock = threading.RLock()  # guards _state, _loading, _refused, _lexical_rebuild
        self._loading: threading.Thread | None = None
        self._refused: str | None = None  # a generation that failed to load: not retried on every request
        self._lexical_rebuild: threading.Thread | None = None
        self._lexical_pending = False
        # Not before these times (monotonic): loading a newer generation, rebuilding BM25 after a failure.
        self._swap_retry_at = self._lexical_retry_at = 0.0
        self.follower = ReindexFollower(store, generations)
        self._following: threading.Thread | None = None

    # -- state -----------------------------------------------------------------------------------

    @property
    def ready(self) -> bool:
        """True once an index is loaded in this process."""
        return self._state is not None

    def open(self, progress: bool = False) -> IndexState:
        """The state, loading or rebuilding it first if this process has none yet."""
        with self._lock:
            if self._state is None:
                self._state = self._load_or_rebuild(progress)
            return self._state

    def current(self) -> IndexState:
        """The state after catching up with the store, and after noticing a newer generation on disk.

        Another process's re-index shows up as a new CURRENT generation: it is loaded in the
        background and swapped in when complete; until then this process keeps serving its own.
        """
        self.open()
        with self._lock:
            name = self.generations.current_name()
            now = time.monotonic()
            if (
                name is not None
                and name != self._state.generation
                and name != self._refused
                and self._loading is None
                and now >= self._swap_retry_at
            ):
                self._loading = threading.Thread(
                    target=self._swap_in, args=(name, self._state), daemon=True, name="matcher-swap-in"
                )
                self._loading.start()
            state = self._state
            changes = state_mod.catch_up(state, self.store, self.embedder)
            lexical_stale = self._lexical_pending and self._lexical_rebuild is None and now >= self._lexical_retry_at
        if changes.deleted or lexical_stale:
            self._rebuild_lexical_soon()
        if self.follower.due() is not None:
            self._follow_soon()
        return state

    def status(self) -> dict[str, Any]:
        """Facts for /readyz and operators: generation, counts, model."""
        st = self._state
        return {
            "ready": st is not None,
            "generation": st.generation if st else None,
            "profiles": len(st.catalog) if st else self.store.count(),
            "model": self.embedder.key,
            "seq": st.seq if st else None,
            "approximate": bool(st and st.offers.approximate),
        }

    @property
    def refused(self) -> str | None:
        """The newer generation this process failed to load (not tried again), if any."""
        return self._refused

    def settle(self, timeout: float = 30.0) -> None:
        """Wait for background work (loading a newer generation, rebuilding BM25) to finish."""
        for thread in (self._loading, self._lexical_rebuild, self._following):
            if thread is not None:
                thread.join(timeout)

    def close(self, timeout: float = 30.0) -> None:
        """Wait for background loads and rebuilds to finish (they hold files and connections)."""
        self.settle(timeout)

    def _load_or_rebuild(self, progress: bool) -> IndexState:
        name = self.generations.current_name()
        if name is not None:
            try:
                return state_mod.load(
                    self.store,
                    self.embedder,
                    self.generations,
                    name,
                    self.settings.ann_threshold,
                    self.settings.ann_nprobe,
                )
            except IndexMismatch as exc:
                log.warning("index not usable, rebuilding from the store: %s", exc)
        # A rebuild runs no model on what the store holds; the phrase book waits for the next re-index.
        fresh, written = state_mod.build(
            self.store,
            self.embedder,
            self.generations,
            self.settings.ann_threshold,
            self.settings.ann_nprobe,
            progress=progress,
        )
        self._publish(fresh, written)
        return fresh

    def _swap_in(self, name: str, replacing: IndexState) -> None:
        try:
            fresh = state_mod.load(
                self.store, self.embedder, self.generations, name, self.settings.ann_threshold, self.settings.ann_nprobe
            )
            with self._lock:
                if self._state is not replacing:
                    # This process installed a state of its own meanwhile (its re-index): it is at
                    # least as new as the generation just loaded, which must not replace it.
                    return
                state_mod.catch_up(fresh, self.store, self.embedder)
                self._state = fresh
            log.info("now serving index generation %s", name)
        except StoreUnavailable:  # not the generation's fault: load it once the store answers again
            self._swap_retry_at = time.monotonic() + STORE_RETRY_SECONDS
            log.warning(
                "index generation %s not loaded yet: the store does not answer; still serving %s",
                name,
                replacing.generation,
            )
        except Exception as exc:
            self._refused = name
            log.warning(
                "index generation %s not loaded, still serving %s: %s: %s",
                name,
                replacing.generation,
                type(exc).__name__,
                exc,
            )
        finally:
            self._loading = None

    # -- new generations ---------------------------------------------------------------------------

    def reindex(self, progress: bool = False, engine: EmbeddingEngine | None = None) -> dict[str, Any]:
        """Rebuild the indexes from the store as a new generation and switch to it atomically.

        Folds the changes made since the last generation into its base indexes, and makes the phrase
        book (the shared key phrases of active, discoverable mentors' bios, embedded). The model runs
        only on profiles the store holds no embedding of from the configured model and on phrases
        the previous book did not have. Searches keep using the old generation until the new one is
        complete. Deleted profiles' words are purged from the store's files on the way.

        Args:
            progress: progress bars on standard error.
            engine: embeds the profiles that lack an embedding, and the store keeps them, before the
                build (model/batch: e.g. on Ray); None: the build embeds them in this process. The
                phrase book is embedded in this process either way.
        Returns:
            {"generation", "profiles", "seconds"}, and with an engine "embedded" (its FillReport).

        Raises:
            ReindexRunning: another re-index (in any process) holds the store's re-index lock.
            PurgeIncomplete: the store could not yet purge deleted profiles' old pages; nothing was switched.
        """
        started = time.perf_counter()
        with self.store.reindex_lock(), self.follower.turn(wait=True):
            self.store.purge_deleted()
            filled = (
                None
                if engine is None
                else fill_missing(self.store, engine, self.embedder.key, self.embedder.dim, progress)
            )
            fresh = self._rebuild(progress)
            self.follower.done(self.store.record_reindex())  # other replicas follow it
        result = {
            "generation": fresh.generation,
            "profiles": len(fresh.catalog),
            "seconds": round(time.perf_counter() - started, 3),
        }
        if filled is not None:
            result["embedded"] = filled
        return result

    def _rebuild(self, progress: bool = False) -> IndexState:
        """Build a generation from the store (with a fresh phrase book), publish it and serve it."""
        previous = self._state
        book_size = self.settings.phrase_book_size
        fresh, written = state_mod.build(
            self.store,
            self.embedder,
            self.generations,
            self.settings.ann_threshold,
            self.settings.ann_nprobe,
            progress=progress,
            book_size=book_size,
            book_longest=self.settings.phrase_words,
            previous_book=previous.phrase_book if previous is not None else None,
        )
        self._publish(fresh, written)
        with self._lock:
            state_mod.catch_up(fresh, self.store, self.embedder)
            self._state = fresh
        return fresh

    def _follow_soon(self) -> None:
        """Follow another replica's re-index (ReindexFollower.follow) on a background thread, one at a time."""
        with self._lock:
            if self._following is None or not self._following.is_alive():
                self._following = threading.Thread(
                    target=self.follower.follow, args=(self._rebuild,), daemon=True, name="matcher-follow"
                )
                self._following.start()

    def checkpoint(self) -> str | None:
        """Write the in-memory indexes (base plus recent changes) as a new generation, without running
        the model, so that the next start loads them directly. Returns its name, or None when a
        re-index is running (it writes a newer generation anyway)."""
        try:
            with self.store.reindex_lock():
                state = self.current()
                return self._publish(state, self._write(state))
        except ReindexRunning:
            log.info("checkpoint skipped: a re-index is running")
            return None

    def _write(self, state: IndexState) -> str:
        """Write `state` (base less removed rows, plus the delta) as a generation that is not yet current."""
        with state.lock.read():
            indexes = {key: state.vector_index(key).merged() for key in state_mod.INDEX_KEYS}
            manifest = {
                "model": self.embedder.key,
                "dim": self.embedder.dim,
                "count": len(state.catalog),
                "seq": state.seq,
                "created_at": time.time(),
            }
            extras = state_mod.book_extras(state.phrase_book)
        return self.generations.write(indexes, manifest, extras)

    def _publish(self, state: IndexState, name: str) -> str:
        """Make generation `name` (the indexes of `state` as of its manifest's seq) current, unless a
        profile was deleted after that: then fold the deletes into `state` and write it again.

        The check and the switch happen while the store holds back writes, so no delete can slip in
        between: a generation that holds an erased person's vectors never becomes current.
        """
        for _ in range(PUBLISH_ATTEMPTS):
            snapshot = int(self.generations.manifest(name)["seq"])
            with self.store.changes_held() as (_, last_delete):
                if last_delete <= snapshot:
                    self.generations.make_current(name)
                    state.generation = name
                    return name
            log.info("a profile was deleted while generation %s was written: writing it again without them", name)
            state_mod.catch_up(state, self.store, self.embedder)
            stale, name = name, self._write(state)
            self.generations.discard(stale)
        self.generations.discard(name)
        raise RuntimeError(
            f"profiles kept being deleted while writing an index generation ({PUBLISH_ATTEMPTS} "
            f"attempts); run the re-index again"
        )

    # -- lexical rebuild after deletes --------------------------------------------------------------

    def _rebuild_lexical_soon(self) -> None:
        """Rebuild BM25 from the store on a background thread (one at a time; another pass if asked meanwhile)."""
        with self._lock:
            self._lexical_pending = True
            if self._lexical_rebuild is None:
                self._lexical_rebuild = threading.Thread(
                    target=self._rebuild_lexical, daemon=True, name="matcher-lexical-rebuild"
                )
                self._lexical_rebuild.start()

    def _rebuild_lexical(self) -> None:
        try:
            while True:
                with self._lock:
                    if not self._lexical_pending:
                        self._lexical_rebuild = None
                        return
                    self._lexical_pending = False
                    state = self._state
                started = time.perf_counter()
                state_mod.rebuild_lexical(state, self.store)
                log.info("lexical index rebuilt after deletes in %.1f s", time.perf_counter() - started)
        except Exception as exc:  # the masked index keeps serving; a later catch-up starts the rebuild again
            outage = isinstance(exc, StoreUnavailable)
            if outage:
                log.warning("lexical index not rebuilt after deletes yet: the store does not answer")
            else:
                log.exception("lexical index not rebuilt after deletes")
            with self._lock:
                # Still due (its word statistics count the erased texts): a later catch-up starts it again.
                self._lexical_pending = True
                self._lexical_retry_at = time.monotonic() + (STORE_RETRY_SECONDS if outage else LEXICAL_RETRY_SECONDS)
                self._lexical_rebuild = None
