"""An import across several write batches: changed texts are embedded together, and every line still
gets its own status, in order, with the store holding exactly what was imported."""

from __future__ import annotations

import numpy as np

from matcher.importing import importer as service_mod
from tests.conftest import profile

TOPICS = [
    "SQL window functions",
    "TikTok videos",
    "contract negotiation",
    "Kubernetes upgrades",
    "public speaking",
    "tax returns",
    "bread baking",
    "Python testing",
]


def people(n: int) -> list[dict]:
    return [profile(f"p{i:04d}", 1 + i % 10, f"I teach {TOPICS[i % len(TOPICS)]} to colleagues.") for i in range(n)]


def test_reimport_spanning_write_batches_reports_each_line(make_service, embedder):
    n = service_mod.WRITE_BATCH + 60
    svc = make_service().open()
    first = svc.import_items(list(enumerate(people(n), start=1)))
    assert first.summary() == {"added": n, "updated": 0, "unchanged": 0, "rejected": 0}

    changed = people(n)
    text_changed = {3, service_mod.WRITE_BATCH - 1, service_mod.WRITE_BATCH + 5}  # in both write batches
    for i in text_changed:
        changed[i]["bio"] = "I now teach watercolour painting on weekends."
    changed[10]["capacity"] = 5  # not a text change: stored without the model
    changed[20] = {"id": "bad", "name": "No seniority"}
    before = embedder.texts_encoded
    report = svc.import_items(list(enumerate(changed, start=1)))

    assert report.summary() == {"added": 0, "updated": 4, "unchanged": n - 5, "rejected": 1}
    assert embedder.texts_encoded - before == 3 * 2  # bio and goals of the three changed texts only
    statuses = [r["status"] for r in report.results]
    assert [r["line"] for r in report.results] == list(range(1, n + 1))
    assert [i for i, s in enumerate(statuses) if s == "updated"] == sorted(text_changed | {10})
    assert statuses[20] == "rejected" and report.rejected[0]["line"] == 21
    assert svc.get("p0010").capacity == 5
    for i in text_changed:
        assert "watercolour" in svc.get(f"p{i:04d}").bio
    hits = svc.match({"need": "watercolour painting", "style": "any", "limit": 3})["matches"]
    assert {m["mentor"]["id"] for m in hits} == {f"p{i:04d}" for i in text_changed}
    # The changed profiles' stored vectors are their new texts' vectors.
    row = svc.store.get("p0003").row_id
    stored = svc.store.embeddings([row], embedder.dim)[row].offers
    fresh = embedder.encode(["I now teach watercolour painting on weekends."])[0]
    assert float(np.dot(stored, fresh)) > 0.8
