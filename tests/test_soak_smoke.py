"""scripts/soak.py runs end to end in its seconds-long mode (a real server on a loopback port, the demo's
profiles): every window has matches, writes and a memory figure, re-indexes ran, and no request failed.

A soak is not a test: this checks that the script works and reports every figure, never a timing.
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


def test_soak_smoke_reports_memory_and_latency_per_window(tmp_path):
    out = tmp_path / "soak.json"
    env = dict(os.environ, HF_HUB_OFFLINE="1")
    proc = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "soak.py"), "--smoke", "--out", str(out)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stderr[-3000:] + proc.stdout[-2000:]
    report = json.loads(out.read_text())
    assert report["failed"] == 0 and report["store"] == "sqlite" and report["profiles"] == 40
    windows = report["windows"]
    assert len(windows) == 3
    for row in windows:
        assert row["matches"] > 0 and row["pss_median_mb"] > 0 and row["private_median_mb"] > 0
        assert row["match_p95_ms"] >= row["match_p50_ms"] > 0
    assert sum(row["writes"] for row in windows) >= 4
    assert sum(row["reindexes"] for row in windows) >= 1
    assert "PSS" in report["summary"] and "| window (4 s) |" in proc.stdout
