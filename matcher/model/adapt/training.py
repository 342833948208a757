"""Fine-tune a local sentence-transformers model on triplets with in-batch negatives, on CPU, within a budget.

The loss is sentence-transformers' MultipleNegativesRankingLoss. The loop around it is ours rather
than SentenceTransformerTrainer (or `fit`, which sentence-transformers 5 runs through that trainer):
the trainer needs `datasets` and `accelerate`, which the service does not install, and this loop
needs only what it has. It stops at a wall-clock budget as well as a step count, keeps the training
texts in memory (no dataset cache, no checkpoints, no model card quoting them) and lets the learning
rate follow whichever budget runs out first.

What a step costs: forward and backward passes over 3 x batch texts (anchor, positive, negative), each
padded to its column's longest in the batch. On 2 cores of a 2026 cloud CPU (about 45 GFLOP/s in torch)
a batch of 32 pairs padded to 128 tokens took 10-17 s idle and 22-30 s next to other jobs: the model's
compute, not Python; triplets.length_batches groups texts of a length to pad less. Threads: the cores
this process may use (more only makes threads wait on each other).

The word embeddings stay frozen: a few hundred steps over one organisation's words would otherwise
move the vectors of those words only, and needs are written in words the profiles may never use.
"""

from __future__ import annotations

import logging
import math
import os
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from tqdm import tqdm

from .triplets import Triplet

log = logging.getLogger("matcher.adapt")

# Tokens per text while training (the model reads 256 when it serves): bios longer than this are cut
# for training only, which halves the cost of a step on the longest bios.
TRAIN_MAX_TOKENS = 128
WARMUP_SHARE = 0.1  # of the budget, the learning rate rises linearly, then falls linearly to 0
WEIGHT_DECAY = 0.01
MAX_GRAD_NORM = 1.0


@dataclass(frozen=True)
class TrainingBudget:
    """When training stops: after `minutes` of training or `max_steps` steps, whichever comes first
    (and at the end of the triplets)."""

    minutes: float
    max_steps: int | None = None


@dataclass(frozen=True)
class TrainingReport:
    """What a fine-tuning run did."""

    steps: int
    triplets_seen: int
    seconds: float
    first_loss: float  # mean over the first steps
    last_loss: float  # mean over the last steps
    stopped_by: str  # "minutes", "max-steps" or "data"


def usable_cores() -> int:
    """The cores this process may run on (its CPU affinity, which a container or `taskset` narrows;
    os.cpu_count() counts the whole machine's)."""
    try:
        return max(len(os.sched_getaffinity(0)), 1)
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def learning_rate_factor(progress: float) -> float:
    """The share of the peak learning rate at `progress` (0..1) of the budget: linear warm-up over the
    first WARMUP_SHARE, then linear decay to 0."""
    progress = min(max(progress, 0.0), 1.0)
    if progress < WARMUP_SHARE:
        return max(progress / WARMUP_SHARE, 0.05)
    return max((1.0 - progress) / (1.0 - WARMUP_SHARE), 0.0)


def fine_tune(
    base: Path,
    batches: Iterable[list[Triplet]],
    planned_steps: int,
    output: Path,
    budget: TrainingBudget,
    learning_rate: float = 2e-5,
    threads: int = 0,
    seed: int = 0,
    progress: bool = False,
) -> TrainingReport:
    """Fine-tune the model in `base` on `batches` and save it (weights, tokenizer, config) to `output`.

    Args:
        base: a local sentence-transformers folder (never fetched from a hub).
        batches: lists of triplets (see triplets.length_batches); each list is one step.
        planned_steps: how many steps `batches` holds at most (for the schedule and the progress bar).
        output: the folder to write the tuned model into (created; no model card is written).
        budget: when to stop.
        learning_rate: the peak learning rate (AdamW).
        threads: torch threads while training; 0 = every core.
        seed: the torch seed (dropout).
        progress: show a progress bar on standard error.
    Returns:
        What the run did.
    """
    import torch
    from sentence_transformers import SentenceTransformer

    try:  # sentence-transformers 5 moved the losses (the old path still imports, with a warning)
        from sentence_transformers.sentence_transformer.losses import MultipleNegativesRankingLoss
    except ImportError:  # 3.3 (pyproject's floor) and 4
        from sentence_transformers.losses import MultipleNegativesRankingLoss

    torch.manual_seed(seed)
    threads_before = torch.get_num_threads()
    torch.set_num_threads(threads or usable_cores())
    try:
        model = SentenceTransformer(str(base), device="cpu", local_files_only=True)
        tokenize = getattr(model, "preprocess", None) or model.tokenize  # preprocess: sentence-transformers 5
        serving_length = model.max_seq_length
        model.max_seq_length = min(serving_length or TRAIN_MAX_TOKENS, TRAIN_MAX_TOKENS)
        for parameter in model[0].auto_model.embeddings.parameters():
            parameter.requires_grad = False
        trainable = [p for p in model.parameters() if p.requires_grad]
        optimizer = torch.optim.AdamW(trainable, lr=learning_rate, weight_decay=WEIGHT_DECAY)
        loss_fn = MultipleNegativesRankingLoss(model)
        steps = min(planned_steps, budget.max_steps or planned_steps)
        seconds = budget.minutes * 60.0
        losses: list[float] = []
        triplets_seen, stopped_by = 0, "data"
        model.train()
        started = time.perf_counter()
        bar = tqdm(total=steps, desc="adapt", unit="step", disable=not progress)
        for step, batch in enumerate(batches, start=1):
            elapsed = time.perf_counter() - started
            share = max((step - 1) / max(steps, 1), elapsed / seconds)
            for group in optimizer.param_groups:
                group["lr"] = learning_rate * learning_rate_factor(share)
            features = [tokenize([t.anchor for t in batch]), tokenize([t.positive for t in batch])]
            features.append(tokenize([t.negative for t in batch]))  # hard negatives, beside the in-batch ones
            loss = loss_fn(features, None)
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(trainable, MAX_GRAD_NORM)
            optimizer.step()
            losses.append(float(loss.detach()))
            triplets_seen += len(batch)
            bar.update(1)
            bar.set_postfix(loss=f"{losses[-1]:.3f}", refresh=False)
            if step >= steps:
                stopped_by = "max-steps" if budget.max_steps and step >= budget.max_steps else "data"
                break
            if time.perf_counter() - started >= seconds:
                stopped_by = "minutes"
                break
        bar.close()
        trained_seconds = time.perf_counter() - started
        model.eval()
        model.max_seq_length = serving_length
        output.mkdir(parents=True, exist_ok=True)
        model.save(str(output), create_model_card=False)
    finally:
        torch.set_num_threads(threads_before)
    window = max(1, min(10, len(losses) // 4))
    mean = lambda values: sum(values) / len(values) if values else math.nan
    log.info(
        "fine-tuned %d steps (%d triplets) in %.1f s, stopped by %s",
        len(losses),
        triplets_seen,
        trained_seconds,
        stopped_by,
    )
    return TrainingReport(
        steps=len(losses),
        triplets_seen=triplets_seen,
        seconds=trained_seconds,
        first_loss=mean(losses[:window]),
        last_loss=mean(losses[-window:]),
        stopped_by=stopped_by,
    )
