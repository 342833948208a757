"""The in-memory BM25 index: ranking, filtering, list items, and a delta that agrees with a rebuilt base."""

import numpy as np
import pytest

from matcher.index.lexical import LexicalIndex, list_items, need_items
from matcher.text.words import query_terms

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

    from matcher.text import words as lexical

    monkeypatch.setattr(lexical, "_STEM_CACHE_CAP", 5)
    words = [f"word{i}ing" for i in range(400)]
    errors: list[BaseException] = []

    def work(offset: int) -> None:
        try:
            for start in range(0, 400, 7):
                text = " ".join(words[(start + offset) % 400 : (start + offset) % 400 + 20])
                assert all(stem.startswith("word") for stem in lexical.tokenize(text))
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(i * 13,)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors, errors[:1]


# -- list items -----------------------------------------------------------------------------------

LISTS = {
    1: "Studied Finance. Can help with Career Planning, Networking. Industry expertise: Banking.",
    2: "Studied History. Can help with Career Change, Event Planning, Career Trends, Financial Planning, "
    "Planning Ahead. Industry expertise: Education.",
    4: "Studied Law. Can help with Resume / CV Review, Interviewing Tips. Industry expertise: Finance.",
}


def test_list_items_are_short_runs_between_list_breaks_as_one_token():
    assert list_items("Can help with Resume / CV Review, Career Planning. Industry expertise: Finance.") == [
        "resum cv review",
        "career plan",
        "industri expertis",
        "financ",
    ]
    # A run of more than MAX_ITEM_WORDS content words is prose: no item.
    assert list_items("I have coached first-time managers through hard conversations for years") == []
    assert list_items("Python and SQL") == ["python", "sql"]


def test_need_items_take_the_longest_known_tail_and_say_how_much_of_the_need_they_cover():
    known = {item for text in LISTS.values() for item in list_items(text)}.__contains__
    items, share = need_items("I'd like help with Career Planning. I want to build expertise in Finance.", known)
    assert items == ["career plan", "financ"]
    assert share == pytest.approx(3 / 5)  # career plan (2) + financ (1) of career plan build expertis financ
    assert need_items("I want to understand how central banks set interest rates", known) == ([], 0.0)


def test_a_list_need_is_matched_item_by_item():
    index = build(LISTS)
    # Mentor 2 says "career" and "planning" more often, mentor 1 offers the item itself.
    assert [row for row, _ in index.search("I'd like help with Career Planning.", 10)][0] == 1
    # A prose need has no items: plain BM25 of its words, where mentor 2's repeated words count.
    assert [row for row, _ in index.search("planning a career change", 10)][0] == 2


def test_a_delta_scores_list_items_like_a_rebuilt_index():
    index, expected = build(LISTS), dict(LISTS)
    added = "Studied Economics. Can help with Career Planning, Resume / CV Review. Industry expertise: Finance."
    index.upsert(9, added)
    expected[9] = added
    index.upsert(2, "Can help with Event Planning.")
    expected[2] = "Can help with Event Planning."
    rebuilt = LexicalIndex(list(expected), list(expected.values()))
    for need in (
        "I'd like help with Resume / CV Review, Career Planning. I want to build expertise in Finance.",
        "Event Planning",
    ):
        assert [row for row, _ in index.search(need, 10)] == [row for row, _ in rebuilt.search(need, 10)]


def test_a_removed_row_s_list_items_are_forgotten():
    index = build({1: "Can help with Quillwork Binding, Career Planning."})
    index.upsert(7, "Can help with Zythography Basics.")
    assert index.has_term("zythography") and index.has_term("quillwork")
    index.remove(7)
    assert not index.has_term("zythography")
    assert index.search("Zythography Basics", 5) == []
