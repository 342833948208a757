"""A plan of sessions per pair: start (goals agreed), the need's topics with the mentor's passages, apply, review."""

from __future__ import annotations

import numpy as np
import pytest

from matcher.programmes.plan import Cover, plan_from_data, plan_sessions, plan_text, session_data, two_way_plan

PASSAGES = ["I run the data team.", "I teach SQL window functions every week.", "I speak at conferences."]


def sims_for(topics):
    """Topic i is covered best by passage i % 3, at a similarity that falls with i."""
    sims = np.full((len(topics), len(PASSAGES)), 0.1)
    for i in range(len(topics)):
        sims[i, i % len(PASSAGES)] = 0.9 - 0.1 * i
    return sims


def texts(plan) -> list[str]:
    return plan_text(plan).split("\n")


@pytest.mark.parametrize("n_topics", [0, 1, 2, 5, 9])
@pytest.mark.parametrize("n_sessions", [1, 2, 3, 4, 6, 12])
def test_every_plan_has_n_distinct_sessions_starting_and_ending_with_the_goals(n_topics, n_sessions):
    topics = [f"topic {i}" for i in range(n_topics)]
    plan = plan_sessions(topics, PASSAGES, sims_for(topics), n_sessions)
    assert [s.number for s in plan.sessions] == list(range(1, n_sessions + 1))
    assert len(set(texts(plan))) == n_sessions  # no two sessions read the same
    kinds = [s.kind for s in plan.sessions]
    if n_sessions == 1:
        assert kinds == ["single"] and [c.topic for c in plan.sessions[0].covers] == topics
        return
    assert kinds[0] == "start" and kinds[-1] == "review"
    assert plan.sessions[0].goals == plan.sessions[-1].goals == tuple(topics)
    assert plan.sessions[0].title.startswith("Start: both of you share your interests, what you know and where")
    covered = [c.topic for s in plan.sessions if s.kind in ("topics", "start") for c in s.covers]
    assert covered == topics  # each topic once, in the need's order


def test_the_issue_s_need_gets_one_topic_then_concrete_sessions_applying_it():
    plan = plan_sessions(["running effective planning meetings"], PASSAGES, [[0.6, 0.5, 0.45]], 6)
    lines = texts(plan)
    assert lines[0] == (
        "Session 1: Start: both of you share your interests, what you know and where you fall "
        "short; agree the goals: running effective planning meetings"
    )
    assert lines[1] == "Session 2: running effective planning meetings (their words: “I run the data team.”)"
    assert lines[2].startswith(
        "Session 3: Apply running effective planning meetings to real work: bring a case of "
        "your own and work through it together (their words: “I teach SQL"
    )
    assert [s.kind for s in plan.sessions] == ["start", "topics", "apply", "apply", "apply", "review"]
    # Each applying session quotes another of the mentor's passages where there is one.
    assert [s.covers[0].sentence for s in plan.sessions[2:5]] == [PASSAGES[1], PASSAGES[2], PASSAGES[1]]
    assert all(c.practice for s in plan.sessions[2:5] for c in s.covers)
    assert lines[5].startswith("Session 6: Review: progress against the goals: running effective planning meetings")
    # A passage far from the topic is never quoted for it: the first one again.
    unrelated = plan_sessions(["running effective planning meetings"], PASSAGES, [[0.6, 0.3, 0.2]], 4)
    assert [s.covers[0].sentence for s in unrelated.sessions[1:3]] == [PASSAGES[0], PASSAGES[0]]


def test_each_topic_gets_a_different_passage_while_the_mentor_has_them():
    # Both topics are covered best by passage 0; the weaker fit gets the next best passage instead.
    plan = plan_sessions(["data teams", "team dashboards"], PASSAGES, [[0.8, 0.2, 0.1], [0.7, 0.5, 0.1]], 4)
    assert [s.covers for s in plan.sessions[1:3]] == [
        (Cover("data teams", PASSAGES[0], 0.8),),
        (Cover("team dashboards", PASSAGES[1], 0.5),),
    ]
    one = plan_sessions(["a topic", "b topic"], ["I teach."], [[0.5], [0.4]], 4)  # one passage: shared
    assert [c.sentence for s in one.sessions for c in s.covers] == ["I teach.", "I teach."]


def test_more_topics_than_sessions_go_in_balanced_runs_in_their_order():
    topics = [f"topic {i}" for i in range(5)]
    plan = plan_sessions(topics, PASSAGES, sims_for(topics), 4)
    assert [[c.topic for c in s.covers] for s in plan.sessions[1:3]] == [topics[:3], topics[3:]]


def test_min_similarity_withholds_a_weak_quote_and_no_passages_still_plans():
    plan = plan_sessions(["knitting"], PASSAGES, [[0.1, 0.15, 0.12]], 3, min_similarity=0.3)
    assert plan.sessions[1].covers == (Cover("knitting", None, 0.15),)
    assert texts(plan)[1] == "Session 2: knitting (knitting: no close match in their words)"
    no_bio = plan_sessions(["SQL"], [], np.zeros((1, 0)), 3)
    assert no_bio.sessions[1].covers == (Cover("SQL", None, 0.0),)


def test_bad_plan_input_is_refused():
    with pytest.raises(ValueError, match="n_sessions"):
        plan_sessions(["SQL"], PASSAGES, [[0.1, 0.2, 0.3]], 0)
    with pytest.raises(ValueError, match="similarity"):
        plan_sessions(["SQL", "Go"], PASSAGES, [[0.1, 0.2, 0.3]], 2)


def test_a_two_way_plan_alternates_who_teaches_each_side_s_own_topics():
    plan = two_way_plan(
        ["SQL", "dashboards"],
        ["I teach SQL.", "I build dashboards."],
        [[0.8, 0.3], [0.2, 0.7]],
        ["public speaking"],
        ["I speak at conferences.", "I write stories."],
        [[0.9, 0.2]],
        6,
        a_label="Ann",
        b_label="Bo",
    )
    middle = plan.sessions[1:-1]
    assert [(s.kind, s.covers[0].teacher, s.covers[0].learner, s.covers[0].topic) for s in middle] == [
        ("topics", "Bo", "Ann", "SQL"),
        ("topics", "Ann", "Bo", "public speaking"),
        ("topics", "Bo", "Ann", "dashboards"),
        ("apply", "Ann", "Bo", "public speaking"),
    ]
    assert texts(plan)[1] == "Session 2: Bo teaches Ann: SQL (Bo's words: “I teach SQL.”)"
    assert plan.sessions[0].goals == ("Ann: SQL", "Ann: dashboards", "Bo: public speaking")
    assert len(set(texts(plan))) == 6
    flash = two_way_plan(["SQL"], ["I teach SQL."], [[0.8]], ["speaking"], ["I speak."], [[0.9]], 1)
    assert [(c.learner, c.topic) for c in flash.sessions[0].covers] == [("A", "SQL"), ("B", "speaking")]


def test_the_plan_round_trips_as_plain_data_and_is_deterministic_on_ties():
    topics = ["a topic", "b topic"]
    sims = [[0.5, 0.5, 0.5], [0.5, 0.5, 0.5]]
    first = plan_sessions(topics, PASSAGES, sims, 5)
    assert first == plan_sessions(topics, PASSAGES, sims, 5)
    assert [c.sentence for s in first.sessions[1:3] for c in s.covers] == PASSAGES[:2]  # the bio's own order
    assert plan_from_data(session_data(first)) == first
