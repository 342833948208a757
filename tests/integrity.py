"""Helpers for the reliability tests: small people, data-dir copies, and the store/index agreement check."""

from __future__ import annotations

import json
import shutil
import sqlite3
from pathlib import Path

import numpy as np

from matcher.profiles import MAX_PASSAGES
from matcher.service import MatchService
from tests.conftest import profile

TOPICS = [
    "TikTok videos",
    "Instagram Reels",
    "SQL window functions",
    "Excel pivot tables",
    "budget planning",
    "public speaking",
    "negotiation",
    "Python testing",
    "Figma prototypes",
    "Kubernetes upgrades",
    "supplier contracts",
    "podcast editing",
    "LinkedIn posts",
    "data visualisation",
    "hiring interviews",
    "accessibility audits",
    "cloud costs",
    "customer research",
    "sales forecasting",
    "change management",
]


def tiny_people(n: int, prefix: str, offset: int = 0) -> list[dict]:
    """n mentors with one-sentence bios (quick to embed), each naming a topic and its own number."""
    people = []
    for i in range(offset, offset + n):
        topic = TOPICS[i % len(TOPICS)]
        people.append(
            profile(
                f"{prefix}-{i:04d}",
                1 + i % 10,
                f"I teach {topic}, lesson plan {prefix} {i}.",
                goals="" if i % 3 else f"I want to learn {TOPICS[(i + 7) % len(TOPICS)]}.",
            )
        )
    return people


def write_jsonl(path: Path, people: list[dict]) -> Path:
    """Write people as JSON Lines; returns the path."""
    path.write_text("".join(json.dumps(p) + "\n" for p in people))
    return path


def clone(service: MatchService, target: Path) -> Path:
    """Copy a data dir the way SECURITY.md says to back one up: the index files, then SQLite's online backup."""
    target.mkdir(parents=True)
    shutil.copytree(service.generations.root, target / "index", ignore=shutil.ignore_patterns(".lock"))
    service.store.backup(target / "profiles.db")
    return target


def committed(data_dir: Path) -> dict[str, str]:
    """{profile id: content hash} as committed in the store, read with a connection of our own."""
    conn = sqlite3.connect(f"file:{data_dir / 'profiles.db'}?mode=ro", uri=True, timeout=30)
    try:
        return dict(conn.execute("SELECT id, content_hash FROM profiles"))
    except sqlite3.OperationalError:  # the child has not created the tables yet
        return {}
    finally:
        conn.close()


def _live_rows(index, slots: int) -> dict[int, int]:
    """{row id: how many vectors} that a search over the whole index can return."""
    if index.ntotal == 0:
        return {}
    query = np.zeros(index.spec.dim, dtype=np.float32)
    query[0] = 1.0
    _, ids = index.search(query, index.ntotal)
    rows, counts = np.unique(ids // slots, return_counts=True)
    return dict(zip(rows.tolist(), counts.tolist()))


def _same_texts(indexed: np.ndarray, stored: np.ndarray) -> None:
    """Each indexed vector embeds the same text as the stored one. Not bit-equal: a re-index killed after
    storing fresh embeddings leaves the older generation's vectors of the same texts in use, and the
    int8 model's dynamic quantisation makes a text's vector depend a little on its batch."""
    cosines = np.sum(indexed * stored, axis=1)
    assert cosines.min() > 0.98, f"{int((cosines <= 0.98).sum())} indexed vectors are not their profile's"


def assert_index_agrees(service: MatchService) -> None:
    """The process's index holds exactly the store's profiles, with the stored vectors and passages.

    Checks the catalog (ids and row ids), the three vector indexes (which rows a search can return,
    and that their vectors are the stored embeddings of the configured model) and the lexical index.
    """
    st = service.refresh()
    store_rows = {stored.row_id: stored.profile.id for stored in service.store.iter_profiles()}
    assert st.catalog.ids == store_rows, "catalog and store disagree"
    emb = service.store.embeddings(list(store_rows), service.embedder.dim)
    assert set(emb) == set(store_rows), "profiles without embeddings"
    assert {e.model_key for e in emb.values()} <= {service.embedder.key}, "embeddings of another model"

    offers = _live_rows(st.offers, 1)
    assert set(offers) == set(store_rows), (
        f"offers index: missing {sorted(set(store_rows) - set(offers))[:5]}, "
        f"extra {sorted(set(offers) - set(store_rows))[:5]}"
    )
    passages = _live_rows(st.passages, MAX_PASSAGES)
    assert passages == {r: len(e.passages) for r, e in emb.items()}, "passage index disagrees with the store"
    goals = _live_rows(st.goals, 1)
    assert set(goals) == {r for r, e in emb.items() if e.goals is not None}, "goals index disagrees with the store"
    if store_rows:
        rows = np.array(sorted(store_rows), dtype=np.int64)
        _same_texts(st.offers.vectors(rows), np.stack([emb[r].offers for r in rows]))
        pids = np.concatenate([r * MAX_PASSAGES + np.arange(len(emb[r].passages)) for r in rows])
        _same_texts(st.passages.vectors(pids), np.vstack([emb[r].passages for r in rows]))
        assert [int(st.catalog.n_passages[r]) for r in rows] == [len(emb[r].passages) for r in rows]
    assert st.lexical.row_ids() == set(store_rows), "lexical index disagrees with the store"
