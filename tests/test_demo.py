"""The packaged demo profiles: exactly what scripts/generate_demo.py writes, every bio in its own words,
and the shape the demo promises (every style, plausible seniority, reporting lines, nothing personal)."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from matcher.cli import demo_profiles_path
from matcher.profiles import split_passages

ROOT = Path(__file__).resolve().parent.parent
GENERATOR = ROOT / "scripts" / "generate_demo.py"
# Words that would say or hint at a person's gender, age, religion, ethnicity or health. ("health"
# itself is left out: a customer health score is not a person's health.)
PERSONAL = re.compile(
    r"\b(he|she|his|hers?|him|mr|mrs|ms|gender|pronouns?|age|aged|years old|religio\w*|"
    r"ethnic\w*|pregnan\w*|disab\w*|illness)\b",
    re.IGNORECASE,
)


@pytest.fixture(scope="module")
def people() -> list[dict]:
    return [json.loads(line) for line in demo_profiles_path().read_text(encoding="utf-8").splitlines() if line]


def test_regenerating_reproduces_the_packaged_file(tmp_path):
    out = tmp_path / "profiles.jsonl"
    proc = subprocess.run(
        [sys.executable, str(GENERATOR), "--out", str(out)], capture_output=True, text=True, timeout=120, check=False
    )
    assert proc.returncode == 0, proc.stderr
    assert out.read_bytes() == demo_profiles_path().read_bytes(), (
        "matcher/demo/profiles.jsonl is not what scripts/generate_demo.py writes: run it and commit the result"
    )


def test_no_sentence_is_in_two_bios(people):
    owner: dict[str, str] = {}
    for person in people:
        for passage in split_passages(person.get("bio", "")):
            assert owner.setdefault(passage, person["id"]) == person["id"], (
                f"{owner[passage]} and {person['id']} both say {passage!r}"
            )


def test_no_sentence_repeats_another_bio_behind_a_lead_in(people):
    # "For our EMEA business, I run X." is a copy of another bio's "I run X.".
    owner = {passage: person["id"] for person in people for passage in split_passages(person.get("bio", ""))}
    for passage, person_id in owner.items():
        for comma in re.finditer(r", ", passage):
            other = owner.get(passage[comma.end() :])
            assert other in (None, person_id), f"{person_id} repeats {other}'s {passage[comma.end() :]!r}"


def test_the_demo_keeps_its_shape(people):
    by_id = {p["id"]: p for p in people}
    assert 350 <= len(people) <= 420
    styles = Counter(style for p in people for style in p["styles"])
    assert all(styles[style] >= 30 for style in ("reverse", "flash", "e-mentoring", "traditional", "two-way")), styles
    assert all(p["seniority"] <= 4 for p in people if "reverse" in p["styles"])
    assert sum(1 for p in people if p["seniority"] >= 8 and "traditional" in p["styles"]) >= 30
    assert sum(1 for p in people if p["styles"] == ["flash"] and p["capacity"] == 0) >= 10
    assert len({p["timezone"] for p in people}) >= 40 and len({p["department"] for p in people}) >= 15
    managed = [p for p in people if "manager_id" in p]
    assert len(managed) >= 60
    for p in managed:
        manager = by_id[p["manager_id"]]
        assert manager["department"] == p["department"] and manager["seniority"] > p["seniority"]


def test_profiles_say_nothing_personal(people):
    forbidden_keys = {"age", "gender", "pronouns", "ethnicity", "religion", "health", "birth_year", "sex", "race"}
    for person in people:
        assert not forbidden_keys & set(person), person["id"]
        for field in ("title", "bio", "goals"):
            match = PERSONAL.search(person.get(field, ""))
            assert match is None, f"{person['id']} {field}: {match and match.group(0)!r}"
