"""Crash safety and erasure on PostgreSQL: an import killed with SIGKILL leaves whole committed batches
and nothing half-written, both replicas agree with the store afterwards, and a delete through one
replica is gone from every replica's answers at once."""

from __future__ import annotations

import signal
import time

import pytest

from matcher.importing.readers import read_file
from tests.children import WAIT, Child
from tests.integrity import assert_index_agrees, tiny_people, write_jsonl

pytestmark = pytest.mark.slow  # a server, a child process, a browser or a benchmark: see pyproject markers

BATCH = 16


def committed(url: str) -> dict[str, tuple[str, bool]]:
    """{profile id: (content hash, has embeddings)} as committed, read with a connection of our own."""
    import psycopg

    with psycopg.connect(url) as conn:
        rows = conn.execute(
            "SELECT p.id, p.content_hash, e.row_id IS NOT NULL FROM profiles p "
            "LEFT JOIN embeddings e ON e.row_id = p.row_id"
        ).fetchall()
    return {pid: (ch, embedded) for pid, ch, embedded in rows}


def test_killed_import_keeps_whole_batches_and_a_delete_leaves_every_replica(
    tmp_path, make_service, postgres_url, embedder, monkeypatch
):
    base = tiny_people(20, "base")
    a = make_service(tmp_path / "a", database_url=postgres_url).open()
    a.import_items(list(enumerate(base, start=1)), checkpoint=True)
    people = tiny_people(160, "imp")
    path = write_jsonl(tmp_path / "people.jsonl", people)

    monkeypatch.setenv("MATCHER_DATABASE_URL", postgres_url)
    child = Child(
        tmp_path / "child-data",
        ["--write-batch", str(BATCH), "--", "import", str(path)],
        tmp_path / "child.log",
        embedder.backend,
    )
    try:
        child.wait_for("STARTED")
        deadline = time.monotonic() + WAIT
        snapshot = committed(postgres_url)
        while len(snapshot) < len(base) + 3 * BATCH:
            assert time.monotonic() < deadline and child.proc.poll() is None, "the import did not get going"
            time.sleep(0.01)
            snapshot = committed(postgres_url)
        assert child.kill() == -signal.SIGKILL, "the import finished before it could be killed"
    finally:
        child.kill()
        child.log.close()
    after = committed(postgres_url)
    imported = sorted(set(after) - {p["id"] for p in base})
    assert len(snapshot) < len(base) + len(people), "killed too late to be halfway"
    assert snapshot.items() <= after.items(), "a committed batch was lost"
    # Nothing half-written: whole batches only, each profile with its embeddings.
    assert len(imported) % BATCH == 0 and all(embedded for _, embedded in after.values())

    # Both replicas (A's generation caught up from the store; B built from the stored embeddings,
    # without the model) agree with the store.
    encoded = embedder.texts_encoded
    b = make_service(tmp_path / "b", database_url=postgres_url).open()
    assert embedder.texts_encoded == encoded
    for replica in (a, b):
        assert_index_agrees(replica)

    # Erasure: a delete through A is gone from both replicas' answers once A has answered.
    victim = imported[len(imported) // 2]
    bio = next(p["bio"] for p in people if p["id"] == victim)
    for replica in (a, b):
        assert replica.match({"need": bio, "limit": 1})["matches"][0]["mentor"]["id"] == victim
    assert a.delete(victim)
    for replica in (a, b):
        found = [m["mentor"]["id"] for m in replica.match({"need": bio, "limit": 50})["matches"]]
        assert victim not in found and replica.get(victim) is None

    # Running the import again stores the rest and leaves the committed profiles alone.
    report = b.import_items(read_file(path)[0])
    assert report.summary() == {
        "added": len(people) - len(imported) + 1,
        "updated": 0,
        "unchanged": len(imported) - 1,
        "rejected": 0,
    }
    for replica in (a, b):
        assert_index_agrees(replica)
