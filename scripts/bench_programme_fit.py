#!/usr/bin/env python
"""What pairing a whole cohort at once wins, on real candidates: the demo profiles through the match pipeline.

For each cohort (the same members, the same candidates and places for every method):
- optimal/participation and optimal/score (matcher.programmes.assignment.assign, the programme's solver),
- greedy first-come: members in the cohort file's order each take their best mentor with a place left,
- independent top-1: each member's best candidate ignoring places (an upper bound on fit, not a pairing):
total fit, members matched, mean fit of a pair, mentors over their places (top-1 only), and the seconds
spent ranking candidates vs solving.

Cohorts, from the packaged demo (or `--profiles FILE`) imported into a temporary data dir, each once
with the mentors' free capacity as their places and once with one mentee per mentor (`max_per_mentor`
1: places are scarce, as in a first pilot):
- reverse: every person of seniority 7 or more, their goals as the need;
- traditional: every person of seniority 3 or less with goals;
- any: everyone with goals (the largest: many want the same few mentors).

    scripts/bench_programme_fit.py              # the three cohorts of the demo, K = 20
    scripts/bench_programme_fit.py --smoke      # seconds (CI)
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np

from matcher.cli import demo_profiles_path
from matcher.config import Settings
from matcher.importing.readers import read_file
from matcher.programmes.assignment import assign
from matcher.programmes.baselines import greedy_first_come, independent_top1
from matcher.service import MatchService

COHORTS = {
    "reverse": lambda p: p["seniority"] >= 7 and p.get("goals"),
    "traditional": lambda p: p["seniority"] <= 3 and p.get("goals"),
    "any": lambda p: bool(p.get("goals")),
}


def figures(assignment, places: np.ndarray | None = None) -> dict:
    """Total fit, matched, mean fit; with `places`, how many mentors got more mentees than their places."""
    out = {
        "total_fit": round(float(assignment.total), 3),
        "matched": int(assignment.matched),
        "mean_fit": round(float(assignment.total) / max(assignment.matched, 1), 4),
    }
    if places is not None:
        load = np.bincount([p.mentor for p in assignment.pairs], minlength=len(places))
        out["mentors_over_places"] = int((load > places).sum())
    return out


def bench_cohort(service: MatchService, style: str, members: list[dict], k: int, **rules) -> dict:
    """Create the programme, rank every member's candidates once, then compare the methods on them."""
    programmes = service.programmes
    pid = programmes.create(
        {
            "name": f"bench {style}",
            "style": style,
            "candidates": k,
            "cohort": [{"id": m["id"]} for m in members],
            **rules,
        }
    ).record.id
    started = time.perf_counter()
    inputs = programmes.draft_inputs(pid)
    ranking_s = time.perf_counter() - started
    results = {}
    for objective in ("participation", "score"):
        started = time.perf_counter()
        results[f"optimal/{objective}"] = dict(
            figures(assign(inputs.edges, inputs.capacities, objective=objective)),
            solve_s=round(time.perf_counter() - started, 4),
        )
    results["greedy first-come"] = figures(greedy_first_come(inputs.edges, inputs.capacities))
    results["independent top-1"] = figures(independent_top1(inputs.edges), inputs.capacities)
    programmes.delete(pid)
    return {
        "members": len(members),
        "ranked": len(inputs.members),
        "mentors": len(inputs.mentor_ids),
        "places": int(inputs.capacities.sum()),
        "edges": len(inputs.edges.score),
        "ranking_s": round(ranking_s, 2),
        "methods": results,
    }


def print_table(report: dict) -> None:
    print("| cohort | members | mentors (places) | method | matched | total fit | mean fit | note |")
    print("|---|---|---|---|---|---|---|---|")
    for style, cohort in report["cohorts"].items():
        for method, r in cohort["methods"].items():
            note = (
                f"{r['mentors_over_places']} mentors over their places"
                if "mentors_over_places" in r
                else (f"solve {r['solve_s'] * 1000:.0f} ms" if "solve_s" in r else "")
            )
            print(
                f"| {style} | {cohort['members']} | {cohort['mentors']} ({cohort['places']}) | {method} | "
                f"{r['matched']} | {r['total_fit']:.2f} | {r['mean_fit']:.3f} | {note} |"
            )
    timings = ", ".join(f"{style} {cohort['ranking_s']:.1f} s" for style, cohort in report["cohorts"].items())
    print(f"\nranking the candidates: {timings}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--profiles", type=Path, help="profiles to import (default: the packaged demo)")
    parser.add_argument("--k", type=int, default=20, help="candidates per member (default 20)")
    parser.add_argument("--smoke", action="store_true", help="a few members of one cohort: seconds")
    parser.add_argument("--out", type=Path, help="write the report as JSON here")
    args = parser.parse_args(argv)
    items, _ = read_file(args.profiles or demo_profiles_path())
    if args.smoke:
        items = items[:60]  # embedding all the demo takes most of a minute
    people = [item for _, item in items if isinstance(item, dict)]
    with tempfile.TemporaryDirectory() as data_dir:
        service = MatchService(Settings(data_dir=Path(data_dir) / "data")).open()
        service.import_items(items)
        report = {"profiles": len(people), "k": args.k, "cohorts": {}}
        for style, wanted in COHORTS.items():
            members = [p for p in people if wanted(p)]
            if args.smoke:
                members = members[:6]
            report["cohorts"][style] = bench_cohort(service, style, members, args.k)
            if args.smoke:
                break
            # Scarce places: one mentee per mentor in this programme (as in a first reverse-mentoring pilot).
            report["cohorts"][f"{style}, 1 each"] = bench_cohort(service, style, members, args.k, max_per_mentor=1)
        service.close()
    print_table(report)
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(report, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
