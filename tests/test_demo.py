"""The packaged demo profiles are exactly what scripts/generate_demo.py writes."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from matcher.cli import demo_profiles_path

ROOT = Path(__file__).resolve().parent.parent
GENERATOR = ROOT / "scripts" / "generate_demo.py"


def test_regenerating_reproduces_the_packaged_file(tmp_path):
    out = tmp_path / "profiles.jsonl"
    proc = subprocess.run([sys.executable, str(GENERATOR), "--out", str(out)], capture_output=True, text=True,
                          timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert out.read_bytes() == demo_profiles_path().read_bytes(), (
        "matcher/demo/profiles.jsonl is not what scripts/generate_demo.py writes: run it and commit the result")
