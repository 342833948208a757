"""`mentor-match reindex --engine ray`: the profiles' embeddings made on Ray, stored by the driver, then the build.

The quick tests cover the seam without starting Ray (what needs embedding, writing back, refusing
changed rows and other models' vectors, the actors' callable run in this process, the CLI's errors).
The slow ones run a real local Ray (`ray.init(num_cpus=2)`, loopback only, no dashboard) on a few
thousand short profiles: the vectors equal the in-process re-index's, the generation serves matches,
and a re-index killed half-way (SIGKILL, in a `mentor-match` child) resumes with the rest only.
"""

from __future__ import annotations

import os
import shutil
import signal
import sqlite3
import stat
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pytest

from matcher import cli
from matcher.config import Settings
from matcher.errors import EngineError
from matcher.model.batch import InProcessEngine, fill_missing, missing_embeddings
from matcher.model.batch.ray_engine import ProfileEmbedder, chunk_row, decode
from matcher.model.profile_vectors import embed_profiles
from matcher.profiles import content_hash, parse_profile, text_hash
from matcher.store import Embeddings, SQLiteStore, StoredProfile, Write
from tests.integrity import assert_index_agrees, tiny_people

NEED = {"need": "SQL window functions", "style": "any", "limit": 5}


def store_without_embeddings(data_dir: Path, people: list[dict]) -> Path:
    """A data dir whose store holds `people` and no embedding (as after a change of model); returns it."""
    data_dir.mkdir(parents=True, exist_ok=True)
    store = SQLiteStore(data_dir / "profiles.db")
    try:
        profiles = [parse_profile(p) for p in people]
        for start in range(0, len(profiles), 500):
            store.write([Write(p, content_hash(p), text_hash(p), None) for p in profiles[start : start + 500]])
    finally:
        store.close()
    return data_dir


def stored_vectors(data_dir: Path) -> dict[int, tuple[str, bytes, bytes | None, bytes]]:
    """{row id: (model key, offers, goals, passages)} as stored, read with a connection of our own."""
    conn = sqlite3.connect(f"file:{data_dir / 'profiles.db'}?mode=ro", uri=True, timeout=30)
    try:
        return {
            row[0]: row[1:] for row in conn.execute("SELECT row_id, model_key, offers, goals, passages FROM embeddings")
        }
    finally:
        conn.close()


def min_cosine(a: dict, b: dict, dim: int) -> float:
    """The smallest cosine between the same vector (offers, goals, each passage) of two stores."""
    assert set(a) == set(b)
    lowest = 1.0
    for row in a:
        for x, y in zip(a[row][1:], b[row][1:]):
            assert (x is None) == (y is None), f"row {row}: goals in one store only"
            if x is not None:
                vx, vy = np.frombuffer(x, np.float32).reshape(-1, dim), np.frombuffer(y, np.float32).reshape(-1, dim)
                assert vx.shape == vy.shape, f"row {row}: {vx.shape} vs {vy.shape}"
                lowest = min(lowest, float(np.sum(vx * vy, axis=1).min()))
    return lowest


# -- the seam, in this process ---------------------------------------------------------------------


def test_missing_embeddings_are_the_builds_chunks_less_the_embedded(tmp_path, embedder, monkeypatch):
    from matcher.index import state

    monkeypatch.setattr(state, "EMBED_CHUNK", 8)
    data = store_without_embeddings(tmp_path / "data", tiny_people(20, "m"))
    store = SQLiteStore(data / "profiles.db")
    try:
        rows = list(store.iter_profiles())
        done = [rows[1], rows[9]]
        store.set_embeddings(
            [(s.row_id, s.text_hash, e) for s, e in zip(done, embed_profiles(embedder, [s.profile for s in done]))]
        )
        chunks = list(missing_embeddings(store, embedder.key, embedder.dim))
    finally:
        store.close()
    # Chunks of 8 stored rows in row-id order, as the in-process build reads them, less the embedded ones.
    assert [[s.row_id for s in c] for c in chunks] == [
        [r.row_id for r in rows[0:8] if r not in done],
        [r.row_id for r in rows[8:16] if r not in done],
        [r.row_id for r in rows[16:20]],
    ]


def test_in_process_engine_fills_what_the_build_would_embed(tmp_path, make_service, embedder):
    people = tiny_people(30, "p")
    plain = make_service(store_without_embeddings(tmp_path / "plain", people), phrase_book_size=0)
    plain.reindex()
    filled = make_service(store_without_embeddings(tmp_path / "filled", people), phrase_book_size=0)
    result = filled.reindex(engine=InProcessEngine(embedder))
    assert (result["embedded"].needed, result["embedded"].written, result["embedded"].refused) == (30, 30, 0)
    # The same chunks through the same function: the very vectors the build makes itself.
    assert stored_vectors(tmp_path / "plain") == stored_vectors(tmp_path / "filled")
    assert_index_agrees(filled)
    # Nothing left to embed: the next fill writes nothing.
    again = filled.reindex(engine=InProcessEngine(embedder))
    assert (again["embedded"].needed, again["embedded"].written) == (0, 0)


def test_a_row_changed_during_the_fill_keeps_its_newer_embedding(tmp_path, make_service, embedder):
    people = tiny_people(12, "c")
    service = make_service(store_without_embeddings(tmp_path / "data", people), phrase_book_size=0)

    class ChangingEngine(InProcessEngine):
        """Embeds the old text of profile c-0003, which an import changes before the vectors are back."""

        def embed(self, batches):
            for items in super().embed(batches):
                service.upsert({**people[3], "bio": "I teach podcast editing with Audacity, start to end."})
                yield items

    report = fill_missing(service.store, ChangingEngine(embedder), embedder.key, embedder.dim)
    assert (report.needed, report.written, report.refused) == (12, 11, 1)
    changed = service.store.get("c-0003")
    kept = service.store.embeddings([changed.row_id], embedder.dim)[changed.row_id]
    fresh = embed_profiles(embedder, [changed.profile])[0]
    assert float(kept.offers @ fresh.offers) > 0.99, "the import's embedding of the new text was overwritten"


def test_vectors_of_another_model_are_refused(tmp_path, embedder):
    data = store_without_embeddings(tmp_path / "data", tiny_people(3, "o"))
    store = SQLiteStore(data / "profiles.db")

    class OtherModel(InProcessEngine):
        def embed(self, batches):
            for items in super().embed(batches):
                yield [
                    (row, hashed, Embeddings("other:onnx-int8:0", e.offers, e.goals, e.passages))
                    for row, hashed, e in items
                ]

    try:
        with pytest.raises(EngineError, match="same model export"):
            fill_missing(store, OtherModel(embedder), embedder.key, embedder.dim)
        assert store.embeddings([s.row_id for s in store.iter_profiles()], embedder.dim) == {}
    finally:
        store.close()


def as_ray_batch(rows: list[dict]) -> dict[str, np.ndarray]:
    """Rows as Ray Data's numpy batch format gives them to a callable: one object array per column."""
    batch = {}
    for name in rows[0]:
        column = np.empty(len(rows), dtype=object)
        for i, row in enumerate(rows):
            column[i] = np.array(row[name])
        batch[name] = column
    return batch


def test_the_actors_callable_gives_embed_profiles_vectors(embedder):
    """ProfileEmbedder, run here as Ray runs it in an actor: chunks of texts in, the store's bytes out, each
    chunk embedded in one embed_profiles call (the same vectors as in this process)."""
    data = tiny_people(9, "a")
    data[4] = {**data[4], "skills": ["sql", "excel"], "goals": ""}
    people = [parse_profile(p) for p in data]
    stored = [StoredProfile(10 + i, p, content_hash(p), text_hash(p), 1) for i, p in enumerate(people)]
    actor = ProfileEmbedder(Settings(torch_threads=1))
    items = decode(actor(as_ray_batch([chunk_row(stored[:5]), chunk_row(stored[5:])])))
    expected = embed_profiles(embedder, people[:5]) + embed_profiles(embedder, people[5:])
    assert [(row, hashed) for row, hashed, _ in items] == [(s.row_id, s.text_hash) for s in stored]
    for (_, _, got), want in zip(items, expected):
        assert got.model_key == embedder.key
        assert np.allclose(got.offers, want.offers, atol=1e-5) and np.allclose(got.passages, want.passages, atol=1e-5)
        assert (got.goals is None) == (want.goals is None)
        if want.goals is not None:
            assert np.allclose(got.goals, want.goals, atol=1e-5)


def test_cli_engine_ray_without_ray_names_the_extra(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("MATCHER_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setitem(sys.modules, "ray", None)  # as if not installed: `import ray` raises ImportError
    assert cli.main(["reindex", "--engine", "ray"]) == cli.EXIT_USAGE
    err = capsys.readouterr().err
    assert "--engine ray" in err and "mentor-matcher[ray]" in err
    assert not (tmp_path / "data").exists(), "nothing should have been opened"


def test_cli_address_needs_the_ray_engine(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("MATCHER_DATA_DIR", str(tmp_path / "data"))
    assert cli.main(["reindex", "--address", "auto"]) == cli.EXIT_USAGE
    assert "--address: only with --engine ray" in capsys.readouterr().err


def test_cli_refuses_ray_client_addresses(tmp_path, monkeypatch, capsys):
    pytest.importorskip("ray", reason="the Ray engine is the optional extra mentor-matcher[ray]")
    monkeypatch.setenv("MATCHER_DATA_DIR", str(tmp_path / "data"))
    assert cli.main(["reindex", "--engine", "ray", "--address", "ray://head:10001"]) == cli.EXIT_USAGE
    err = capsys.readouterr().err
    assert "--address ray://head:10001" in err and "--address auto" in err


# -- on a real Ray ----------------------------------------------------------------------------------


def ray_processes(marker: str) -> list[int]:
    """Pids of the processes whose command line names `marker` (a Ray temp dir of these tests)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if marker in (entry / "cmdline").read_bytes().decode(errors="replace"):
                    found.append(int(entry.name))
            except OSError:
                continue
    return found


def wait_gone(marker: str, timeout: float = 30) -> list[int]:
    """Wait until no process names `marker`; returns the ones still there after `timeout` s."""
    deadline = time.monotonic() + timeout
    while (left := ray_processes(marker)) and time.monotonic() < deadline:
        time.sleep(0.5)
    return left


@pytest.fixture(scope="module")
def ray_cluster():
    """A Ray of 2 CPUs for this module, on the loopback interface, under a short /tmp folder; shut down
    (and checked gone) afterwards. Yields its GCS address."""
    pytest.importorskip("ray", reason="the Ray engine is the optional extra mentor-matcher[ray]")
    from matcher.model.batch.ray_engine import import_ray

    ray = import_ray(loopback=True)
    temp = tempfile.mkdtemp(prefix="mm-ray-", dir="/tmp")  # Ray's socket paths must stay short
    context = ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False, _temp_dir=temp, logging_level="ERROR")
    try:
        yield context.address_info["gcs_address"]
    finally:
        ray.shutdown()
        left = wait_gone(temp)
        for pid in left:  # never leave a raylet behind, even when the check below fails
            os.kill(pid, signal.SIGKILL)
        shutil.rmtree(temp, ignore_errors=True)
        assert not left, f"Ray processes outlived ray.shutdown(): {left}"


@pytest.mark.slow
def test_ray_reindex_equals_the_in_process_one(ray_cluster, tmp_path, make_service, embedder):
    """3,000 short profiles: the same vectors as the in-process re-index, no model run in the build,
    and the generation serves matches."""
    from matcher.model.batch.ray_engine import RayEngine

    people = tiny_people(3000, "r")
    local = make_service(store_without_embeddings(tmp_path / "local", people), phrase_book_size=0)
    local.reindex()
    on_ray = make_service(store_without_embeddings(tmp_path / "ray", people), phrase_book_size=0)
    engine = RayEngine(on_ray.settings)
    encoded = embedder.texts_encoded
    try:
        result = on_ray.reindex(engine=engine)
    finally:
        engine.close()
    assert embedder.texts_encoded == encoded, "the build ran the model in this process"
    assert engine.actors == 2
    assert (result["embedded"].needed, result["embedded"].written, result["profiles"]) == (3000, 3000, 3000)
    local_vectors, ray_vectors = stored_vectors(tmp_path / "local"), stored_vectors(tmp_path / "ray")
    assert {v[0] for v in ray_vectors.values()} == {embedder.key}
    assert min_cosine(local_vectors, ray_vectors, embedder.dim) >= 0.999
    assert_index_agrees(on_ray)
    got = on_ray.match(NEED)["matches"]
    assert len(got) == 5 and all("SQL window functions" in m["why"]["evidence"][0] for m in got)


@pytest.mark.slow
def test_ray_reindex_killed_half_way_resumes_with_the_rest(ray_cluster, tmp_path, spawn, make_service, embedder):
    """`mentor-match reindex --engine ray` (its own local Ray) killed with SIGKILL once 3 chunks of 250 are
    stored leaves no Ray process behind; the next run (joining this module's Ray) embeds only the rest."""
    people = tiny_people(2000, "k")
    data = store_without_embeddings(tmp_path / "data", people)
    ray_tmp = tempfile.mkdtemp(prefix="mm-rc-", dir="/tmp")  # short: Ray's socket paths are limited
    os.environ["RAY_TMPDIR"] = ray_tmp  # the child's own Ray: its processes name this folder
    try:
        child = spawn(data, "--embed-chunk", "250", "--pause-at", "ray_batch:4", "--", "reindex", "--engine", "ray")
        child.wait_for("PAUSED")
        # Its session folder (where Ray spills objects: the bios being embedded) is the owner's alone.
        sessions = list(Path(ray_tmp).iterdir())
        assert len(sessions) == 1 and sessions[0].name.startswith("mm-ray-"), sessions
        assert stat.S_IMODE(sessions[0].stat().st_mode) == 0o700
        assert child.kill() == -signal.SIGKILL
        left = wait_gone(ray_tmp)
        for pid in left:
            os.kill(pid, signal.SIGKILL)
        assert not left, f"the killed re-index left Ray processes behind: {left}"
    finally:
        del os.environ["RAY_TMPDIR"]
        shutil.rmtree(ray_tmp, ignore_errors=True)
    before = stored_vectors(data)
    assert len(before) == 750, "three chunks of 250 should have been stored before the kill"

    env = dict(
        os.environ,
        MATCHER_DATA_DIR=str(data),
        HF_HUB_OFFLINE="1",
        MATCHER_BACKEND=embedder.backend,
        RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER="0",
    )  # this module's Ray listens on 127.0.0.1 only
    rerun = subprocess.run(
        [
            sys.executable,
            "-m",
            "tests.crash_child",
            "--embed-chunk",
            "250",
            "--",
            "reindex",
            "--engine",
            "ray",
            "--address",
            ray_cluster,
        ],
        cwd=Path(__file__).resolve().parent.parent,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert rerun.returncode == 0, rerun.stderr[-3000:]
    assert f"embedded {2000 - 750} profiles with the ray engine" in rerun.stdout
    after = stored_vectors(data)
    assert len(after) == 2000
    assert all(after[row] == vectors for row, vectors in before.items()), "vectors stored before the kill were redone"
    service = make_service(data, phrase_book_size=0).open()
    assert_index_agrees(service)
    assert service.match(NEED)["matches"]
