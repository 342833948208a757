"""The in-memory BM25 index: ranking, filtering, and a delta that agrees with a rebuilt base."""

import numpy as np
import pytest

from matcher.lexical import LexicalIndex, query_terms

TEXTS = {
    3: "I coach Python developers on testing and packaging.",
    5: "Kubernetes operator: I run clusters and teach Helm charts.",
    8: "Public speaking coach; I help shy engineers present at conferences.",
    13: "Python data pipelines with pandas, plus some Kubernetes.",
    21: "Watercolour painting and calligraphy on weekends.",
}


def build(texts=TEXTS) -> LexicalIndex:
    return LexicalIndex(list(texts), list(texts.values()))


def test_query_terms_are_stemmed_content_words_without_duplicates():
    assert query_terms("I want to learn Testing, tested tests and the Kubernetes!") == ["test", "kubernet"]
    assert query_terms("I want to learn") == []


def test_ranks_rows_holding_the_words_best_first_and_never_returns_rows_without_them():
    hits = build().search("python testing", 10)
    assert [row for row, _ in hits] == [3, 13]
    assert hits[0][1] > hits[1][1] > 0
    assert build().search("origami", 10) == []
    assert build().search("the and of", 10) == []


def test_allowed_mask_filters_inside_the_search_and_k_bounds_the_answer():
    allowed = np.zeros(32, dtype=bool)
    allowed[13] = True
    assert [row for row, _ in build().search("python kubernetes", 10, allowed)] == [13]
    assert len(build().search("python kubernetes", 1)) == 1
    # A row id beyond the mask is never allowed.
    assert build().search("watercolour", 10, np.ones(5, dtype=bool)) == []


@pytest.mark.parametrize("change", ["add", "update", "remove"])
def test_a_delta_scores_like_a_rebuilt_index(change):
    index, expected = build(), dict(TEXTS)
    if change == "add":
        index.upsert(34, "Kubernetes security reviews for Python services.")
        expected[34] = "Kubernetes security reviews for Python services."
    elif change == "update":
        index.upsert(5, "Now I only paint watercolour landscapes.")
        expected[5] = "Now I only paint watercolour landscapes."
    else:
        index.remove(13)
        del expected[13]
    rebuilt = LexicalIndex(list(expected), list(expected.values()))
    assert index.row_ids() == rebuilt.row_ids() == set(expected)
    for need in ("python kubernetes", "watercolour", "kubernetes security"):
        got, want = index.search(need, 10), rebuilt.search(need, 10)
        # Same rows in the same order; the scores differ a little (the delta is scored with the base's
        # document counts and average length until the next rebuild).
        assert [row for row, _ in got] == [row for row, _ in want]


def test_an_empty_index_answers_nothing():
    index = LexicalIndex([], [])
    assert index.search("python", 5) == [] and len(index) == 0
    index.upsert(2, "python")
    assert [row for row, _ in index.search("python", 5)] == [2]


def test_the_stem_cache_is_safe_to_share_between_threads(monkeypatch):
    """Threads tokenizing at once while the cache is replaced (past its cap) never miss a stem."""
    import threading

    from matcher import lexical

    monkeypatch.setattr(lexical, "_STEM_CACHE_CAP", 5)
    words = [f"word{i}ing" for i in range(400)]
    errors: list[BaseException] = []

    def work(offset: int) -> None:
        try:
            for start in range(0, 400, 7):
                text = " ".join(words[(start + offset) % 400:(start + offset) % 400 + 20])
                assert all(stem.startswith("word") for stem in lexical.tokenize(text))
        except BaseException as exc:  # noqa: BLE001 - collected for the main thread
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(i * 13,)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors, errors[:1]
