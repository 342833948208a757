"""scripts/bench.py runs end to end at a tiny N (every part, real server on a loopback port).

Benchmarks are not tests: this checks that the script works and reports every figure, never a timing.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow  # a server, a child process, a browser or a benchmark: see pyproject markers

ROOT = Path(__file__).resolve().parent.parent


def test_bench_smoke_reports_every_part(tmp_path):
    out = tmp_path / "bench.json"
    env = dict(os.environ, HF_HUB_OFFLINE="1")
    proc = subprocess.run(
        [
            sys.executable,
            str(ROOT / "scripts" / "bench.py"),
            "--smoke",
            "--out",
            str(out),
            "--cache",
            str(tmp_path / "cache"),
            "--keys",
            "2",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    report = json.loads(out.read_text())
    assert {"machine", "model", "backend", "settings", "sizes", "backends", "ann", "targets"} <= set(report)
    size = report["sizes"]["10"]
    reindex = size["reindex"]
    assert reindex["texts"] >= 10 and reindex["floor"]["texts"] == reindex["texts"]
    assert {"profiles_per_s", "ratio", "bios_only", "overhead_seconds"} <= set(reindex)
    assert size["reimport"]["summary"]["updated"] == 1 and size["reimport"]["ratio_to_full"] > 0
    http = size["http"]
    assert http["keys"] == 2  # requests from two callers in turn, each with its own query cache
    for level in ("c1", "c8"):
        assert http[level]["ok"] > 0 and http[level]["errors"] == {}
        assert {"p50_ms", "p95_ms", "p99_ms", "rps"} <= set(http[level])
    assert http["floor"]["n"] == http["c1"]["ok"] and http["p50_ratio_c1"] > 0
    assert "torch" in report["backends"]["texts_per_s"]
    ann = report["ann"]
    assert ann["ivf"]["nlist"] > 0 and 0 <= ann["ivf"]["recall@10"] <= 1
    assert {"build_s", "index_mb", "rss_delta_mb", "p50_ms"} <= set(ann["exact"]) & set(ann["ivf"])
    assert {t["target"].split(" ")[0] for t in report["targets"]} >= {"re-index", "HTTP", "IVF"}
    assert "| target |" in proc.stdout
