"""scripts/bench_programmes.py runs at tiny sizes and reports every method; never a timing judged here."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.slow  # ~4 s: a subprocess and a dozen forked measurements
def test_bench_programmes_smoke_reports_every_method(tmp_path):
    out = tmp_path / "programmes.json"
    proc = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "bench_programmes.py"), "--smoke", "--out", str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    report = json.loads(out.read_text())
    (size,) = report["sizes"]
    methods = size["methods"]
    assert {
        "optimal/score",
        "optimal/participation",
        "greedy first-come",
        "independent top-1 (infeasible)",
        "scipy/score",
        "networkx/participation",
    } <= set(methods)
    for row in methods.values():
        assert {"seconds", "peak_mb", "matched", "total"} <= set(row)
    # Every exact solver finds the same optimum; the baselines bracket it.
    for objective in ("score", "participation"):
        totals = {methods[f"{solver}/{objective}"]["total"] for solver in ("optimal", "scipy", "networkx")}
        assert max(totals) - min(totals) <= 1e-3 * size["mentees"]
    assert methods["greedy first-come"]["total"] <= methods["optimal/score"]["total"] + 1e-3
    assert methods["optimal/score"]["total"] <= methods["independent top-1 (infeasible)"]["total"] + 1e-3
    (pool,) = report["pools"]
    assert {"two-way/score", "two-way/participation"} <= set(pool["methods"])
    assert "| cohort | method |" in proc.stdout
