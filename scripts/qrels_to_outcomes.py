#!/usr/bin/env python
"""Turn a BEIR data set's judgements into an outcome log: each relevant (query, document) pair is an
`accepted` outcome of the query's text for the mentor that document became (as scripts/evaluate.py loads it).

    scripts/qrels_to_outcomes.py DATASET > outcomes.jsonl              # every judged query
    scripts/qrels_to_outcomes.py DATASET --half learn > learn.jsonl    # the half evaluate.py --learn learns from
    mentor-match outcomes import learn.jsonl                           # (after importing the corpus as profiles)

The query id becomes the mentee id, so one query is one mentee. The halves are fixed by a hash of the
query id (`half_of`), the same in scripts/evaluate.py --learn: a query is always on the same side.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from evaluate import profile_ids, read_jsonl, read_qrels  # scripts/ is not a package: found by sys.path

HALVES = ("learn", "test", "all")
_ID_BAD = re.compile(r"[^A-Za-z0-9._-]+")


def half_of(query_id: str) -> str:
    """ "learn" or "test": the half a query falls in, by a SHA-256 of its id (stable across runs and machines)."""
    return "learn" if int(hashlib.sha256(("half:" + query_id).encode()).hexdigest()[:8], 16) % 2 == 0 else "test"


def mentee_id(query_id: str) -> str:
    """A valid mentee id for a query id (1..64 of [A-Za-z0-9._-])."""
    clean = _ID_BAD.sub("_", query_id).strip("_")
    return ("q-" + clean)[:64] if clean else "q-" + hashlib.sha256(query_id.encode()).hexdigest()[:16]


def outcome_rows(
    queries: list[dict], qrels: dict[str, dict[str, int]], ids: dict[str, str], half: str = "all", max_chars: int = 2000
) -> list[dict]:
    """The outcome rows of the judged queries in `half` whose documents are loaded (`ids`: doc id -> profile id)."""
    rows = []
    for q in queries:
        text = (q.get("text") or "").strip()
        if q["_id"] not in qrels or not text or (half != "all" and half_of(q["_id"]) != half):
            continue
        for doc_id, grade in sorted(qrels[q["_id"]].items()):
            if grade > 0 and doc_id in ids:
                rows.append(
                    {
                        "need": text[:max_chars],
                        "mentor_id": ids[doc_id],
                        "outcome": "accepted",
                        "mentee_id": mentee_id(q["_id"]),
                    }
                )
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("dataset", type=Path, help="folder with corpus.jsonl, queries.jsonl, qrels/<split>.tsv")
    parser.add_argument("--split", default="dev", help="qrels split (default: dev)")
    parser.add_argument("--half", choices=HALVES, default="all", help="which half of the queries (default: all)")
    args = parser.parse_args(argv)
    corpus = read_jsonl(args.dataset / "corpus.jsonl")
    queries = read_jsonl(args.dataset / "queries.jsonl")
    qrels = read_qrels(args.dataset / "qrels" / f"{args.split}.tsv")
    ids = profile_ids([d["_id"] for d in corpus])
    for row in outcome_rows(queries, qrels, ids, args.half):
        print(json.dumps(row, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
