"""The embedding-engine seam: the service decides what to embed and keeps the vectors; an engine runs the model.

A re-index given an engine (`mentor-match reindex --engine ray`) first asks it to fill in the
embeddings the store lacks, then builds the generation as always (index/state.py `build`), which then
finds every profile's embedding stored and runs no model on profiles. The split of the work:

- `missing_embeddings` (the service): reads the store in chunks and picks the profiles without a usable
  embedding of the configured model (`profile_vectors.usable`);
- `EmbeddingEngine.embed` (the engine): profiles in, `(row_id, text_hash, Embeddings)` out, batch by
  batch, in any order; it only runs the model (`profile_vectors.embed_profiles`, the same function
  everywhere);
- `fill_missing` (the service): checks that the vectors come from the configured model and writes each
  batch as it arrives with `store.set_embeddings`, which refuses the vectors of a row whose text changed
  (or that was deleted) meanwhile.

Because every batch is committed as soon as it is back, a fill killed half-way keeps what it wrote, and
the next one embeds only the rest. Without an engine, `build` embeds what is missing itself, chunk by
chunk (that loop is the in-process engine of the default re-index; `InProcessEngine` here is the same
work behind this seam, for callers that fill first).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Protocol

from tqdm import tqdm

from ...errors import EngineError
from ...store import Embeddings, ProfileStore, StoredProfile
from ..embedder import Embedder
from ..profile_vectors import embed_profiles, usable

log = logging.getLogger("matcher.batch")

# (row id, the text hash the vectors were made from, the vectors): what ProfileStore.set_embeddings takes.
Embedded = tuple[int, str, Embeddings]


class EmbeddingEngine(Protocol):
    """Runs the model on batches of profiles; knows nothing of the store."""

    name: str
    chunk: int | None  # profiles read from the store and embedded together; None: the in-process build's

    def embed(self, batches: Iterable[list[StoredProfile]]) -> Iterator[list[Embedded]]:
        """Embed every profile of `batches`.

        Args:
            batches: the profiles to embed, a list at a time (consumed lazily).
        Returns:
            Lists of (row_id, text_hash, Embeddings), as they are ready, in any order and grouping.
        """

    def close(self) -> None:
        """Release what the engine started (processes, connections)."""


class InProcessEngine:
    """The model in this process: each batch through `embed_profiles` (what `state.build` does inline).

    Args:
        embedder: the model.
    """

    name = "in-process"

    def __init__(self, embedder: Embedder, chunk: int | None = None):
        self.embedder = embedder
        self.chunk = chunk

    def embed(self, batches: Iterable[list[StoredProfile]]) -> Iterator[list[Embedded]]:
        """Embed each batch in one length-sorted run; yields one list per batch (see EmbeddingEngine.embed)."""
        for batch in batches:
            vectors = embed_profiles(self.embedder, [s.profile for s in batch])
            yield [(s.row_id, s.text_hash, e) for s, e in zip(batch, vectors)]

    def close(self) -> None:
        """Nothing to release."""


@dataclass(frozen=True)
class FillReport:
    """What a fill did.

    Attributes:
        engine: the engine's name.
        needed: profiles without a usable embedding when the scan reached them.
        written: embeddings stored by this fill.
        refused: embeddings made but not stored: the row's text changed or the row was deleted meanwhile
            (its newer write brought its own embeddings; the build embeds any leftover itself).
        seconds: wall time of the fill.
    """

    engine: str
    needed: int
    written: int
    refused: int
    seconds: float


def missing_embeddings(
    store: ProfileStore, model_key: str, dim: int, chunk: int | None = None
) -> Iterator[list[StoredProfile]]:
    """The stored profiles without a usable embedding of `model_key`, a store chunk at a time.

    Args:
        store: the source of truth.
        model_key: the configured model's key (Embedder.key).
        dim: its dimension (to read the stored vectors).
        chunk: profiles read per step; None: the in-process build's (state.EMBED_CHUNK), so that each
            list holds the profiles the build would embed together (the same batch-mates, the same
            int8 vectors).
    Returns:
        An iterator of non-empty lists, in row-id order.
    """
    from ...index import state  # read at call time: tests shrink state.EMBED_CHUNK

    chunk = chunk or state.EMBED_CHUNK
    rows: list[StoredProfile] = []
    for stored in store.iter_profiles(batch_size=chunk):
        rows.append(stored)
        if len(rows) == chunk:
            todo = _unusable(store, rows, model_key, dim)
            rows = []
            if todo:
                yield todo
    if rows:
        todo = _unusable(store, rows, model_key, dim)
        if todo:
            yield todo


def _unusable(store: ProfileStore, rows: list[StoredProfile], model_key: str, dim: int) -> list[StoredProfile]:
    stored = store.embeddings([s.row_id for s in rows], dim)
    return [s for s in rows if not usable(stored.get(s.row_id), s.profile, model_key)]


def fill_missing(
    store: ProfileStore, engine: EmbeddingEngine, model_key: str, dim: int, progress: bool = False
) -> FillReport:
    """Store an embedding of `model_key` for every profile that lacks a usable one, made by `engine`.

    Each batch the engine returns is committed at once (`store.set_embeddings`), so a fill killed
    half-way keeps what it wrote and the next one embeds only the rest.

    Args:
        store: the source of truth (read and written here only, never by the engine).
        engine: runs the model.
        model_key: the configured model's key: every vector must come from it.
        dim: the model's dimension.
        progress: show a progress bar on standard error.
    Returns:
        What was needed, written and refused.
    Raises:
        EngineError: the engine returned vectors of another model or dimension (e.g. a worker with
            another model export), or failed.
    """
    started = time.perf_counter()
    counts = {"needed": 0, "written": 0, "refused": 0}

    def todo() -> Iterator[list[StoredProfile]]:
        for batch in missing_embeddings(store, model_key, dim, engine.chunk):
            counts["needed"] += len(batch)
            yield batch

    bar = tqdm(desc=f"embed ({engine.name})", unit="profile", disable=not progress)
    try:
        for items in engine.embed(todo()):
            _check(items, model_key, dim)
            written = store.set_embeddings(items)
            counts["written"] += written
            counts["refused"] += len(items) - written
            bar.update(len(items))
    finally:
        bar.close()
    report = FillReport(
        engine.name, counts["needed"], counts["written"], counts["refused"], round(time.perf_counter() - started, 3)
    )
    log.info(
        "embedding fill (%s): %d needed, %d written, %d refused (text changed or deleted), %.1f s",
        report.engine,
        report.needed,
        report.written,
        report.refused,
        report.seconds,
    )
    return report


def _check(items: list[Embedded], model_key: str, dim: int) -> None:
    for row_id, _, emb in items:
        if emb.model_key != model_key:
            raise EngineError(
                f"the engine embedded row {row_id} with model {emb.model_key!r}, not the configured "
                f"{model_key!r}: every worker needs the same model export (same files, same "
                f"backend) as the machine running the re-index"
            )
        if emb.offers.shape != (dim,) or emb.passages.ndim != 2 or emb.passages.shape[1] != dim:
            raise EngineError(
                f"the engine returned vectors of the wrong shape for row {row_id} "
                f"(offers {emb.offers.shape}, passages {emb.passages.shape}; dimension {dim})"
            )
