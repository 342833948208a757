"""The bodies of the introduction and relationship routes, as validating pydantic models (the OpenAPI
document is generated from them). Pure: pydantic and the profile schema's field types only."""

from __future__ import annotations

from typing import Annotated, Any, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from ..errors import FieldError, InvalidInput
from ..profiles import ProfileId, Style, field_errors

MAX_NEED_CHARS = 2000


class NewRequest(BaseModel):
    """Body of POST /v1/requests: a mentee asks a mentor for an introduction, for a need, in a style."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    mentee_id: ProfileId = Field(description="The mentee's stored profile id.")
    mentor_id: ProfileId = Field(description="The mentor's stored profile id.")
    need: Annotated[
        str,
        Field(
            min_length=1,
            max_length=MAX_NEED_CHARS,
            description="What the mentee wants to learn, in their own words (the mentor reads "
            "it; the plan of sessions is made from it).",
        ),
    ]
    style: Style = Field(description="The mentoring style of the relationship asked for (not `any`).")


class Answer(BaseModel):
    """Body of POST /v1/requests/{request_id}/answer: the mentor accepts or declines."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    answer: Literal["accept", "decline"]
    reason: Literal["no_time", "not_my_topic", "other"] | None = Field(
        default=None, description="Why the mentor declines (decline only; optional)."
    )


class NewSession(BaseModel):
    """Body of POST /v1/relationships/{relationship_id}/sessions: a session held or missed."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    date: Annotated[
        str,
        Field(
            min_length=10,
            max_length=10,
            pattern=r"^\d{4}-\d{2}-\d{2}$",
            description="The day of the session, ISO 8601 (YYYY-MM-DD); not after tomorrow.",
        ),
    ]
    plan_item: Annotated[int, Field(ge=1, le=52, strict=True)] | None = Field(
        default=None, description="The plan's session number this session covered."
    )
    status: Literal["done", "missed"]


class FitAnswer(BaseModel):
    """Body of POST /v1/relationships/{relationship_id}/fit: one side's answer to "does this pairing fit?"."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    by: Literal["mentee", "mentor"]
    fit: Literal["good", "still_deciding", "not_a_fit"]


class EndRelationship(BaseModel):
    """Body of POST /v1/relationships/{relationship_id}/end: either side (or an admin) ends it."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    reason: Literal["goal_reached", "no_time", "other"]


M = TypeVar("M", bound=BaseModel)


def parse(model: type[M], data: Any) -> M:
    """Validate a body against `model`, or raise InvalidInput naming each bad field."""
    if not isinstance(data, dict):
        raise InvalidInput([FieldError("", f"the body must be a JSON object, got {type(data).__name__}")])
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise InvalidInput(field_errors(exc)) from None
