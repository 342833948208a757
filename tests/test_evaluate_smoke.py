"""scripts/evaluate.py end to end on a tiny subset: every mode, every metric, and the corpus cache reused.

Runs on a tiny BEIR set written here (a clone of the project alone must pass; the dev sets are for
measuring, with the script). Quality is measured by the script, not asserted here.
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
MODES = ("dense", "lexical", "hybrid", "default")
METRICS = ("ndcg@10", "recall@10", "recall@50", "mrr@10")

TINY_CORPUS = {
    "http://example.org/skill/python": "Python programming: write scripts, packages and tests in Python.",
    "http://example.org/skill/sql": "SQL databases: query data with joins, window functions and indexes.",
    "http://example.org/skill/speaking": "Public speaking: give talks and presentations to large audiences.",
    "http://example.org/skill/budget": "Budgeting: plan, track and report a team's spending over a year.",
    "http://example.org/skill/tiktok": "Short-form video: film and edit clips for TikTok and Instagram Reels.",
    "http://example.org/skill/bread": "Bread baking: sourdough starters, kneading and proofing dough.",
}
TINY_QUERIES = {
    "q1": ("We look for a <ORGANIZATION> analyst fluent in SQL window functions", ["sql"]),
    "q2": ("Presenting results to executives and planning the annual budget", ["speaking", "budget"]),
    "q3": ("Editing short videos for social media", ["tiktok"]),
}


def write_tiny_beir(folder: Path) -> Path:
    """A six-document BEIR set with three judged queries."""
    (folder / "qrels").mkdir(parents=True)
    (folder / "corpus.jsonl").write_text(
        "".join(json.dumps({"_id": doc_id, "title": "", "text": text}) + "\n" for doc_id, text in TINY_CORPUS.items())
    )
    (folder / "queries.jsonl").write_text(
        "".join(json.dumps({"_id": qid, "text": text}) + "\n" for qid, (text, _) in TINY_QUERIES.items())
    )
    rows = ["query-id\tcorpus-id\tscore"] + [
        f"{qid}\thttp://example.org/skill/{doc}\t1" for qid, (_, docs) in TINY_QUERIES.items() for doc in docs
    ]
    (folder / "qrels" / "dev.tsv").write_text("\n".join(rows) + "\n")
    return folder


def run(*args: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, HF_HUB_OFFLINE="1")
    proc = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "evaluate.py"), *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    return proc


def test_evaluate_prints_every_metric_per_mode_and_reuses_its_cache(tmp_path):
    dataset = write_tiny_beir(tmp_path / "tiny")
    common = ["--max-queries", "3", "--max-docs", "60", "--cache-dir", str(tmp_path / "cache")]

    table = run(str(dataset), *common).stdout
    header = next(line for line in table.splitlines() if line.startswith("| mode |"))
    assert [c.strip() for c in header.strip("|").split("|")][1:] == list(METRICS)
    rows = {
        line.split("|")[1].strip().split(" ")[0]: [float(v) for v in line.strip().strip("|").split("|")[1:]]
        for line in table.splitlines()
        if line.startswith("| ") and not line.startswith("| mode")
    }
    assert set(rows) == set(MODES)
    assert all(len(values) == 4 and all(0.0 <= v <= 1.0 for v in values) for values in rows.values())

    report = json.loads(run(str(dataset), *common, "--json", "--modes", "dense,default").stdout)
    assert report["load_seconds"] == 0.0  # the corpus came from the cache
    assert report["queries"] == 3 and set(report["results"]) == {"dense", "default"}
    for mode in ("dense", "default"):
        assert [round(report["results"][mode][m], 3) for m in METRICS] == rows[mode]


def test_evaluate_learn_runs_the_outcome_log_through_learn_and_cleans_up(tmp_path):
    dataset = write_tiny_beir(tmp_path / "tiny")
    cache = tmp_path / "cache"
    report = json.loads(run(str(dataset), "--max-docs", "60", "--cache-dir", str(cache), "--learn", "--json").stdout)
    assert report["learn_queries"] + report["test_queries"] == 3
    assert report["outcomes"]["rejected"] == 0 and report["outcomes"]["added"] >= 1
    assert not report["learn"]["adopted"] and report["learn"]["reason"].startswith("too few outcomes")
    assert report["test_half"]["before"]["ndcg@10"] == report["test_half"]["after"]["ndcg@10"]
    assert not (cache / "learned" / "ACTIVE").exists()
    from matcher.config import Settings
    from matcher.store import open_store

    store = open_store(Settings(data_dir=cache))
    assert store.outcomes() == []  # the log is removed from the cached data dir afterwards
    store.close()
