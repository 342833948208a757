"""Report side of scripts/bench.py: the machine, the targets of issue 5, and the printed table."""

from __future__ import annotations

import os
import platform


def machine_info() -> dict:
    """CPU, cores, memory, load and library versions: figures only mean something next to these."""
    import faiss
    import onnxruntime
    import sentence_transformers
    import torch

    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as fh:
            cpu = next((line.split(":", 1)[1].strip() for line in fh if line.startswith("model name")), cpu)
    except OSError:
        pass
    mem_gb = None
    try:
        with open("/proc/meminfo") as fh:
            mem_gb = round(int(fh.readline().split()[1]) / 2**20, 1)
    except OSError:
        pass
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory_gb": mem_gb,
        "python": platform.python_version(),
        "torch": torch.__version__,
        "onnxruntime": onnxruntime.__version__,
        "sentence_transformers": sentence_transformers.__version__,
        "faiss": faiss.__version__,
        "load_start": os.getloadavg(),
    }


LATENCY_TARGET_SIZE = 100_000  # profiles at which the issue sets the HTTP p50 target


def _target(rows: list, name: str, size: str, value, limit, ok: bool | None) -> None:
    """One target row; ok None: measured for context at a size the target does not apply to."""
    rows.append({"target": name, "size": size, "value": value, "limit": limit, "met": None if ok is None else bool(ok)})


def check_targets(report: dict) -> list[dict]:
    """Each target of the issue that this run measured, with its value and whether it is met."""
    rows: list[dict] = []
    for n, size in report.get("sizes", {}).items():
        if "reindex" in size:
            r = size["reindex"]["ratio"]
            _target(rows, "re-index / bare model.encode", n, r, ">= 0.9", r >= 0.9)
        if size.get("reimport", {}).get("ratio_to_full") is not None:
            r = size["reimport"]["ratio_to_full"]
            _target(rows, "1%-changed re-import / full re-index", n, r, "<= 0.05", r <= 0.05)
        http = size.get("http", {})
        if "p50_ratio_c1" in http:
            r = http["p50_ratio_c1"]
            # The issue sets this one at 100k profiles; below that it is printed for context only
            # (the floor there is almost all model time, the match's fixed costs are not).
            if int(n) >= LATENCY_TARGET_SIZE:
                _target(rows, "HTTP p50 c=1 / raw floor p50", n, r, "<= 1.5", r <= 1.5)
            else:
                _target(rows, "HTTP p50 c=1 / raw floor p50", n, r, f"<= 1.5 at {LATENCY_TARGET_SIZE:,}", None)
        levels = sorted(int(k[1:]) for k in http if k.startswith("c") and k[1:].isdigit())
        if len(levels) > 1:
            lo, hi = http[f"c{levels[0]}"], http[f"c{levels[-1]}"]
            errors = sum(sum(http[f"c{c}"]["errors"].values()) for c in levels)
            grows = round(hi["rps"] / lo["rps"], 2) if lo["rps"] else None
            _target(
                rows,
                f"req/s c={levels[-1]} / c={levels[0]}, errors",
                n,
                [grows, errors],
                "> 1, 0 errors",
                bool(grows and grows > 1 and errors == 0),
            )
    backends = report.get("backends", {})
    default = backends.get("default")
    if default and "torch" in backends.get("ratio_vs_torch", {}) and default != "torch":
        r = backends["ratio_vs_torch"][default]
        _target(rows, f"{default} / torch fp32 encode throughput", "-", r, ">= 1.8", r >= 1.8)
    ann = report.get("ann")
    if ann:
        ivf = ann["ivf"]
        _target(
            rows,
            f"IVF recall@10 vs exact (nprobe {ivf['nprobe']})",
            str(ann["n"]),
            ivf["recall@10"],
            ">= 0.95",
            ivf["recall@10"] >= 0.95,
        )
        _target(rows, "IVF speed / exact (p50)", str(ann["n"]), ivf["speedup"], ">= 20", (ivf["speedup"] or 0) >= 20)
    return rows


def _fmt(value) -> str:
    if isinstance(value, float):
        return f"{value:.3g}" if abs(value) < 10 else f"{value:,.1f}"
    if isinstance(value, list):
        return ", ".join(_fmt(v) for v in value)
    return str(value)


def print_table(report: dict) -> None:
    """Print the figures and the targets as Markdown tables."""
    m = report["machine"]
    print(
        f"\nmachine: {m['cpu']}, {m['cores']} cores, {m['memory_gb']} GB; load {m['load_start'][0]:.1f} at start; "
        f"model {report['model']}"
    )
    print("\n| part | N | figure | value | floor / baseline | ratio |")
    print("|---|---|---|---|---|---|")
    for n, size in report.get("sizes", {}).items():
        if "reindex" in size:
            r = size["reindex"]
            print(
                f"| a | {n} | full re-index, profiles/s ({r['texts_per_profile']} texts each) | "
                f"{_fmt(r['profiles_per_s'])} | bare encode {_fmt(r['floor']['profiles_per_s'])} | {r['ratio']} |"
            )
            print(
                f"| a | {n} | bios-only bare encode, profiles/s (context) | "
                f"{_fmt(r['bios_only']['profiles_per_s'])} | | |"
            )
        if "reimport" in size:
            r = size["reimport"]
            full = size.get("reindex", {}).get("seconds")
            print(
                f"| b | {n} | 1%-changed re-import, s ({r['summary']['updated']} updated) | {_fmt(r['seconds'])} | "
                f"full re-index {_fmt(full)} s | {r['ratio_to_full']} |"
            )
        if "learned" in size:
            r = size["learned"]
            print(
                f"| l | {n} | learn on {r['outcomes']} outcomes: import s, learn s | {_fmt(r['import_seconds'])}, "
                f"{_fmt(r['learn_seconds'])} | | |"
            )
            print(
                f"| l | {n} | in-process match p50 / p95 ms with the learned ranking | "
                f"{_fmt(r['match_learned']['p50_ms'])} / {_fmt(r['match_learned']['p95_ms'])} | without: "
                f"{_fmt(r['match_without']['p50_ms'])} / {_fmt(r['match_without']['p95_ms'])} | {r['p50_ratio']} |"
            )
        http = size.get("http", {})
        floor = http.get("floor")
        for key in sorted(k for k in http if k.startswith("c") and k[1:].isdigit()):
            h = http[key]
            ratio = http.get("p50_ratio_c1") if key == "c1" else ""
            base = f"raw floor p50 {_fmt(floor['p50_ms'])} ms" if floor and key == "c1" else ""
            print(
                f"| c | {n} | HTTP {key}: p50 / p95 / p99 ms, req/s, errors | "
                f"{_fmt(h['p50_ms'])} / {_fmt(h['p95_ms'])}"
                f" / {_fmt(h['p99_ms'])}, {_fmt(h['rps'])}/s, {sum(h['errors'].values())} | {base} | {ratio} |"
            )
            if key == "c1" and "floor_same_index" in http:
                print(
                    f"| c | {n} | HTTP c1 p50 vs the floor searching the service's own index "
                    f"({'approximate' if http.get('approximate') else 'exact'}) | {_fmt(h['p50_ms'])} | "
                    f"floor p50 {_fmt(http['floor_same_index']['p50_ms'])} ms | {http['p50_ratio_c1_same_index']} |"
                )
            if key == "c1" and "floor_all_query_texts" in http:
                print(
                    f"| c | {n} | HTTP c1 p50 vs the floor over all the need's query texts (need + key phrases) | "
                    f"{_fmt(h['p50_ms'])} | floor p50 {_fmt(http['floor_all_query_texts']['p50_ms'])} ms | "
                    f"{http['p50_ratio_c1_all_query_texts']} |"
                )
    b = report.get("backends")
    if b:
        for name, tps in b["texts_per_s"].items():
            print(
                f"| a | - | bare encode {name}, texts/s | {_fmt(tps)} | "
                f"torch {_fmt(b['texts_per_s'].get('torch'))} | "
                f"{b.get('ratio_vs_torch', {}).get(name, '')} |"
            )
    ann = report.get("ann")
    if ann:
        e, i = ann["exact"], ann["ivf"]
        print(
            f"| d | {ann['n']} | exact flat: p50 / p99 ms, build s, index MB | "
            f"{_fmt(e['p50_ms'])} / {_fmt(e['p99_ms'])}, "
            f"{_fmt(e['build_s'])} s, {_fmt(e['index_mb'])} MB | | |"
        )
        print(
            f"| d | {ann['n']} | IVF nlist {i['nlist']} nprobe {i['nprobe']}: p50 / p99 ms, build s, index MB, "
            f"recall@10 | {_fmt(i['p50_ms'])} / {_fmt(i['p99_ms'])}, {_fmt(i['build_s'])} s, "
            f"{_fmt(i['index_mb'])} MB, "
            f"{i['recall@10']} | exact p50 {_fmt(e['p50_ms'])} ms | {i['speedup']}x |"
        )
        for row in i["sweep"]:
            print(
                f"| d | {ann['n']} | IVF nprobe {row['nprobe']}: p50 ms, recall@10 | {_fmt(row['p50_ms'])}, "
                f"{row['recall@10']} | | {row['speedup']}x |"
            )
    print("\n| target | N | value | limit | met |")
    print("|---|---|---|---|---|")
    for t in report.get("targets", []):
        met = "-" if t["met"] is None else "yes" if t["met"] else "NO"
        print(f"| {t['target']} | {t['size']} | {_fmt(t['value'])} | {t['limit']} | {met} |")
