"""The match request: its schema and validation (the same models generate the OpenAPI document).

Pure: pydantic only.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from ..errors import FieldError, InvalidInput
from ..profiles import (
    PROTECTED_ATTRIBUTES,
    Language,
    MatchStyle,
    ProfileId,
    ProtectedAttributeError,
    Seniority,
    _check_timezone,
    _normalise_languages,
    field_errors,
)
from ..styles.rules import ANY

# What a `mentee.id` may bring into a match. "full": the stored bio, goals and reporting line of any
# stored person (operators: the CLI, admin keys, programmes). "limited": only an active, discoverable
# person's public fields and the rules that protect them (`match` keys, the web form). SECURITY.md.
Trust = Literal["full", "limited"]

DEFAULT_LIMIT = 5
MAX_LIMIT = 50
MAX_NEED_CHARS = 2000


class MenteeSpec(BaseModel):
    """Who is asking: a stored profile (`id`) or an inline description. Inline fields override stored ones."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    id: ProfileId | None = None
    seniority: Seniority | None = None
    timezone: Annotated[str, Field(max_length=64)] | None = None
    languages: Annotated[list[Language], Field(max_length=20)] = []
    goals: Annotated[str, Field(max_length=2000)] = ""
    bio: Annotated[str, Field(max_length=5000)] = ""

    @model_validator(mode="before")
    @classmethod
    def _refuse_protected(cls, data: Any) -> Any:
        if isinstance(data, dict):
            for key in data:
                if isinstance(key, str) and key.strip().lower() in PROTECTED_ATTRIBUTES:
                    raise ProtectedAttributeError(key)
        return data

    @field_validator("timezone")
    @classmethod
    def _tz(cls, value):
        return _check_timezone(value)

    @field_validator("languages")
    @classmethod
    def _langs(cls, value):
        return _normalise_languages(value)


class MatchFilters(BaseModel):
    """Optional narrowing of the mentors considered."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    languages: Annotated[list[Language], Field(max_length=20)] = []
    virtual_only: bool = False
    departments: Annotated[list[Annotated[str, Field(min_length=1, max_length=200)]], Field(max_length=50)] = []
    exclude_ids: Annotated[list[ProfileId], Field(max_length=1000)] = []

    @field_validator("languages")
    @classmethod
    def _langs(cls, value):
        return _normalise_languages(value)


class MatchRequest(BaseModel):
    """Body of POST /v1/match. Only `need` is required."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    need: Annotated[
        str,
        Field(
            min_length=1, max_length=MAX_NEED_CHARS, description="What the person wants to learn, in their own words."
        ),
    ]
    style: MatchStyle = ANY
    mentee: MenteeSpec = MenteeSpec()
    limit: Annotated[int, Field(ge=1, le=MAX_LIMIT, strict=True)] = DEFAULT_LIMIT
    filters: MatchFilters = MatchFilters()


def parse_match_request(data: Any, max_need_chars: int = MAX_NEED_CHARS, max_limit: int = MAX_LIMIT) -> MatchRequest:
    """Validate a match request body, or raise InvalidInput naming each bad field."""
    if not isinstance(data, dict):
        raise InvalidInput([FieldError("", f"the request body must be a JSON object, got {type(data).__name__}")])
    try:
        request = MatchRequest.model_validate(data)
    except ValidationError as exc:
        raise InvalidInput(field_errors(exc)) from None
    errors = []
    if len(request.need) > max_need_chars:
        errors.append(FieldError("need", f"at most {max_need_chars} characters"))
    if request.limit > max_limit:
        errors.append(FieldError("limit", f"at most {max_limit}"))
    if errors:
        raise InvalidInput(errors)
    return request
