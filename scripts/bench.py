#!/usr/bin/env python
"""Benchmarks of the mentor matcher, each figure a ratio against a raw floor measured in the same run.

(a) full re-index throughput (profiles/s) vs bare `model.encode` over exactly the texts it embedded;
    plus the configured backend vs torch fp32 (and ONNX fp32) on a sample of the same texts;
(b) re-import of a file where 1% of the profiles changed vs the full re-index;
(c) /v1/match over real HTTP (`mentor-match serve`), concurrency 1 and 8: p50/p95/p99 and requests/s
    (from --keys match keys in turn: each caller has its own query cache),
    vs the raw floor "encode one query + one FAISS search" in-process: bare `model.encode` and a bare
    exact FAISS index of the same whole-bio vectors (also reported: the same floor searching the
    service's own index, approximate above ann_threshold vectors);
(d) search only at 1M profiles: exact vs IVF (build time, memory, latency, recall@10 of IVF vs exact);
(l) a learned ranking (`mentor-match learn`) on an outcome log of --outcomes needs: the time to import and
    learn, and a match's p50 with it vs without it, alternated in-process (scripts/bench_learn.py).

    scripts/bench.py --data ../shared/eval/esco-skills-dev                       # 10k and 100k, then (d) at 1M
    scripts/bench.py --data ../shared/eval/esco-skills-dev --sizes 10000 --parts a,b,c
    scripts/bench.py --smoke                           # tiny N, seconds (CI; on tests/data/skills)
    scripts/bench.py --data ../shared/eval/esco-skills-dev --sizes 10000 --parts l   # a learned ranking's cost

Profiles are composed from the skill descriptions of a BEIR-format skills set (`--data`: its
corpus.jsonl and queries.jsonl, e.g. the ESCO dev set; scripts/bench_data.py) and cached with their
data dirs under ~/.cache/mentor-matcher/bench/. Prints a table; writes JSON
(bench-results/bench-<time>.json unless --out).
"""

from __future__ import annotations

import argparse
import fcntl
import json
import os
import random
import shutil
import sys
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench_data  # noqa: E402
import bench_http  # noqa: E402
import bench_learn  # noqa: E402
import faiss  # noqa: E402
import numpy as np  # noqa: E402
from bench_report import check_targets, machine_info, print_table  # noqa: E402

from matcher.config import Settings  # noqa: E402
from matcher.importing.readers import read_file  # noqa: E402
from matcher.index import set_search_threads  # noqa: E402
from matcher.keys import KeyRing  # noqa: E402
from matcher.model.embedder import Embedder  # noqa: E402
from matcher.profiles import content_hash, parse_profile, text_hash  # noqa: E402
from matcher.service import MatchService  # noqa: E402
from matcher.store import SQLiteStore, Write  # noqa: E402
from matcher.text.need import query_texts  # noqa: E402

DATA_VERSION = "1"  # bump when bench_data changes what it writes (invalidates cached files)
DATA = Path()  # the skills set of this run (--data)
SMOKE_DATA = ROOT / "tests" / "data" / "skills"  # a tiny made-up skills set: the smoke run needs nothing else
STYLE_MIX = [("any", None), ("any", None), ("flash", None), ("traditional", 3), ("reverse", 8)]


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


# --- data -----------------------------------------------------------------------------------------


def data_dir(cache: Path, n: int, seed: int, entries) -> tuple[Path, Path]:
    """The profile file, and a pristine data dir holding those n profiles without any embeddings."""
    profiles = bench_data.write_profiles(cache / f"profiles-{n}-s{seed}-v{DATA_VERSION}.jsonl", n, entries, seed)
    folder = cache / f"store-{n}-s{seed}-v{DATA_VERSION}"
    store = SQLiteStore(folder / "profiles.db")
    if store.count() != n:
        log(f"storing {n} profiles in {folder} (no embeddings)")
        batch: list[Write] = []
        for _, item in read_file(profiles)[0]:
            p = parse_profile(item)
            batch.append(Write(p, content_hash(p), text_hash(p), None))
            if len(batch) == 2000:
                store.write(batch)
                batch = []
        store.write(batch)
    store.close()
    return profiles, folder


def work_dir(cache: Path, n: int, seed: int, pristine: Path, fresh: bool) -> Path:
    """The data dir the parts run on: a copy of the pristine one (fresh=True, for a full re-index that
    must embed and store every profile, as after a change of model), or the one the last run left."""
    folder = cache / f"work-{n}-s{seed}-v{DATA_VERSION}"
    if fresh or not (folder / "index" / "CURRENT").exists():
        shutil.rmtree(folder, ignore_errors=True)
        shutil.copytree(pristine, folder)
    return folder


class Recorder:
    """Wraps Embedder.encode of one instance: records every text it embeds and the time it takes and,
    with `floor=True`, also times a bare `model.encode` of the same texts around each call: half of
    them (every other text) just before it and the other half just after, so that the pipeline and its
    floor see the same machine load chunk by chunk. The floor's time is kept apart from the pipeline's.

    With `floor_share` < 1 the floor encodes only an evenly spread share of each call's texts (every
    k-th text, k = round(1 / share)) and its time is scaled up by k: at 100k profiles a full floor
    would double an hour-long run.
    """

    def __init__(
        self,
        embedder: Embedder,
        floor: bool = False,
        batch_size: int = 64,
        log_every: int = 1,
        floor_share: float = 1.0,
    ):
        self.embedder, self.texts, self.seconds, self.floor_seconds, self.calls = embedder, [], 0.0, 0.0, 0
        self.floor_texts = 0
        step = max(1, round(1 / floor_share))
        self.floor_step = step
        original = embedder.encode

        def timed_floor(part: list[str]) -> None:
            self.floor_seconds += bare_encode(embedder, part, batch_size) * step
            self.floor_texts += len(part)

        def encode(texts, *args, **kwargs):
            texts = list(texts)
            if floor:
                timed_floor(texts[0 :: 2 * step])
            started = time.perf_counter()
            try:
                return original(texts, *args, **kwargs)
            finally:
                self.seconds += time.perf_counter() - started
                self.texts.extend(texts)
                if floor:
                    timed_floor(texts[step :: 2 * step])
                self.calls += 1
                if floor and self.calls % log_every == 0:
                    log(
                        f"    {len(self.texts)} texts: {self.seconds:.0f} s in encode, floor {self.floor_seconds:.0f} s"
                    )

        embedder.encode = encode

    def close(self) -> None:
        del self.embedder.encode  # back to the class's method


def bare_encode(embedder: Embedder, texts: list[str], batch_size: int) -> float:
    """Seconds for one bare `model.encode` over the texts (the raw floor)."""
    started = time.perf_counter()
    embedder.model.encode(texts, batch_size=batch_size, normalize_embeddings=True, convert_to_numpy=True)
    return time.perf_counter() - started


# --- parts ----------------------------------------------------------------------------------------


def part_a(
    settings: Settings, embedder: Embedder, folder: Path, n: int, profiles_path: Path, floor_share: float = 1.0
) -> tuple[dict, list[str]]:
    """Full re-index of a store without embeddings of this model (as after a change of model: every profile
    is embedded and stored) vs bare model.encode over exactly the texts it embedded, interleaved by chunk."""
    service = MatchService(settings.replace(data_dir=folder), embedder=embedder)
    recorder = Recorder(
        embedder, floor=True, batch_size=settings.batch_size, log_every=max(1, n // 20_000), floor_share=floor_share
    )
    try:
        started = time.perf_counter()
        result = service.reindex()
        wall = time.perf_counter() - started
    finally:
        recorder.close()
        service.store.close()
    texts = recorder.texts
    if not texts:
        raise SystemExit(f"(a) the store in {folder} already holds embeddings of this model: nothing was embedded")
    seconds = wall - recorder.floor_seconds / recorder.floor_step  # the re-index alone (unscaled floor time out)
    floor_pps = n / recorder.floor_seconds  # profiles/s if the pipeline cost nothing but encode
    bios = [json.loads(line)["bio"] for line in _sample_lines(profiles_path, min(n, 1000))]
    bios_s = bare_encode(embedder, bios, settings.batch_size)
    out = {
        "profiles": n,
        "texts": len(texts),
        "texts_per_profile": round(len(texts) / n, 2),
        "seconds": round(seconds, 2),
        "profiles_per_s": round(n / seconds, 2),
        "encode_calls": recorder.calls,
        "encode_seconds_inside": round(recorder.seconds, 2),
        "overhead_seconds": round(seconds - recorder.seconds, 2),
        "floor": {
            "texts": len(texts),
            "texts_timed": recorder.floor_texts,
            "seconds": round(recorder.floor_seconds, 2),
            "texts_per_s": round(len(texts) / recorder.floor_seconds, 2),
            "profiles_per_s": round(floor_pps, 2),
        },
        "bios_only": {"texts": len(bios), "profiles_per_s": round(len(bios) / bios_s, 2)},
        "ratio": round((n / seconds) / floor_pps, 3),
        "generation": result["generation"],
    }
    log(
        f"(a) N={n}: re-index {seconds:.1f} s ({n / seconds:.1f} profiles/s, {recorder.seconds:.1f} s in encode), "
        f"floor {recorder.floor_seconds:.1f} s ({floor_pps:.1f} profiles/s) -> ratio {out['ratio']}"
    )
    return out, texts


def _sample_lines(path: Path, k: int) -> list[str]:
    lines = path.read_text(encoding="utf-8").splitlines()
    return random.Random(1).sample(lines, min(k, len(lines)))


def part_b(
    settings: Settings,
    embedder: Embedder,
    folder: Path,
    n: int,
    profiles_path: Path,
    entries,
    cache: Path,
    seed: int,
    full_seconds: float | None,
) -> dict:
    """Re-import a file where 1% of the profiles changed (on a copy of the data dir)."""
    changed_path = cache / f"changed-{n}-s{seed}-v{DATA_VERSION}.jsonl"
    if not changed_path.exists():
        bench_data.write_changed(profiles_path, changed_path, entries, 0.01, seed + 1)
    scratch = cache / f"scratch-{n}-{os.getpid()}"
    shutil.rmtree(scratch, ignore_errors=True)
    shutil.copytree(folder, scratch)
    before = embedder.texts_encoded
    try:
        started = time.perf_counter()
        service = MatchService(settings.replace(data_dir=scratch), embedder=embedder).open()
        items, _ = read_file(changed_path)
        report = service.import_items(items, checkpoint=True)
        seconds = time.perf_counter() - started
        service.store.close()
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    out = {
        "profiles": n,
        "summary": report.summary(),
        "texts_embedded": embedder.texts_encoded - before,
        "seconds": round(seconds, 2),
        "ratio_to_full": round(seconds / full_seconds, 4) if full_seconds else None,
    }
    log(f"(b) N={n}: re-import {seconds:.1f} s {out['summary']} -> {out['ratio_to_full']} of a full re-index")
    return out


def needs(count: int, seed: int, entries) -> list[dict]:
    """Distinct, realistic /v1/match bodies: the dev set's real need sentences, each with a skill
    from the skills set, in a mix of styles (distinct texts keep the query cache out of the figures)."""
    queries = read_queries(DATA)
    rng = random.Random(seed)
    bodies = []
    for i in range(count):
        style, seniority = STYLE_MIX[i % len(STYLE_MIX)]
        need = f"{queries[i % len(queries)]} In particular: {rng.choice(entries).label}."
        body = {"need": need, "style": style, "limit": 5}
        if seniority:
            body["mentee"] = {"seniority": seniority}
        bodies.append(body)
    return bodies


def exact_whole_bio_index(state) -> faiss.Index:
    """A bare exact FAISS index (IndexFlatIP) of every live whole-bio vector of the state: the raw
    floor's search, whatever kind of index the service itself uses at this size."""
    rows = np.fromiter(state.catalog.ids, dtype=np.int64, count=len(state.catalog.ids))
    index = faiss.IndexFlatIP(state.offers.spec.dim)
    if len(rows):
        index.add(np.ascontiguousarray(state.offers.vectors(rows), dtype=np.float32))
    return index


def part_c(settings: Settings, embedder: Embedder, folder: Path, n: int, entries, args) -> dict:
    """/v1/match over HTTP at each concurrency vs the in-process floor (encode one query + one search)."""
    store = SQLiteStore(folder / "profiles.db")
    # --keys callers, each with its own partition of the server's query cache (a need's key phrases are
    # cached for the key that asked them only): requests go to them in turn.
    tokens = [KeyRing(store).create("match", f"bench {i}")[1] for i in range(args.keys)]
    store.close()
    service = MatchService(settings.replace(data_dir=folder), embedder=embedder).open()
    state = service.refresh()

    raw_index = exact_whole_bio_index(state)
    same_index_floor: list[float] = []
    all_texts_floor: list[float] = []

    def floor(body: dict) -> float:
        # The raw floor: a bare model.encode of the need and one bare exact FAISS search (IndexFlatIP)
        # of the same whole-bio vectors, what matching without this service would cost.
        set_search_threads(settings.search_threads)  # as the service's searches run
        started = time.perf_counter()
        vector = embedder.model.encode([body["need"]], normalize_embeddings=True, convert_to_numpy=True)
        raw_index.search(vector, settings.candidates)
        ms = (time.perf_counter() - started) * 1000
        # For reference: the same, searching the service's own whole-bio index (approximate above
        # ann_threshold vectors) ...
        started = time.perf_counter()
        vector = embedder.model.encode([body["need"]], normalize_embeddings=True, convert_to_numpy=True)[0]
        state.offers.search(vector, settings.candidates, None)
        same_index_floor.append((time.perf_counter() - started) * 1000)
        # ... and over every text the service embeds for this need (the need and its key phrases,
        # text/need.py query_texts), in one bare model.encode call, with the exact search.
        texts = query_texts(body["need"], settings.phrase_words, settings.max_phrases)
        started = time.perf_counter()
        vectors = embedder.model.encode(texts, normalize_embeddings=True, convert_to_numpy=True)
        raw_index.search(vectors[:1], settings.candidates)
        all_texts_floor.append((time.perf_counter() - started) * 1000)
        return ms

    env = dict(
        os.environ,
        MATCHER_DATA_DIR=str(folder),
        MATCHER_MODEL=str(settings.model),
        MATCHER_BACKEND=embedder.backend,
        MATCHER_KEY_RATE_LIMIT="1000000 per minute",
        MATCHER_TORCH_THREADS=str(settings.torch_threads),
        MATCHER_QUERY_THREADS=str(settings.query_threads),
    )
    server = bench_http.Server(env, args.workers, args.threads, args.cache / f"server-{n}.log")
    out: dict = {
        "profiles": n,
        "workers": args.workers,
        "threads": args.threads,
        "keys": args.keys,
        "approximate": service.status().get("approximate"),
    }
    try:
        bodies = needs(args.requests * (1 + len(args.concurrency)) + 20, args.seed, entries)
        bench_http.run_load(server.port, tokens, bodies[:10], 1, 60)  # warm up (first requests load lazily)
        for _ in range(5):
            floor(bodies[10])
        offset = 20
        for c in args.concurrency:
            chunk = bodies[offset : offset + args.requests]
            offset += args.requests
            if c == 1:
                result, floor_stats = bench_http.run_interleaved(server.port, tokens, chunk, floor, args.time_cap)
                out["floor"] = floor_stats
                out["floor_same_index"] = bench_http.summary(same_index_floor)
                out["floor_all_query_texts"] = bench_http.summary(all_texts_floor)
            else:
                result = bench_http.run_load(server.port, tokens, chunk, c, args.time_cap)
            out[f"c{c}"] = result
            log(
                f"(c) N={n} c={c}: p50 {result['p50_ms']} ms p95 {result['p95_ms']} p99 {result['p99_ms']}, "
                f"{result['rps']} req/s, errors {result['errors']}"
            )
        out["server_pss_mb"] = server.rss_mb()
    finally:
        server.stop()
        service.store.close()
    if "floor" in out and "c1" in out:
        out["p50_ratio_c1"] = round(out["c1"]["p50_ms"] / out["floor"]["p50_ms"], 3)
        out["p50_ratio_c1_same_index"] = round(out["c1"]["p50_ms"] / out["floor_same_index"]["p50_ms"], 3)
        out["p50_ratio_c1_all_query_texts"] = round(out["c1"]["p50_ms"] / out["floor_all_query_texts"]["p50_ms"], 3)
        log(f"(c) N={n}: floor p50 {out['floor']['p50_ms']} ms -> HTTP p50 ratio {out['p50_ratio_c1']}")
    return out


def compare_backends(settings: Settings, embedder: Embedder, texts: list[str], names: list[str], rounds: int) -> dict:
    """Bare model.encode throughput of the configured backend and of `names` on the same texts, in
    alternating rounds (each round runs every backend on one slice of the texts)."""
    embedders = {embedder.backend: embedder}
    for name in names:
        if name and name not in embedders:
            embedders[name] = Embedder(settings.model, name, settings.batch_size, threads=settings.torch_threads)
    seconds = dict.fromkeys(embedders, 0.0)
    for e in embedders.values():
        e.model.encode(texts[:8])  # load and warm up
    slices = [texts[i::rounds] for i in range(rounds)]
    for r, part in enumerate(slices):
        order = list(embedders.items())
        for name, e in order if r % 2 == 0 else order[::-1]:
            seconds[name] += bare_encode(e, part, settings.batch_size)
    tps = {name: round(len(texts) / s, 2) for name, s in seconds.items()}
    out = {"texts": len(texts), "rounds": rounds, "texts_per_s": tps, "default": embedder.backend}
    if "torch" in tps:
        out["ratio_vs_torch"] = {name: round(v / tps["torch"], 3) for name, v in tps.items()}
    log(f"backends: {tps}")
    return out


def part_d(settings: Settings, embedder: Embedder, entries, args) -> dict:
    """Search only at args.ann_size profiles (synthetic vectors mixed from real skill embeddings)."""
    import bench_ann

    set_search_threads(settings.search_threads)  # as a server process searches
    key = embedder.key.replace(":", "-")
    anchor_path = args.cache / f"anchors-{args.anchors}-{key}.npy"
    if anchor_path.exists():
        anchors = np.load(anchor_path)
    else:
        texts = [f"{e.label}. {e.definition}" for e in random.Random(3).sample(entries, args.anchors)]
        anchors = embedder.encode(texts)
        np.save(anchor_path, anchors)
    queries = read_queries(DATA)
    query_vectors = embedder.encode(queries[: args.ann_queries])
    threshold = min(settings.ann_threshold, args.ann_size - 1)
    return bench_ann.run(
        anchors,
        query_vectors,
        args.ann_size,
        settings.ann_nprobe,
        args.nprobes,
        args.eligible,
        threshold,
        args.cache,
        args.exact_queries,
        log=log,
    )


def read_queries(folder: Path) -> list[str]:
    """The query texts of a BEIR set."""
    with open(folder / "queries.jsonl", encoding="utf-8") as fh:
        return [json.loads(line)["text"] for line in fh if line.strip()]


# --- main -----------------------------------------------------------------------------------------


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    ints = lambda s: [int(x) for x in s.split(",") if x.strip()]
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--sizes", type=ints, default=[10_000, 100_000], help="profile counts for (a), (b), (c)")
    p.add_argument("--parts", default="a,b,c,d", help="which of a,b,c,d to run")
    p.add_argument("--ann-size", type=int, default=1_000_000, help="profiles for (d)")
    p.add_argument("--nprobes", type=ints, default=[8, 16, 32, 64], help="nprobe values (d) sweeps")
    p.add_argument("--eligible", type=float, default=0.6, help="share of rows the filter allows in (d)")
    p.add_argument("--anchors", type=int, default=3000, help="real ESCO embeddings the (d) vectors mix")
    p.add_argument("--ann-queries", type=int, default=135, help="real need sentences searched in (d)")
    p.add_argument("--exact-queries", type=int, default=135, help="exact searches timed in (d)")
    p.add_argument("--requests", type=int, default=300, help="requests per concurrency level in (c); needs in (l)")
    p.add_argument("--outcomes", type=int, default=5000, help="outcomes in (l)'s log")
    p.add_argument("--concurrency", type=ints, default=[1, 8])
    p.add_argument(
        "--keys",
        type=int,
        default=1,
        help="match keys (c) sends its requests with, in turn: each caller has its own query cache",
    )
    p.add_argument("--time-cap", type=float, default=180, help="seconds per load level in (c)")
    p.add_argument("--workers", type=int, default=1, help="server processes in (c)")
    p.add_argument("--threads", type=int, default=8, help="threads per server process in (c)")
    p.add_argument("--compare", default="torch,onnx", help="backends compared with the configured one")
    p.add_argument("--compare-texts", type=int, default=1200, help="texts (from (a)) for the backend comparison")
    p.add_argument("--compare-rounds", type=int, default=6)
    p.add_argument(
        "--floor-share",
        type=float,
        default=0.25,
        help="share of the texts the (a) floor encodes (time scaled up) at sizes >= --floor-sample-above",
    )
    p.add_argument("--floor-sample-above", type=int, default=50_000)
    p.add_argument(
        "--work-dir",
        type=Path,
        help="(c) alone: serve this data dir (an index already built) instead of the cached one",
    )
    p.add_argument("--seed", type=int, default=0)
    p.add_argument(
        "--cache",
        type=Path,
        default=Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "mentor-matcher" / "bench",
    )
    p.add_argument("--out", type=Path, help="JSON output (default bench-results/bench-<time>.json)")
    p.add_argument(
        "--data",
        type=Path,
        help="a BEIR-format skills set (corpus.jsonl, queries.jsonl), e.g. "
        "../shared/eval/esco-skills-dev; --smoke uses tests/data/skills",
    )
    p.add_argument("--smoke", action="store_true", help="tiny sizes: a seconds-long check that everything runs")
    args = p.parse_args(argv)
    if args.data is None:
        if not args.smoke:
            p.error("--data: give the skills set the profiles are made from (e.g. ../shared/eval/esco-skills-dev)")
        args.data = SMOKE_DATA
    if args.keys < 1:
        p.error(f"--keys: at least one key is needed, got {args.keys}")
    for name in ("corpus.jsonl", "queries.jsonl"):
        if not (args.data / name).exists():
            p.error(f"--data: {args.data / name} does not exist")
    if "--cache" not in (argv or sys.argv):
        args.cache = args.cache / args.data.resolve().name  # profiles made from one skills set, not another's
    if args.smoke:
        args.sizes, args.ann_size, args.requests, args.nprobes = [10], 3000, 6, [4, 16]
        args.anchors, args.ann_queries, args.exact_queries = 64, 16, 16
        args.compare_texts, args.compare_rounds, args.compare, args.threads = 16, 1, "torch", 2
        args.cache = args.cache / "smoke" if "--cache" not in (argv or sys.argv) else args.cache
    args.parts = set(args.parts.split(","))
    args.cache.mkdir(parents=True, exist_ok=True)
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    settings = Settings.from_env()
    if args.smoke:
        settings = settings.replace(ann_threshold=min(settings.ann_threshold, 1000))
    embedder = Embedder.from_settings(settings)
    embedder.encode(["warm up the model before anything is timed"])
    log(f"model {embedder.key}, batch {settings.batch_size}, threads {settings.torch_threads or 'default'}")
    global DATA
    DATA = args.data
    entries = bench_data.read_esco(DATA / "corpus.jsonl")
    report: dict = {
        "machine": machine_info(),
        "model": embedder.key,
        "backend": embedder.backend,
        "settings": {
            "batch_size": settings.batch_size,
            "threads": settings.torch_threads,
            "query_threads": settings.query_threads,
            "ann_threshold": settings.ann_threshold,
            "ann_nprobe": settings.ann_nprobe,
            "passage_nprobe": settings.passage_nprobe,
            "candidates": settings.candidates,
        },
        "args": {
            k: (sorted(v) if isinstance(v, set) else str(v) if isinstance(v, Path) else v)
            for k, v in vars(args).items()
        },
        "sizes": {},
        "started_at": time.strftime("%Y-%m-%dT%H:%M:%S"),
    }
    sample_texts: list[str] = []
    # (d) alone needs no profiles: preparing a data dir would also replace a work dir that another
    # run of this script is still re-indexing (it did, and lost an hour-long 100k run).
    for n in args.sizes if args.parts & {"a", "b", "c", "l"} else []:
        guard = open(args.cache / f"work-{n}-s{args.seed}.lock", "w")
        try:
            fcntl.flock(guard, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            sys.exit(f"another scripts/bench.py run is using the {n}-profile data in {args.cache}")
        profiles_path, pristine = data_dir(args.cache, n, args.seed, entries)
        if args.work_dir and args.parts <= {"c", "l"}:
            folder = args.work_dir
        else:
            folder = work_dir(args.cache, n, args.seed, pristine, fresh="a" in args.parts)
        size: dict = {}
        if "a" in args.parts:
            share = 1.0 if n < args.floor_sample_above else args.floor_share
            size["reindex"], texts = part_a(settings, embedder, folder, n, profiles_path, share)
            sample_texts = sample_texts or random.Random(2).sample(texts, min(args.compare_texts, len(texts)))
        if "b" in args.parts:
            full = size.get("reindex", {}).get("seconds")
            size["reimport"] = part_b(
                settings, embedder, folder, n, profiles_path, entries, args.cache, args.seed, full
            )
        if "c" in args.parts:
            size["http"] = part_c(settings, embedder, folder, n, entries, args)
        if "l" in args.parts:
            size["learned"] = bench_learn.part_l(
                settings, embedder, folder, n, lambda count, seed: needs(count, seed, entries), args, log
            )
        report["sizes"][str(n)] = size
        guard.close()
    if "a" in args.parts and args.compare:
        report["backends"] = compare_backends(
            settings, embedder, sample_texts, args.compare.split(","), args.compare_rounds
        )
    if "d" in args.parts:
        report["ann"] = part_d(settings, embedder, entries, args)
    report["machine"]["load_end"] = os.getloadavg()
    report["finished_at"] = time.strftime("%Y-%m-%dT%H:%M:%S")
    report["targets"] = check_targets(report)
    out = args.out or ROOT / "bench-results" / f"bench-{time.strftime('%Y%m%d-%H%M%S')}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, indent=2) + "\n")
    print_table(report)
    print(f"\nJSON: {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
