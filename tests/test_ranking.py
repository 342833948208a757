"""Ranking and the match pipeline's scoring stage, on plain arrays: fusion (convex and RRF), passages,
coverage of a need's parts."""

from __future__ import annotations

import numpy as np
import pytest

from matcher.search import fusion as ranking
from matcher.search.fusion import Candidates, Weights
from matcher.search.scoring import passage_similarities


def candidates(whole, passage, lexical) -> Candidates:
    return Candidates(
        [f"m{i}" for i in range(len(whole))],
        np.array(whole, np.float32),
        np.array(passage, np.float32),
        np.array(lexical, np.float32),
    )


def test_rrf_fuses_ranks_with_k_and_one_based_ranks_and_first_in_both_lists_scores_one():
    c = candidates(whole=[0.9, 0.5, 0.1], passage=[0.9, 0.5, 0.1], lexical=[0.0, 3.0, 1.0])
    rel, semantic, lexical = ranking.relevance(c, Weights(fusion="rrf", rrf_k=60, passage_weight=0.0))
    # semantic ranks 1, 2, 3; BM25 ranks: m1 first, m2 second, m0 absent (never ranked by BM25).
    expected = np.array([1 / 61, 1 / 62 + 1 / 61, 1 / 63 + 1 / 62]) * 61 / 2
    assert np.allclose(rel, expected, atol=1e-6)
    assert ranking.order(rel, c.ids) == [1, 2, 0]
    both_first = ranking.relevance(candidates([0.9, 0.1], [0.9, 0.1], [2.0, 1.0]), Weights(fusion="rrf"))[0]
    assert both_first[0] == pytest.approx(1.0)
    assert np.allclose(lexical, [0.0, 1.0, 1 / 3])


def test_convex_fusion_weighs_bm25_scaled_by_the_best_candidate():
    c = candidates(whole=[0.8, 0.6], passage=[0.4, 0.6], lexical=[2.0, 4.0])
    rel, semantic, lexical = ranking.relevance(c, Weights(fusion="convex", lexical_weight=0.1, passage_weight=0.5))
    assert np.allclose(semantic, [0.6, 0.6]) and np.allclose(lexical, [0.5, 1.0])
    assert np.allclose(rel, [0.9 * 0.6 + 0.1 * 0.5, 0.9 * 0.6 + 0.1 * 1.0])


def test_two_way_takes_the_harmonic_mean_so_both_directions_must_be_good():
    scores = ranking.final_scores(np.array([0.9, 0.5]), np.zeros(2), 0.15, reciprocal=np.array([0.1, 0.5]))
    assert np.allclose(scores, [2 * 0.9 * 0.1 / 1.0, 0.5])


def test_passage_stage_finds_each_candidate_s_best_sentence_and_the_first_of_equals():
    sims = np.array([0.1, 0.7, 0.7, 0.3, 0.9, 0.2], dtype=np.float32)  # candidate 0: 3, 1: 1, 2: 2 sentences
    result = passage_similarities(sims, np.array([3, 1, 2]))
    assert np.allclose(result.best, [0.7, 0.3, 0.9])
    assert result.best_slot.tolist() == [1, 0, 0]
    assert result.of(2).tolist() == pytest.approx([0.9, 0.2])


def test_coverage_is_the_mean_over_parts_of_each_part_s_best_passage():
    # Two mentors: the first with passages 0-1, the second with passage 2; two parts of the need.
    sims = np.array([[0.9, 0.1], [0.2, 0.7], [0.95, 0.0]], dtype=np.float32)
    assert np.allclose(ranking.coverage(sims, np.array([0, 2])), [0.8, 0.475])


def test_coverage_follows_the_passage_stage_s_layout_of_candidates():
    # Candidate 0 has 3 sentences, 1 has 1, 2 has 2 (as passage_similarities lays them out).
    need_sims = np.array([0.1, 0.7, 0.7, 0.3, 0.9, 0.2], dtype=np.float32)
    part_sims = np.array([[0.8, 0.0], [0.0, 0.6], [0.1, 0.1], [0.5, 0.5], [0.9, 0.0], [0.2, 0.1]], np.float32)
    layout = passage_similarities(need_sims, np.array([3, 1, 2]))
    assert np.allclose(ranking.coverage(part_sims, layout.starts), [0.7, 0.5, 0.5])


def test_coverage_blends_into_the_semantic_score_only_when_the_need_has_parts():
    c = candidates(whole=[0.6, 0.7], passage=[0.6, 0.7], lexical=[0.0, 0.0])
    assert np.allclose(ranking.semantic_scores(c, 0.25, 0.75), [0.6, 0.7])
    c.coverage = np.array([0.8, 0.4], np.float32)
    assert np.allclose(ranking.semantic_scores(c, 0.25, 0.75), [0.75, 0.475])
    assert np.allclose(ranking.semantic_scores(c, 0.25, 0.0), [0.6, 0.7])
    rel, semantic, _ = ranking.relevance(c, Weights(retrieval="dense", passage_weight=0.25, coverage_weight=0.75))
    assert np.allclose(semantic, [0.75, 0.475]) and ranking.order(rel, c.ids) == [0, 1]
