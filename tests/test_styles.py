"""Style rules as properties over random profiles: the hard rules can never be broken; each style owns its parts."""

import ast
from datetime import UTC
from pathlib import Path

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from matcher.profiles import parse_profile
from matcher.styles.catalog import Catalog
from matcher.styles.rules import (
    ANY,
    FORM_ORDER,
    MATCH_STYLES,
    OFFERED_STYLES,
    RULES,
    STYLES,
    Filters,
    Mentee,
    eligible,
    get_style,
    refusal,
)
from matcher.styles.timezones import overlap_hours, utc_offset_hours

TIMEZONES = ["Europe/Berlin", "America/New_York", "Asia/Tokyo", "Europe/London", None]

profile_strategy = st.fixed_dictionaries(
    {
        "seniority": st.integers(1, 10),
        "styles": st.lists(st.sampled_from(OFFERED_STYLES), unique=True, max_size=5),
        "formats": st.lists(st.sampled_from(["in-person", "virtual"]), unique=True, min_size=1, max_size=2),
        "capacity": st.integers(0, 3),
        "flash_hours_per_month": st.sampled_from([0, 0, 1.5, 6]),
        "active": st.booleans(),
        "discoverable": st.booleans(),
        "goals": st.sampled_from(["", "I want to learn TikTok."]),
        "timezone": st.sampled_from(TIMEZONES),
        "languages": st.sampled_from([["en"], ["en", "de"], ["ja"]]),
        "manager": st.integers(-1, 30),
    }
)


def build(people: list[dict]) -> tuple[Catalog, list]:
    cat = Catalog(capacity=4)
    profiles = []
    for i, spec in enumerate(people):
        data = {k: v for k, v in spec.items() if k not in ("manager", "timezone")}
        data.update(id=f"p{i}", name=f"P{i}", bio="" if i % 7 == 6 else "I can teach something useful.")
        if not data["bio"]:
            data["styles"] = []
        if spec["timezone"]:
            data["timezone"] = spec["timezone"]
        if 0 <= spec["manager"] < len(people) and spec["manager"] != i:
            data["manager_id"] = f"p{spec['manager']}"
        p = parse_profile(data)
        profiles.append(p)
        cat.upsert(i + 1, p, 1)  # row ids start at 1, like SQLite's
    return cat, profiles


@settings(max_examples=150, deadline=None)
@given(
    st.lists(profile_strategy, min_size=1, max_size=30),
    st.integers(1, 10),
    st.sampled_from(MATCH_STYLES),
    st.integers(-1, 29),
)
def test_hard_rules_hold_for_every_style(people, mentee_seniority, style, mentee_index):
    cat, profiles = build(people)
    mentee_row = mentee_index + 1 if 0 <= mentee_index < len(people) else -1
    chain = frozenset()
    if mentee_row > 0 and profiles[mentee_row - 1].manager_id:
        chain = frozenset({cat.row_of[profiles[mentee_row - 1].manager_id]})
    mentee = Mentee(
        seniority=mentee_seniority,
        bio="I know finance.",
        row_id=mentee_row,
        reporting_rows=chain,
        id=profiles[mentee_row - 1].id if mentee_row > 0 else None,
    )
    mask = eligible(style, cat, mentee)
    for row in np.flatnonzero(mask):
        m = profiles[row - 1]
        assert m.active and m.discoverable and m.bio and m.styles
        assert row != mentee_row and row not in chain
        assert m.manager_id is None or m.manager_id != mentee.id
        if style == "reverse":
            assert m.seniority < mentee_seniority and "reverse" in m.styles and m.capacity > 0
        if style == "traditional":
            assert m.seniority > mentee_seniority and "traditional" in m.styles and m.capacity > 0
        if style == "flash":
            assert "flash" in m.styles and m.flash_hours_per_month > 0
        if style == "e-mentoring":
            assert "virtual" in m.formats and "e-mentoring" in m.styles and m.capacity > 0
        if style == "two-way":
            assert m.goals and "two-way" in m.styles and m.capacity > 0
    # And nobody who passes every rule is left out.
    for i, m in enumerate(profiles, start=1):
        if mask[i] or i == mentee_row or i in chain or (mentee.id and m.manager_id == mentee.id):
            continue
        ok = m.active and m.discoverable and bool(m.styles) and bool(m.bio)
        if style == "reverse":
            ok = ok and "reverse" in m.styles and m.seniority < mentee_seniority and m.capacity > 0
        elif style == "traditional":
            ok = ok and "traditional" in m.styles and m.seniority > mentee_seniority and m.capacity > 0
        elif style == "flash":
            ok = ok and "flash" in m.styles and m.flash_hours_per_month > 0
        elif style == "e-mentoring":
            ok = ok and "e-mentoring" in m.styles and "virtual" in m.formats and m.capacity > 0
        elif style == "two-way":
            ok = ok and "two-way" in m.styles and bool(m.goals) and m.capacity > 0
        else:
            ok = ok and (m.capacity > 0 or m.flash_hours_per_month > 0)
        assert not ok, f"{m.id} passes every {style} rule but was filtered out"


@settings(max_examples=60, deadline=None)
@given(st.lists(profile_strategy, min_size=1, max_size=20), st.integers(1, 10))
def test_fit_is_bounded_and_reverse_prefers_bigger_gaps(people, mentee_seniority):
    cat, _ = build(people)
    mentee = Mentee(seniority=mentee_seniority, timezone="Europe/Berlin", languages=("de",), bio="x")
    rows = np.arange(1, len(people) + 1)
    for style in MATCH_STYLES:
        fit = get_style(style).fit(cat, rows, mentee, np.full(len(rows), 0.5, np.float32))
        assert fit.shape == (len(rows),) and np.all((fit >= 0) & (fit <= 1))
    fit = get_style("reverse").fit(cat, rows, mentee, None)
    for a in rows:
        for b in rows:
            gap_a, gap_b = mentee_seniority - cat.seniority[a], mentee_seniority - cat.seniority[b]
            if cat.capacity[a] == cat.capacity[b] and gap_a > gap_b >= 0:
                assert fit[a - 1] >= fit[b - 1]


def test_filters_narrow_by_language_department_and_virtual():
    people = [
        dict(
            seniority=3,
            styles=["flash"],
            formats=["virtual"],
            capacity=1,
            flash_hours_per_month=2,
            active=True,
            discoverable=True,
            goals="",
            timezone=None,
            languages=["de"],
            manager=-1,
        ),
        dict(
            seniority=3,
            styles=["flash"],
            formats=["in-person"],
            capacity=1,
            flash_hours_per_month=2,
            active=True,
            discoverable=True,
            goals="",
            timezone=None,
            languages=["en"],
            manager=-1,
        ),
    ]
    cat, _ = build(people)
    mentee = Mentee()
    assert list(np.flatnonzero(eligible("flash", cat, mentee))) == [1, 2]
    assert list(np.flatnonzero(eligible("flash", cat, mentee, Filters(languages=("DE",))))) == [1]
    assert list(np.flatnonzero(eligible("flash", cat, mentee, Filters(virtual_only=True)))) == [1]
    assert list(np.flatnonzero(eligible("flash", cat, mentee, Filters(exclude_rows=frozenset({1}))))) == [2]


def test_time_zone_overlap_and_notes():
    assert float(overlap_hours(1.0, 1.0)) == 8.0
    assert float(overlap_hours(-5.0, 1.0)) == 2.0
    assert float(overlap_hours(9.0, -5.0)) == 0.0
    assert float(overlap_hours(11.0, -12.0)) == 7.0  # across the date line: 1 h apart
    mentor = parse_profile(
        {
            "id": "m",
            "name": "M",
            "seniority": 2,
            "bio": "I post on TikTok daily.",
            "styles": ["reverse", "flash", "e-mentoring"],
            "flash_hours_per_month": 6,
            "capacity": 2,
            "timezone": "Europe/Berlin",
            "languages": ["en", "de"],
        }
    )
    mentee = Mentee(seniority=5, timezone="Europe/Berlin", languages=("de",))
    # Notes come from public fields only: never capacity, flash hours or goals (SECURITY.md).
    assert get_style("reverse").notes(mentor, mentee, None) == ["3 levels junior to you: fits reverse mentoring"]
    assert get_style("flash").notes(mentor, mentee, None) == ["offers one-off flash sessions"]
    assert "same time zone" in get_style("e-mentoring").notes(mentor, mentee, None)
    assert "speaks de like you" in get_style("e-mentoring").notes(mentor, mentee, None)


def test_styles_that_need_seniority_or_offers_say_so():
    assert [e.field for e in get_style("reverse").requirements(Mentee())] == ["mentee.seniority"]
    assert [e.field for e in get_style("traditional").requirements(Mentee())] == ["mentee.seniority"]
    assert [e.field for e in get_style("two-way").requirements(Mentee(seniority=3))] == ["mentee.bio"]
    assert get_style("flash").requirements(Mentee()) == []


def test_time_zone_offsets_follow_daylight_saving_and_are_never_frozen_at_upsert():
    from datetime import datetime

    cat = Catalog()
    cat.upsert(
        1,
        parse_profile(
            {
                "id": "b",
                "name": "B",
                "seniority": 3,
                "bio": "I teach Excel.",
                "styles": ["e-mentoring"],
                "timezone": "Europe/Berlin",
            }
        ),
        1,
    )
    cat.upsert(
        2, parse_profile({"id": "n", "name": "N", "seniority": 3, "bio": "I teach SQL.", "styles": ["e-mentoring"]}), 1
    )
    rows = np.array([1, 2])
    # Europe/Berlin moves from UTC+1 to UTC+2 at 01:00 UTC on 29 March 2026.
    before = cat.utc_offsets(rows, datetime(2026, 3, 29, 0, 30, tzinfo=UTC))
    after = cat.utc_offsets(rows, datetime(2026, 3, 29, 1, 30, tzinfo=UTC))
    assert before[0] == 1.0 and after[0] == 2.0
    assert np.isnan(before[1]) and np.isnan(after[1])  # no time zone: unknown, never zero
    london = datetime(2026, 3, 29, 1, 30, tzinfo=UTC)
    assert float(overlap_hours(after[0], utc_offset_hours("Europe/London", london))) == 7.0  # 1 h apart now


def test_every_registered_style_owns_its_words_its_rules_and_its_place_in_the_schemas():
    """A new style is one class in styles/rules.py: this test holds it to everything a style must say."""
    people = [
        dict(
            seniority=s,
            styles=list(OFFERED_STYLES),
            formats=["virtual"],
            capacity=c,
            flash_hours_per_month=f,
            active=True,
            discoverable=True,
            goals="I want to learn SQL.",
            timezone="Europe/Berlin",
            languages=["en"],
            manager=-1,
        )
        for s, c, f in ((2, 0, 0), (5, 1, 2), (8, 2, 6))
    ]
    cat, _ = build(people)
    mentee = Mentee(seniority=5, timezone="Europe/Berlin", languages=("en",), bio="I know finance.")
    assert [s.name for s in STYLES] == list(MATCH_STYLES) and ANY in MATCH_STYLES and ANY not in OFFERED_STYLES
    assert len({s.form_position for s in STYLES}) == len(STYLES) and FORM_ORDER[0].name == ANY
    for style in STYLES:
        assert get_style(style.name) is style
        assert style.label and style.summary and style.nobody_fits(None) and style.nobody_fits(5)
        assert style.long_term in (True, False) and style.takes_capacity in (True, False)
        for column in (style.rule(cat, mentee), style.has_room(cat), eligible(style.name, cat, mentee)):
            assert column.dtype == bool and column.shape == cat.capacity.shape
        # The schemas take the names from the registry: a profile may offer it, a request may ask for it.
        if style.offered:
            parse_profile({"id": "x", "name": "X", "seniority": 3, "bio": "I teach.", "styles": [style.name]})
    assert get_style("flash").takes_capacity is False and get_style(ANY).takes_capacity is True
    assert [s.name for s in STYLES if s.mutual] == ["two-way"]
    assert [s.name for s in STYLES if s.long_term] == ["reverse", "e-mentoring", "traditional", "two-way"]
    # Who has time: a free place for a long-term style, flash hours for flash, either for "any".
    assert list(np.flatnonzero(get_style("traditional").has_room(cat))) == [2, 3]
    assert list(np.flatnonzero(get_style(ANY).has_room(cat))) == [2, 3]
    assert get_style("reverse").nobody_fits(1).startswith("nobody is junior to you at seniority 1")
    assert get_style("traditional").nobody_fits(10).startswith("nobody is senior to you at seniority 10")


def test_style_names_are_spelled_only_by_the_styles():
    """Outside matcher/styles/ code asks the style object (get_style(name).mutual, .takes_capacity, ...),
    never compares or lists style names, so that adding a style touches no other module."""
    root = Path(__file__).resolve().parent.parent / "matcher"
    found = []
    for path in sorted(root.rglob("*.py")):
        folder = path.relative_to(root).parts[0]
        if folder in ("styles", "programmes"):
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and node.value in MATCH_STYLES:
                found.append(f"{path.relative_to(root.parent)}:{node.lineno}: {node.value!r}")
    assert found == []


@settings(max_examples=100, deadline=None)
@given(
    st.lists(profile_strategy, min_size=1, max_size=30),
    st.integers(1, 10),
    st.sampled_from(MATCH_STYLES),
    st.integers(-1, 29),
)
def test_refusal_names_a_rule_exactly_where_eligible_says_no(people, mentee_seniority, style, mentee_index):
    """An introduction is asked under the match's own rules: `refusal` is None on exactly the rows `eligible`
    allows, and names one of RULES on every other row (also rows past the catalog's end)."""
    cat, profiles = build(people)
    mentee_row = mentee_index + 1 if 0 <= mentee_index < len(people) else -1
    chain = frozenset()
    if mentee_row > 0 and profiles[mentee_row - 1].manager_id:
        chain = frozenset({cat.row_of[profiles[mentee_row - 1].manager_id]})
    mentee = Mentee(
        seniority=mentee_seniority,
        bio="I know finance.",
        row_id=mentee_row,
        reporting_rows=chain,
        id=profiles[mentee_row - 1].id if mentee_row > 0 else None,
    )
    mask = eligible(style, cat, mentee)
    for row in range(cat.size + 2):
        rule = refusal(style, cat, mentee, row)
        allowed = row < cat.size and bool(mask[row])
        assert (rule is None) == allowed, (row, rule)
        assert rule is None or rule in RULES
        if row == mentee_row:
            assert rule == "oneself"
        elif row in chain and cat.mentor[row] and get_style(style).rule(cat, mentee)[row]:
            assert rule == "reporting_line"
