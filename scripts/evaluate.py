#!/usr/bin/env python
"""Measure match quality on a BEIR-format data set: nDCG@10, recall@10, recall@50 and MRR@10 per retrieval mode.

Each corpus document becomes a mentor whose bio is its text; each query goes through
`MatchService.match` (style `any`, limit 50) once per retrieval mode: `dense` (embeddings only),
`lexical` (BM25 only), `hybrid`, and `default` (whatever Settings says, which is what `/v1/match`
and `mentor-match match` use).

    scripts/evaluate.py ../shared/eval/esco-skills-dev                  # the dev set, all queries
    scripts/evaluate.py DATA --max-queries 5 --max-docs 300 --json      # a smoke run
    scripts/evaluate.py DATA --set passage_weight=0.3 --set fusion=rrf  # try other settings
    scripts/evaluate.py DATA --learn                                    # learn from half the queries, test on the rest
    scripts/evaluate.py DATA --learn --fine-tune-minutes 10             # and fine-tune the model on that half too

The loaded corpus (store, embeddings and indexes) is cached under
~/.cache/mentor-matcher/eval/<hash of the corpus, the subset and the model> (or --cache-dir), so a
second run skips the import and the model only encodes the queries. `--set` and MATCHER_* variables
change ranking settings without invalidating the cache.

`--learn` turns half of the judged queries (by a hash of the query id: qrels_to_outcomes.half_of) into an
outcome log (each judgement an `accepted` outcome), imports it with `mentor-match outcomes import`'s code,
runs `mentor-match learn`'s code on it, and measures the default ranking on the other half before and
after (the mentors are the same in both halves, as in a real programme). The log and any learned ranking
are removed from the cached data dir afterwards. With `--fine-tune-minutes M`, `mentor-match adapt`'s code
also fine-tunes the model on that log, and the test half is measured four ways: default, fusion only
(learned ranking), fine-tuning only (a copy of the store re-indexed with the fine-tuned model), both.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import math
import os
import re
import sys
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tqdm import tqdm

from matcher.config import Settings
from matcher.model.embedder import Embedder
from matcher.service import MatchService
from matcher.styles.rules import OFFERED_STYLES

MODES = ("dense", "lexical", "hybrid", "default")
METRICS = ("ndcg@10", "recall@10", "recall@50", "mrr@10")
LIMIT = 50
LOADER_VERSION = "1"  # bump when the document -> profile mapping changes (invalidates caches)
# Settings that change what is stored or embedded: they belong in the cache key, not in --set.
STORED_SETTINGS = ("model", "backend")
RANKING_SETTINGS = (
    "backend",
    "retrieval",
    "fusion",
    "rrf_k",
    "lexical_weight",
    "passage_weight",
    "phrase_weight",
    "coverage_weight",
    "phrase_words",
    "max_phrases",
    "phrase_candidates",
    "candidates",
    "ann_threshold",
    "ann_nprobe",
    "passage_nprobe",
)
_ID_BAD = re.compile(r"[^A-Za-z0-9._-]+")


# --- data ---------------------------------------------------------------------------------------


def read_jsonl(path: Path) -> list[dict]:
    """Every JSON object of a JSON Lines file."""
    with open(path, encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def read_qrels(path: Path) -> dict[str, dict[str, int]]:
    """{query id: {doc id: grade}} from a BEIR qrels TSV (header row, grade > 0 = relevant)."""
    qrels: dict[str, dict[str, int]] = {}
    with open(path, encoding="utf-8", newline="") as fh:
        reader = csv.reader(fh, delimiter="\t")
        for row in reader:
            if len(row) < 3 or row[0] == "query-id":
                continue
            grade = int(float(row[2]))
            if grade > 0:
                qrels.setdefault(row[0], {})[row[1]] = grade
    return qrels


def subset(
    corpus: list[dict],
    queries: list[dict],
    qrels: dict[str, dict[str, int]],
    max_queries: int | None,
    max_docs: int | None,
) -> tuple[list[dict], list[dict]]:
    """The queries to run (those with judgements, the first max_queries) and the documents to load
    (every document judged relevant to them, plus the first max_docs others)."""
    chosen = [q for q in queries if q["_id"] in qrels and q.get("text", "").strip()]
    if max_queries is not None:
        chosen = chosen[:max_queries]
    if max_docs is None:
        return corpus, chosen
    needed = {doc for q in chosen for doc in qrels[q["_id"]]}
    others = [d for d in corpus if d["_id"] not in needed][:max_docs]
    keep = needed | {d["_id"] for d in others}
    return [d for d in corpus if d["_id"] in keep], chosen


def profile_ids(doc_ids: list[str]) -> dict[str, str]:
    """A valid, unique profile id (1..64 of [A-Za-z0-9._-]) for each document id.

    URLs keep their last path segment ("http://.../skill/0005c151-..." -> "doc-0005c151-..."); a
    collision or an over-long id gets a hash instead.
    """
    out: dict[str, str] = {}
    taken: set[str] = set()
    for doc_id in doc_ids:
        tail = doc_id.rstrip("/").rsplit("/", 1)[-1]
        pid = "doc-" + _ID_BAD.sub("_", tail).strip("_")
        if len(pid) > 64 or pid in taken or pid == "doc-":
            pid = "doc-" + hashlib.sha256(doc_id.encode()).hexdigest()[:32]
        taken.add(pid)
        out[doc_id] = pid
    return out


def to_profile(doc: dict, pid: str) -> dict:
    """A mentor of every style whose bio is the document (title first, when there is one)."""
    title = (doc.get("title") or "").strip()
    text = (doc.get("text") or "").strip()
    bio = f"{title}. {text}" if title and text else (title or text)
    if len(bio) > 5000:
        bio = bio[:5000].rsplit(" ", 1)[0]
    words = (title or text).split()
    name = " ".join(words[:8])[:200] or pid
    return {
        "id": pid,
        "name": name,
        "seniority": 5,
        "bio": bio,
        "styles": list(OFFERED_STYLES),
        "capacity": 1,
        "flash_hours_per_month": 1,
    }


# --- metrics ------------------------------------------------------------------------------------


def score_query(ranked: list[str], relevant: dict[str, int]) -> dict[str, float]:
    """nDCG@10 (graded, log2 discount), recall@10, recall@50 and MRR@10 of one ranked list."""
    dcg = sum(relevant.get(doc, 0) / math.log2(i + 2) for i, doc in enumerate(ranked[:10]))
    ideal = sum(g / math.log2(i + 2) for i, g in enumerate(sorted(relevant.values(), reverse=True)[:10]))
    first = next((i for i, doc in enumerate(ranked[:10]) if doc in relevant), None)
    return {
        "ndcg@10": dcg / ideal if ideal else 0.0,
        "recall@10": len(set(ranked[:10]) & relevant.keys()) / len(relevant),
        "recall@50": len(set(ranked[:50]) & relevant.keys()) / len(relevant),
        "mrr@10": 0.0 if first is None else 1.0 / (first + 1),
    }


def mean_scores(per_query: list[dict[str, float]]) -> dict[str, float]:
    """The mean of each metric over queries."""
    n = max(len(per_query), 1)
    return {m: sum(q[m] for q in per_query) / n for m in METRICS}


# --- running ------------------------------------------------------------------------------------


def eval_root() -> Path:
    """Where loaded corpora (and adapted models) are cached."""
    return Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "mentor-matcher" / "eval"


def cache_key(corpus_path: Path, *parts) -> str:
    """A short hash of the corpus file and `parts` (JSON-serialisable)."""
    digest = hashlib.sha256()
    with open(corpus_path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    digest.update(json.dumps(parts, default=str).encode())
    return digest.hexdigest()[:16]


def cache_dir(args, corpus_path: Path, settings: Settings, embedder: Embedder) -> Path:
    """The data dir for this corpus, subset and model: reused between runs."""
    if args.cache_dir:
        return Path(args.cache_dir)
    key = cache_key(
        corpus_path, LOADER_VERSION, embedder.key, args.split, args.max_queries, args.max_docs, passage_signature()
    )
    return eval_root() / f"{corpus_path.parent.name}-{key}"


def passage_signature() -> str:
    """What the passage splitter would make of a fixed text, so a change of splitter means a new cache."""
    from matcher.profiles import split_passages

    probe = (
        "One short line. " + " ".join(f"w{i}" for i in range(120)) + ". Another sentence here; and a clause "
        "that follows it.\nA new line with a few words"
    )
    return hashlib.sha256(json.dumps(split_passages(probe)).encode()).hexdigest()[:12]


def load(service: MatchService, docs: list[dict], ids: dict[str, str], progress: bool) -> float:
    """Import the documents unless the store already holds exactly them, then re-index as a deployment
    would after a bulk import (which also makes the phrase book); returns seconds spent."""
    started = time.perf_counter()
    if service.store.count() != len(docs) or service.generations.current_name() is None:
        items = ((i + 1, to_profile(doc, ids[doc["_id"]])) for i, doc in enumerate(docs))
        report = service.import_items(items, progress=progress, total=len(docs), checkpoint=True)
        if report.rejected:
            raise SystemExit(f"{len(report.rejected)} documents rejected, e.g. {report.rejected[0]}")
    if service.settings.phrase_book_size and service.refresh().phrase_book is None:
        service.reindex(progress=progress)
    return time.perf_counter() - started


def evaluate(
    service: MatchService,
    queries: list[dict],
    qrels: dict[str, dict[str, int]],
    back: dict[str, str],
    modes: list[str],
    progress: bool,
    tops: dict[str, list[list[str]]] | None = None,
) -> dict[str, dict[str, float]]:
    """Run every query in every mode; returns {mode: {metric: mean}} (and, into `tops`, each mode's top 5s)."""
    per_mode: dict[str, list[dict[str, float]]] = {m: [] for m in modes}
    bar = tqdm(total=len(queries) * len(modes), desc="queries", unit="query", disable=not progress)
    max_chars = service.settings.max_need_chars
    for q in queries:
        body = {"need": q["text"].strip()[:max_chars], "style": "any", "limit": LIMIT}
        for mode in modes:
            # One caller for the whole evaluation: a query's modes share its vectors through the cache.
            result = service.match(body, retrieval=None if mode == "default" else mode, caller="evaluate")
            ranked = [back[m["mentor"]["id"]] for m in result["matches"]]
            per_mode[mode].append(score_query(ranked, qrels[q["_id"]]))
            if tops is not None:
                tops.setdefault(mode, []).append(ranked[:5])
            bar.update(1)
    bar.close()
    return {mode: mean_scores(scores) for mode, scores in per_mode.items()}


def table(results: dict[str, dict[str, float]], settings: Settings) -> str:
    """A Markdown table, one row per mode."""
    lines = ["| mode | " + " | ".join(METRICS) + " |", "|---|" + "---|" * len(METRICS)]
    for mode, scores in results.items():
        label = f"default ({describe(settings)})" if mode == "default" else mode
        lines.append(f"| {label} | " + " | ".join(f"{scores[m]:.3f}" for m in METRICS) + " |")
    return "\n".join(lines)


def describe(settings: Settings) -> str:
    """The ranking settings in a few words."""
    if settings.retrieval != "hybrid":
        return settings.retrieval
    return f"hybrid, {settings.fusion}"


def ranking_settings(settings: Settings) -> dict:
    """The settings that shape the ranking (for the JSON report)."""
    return {k: v for k, v in settings.public().items() if k in RANKING_SETTINGS}


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("dataset", type=Path, help="folder with corpus.jsonl, queries.jsonl, qrels/<split>.tsv")
    parser.add_argument("--split", default="dev", help="qrels split (default: dev)")
    parser.add_argument("--max-queries", type=int, help="run only the first N judged queries")
    parser.add_argument(
        "--max-docs", type=int, help="load only the documents relevant to the chosen queries plus the first N others"
    )
    parser.add_argument("--modes", default=",".join(MODES), help=f"comma-separated, of {', '.join(MODES)}")
    parser.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="a ranking setting, as MATCHER_<NAME> would give it (repeatable)",
    )
    parser.add_argument("--cache-dir", help="data dir to load the corpus into and reuse")
    parser.add_argument(
        "--learn",
        action="store_true",
        help="learn from the outcomes of half the queries (mentor-match learn's code), evaluate the "
        "default ranking on the other half before and after",
    )
    parser.add_argument(
        "--learn-kind",
        choices=("linear", "lightgbm", "both"),
        default="linear",
        help="with --learn: the model (as `mentor-match learn --kind`)",
    )
    parser.add_argument(
        "--fine-tune-minutes",
        type=float,
        help="with --learn: also fine-tune the model on the learn half (mentor-match adapt's code) for M minutes, "
        "and measure fine-tuning alone and with the learned ranking",
    )
    parser.add_argument("--fine-tune-max-steps", type=int, help="with --fine-tune-minutes: most training steps")
    parser.add_argument(
        "--fine-tune-passes", type=int, default=1, help="with --fine-tune-minutes: passes over the triplets (default 1)"
    )
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    parser.add_argument(
        "--progress",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="progress bars (default: when stderr is a terminal)",
    )
    return parser.parse_args(argv)


def settings_from(args: argparse.Namespace) -> Settings:
    """Settings from MATCHER_* variables and --set NAME=VALUE pairs."""
    overrides: dict[str, str] = {}
    names = set(Settings.model_fields)
    for pair in args.set:
        name, sep, value = pair.partition("=")
        name = name.strip().lower().replace("-", "_")
        if not sep or name not in names:
            raise SystemExit(f"--set {pair!r}: expected NAME=VALUE with NAME one of {', '.join(sorted(names))}")
        if name in STORED_SETTINGS or name == "data_dir":
            raise SystemExit(f"--set {name}: changes what is stored; use MATCHER_{name.upper()} instead")
        overrides[name] = value
    return Settings.from_env(**overrides)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    modes = [m.strip() for m in args.modes.split(",") if m.strip()]
    unknown = [m for m in modes if m not in MODES]
    if unknown or not modes:
        raise SystemExit(f"--modes: expected some of {', '.join(MODES)}, got {args.modes!r}")
    corpus_path, queries_path = args.dataset / "corpus.jsonl", args.dataset / "queries.jsonl"
    qrels_path = args.dataset / "qrels" / f"{args.split}.tsv"
    for path in (corpus_path, queries_path, qrels_path):
        if not path.exists():
            raise SystemExit(f"{path}: not found (expected a BEIR folder)")
    progress = sys.stderr.isatty() if args.progress is None else args.progress
    started = time.perf_counter()
    qrels = read_qrels(qrels_path)
    docs, queries = subset(read_jsonl(corpus_path), read_jsonl(queries_path), qrels, args.max_queries, args.max_docs)
    ids = profile_ids([d["_id"] for d in docs])
    back = {pid: doc_id for doc_id, pid in ids.items()}
    settings = settings_from(args)
    if (args.fine_tune_minutes is not None or args.fine_tune_max_steps is not None) and not args.learn:
        raise SystemExit("--fine-tune-minutes, --fine-tune-max-steps: only with --learn")
    embedder = Embedder.from_settings(settings)
    data_dir = cache_dir(args, corpus_path, settings, embedder)
    service = MatchService(settings.replace(data_dir=data_dir), embedder=embedder)
    load_seconds = load(service, docs, ids, progress)
    service.open(progress=progress)
    if args.learn:
        from evaluate_learn import learn_and_evaluate  # scripts/evaluate_learn.py

        return learn_and_evaluate(args, service, docs, queries, qrels, ids, back, progress, started, load_seconds)
    results = evaluate(service, queries, qrels, back, modes, progress)
    report = {
        "dataset": str(args.dataset),
        "split": args.split,
        "queries": len(queries),
        "docs": len(docs),
        "results": results,
        "settings": ranking_settings(service.settings),
        "model": embedder.key,
        "cache_dir": str(data_dir),
        "load_seconds": round(load_seconds, 1),
        "seconds": round(time.perf_counter() - started, 1),
    }
    service.store.close()
    if args.json:
        print(json.dumps(report, indent=2, default=str))
    else:
        print(
            f"{args.dataset.name} ({args.split}): {len(queries)} queries, {len(docs)} documents, "
            f"{report['seconds']} s (import {report['load_seconds']} s)"
        )
        print(table(results, service.settings))
    return 0


if __name__ == "__main__":
    sys.exit(main())
