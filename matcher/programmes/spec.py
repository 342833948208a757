"""What a programme is: its name, style, cohort, mentor pool, sessions and pairing rules, validated.

Pure: pydantic only (the same models validate HTTP bodies and the CLI's options, and describe the
programme endpoints in the OpenAPI document). Every error names the field and the reason.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from ..errors import FieldError, InvalidInput
from ..profiles import MatchStyle, ProfileId, field_errors, nul_paths
from ..search.request import MAX_NEED_CHARS, MenteeSpec
from ..styles.rules import ANY, get_style

Objective = Literal["score", "participation"]
Cadence = Literal["weekly", "every two weeks", "monthly"]
MAX_COHORT = 50_000
MAX_CANDIDATES = 50  # the match pipeline's largest answer: each mentee's top K


class CohortMember(BaseModel):
    """One mentee of the cohort: a stored profile (`id`), or described inline (`mentee`, with a `ref` to name
    them in the draft), with the need in their own words (default: a stored profile's goals)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    id: ProfileId | None = None
    ref: Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9._-]+$")] | None = None
    mentee: MenteeSpec | None = None
    need: Annotated[str, Field(max_length=MAX_NEED_CHARS)] = ""

    @model_validator(mode="after")
    def _one_person(self) -> CohortMember:
        if (self.id is None) == (self.ref is None):
            raise ValueError("id: give a stored profile's id, or a ref with an inline mentee (one of the two)")
        if self.ref is not None and self.mentee is None:
            raise ValueError("mentee: an inline cohort member (ref) needs the mentee's description")
        if self.ref is not None and not self.need:
            raise ValueError("need: an inline cohort member needs the need in their own words")
        if self.mentee is not None and self.mentee.id is not None:
            raise ValueError("mentee.id: name a stored profile with the member's id, not inside mentee")
        return self

    @property
    def key(self) -> str:
        """How the programme names this member: their profile id, or their ref."""
        return self.id or self.ref  # type: ignore[return-value]


class MentorPool(BaseModel):
    """Who may mentor in this programme: everyone eligible (empty), these profiles, or these departments."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    ids: Annotated[list[ProfileId], Field(max_length=100_000)] = []
    departments: Annotated[list[Annotated[str, Field(min_length=1, max_length=200)]], Field(max_length=50)] = []
    # Set by erasure, not by callers: how many named mentors were erased since. A list that erasure
    # emptied still names nobody else (an empty list with nothing erased means everyone eligible).
    erased: Annotated[int, Field(ge=0, strict=True)] = 0


class ProgrammeRules(BaseModel):
    """Everything that defines a programme but its cohort: how it pairs, and its sessions."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    name: Annotated[str, Field(min_length=1, max_length=200)]
    style: MatchStyle = ANY
    mentors: MentorPool = MentorPool()
    sessions: Annotated[int, Field(ge=1, le=52, strict=True)] = 6
    cadence: Cadence = "every two weeks"
    start_date: date | None = Field(
        default=None,
        description="The day of the first session (YYYY-MM-DD): each session then has a date, one "
        "cadence step after the one before, and the programme a calendar of them.",
    )
    objective: Objective = "participation"
    max_per_mentor: Annotated[int, Field(ge=1, le=100, strict=True)] | None = Field(
        default=None,
        description="The most mentees one mentor takes in this programme (default: their free "
        "capacity; flash rounds: one session per flash hour a month).",
    )
    min_score: Annotated[float, Field(ge=0.0, le=1.0, strict=True)] | None = None  # strict: false is no score
    candidates: Annotated[int, Field(ge=1, le=MAX_CANDIDATES, strict=True)] = 20

    @property
    def mutual(self) -> bool:
        """The style pairs members with each other, each teaching the other (two-way): its own rules apply."""
        return get_style(self.style).mutual


class ProgrammeSpec(ProgrammeRules):
    """A programme as HR defines it (POST /v1/programmes, `mentor-match pair`): its rules and its cohort."""

    cohort: Annotated[list[CohortMember], Field(min_length=1, max_length=MAX_COHORT)]

    @model_validator(mode="after")
    def _distinct_members(self) -> ProgrammeSpec:
        seen: set[str] = set()
        for position, member in enumerate(self.cohort):
            if member.key in seen:
                raise ValueError(f"cohort.{position}: {member.key!r} is in the cohort twice")
            seen.add(member.key)
        if self.mutual and any(member.ref is not None for member in self.cohort):
            raise ValueError("cohort: a two-way programme pairs stored profiles with each other: give ids, not refs")
        return self


def parse_programme(data: Any) -> ProgrammeSpec:
    """Validate a programme definition, or raise InvalidInput naming each bad field."""
    if not isinstance(data, dict):
        raise InvalidInput([FieldError("", f"a programme must be a JSON object, got {type(data).__name__}")])
    if found := nul_paths(data):
        raise InvalidInput([FieldError(path, "must not contain NUL characters (\\u0000)") for path in found[:20]])
    try:
        return ProgrammeSpec.model_validate(data)
    except ValidationError as exc:
        raise InvalidInput(field_errors(exc)) from None
