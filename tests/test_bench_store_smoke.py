"""scripts/bench_store.py runs end to end at a tiny N on both backends (a real PostgreSQL server).

Benchmarks are not tests: this checks that the script works and reports every figure, never a timing.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.pg import server_url

pytestmark = pytest.mark.slow  # a server, a child process, a browser or a benchmark: see pyproject markers

ROOT = Path(__file__).resolve().parent.parent


def test_bench_store_smoke_reports_both_backends(tmp_path):
    url = server_url()  # skipped without a server (failed under CI)
    out = tmp_path / "bench-store.json"
    env = dict(os.environ, HF_HUB_OFFLINE="1", PYTHONPATH=str(ROOT))
    proc = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "bench_store.py"), "--smoke", "--out", str(out), "--database-url", url],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    report = json.loads(out.read_text())
    for backend in ("sqlite", "postgres"):
        figures = report["backends"][backend]
        assert figures["import"]["profiles"] == report["profiles"] and figures["import"]["profiles_per_s"] > 0
        for mode in ("match_warm", "match_uncached"):
            assert figures[mode]["n"] > 0 and figures[mode]["p50_ms"] > 0
    assert {"import_throughput", "match_p50_warm", "match_p50_uncached"} <= set(report["ratios"])
    assert "| match p50 ms, warm cache |" in proc.stdout
    assert url.split("@")[0] not in proc.stdout + proc.stderr + out.read_text()  # no password anywhere
