"""Key phrases and parts of a need: cleaning, extraction, the blends in ranking, and their effect on a real match."""

from __future__ import annotations

import numpy as np
import pytest

from matcher.search.fusion import need_similarity
from matcher.text.need import clean_need, need_parts, need_phrases, query_texts
from tests.conftest import profile


def test_clean_need_drops_anonymisation_placeholders_and_extra_space():
    assert (
        clean_need("As a member of our <ORGANIZATION>  <ORGANIZATION> team\n we build")
        == "As a member of our team we build"
    )
    assert clean_need("Use <b>bold</b> and a < b") == "Use <b>bold</b> and a < b"  # not a placeholder


def test_phrases_are_content_words_and_neighbour_pairs_within_a_clause():
    phrases = need_phrases("I want to learn Java and JavaScript, plus some cloud architecture")
    assert phrases[:2] == ["Java", "JavaScript"]
    assert "cloud architecture" in phrases and "plus cloud" in phrases
    assert "Java JavaScript" not in phrases  # "and" ends a clause
    assert not {"I", "want", "to", "learn", "some"} & set(phrases)


def test_phrases_keep_technical_words_whole():
    assert need_phrases("C++ or C#; Node.js • e-mail", longest=1) == ["C++", "C#", "Node.js", "e-mail"]


@pytest.mark.parametrize("longest, most", [(0, 64), (2, 0)])
def test_no_phrases_when_switched_off(longest, most):
    assert need_phrases("public speaking and negotiation", longest, most) == []


def test_phrases_are_distinct_and_capped():
    need = ", ".join(f"topic{i} area{i}" for i in range(100))
    phrases = need_phrases(need, most=10)
    assert len(phrases) == 10 == len(set(phrases))
    assert need_phrases("SQL, SQL, sql") == ["SQL", "sql"]


def test_query_texts_start_with_the_cleaned_need_and_skip_a_phrase_equal_to_it():
    assert query_texts("<PERSON> Kubernetes") == ["Kubernetes"]
    texts = query_texts("public speaking <ORGANIZATION>")
    assert texts == ["public speaking", "public", "speaking"]
    assert query_texts("public speaking", longest=0) == ["public speaking"]


def test_need_similarity_blends_the_whole_need_with_its_best_phrase():
    sims = np.array([[0.5, 0.1, 0.9], [0.6, 0.2, 0.3]], dtype=np.float32)
    assert np.allclose(need_similarity(sims, 0.5), [0.7, 0.45])
    assert np.allclose(need_similarity(sims, 0.0), [0.5, 0.6])
    assert np.allclose(need_similarity(sims[:, :1], 0.5), [0.5, 0.6])  # no phrases: the whole need
    assert np.allclose(need_similarity(sims[:, 0], 0.5), [0.5, 0.6])


def test_a_specialist_in_one_topic_of_a_broad_need_ranks_with_that_topic_as_evidence(make_service):
    service = make_service()
    service.import_items(
        list(
            enumerate(
                [
                    profile(
                        "kube",
                        5,
                        "I moved our shop to containers last year. I run Kubernetes clusters in production and "
                        "teach kubectl to new engineers. I also bake bread.",
                    ),
                    profile(
                        "lead",
                        5,
                        "I have led teams for ten years and coach new managers on how to grow their people and "
                        "run good meetings.",
                    ),
                    profile(
                        "coach",
                        5,
                        "Career coach: I help people reflect on their goals, strengths and next steps at work.",
                    ),
                    profile("chef", 5, "I cook Italian food and run a small catering business on weekends."),
                ]
            )
        )
    )
    need = "Our <ORGANIZATION> team lead wants to get better at negotiation, public speaking, budgeting and Kubernetes."
    top = service.match({"need": need, "limit": 4})["matches"][0]
    assert top["mentor"]["id"] == "kube"
    assert top["why"]["evidence"][0] == "I run Kubernetes clusters in production and teach kubectl to new engineers."


def test_need_parts_are_its_sentences_when_it_has_several():
    need = (
        "I study Law. I'd like help with Resume / CV Review, Interviewing Tips. I want to build expertise in Finance."
    )
    assert need_parts(need) == [
        "I study Law.",
        "I'd like help with Resume / CV Review, Interviewing Tips.",
        "I want to build expertise in Finance.",
    ]
    assert need_parts("I want to learn Kubernetes and Helm, for our new clusters.") == []  # one part: none
    # A fragment without two content words joins its neighbour; a long sentence is never cut.
    assert need_parts("Azure . NET and SQL Server for our reporting. Thanks!") == []
    long = " ".join(["kubernetes"] * 80) + ". Also public speaking."
    assert need_parts(long) == [" ".join(["kubernetes"] * 80) + ".", "Also public speaking."]
    assert len(need_parts(". ".join(f"topic{i} area{i}" for i in range(20)), most=8)) == 8


def test_a_mentor_answering_every_part_of_a_need_gains_on_a_specialist_in_one(make_service, tmp_path):
    mentors = [
        profile("all", 5, "Studied finance. Can help with interview practice. Industry expertise: retail banking."),
        profile(
            "one",
            5,
            "Accounting, accounting and more accounting: I studied accounting, teach accounting and "
            "practise accounting.",
        ),
        profile("none", 5, "Studied music. Can help with songwriting. Industry expertise: entertainment."),
    ]
    need = "I study accounting. I'd like help with interview practice. I want to build expertise in banking."
    leads = {}
    for weight in (0.75, 0.0):
        service = make_service(tmp_path / f"coverage-{weight}", coverage_weight=weight)
        service.import_items(list(enumerate(mentors)))
        scores = {m["mentor"]["id"]: m["score"] for m in service.match({"need": need, "limit": 3})["matches"]}
        assert max(scores, key=scores.get) == "all"
        leads[weight] = scores["all"] - scores["one"]
    assert leads[0.75] > leads[0.0] + 0.1
