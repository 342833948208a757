"""Response shapes of the introduction and relationship routes, for the OpenAPI document (the request
shapes are the validating models of matcher/relationships/inputs.py). The views build plain dicts
(relationships/access.py); tests check them against these models."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from ..profiles import Style
from .schemas import PlanSession

Timestamp = str  # RFC 3339, UTC, e.g. 2027-03-01T09:30:00Z


class IntroductionRequest(BaseModel):
    """A request for an introduction, in its state now (a pending request past `expires_at` is `expired`)."""

    model_config = ConfigDict(extra="forbid")

    id: str
    state: Literal["pending", "accepted", "declined", "expired", "withdrawn"]
    mentee_id: str
    mentor_id: str
    style: Style
    need: str = Field(description="The mentee's need, as they wrote it.")
    reason: Literal["no_time", "not_my_topic", "other"] | None = Field(description="Why it was declined.")
    created_at: Timestamp
    expires_at: Timestamp
    answered_at: Timestamp | None = Field(description="When it left `pending`.")
    relationship_id: str | None = Field(description="The relationship an accepted request started.")


class PersonRequests(BaseModel):
    """A person's requests, newest first: made (as mentee) and received (as mentor)."""

    model_config = ConfigDict(extra="forbid")

    person_id: str
    outgoing: list[IntroductionRequest]
    incoming: list[IntroductionRequest]


class Progress(BaseModel):
    """How far a relationship has come."""

    model_config = ConfigDict(extra="forbid")

    sessions_done: int
    sessions_missed: int
    sessions_planned: int
    items_covered: list[int] = Field(description="The plan's session numbers covered by sessions held.")
    topics_covered: list[str] = Field(description="Their topics, in the mentee's words.")


class LoggedSession(BaseModel):
    """A session logged: structured values only (nothing said in it is kept)."""

    model_config = ConfigDict(extra="forbid")

    id: int
    date: str
    plan_item: int | None
    status: Literal["done", "missed"]
    logged_by: Literal["mentee", "mentor", "admin"]


class Fit(BaseModel):
    """Pairing-fit answers the reader may see: an admin both, a person their own only."""

    model_config = ConfigDict(extra="forbid")

    mentee: Literal["good", "still_deciding", "not_a_fit"] | None = None
    mentor: Literal["good", "still_deciding", "not_a_fit"] | None = None


class Relationship(BaseModel):
    """A relationship, as its reader may see it (a mentor never sees the mentee's fit answer)."""

    model_config = ConfigDict(extra="forbid")

    id: str
    state: Literal["active", "completed", "ended"]
    origin: Literal["request", "programme"]
    request_id: str | None
    programme_id: str | None
    mentee_id: str | None = Field(description="None for an inline programme member.")
    mentor_id: str
    style: str
    need: str
    started_at: Timestamp
    ended_at: Timestamp | None
    end_reason: Literal["goal_reached", "no_time", "not_a_fit", "programme_deleted", "other"] | None
    ended_by: Literal["mentee", "mentor", "admin", "system"] | None
    progress: Progress
    sessions: list[LoggedSession]
    fit: Fit
    plan: list[PlanSession]


class PersonRelationships(BaseModel):
    """A person's relationships on both sides, newest first."""

    model_config = ConfigDict(extra="forbid")

    person_id: str
    relationships: list[Relationship]


RESPONSE_MODELS = (IntroductionRequest, PersonRequests, Relationship, PersonRelationships)
