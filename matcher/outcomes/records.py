"""An outcome: what happened after a match (a mentee accepted or declined a mentor, the pairing fitted or not,
the relationship completed). Its schema, validation and identity.

Pure: pydantic and hashlib only. The need (the mentee's own words) is kept: it is the training signal of
`mentor-match learn` (SECURITY.md "Outcomes").
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from ..errors import FieldError, InvalidInput
from ..profiles import MatchStyle, ProfileId, field_errors

OUTCOMES: tuple[str, ...] = ("accepted", "declined", "good_fit", "not_a_fit", "completed")
# How much each outcome says a pairing was right, as a relevance grade for learning to rank.
# Declined and not-a-fit are 0: the candidate was shown and the pairing did not happen or did not work.
GRADES: dict[str, int] = {"accepted": 1, "good_fit": 2, "completed": 2, "declined": 0, "not_a_fit": 0}
POSITIVE: frozenset[str] = frozenset(o for o, g in GRADES.items() if g > 0)
SOURCES: tuple[str, ...] = ("import", "service")
MAX_NEED_CHARS = 2000
OUTCOME_FIELDS = ("need", "mentor_id", "outcome", "mentee_id", "style", "at")


class OutcomeRow(BaseModel):
    """One outcome as imported (`mentor-match outcomes import`): the columns of a row."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    need: Annotated[str, Field(min_length=1, max_length=MAX_NEED_CHARS)]
    mentor_id: ProfileId
    outcome: Literal["accepted", "declined", "good_fit", "not_a_fit", "completed"]
    # A stored profile, or any stable id of a past participant who is not in the store: rows with the same
    # id are one mentee. None: each distinct need is one mentee.
    mentee_id: ProfileId | None = None
    style: MatchStyle | None = None
    at: date | None = None  # a date-time is kept to its day

    @field_validator("need")
    @classmethod
    def _no_nul(cls, value: str) -> str:
        if "\x00" in value:
            raise ValueError("must not contain NUL characters (\\u0000)")
        return value

    @field_validator("at", mode="before")
    @classmethod
    def _day(cls, value: Any) -> Any:
        if isinstance(value, str) and value.strip():
            text = value.strip()
            try:
                return (
                    datetime.fromisoformat(text.replace("Z", "+00:00")).date()
                    if "T" in text
                    else date.fromisoformat(text)
                )
            except ValueError:
                raise ValueError(f"expected an ISO date such as 2025-03-31, got {text!r}") from None
        if value in ("", None):
            return None
        return value


@dataclass(frozen=True)
class Outcome:
    """An outcome as stored. `content_hash` identifies it: the same row imported twice is stored once."""

    need: str
    mentor_id: str
    outcome: str
    mentee_id: str | None = None
    style: str | None = None
    at: str | None = None  # ISO date
    source: str = "import"
    content_hash: str = ""
    id: int | None = None  # the store's row id, once stored
    recorded_at: float | None = None

    @property
    def grade(self) -> int:
        """The relevance grade of this outcome (GRADES)."""
        return GRADES[self.outcome]

    @property
    def mentee_key(self) -> str:
        """Who asked: the mentee id, else the need itself (a hash of it: one need, one mentee)."""
        if self.mentee_id:
            return "id:" + self.mentee_id
        return "need:" + hashlib.sha256(self.need.encode("utf-8")).hexdigest()[:16]

    def public(self) -> dict[str, Any]:
        """The outcome as a plain dict (for `outcomes list --json`)."""
        return {
            "id": self.id,
            "need": self.need,
            "mentor_id": self.mentor_id,
            "outcome": self.outcome,
            "mentee_id": self.mentee_id,
            "style": self.style,
            "at": self.at,
            "source": self.source,
        }


def outcome_hash(
    need: str, mentor_id: str, outcome: str, mentee_id: str | None, style: str | None, at: str | None
) -> str:
    """The identity of an outcome: a SHA-256 of its fields (so importing the same file twice adds nothing)."""
    canonical = json.dumps([need, mentor_id, outcome, mentee_id, style, at], ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def make_outcome(
    need: str,
    mentor_id: str,
    outcome: str,
    mentee_id: str | None = None,
    style: str | None = None,
    at: str | date | None = None,
    source: str = "import",
) -> Outcome:
    """A validated Outcome with its hash, from its fields (the service's own events call this: e.g. an
    introduction accepted becomes `make_outcome(need, mentor, "accepted", mentee, style, today,
    source="service")`, stored with `store.record_outcome`).

    Raises:
        InvalidInput: naming each bad field.
    """
    fields = {
        "need": need,
        "mentor_id": mentor_id,
        "outcome": outcome,
        "mentee_id": mentee_id,
        "style": style,
        "at": at.isoformat() if isinstance(at, date) else at,
    }
    row = parse_outcome({k: v for k, v in fields.items() if v is not None})
    if source not in SOURCES:
        raise InvalidInput([FieldError("source", f"expected one of {', '.join(SOURCES)}, got {source!r}")])
    return row if source == "import" else Outcome(**{**row.__dict__, "source": source})


def parse_outcome(data: Any) -> Outcome:
    """Validate one imported row (a dict) into an Outcome, or raise InvalidInput naming each bad field."""
    if not isinstance(data, dict):
        raise InvalidInput([FieldError("", f"an outcome must be a JSON object, got {type(data).__name__}")])
    try:
        row = OutcomeRow.model_validate(data)
    except ValidationError as exc:
        raise InvalidInput(field_errors(exc)) from None
    at = row.at.isoformat() if row.at else None
    return Outcome(
        row.need,
        row.mentor_id,
        row.outcome,
        row.mentee_id,
        row.style,
        at,
        content_hash=outcome_hash(row.need, row.mentor_id, row.outcome, row.mentee_id, row.style, at),
    )


def observed_outcome(
    need: str, mentor_id: str, outcome: str, mentee_id: str | None, style: str | None, when: float
) -> Outcome | None:
    """An outcome the service saw happen (an introduction answered, a fit answered, a relationship completed),
    dated the day it happened (UTC); None when its fields would not pass as an imported row (e.g. a programme
    member's need longer than an outcome's), so that recording it can never refuse the change it follows."""
    day = datetime.fromtimestamp(when, tz=UTC).date()
    try:
        return make_outcome(need, mentor_id, outcome, mentee_id, style, day, source="service")
    except InvalidInput:
        return None
