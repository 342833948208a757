"""The self-check: does a model find held-back profiles' own texts better than another one?

Each probe (pairs.probe) asks a model to retrieve one held-back profile's document (its bio, or the
rest of its bio) from its query (its tags, or one of its sentences) among the documents of every
probe: exact cosine search, the rank of the profile's own document. Both models are run through the
Embedder that serves (the same backend, int8 ONNX by default), in the same run, on the same probes.
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass

import numpy as np

from ..embedder import Embedder
from .pairs import Probe

RANK_CUTOFF = 10


@dataclass(frozen=True)
class CheckScores:
    """How well a model answers the probes: MRR@10 and recall@10 (one right document a probe)."""

    mrr10: float
    recall10: float
    probes: int
    texts_per_second: float  # the model's encode throughput on the probes' texts, measured here

    def as_dict(self) -> dict:
        """The scores as a JSON-ready dict."""
        return {key: round(value, 4) if isinstance(value, float) else value for key, value in asdict(self).items()}


def ranks(queries: np.ndarray, documents: np.ndarray) -> np.ndarray:
    """The 1-based rank of document i for query i, among all documents (unit vectors; ties count
    against the right document)."""
    scores = queries @ documents.T
    own = np.diagonal(scores)[:, None]
    return (scores >= own).sum(axis=1)


def self_check(embedder: Embedder, probes: list[Probe]) -> CheckScores:
    """Run the probes through one model.

    Args:
        embedder: the model, as the service runs it.
        probes: the questions (at least two).
    Returns:
        Its MRR@10 and recall@10, and its encode throughput.
    """
    texts = [p.query for p in probes] + [p.document for p in probes]
    embedder.encode(texts[:8])  # load the model outside the timing
    started = time.perf_counter()
    vectors = embedder.encode(texts)
    seconds = time.perf_counter() - started
    found = ranks(vectors[: len(probes)], vectors[len(probes) :])
    within = found <= RANK_CUTOFF
    return CheckScores(
        mrr10=float(np.where(within, 1.0 / found, 0.0).mean()),
        recall10=float(within.mean()),
        probes=len(probes),
        texts_per_second=len(texts) / max(seconds, 1e-9),
    )


def improves(before: CheckScores, after: CheckScores, min_gain: float) -> bool:
    """The decision rule: adopt when MRR@10 gains at least `min_gain` and recall@10 is not lower (a
    negative `min_gain`, for trials, lets either fall by that much)."""
    return after.mrr10 - before.mrr10 >= min_gain and after.recall10 - before.recall10 >= min(0.0, min_gain)
