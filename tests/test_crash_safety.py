"""Crash safety: kill -9 an import or a re-index halfway, damage the index files, restore an old store.

After every crash the store and the index must agree, nothing committed may be lost, and a fresh
MatchService must open: loading the last complete generation and catching up from the store, or
rebuilding from the stored embeddings (without running the model) when the generation is missing,
corrupt, built by another model, or newer than the store.

The crashing process is a real `mentor-match` run in a subprocess (tests/crash_child.py), killed
with SIGKILL either once the store shows committed batches or at a named pause point.
"""

from __future__ import annotations

import json
import logging
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from matcher.config import Settings
from matcher.importing.readers import read_file
from matcher.index import CURRENT
from matcher.model.embedder import Embedder
from matcher.service import MatchService
from tests.children import WAIT
from tests.integrity import assert_index_agrees, clone, committed, tiny_people, write_jsonl

pytestmark = pytest.mark.slow  # a server, a child process, a browser or a benchmark: see pyproject markers

REPO = Path(__file__).resolve().parent.parent
BASE = tiny_people(40, "base")
# limit 50: every eligible mentor comes back, so an index that misses someone cannot go unnoticed.
QUERIES = [
    {"need": "short videos on TikTok", "style": "reverse", "mentee": {"seniority": 9}, "limit": 50},
    {"need": "SQL window functions", "style": "flash", "limit": 50},
    {"need": "negotiation with suppliers", "style": "traditional", "mentee": {"seniority": 4}, "limit": 50},
]


def answers(service) -> list[dict[str, float]]:
    return [{m["mentor"]["id"]: m["score"] for m in service.match(q)["matches"]} for q in QUERIES]


def same_answers(got: list[dict[str, float]], expected: list[dict[str, float]]) -> bool:
    """The same mentors for every query, with the same scores give or take 0.05: a re-index re-embeds the
    texts, and the int8 model's vectors of a text vary a little with the batch it was encoded in."""
    for mine, theirs in zip(got, expected, strict=True):
        assert set(mine) == set(theirs), f"missing {set(theirs) - set(mine)}, extra {set(mine) - set(theirs)}"
        assert all(abs(mine[pid] - theirs[pid]) <= 0.05 for pid in mine), (mine, theirs)
    return True


@pytest.fixture(scope="module")
def template(tmp_path_factory, embedder):
    """A data dir with BASE imported and checkpointed, and the answers it gives."""
    from matcher.config import Settings
    from matcher.service import MatchService

    svc = MatchService(Settings(data_dir=tmp_path_factory.mktemp("template") / "data"), embedder=embedder)
    svc.open()
    svc.import_items(list(enumerate(BASE, start=1)), checkpoint=True)
    yield svc, answers(svc)
    svc.close()


def test_import_killed_midway_keeps_every_committed_batch(tmp_path, template, spawn, make_service, embedder):
    svc, _ = template
    data = clone(svc, tmp_path / "data")
    generation = svc.generations.current_name()
    people = tiny_people(160, "imp")
    path = write_jsonl(tmp_path / "people.jsonl", people)
    before = committed(data)

    child = spawn(data, "--write-batch", "16", "--", "import", str(path))
    child.wait_for("STARTED")
    deadline = time.monotonic() + WAIT
    snapshot = committed(data)
    while len(snapshot) < len(before) + 48:  # three batches of 16 committed
        assert time.monotonic() < deadline and child.proc.poll() is None, "the import did not get going"
        time.sleep(0.01)
        snapshot = committed(data)
    assert child.kill() == -signal.SIGKILL, "the import finished before it could be killed"
    assert len(snapshot) < len(before) + len(people), "killed too late to be halfway"

    # A fresh process opens the last complete generation and catches up from the stored
    # embeddings: nothing committed is lost, nothing is re-embedded, the index agrees with the store.
    encoded = embedder.texts_encoded
    restarted = make_service(data).open()
    assert embedder.texts_encoded == encoded
    assert restarted.status()["generation"] == generation
    after = committed(data)
    assert snapshot.items() <= after.items()
    assert_index_agrees(restarted)
    imported = sorted(set(after) - set(before))
    for pid in imported[:: max(1, len(imported) // 4)]:
        bio = next(p["bio"] for p in people if p["id"] == pid)
        assert restarted.match({"need": bio, "limit": 1})["matches"][0]["mentor"]["id"] == pid

    # Running the import again stores the rest and leaves the committed profiles alone.
    report = restarted.import_items(read_file(path)[0], checkpoint=True)
    assert report.summary() == {
        "added": len(people) - len(imported),
        "updated": 0,
        "unchanged": len(imported),
        "rejected": 0,
    }
    assert_index_agrees(restarted)


@pytest.mark.parametrize("pause", ["write_index", "current"])
def test_reindex_killed_midway_serves_the_last_complete_generation(
    pause, tmp_path, template, spawn, make_service, embedder
):
    svc, expected = template
    data = clone(svc, tmp_path / "data")
    index_dir = data / "index"
    generation = (index_dir / CURRENT).read_text().strip()
    generations_before = len(list(index_dir.glob("gen-*")))

    child = spawn(data, "--embed-chunk", "8", "--pause-at", pause, "--", "reindex")
    child.wait_for("PAUSED")
    assert child.kill() == -signal.SIGKILL
    leftovers = sorted(p.name for p in index_dir.iterdir() if p.name.startswith(".tmp-"))
    complete = sorted(p.name for p in index_dir.glob("gen-*"))
    if pause == "write_index":
        assert leftovers, "the kill should have left a half-written generation"
    if pause == "current":
        assert len(complete) == generations_before + 1, (
            "the new generation should be complete on disk, just not current"
        )
    assert (index_dir / CURRENT).read_text().strip() == generation

    restarted = make_service(data).open()
    assert restarted.status()["generation"] == generation
    assert_index_agrees(restarted)
    assert same_answers(answers(restarted), expected)
    # The next generation written cleans up what the dead writer left, without running the model on
    # any profile (every embedding is in the store): only on the phrase book, new in this generation.
    # (Counted from here: a match without a caller keeps its need in no cache, so the answers above ran it.)
    encoded = embedder.texts_encoded
    restarted.reindex()
    assert embedder.texts_encoded - encoded == len(restarted.refresh().phrase_book)
    assert not [p for p in index_dir.iterdir() if p.name.startswith(".tmp-")]
    assert_index_agrees(restarted)
    assert same_answers(answers(restarted), expected)


def test_reindex_under_a_new_model_killed_midway_keeps_what_it_embedded(
    tmp_path, template, spawn, make_service, embedder
):
    """A re-index after a change of model runs the model on every profile; killed in its second model
    call, it leaves the old generation current, and the restarted service (under the new model)
    rebuilds from the store, running the model only on the profiles the dead re-index had not stored."""
    svc, expected = template
    data = clone(svc, tmp_path / "data")
    index_dir = data / "index"
    generation = (index_dir / CURRENT).read_text().strip()
    new_backend = "onnx" if embedder.backend != "onnx" else "onnx-int8"

    child = spawn(data, "--embed-chunk", "8", "--pause-at", "encode:2", "--", "reindex", backend=new_backend)
    child.wait_for("PAUSED")
    assert child.kill() == -signal.SIGKILL
    assert (index_dir / CURRENT).read_text().strip() == generation
    new_embedder = Embedder(embedder.path, new_backend, embedder.batch_size)
    assert new_embedder.key != embedder.key
    done_before_kill = _embeddings_by_model(data, new_embedder.key)
    assert 0 < len(done_before_kill) < len(BASE), "the kill should have come after the first chunk was stored"

    restarted = MatchService(Settings(data_dir=data, backend=new_backend), embedder=new_embedder)
    try:
        restarted.open()
        assert restarted.status()["generation"] != generation
        assert_index_agrees(restarted)
        after = _embeddings_by_model(data, new_embedder.key)
        assert len(after) == len(BASE)
        assert all(after[row] == blob for row, blob in done_before_kill.items()), "stored embeddings were recomputed"
        got = answers(restarted)
    finally:
        restarted.close()
    assert [set(a) for a in got] == [set(a) for a in expected]  # every eligible mentor, under either model


def _embeddings_by_model(data_dir: Path, model_key: str) -> dict[int, bytes]:
    """{row id: stored offers vector} of the embeddings the store holds from one model."""
    conn = sqlite3.connect(f"file:{data_dir / 'profiles.db'}?mode=ro", uri=True, timeout=30)
    try:
        return dict(conn.execute("SELECT row_id, offers FROM embeddings WHERE model_key = ?", (model_key,)))
    finally:
        conn.close()


def _truncate(gen: Path) -> str:
    path = gen / "offers.faiss"
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    return "checksum"


def _flip(gen: Path) -> str:
    path = gen / "passages.faiss"
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))
    return "checksum"


def _drop_manifest(gen: Path) -> str:
    (gen / "manifest.json").unlink()
    return "manifest unreadable"


def _garble_manifest(gen: Path) -> str:
    (gen / "manifest.json").write_text('{"model": ')
    return "manifest unreadable"


def _drop_file(gen: Path) -> str:
    (gen / "goals.faiss").unlink()
    return "missing"


def _other_model(gen: Path) -> str:
    manifest = json.loads((gen / "manifest.json").read_text())
    manifest["model"] = "another-model:torch:0123456789abcdef"
    (gen / "manifest.json").write_text(json.dumps(manifest))
    return "built with model"


def _drop_generation(gen: Path) -> str:
    for path in gen.iterdir():
        path.unlink()
    gen.rmdir()
    return "manifest unreadable"


DAMAGE = {
    "truncated file": _truncate,
    "flipped byte": _flip,
    "no manifest": _drop_manifest,
    "garbled manifest": _garble_manifest,
    "missing file": _drop_file,
    "other model": _other_model,
    "generation gone": _drop_generation,
}


@pytest.mark.parametrize("damage", list(DAMAGE))
def test_damaged_generation_is_refused_and_rebuilt_from_the_store(
    damage, tmp_path, template, make_service, embedder, caplog
):
    svc, expected = template
    data = clone(svc, tmp_path / "data")
    name = (data / "index" / CURRENT).read_text().strip()
    reason = DAMAGE[damage](data / "index" / name)

    encoded = embedder.texts_encoded
    restarted = make_service(data)
    with caplog.at_level(logging.WARNING, logger="matcher"):
        restarted.open()
    assert any(reason in r.getMessage() and "rebuilding" in r.getMessage() for r in caplog.records), caplog.text
    rebuilt = restarted.status()["generation"]
    assert rebuilt and (data / "index" / rebuilt / "manifest.json").exists()
    if damage != "generation gone":  # (its number is free again, so the rebuild may reuse it)
        assert rebuilt != name
    assert embedder.texts_encoded == encoded, "the rebuild should use the stored embeddings"
    assert_index_agrees(restarted)
    assert same_answers(answers(restarted), expected)


def test_missing_index_folder_is_rebuilt_without_the_model(tmp_path, template, make_service, embedder):
    svc, expected = template
    data = clone(svc, tmp_path / "data")
    for path in sorted((data / "index").rglob("*"), reverse=True):
        path.rmdir() if path.is_dir() else path.unlink()
    (data / "index").rmdir()
    encoded = embedder.texts_encoded
    restarted = make_service(data).open()
    assert restarted.status()["generation"] and embedder.texts_encoded == encoded
    assert_index_agrees(restarted)
    assert same_answers(answers(restarted), expected)


def test_store_restored_from_an_older_backup_is_not_mixed_with_a_newer_index(tmp_path, template, make_service):
    svc, expected = template
    data = clone(svc, tmp_path / "data")
    live = make_service(data).open()
    live.store.backup(tmp_path / "backup.db")  # the backup taken before the changes below
    live.import_items(list(enumerate(tiny_people(6, "later"), start=1)))
    assert live.delete(BASE[0]["id"]) and live.delete(BASE[1]["id"])
    live.checkpoint()  # the index on disk now knows about the changes; the backup does not
    live.close()

    # Restore as SECURITY.md says: stop everything, put the backup in place of profiles.db.
    for suffix in ("", "-wal", "-shm"):
        (data / f"profiles.db{suffix}").unlink(missing_ok=True)
    (tmp_path / "backup.db").rename(data / "profiles.db")
    restored = make_service(data).open()
    assert_index_agrees(restored)
    assert same_answers(answers(restored), expected)
    # Writes after the restore reuse sequence numbers the newer index had seen: a fresh process
    # must still see them.
    restored.import_items(list(enumerate(tiny_people(2, "after-restore"), start=1)))
    assert_index_agrees(make_service(data).open())


def test_backup_and_restore_as_security_md_says(tmp_path, template, make_service, embedder):
    from matcher.keys import KeyRing

    svc, expected = template
    data = clone(svc, tmp_path / "data")
    live = make_service(data).open()
    key, _ = KeyRing(live.store).create("match", "before the backup")
    env = dict(os.environ, MATCHER_DATA_DIR=str(data), HF_HUB_OFFLINE="1")
    backup = tmp_path / "backups" / "profiles.db"
    backup.parent.mkdir()
    done = subprocess.run(
        [sys.executable, "-m", "matcher.cli", "backup", str(backup)],
        env=env,
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    again = subprocess.run(
        [sys.executable, "-m", "matcher.cli", "backup", str(backup)],
        env=env,
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert again.returncode == 2 and "exists" in again.stderr  # never overwrites a backup
    # Life goes on after the backup: a delete, an import, a revoked key.
    assert live.delete(BASE[3]["id"])
    live.import_items(list(enumerate(tiny_people(3, "later"), start=1)), checkpoint=True)
    KeyRing(live.store).revoke(key.key_id)
    live.close()

    # Restore: stop everything, move the old files aside, put the backup in place, no index.
    old = tmp_path / "data.old"
    old.mkdir()
    for path in list(data.glob("profiles.db*")) + [data / "index"]:
        path.rename(old / path.name)
    (data / "profiles.db").write_bytes(backup.read_bytes())
    encoded = embedder.texts_encoded
    restored = make_service(data).open()
    assert embedder.texts_encoded == encoded  # rebuilt from the stored embeddings
    assert restored.get(BASE[3]["id"]) is not None and restored.get("later-0000") is None
    assert_index_agrees(restored)
    assert same_answers(answers(restored), expected)
    # As SECURITY.md warns: a key revoked after the backup is active again until revoked anew.
    assert [k.active for k in KeyRing(restored.store).list() if k.key_id == key.key_id] == [True]
