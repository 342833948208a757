"""The embedder's batching: length-sorted runs, and the vectors they give back in input order."""

import numpy as np
import pytest

from matcher.model.embedder import _runs
from matcher.text.need import query_texts


def test_runs_split_a_long_need_from_its_phrases_but_keep_one_and_two_word_phrases_together():
    need = "I lead a sales team and want to get better at data visualisation in Python"
    texts = query_texts(need)
    lengths = np.array(sorted((len(t) for t in texts), reverse=True))
    assert _runs(lengths, 64) == [(0, 1), (1, len(texts))]
    # Long texts of very different lengths (bio sentences) still go to separate runs.
    assert _runs(np.array([400, 390, 150, 140]), 64) == [(0, 2), (2, 4)]


def test_encode_returns_unit_vectors_in_input_order_matching_one_by_one_encoding(embedder):
    texts = ["I teach Kubernetes operators and Helm charts to platform teams", "Helm", "public speaking", "SQL"]
    calls = []
    original = embedder.model.encode

    def counting(batch, *args, **kwargs):
        calls.append(len(batch))
        return original(batch, *args, **kwargs)

    embedder.model.encode = counting
    try:
        together = embedder.encode(texts)
    finally:
        del embedder.model.encode
    assert calls == [1, 3]  # the long text alone, then the three short ones in one call
    assert np.allclose(np.linalg.norm(together, axis=1), 1, atol=1e-5)
    alone = np.vstack([embedder.encode([t]) for t in texts])
    # int8 activations are quantised per batch, so batch-mates shift a vector slightly.
    assert (np.sum(together * alone, axis=1) > 0.98).all()


def test_queries_take_the_direct_onnx_path_and_get_the_same_vectors(embedder):
    if embedder.backend == "torch":
        pytest.skip("the direct path is for ONNX backends")
    assert embedder._direct_runner() is not None
    texts = query_texts("I want to learn Python testing and SQL window functions, in Berlin")
    direct = embedder._encode_short(texts)
    through_st = embedder.encode(texts)
    assert direct.shape == through_st.shape
    assert np.abs(direct - through_st).max() < 1e-4
