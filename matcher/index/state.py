"""IndexState: the searchable state of one process (catalog, vector and lexical indexes), built, loaded and caught up.

The store is the source of truth; an IndexState is derived from it. It comes from a generation on
disk (memory-mapped) plus the store's changes since that generation's sequence number, or, when no
usable generation exists, from the stored embeddings (running the model only for rows without
embeddings of the configured model).
"""

from __future__ import annotations

import logging
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass, field

import faiss
import numpy as np
from tqdm import tqdm

from ..errors import IndexMismatch
from ..model.embedder import Embedder
from ..model.profile_vectors import embed_profiles, usable
from ..profiles import MAX_PASSAGES, findable, offers_text
from ..store import Embeddings, ProfileStore, StoredProfile
from ..styles.catalog import Catalog
from .generations import Generations
from .lexical import LexicalIndex
from .phrasebook import PhraseBook, build_book, phrase_keys, shared_phrases
from .vectors import IndexSpec, VectorIndex, build_base

log = logging.getLogger("matcher.state")

INDEX_KEYS = ("offers", "passages", "goals")
EMBED_CHUNK = 2048  # profiles embedded (and committed) per step of a rebuild


class ReadWriteLock:
    """Many readers at once, or one writer; a waiting writer holds back new readers (never starved)."""

    def __init__(self) -> None:
        self._cond = threading.Condition(threading.Lock())
        self._readers = 0
        self._writing = False
        self._writers_waiting = 0

    @contextmanager
    def read(self):
        """Hold the lock shared (not re-entrant: never nest it in one thread)."""
        with self._cond:
            while self._writing or self._writers_waiting:
                self._cond.wait()
            self._readers += 1
        try:
            yield
        finally:
            with self._cond:
                self._readers -= 1
                if not self._readers:
                    self._cond.notify_all()

    @contextmanager
    def write(self):
        """Hold the lock alone."""
        with self._cond:
            self._writers_waiting += 1
            while self._writing or self._readers:
                self._cond.wait()
            self._writers_waiting -= 1
            self._writing = True
        try:
            yield
        finally:
            with self._cond:
                self._writing = False
                self._cond.notify_all()


@dataclass
class IndexState:
    """Everything a search needs, consistent as of store sequence `seq`.

    A search holds `lock` for reading from its filter to its last vector lookup; catching up holds
    it for writing, so a search sees every change of a store write or none of it (a row is never
    in the catalog without its vectors, nor gone from the index while a search still ranks it).
    """

    catalog: Catalog
    offers: VectorIndex
    passages: VectorIndex
    goals: VectorIndex
    lexical: LexicalIndex
    seq: int
    generation: str | None
    phrase_book: PhraseBook | None = None  # the bios' shared key phrases, embedded (None: every phrase runs the model)
    built_at: float = field(default_factory=time.time)
    lock: ReadWriteLock = field(default_factory=ReadWriteLock, repr=False, compare=False)

    def vector_index(self, key: str) -> VectorIndex:
        """The index named offers, passages or goals."""
        return getattr(self, key)

    def apply(self, stored: StoredProfile, emb: Embeddings) -> None:
        """Put one profile's facts and vectors into the in-memory state (replacing older ones)."""
        self.catalog.upsert(stored.row_id, stored.profile, len(emb.passages), stored.committed)
        if findable(stored.profile):
            self.lexical.upsert(stored.row_id, offers_text(stored.profile))
        else:  # BM25 holds the words of active, discoverable mentors only
            self.lexical.remove(stored.row_id)
        self.offers.upsert(stored.row_id, emb.offers)
        self.passages.upsert(stored.row_id, emb.passages)
        if emb.goals is not None:
            self.goals.upsert(stored.row_id, emb.goals)
        else:
            self.goals.remove(stored.row_id)

    def forget(self, row_id: int) -> None:
        """Remove one row from every part of the state."""
        self.catalog.remove(row_id)
        self.lexical.remove(row_id)
        for key in INDEX_KEYS:
            self.vector_index(key).remove(row_id)


def specs(dim: int, ann_threshold: int, nprobe: int) -> dict[str, IndexSpec]:
    """The index specification of each vector index."""
    return {
        "offers": IndexSpec(dim, 1, ann_threshold, nprobe),
        "passages": IndexSpec(dim, MAX_PASSAGES, ann_threshold, nprobe),
        "goals": IndexSpec(dim, 1, ann_threshold, nprobe),
    }


@dataclass(frozen=True)
class Changes:
    """How many rows a catch-up upserted and deleted."""

    upserted: int = 0
    deleted: int = 0


def catch_up(state: IndexState, store: ProfileStore, embedder: Embedder) -> Changes:
    """Apply every store change after `state.seq` to the state."""
    upserted, deleted, now = store.changes_since(state.seq)
    if now == state.seq:
        return Changes()
    stored_emb: dict[int, Embeddings] = {}
    if upserted:
        stored_emb = store.embeddings([s.row_id for s in upserted], embedder.dim)
        missing = [s for s in upserted if not usable(stored_emb.get(s.row_id), s.profile, embedder.key)]
        if missing:
            # Written by a process with another model (or without embeddings): embed here and store.
            fresh = embed_profiles(embedder, [s.profile for s in missing])
            store.set_embeddings([(s.row_id, s.text_hash, e) for s, e in zip(missing, fresh)])
            stored_emb.update({s.row_id: e for s, e in zip(missing, fresh)})
    with state.lock.write():
        if now <= state.seq:  # a concurrent catch-up got further meanwhile
            return Changes()
        for row_id in deleted:
            state.forget(row_id)
        for s in upserted:
            state.apply(s, stored_emb[s.row_id])
        state.seq = now
    return Changes(len(upserted), len(deleted))


def lexical_index(stored: list[StoredProfile]) -> LexicalIndex:
    """BM25 over the offers texts of the active, discoverable mentors among `stored`."""
    mentors = [s for s in stored if findable(s.profile)]
    return LexicalIndex([s.row_id for s in mentors], [offers_text(s.profile) for s in mentors])


def rebuild_lexical(state: IndexState, store: ProfileStore) -> None:
    """Replace the state's BM25 with one built afresh from the store (its word statistics then count
    no deleted text), brought up to the state's own sequence before it is swapped in."""
    seq = store.current_seq()
    fresh = lexical_index(list(store.iter_profiles()))
    upserted, deleted, _ = store.changes_since(seq)
    with state.lock.write():
        for row_id in deleted:
            fresh.remove(row_id)
        for s in upserted:
            if findable(s.profile) and s.row_id in state.catalog.ids:
                fresh.upsert(s.row_id, offers_text(s.profile))
            else:
                fresh.remove(s.row_id)
        state.lexical = fresh


def book_extras(book: PhraseBook | None) -> dict:
    """A phrase book as the extras of a generation (Generations.write): phrase keys and vectors, no text."""
    return {} if book is None else {"phrase_keys": book.keys, "phrase_vectors": np.asarray(book.vectors)}


def _book_from(extras: dict) -> PhraseBook | None:
    if "phrase_vectors" not in extras:
        return None
    if "phrase_keys" in extras:
        return PhraseBook(extras["phrase_keys"], extras["phrase_vectors"])
    if "phrases" in extras:  # a generation written before books held keys only: keyed here, in memory
        return PhraseBook(phrase_keys(extras["phrases"]), extras["phrase_vectors"])
    return None


def build(
    store: ProfileStore,
    embedder: Embedder,
    generations: Generations,
    ann_threshold: int,
    nprobe: int,
    progress: bool = False,
    book_size: int = 0,
    book_longest: int = 2,
    previous_book: PhraseBook | None = None,
) -> tuple[IndexState, str]:
    """Build a new generation from the store and write it (not yet current: see IndexLifecycle._publish).

    Returns:
        (the state serving it, caught up with the store; the generation's name).

    With `book_size` > 0 the generation also carries a phrase book: up to that many key phrases (of
    up to `book_longest` words) shared by the active, discoverable mentors' bios, embedded (reusing
    `previous_book`'s vectors).

    The model runs only on profiles without an embedding from the configured model (imported by an
    older version, or under another model). A stored embedding is never recomputed: it was made from
    the same text by the same model, so running the model again would cost the whole model pass for
    nothing, and the int8 backend gives a text slightly different vectors in different batches
    (activations are quantized per batch), so overwriting it would let a killed re-index leave the
    store and the serving generation disagreeing.
    """
    started = time.perf_counter()
    seq = store.current_seq()
    rows: list[StoredProfile] = list(store.iter_profiles())
    dim = embedder.dim
    spec = specs(dim, ann_threshold, nprobe)
    catalog = Catalog(capacity=max(1024, (rows[-1].row_id + 1) if rows else 0))
    collected: dict[str, tuple[list[np.ndarray], list[np.ndarray]]] = {k: ([], []) for k in INDEX_KEYS}
    embedded = 0
    bar = tqdm(total=len(rows), desc="re-index", unit="profile", disable=not progress)
    for start in range(0, len(rows), EMBED_CHUNK):
        chunk = rows[start : start + EMBED_CHUNK]
        stored_emb = store.embeddings([s.row_id for s in chunk], dim)
        todo = [s for s in chunk if not usable(stored_emb.get(s.row_id), s.profile, embedder.key)]
        if todo:
            fresh = embed_profiles(embedder, [s.profile for s in todo])
            store.set_embeddings([(s.row_id, s.text_hash, e) for s, e in zip(todo, fresh)])
            stored_emb.update({s.row_id: e for s, e in zip(todo, fresh)})
            embedded += len(todo)
        for s in chunk:
            emb = stored_emb[s.row_id]
            catalog.upsert(s.row_id, s.profile, len(emb.passages), s.committed)
            _collect(collected["offers"], s.row_id, 1, emb.offers[None, :])
            _collect(collected["passages"], s.row_id, MAX_PASSAGES, emb.passages)
            if emb.goals is not None:
                _collect(collected["goals"], s.row_id, 1, emb.goals[None, :])
        bar.update(len(chunk))
    bar.close()
    indexes = {}
    for key, (ids, vectors) in collected.items():
        ids_arr = np.concatenate(ids) if ids else np.zeros(0, np.int64)
        vec_arr = np.vstack(vectors) if vectors else np.zeros((0, dim), np.float32)
        indexes[key] = build_base(spec[key], ids_arr, vec_arr)
    book = None
    if book_size > 0:
        book_started, before = time.perf_counter(), embedder.texts_encoded
        bios = (offers_text(s.profile) for s in rows if findable(s.profile))
        book = build_book(embedder, shared_phrases(bios, book_longest, book_size), previous_book)
        log.info(
            "phrase book: %d phrases, %d embedded, %.1f s",
            len(book),
            embedder.texts_encoded - before,
            time.perf_counter() - book_started,
        )
    manifest = {"model": embedder.key, "dim": dim, "count": len(rows), "seq": seq, "created_at": time.time()}
    name = generations.write(indexes, manifest, book_extras(book))
    log.info(
        "built index generation %s: %d profiles, %d embedded, %.1f s",
        name,
        len(rows),
        embedded,
        time.perf_counter() - started,
    )
    # Serve what was just written, memory-mapped (shared with other processes), not the arrays in hand.
    copies = generations.scoring_copies(name, verify=False)
    state = IndexState(
        catalog,
        *(VectorIndex(spec[k], indexes[k], copies.get(k)) for k in INDEX_KEYS),
        lexical_index(rows),
        seq=seq,
        generation=name,
        phrase_book=_book_from(generations.extras(name, verify=False)),
    )
    catch_up(state, store, embedder)
    return state, name


def _collect(into: tuple[list[np.ndarray], list[np.ndarray]], row_id: int, slots: int, vectors: np.ndarray) -> None:
    into[0].append(row_id * slots + np.arange(len(vectors), dtype=np.int64))
    into[1].append(vectors)


def load(
    store: ProfileStore,
    embedder: Embedder,
    generations: Generations,
    name: str,
    ann_threshold: int,
    nprobe: int,
    verify: bool = True,
) -> IndexState:
    """Load generation `name` (memory-mapped) and catch it up with the store.

    Raises:
        IndexMismatch: built by another model, or corrupt.
    """
    manifest, indexes, copies = generations.load(name, embedder.key, verify=verify)
    book = _book_from(generations.extras(name, manifest, verify))
    spec = specs(int(manifest["dim"]), ann_threshold, nprobe)
    catalog = Catalog()
    seq = int(manifest["seq"])
    store_seq = store.current_seq()
    if seq > store_seq:
        # Only a store restored from an older backup goes back in time. Catching up from `seq` would
        # miss the restored rows and every write numbered up to `seq` after the restore.
        raise IndexMismatch(
            f"index generation {name} is newer than the store (change {seq} > {store_seq}): "
            f"the store was restored from an older backup"
        )
    n_passages = {}
    if indexes["passages"].ntotal:
        passage_ids = faiss.vector_to_array(indexes["passages"].id_map)
        rows, counts = np.unique(passage_ids // MAX_PASSAGES, return_counts=True)
        n_passages = dict(zip(rows.tolist(), counts.tolist()))
    rows = list(store.iter_profiles())
    for stored in rows:
        catalog.upsert(stored.row_id, stored.profile, n_passages.get(stored.row_id, 0), stored.committed)
    state = IndexState(
        catalog,
        *(VectorIndex(spec[k], indexes[k], copies.get(k)) for k in INDEX_KEYS),
        lexical_index(rows),
        seq=seq,
        generation=name,
        phrase_book=book,
    )
    # Rows the generation holds that the store has since deleted or changed come back via catch-up
    # (tombstones and newer sequence numbers); rows missing from the catalog are never eligible.
    catch_up(state, store, embedder)
    return state
