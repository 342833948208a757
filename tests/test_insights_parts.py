"""The skills map's pure parts, on plain data: wishes, suppression (with secondary suppression), labels from
several people only, topics folded when too small, the map file's modes and versions."""

from __future__ import annotations

import stat

import numpy as np

from matcher.insights.artefact import MapFiles
from matcher.insights.labels import topic_terms
from matcher.insights.privacy import suppress_split
from matcher.insights.summary import MapTables, build_summary, summary_csv
from matcher.insights.texts import band_of, wishes
from matcher.insights.topics import merge_small


def test_wishes_cut_a_goals_text_where_a_second_wish_starts():
    assert wishes(
        "I'd like to understand product management and also write a business case that finance will approve."
    ) == ["I'd like to understand product management", "write a business case that finance will approve"]
    assert wishes("I want to use Figma auto-layout and components, and ideally plan research projects.") == [
        "I want to use Figma auto-layout and components",
        "plan research projects",
    ]
    assert wishes("I study Psychology. I'd like help with Parenting vs. Career, Career Planning.") == [
        "I study Psychology",
        "I'd like help with Parenting vs. Career, Career Planning",
    ]
    assert wishes("Learn SQL; and Python.") == ["Learn SQL and Python"]  # a piece of one word joins the one before
    assert wishes("   ") == []
    assert [band_of(s) for s in (1, 3, 4, 6, 7, 10)] == [0, 0, 1, 1, 2, 2]


def test_small_cells_are_hidden_and_hidden_cells_never_add_up_to_a_small_group():
    assert suppress_split({"a": 12, "b": 0, "c": 5}, 5) == {"a": 12, "b": 0, "c": 5}
    # 3 and 2 hidden: together 5, so neither can be worked out to fewer than 5 from the total
    assert suppress_split({"a": 7, "b": 3, "c": 2}, 5) == {"a": 7, "b": None, "c": None}
    # 1 alone hidden would be total - 9 - 6: the smallest shown cell (6) is hidden with it
    assert suppress_split({"a": 9, "b": 1, "c": 6}, 5) == {"a": 9, "b": None, "c": None}
    # 5 and 1: hiding the 1 alone gives it away; hiding both leaves the total (6) as the only fact
    assert suppress_split({"Finance": 5, "Legal": 1, "HR": 0}, 5) == {"Finance": None, "Legal": None, "HR": 0}


def test_a_label_word_needs_min_group_people_in_the_topic():
    texts = [f"I want to learn kubernetes and helm charts {i}" for i in range(5)]  # five people
    texts += ["I want to learn kubernetes operators for zanzibarian clusters"]  # one person's own word
    texts += ["kubernetes on my own"] * 3  # one person writing three times
    people = np.array([0, 1, 2, 3, 4, 5, 6, 6, 6])
    topics = np.zeros(len(texts), dtype=np.int64)
    terms = topic_terms(texts, people, np.arange(len(texts)), topics, 1, min_people=5)[0]
    words = {term for term, _ in terms}
    assert "kubernetes" in words and dict(terms)["kubernetes"] == 7
    assert "helm charts" in words and dict(terms)["helm charts"] == 5
    assert not any("zanzibarian" in term or "operators" in term for term in words)
    # a topic where no word is shared by enough people has no label
    assert topic_terms(texts[5:], people[5:], np.arange(4), np.zeros(4, np.int64), 1, min_people=5) == [[]]


def test_topics_of_too_few_people_are_folded_into_their_neighbours():
    centroids = np.eye(3, dtype=np.float32)
    vectors = np.array([[1, 0, 0]] * 6 + [[0, 1, 0]] * 6 + [[0.1, 0.2, 1]] * 2, dtype=np.float32)
    people = np.arange(len(vectors))
    topics = np.array([0] * 6 + [1] * 6 + [2] * 2)
    merged = merge_small(vectors, people, centroids, topics, 5)
    assert set(merged[:12]) == {0, 1} and list(merged[12:]) == [1, 1]  # nearest remaining: topic 1


def tables(**overrides) -> MapTables:
    data = dict(
        topics=[{"id": 1, "terms": [["tiktok", 6]]}],
        departments=["Finance", "Legal"],
        skills=[],
        person_row=np.arange(12),
        person_band=np.array([2] * 6 + [0] * 6, np.int8),
        person_department=np.array([0] * 5 + [1] + [-1] * 6, np.int32),
        demand_row=np.arange(6),
        demand_topic=np.ones(6, np.int32),
        demand_score=np.array([0.9, 0.9, 0.9, 0.9, 0.3, 0.2], np.float32),
        supply_row=np.arange(6, 12),
        supply_topic=np.ones(6, np.int32),
        offered_skill=np.zeros(0, np.int32),
        offered_row=np.zeros(0, np.int64),
    )
    data.update(overrides)
    return MapTables(**data)


def test_the_summary_suppresses_every_small_cell_and_drops_erased_rows():
    summary = build_summary(tables(), 5, 0.5)
    topic = summary["topics"][0]
    assert (topic["demand"], topic["supply"]) == (6, 6)
    assert topic["uncovered"] is None  # 2 of 6: hidden, and so is its complement (4 covered)
    assert topic["demand_by_band"] == {"junior": 0, "mid": 0, "senior": 6}
    assert topic["supply_by_band"] == {"junior": 6, "mid": 0, "senior": 0}
    # Finance has 5 people, Legal 1 (pooled in "Other departments"): the 1 would give away the 5
    assert summary["departments"] == ["Finance", "Other departments", "No department"]
    assert topic["demand_by_department"] == {"Finance": None, "Other departments": None, "No department": 0}
    assert summary["reverse_mentoring"] == [{"topic": 1, "label": "tiktok", "senior_demand": 6, "junior_supply": 6}]
    assert "1,tiktok,6,6,<5," in summary_csv(summary)
    after = build_summary(tables().only(np.array([0, 1, 2, 3, 6, 7, 8, 9, 10, 11])), 5, 0.5)["topics"][0]
    assert (after["demand"], after["demand_by_band"]["senior"], after["uncovered"]) == (None, None, None)


def test_map_files_are_owner_only_and_a_build_removes_the_older_ones(tmp_path):
    files = MapFiles(tmp_path)
    arrays = {
        key: np.zeros(0, np.int64)
        for key in (
            "person_row",
            "person_band",
            "person_department",
            "demand_row",
            "demand_topic",
            "demand_score",
            "demand_source",
            "demand_wish",
            "supply_row",
            "supply_topic",
            "offered_skill",
            "offered_row",
        )
    }
    manifest = {"topics": [], "departments": [], "skills": [], "programmes": []}
    with files.building():
        first = files.write(manifest, arrays)
        second = files.write(manifest, arrays)
    assert (first, second) == ("map-000001", "map-000002")
    assert files.names() == ["map-000002.npz"] and files.current().manifest["version"] == "map-000002"
    assert stat.S_IMODE(files.folder.stat().st_mode) == 0o700
    assert stat.S_IMODE((files.folder / "map-000002.npz").stat().st_mode) == 0o600


def test_coverage_never_counts_a_persons_own_sentences_and_the_ivf_path_agrees(monkeypatch):
    from matcher.insights import coverage

    rng = np.random.default_rng(0)
    anchors = rng.standard_normal((40, 32)).astype(np.float32)
    anchors /= np.linalg.norm(anchors, axis=1, keepdims=True)

    def near(rows):
        v = anchors[rows] + rng.standard_normal((len(rows), 32)).astype(np.float32) * 0.05
        return v / np.linalg.norm(v, axis=1, keepdims=True)

    sentence_anchor = np.arange(2400) % 40
    sentences, owner = near(sentence_anchor), np.arange(2400) // 3  # three sentences a mentor
    wishes = np.concatenate([near(np.array([0, 1, 2])), sentences[:1]])  # the last: mentor 0's own words
    wisher, topic = np.array([5000, 5001, 5002, 0]), np.array([0, 1, 2, 3])
    best, pair_topic, pair_sentence = coverage.answer(
        wishes, wisher, topic, 4, coverage.sentence_index(sentences), owner, 0.9
    )
    assert (best[:3] > 0.9).all() and best[3] > 0.9  # mentor 0's wish is answered by others' sentences
    assert 0 not in owner[pair_sentence[pair_topic == 3]]  # never by their own
    assert set(sentence_anchor[pair_sentence[pair_topic == 0]]) == {0}
    monkeypatch.setattr(coverage, "EXACT_LIMIT", 100)  # the same on the approximate (IVF) path
    best_ivf, topic_ivf, sentence_ivf = coverage.answer(
        wishes, wisher, topic, 4, coverage.sentence_index(sentences), owner, 0.9
    )
    assert np.allclose(best_ivf, best, atol=1e-5)
    assert set(zip(topic_ivf, sentence_ivf)) == set(zip(pair_topic, pair_sentence))
