"""scripts/simulate_market.py --smoke end to end: the market on tests/data/skills through the real service, with
all rules and with none. Figures are the script's to report (README); asserted here is what the rules promise."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow  # a child process loading the model

ROOT = Path(__file__).resolve().parent.parent


def test_smoke_market_runs_and_the_room_rule_holds(tmp_path):
    env = {**os.environ, "PYTHONPATH": str(ROOT), "HF_HUB_OFFLINE": "1"}
    env.pop("MATCHER_DATA_DIR", None)
    done = subprocess.run(
        [
            sys.executable,
            str(ROOT / "scripts" / "simulate_market.py"),
            "--smoke",
            "--json",
            "--runs",
            "all rules,no rules",
            "--cache-dir",
            str(tmp_path / "market"),
            "--no-progress",
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    summary = json.loads(done.stdout)
    assert summary["mentors"] == 80 and summary["mentees"] == 20
    outcomes = {o["run"]: o for o in summary["outcomes"]}
    assert set(outcomes) == {"all rules", "no rules"}
    for o in outcomes.values():
        assert o["requests"] > 0 and 0 < o["mentors_asked"] <= 1 and 0 <= o["gini_received"] < 1
        assert 0 <= o["paired_round1"] <= o["paired_end"] <= 1
    # With room counting pending requests nobody is proposed whose places are all promised, so no mentor
    # ever holds more pending requests than their capacity (at most 3 here).
    assert outcomes["all rules"]["to_full_share"] == 0.0 and outcomes["all rules"]["max_pending"] <= 3


def test_bad_arguments_exit_2_naming_them(tmp_path):
    done = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "simulate_market.py"), str(tmp_path)],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        timeout=120,
    )
    assert done.returncode == 2 and "corpus.jsonl: not found" in done.stderr
