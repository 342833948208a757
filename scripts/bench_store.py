#!/usr/bin/env python
"""The store's cost, PostgreSQL against SQLite, at the same N profiles (default 10k).

Measured, for each backend on a fresh store:
- import throughput (profiles/s): what an import asks of the store per batch of 256 (the hashes of
  the batch, then one write with the embeddings), with embeddings made beforehand, so the model is
  not what is measured (random unit vectors of the model's dimension, shaped like real ones: one
  for the bio, one for goals if any, one per passage);
- opening the service: building the index from the stored embeddings (no model);
- in-process `MatchService.match` p50/p95 over distinct realistic needs, the two backends asked in
  turn (same machine load): "warm" with the needs already in the query cache (a match is then the
  ranking and the store's reads: the store's share is largest), and "uncached" (every need and its
  key phrases through the model, as a new need is).

    scripts/bench_store.py --data ../shared/eval/esco-skills-dev                   # 10k profiles, 300 matches each way
    scripts/bench_store.py --data ../shared/eval/esco-skills-dev --profiles 2000   # smaller
    scripts/bench_store.py --smoke              # seconds (CI; on tests/data/skills)

Profiles and needs are composed from a BEIR-format skills set (`--data`: its corpus.jsonl and
queries.jsonl, e.g. the ESCO dev set; scripts/bench_data.py). The smoke run uses the tiny made-up set
the project ships (tests/data/skills), so it runs on a clone with nothing beside it.

PostgreSQL: --database-url, else MATCHER_TEST_DATABASE_URL, else a throwaway server started for the
run (scripts/throwaway-postgres); each run uses a new database on it, dropped afterwards. Prints a
table; writes JSON (bench-results/bench-store-<time>.json unless --out).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from contextlib import contextmanager
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench_data  # noqa: E402
import numpy as np  # noqa: E402

from matcher.config import Settings  # noqa: E402
from matcher.importing.importer import WRITE_BATCH  # noqa: E402
from matcher.model.embedder import Embedder  # noqa: E402
from matcher.profiles import content_hash, goals_text, parse_profile, profile_passages, text_hash  # noqa: E402
from matcher.service import MatchService  # noqa: E402
from matcher.store import Embeddings, Write, masked, open_store  # noqa: E402

SMOKE_DATA = ROOT / "tests" / "data" / "skills"  # a tiny made-up skills set: the smoke run needs nothing else
TARGET_RATIO = 1.2  # PostgreSQL's match p50 within 1.2x of SQLite's (issue 17)


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


# -- data -----------------------------------------------------------------------------------------


def make_writes(n: int, entries, model_key: str, dim: int, seed: int) -> list[Write]:
    """n realistic profiles with random unit vectors shaped like their real embeddings."""
    rng, vec_rng = random.Random(seed), np.random.default_rng(seed)
    writes = []
    for i in range(n):
        profile = parse_profile(bench_data.make_profile(i, entries, rng))
        count = 1 + bool(goals_text(profile)) + max(1, len(profile_passages(profile)))
        vectors = vec_rng.standard_normal((count, dim)).astype(np.float32)
        vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
        goals = vectors[1] if goals_text(profile) else None
        emb = Embeddings(model_key, vectors[0], goals, vectors[1 + bool(goals_text(profile)) :])
        writes.append(Write(profile, content_hash(profile), text_hash(profile), emb))
    return writes


def make_needs(count: int, data: Path, entries, seed: int) -> list[dict]:
    """Distinct /v1/match bodies: the skills set's need sentences, each with one of its skills."""
    queries = [json.loads(line)["text"] for line in open(data / "queries.jsonl", encoding="utf-8")]
    rng = random.Random(seed)
    styles = [("any", None), ("any", None), ("flash", None), ("traditional", 3), ("reverse", 8)]
    bodies = []
    for i in range(count):
        style, seniority = styles[i % len(styles)]
        body = {
            "need": f"{queries[i % len(queries)]} In particular: {rng.choice(entries).label}.",
            "style": style,
            "limit": 5,
        }
        if seniority:
            body["mentee"] = {"seniority": seniority}
        bodies.append(body)
    return bodies


# -- PostgreSQL ---------------------------------------------------------------------------------------


@contextmanager
def postgres_server(url: str | None):
    """The server's URL: the one given, or a throwaway one started (and removed) here."""
    url = url or os.environ.get("MATCHER_TEST_DATABASE_URL")
    if url:
        yield url
        return
    folder = tempfile.mkdtemp(prefix="bench-store-pg.")
    script = ROOT / "scripts" / "throwaway-postgres"
    try:
        started = subprocess.run([str(script), "start", folder], capture_output=True, text=True)
        if started.returncode != 0:
            raise SystemExit(f"could not start a PostgreSQL server: {started.stderr.strip()}")
        yield started.stdout.strip()
    finally:
        subprocess.run([str(script), "stop", folder], capture_output=True)


@contextmanager
def fresh_database(server: str):
    """A new database on the server, migrated, dropped afterwards; yields its URL."""
    from urllib.parse import urlsplit, urlunsplit

    import psycopg

    from matcher.store.schema import migrate_database

    name = f"bench_store_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(server, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    parts = urlsplit(server)
    url = urlunsplit((parts.scheme, parts.netloc, "/" + name, parts.query, parts.fragment))
    try:
        migrate_database(url)
        yield url
    finally:
        with psycopg.connect(server, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


# -- measurements -----------------------------------------------------------------------------------


def import_throughput(settings: Settings, writes: list[Write]) -> dict:
    """Store `writes` as an import would (hashes, then a write, per batch of 256); profiles/s."""
    store = open_store(settings)
    try:
        started = time.perf_counter()
        for start in range(0, len(writes), WRITE_BATCH):
            batch = writes[start : start + WRITE_BATCH]
            store.hashes([w.profile.id for w in batch])
            store.write(batch)
        seconds = time.perf_counter() - started
        assert store.count() == len(writes)
    finally:
        store.close()
    return {"profiles": len(writes), "seconds": round(seconds, 3), "profiles_per_s": round(len(writes) / seconds, 1)}


def percentiles(samples: list[float]) -> dict:
    ordered = sorted(samples)
    return {
        "n": len(ordered),
        "p50_ms": round(statistics.median(ordered), 3),
        "p95_ms": round(ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))], 3),
    }


def match_latency(services: dict[str, MatchService], needs: list[dict], rounds: int) -> dict:
    """Each need on each backend in turn (alternating which goes first): {backend: [ms, ...]}."""
    times: dict[str, list[float]] = {name: [] for name in services}
    names = list(services)
    for r in range(rounds):
        for i, body in enumerate(needs):
            order = names if (i + r) % 2 == 0 else names[::-1]
            for name in order:
                started = time.perf_counter()
                services[name].match(body, caller="bench")  # one caller: its needs are cached once seen
                times[name].append((time.perf_counter() - started) * 1000)
    return times


def run(args: argparse.Namespace) -> dict:
    entries = bench_data.read_esco(args.data / "corpus.jsonl")
    settings = Settings()
    cached = Embedder.from_settings(settings)
    uncached = Embedder(
        settings.model,
        settings.backend,
        settings.batch_size,
        cache_size=0,
        threads=settings.torch_threads,
        query_threads=settings.query_threads,
    )
    log(f"making {args.profiles} profiles with random {cached.dim}-dim vectors")
    writes = make_writes(args.profiles, entries, cached.key, cached.dim, args.seed)
    needs = make_needs(args.matches, args.data, entries, args.seed)
    report: dict = {"profiles": args.profiles, "matches": args.matches, "model": cached.key, "backends": {}}
    work = Path(tempfile.mkdtemp(prefix="bench-store."))
    with postgres_server(args.database_url) as server, fresh_database(server) as url:
        report["postgres"] = masked(server)
        configs = {
            "sqlite": Settings(data_dir=work / "sqlite"),
            "postgres": Settings(data_dir=work / "postgres", database_url=url),
        }
        services: dict[str, dict[str, MatchService]] = {"warm": {}, "uncached": {}}
        for name, config in configs.items():
            log(f"{name}: importing {len(writes)} profiles")
            result = {"import": import_throughput(config, writes)}
            started = time.perf_counter()
            services["warm"][name] = MatchService(config, embedder=cached).open()
            result["open_s"] = round(time.perf_counter() - started, 3)
            services["uncached"][name] = MatchService(config, embedder=uncached).open()
            report["backends"][name] = result
        try:
            log("warming the query cache")
            match_latency(services["warm"], needs, 1)
            for mode, rounds in (("warm", args.rounds), ("uncached", 1)):
                log(f"timing {len(needs)} matches x {rounds} per backend ({mode})")
                for name, samples in match_latency(services[mode], needs, rounds).items():
                    report["backends"][name][f"match_{mode}"] = percentiles(samples)
        finally:
            for group in services.values():
                for service in group.values():
                    service.close()
    sqlite, postgres = report["backends"]["sqlite"], report["backends"]["postgres"]
    report["ratios"] = {
        "import_throughput": round(postgres["import"]["profiles_per_s"] / sqlite["import"]["profiles_per_s"], 3),
        "match_p50_warm": round(postgres["match_warm"]["p50_ms"] / sqlite["match_warm"]["p50_ms"], 3),
        "match_p50_uncached": round(postgres["match_uncached"]["p50_ms"] / sqlite["match_uncached"]["p50_ms"], 3),
    }
    report["target"] = {
        "match p50 PostgreSQL / SQLite": f"<= {TARGET_RATIO}",
        "met": max(report["ratios"]["match_p50_warm"], report["ratios"]["match_p50_uncached"]) <= TARGET_RATIO,
    }
    return report


def print_table(report: dict) -> None:
    rows = [
        ("import, profiles/s", "import", "profiles_per_s"),
        ("open (index from the store), s", "open_s", None),
        ("match p50 ms, warm cache", "match_warm", "p50_ms"),
        ("match p95 ms, warm cache", "match_warm", "p95_ms"),
        ("match p50 ms, uncached", "match_uncached", "p50_ms"),
        ("match p95 ms, uncached", "match_uncached", "p95_ms"),
    ]
    print(f"| {report['profiles']} profiles | SQLite | PostgreSQL | PostgreSQL / SQLite |")
    print("|---|---|---|---|")
    for label, key, sub in rows:
        values = [
            report["backends"][b][key] if sub is None else report["backends"][b][key][sub]
            for b in ("sqlite", "postgres")
        ]
        print(f"| {label} | {values[0]} | {values[1]} | {values[1] / values[0]:.2f} |")
    print(f"target: match p50 within {TARGET_RATIO}x: {'met' if report['target']['met'] else 'NOT met'}")


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--profiles", type=int, default=10_000)
    p.add_argument("--matches", type=int, default=300, help="distinct needs timed per backend")
    p.add_argument("--rounds", type=int, default=3, help="passes over the needs with a warm cache")
    p.add_argument("--database-url", help="a PostgreSQL server to create the benchmark's database on")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--out", type=Path, help="JSON report (default bench-results/bench-store-<time>.json)")
    p.add_argument(
        "--data",
        type=Path,
        help="a BEIR-format skills set (corpus.jsonl, queries.jsonl), e.g. "
        "../shared/eval/esco-skills-dev; --smoke uses tests/data/skills",
    )
    p.add_argument("--smoke", action="store_true", help="300 profiles, 20 needs, one warm round (seconds)")
    args = p.parse_args(argv)
    if args.data is None:
        if not args.smoke:
            p.error("--data: give the skills set the profiles are made from (e.g. ../shared/eval/esco-skills-dev)")
        args.data = SMOKE_DATA
    for name in ("corpus.jsonl", "queries.jsonl"):
        if not (args.data / name).exists():
            p.error(f"--data: {args.data / name} does not exist")
    if args.smoke:
        args.profiles, args.matches, args.rounds = 300, 20, 1
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    report = run(args)
    report["args"] = {k: (str(v) if isinstance(v, Path) else v) for k, v in vars(args).items() if k != "database_url"}
    out = args.out or ROOT / "bench-results" / f"bench-store-{time.strftime('%Y%m%d-%H%M%S')}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, indent=2))
    print_table(report)
    log(f"report written to {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
