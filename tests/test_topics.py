"""The topics of a need, for plans: noun phrases and skills the person named, never the frame, a filler or a
verb fragment. Checked on the issue's needs, a lists request, and every goal of the packaged demo people."""

from __future__ import annotations

import json
import re

import pytest

from matcher.cli import demo_profiles_path
from matcher.programmes.topics import FILLER, FUNCTION_WORDS, names_something, need_topics


@pytest.mark.parametrize(
    "need,topics",
    [
        ("Next, I want to run effective planning meetings.", ["running effective planning meetings"]),
        ("I want to brief designers and agencies well.", ["briefing designers and agencies"]),
        ("I would love to post on Instagram with confidence.", ["posting on Instagram"]),
        (
            "I'd like to understand product management and discovery and also write a business case that finance will "
            "approve.",
            ["product management and discovery", "writing a business case that finance will approve"],
        ),
        ("This year my goal is to get better at Excel.", ["Excel"]),
        (
            "I'm hoping to build Excel pivot tables with help from someone who does it every day.",
            ["building Excel pivot tables"],
        ),
        (
            "I'd like to read a P&L and build a team budget and also film and edit short videos for TikTok.",
            ["reading a P&L", "building a team budget", "filming and editing short videos for TikTok"],
        ),
        (
            "I want to learn SQL window functions and some cloud architecture; also public speaking for leaders.",
            ["SQL window functions", "cloud architecture", "public speaking for leaders"],
        ),
        ("TikTok and Instagram Reels for a senior leader", ["TikTok and Instagram Reels for a senior leader"]),
        ("I want ant colony optimisation", ["ant colony optimisation"]),  # "ant" inside "want" is not the word
    ],
)
def test_the_topics_of_a_need_are_what_the_person_named(need, topics):
    assert need_topics(need) == topics


def test_a_lists_request_gives_back_its_items_and_the_background_only_without_them():
    need = (
        "I study Business Administration. I'd like help with Resume / CV Review, Career Planning, Parenting vs. "
        "Career, How to use CareerQuest and more. I want to build expertise in Business Services."
    )
    assert need_topics(need) == [
        "Resume / CV Review",
        "Career Planning",
        "Parenting vs. Career",
        "How to use CareerQuest",
        "Business Services",
    ]
    assert need_topics("I study Psychology.") == ["Psychology"]  # nothing else to go on


def test_fillers_frames_and_placeholders_are_never_topics():
    for need in ("I want to learn", "Next, I want to.", "Thanks!", "", "<ORGANIZATION>", "I'd like help with more"):
        assert need_topics(need) == [], need
    assert need_topics("Help with C++ templates, C# <ORGANIZATION>, and c++ templates") == ["C++ templates", "C#"]
    assert need_topics("Kotlin, Swift, Rust, Go", most=2) == ["Kotlin", "Swift"]
    assert not names_something("Next") and not names_something("well") and names_something("dbt")


def fragment(topic: str, need: str) -> bool:
    """The need's own infinitive verb, as written, at the start of a topic ("run ...", "brief designers")."""
    first = topic.split()[0].lower()
    return first in {v.lower() for v in re.findall(r"\bto\s+([A-Za-z]+)", need)} and not first.endswith("ing")


def test_every_demo_goal_gives_topics_that_name_something_without_fillers_or_fragments():
    people = [json.loads(line) for line in demo_profiles_path().read_text(encoding="utf-8").splitlines() if line]
    goals = [p["goals"] for p in people if p.get("goals")]
    assert len(goals) > 300
    for need in goals:
        topics = need_topics(need)
        assert topics, need
        for topic in topics:
            first, last = topic.split()[0].lower(), topic.split()[-1].lower()
            assert first not in FILLER | FUNCTION_WORDS - {"how", "what", "where"}, (need, topic)
            if first not in ("how", "what", "where"):  # a question may end in a verb: "what AI can do"
                assert last not in FILLER | FUNCTION_WORDS, (need, topic)  # "agencies well", "with confidence"
            assert names_something(topic) and not fragment(topic, need), (need, topic)
