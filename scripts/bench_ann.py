"""Part (d) of scripts/bench.py: search only, at a million profiles, exact versus approximate.

The vectors are synthetic but shaped like real ones (bench_data.mixture_vectors: mixes of real ESCO
skill embeddings plus noise); the queries are the real need sentences of the ESCO dev set, embedded
by the configured model. Both indexes are built by matcher.index.build_base (the service's own code)
and searched through VectorIndex.search with an eligibility filter applied inside the search
(IDSelectorBitmap), exactly as /v1/match does.
"""

from __future__ import annotations

import gc
import os
import tempfile
import time
from pathlib import Path

import faiss
import numpy as np
from bench_data import mixture_vectors
from bench_http import summary

from matcher.index import IndexSpec, VectorIndex, build_base

K = 10


def rss_mb() -> float:
    """This process's resident memory in MB."""
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def file_mb(index: faiss.Index, folder: Path, name: str) -> tuple[float, Path]:
    """Write the index (as a generation would) and return its size in MB and the path."""
    path = folder / f"{name}.faiss"
    faiss.write_index(index, str(path))
    return round(path.stat().st_size / 2**20, 1), path


def _searches(
    index: VectorIndex, queries: np.ndarray, allowed: np.ndarray, repeat: int = 1
) -> tuple[list[np.ndarray], list[float]]:
    results, times = [], []
    for _ in range(repeat):
        for q in queries:
            started = time.perf_counter()
            _, ids = index.search(q, K, allowed)
            times.append((time.perf_counter() - started) * 1000)
            results.append(ids)
    return results[: len(queries)], times


def recall(truth: list[np.ndarray], found: list[np.ndarray]) -> float:
    """Mean share of the exact top-K that the approximate search also returned."""
    hits = [len(set(t.tolist()) & set(f.tolist())) / max(1, min(K, len(t))) for t, f in zip(truth, found)]
    return round(float(np.mean(hits)), 4)


def run(
    anchors: np.ndarray,
    queries: np.ndarray,
    n: int,
    nprobe: int,
    nprobes: list[int],
    eligible_share: float,
    threshold: int,
    workdir: Path,
    exact_queries: int,
    log=print,
) -> dict:
    """Build exact and IVF indexes over n synthetic vectors; measure build time, memory, latency, recall.

    Args:
        anchors: real embeddings (unit rows) the synthetic vectors are mixed from.
        queries: real need embeddings (unit rows).
        nprobe: the configured nprobe (Settings.ann_nprobe): the headline figures use it.
        nprobes: other nprobe values to sweep (recall and latency for each).
        eligible_share: share of rows the filter allows (random, like style/capacity rules).
        threshold: ann_threshold given to build_base for the approximate index (below n).
        exact_queries: how many queries to time on the exact index (it is slow at 1M).
    """
    dim = anchors.shape[1]
    rng = np.random.default_rng(1)
    allowed = rng.random(n) < eligible_share
    ids = np.arange(n, dtype=np.int64)
    started = time.perf_counter()
    vectors = np.concatenate(list(mixture_vectors(anchors, n, seed=7)))
    gen_s = time.perf_counter() - started
    log(f"(d) {n} synthetic vectors in {gen_s:.1f} s")
    tmp = Path(tempfile.mkdtemp(prefix="ann-", dir=workdir))
    out: dict = {"n": n, "dim": dim, "eligible_share": eligible_share, "queries": len(queries)}

    base_rss = rss_mb()
    started = time.perf_counter()
    exact = build_base(IndexSpec(dim, 1, ann_threshold=n + 1), ids, vectors)
    exact_build = time.perf_counter() - started
    exact_rss = rss_mb() - base_rss
    exact_mb, _ = file_mb(exact, tmp, "exact")
    exact_index = VectorIndex(IndexSpec(dim, 1, ann_threshold=n + 1), exact)
    truth, exact_times = _searches(exact_index, queries, allowed)
    more = max(0, exact_queries - len(queries))
    if more:
        _, extra = _searches(exact_index, queries[:more], allowed)
        exact_times += extra
    out["exact"] = {
        "build_s": round(exact_build, 2),
        "index_mb": exact_mb,
        "rss_delta_mb": round(exact_rss, 1),
        **summary(exact_times),
    }
    log(f"(d) exact: build {exact_build:.1f} s, {exact_mb} MB, p50 {out['exact']['p50_ms']} ms")
    del exact_index, exact
    gc.collect()

    spec = IndexSpec(dim, 1, ann_threshold=threshold, nprobe=nprobe)
    base_rss = rss_mb()
    started = time.perf_counter()
    ivf = build_base(spec, ids, vectors)
    ivf_build = time.perf_counter() - started
    ivf_rss = rss_mb() - base_rss
    del vectors
    gc.collect()
    inner = faiss.downcast_index(ivf.index)
    ivf_mb, ivf_path = file_mb(ivf, tmp, "ivf")
    log(f"(d) IVF nlist={inner.nlist}: build {ivf_build:.1f} s, {ivf_mb} MB")
    sweep = []
    for probe in sorted(set(nprobes + [nprobe])):
        inner.nprobe = probe
        index = VectorIndex(IndexSpec(dim, 1, threshold, probe), ivf)
        found, times = _searches(index, queries, allowed, repeat=3)
        row = {"nprobe": probe, "recall@10": recall(truth, found), **summary(times)}
        row["speedup"] = round(out["exact"]["p50_ms"] / row["p50_ms"], 1) if row["p50_ms"] else None
        sweep.append(row)
        log(f"(d) IVF nprobe={probe}: recall@10 {row['recall@10']}, p50 {row['p50_ms']} ms, {row['speedup']}x")
    head = next(r for r in sweep if r["nprobe"] == nprobe)
    out["ivf"] = {
        "nlist": int(inner.nlist),
        "nprobe": nprobe,
        "build_s": round(ivf_build, 2),
        "index_mb": ivf_mb,
        "rss_delta_mb": round(ivf_rss, 1),
        "train_sample": int(min(n, inner.nlist * 40)),
        **{k: v for k, v in head.items() if k != "nprobe"},
        "sweep": sweep,
    }
    del ivf, index
    gc.collect()

    # Load it the way the service does (memory-mapped where FAISS can) and check the search still agrees.
    before = rss_mb()
    started = time.perf_counter()
    try:
        loaded = faiss.read_index(str(ivf_path), faiss.IO_FLAG_MMAP_IFC | faiss.IO_FLAG_READ_ONLY)
        mode = "mmap"
    except RuntimeError:
        loaded = faiss.read_index(str(ivf_path))
        mode = "read"
    load_s = time.perf_counter() - started
    faiss.downcast_index(loaded.index).nprobe = nprobe
    found, times = _searches(VectorIndex(spec, loaded), queries, allowed)
    out["ivf"]["loaded"] = {
        "mode": mode,
        "load_s": round(load_s, 2),
        "rss_delta_mb": round(rss_mb() - before, 1),
        "recall@10": recall(truth, found),
        **summary(times),
    }
    del loaded
    for path in tmp.iterdir():
        path.unlink()
    os.rmdir(tmp)
    return out
