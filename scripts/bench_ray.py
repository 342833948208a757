#!/usr/bin/env python
"""A re-index with the Ray engine against the in-process re-index, on this machine, of the same profiles.

Every run starts from a copy of one store holding the profiles without any embedding (as after a change
of model), so each re-index embeds every profile, stores the embeddings and builds the generation:
- in-process: `MatchService.reindex()` (state.build embeds chunk by chunk, in this process);
- ray: `MatchService.reindex(engine=RayEngine(...))`: Ray starts on this machine's cores, embeds on an
  actor pool, the driver stores each block; then the same build, which finds every embedding stored.
  Ray's start and stop are part of its time, as in `mentor-match reindex --engine ray`.
The phrase book is off in both (it is embedded in-process either way); the driver's model is loaded
once beforehand for both. Runs alternate (in-process, ray, ray, in-process, ...) against the machine's
drift. Throughput: profiles / wall seconds of the whole re-index. The vectors of the two engines are
compared (cosine per vector: int8 ONNX quantizes activations per batch, so they are close, not equal).

Profiles: the demo's (matcher/demo/profiles.jsonl), or --data (JSON Lines), repeated to --profiles with
new ids and their bio sentences and skills rotated (same texts' lengths, no two profiles alike).

    scripts/bench_ray.py                    # 4,000 profiles, 2 rounds (about 15 minutes on 2 shared cores)
    scripts/bench_ray.py --profiles 1000 --rounds 1
    scripts/bench_ray.py --smoke            # seconds (tests/test_bench_ray_smoke.py)

Prints a table; writes JSON (bench-results/bench-ray-<time>.json unless --out).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402

from matcher.config import Settings  # noqa: E402
from matcher.model.batch.ray_engine import RayEngine  # noqa: E402
from matcher.model.embedder import Embedder  # noqa: E402
from matcher.model.profile_vectors import profile_texts  # noqa: E402
from matcher.profiles import MAX_PASSAGES, Profile, content_hash, parse_profile, split_passages, text_hash  # noqa: E402
from matcher.service import MatchService  # noqa: E402
from matcher.store import SQLiteStore, Write  # noqa: E402

DEMO = ROOT / "matcher" / "demo" / "profiles.jsonl"
TARGET = 0.85  # Ray's throughput at least this share of the in-process re-index's (issue 17)
WRITE_BATCH = 256


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


# -- data -----------------------------------------------------------------------------------------


def _rotated(items: list, by: int) -> list:
    return items[by % len(items) :] + items[: by % len(items)] if items else items


def make_profiles(n: int, source: Path) -> list[Profile]:
    """n profiles from `source`, repeated: copy r of a profile has the id suffix -r and its bio
    sentences and skill tags rotated by r (the same texts to embed, in another order)."""
    base = [parse_profile(json.loads(line)) for line in source.read_text(encoding="utf-8").splitlines() if line.strip()]
    people = []
    for i in range(n):
        original, copy = base[i % len(base)], i // len(base)
        if copy == 0:
            people.append(original)
            continue
        sentences = split_passages(original.bio)
        changes = {
            "id": f"{original.id}-{copy}"[:64],
            "bio": " ".join(_rotated(sentences, copy)) or original.bio,
            "skills": _rotated(list(original.skills), copy // max(1, len(sentences))),
            "manager_id": None,
        }
        people.append(parse_profile({**original.model_dump(), **changes}))
    return people


def template_store(folder: Path, people: list[Profile]) -> Path:
    """A data dir whose store holds `people` without embeddings; returns it."""
    folder.mkdir(parents=True)
    store = SQLiteStore(folder / "profiles.db")
    try:
        for start in range(0, len(people), WRITE_BATCH):
            store.write([Write(p, content_hash(p), text_hash(p), None) for p in people[start : start + WRITE_BATCH]])
    finally:
        store.close()
    return folder


# -- runs -------------------------------------------------------------------------------------------


def reindex_run(engine_name: str, template: Path, work: Path, embedder: Embedder, args) -> dict:
    """One re-index of a fresh copy of the template store; its figures and the data dir."""
    data_dir = work / f"{engine_name}-{time.monotonic_ns()}"
    shutil.copytree(template, data_dir)
    settings = Settings(data_dir=data_dir, phrase_book_size=0)
    service = MatchService(settings, embedder=embedder)
    engine = None
    if engine_name == "ray":
        engine = RayEngine(settings, num_cpus=args.num_cpus, cpus_per_actor=args.cpus_per_actor)
    try:
        started = time.perf_counter()
        result = service.reindex(engine=engine)
        if engine is not None:
            engine.close()
        seconds = time.perf_counter() - started
    finally:
        service.close()
    run = {
        "engine": engine_name,
        "profiles": result["profiles"],
        "seconds": round(seconds, 2),
        "profiles_per_s": round(result["profiles"] / seconds, 2),
        "data_dir": str(data_dir),
    }
    if engine is not None:
        filled = result["embedded"]
        run.update(
            fill_seconds=filled.seconds,
            written=filled.written,
            ray_start_seconds=engine.start_seconds,
            actors=engine.actors,
            build_seconds=round(seconds - filled.seconds, 2),
        )
    log(
        f"{engine_name}: {run['profiles']} profiles in {run['seconds']} s, {run['profiles_per_s']} profiles/s"
        + (f" (Ray start {run['ray_start_seconds']} s, fill {run['fill_seconds']} s)" if engine else "")
    )
    return run


def compare_vectors(a: Path, b: Path, dim: int) -> dict:
    """Cosine of each vector of store a with the same vector of store b: min and mean, and the count."""
    stores = [SQLiteStore(d / "profiles.db") for d in (a, b)]
    try:
        rows = [s.row_id for s in stores[0].iter_profiles()]
        first, second = (s.embeddings(rows, dim) for s in stores)
    finally:
        for s in stores:
            s.close()
    cosines = []
    for row in rows:
        x, y = first[row], second[row]
        assert len(x.passages) == len(y.passages) and len(x.passages) <= MAX_PASSAGES
        cosines.append(np.sum(x.passages * y.passages, axis=1))
        cosines.append(np.array([x.offers @ y.offers]))
        if x.goals is not None:
            cosines.append(np.array([x.goals @ y.goals]))
    values = np.concatenate(cosines)
    return {
        "vectors": int(values.size),
        "min_cosine": round(float(values.min()), 5),
        "mean_cosine": round(float(values.mean()), 6),
    }


def run(args: argparse.Namespace) -> dict:
    settings = Settings()
    embedder = Embedder.from_settings(settings)
    log(f"model {embedder.key} (dim {embedder.dim}); making {args.profiles} profiles from {args.data}")
    people = make_profiles(args.profiles, args.data)
    work = Path(tempfile.mkdtemp(prefix="bench-ray."))
    texts = len(profile_texts(people)[0])
    report: dict = {
        "profiles": args.profiles,
        "texts": texts,
        "texts_per_profile": round(texts / len(people), 2),
        "model": embedder.key,
        "cores": os.cpu_count(),
        "runs": [],
    }
    try:
        template = template_store(work / "template", people)
        order = []
        for r in range(args.rounds):
            order += ["in-process", "ray"] if r % 2 == 0 else ["ray", "in-process"]
        kept: dict[str, Path] = {}
        for name in order:
            result = reindex_run(name, template, work, embedder, args)
            report["runs"].append(result)
            previous = kept.get(name)
            kept[name] = Path(result.pop("data_dir"))
            if previous is not None:
                shutil.rmtree(previous, ignore_errors=True)
        report["vectors"] = compare_vectors(kept["in-process"], kept["ray"], embedder.dim)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    for name in ("in-process", "ray"):
        runs = [r for r in report["runs"] if r["engine"] == name]
        report[name] = {
            "seconds": round(sum(r["seconds"] for r in runs) / len(runs), 2),
            "profiles_per_s": round(sum(r["profiles_per_s"] for r in runs) / len(runs), 2),
        }
    ray_runs = [r for r in report["runs"] if r["engine"] == "ray"]
    for key in ("ray_start_seconds", "fill_seconds", "build_seconds"):
        report["ray"][key] = round(sum(r[key] for r in ray_runs) / len(ray_runs), 2)
    report["ray"]["actors"] = ray_runs[0]["actors"]
    # What one actor (one core, one model thread) embeds while the fill runs, Ray's start included.
    report["ray"]["texts_per_s_per_actor"] = round(texts / report["ray"]["fill_seconds"] / report["ray"]["actors"], 1)
    report["ray"]["profiles_per_s_per_actor"] = round(
        args.profiles / report["ray"]["fill_seconds"] / report["ray"]["actors"], 2
    )
    report["ratio"] = round(report["ray"]["profiles_per_s"] / report["in-process"]["profiles_per_s"], 3)
    report["target"] = {"ray / in-process throughput": f">= {TARGET}", "met": report["ratio"] >= TARGET}
    return report


def print_table(report: dict) -> None:
    ray, local = report["ray"], report["in-process"]
    print(f"| {report['profiles']} profiles, {report['cores']} cores | in-process | Ray | Ray / in-process |")
    print("|---|---|---|---|")
    print(f"| re-index, profiles/s | {local['profiles_per_s']} | {ray['profiles_per_s']} | {report['ratio']:.3f} |")
    print(
        f"| re-index, s | {local['seconds']} | {ray['seconds']} (start {ray['ray_start_seconds']}, "
        f"fill {ray['fill_seconds']}, build {ray['build_seconds']}) | |"
    )
    print(
        f"| per Ray actor (1 core), during the fill | | {ray['profiles_per_s_per_actor']} profiles/s, "
        f"{ray['texts_per_s_per_actor']} texts/s ({report['texts_per_profile']} texts a profile) | |"
    )
    vectors = report["vectors"]
    print(f"vectors: {vectors['vectors']} compared, cosine min {vectors['min_cosine']}, mean {vectors['mean_cosine']}")
    met = "met" if report["target"]["met"] else "NOT met"
    print(f"target: Ray at least {TARGET} of the in-process throughput: {met}")


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--profiles", type=int, default=4000)
    p.add_argument("--rounds", type=int, default=2, help="each round re-indexes once with each engine")
    p.add_argument("--data", type=Path, default=DEMO, help="profiles to repeat, JSON Lines (default: the demo's)")
    p.add_argument("--num-cpus", type=int, help="CPUs the local Ray offers (default: every core)")
    p.add_argument("--cpus-per-actor", type=int, default=1, help="model threads per Ray actor")
    p.add_argument(
        "--chunk",
        type=int,
        help="profiles embedded together, by both engines (default: the re-index's, state.EMBED_CHUNK)",
    )
    p.add_argument("--out", type=Path, help="JSON report (default bench-results/bench-ray-<time>.json)")
    p.add_argument("--smoke", action="store_true", help="40 profiles, one round (seconds)")
    args = p.parse_args(argv)
    if args.smoke:
        args.profiles, args.rounds = 40, 1
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.chunk:
        from matcher.index import state

        state.EMBED_CHUNK = args.chunk  # the in-process build's chunk, which the Ray fill follows
    report = run(args)
    report["args"] = {k: (str(v) if isinstance(v, Path) else v) for k, v in vars(args).items()}
    out = args.out or ROOT / "bench-results" / f"bench-ray-{time.strftime('%Y%m%d-%H%M%S')}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, indent=2))
    print_table(report)
    log(f"report written to {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
