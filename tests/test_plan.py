"""A plan of sessions per pair: topics from the need, the mentor's best sentence per topic, spread over sessions."""

from __future__ import annotations

import numpy as np
import pytest

from matcher.programmes.plan import Cover, need_topics, plan_sessions, plan_text, two_way_plan
from matcher.text.need import clauses, need_phrases


def test_need_topics_are_the_clauses_content_spans_in_order():
    need = "I want to learn SQL window functions and some cloud architecture; also public speaking for leaders."
    assert need_topics(need) == ["SQL window functions", "cloud architecture", "public speaking for leaders"]


def test_need_topics_keep_words_like_cpp_and_drop_duplicates_and_placeholders():
    assert need_topics("Help with C++ templates, C# and c++ templates <ORGANIZATION>") == ["C++ templates", "C#"]
    assert need_topics("I want to learn") == []
    assert need_topics("") == []
    assert need_topics("Kotlin, Swift, Rust, Go", most=2) == ["Kotlin", "Swift"]


def test_a_content_word_inside_a_stop_word_is_not_mistaken_for_it():
    # "ant" occurs inside "want": the topic must start at the word itself.
    assert need_topics("I want ant colony optimisation") == ["ant colony optimisation"]


def test_clauses_cut_where_need_phrases_cut():
    text = "Java and JavaScript, plus some cloud architecture"
    assert clauses(text) == ["Java", "JavaScript", "plus some cloud architecture"]
    assert {w for c in clauses(text) for w in c.split()} >= set(need_phrases(text, longest=1))


SENTENCES = ["I run the data team.", "I teach SQL window functions every week.", "I speak at conferences."]


def sims_for(topics):
    """Topic i is covered best by sentence i % 3, at a similarity that falls with i."""
    sims = np.full((len(topics), len(SENTENCES)), 0.1)
    for i in range(len(topics)):
        sims[i, i % len(SENTENCES)] = 0.9 - 0.1 * i
    return sims


def test_each_topic_gets_the_mentor_sentence_that_covers_it_best():
    plan = plan_sessions(["data teams", "SQL"], SENTENCES, [[0.7, 0.2, 0.1], [0.3, 0.8, 0.1]], 2)
    assert [s.covers for s in plan.sessions] == [
        (Cover("data teams", SENTENCES[0], 0.7),), (Cover("SQL", SENTENCES[1], 0.8),)]


@pytest.mark.parametrize("n_topics,n_sessions,sizes", [(5, 3, [2, 2, 1]), (6, 3, [2, 2, 2]), (3, 3, [1, 1, 1]),
                                                        (7, 1, [7])])
def test_more_topics_than_sessions_go_in_balanced_runs_in_their_order(n_topics, n_sessions, sizes):
    topics = [f"topic {i}" for i in range(n_topics)]
    plan = plan_sessions(topics, SENTENCES, sims_for(topics), n_sessions)
    assert [len(s.covers) for s in plan.sessions] == sizes
    assert [c.topic for s in plan.sessions for c in s.covers] == topics
    assert [s.number for s in plan.sessions] == list(range(1, n_sessions + 1))
    assert not any(c.practice for s in plan.sessions for c in s.covers)


def test_fewer_topics_than_sessions_then_practise_the_best_covered():
    topics = ["weak topic", "strong topic"]
    plan = plan_sessions(topics, SENTENCES, [[0.2, 0.3, 0.1], [0.1, 0.1, 0.8]], 5)
    assert [(c.topic, c.practice) for s in plan.sessions for c in s.covers] == [
        ("weak topic", False), ("strong topic", False),
        ("strong topic", True), ("weak topic", True), ("strong topic", True)]


def test_min_similarity_withholds_a_weak_quote_and_no_topics_is_an_open_agenda():
    plan = plan_sessions(["knitting"], SENTENCES, [[0.1, 0.15, 0.12]], 1, min_similarity=0.3)
    assert plan.sessions[0].covers == (Cover("knitting", None, 0.15),)
    assert plan_text(plan) == "Session 1: knitting (no close match in their words)"
    empty = plan_sessions([], SENTENCES, np.zeros((0, 3)), 2)
    assert plan_text(empty) == "Session 1: open agenda\nSession 2: open agenda"
    no_bio = plan_sessions(["SQL"], [], np.zeros((1, 0)), 1)
    assert no_bio.sessions[0].covers == (Cover("SQL", None, 0.0),)


def test_bad_plan_input_is_refused():
    with pytest.raises(ValueError, match="n_sessions"):
        plan_sessions(["SQL"], SENTENCES, [[0.1, 0.2, 0.3]], 0)
    with pytest.raises(ValueError):
        plan_sessions(["SQL", "Go"], SENTENCES, [[0.1, 0.2, 0.3]], 2)


def test_plan_text_one_line_per_session_with_their_words():
    plan = plan_sessions(["SQL window functions", "conference talks"], SENTENCES,
                         [[0.1, 0.9, 0.2], [0.1, 0.2, 0.7]], 3)
    assert plan_text(plan).split("\n") == [
        "Session 1: SQL window functions (their words: “I teach SQL window functions every week.”)",
        "Session 2: conference talks (their words: “I speak at conferences.”)",
        "Session 3: practise SQL window functions (their words: “I teach SQL window functions every week.”)"]
    long = plan_sessions(["x"], ["word " * 60], [[0.5]], 1)
    assert plan_text(long).endswith("…”)") and len(plan_text(long)) < 140


def test_two_way_plan_covers_both_directions_in_every_session():
    plan = two_way_plan(["SQL"], ["I teach SQL."], [[0.8]],
                        ["public speaking", "storytelling"], ["I speak at conferences.", "I write stories."],
                        [[0.9, 0.2], [0.3, 0.6]], 2, a_label="Ann", b_label="Bo")
    assert [[(c.learner, c.teacher, c.topic, c.practice) for c in s.covers] for s in plan.sessions] == [
        [("Ann", "Bo", "SQL", False), ("Bo", "Ann", "public speaking", False)],
        [("Ann", "Bo", "SQL", True), ("Bo", "Ann", "storytelling", False)]]
    assert plan_text(plan).split("\n")[0] == (
        "Session 1: Ann learns SQL (Bo's words: “I teach SQL.”); "
        "Bo learns public speaking (Ann's words: “I speak at conferences.”)")


def test_the_plan_is_deterministic_on_ties():
    topics = ["a topic", "b topic"]
    sims = [[0.5, 0.5, 0.5], [0.5, 0.5, 0.5]]
    first = plan_sessions(topics, SENTENCES, sims, 4)
    assert first == plan_sessions(topics, SENTENCES, sims, 4)
    assert [c.sentence for s in first.sessions for c in s.covers] == [SENTENCES[0]] * 4  # the first best sentence
    assert [c.topic for s in first.sessions for c in s.covers] == ["a topic", "b topic", "a topic", "b topic"]
