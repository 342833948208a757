"""FAISS index: filtered search, delta and shadowing, generations saved and loaded atomically."""

import numpy as np
import pytest

from matcher.errors import IndexMismatch
from matcher.index import Generations, IndexSpec, VectorIndex, build_base

DIM = 16


def unit(rng, n):
    x = rng.standard_normal((n, DIM)).astype(np.float32)
    return x / np.linalg.norm(x, axis=1, keepdims=True)


@pytest.fixture
def data():
    rng = np.random.default_rng(7)
    return np.arange(1, 201, dtype=np.int64), unit(rng, 200), unit(rng, 5)


def brute(ids, vectors, query, k, allowed):
    scores = vectors @ query
    keep = [i for i in range(len(ids)) if allowed[ids[i]]]
    keep.sort(key=lambda i: -scores[i])
    return [int(ids[i]) for i in keep[:k]]


@pytest.mark.parametrize("threshold", [10_000, 50])  # exact, and IVF (approximate) above 50 vectors
def test_filter_is_applied_inside_the_search(data, threshold):
    ids, vectors, queries = data
    spec = IndexSpec(DIM, 1, ann_threshold=threshold, nprobe=64)
    index = VectorIndex(spec, build_base(spec, ids, vectors))
    assert index.approximate == (threshold == 50)
    allowed = np.zeros(400, dtype=bool)
    allowed[ids[ids % 7 == 0]] = True  # a very selective filter: 28 of 200
    for q in queries:
        _, found = index.search(q, 10, allowed)
        assert len(found) == 10 and all(allowed[i] for i in found)
        if threshold > 200:
            assert list(found) == brute(ids, vectors, q, 10, allowed)


def test_delta_and_removal_shadow_the_base(data):
    ids, vectors, queries = data
    spec = IndexSpec(DIM)
    index = VectorIndex(spec, build_base(spec, ids, vectors))
    q = queries[0]
    _, before = index.search(q, 1)
    top = int(before[0])
    index.remove(top)
    _, after = index.search(q, 200)
    assert top not in after and len(after) == 199
    index.upsert(top, q)  # comes back with a vector equal to the query: first, score 1
    scores, again = index.search(q, 3)
    assert int(again[0]) == top and scores[0] == pytest.approx(1.0, abs=1e-5)
    assert np.allclose(index.vectors(np.array([top]))[0], q)
    merged = VectorIndex(spec, index.merged())
    assert merged.search(q, 3)[1].tolist() == again.tolist()


def test_passage_slots_map_to_rows(data):
    _, vectors, queries = data
    spec = IndexSpec(DIM, slots=64)
    index = VectorIndex(spec)
    for row in range(1, 21):
        index.upsert(row, vectors[row * 3 : row * 3 + 3])
    allowed = np.zeros(30, dtype=bool)
    allowed[[2, 5, 9]] = True
    _, found = index.search(queries[1], 20, allowed)
    assert len(found) == 9 and set((found // 64).tolist()) == {2, 5, 9}


def test_generation_round_trip_and_model_check(tmp_path, data):
    ids, vectors, queries = data
    spec = IndexSpec(DIM)
    gens = Generations(tmp_path / "index")
    original = build_base(spec, ids, vectors)
    name = gens.write({"offers": original}, {"model": "model-a", "dim": DIM, "seq": 3})
    assert gens.current_name() is None  # written, complete, but not current until switched to
    gens.make_current(name)
    assert gens.current_name() == name
    manifest, loaded, _ = gens.load(name, "model-a")
    assert manifest["seq"] == 3 and loaded["offers"].ntotal == 200
    for q in queries:
        assert (
            VectorIndex(spec, loaded["offers"]).search(q, 5)[1].tolist()
            == VectorIndex(spec, original).search(q, 5)[1].tolist()
        )
    with pytest.raises(IndexMismatch, match="built with model 'model-a'.*mentor-match reindex"):
        gens.load(name, "model-b")


def test_new_generation_switches_atomically_and_old_ones_are_pruned(tmp_path, data):
    ids, vectors, _ = data
    spec = IndexSpec(DIM)
    gens = Generations(tmp_path / "index")
    names = [
        gens.write({"offers": build_base(spec, ids[:n], vectors[:n])}, {"model": "m", "seq": n}) for n in (10, 20, 30)
    ]
    gens.make_current(names[-1], keep=3)
    assert gens.current_name() == names[-1] and len(set(names)) == 3
    gens.prune(keep=2)
    assert sorted(p.name for p in (tmp_path / "index").glob("gen-*")) == names[1:]


@pytest.mark.parametrize("damage", ["truncate", "flip", "delete"])
def test_corrupt_index_file_is_detected_not_loaded(tmp_path, data, damage):
    ids, vectors, _ = data
    gens = Generations(tmp_path / "index")
    name = gens.write({"offers": build_base(IndexSpec(DIM), ids, vectors)}, {"model": "m", "seq": 1})
    path = tmp_path / "index" / name / "offers.faiss"
    raw = path.read_bytes()
    if damage == "truncate":
        path.write_bytes(raw[: len(raw) // 2])
    elif damage == "flip":
        path.write_bytes(raw[:-100] + bytes([raw[-100] ^ 0xFF]) + raw[-99:])
    else:
        path.unlink()
    with pytest.raises(IndexMismatch, match="corrupt|missing"):
        gens.load(name, "m")


def test_ivf_generation_carries_a_float16_scoring_copy_that_vectors_reads(tmp_path, data):
    ids, vectors, _ = data
    spec = IndexSpec(DIM, 1, ann_threshold=50, nprobe=64)
    gens = Generations(tmp_path / "index")
    shuffled = np.random.default_rng(3).permutation(len(ids))  # the copy follows the base's order, not the ids'
    name = gens.write(
        {
            "offers": build_base(spec, ids[shuffled], vectors[shuffled]),
            "exact": build_base(IndexSpec(DIM), ids, vectors),
        },
        {"model": "m", "seq": 1},
    )
    _, loaded, copies = gens.load(name, "m")
    assert set(copies) == {"offers"} and copies["offers"].dtype == np.float16  # IVF only
    index = VectorIndex(spec, loaded["offers"], copies["offers"])
    wanted = np.array([200, 1, 57, 57, 130], dtype=np.int64)
    assert np.allclose(index.vectors(wanted), vectors[wanted - 1], atol=2e-3)
    index.upsert(57, vectors[0])  # a changed row is read from the delta, not the copy
    assert np.allclose(index.vectors(np.array([57]))[0], vectors[0])


@pytest.mark.parametrize("damage", ["flip", "delete"])
def test_damaged_scoring_copy_is_detected_not_loaded(tmp_path, data, damage):
    ids, vectors, _ = data
    gens = Generations(tmp_path / "index")
    offers = build_base(IndexSpec(DIM, 1, ann_threshold=50), ids, vectors)
    name = gens.write({"offers": offers}, {"model": "m", "seq": 1})
    path = tmp_path / "index" / name / "offers.vectors.npy"
    if damage == "flip":
        raw = path.read_bytes()
        path.write_bytes(raw[:-100] + bytes([raw[-100] ^ 0xFF]) + raw[-99:])
    else:
        path.unlink()
    with pytest.raises(IndexMismatch, match="offers.vectors.npy is (corrupt|missing)"):
        gens.load(name, "m")


def test_nprobe_can_be_set_per_search(data):
    ids, vectors, queries = data
    spec = IndexSpec(DIM, 1, ann_threshold=50, nprobe=1)
    index = VectorIndex(spec, build_base(spec, ids, vectors))
    allowed = np.ones(300, dtype=bool)
    # Every list searched is an exact search; one list misses most of the true neighbours.
    every_list = [index.search(q, 10, allowed, nprobe=10_000)[1].tolist() for q in queries]
    assert every_list == [brute(ids, vectors, q, 10, allowed) for q in queries]
    assert [index.search(q, 10, allowed)[1].tolist() for q in queries] != every_list


def test_the_search_thread_setting_holds_in_every_thread_that_searches(data):
    import threading

    import faiss

    from matcher.index import set_search_threads

    ids, vectors, queries = data
    index = VectorIndex(IndexSpec(DIM), build_base(IndexSpec(DIM), ids, vectors))
    set_search_threads(1)
    fresh = []
    thread = threading.Thread(target=lambda: fresh.append(faiss.omp_get_max_threads()))
    thread.start()
    thread.join()
    if fresh == [1]:
        pytest.skip("one core: a fresh thread's default is one thread already")
    seen = []

    def search_elsewhere():  # OpenMP keeps its setting per thread: a fresh thread starts at the default
        index.search(queries[0], 3)
        seen.append(faiss.omp_get_max_threads())

    thread = threading.Thread(target=search_elsewhere)
    thread.start()
    thread.join()
    assert seen == [1]


def test_the_scoring_copy_finds_passage_slots_of_every_row(tmp_path, data):
    _, vectors, _ = data
    spec = IndexSpec(DIM, slots=64, ann_threshold=50, nprobe=64)
    ids = np.concatenate([row * 64 + np.arange(1 + row % 4) for row in range(1, 80)])  # 1 to 4 passages a row
    rng = np.random.default_rng(5)
    shuffled = rng.permutation(len(ids))
    passage_vectors = unit(rng, len(ids))
    gens = Generations(tmp_path / "index")
    passages = build_base(spec, ids[shuffled], passage_vectors[shuffled])
    name = gens.write({"passages": passages}, {"model": "m", "seq": 1})
    _, loaded, copies = gens.load(name, "m")
    index = VectorIndex(spec, loaded["passages"], copies["passages"])
    wanted = np.array([3 * 64 + 3, 1 * 64, 79 * 64 + 3, 2 * 64 + 1], dtype=np.int64)
    expected = passage_vectors[[int(np.flatnonzero(ids == w)[0]) for w in wanted]]
    assert np.allclose(index.vectors(wanted), expected, atol=2e-3)
