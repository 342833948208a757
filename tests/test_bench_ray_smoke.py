"""scripts/bench_ray.py runs end to end at a tiny N: the in-process re-index, then one on a local Ray.

Benchmarks are not tests: this checks that the script works and reports every figure, never a timing.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.slow
def test_bench_ray_smoke_reports_both_engines(tmp_path):
    pytest.importorskip("ray", reason="the Ray engine is the optional extra mentor-matcher[ray]")
    root = ROOT
    out = tmp_path / "bench-ray.json"
    env = dict(os.environ, HF_HUB_OFFLINE="1", PYTHONPATH=str(root), RAY_TMPDIR=tempfile.mkdtemp(dir="/tmp"))
    try:
        proc = subprocess.run(
            [sys.executable, str(root / "scripts" / "bench_ray.py"), "--smoke", "--num-cpus", "2", "--out", str(out)],
            cwd=root,
            env=env,
            capture_output=True,
            text=True,
            timeout=600,
        )
        # The engine removed the private session folder of the Ray it started (spilled bios included).
        assert list(Path(env["RAY_TMPDIR"]).iterdir()) == []
    finally:
        shutil.rmtree(env["RAY_TMPDIR"], ignore_errors=True)
    assert proc.returncode == 0, proc.stderr[-3000:]
    report = json.loads(out.read_text())
    assert [r["engine"] for r in report["runs"]] == ["in-process", "ray"]
    assert report["in-process"]["profiles_per_s"] > 0 and report["ray"]["profiles_per_s"] > 0
    assert report["ray"]["fill_seconds"] > 0 and report["ray"]["actors"] >= 1 and "ratio" in report
    assert report["vectors"]["min_cosine"] >= 0.999
    assert "| re-index, profiles/s |" in proc.stdout
