"""`scripts/evaluate.py DATASET --learn`: learn from half of a dev set's judged queries, test on the other half.

Half of the judged queries (by a hash of the query id: qrels_to_outcomes.half_of) become an outcome log
(each judgement an `accepted` outcome), imported with `mentor-match outcomes import`'s code; `mentor-match
learn`'s code runs on it; the default ranking is measured on the other half before and after. The log
and any learned ranking are removed from the (cached) data dir afterwards.

With --fine-tune-minutes M, `mentor-match adapt`'s code (matcher.learn.finetune) also fine-tunes the model on
the same log (its own held-back mentees decide whether it would adopt; the test half is measured with it
either way), a copy of the data dir is re-indexed with it, and the test half is measured with fine-tuning
alone and with a ranking learned again on the fine-tuned model: default, fusion only, fine-tuning only, both.
"""

from __future__ import annotations

import json
import shutil
import tempfile
import time
from dataclasses import asdict
from pathlib import Path

from evaluate import METRICS, evaluate  # scripts/ is not a package: found by sys.path
from qrels_to_outcomes import half_of, outcome_rows

from matcher.learn import LearnOptions, learn, revert
from matcher.learn.finetune import AdaptOptions, adapt
from matcher.learn.metrics import exposure
from matcher.model.embedder import Embedder
from matcher.outcomes.importing import import_outcomes
from matcher.service import MatchService


def learn_and_evaluate(
    args,
    service: MatchService,
    docs: list[dict],
    queries: list[dict],
    qrels: dict[str, dict[str, int]],
    ids: dict[str, str],
    back: dict[str, str],
    progress: bool,
    started: float,
    load_seconds: float,
) -> int:
    """--learn: the learn half as an outcome log, learned from; the test half evaluated before and after."""
    revert(service)
    service.store.delete_outcomes(everything=True)
    test = [q for q in queries if half_of(q["_id"]) == "test"]
    rows = outcome_rows(
        [q for q in queries if half_of(q["_id"]) == "learn"], qrels, ids, "learn", service.settings.max_need_chars
    )
    timer = time.perf_counter()
    imported = import_outcomes(service.store, service.embedder, enumerate(rows, start=1))
    import_seconds = time.perf_counter() - timer
    if imported.rejected:
        raise SystemExit(f"{len(imported.rejected)} outcome rows rejected, e.g. {imported.rejected[0]}")
    tops: dict[str, list[list[str]]] = {}
    before = evaluate(service, test, qrels, back, ["default"], progress, tops)["default"]
    before_tops = tops.pop("default")
    timer = time.perf_counter()
    kinds = ("linear", "lightgbm") if args.learn_kind == "both" else (args.learn_kind,)
    result = learn(service, LearnOptions(kinds=kinds), progress)
    learn_seconds = time.perf_counter() - timer
    after, after_tops = before, before_tops
    if result.adopted:
        after = evaluate(service, test, qrels, back, ["default"], progress, tops)["default"]
        after_tops = tops.pop("default")
    revert(service)
    fine = None
    if args.fine_tune_minutes is not None:
        fine = fine_tune_and_evaluate(args, service, test, qrels, back, kinds, progress)
    service.store.delete_outcomes(everything=True)
    mentors = len(docs)
    exposure_before, exposure_after = exposure(before_tops, mentors), exposure(after_tops, mentors)
    report = {
        "dataset": str(args.dataset),
        "split": args.split,
        "docs": len(docs),
        "learn_queries": len(queries) - len(test),
        "test_queries": len(test),
        "outcomes": imported.summary(),
        "learn": {
            "adopted": result.adopted,
            "reason": result.reason,
            "kind": result.kind,
            "counts": result.counts,
            "held_back_before": result.before,
            "held_back_after": result.after,
            "importance": result.importance,
            "seconds": result.seconds,
        },
        "test_half": {
            "before": {**before, "top5_gini": exposure_before[0], "top5_share": exposure_before[1]},
            "after": {**after, "top5_gini": exposure_after[0], "top5_share": exposure_after[1]},
        },
        "fine_tuning": fine,
        "import_seconds": round(import_seconds, 1),
        "learn_seconds": round(learn_seconds, 1),
        "load_seconds": round(load_seconds, 1),
        "seconds": round(time.perf_counter() - started, 1),
    }
    service.store.close()
    if args.json:
        print(json.dumps(report, indent=2, default=str))
        return 0
    print(
        f"{args.dataset.name} ({args.split}): learned from {report['learn_queries']} queries "
        f"({imported.added} outcomes), tested on {len(test)}; {report['seconds']} s"
    )
    print(f"learn ({learn_seconds:.1f} s): {result.reason}")
    lines = [
        "| test half | ndcg@10 | recall@10 | recall@50 | mrr@10 | top-5 Gini | mentors in a top 5 |",
        "|---|---|---|---|---|---|---|",
    ]
    for label, scores, (g, share) in (
        ("default", before, exposure_before),
        ("fusion only (learned)" if result.adopted else "fusion only (learned, not adopted)", after, exposure_after),
    ):
        lines.append(f"| {label} | " + " | ".join(f"{scores[m]:.3f}" for m in METRICS) + f" | {g:.3f} | {share:.3f} |")
    if fine is not None:
        print(f"adapt ({fine['adapt']['seconds'].get('total', 0):.0f} s): {fine['adapt']['reason']}")
        for label in ("fine-tuning only", "both"):
            if label in fine["test_half"]:
                scores = fine["test_half"][label]
                lines.append(f"| {label} | " + " | ".join(f"{scores[m]:.3f}" for m in METRICS) + " | | |")
        if "both" in fine["test_half"]:
            print(f"learn on the fine-tuned model: {fine['learn_reason']}")
    print("\n".join(lines))
    return 0


def fine_tune_and_evaluate(
    args, service: MatchService, test: list[dict], qrels, back: dict[str, str], kinds: tuple[str, ...], progress: bool
) -> dict:
    """Fine-tune on the outcome log in `service`'s store (without switching anything), re-index a copy of the
    store with the result, and measure the test half with it alone and with a ranking learned on it."""
    work = Path(tempfile.mkdtemp(prefix="evaluate-fine-tune-"))
    try:
        options = AdaptOptions(
            minutes=args.fine_tune_minutes,
            passes=args.fine_tune_passes,
            **({"max_steps": args.fine_tune_max_steps} if args.fine_tune_max_steps else {}),
        )
        result = adapt(service.settings, options, work / "models", activate=False, progress=progress)
        out = {
            "adapt": {
                "adopted": result.adopted,
                "reason": result.reason,
                "counts": result.counts,
                "held_back_before": result.before,
                "held_back_after": result.after,
                "training": asdict(result.training) if result.training else None,
                "seconds": result.seconds,
            },
            "test_half": {},
        }
        if result.folder is None:  # refused before training
            return out
        shutil.copytree(service.settings.data_dir, work / "data")  # the log with it; nothing is writing now
        settings = service.settings.replace(
            data_dir=work / "data", model=str(result.folder), insights_after_reindex=False
        )
        tuned = MatchService(settings, embedder=Embedder.from_settings(settings))
        try:
            timer = time.perf_counter()
            tuned.reindex(progress=progress)  # every profile embedded again, with the fine-tuned model
            tuned.open(progress=progress)
            out["reindex_seconds"] = round(time.perf_counter() - timer, 1)
            alone = evaluate(tuned, test, qrels, back, ["default"], progress)["default"]
            out["test_half"]["fine-tuning only"] = alone
            timer = time.perf_counter()
            learned = learn(tuned, LearnOptions(kinds=kinds), progress)
            out["learn_seconds"] = round(time.perf_counter() - timer, 1)
            out["learn_reason"] = learned.reason
            out["learn_held_back"] = {"before": learned.before, "after": learned.after}
            both = alone
            if learned.adopted:
                both = evaluate(tuned, test, qrels, back, ["default"], progress)["default"]
            out["test_half"]["both"] = both
        finally:
            tuned.close()
        return out
    finally:
        shutil.rmtree(work, ignore_errors=True)
