"""The SQLite store's own guarantees (the backend-neutral ones are in the programme and erasure tests)."""

from __future__ import annotations

import numpy as np

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
