"""`scripts/evaluate.py DATASET --learn`: learn from half of a dev set's judged queries, test on the other half.

Half of the judged queries (by a hash of the query id: qrels_to_outcomes.half_of) become an outcome log
(each judgement an `accepted` outcome), imported with `mentor-match outcomes import`'s code; `mentor-match
learn`'s code runs on it; the default ranking is measured on the other half before and after. The log
and any learned ranking are removed from the (cached) data dir afterwards.
"""

from __future__ import annotations

import json
import time

from evaluate import METRICS, evaluate  # scripts/ is not a package: found by sys.path
from qrels_to_outcomes import half_of, outcome_rows

from matcher.learn import LearnOptions, learn, revert
from matcher.learn.metrics import exposure
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
        ("learned" if result.adopted else "learned (not adopted)", after, exposure_after),
    ):
        lines.append(f"| {label} | " + " | ".join(f"{scores[m]:.3f}" for m in METRICS) + f" | {g:.3f} | {share:.3f} |")
    print("\n".join(lines))
    return 0
