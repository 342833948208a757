"""The parts of `mentor-match adapt` that concern the model folder, not the outcome log: whether the export
can run, how long re-embedding takes with a model, and `--revert` (back to the bundled model).

The training run itself (triplets from the outcome log, judged on held-back mentees) is matcher/learn/finetune.py.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from pathlib import Path

from ...config import Settings
from ...errors import ExportUnavailable
from ...profiles import Profile
from ..embedder import Embedder
from ..profile_vectors import profile_texts
from . import folders

ESTIMATE_SAMPLE = 200  # profiles whose texts are timed for the re-embedding estimate


EXPORT_MODULES = ("onnx", "onnxruntime", "optimum.onnxruntime")  # sentence-transformers[onnx]


def check_export_available() -> None:
    """Raises ExportUnavailable unless the ONNX export can run: checked before training, not after it.

    The service serves the adapted model's int8 ONNX file, which the `onnx` extra exports
    (`pip install -e '.[onnx]'`; scripts/setup installs it).
    """
    import importlib.util

    def found(module: str) -> bool:
        try:
            return importlib.util.find_spec(module) is not None
        except ModuleNotFoundError:  # the parent package is missing
            return False

    missing = [module for module in EXPORT_MODULES if not found(module)]
    if missing:
        raise ExportUnavailable(
            f"adapt exports the model to int8 ONNX, which needs {', '.join(missing)}: install the "
            f"onnx extra (`pip install -e '.[onnx]'`, as scripts/setup does)"
        )


@dataclass
class RevertResult:
    """What `mentor-match adapt --revert` did."""

    was_active: str | None
    deleted: list[str]
    kept: list[str]
    model: str  # the model the settings now pick
    overridden: bool
    reembed_minutes_per_10k: float | None
    texts_per_profile: float | None


def reembed_estimate(embedder: Embedder, profiles: list[Profile]) -> tuple[float, float]:
    """How long re-embedding takes with this model on this machine, timed on a sample of the profiles.

    Returns:
        (minutes per 10,000 profiles, texts a profile): the whole bio and skills, the goals and each
        bio sentence, as a re-index embeds them (the phrase book's phrases come on top).
    """
    sample = profiles[:ESTIMATE_SAMPLE]
    texts, _ = profile_texts(sample)
    embedder.encode(texts[:8])  # loaded outside the timing
    started = time.perf_counter()
    embedder.encode(texts)
    seconds = time.perf_counter() - started
    per_profile = len(texts) / max(len(sample), 1)
    return 10_000 * seconds / max(len(sample), 1) / 60.0, per_profile


def model_overridden() -> bool:
    """True when MATCHER_MODEL is set, so models/ACTIVE does not decide the model."""
    return bool(os.environ.get("MATCHER_MODEL", "").strip())


def stored_profiles(settings: Settings) -> list[Profile]:
    """Every profile in the store the settings name (in memory, for this run only)."""
    from ...store import open_store

    store = open_store(settings)
    try:
        return [stored.profile for stored in store.iter_profiles()]
    finally:
        store.close()


def revert(settings: Settings, models_dir: Path) -> RevertResult:
    """Go back to the bundled model: remove models/ACTIVE and delete adapted folders. The one that was
    active is kept (a running server may still open its files) until the next revert.

    Args:
        settings: the service's settings (to estimate the re-embedding on the stored profiles).
        models_dir: where adapted folders and models/ACTIVE live.
    Returns:
        What was removed and kept, and the model the settings now pick.
    """
    with folders.exclusive(models_dir):
        was_active = folders.deactivate(models_dir)
        keep = {was_active} if was_active else set()
        deleted = folders.prune(models_dir, keep)
    fresh = Settings.from_env()
    minutes_10k = per_profile = None
    profiles = stored_profiles(settings) if was_active else []
    if profiles:
        minutes_10k, per_profile = reembed_estimate(Embedder.from_settings(fresh), profiles)
    return RevertResult(
        was_active=was_active,
        deleted=deleted,
        kept=sorted(keep),
        model=fresh.model,
        overridden=model_overridden(),
        reembed_minutes_per_10k=minutes_10k,
        texts_per_profile=per_profile,
    )


def describe_revert(result: RevertResult) -> list[str]:
    """The answer of `mentor-match adapt --revert`."""
    lines = []
    if result.was_active:
        lines.append(f"reverted: models/ACTIVE no longer names {result.was_active}; the service uses {result.model}")
        estimate = ""
        if result.reembed_minutes_per_10k is not None:
            estimate = (
                f" (about {result.reembed_minutes_per_10k:.0f} min per 10k profiles on this machine, "
                f"{result.texts_per_profile:.1f} texts a profile)"
            )
        lines.append(
            f"next: `mentor-match reindex` re-embeds every profile with it{estimate}, then restart the servers"
        )
        if result.overridden:
            lines.append("note: MATCHER_MODEL is set and decides the model, whatever models/ACTIVE says")
    else:
        lines.append(f"no adapted model was active; the service uses {result.model}")
    if result.deleted:
        lines.append(f"deleted adapted models: {', '.join(result.deleted)}")
    if result.kept:
        lines.append(
            f"kept {', '.join(result.kept)} for servers started before the revert; "
            f"`mentor-match adapt --revert` again deletes it"
        )
    return lines
