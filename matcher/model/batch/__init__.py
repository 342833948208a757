"""Batch work beside the service: embedding engines that fill in the store's missing embeddings.

`engine.py` is the seam (what needs embedding, writing the vectors back, the in-process engine);
`ray_engine.py` runs the model on a Ray cluster (the optional extra `mentor-matcher[ray]`, imported only
when asked for).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ...errors import EngineUnavailable
from .engine import EmbeddingEngine, FillReport, InProcessEngine, fill_missing, missing_embeddings

if TYPE_CHECKING:
    from ...config import Settings

ENGINES = ("in-process", "ray")

__all__ = [
    "ENGINES",
    "EmbeddingEngine",
    "FillReport",
    "InProcessEngine",
    "engine_for",
    "fill_missing",
    "missing_embeddings",
]


def engine_for(name: str, settings: Settings, address: str | None = None) -> EmbeddingEngine | None:
    """The engine a re-index fills missing embeddings with before it builds.

    Args:
        name: "in-process" (None is returned: the build embeds what is missing itself, as always) or "ray".
        settings: the service's settings (model, backend, batch size).
        address: the Ray cluster to join (only with "ray"); None: a Ray started on this machine.
    Returns:
        The engine, or None for the in-process path.
    Raises:
        EngineUnavailable: an unknown engine, an address without Ray, or Ray not installed.
    """
    if name not in ENGINES:
        raise EngineUnavailable(f"--engine: expected one of {', '.join(ENGINES)}, got {name!r}")
    if name == "in-process":
        if address:
            raise EngineUnavailable("--address: only with --engine ray (the in-process engine runs here)")
        return None
    from .ray_engine import RayEngine

    return RayEngine(settings, address=address)
