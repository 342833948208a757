"""Profile validation: every error names the field and the reason; protected attributes are refused."""

import pytest

from matcher.errors import InvalidInput
from matcher.profiles import content_hash, parse_profile, profile_passages, split_passages, text_hash
from tests.conftest import profile


def errors_of(data) -> dict[str, str]:
    with pytest.raises(InvalidInput) as info:
        parse_profile(data)
    return {e.field: e.reason for e in info.value.errors}


def test_valid_profile_gets_defaults():
    p = parse_profile({"id": "a-1", "name": "Ana", "seniority": 3})
    assert p.formats == ["in-person", "virtual"] and p.capacity == 1 and p.active and p.discoverable
    assert not p.is_mentor


@pytest.mark.parametrize(
    "field,value,fragment",
    [
        ("seniority", 11, "less than or equal to 10"),
        ("seniority", 0, "greater than or equal to 1"),
        ("seniority", "5", "valid integer"),
        ("id", "has space", "pattern"),
        ("id", "x" * 65, "at most 64"),
        ("styles", ["mentoring"], "reverse"),
        ("formats", ["phone"], "in-person"),
        ("timezone", "Mars/Olympus", "unknown IANA time zone"),
        ("capacity", -1, "greater than or equal to 0"),
        ("flash_hours_per_month", -2, "greater than or equal to 0"),
    ],
)
def test_bad_field_is_named_with_reason(field, value, fragment):
    data = profile("p1", 4, "I teach SQL.")
    data[field] = value
    errors = errors_of(data)
    key = next(k for k in errors if k == field or k.startswith(field + "."))
    assert fragment in errors[key]


def test_missing_required_fields_are_named():
    errors = errors_of({"bio": "x"})
    assert {"id", "name", "seniority"} <= set(errors)
    assert all("required" in errors[f].lower() for f in ("id", "name", "seniority"))


@pytest.mark.parametrize("attribute", ["age", "gender", "ethnicity", "religion", "Date_Of_Birth"])
def test_protected_attributes_are_refused(attribute):
    data = profile("p1", 4, "I teach SQL.", **{attribute: "x"})
    errors = errors_of(data)
    assert attribute in errors and "protected" in errors[attribute]


def test_unknown_field_is_refused():
    assert errors_of(profile("p1", 4, "I teach SQL.", shoe_size=42)) == {"shoe_size": "unknown field"}


def test_mentor_needs_a_bio():
    errors = errors_of({"id": "p", "name": "P", "seniority": 3, "styles": ["flash"]})
    assert "bio" in errors and "mentor" in errors["bio"]


def test_cannot_manage_yourself():
    errors = errors_of(profile("p1", 4, "I teach SQL.", manager_id="p1"))
    assert "manager_id" in errors


def test_public_view_hides_internal_fields():
    p = parse_profile(profile("p1", 4, "I teach SQL.", manager_id="boss", department="Data"))
    public = p.public()
    assert "manager_id" not in public and "capacity" not in public and "goals" not in public
    assert public["department"] == "Data"


def test_passages_are_bio_sentences():
    bio = "I film short videos for TikTok. I also run our Instagram account! Ask me about Reels? Sure."
    assert split_passages(bio) == [
        "I film short videos for TikTok.",
        "I also run our Instagram account!",
        "Ask me about Reels? Sure.",
    ]
    long = " ".join(f"word{i}" for i in range(100))
    assert all(len(p.split()) <= 52 for p in split_passages(long))
    p = parse_profile(profile("p1", 4, "I teach SQL window functions to analysts.", skills=["sql"]))
    assert profile_passages(p) == ["I teach SQL window functions to analysts."]


def test_hashes_tell_content_from_text_changes():
    a = parse_profile(profile("p1", 4, "I teach SQL."))
    b = parse_profile(profile("p1", 4, "I teach SQL.", capacity=5))
    c = parse_profile(profile("p1", 4, "I teach Python."))
    assert content_hash(a) != content_hash(b) and text_hash(a) == text_hash(b)
    assert text_hash(a) != text_hash(c)


@pytest.mark.parametrize("column", ["active", "discoverable"])
def test_a_blank_visibility_cell_in_a_csv_is_refused_never_read_as_true(column):
    from matcher.importing.readers import read_text

    text = (
        f"id,name,seniority,bio,styles,{column}\nc1,Cai,2,I teach Notion.,flash,\nc2,Cat,2,I teach Figma.,flash,false\n"
    )
    (line1, first), (line2, second) = list(read_text(text, "csv"))
    assert isinstance(first, InvalidInput) and first.errors[0].field == column
    assert "blank" in first.errors[0].reason and "true or false" in first.errors[0].reason
    assert second[column] is False


def test_sentences_are_not_cut_after_abbreviations_or_initials():
    bio = (
        "I coach analysts, e.g. on SQL and dbt every week. Dr. Ng taught me all of it. I lived in the U.S. "
        "for ten years. I know Excel, Word etc. Then I moved to Berlin for good. J. R. Smith hired me there."
    )
    assert split_passages(bio) == [
        "I coach analysts, e.g. on SQL and dbt every week.",
        "Dr. Ng taught me all of it.",
        "I lived in the U.S. for ten years.",
        "I know Excel, Word etc.",
        "Then I moved to Berlin for good.",
        "J. R. Smith hired me there.",
    ]


@pytest.mark.parametrize(
    "field, value", [("bio", "I teach SQL\x00."), ("name", "A\x00"), ("skills", ["SQL", "a\x00b"]), ("goals", "\x00")]
)
def test_a_nul_character_is_refused_naming_the_field(field, value):
    """PostgreSQL cannot store NUL in text: both stores refuse it alike, at validation."""
    data = {"id": "p1", "name": "Ana", "seniority": 3, "bio": "I teach SQL.", field: value}
    with pytest.raises(InvalidInput) as refused:
        parse_profile(data)
    assert [(e.field, e.reason) for e in refused.value.errors] == [(field, "must not contain NUL characters (\\u0000)")]
