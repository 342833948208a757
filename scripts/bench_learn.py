"""Part (l) of scripts/bench.py: what a learned ranking costs, and how long `mentor-match learn` takes.

On the bench's data dir of N profiles:
1. an outcome log of `--outcomes` needs (the bench's kind of need, other ones than those timed), each
   mentee having accepted one of the hand-tuned ranking's first five mentors (its (i mod 5)th), imported
   with `mentor-match outcomes import`'s code (timed);
2. `mentor-match learn` on it (timed; the linear model). The cost is measured whatever learn decides: a
   ranking it did not adopt is made active for the measurement (the report says so);
3. in-process, need by need, alternated: the match without the learned ranking, then with it (its
   votes from every outcome, its extra candidates, its features and model), `--requests` needs; p50 of
   each and their ratio. Alternating keeps both under the same machine load.
The log and the ranking are removed afterwards.
"""

from __future__ import annotations

import time
from pathlib import Path

from matcher.config import Settings
from matcher.learn import LearnOptions, artefacts, learn, revert
from matcher.model.embedder import Embedder
from matcher.outcomes.importing import import_outcomes
from matcher.service import MatchService


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    k = (len(ordered) - 1) * q / 100
    low = int(k)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (k - low)


def _both(service: MatchService, request, learned_first: bool) -> dict[str, float]:
    """{"without": ms, "learned": ms}: one match without the learned ranking and one with it, in that order
    or the other."""

    def without() -> None:
        service.pipeline.run(request, service.refresh())

    def learned() -> None:
        service.match(request)

    ms = {}
    for name, run in (
        (("learned", learned), ("without", without)) if learned_first else (("without", without), ("learned", learned))
    ):
        started = time.perf_counter()
        run()
        ms[name] = (time.perf_counter() - started) * 1000
    return ms


def part_l(settings: Settings, embedder: Embedder, folder: Path, n: int, needs, args, log) -> dict:
    """(l): see the module docstring. `needs(count, seed)` gives /v1/match bodies."""
    service = MatchService(settings.replace(data_dir=folder), embedder=embedder).open()
    out: dict = {"profiles": n, "outcomes": args.outcomes}
    try:
        revert(service)
        service.store.delete_outcomes(everything=True)
        rows = []
        for i, body in enumerate(needs(args.outcomes, args.seed + 1)):
            body = {**body, "style": "any", "limit": 5, "mentee": {}}
            ranked = [m["mentor"]["id"] for m in service.match(body)["matches"]]
            if ranked:
                rows.append(
                    {
                        "need": body["need"],
                        "mentor_id": ranked[i % len(ranked)],
                        "outcome": "accepted",
                        "mentee_id": f"bench-mentee-{i}",
                    }
                )
        started = time.perf_counter()
        imported = import_outcomes(service.store, service.embedder, enumerate(rows, start=1))
        out["import_seconds"] = round(time.perf_counter() - started, 1)
        log(f"(l) N={n}: imported {imported.added} outcomes in {out['import_seconds']} s")
        started = time.perf_counter()
        # The defaults (200 outcomes, 30 held-back mentees) apply from 2,000 outcomes; a smoke run's few use less.
        result = learn(
            service,
            LearnOptions(
                kinds=("linear",), min_outcomes=min(200, len(rows) // 2), min_held_back=min(30, max(2, len(rows) // 10))
            ),
        )
        out["learn_seconds"] = round(time.perf_counter() - started, 1)
        out["learn"] = {
            "adopted": result.adopted,
            "reason": result.reason,
            "seconds": result.seconds,
            "counts": result.counts,
        }
        log(f"(l) N={n}: learn took {out['learn_seconds']} s: {result.reason}")
        if not result.adopted:
            name = artefacts.save(folder, result.model, {"bench": "made active to measure its cost"})
            artefacts.activate(folder, name)
            service.learned.reload()
            out["activated_for_the_measurement"] = True
        timed = needs(args.requests + 10, args.seed)
        plain, learned = [], []
        for i, body in enumerate(timed):
            request = service.parse(body)
            # Which goes first alternates: the second finds the need's vectors in the query cache.
            ms = _both(service, request, learned_first=bool(i % 2))
            if i >= 10:  # the first ones warm up caches and the ranking's votes
                plain.append(ms["without"])
                learned.append(ms["learned"])
        out["match_without"] = {"p50_ms": round(percentile(plain, 50), 2), "p95_ms": round(percentile(plain, 95), 2)}
        out["match_learned"] = {
            "p50_ms": round(percentile(learned, 50), 2),
            "p95_ms": round(percentile(learned, 95), 2),
        }
        out["p50_ratio"] = round(out["match_learned"]["p50_ms"] / out["match_without"]["p50_ms"], 3)
        log(
            f"(l) N={n}: match p50 {out['match_without']['p50_ms']} ms -> {out['match_learned']['p50_ms']} ms "
            f"with the learned ranking (ratio {out['p50_ratio']})"
        )
    finally:
        revert(service)
        service.store.delete_outcomes(everything=True)
        service.close()
    return out
