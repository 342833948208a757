"""scripts/bench_programme_fit.py runs end to end on a few demo members (a benchmark, not a timed test)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parent.parent


def test_fit_benchmark_compares_every_method_on_the_same_candidates(tmp_path):
    out = tmp_path / "fit.json"
    done = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "bench_programme_fit.py"), "--smoke", "--out", str(out)],
        cwd=ROOT,
        env=dict(os.environ, HF_HUB_OFFLINE="1"),
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    cohort = json.loads(out.read_text())["cohorts"]["reverse"]
    assert set(cohort["methods"]) == {
        "optimal/participation",
        "optimal/score",
        "greedy first-come",
        "independent top-1",
    }
    optimal, greedy = cohort["methods"]["optimal/participation"], cohort["methods"]["greedy first-come"]
    assert optimal["matched"] >= greedy["matched"] and optimal["total_fit"] >= greedy["total_fit"] - 1e-6
    assert "| reverse |" in done.stdout
