#!/usr/bin/env python
"""Simulate a mentoring market on a BEIR-format data set, with and without each rule of the ranking (issue 22).

The corpus's documents are mentors (scripts/evaluate.py's profiles, with a seeded capacity of 1 to 3
long-term mentees), the queries are mentees (seniority 3, so every mentor may mentor them traditionally).
Everything goes through the real service: `MatchService.match` proposes, `RelationshipService` asks, answers
and expires, the store keeps the ledger. Each round (one request lifetime, MATCHER_REQUEST_TTL_DAYS):

1. every mentee not yet paired and not waiting for an answer, in a fixed seeded order, matches
   (style traditional, their stored profile) and asks their top mentor;
2. mentors answer: those with room (capacity - active relationships) accept, the others decline; a share
   of mentors (`--silent`) never answer, and their requests expire at the next round. Half of those silent
   mentors last acted a year before the market opens (they accepted a flash request then).

Rules, each switched off in one run ("without"), all off in the last:
- room: a long-term mentor's room counts their pending requests (off: relationships only, as before);
- never_again: a declined request keeps that mentor from that mentee;
- responsiveness: the response-rate factor (MATCHER_RESPONSIVENESS_WEIGHT);
- inactivity: mentors without activity for MATCHER_INACTIVE_DAYS sink below the active.
Switching off `room` and `never_again` replaces the store's ledger subquery and ban check in this process
only (the product has no such switch); the other two are settings.

    scripts/simulate_market.py --smoke                          # tests/data/skills, two rounds: a check
    scripts/simulate_market.py ../shared/eval/peoplegrove-dev   # the lists dev set (figures in the README)

Reported per run: the requests sent, the share sent to mentors without room (their capacity already
taken by relationships and pending requests), the largest number of pending requests on one mentor at
once, the share of mentees paired after one round and after all rounds, the Gini of requests received
over all mentors, the share of mentors ever asked, and (with qrels) nDCG@10 of the first round's rankings.
The loaded market is cached under ~/.cache/mentor-matcher/simulate/ (or --cache-dir) and copied per run.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import random
import shutil
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

import evaluate  # noqa: E402  (scripts/evaluate.py: the same documents as profiles)

from matcher.config import Settings  # noqa: E402
from matcher.errors import Conflict, InvalidInput, RuleRefused  # noqa: E402
from matcher.model.embedder import Embedder  # noqa: E402
from matcher.relationships.access import Actor  # noqa: E402
from matcher.relationships.service import RelationshipService  # noqa: E402
from matcher.service import MatchService  # noqa: E402
from matcher.store import ledger, sqlite  # noqa: E402

SMOKE_DATA = ROOT / "tests" / "data" / "skills"
RULES = ("room", "never_again", "responsiveness", "inactivity")
RUNS = ("all rules", *(f"without {r}" for r in RULES), "no rules")
DAY = 86_400.0
ADMIN = Actor.admin()
HISTORY_MENTEE = "sim-history"
LOADER_VERSION = "1"


@dataclass
class Outcome:
    """What one run of the market gave."""

    run: str
    requests: int = 0
    to_full_share: float = 0.0
    max_pending: int = 0
    paired_round1: float = 0.0
    paired_end: float = 0.0
    gini_received: float = 0.0
    mentors_asked: float = 0.0
    ndcg10_first: float | None = None
    refused: int = 0
    seconds: float = 0.0
    per_round: list[int] = field(default_factory=list)


def gini(values: list[int]) -> float:
    """The Gini coefficient of non-negative counts (0: all equal; near 1: one has all)."""
    xs = sorted(values)
    total = sum(xs)
    if not xs or total == 0:
        return 0.0
    n = len(xs)
    return 2 * sum((i + 1) * x for i, x in enumerate(xs)) / (n * total) - (n + 1) / n


# -- the market's data --------------------------------------------------------------------------------


@dataclass
class Market:
    mentors: dict[str, int]  # mentor id -> capacity
    mentees: list[tuple[str, str, str]]  # (profile id, query id, need)
    silent: set[str]
    dormant: set[str]
    qrels: dict[str, dict[str, int]]
    back: dict[str, str]  # mentor profile id -> document id


def read_market(
    dataset: Path, max_mentees: int | None, silent_share: float, seed: int
) -> tuple[Market, list[tuple[int, dict]]]:
    """The market and the profiles to import (mentors, mentees, the history mentee)."""
    docs = evaluate.read_jsonl(dataset / "corpus.jsonl")
    queries = [q for q in evaluate.read_jsonl(dataset / "queries.jsonl") if q.get("text", "").strip()]
    qrels_path = dataset / "qrels" / "dev.tsv"
    qrels = evaluate.read_qrels(qrels_path) if qrels_path.exists() else {}
    if qrels:
        queries = [q for q in queries if q["_id"] in qrels]
    queries = queries[:max_mentees] if max_mentees else queries
    rng = random.Random(seed)
    ids = evaluate.profile_ids([d["_id"] for d in docs])
    profiles, mentors = [], {}
    for doc in docs:
        data = evaluate.to_profile(doc, ids[doc["_id"]])
        data["capacity"] = rng.randint(1, 3)
        mentors[data["id"]] = data["capacity"]
        profiles.append(data)
    mentees = []
    for q in queries:
        pid = "sim-" + evaluate.profile_ids([q["_id"]])[q["_id"]][4:]
        profiles.append({"id": pid, "name": f"Mentee {q['_id']}"[:200], "seniority": 3})
        mentees.append((pid, q["_id"], q["text"].strip()))
    profiles.append({"id": HISTORY_MENTEE, "name": "Market history", "seniority": 3})
    order = sorted(mentors)
    silent = set(rng.sample(order, round(silent_share * len(order))))
    dormant = set(sorted(silent)[::2])
    rng.shuffle(mentees)
    market = Market(mentors, mentees, silent, dormant, qrels, {pid: doc for doc, pid in ids.items()})
    return market, list(enumerate(profiles, start=1))


def loaded(
    dataset: Path,
    items: list[tuple[int, dict]],
    settings: Settings,
    embedder: Embedder,
    cache: Path | None,
    progress: bool,
) -> Path:
    """A data dir holding the market's profiles and index (made once, then reused)."""
    if cache is None:
        key = evaluate.cache_key(
            dataset / "corpus.jsonl",
            LOADER_VERSION,
            embedder.key,
            len(items),
            evaluate.passage_signature(),
            json.dumps(items[-50:], sort_keys=True),
        )
        cache = evaluate.eval_root().parent / "simulate" / f"{dataset.name}-{key}"
    seed = evaluate.cache_dir(
        argparse.Namespace(cache_dir=None, split="dev", max_queries=None, max_docs=None),
        dataset / "corpus.jsonl",
        settings,
        embedder,
    )
    if not cache.exists() and (seed / "profiles.db").exists():
        # scripts/evaluate.py loaded these documents already: its embeddings serve (the same texts; only the
        # capacities and the mentees are new), so only the mentees are embedded here.
        shutil.copytree(seed, cache, ignore=shutil.ignore_patterns("*.reindex-lock", ".follow-lock"))
    service = MatchService(settings.replace(data_dir=cache), embedder=embedder)
    try:
        if service.store.count() != len(items) or service.generations.current_name() is None:
            report = service.import_items(iter(items), progress=progress, total=len(items), checkpoint=True)
            if report.rejected:
                raise SystemExit(f"{len(report.rejected)} profiles rejected, e.g. {report.rejected[0]}")
        if service.settings.phrase_book_size and service.open().refresh().phrase_book is None:
            service.reindex(progress=progress)
    finally:
        service.close()
    return cache


# -- switching rules off (this process only) -------------------------------------------------------------


@contextlib.contextmanager
def rules_off(service: MatchService, off: set[str]):
    """Switch off `room` and `never_again` in this process (the settings switch off the other two)."""
    saved = (ledger.committed_sql, sqlite.COMMITTED, ledger.Ledger.banned)
    if "room" in off:

        def relationships_only(dialect: ledger.Dialect) -> str:
            return (
                "(SELECT COUNT(*) FROM relationships r WHERE r.mentor_id = profiles.id AND r.state = 'active' "
                "AND r.long_term)"
            )

        ledger.committed_sql = relationships_only
        sqlite.COMMITTED = relationships_only(sqlite.SQLITE)
    if "never_again" in off:
        ledger.Ledger.banned = lambda self, mentee_id, mentor_id: False
        service.store.never_again = lambda mentee_id: set()
    try:
        yield
    finally:
        ledger.committed_sql, sqlite.COMMITTED, ledger.Ledger.banned = saved


# -- one run ---------------------------------------------------------------------------------------------------


def run_market(
    name: str,
    off: set[str],
    market: Market,
    base_dir: Path,
    settings: Settings,
    embedder: Embedder,
    rounds: int,
    work: Path,
) -> Outcome:
    started = time.perf_counter()
    data_dir = work / name.replace(" ", "-")
    shutil.copytree(base_dir, data_dir)
    changes = {"data_dir": data_dir}
    if "responsiveness" in off:
        changes["responsiveness_weight"] = 0.0
    if "inactivity" in off:
        changes["inactive_days"] = 0.0
    service = MatchService(settings.replace(**changes), embedder=embedder)
    outcome = Outcome(name)
    try:
        with rules_off(service, off):
            service.open()
            simulate(service, market, rounds, outcome)
    finally:
        service.close()
        shutil.rmtree(data_dir, ignore_errors=True)
    outcome.seconds = round(time.perf_counter() - started, 1)
    return outcome


def simulate(service: MatchService, market: Market, rounds: int, outcome: Outcome) -> None:
    t0 = time.time()
    clock = [t0]
    loop = RelationshipService(service.store, service.settings, service, clock=lambda: clock[0])
    ttl = service.settings.request_ttl_days * DAY
    history = RelationshipService(service.store, service.settings, service, clock=lambda: t0 - 365 * DAY)
    for mentor in sorted(market.dormant):  # their last act, a year before the market opens
        asked = history.ask(
            ADMIN, {"mentee_id": HISTORY_MENTEE, "mentor_id": mentor, "need": "history", "style": "flash"}
        )
        history.answer(ADMIN, asked["id"], {"answer": "accept"})
    active = dict.fromkeys(market.mentors, 0)
    pending = dict.fromkeys(market.mentors, 0)
    received = dict.fromkeys(market.mentors, 0)
    waiting: dict[str, str] = {}  # mentee -> mentor they wait for
    paired: set[str] = set()
    ndcgs: list[float] = []
    to_full = 0
    for round_no in range(rounds):
        clock[0] = t0 + round_no * ttl + 1
        for expired in loop.expire_due():
            if expired.mentee_id in waiting:
                pending[expired.mentor_id] -= 1
                waiting.pop(expired.mentee_id)
        service.pipeline.forget_prior()
        created = []
        for mentee_id, query_id, need in market.mentees:
            if mentee_id in paired or mentee_id in waiting:
                continue
            answer = service.match(
                {
                    "need": need[: service.settings.max_need_chars],
                    "style": "traditional",
                    "mentee": {"id": mentee_id},
                    "limit": 10,
                }
            )
            ranked = [m["mentor"]["id"] for m in answer["matches"]]
            if round_no == 0 and market.qrels:
                ndcgs.append(
                    evaluate.score_query([market.back.get(r, r) for r in ranked], market.qrels[query_id])["ndcg@10"]
                )
            if not ranked:
                continue
            top = ranked[0]
            full = market.mentors[top] - active[top] - pending[top] <= 0
            try:
                request = loop.ask(
                    ADMIN, {"mentee_id": mentee_id, "mentor_id": top, "need": need[:2000], "style": "traditional"}
                )
            except (RuleRefused, Conflict, InvalidInput):
                outcome.refused += 1
                continue
            outcome.requests += 1
            to_full += full
            received[top] += 1
            pending[top] += 1
            outcome.max_pending = max(outcome.max_pending, pending[top])
            waiting[mentee_id] = top
            created.append(request)
        outcome.per_round.append(len(created))
        clock[0] += ttl / 2  # mentors answer within the request's lifetime
        for request in created:
            mentor, mentee = request["mentor_id"], request["mentee_id"]
            if mentor in market.silent:
                continue
            pending[mentor] -= 1
            waiting.pop(mentee)
            accept = market.mentors[mentor] - active[mentor] > 0
            try:
                loop.answer(ADMIN, request["id"], {"answer": "accept" if accept else "decline"})
            except Conflict:
                accept = False
                loop.answer(ADMIN, request["id"], {"answer": "decline"})
            if accept:
                active[mentor] += 1
                paired.add(mentee)
        if round_no == 0:
            outcome.paired_round1 = round(len(paired) / max(1, len(market.mentees)), 4)
    outcome.paired_end = round(len(paired) / max(1, len(market.mentees)), 4)
    outcome.to_full_share = round(to_full / max(1, outcome.requests), 4)
    outcome.gini_received = round(gini(list(received.values())), 4)
    outcome.mentors_asked = round(sum(1 for v in received.values() if v) / max(1, len(received)), 4)
    outcome.ndcg10_first = round(sum(ndcgs) / len(ndcgs), 4) if ndcgs else None


# -- the report --------------------------------------------------------------------------------------------------

COLUMNS = (
    ("run", "run"),
    ("requests", "requests"),
    ("to_full_share", "to mentors without room"),
    ("max_pending", "most pending on one mentor"),
    ("paired_round1", "paired in round 1"),
    ("paired_end", "paired at the end"),
    ("gini_received", "Gini of requests received"),
    ("mentors_asked", "mentors ever asked"),
    ("ndcg10_first", "nDCG@10, first ranking"),
)


def table(outcomes: list[Outcome]) -> str:
    lines = ["| " + " | ".join(title for _, title in COLUMNS) + " |", "|" + "---|" * len(COLUMNS)]
    for o in outcomes:
        values = asdict(o)
        lines.append("| " + " | ".join("-" if values[k] is None else str(values[k]) for k, _ in COLUMNS) + " |")
    return "\n".join(lines)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("dataset", type=Path, nargs="?", help="folder with corpus.jsonl, queries.jsonl (qrels/dev.tsv)")
    parser.add_argument("--smoke", action="store_true", help=f"a quick check on {SMOKE_DATA.relative_to(ROOT)}")
    parser.add_argument("--rounds", type=int, default=3, help="rounds (request lifetimes), default 3")
    parser.add_argument("--silent", type=float, default=0.1, help="share of mentors who never answer (0.1)")
    parser.add_argument("--max-mentees", type=int, help="only the first N mentees (default: every query)")
    parser.add_argument("--runs", default=",".join(RUNS), help=f"comma-separated, of: {', '.join(RUNS)}")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--cache-dir", type=Path, help="data dir to load the market into and reuse")
    parser.add_argument("--json", action="store_true", help="print the outcomes as JSON")
    parser.add_argument("--progress", action=argparse.BooleanOptionalAction, default=None)
    args = parser.parse_args(argv)
    if args.smoke:
        args.dataset = args.dataset or SMOKE_DATA
        args.rounds = min(args.rounds, 2)
    if args.dataset is None:
        parser.error("name a data set folder, or --smoke")
    for path in (args.dataset / "corpus.jsonl", args.dataset / "queries.jsonl"):
        if not path.exists():
            parser.error(f"{path}: not found (expected a BEIR folder)")
    if args.rounds < 1 or not 0 <= args.silent <= 1:
        parser.error("--rounds: at least 1; --silent: a share between 0 and 1")
    runs = [r.strip() for r in args.runs.split(",") if r.strip()]
    if not runs or any(r not in RUNS for r in runs):
        parser.error(f"--runs: expected some of {', '.join(RUNS)}")
    args.runs = runs
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    progress = sys.stderr.isatty() if args.progress is None else args.progress
    settings = Settings.from_env()
    embedder = Embedder.from_settings(settings)
    market, items = read_market(args.dataset, args.max_mentees, args.silent, args.seed)
    base = loaded(args.dataset, items, settings, embedder, args.cache_dir, progress)
    outcomes = []
    with tempfile.TemporaryDirectory(prefix="simulate-market-") as work:
        for name in args.runs:
            off = set(RULES) if name == "no rules" else {name.removeprefix("without ")} & set(RULES)
            outcomes.append(run_market(name, off, market, base, settings, embedder, args.rounds, Path(work)))
            print(json.dumps(asdict(outcomes[-1])), file=sys.stderr, flush=True)
    summary = {
        "dataset": args.dataset.name,
        "mentors": len(market.mentors),
        "mentees": len(market.mentees),
        "silent": len(market.silent),
        "dormant": len(market.dormant),
        "rounds": args.rounds,
        "seed": args.seed,
        "responsiveness_weight": settings.responsiveness_weight,
        "inactive_days": settings.inactive_days,
        "outcomes": [asdict(o) for o in outcomes],
    }
    if args.json:
        print(json.dumps(summary, indent=2))
    else:
        print(
            f"{summary['dataset']}: {summary['mentors']} mentors (capacity 1-3, {summary['silent']} never answer, "
            f"{summary['dormant']} of them last active a year ago), {summary['mentees']} mentees, "
            f"{args.rounds} rounds"
        )
        print(table(outcomes))
    return 0


if __name__ == "__main__":
    sys.exit(main())
