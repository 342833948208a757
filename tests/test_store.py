"""The SQLite store's own guarantees (the backend-neutral ones are in the programme and erasure tests)."""

from __future__ import annotations

import gc
import os
import threading
from pathlib import Path

import numpy as np
import pytest

from matcher.profiles import content_hash, parse_profile, text_hash
from matcher.store import Embeddings, SQLiteStore, Write
from tests.conftest import profile


def vectors(value: float) -> Embeddings:
    return Embeddings("model-a", np.full(4, value, np.float32), None, np.full((1, 4), value, np.float32))


def write(store: SQLiteStore, bio: str, emb: Embeddings | None) -> tuple[int, str]:
    person = parse_profile(profile("p", 3, bio))
    return store.write([Write(person, content_hash(person), text_hash(person), emb)])[0], text_hash(person)


def test_set_embeddings_skips_a_profile_whose_text_changed_while_its_vectors_were_computed(tmp_path):
    store = SQLiteStore(tmp_path / "profiles.db")
    row, old_hash = write(store, "I teach Excel.", None)  # a re-index reads it and starts the model...
    write(store, "I now teach watercolour painting.", vectors(2.0))  # ...meanwhile an import changes the text
    assert store.set_embeddings([(row, old_hash, vectors(1.0))]) == 0  # the stale vectors are refused
    assert store.embeddings([row], 4)[row].offers[0] == 2.0  # the newer write's vectors stay
    _, new_hash = write(store, "I now teach watercolour painting.", None)
    assert store.set_embeddings([(row, new_hash, vectors(3.0))]) == 1  # vectors of the current text are kept
    assert store.embeddings([row], 4)[row].offers[0] == 3.0


def open_files(path) -> int:
    """How many of this process's file descriptors are open on `path` (one per SQLite connection)."""
    fds = Path("/proc/self/fd")
    return sum(1 for fd in fds.iterdir() if os.path.realpath(fd) == str(path.resolve()))


@pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="counts file descriptors in /proc")
def test_a_threads_connection_is_closed_when_the_thread_ends(tmp_path):
    # Background index work (BM25 rebuilds after deletes, loading a generation, following a re-index) runs
    # on short-lived threads: a connection each, kept open, grew a soaking server by ~500 KB per thread.
    store = SQLiteStore(tmp_path / "profiles.db")
    write(store, "I teach Excel.", vectors(1.0))

    def threads(n: int) -> int:
        for _ in range(n):
            thread = threading.Thread(target=lambda: list(store.iter_profiles()))
            thread.start()
            thread.join()
        gc.collect()
        return open_files(tmp_path / "profiles.db")

    # SQLite keeps a closed connection's descriptor for reuse while others are open (POSIX locks): the
    # count after one thread is the baseline, and twenty more threads must not add to it.
    baseline = threads(1)
    assert baseline <= 2
    assert threads(20) == baseline
    done = []
    thread = threading.Thread(target=lambda: done.append(store.count()))
    thread.start()
    thread.join()
    assert done == [1]
    store.close()
    assert open_files(tmp_path / "profiles.db") == 0
