"""scripts/bench_insights.py runs end to end at a tiny N on the project's own corpus (tests/data/skills).

Benchmarks are not tests: this checks that the script works and reports every figure, never a timing.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow  # a child process and the model: see pyproject markers

ROOT = Path(__file__).resolve().parent.parent


def test_bench_insights_smoke_reports_the_build(tmp_path):
    out = tmp_path / "bench-insights.json"
    env = dict(os.environ, HF_HUB_OFFLINE="1", PYTHONPATH=str(ROOT))
    proc = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "bench_insights.py"), "--smoke", "--out", str(out)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    report = json.loads(out.read_text())
    assert report["profiles"] == 300 and report["corpus"] == "corpus.jsonl"
    build = report["build"]
    assert build["topics"] >= 2 and build["wishes"] > 0 and build["mentors"] > 0
    assert set(build["timings"]) == {"model", "read", "embed", "topics", "answers", "labels", "skills", "write"}
    assert (
        build["seconds"] > 0 and build["peak_mb"] >= 0 and build["rss_before_mb"] > 0 and build["summary_seconds"] > 0
    )
