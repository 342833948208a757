"""The plans of real drafts, on the packaged demo people, for a cohort of every style (issue 23's check).

Every pair's plan: as many entries as the programme has sessions; the first starts and the last reviews
(three sessions or more); no two sessions read the same; every topic names something, and none is a filler
or the need's own verb as written; two-way plans take turns teaching. Runs on the real model, SQLite and
FAISS, over the first demo people (the whole demo takes most of a minute to embed).
"""

from __future__ import annotations

import json
import re

import pytest

from matcher.cli import demo_profiles_path
from matcher.programmes.service import plan_text
from matcher.programmes.topics import FILLER, FUNCTION_WORDS, names_something

pytestmark = pytest.mark.slow

PEOPLE = 140
COHORTS = {  # style: who is in its cohort (their goals are their needs), and the sessions
    "reverse": (lambda p: p["seniority"] >= 7, 6),
    "traditional": (lambda p: p["seniority"] <= 3, 6),
    "e-mentoring": (lambda p: 4 <= p["seniority"] <= 6, 4),
    "flash": (lambda p: p["seniority"] >= 5, 1),
    "any": (lambda p: p["seniority"] in (4, 8), 3),
    "two-way": (lambda p: "two-way" in p.get("styles", []), 6),
}


@pytest.fixture(scope="module")
def drafts(tmp_path_factory, embedder):
    from matcher.config import Settings
    from matcher.service import MatchService

    people = [json.loads(line) for line in demo_profiles_path().read_text(encoding="utf-8").splitlines() if line]
    people = people[:PEOPLE]
    service = MatchService(Settings(data_dir=tmp_path_factory.mktemp("plans") / "data"), embedder=embedder).open()
    assert not service.import_items(list(enumerate(people, start=1))).rejected
    found = {}
    for style, (wanted, sessions) in COHORTS.items():
        cohort = [{"id": p["id"]} for p in people if p.get("goals") and wanted(p)][:25]
        pid = service.programmes.create(
            {"name": style, "style": style, "cohort": cohort, "sessions": sessions, "start_date": "2027-03-01"}
        ).record.id
        found[style] = (service.programmes.run(pid).as_dict(), sessions, {p["id"]: p.get("goals", "") for p in people})
    yield found
    service.close()


@pytest.mark.parametrize("style", list(COHORTS))
def test_every_plan_of_a_demo_draft_is_one_a_pair_would_follow(drafts, style):
    programme, sessions, goals = drafts[style]
    paired = [line for line in programme["pairs"] if line["mentor"]]
    assert len(paired) >= 4, programme["summary"]
    for line in paired:
        plan = line["plan"]
        assert [s["number"] for s in plan] == list(range(1, sessions + 1))
        kinds = [s["kind"] for s in plan]
        if sessions >= 3:
            assert kinds[0] == "start" and kinds[-1] == "review" and "start" not in kinds[1:-1]
            assert plan[0]["goals"] and plan[0]["goals"] == plan[-1]["goals"]
        elif sessions == 1:
            assert kinds == ["single"]
        lines = [re.sub(r"^Session \d+: ", "", text) for text in plan_text(plan).split("\n")]
        assert len(set(lines)) == len(lines), lines  # no two sessions read the same
        assert all(s["date"] for s in plan) and plan[0]["date"] == "2027-03-01"
        for cover in (c for s in plan for c in s["covers"]):
            need = goals[
                line["mentee"] if not cover["learner"] or cover["learner"] == line["mentee_name"] else line["mentor"]
            ]
            check_topic(cover["topic"], need)
        if style == "two-way":
            check_turns(plan)


def check_topic(topic: str, need: str) -> None:
    words = topic.split()
    assert names_something(topic), (topic, need)
    assert words[0].lower() not in FILLER | FUNCTION_WORDS - {"how", "what", "where"}, (topic, need)
    infinitives = {v.lower() for v in re.findall(r"\bto\s+([A-Za-z]+)", need)}
    assert words[0].lower() not in infinitives or words[0].lower().endswith("ing"), (topic, need)  # "run ..."


def check_turns(plan: list[dict]) -> None:
    """Between the start and the review, the two take turns teaching while both have sessions left."""
    teachers = [s["covers"][0]["teacher"] for s in plan[1:-1] if s["covers"]]
    counts = sorted(teachers.count(t) for t in set(teachers))
    turns = 2 * counts[0] if len(counts) == 2 else 0
    assert all(teachers[i] != teachers[i + 1] for i in range(turns - 1)), teachers
