"""The index lifecycle: a newer generation that fails to load is refused once, not retried on every request."""

from __future__ import annotations

import json
import logging
import shutil

from tests.integrity import tiny_people


def test_a_newer_generation_that_fails_to_load_for_any_reason_is_refused_once(make_service, caplog):
    service = make_service().open()
    service.import_items(list(enumerate(tiny_people(6, "m"), start=1)))
    service.reindex()
    serving = service.status()["generation"]
    # Another process wrote a generation this one cannot read: a manifest with a sequence that is no number.
    root = service.generations.root
    broken = "gen-000099"
    shutil.copytree(root / serving, root / broken)
    manifest = json.loads((root / broken / "manifest.json").read_text())
    (root / broken / "manifest.json").write_text(json.dumps(dict(manifest, seq="not a number")))
    (root / "CURRENT").write_text(broken + "\n")
    with caplog.at_level(logging.WARNING, logger="matcher.lifecycle"):
        for _ in range(5):
            assert service.match({"need": "TikTok videos"})["matches"]  # still served from its own generation
            service.index.settle()
    assert service.index.refused == broken and service.status()["generation"] == serving
    assert sum("not loaded" in r.getMessage() for r in caplog.records) == 1
