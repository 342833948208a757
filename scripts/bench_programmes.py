#!/usr/bin/env python
"""Benchmark of cohort pairing (issue 15) on synthetic sparse candidates: speed, memory, and what it wins.

For each size (mentees x mentors, K candidates per mentee, capacities 1-3), on the same cohort:
- optimal/score, optimal/participation (matcher.programmes.assignment.assign), greedy first-come and
  independent top-1: seconds, peak memory, total fit, number matched;
- the solvers that were considered for the optimum, on the same edges: OR-Tools min-cost flow (chosen),
  SciPy's sparse LAPJVsp (`min_weight_full_bipartite_matching`) on capacity slots with one dummy column
  per mentee, and networkx's network simplex (`min_cost_flow`, pure Python; small sizes only);
- two-way pools of a few thousand people (matcher.programmes.two_way.pair_within, rustworkx's blossom),
  beside networkx's pure-Python blossom and, with `--solvers cpsat`, CP-SAT as a 0/1 program.

Each measurement runs in a forked child so that its memory is its own: "peak MB" is the growth of the
child's peak resident set (VmHWM, reset before the solve) over its resident set before the solve, so it
counts C++ (OR-Tools) as well as Python and numpy allocations. Times are wall-clock seconds of the solve
alone (the candidates exist already, as they will when the match pipeline has retrieved them).

The cohort: mentors and mentees have topics; mentees' topics are Zipf-skewed (many want the same thing)
while mentors' are uniform, and within a topic the better mentors show up in more mentees' top K, so
popular mentors are oversubscribed, as with real top-K lists. Scores in [0, 1]: higher within the topic.

    scripts/bench_programmes.py                       # 1,000 x 5,000, 10,000 x 50,000, 1,000 x 400; pools 1k-4k
    scripts/bench_programmes.py --smoke               # seconds
    scripts/bench_programmes.py --sizes 1000x5000 --k 20 --out bench-results/programmes.json
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import platform
import sys
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path

import networkx as nx
import numpy as np
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import min_weight_full_bipartite_matching

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from matcher.programmes.assignment import SCORE_SCALE, assign
from matcher.programmes.baselines import greedy_first_come, independent_top1
from matcher.programmes.edges import CandidateEdges
from matcher.programmes.two_way import pair_within


def synthetic_cohort(
    n_mentees: int, n_mentors: int, k: int, most_capacity: int = 3, seed: int = 15
) -> tuple[CandidateEdges, np.ndarray]:
    """Sparse candidates (top k per mentee) with topic contention, and capacities 1..most_capacity."""
    rng = np.random.default_rng(seed)
    n_topics = max(5, n_mentors // 50)
    mentor_topic = rng.integers(0, n_topics, size=n_mentors)
    quality = rng.beta(2, 2, size=n_mentors)
    by_topic = [np.flatnonzero(mentor_topic == t) for t in range(n_topics)]
    popularity = 1.0 / np.arange(1, n_topics + 1)
    mentee_topic = rng.choice(n_topics, size=n_mentees, p=popularity / popularity.sum())
    clarity = rng.uniform(0.6, 1.0, size=n_mentees)  # a vague need fits everyone less
    mentee, mentor, score = [], [], []
    n_own = max(1, (k * 7) // 10)
    for i in range(n_mentees):
        pool = by_topic[mentee_topic[i]]
        # Within the topic, retrieval favours the better mentors: the same ones top many lists.
        keys = quality[pool] + rng.normal(0, 0.15, size=len(pool))
        own = pool[np.argsort(-keys)[:n_own]]
        others = rng.integers(0, n_mentors, size=k - len(own))
        chosen = np.unique(np.concatenate([own, others]))
        same = mentor_topic[chosen] == mentee_topic[i]
        s = np.where(same, 0.55 + 0.25 * quality[chosen], 0.2 + 0.2 * quality[chosen])
        s = clarity[i] * (s + 0.2 * rng.random(len(chosen)))
        mentee.append(np.full(len(chosen), i))
        mentor.append(chosen)
        score.append(np.clip(s, 0.0, 1.0))
    capacities = rng.integers(1, most_capacity + 1, size=n_mentors)
    edges = CandidateEdges.from_arrays(np.concatenate(mentee), np.concatenate(mentor), np.concatenate(score), n_mentees)
    return edges, capacities


def synthetic_pool(n_people: int, k: int, seed: int = 15) -> CandidateEdges:
    """A two-way pool: each person's top k partners, mostly of their own topic; symmetric scores."""
    rng = np.random.default_rng(seed)
    n_topics = max(3, n_people // 40)
    topic = rng.integers(0, n_topics, size=n_people)
    quality = rng.beta(2, 2, size=n_people)
    by_topic = [np.flatnonzero(topic == t) for t in range(n_topics)]
    a, b = [], []
    for i in range(n_people):
        pool = by_topic[topic[i]]
        pool = pool[pool != i]
        own = pool[np.argsort(-(quality[pool] + rng.normal(0, 0.15, size=len(pool))))[: (k * 7) // 10]]
        others = rng.integers(0, n_people, size=k - len(own))
        partners = np.unique(np.concatenate([own, others[others != i]]))
        a.append(np.full(len(partners), i))
        b.append(partners)
    a_all, b_all = np.concatenate(a), np.concatenate(b)
    lo, hi = np.minimum(a_all, b_all), np.maximum(a_all, b_all)
    pair_noise = np.random.default_rng(seed + 1).random(len(lo))
    # A symmetric score: a function of the unordered pair only (noise keyed by the pair, not the direction).
    key = lo.astype(np.int64) * n_people + hi
    noise = pair_noise[np.unique(key, return_inverse=True)[1]] if len(key) else pair_noise
    same = topic[lo] == topic[hi]
    score = np.where(same, 0.5 + 0.15 * (quality[lo] + quality[hi]), 0.2 + 0.1 * (quality[lo] + quality[hi]))
    return CandidateEdges.from_arrays(a_all, b_all, np.clip(score + 0.2 * noise, 0, 1), n_people)


def scipy_slots(edges: CandidateEdges, capacities: np.ndarray, objective: str) -> tuple[int, float]:
    """SciPy's sparse LAPJVsp on capacity slots (a mentor of capacity c = c columns) + a dummy per mentee."""
    n = edges.n_mentees
    slots = np.minimum(capacities, np.bincount(edges.mentor, minlength=len(capacities)))
    first_slot = np.concatenate([[0], np.cumsum(slots)])
    per_edge = slots[edges.mentor]
    rows = np.repeat(edges.mentee, per_edge)
    repeat_start = np.repeat(np.cumsum(per_edge) - per_edge, per_edge)
    cols = np.repeat(first_slot[edges.mentor], per_edge) + np.arange(len(rows)) - repeat_start
    # Weights must be non-zero: a pair costs 2 - score (in [1, 2]); staying unmatched costs 2, or, for
    # participation, more than any number of pairs can save (a big M).
    unmatched_cost = 2.0 * n + 2.0 if objective == "participation" else 2.0
    n_slots = int(first_slot[-1])
    matrix = csr_matrix(
        (
            np.concatenate([2.0 - np.repeat(edges.score, per_edge), np.full(n, unmatched_cost)]),
            (np.concatenate([rows, np.arange(n)]), np.concatenate([cols, n_slots + np.arange(n)])),
        ),
        shape=(n, n_slots + n),
    )
    row, col = min_weight_full_bipartite_matching(matrix)
    real = col < n_slots
    return int(real.sum()), float((2.0 - np.asarray(matrix[row[real], col[real]]).ravel()).sum())


def networkx_simplex(edges: CandidateEdges, capacities: np.ndarray, objective: str) -> tuple[int, float]:
    """networkx's network simplex on the same flow network (pure Python); participation with a big M."""
    n = edges.n_mentees
    bonus = (n + 1) * SCORE_SCALE if objective == "participation" else 0
    graph = nx.DiGraph()
    source, sink = ("s", 0), ("t", 0)
    graph.add_node(source, demand=-n)
    graph.add_node(sink, demand=n)
    graph.add_edge(source, sink, capacity=n, weight=0)  # staying unmatched: no gain
    for i in range(n):
        graph.add_edge(source, ("e", i), capacity=1, weight=0)
    for i, j, s in zip(edges.mentee.tolist(), edges.mentor.tolist(), edges.score.tolist()):
        graph.add_edge(("e", i), ("m", j), capacity=1, weight=-(bonus + round(s * SCORE_SCALE)))
    for j in np.unique(edges.mentor).tolist():
        graph.add_edge(("m", j), sink, capacity=int(capacities[j]), weight=0)
    flow = nx.min_cost_flow(graph)
    chosen = [(node[1], head[1]) for node, out in flow.items() if node[0] == "e" for head, f in out.items() if f]
    return len(chosen), float(sum(edges.score_of(i, j) for i, j in chosen))


def _peak_mb() -> float | None:
    try:
        with open("/proc/self/status") as fh:
            return next(int(line.split()[1]) for line in fh if line.startswith("VmHWM")) / 1024
    except (OSError, StopIteration):
        return None


def _rss_mb() -> float:
    with open("/proc/self/status") as fh:
        return next(int(line.split()[1]) for line in fh if line.startswith("VmRSS")) / 1024


def _child(fn: Callable[[], tuple[int, float]], conn) -> None:
    try:
        with open("/proc/self/clear_refs", "w") as fh:
            fh.write("5")  # reset the peak resident set to the current one
        before = _rss_mb()
    except OSError:
        before = None
    try:
        start = time.perf_counter()
        matched, total = fn()
        seconds = time.perf_counter() - start
    except Exception as error:
        conn.send({"error": repr(error)})
        return
    peak = _peak_mb()
    conn.send(
        {
            "seconds": round(seconds, 3),
            "matched": matched,
            "total": round(total, 3),
            "peak_mb": None if before is None or peak is None else round(peak - before, 1),
        }
    )


def measure(fn: Callable[[], tuple[int, float]]) -> dict:
    """Run fn (returning (matched, total)) in a forked child: seconds, peak memory growth, its figures."""
    context = multiprocessing.get_context("fork")
    parent, child = context.Pipe(duplex=False)
    process = context.Process(target=_child, args=(fn, child))
    process.start()
    result = parent.recv()
    process.join()
    if "error" in result:
        raise RuntimeError(f"measured run failed: {result['error']}")
    return result


def _figures(result) -> tuple[int, float]:
    return result.matched, result.total


def bench_size(
    n_mentees: int, n_mentors: int, k: int, most_capacity: int, solvers: list[str], networkx_max: int
) -> dict:
    """Every method and solver on one synthetic cohort."""
    edges, capacities = synthetic_cohort(n_mentees, n_mentors, k, most_capacity)
    rows = {
        "optimal/score": measure(lambda: _figures(assign(edges, capacities, objective="score"))),
        "optimal/participation": measure(lambda: _figures(assign(edges, capacities, objective="participation"))),
        "greedy first-come": measure(lambda: _figures(greedy_first_come(edges, capacities))),
        "independent top-1 (infeasible)": measure(lambda: _figures(independent_top1(edges))),
    }
    for solver in solvers:
        if solver == "networkx" and n_mentees > networkx_max:
            continue
        fn = {"scipy": scipy_slots, "networkx": networkx_simplex}.get(solver)
        for objective in ("score", "participation"):
            if fn is not None:
                rows[f"{solver}/{objective}"] = measure(partial(fn, edges, capacities, objective))
    return {
        "mentees": n_mentees,
        "mentors": n_mentors,
        "k": k,
        "most_capacity": most_capacity,
        "edges": len(edges),
        "places": int(capacities.sum()),
        "methods": rows,
    }


def networkx_blossom(pool: CandidateEdges, objective: str) -> tuple[int, float]:
    """networkx's max_weight_matching (pure Python blossom) on the same undirected integer-weighted edges."""
    graph = nx.Graph()
    for a, b, s in zip(pool.mentee.tolist(), pool.mentor.tolist(), pool.score.tolist()):
        weight = round(s * SCORE_SCALE)
        if weight > graph.get_edge_data(a, b, {"weight": -1})["weight"]:
            graph.add_edge(a, b, weight=weight)
    matching = nx.max_weight_matching(graph, maxcardinality=objective == "participation")
    return len(matching), sum(graph[a][b]["weight"] for a, b in matching) / SCORE_SCALE


def cpsat_matching(pool: CandidateEdges, objective: str, seconds: float = 120.0) -> tuple[int, float]:
    """OR-Tools CP-SAT (one worker, a time limit) on the two-way matching as a 0/1 program; score only.

    Raises:
        RuntimeError: when it has not proved an optimum within `seconds` (its best total is in the message).
    """
    from ortools.sat.python import cp_model

    if objective != "score":
        raise ValueError("cpsat_matching measures the score objective only")
    lo, hi = np.minimum(pool.mentee, pool.mentor), np.maximum(pool.mentee, pool.mentor)
    best: dict[tuple[int, int], int] = {}
    for a, b, s in zip(lo.tolist(), hi.tolist(), pool.score.tolist()):
        best[(a, b)] = max(best.get((a, b), 0), round(s * SCORE_SCALE))
    model = cp_model.CpModel()
    chosen = {pair: model.new_bool_var(f"{pair}") for pair in best}
    for person in range(pool.n_mentees):
        model.add_at_most_one([var for (a, b), var in chosen.items() if person in (a, b)])
    model.maximize(sum(weight * chosen[pair] for pair, weight in best.items()))
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    solver.parameters.max_time_in_seconds = seconds
    status = solver.solve(model)
    if status != cp_model.OPTIMAL:
        raise RuntimeError(
            f"CP-SAT: {solver.status_name(status)} after {seconds:.0f} s, "
            f"best total {solver.objective_value / SCORE_SCALE:.3f}"
        )
    pairs = [pair for pair, var in chosen.items() if solver.value(var)]
    return len(pairs), sum(best[pair] for pair in pairs) / SCORE_SCALE


def _pool_figures(pool, objective: str) -> dict:
    return _figures(pair_within(pool, objective=objective))


def bench_pool(n_people: int, k: int, solvers: list[str], networkx_max: int) -> dict:
    """Two-way pairing of one pool, both objectives (and networkx's blossom, for comparison)."""
    pool = synthetic_pool(n_people, k)
    rows = {
        f"two-way/{objective}": measure(partial(_pool_figures, pool, objective))
        for objective in ("score", "participation")
    }
    if "networkx" in solvers and n_people <= networkx_max:
        for objective in ("score", "participation"):
            rows[f"networkx blossom/{objective}"] = measure(partial(networkx_blossom, pool, objective))
    if "cpsat" in solvers:
        try:
            rows["cp-sat/score"] = measure(lambda: cpsat_matching(pool, "score"))
        except RuntimeError as error:
            rows["cp-sat/score"] = {"seconds": None, "peak_mb": None, "matched": 0, "total": 0.0, "error": str(error)}
    return {"people": n_people, "k": k, "edges": len(pool), "methods": rows}


def print_table(report: dict) -> None:
    print("| cohort | method | seconds | peak MB | matched | total fit | mean fit |")
    print("|---|---|---:|---:|---:|---:|---:|")
    for size in report["sizes"] + report["pools"]:
        name = (
            f"{size['mentees']:,} x {size['mentors']:,}, K={size['k']}, cap<={size['most_capacity']}"
            if "mentees" in size
            else f"pool {size['people']:,}, K={size['k']}"
        )
        for method, r in size["methods"].items():
            if "error" in r:
                print(f"| {name} | {method} | {r['error']} | | | | |")
                continue
            mean = r["total"] / r["matched"] if r["matched"] else 0.0
            print(
                f"| {name} | {method} | {r['seconds']:.3f} | {r['peak_mb']} | {r['matched']:,} | "
                f"{r['total']:,.1f} | {mean:.3f} |"
            )
    for size in report["sizes"]:
        m = size["methods"]
        s, p, g, t = (
            m["optimal/score"],
            m["optimal/participation"],
            m["greedy first-come"],
            m["independent top-1 (infeasible)"],
        )
        print(
            f"\n{size['mentees']:,} x {size['mentors']:,}: optimal/score {s['total'] - g['total']:+,.1f} fit and "
            f"{s['matched'] - g['matched']:+,} matched vs greedy first-come; optimal/participation "
            f"{p['matched'] - s['matched']:+,} matched for {p['total'] - s['total']:+,.1f} fit vs optimal/score; "
            f"optimal/score reaches {s['total'] / t['total']:.1%} of the top-1 bound "
            f"(greedy {g['total'] / t['total']:.1%})."
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--smoke", action="store_true", help="tiny sizes, runs in seconds")
    parser.add_argument(
        "--sizes",
        default="1000x5000,10000x50000,1000x400",
        help="MENTEESxMENTORS, comma-separated (the last default: mentors scarce)",
    )
    parser.add_argument("--k", type=int, default=10, help="candidates per mentee (default 10)")
    parser.add_argument("--most-capacity", type=int, default=3, help="capacities are drawn from 1..this (default 3)")
    parser.add_argument("--pools", default="1000,2000,4000", help="two-way pool sizes, comma-separated ('' = none)")
    parser.add_argument(
        "--solvers",
        default="scipy,networkx",
        help="other solvers to compare: scipy, networkx; cpsat (two-way pools, slow) ('' = none)",
    )
    parser.add_argument("--networkx-max", type=int, default=1000, help="largest cohort given to networkx")
    parser.add_argument("--out", type=Path, help="write the report as JSON here")
    args = parser.parse_args(argv)
    if args.smoke:
        args.sizes, args.pools, args.k = "200x1000", "100", 5
    sizes = [tuple(int(x) for x in s.split("x")) for s in args.sizes.split(",") if s]
    solvers = [s for s in args.solvers.split(",") if s]
    report = {
        "machine": {"cores": os.cpu_count(), "python": platform.python_version(), "load_start": os.getloadavg()},
        "sizes": [bench_size(n, m, args.k, args.most_capacity, solvers, args.networkx_max) for n, m in sizes],
        "pools": [bench_pool(int(n), args.k, solvers, args.networkx_max) for n in args.pools.split(",") if n],
    }
    print_table(report)
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
