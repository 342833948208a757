"""VectorIndex: FAISS over profile row ids, filtered inside the search.

An index is an immutable *base* (loaded memory-mapped from a generation on disk, so several worker
processes share one copy) plus a small in-memory *delta* that takes the changes made since the
base was written (like the sealed and growing segments of Milvus). A row changed or deleted after
the base was built is *shadowed*: the base never returns it again, the delta holds its new vector.

Ids: a vector's FAISS id is `row_id * slots + k`; slots is 1 for one vector per profile and
MAX_PASSAGES for passage vectors (k = passage number). The eligibility filter is a bitmap over
row ids, turned into a FAISS IDSelectorBitmap so that FAISS skips ineligible rows while searching.

An approximate (IVF) base comes with a *scoring copy* of its vectors: float16, in the base's own
order, memory-mapped like the index. Ranking reads a few thousand stored vectors a match (every
passage of every candidate), and FAISS decodes IVF vectors one at a time at ~2.5 us each.
"""

from __future__ import annotations

import os
import threading
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Protocol

import faiss
import numpy as np
import torch


class VectorSearch(Protocol):
    """What the match pipeline and the lifecycle need of a vector index (VectorIndex implements it)."""

    approximate: bool

    def search(
        self, query: np.ndarray, k: int, allowed_rows: np.ndarray | None = None, nprobe: int | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """The k nearest vectors among allowed rows: (scores, ids), best first."""

    def vectors(self, ids: np.ndarray) -> np.ndarray:
        """The stored vectors of these vector ids."""

    def upsert(self, row_id: int, vectors: np.ndarray) -> None:
        """Replace the vectors of one row."""

    def remove(self, row_id: int) -> None:
        """Remove every vector of one row from all future searches."""

    def contents(self) -> tuple[np.ndarray, np.ndarray]:
        """(ids, vectors) of every live vector, to write a generation."""


@dataclass(frozen=True)
class IndexSpec:
    """How to build a base index: exact below `ann_threshold` vectors, IVF above it."""

    dim: int
    slots: int = 1
    ann_threshold: int = 50_000
    nprobe: int = 32


def _row_bitmap(rows: np.ndarray, slots: int) -> np.ndarray:
    """Expand a boolean mask over row ids into a packed bitmap over vector ids (row * slots + k)."""
    if slots == 1:
        return np.packbits(rows, bitorder="little")
    if slots % 8 == 0:
        # Each row owns slots/8 whole bytes of the bitmap: all ones when the row is allowed.
        return np.repeat(rows.astype(np.uint8) * np.uint8(255), slots // 8)
    return np.packbits(np.repeat(rows, slots), bitorder="little")


_search_threads = 0  # FAISS threads per search wanted in this process (0 = library default)
_thread_setting = threading.local()


def set_search_threads(threads: int) -> None:
    """FAISS (OpenMP) threads for searches in this process; 0 leaves the library default."""
    global _search_threads
    _search_threads = threads
    _apply_search_threads()


def _apply_search_threads() -> None:
    # OpenMP keeps the setting per thread: a thread that never set it (an HTTP request thread, a
    # pool thread) searches with the default team, one thread per core. So each searching thread
    # applies it once.
    if _search_threads > 0 and getattr(_thread_setting, "threads", 0) != _search_threads:
        faiss.omp_set_num_threads(_search_threads)
        _thread_setting.threads = _search_threads


@contextmanager
def _all_cores():
    # Training and adding are batch work: use every core even when searches use one thread.
    before = faiss.omp_get_max_threads()
    faiss.omp_set_num_threads(os.cpu_count() or 1)
    try:
        yield
    finally:
        faiss.omp_set_num_threads(before)


def _new_exact(dim: int) -> faiss.Index:
    return faiss.IndexIDMap2(faiss.IndexFlatIP(dim))


def build_base(spec: IndexSpec, ids: np.ndarray, vectors: np.ndarray) -> faiss.Index:
    """Build a base index: exact inner product, or IVF when there are more than ann_threshold vectors.

    The IVF keeps its vectors as float16: half the memory to scan (at 1M vectors a search took 3.4
    instead of 4.6 ms) at the same recall (0.952 at nprobe 128 either way); cosines move by ~1e-3.
    """
    n = len(ids)
    if n <= spec.ann_threshold:
        index = _new_exact(spec.dim)
    else:
        nlist = int(min(max(4 * np.sqrt(n), 64), 65536))
        quantizer = faiss.IndexFlatIP(spec.dim)
        ivf = faiss.IndexIVFScalarQuantizer(
            quantizer, spec.dim, nlist, faiss.ScalarQuantizer.QT_fp16, faiss.METRIC_INNER_PRODUCT
        )
        rng = np.random.default_rng(0)
        sample = vectors[rng.choice(n, size=min(n, nlist * 40), replace=False)]
        with _all_cores():
            ivf.train(sample)
        ivf.nprobe = spec.nprobe
        ivf.make_direct_map()
        index = faiss.IndexIDMap2(ivf)
    if n:
        with _all_cores():
            index.add_with_ids(np.ascontiguousarray(vectors, dtype=np.float32), ids.astype(np.int64))
    return index


def _widened(half: np.ndarray) -> np.ndarray:
    """float16 vectors as float32. torch converts with the CPU's half-float instructions: for the ~2,000
    vectors a match scores numpy's cast took 1.3 ms, torch 0.04 ms (quiet machine; busy: 1.95 vs 0.44)."""
    out = np.empty(half.shape, dtype=np.float32)
    torch.from_numpy(out).copy_(torch.from_numpy(half))
    return out


def ivf_of(index: faiss.Index) -> faiss.IndexIVF | None:
    """The IVF index inside `index` (an IndexIDMap2 or a bare index), or None when it is exact."""
    inner = faiss.downcast_index(index.index) if isinstance(index, faiss.IndexIDMap2) else index
    return inner if isinstance(inner, faiss.IndexIVF) else None


class VectorIndex:
    """Vectors keyed by row id (and slot), searched with an eligibility bitmap over row ids."""

    def __init__(self, spec: IndexSpec, base: faiss.Index | None = None, base_vectors: np.ndarray | None = None):
        """Args:
        base: the immutable base index (an IndexIDMap2); None = empty.
        base_vectors: its scoring copy (n, dim), row i holding the vector at position i of the
            base's id map; None = read vectors out of the base itself.
        """
        self.spec = spec
        self.base = base if base is not None else _new_exact(spec.dim)
        # A plain ndarray over the memory map: np.memmap's own indexing costs more than the copy.
        self._base_vectors = None if base_vectors is None else np.asarray(base_vectors)
        if base_vectors is not None:
            if len(base_vectors) != self.base.ntotal:
                raise ValueError(f"scoring copy holds {len(base_vectors)} vectors, the base {self.base.ntotal}")
            positions_ids = faiss.vector_to_array(self.base.id_map)
            self._base_order = np.argsort(positions_ids, kind="stable")  # positions by ascending id
            self._base_sorted_ids = positions_ids[self._base_order]
            # Where each row's first vector sits in that order: a row's slots 0..n-1 follow it.
            rows = self._base_sorted_ids // spec.slots
            self._row_first = np.zeros(int(rows[-1]) + 1 if len(rows) else 0, dtype=np.int64)
            present, first = np.unique(rows, return_index=True)
            self._row_first[present] = first
        self.delta = _new_exact(spec.dim)
        self._delta_rows: dict[int, int] = {}  # row id -> number of vectors it has in the delta
        self._shadowed = np.zeros(0, dtype=bool)
        self._lock = threading.RLock()
        base_ids = faiss.vector_to_array(self.base.id_map) if self.base.ntotal else np.zeros(0, np.int64)
        self._row_limit = int(base_ids.max()) // spec.slots + 1 if len(base_ids) else 0  # 1 + highest row id
        if ivf_of(self.base) is not None:
            ivf_of(self.base).nprobe = spec.nprobe

    @property
    def approximate(self) -> bool:
        """True when the base is an IVF (approximate) index."""
        return ivf_of(self.base) is not None

    @property
    def ntotal(self) -> int:
        """How many live vectors the index holds."""
        with self._lock:
            shadowed_in_base = int(self._shadowed.sum()) and int(
                np.isin(self.base_row_ids(), np.flatnonzero(self._shadowed)).sum()
            )
            return self.base.ntotal - shadowed_in_base + self.delta.ntotal

    def base_row_ids(self) -> np.ndarray:
        """Row ids of the base vectors (with repeats for passage slots)."""
        return faiss.vector_to_array(self.base.id_map) // self.spec.slots

    def _grow(self, size: int) -> None:
        if size > len(self._shadowed):
            grown = np.zeros(max(size, 2 * len(self._shadowed)), dtype=bool)
            grown[: len(self._shadowed)] = self._shadowed
            self._shadowed = grown

    def upsert(self, row_id: int, vectors: np.ndarray) -> None:
        """Replace the vectors of one row (one vector, or one per passage slot)."""
        vectors = np.atleast_2d(np.asarray(vectors, dtype=np.float32))[: self.spec.slots]
        with self._lock:
            self._remove_locked(row_id)
            self._row_limit = max(self._row_limit, row_id + 1)
            if len(vectors):
                ids = row_id * self.spec.slots + np.arange(len(vectors), dtype=np.int64)
                self.delta.add_with_ids(vectors, ids)
                self._delta_rows[row_id] = len(vectors)

    def remove(self, row_id: int) -> None:
        """Remove every vector of one row, at once, from all future searches."""
        with self._lock:
            self._remove_locked(row_id)

    def _remove_locked(self, row_id: int) -> None:
        self._grow(row_id + 1)
        self._shadowed[row_id] = True
        count = self._delta_rows.pop(row_id, 0)
        if count:
            ids = row_id * self.spec.slots + np.arange(count, dtype=np.int64)
            self.delta.remove_ids(faiss.IDSelectorBatch(len(ids), faiss.swig_ptr(ids)))

    def search(
        self, query: np.ndarray, k: int, allowed_rows: np.ndarray | None = None, nprobe: int | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """The k nearest vectors among allowed rows: (scores, ids), best first; ids are row*slots+k.

        Args:
            query: one unit vector (dim,).
            k: how many results.
            allowed_rows: boolean mask indexed by row id (False or beyond its end = not eligible);
                None = every row.
            nprobe: IVF lists to search this time (None or 0: the spec's); ignored by an exact base.
        """
        _apply_search_threads()
        query = np.ascontiguousarray(query.reshape(1, -1), dtype=np.float32)
        with self._lock:
            shadowed = self._shadowed.copy() if self._shadowed.any() else None
            delta_scores, delta_ids = (np.empty(0, np.float32), np.empty(0, np.int64))
            if self.delta.ntotal:
                delta_scores, delta_ids = self._search_one(self.delta, query, k, allowed_rows)
        base_allowed = allowed_rows
        if shadowed is not None:
            if base_allowed is None:
                base_allowed = np.ones(max(len(shadowed), self._row_limit), dtype=bool)
            base_allowed = base_allowed.copy()
            n = min(len(base_allowed), len(shadowed))
            base_allowed[:n] &= ~shadowed[:n]
        base_scores, base_ids = self._search_one(self.base, query, k, base_allowed, nprobe)
        scores = np.concatenate([base_scores, delta_scores])
        ids = np.concatenate([base_ids, delta_ids])
        order = np.lexsort((ids, -scores))[:k]
        return scores[order], ids[order]

    def _search_one(
        self, index: faiss.Index, query: np.ndarray, k: int, allowed_rows: np.ndarray | None, nprobe: int | None = None
    ):
        if index.ntotal == 0 or k <= 0:
            return np.empty(0, np.float32), np.empty(0, np.int64)
        k = min(k, index.ntotal)
        ivf = ivf_of(index)
        selector, bitmap = None, None
        if allowed_rows is not None:
            if not allowed_rows.any():
                return np.empty(0, np.float32), np.empty(0, np.int64)
            bitmap = _row_bitmap(allowed_rows, self.spec.slots)
            selector = faiss.IDSelectorBitmap(len(bitmap), faiss.swig_ptr(bitmap))
        extra = {"sel": selector} if selector is not None else {}
        if ivf is not None:
            params = faiss.SearchParametersIVF(nprobe=nprobe or ivf.nprobe, **extra)
        else:
            params = faiss.SearchParameters(**extra) if extra else None
        scores, ids = index.search(query, k, params=params)
        del bitmap  # the selector points into it: kept alive until the search is done
        keep = ids[0] >= 0
        return scores[0][keep], ids[0][keep]

    def vectors(self, ids: np.ndarray) -> np.ndarray:
        """The stored vectors for these vector ids (rows must be present)."""
        ids = np.asarray(ids, dtype=np.int64)
        out = np.empty((len(ids), self.spec.dim), dtype=np.float32)
        with self._lock:
            if not self._delta_rows:
                in_delta = np.zeros(len(ids), dtype=bool)
            else:
                delta_rows = np.fromiter(self._delta_rows, dtype=np.int64, count=len(self._delta_rows))
                in_delta = np.isin(ids // self.spec.slots, delta_rows)
            if in_delta.any():
                out[in_delta] = self.delta.reconstruct_batch(ids[in_delta])
        if not in_delta.all():
            wanted = ids[~in_delta]
            if self._base_vectors is None:
                out[~in_delta] = self.base.reconstruct_batch(wanted)
            else:
                widened = _widened(self._base_vectors[self._base_order[self._sorted_positions(wanted)]])
                if not in_delta.any():
                    return widened
                out[~in_delta] = widened
        return out

    def _sorted_positions(self, ids: np.ndarray) -> np.ndarray:
        """Positions of base vector ids in ascending-id order (ids must be in the base)."""
        rows = ids // self.spec.slots
        if len(rows) and rows.max() < len(self._row_first):
            guess = self._row_first[rows] + ids % self.spec.slots
            guess = np.minimum(guess, len(self._base_sorted_ids) - 1)
            if np.array_equal(self._base_sorted_ids[guess], ids):
                return guess
        return np.searchsorted(self._base_sorted_ids, ids)

    def contents(self) -> tuple[np.ndarray, np.ndarray]:
        """(ids, vectors) of every live vector: the base less its shadowed rows, plus the delta.

        Reads the base through its scoring copy when it has one (FAISS decodes IVF vectors one by one).
        """
        with self._lock:
            base_ids = faiss.vector_to_array(self.base.id_map) if self.base.ntotal else np.zeros(0, np.int64)
            rows = base_ids // self.spec.slots
            keep = ~np.isin(rows, np.flatnonzero(self._shadowed)) if self._shadowed.any() else np.ones(len(rows), bool)
            delta_ids = faiss.vector_to_array(self.delta.id_map) if self.delta.ntotal else np.zeros(0, np.int64)
            delta_vectors = self.delta.reconstruct_batch(delta_ids) if len(delta_ids) else None
            kept_ids = base_ids[keep]
        kept_vectors = self.vectors(kept_ids) if len(kept_ids) else np.zeros((0, self.spec.dim), np.float32)
        if delta_vectors is None:
            return kept_ids, kept_vectors
        return np.concatenate([kept_ids, delta_ids]), np.vstack([kept_vectors, delta_vectors])

    def merged(self) -> faiss.Index:
        """One index with the base less its shadowed rows plus the delta (for writing a generation)."""
        return build_base(self.spec, *self.contents())
