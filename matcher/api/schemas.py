"""Response shapes of the HTTP API, as pydantic models, so that the OpenAPI document is generated
from code (request shapes are the validating models themselves: queries.MatchRequest, profiles.Profile).

The views build plain dicts (the service's own output); tests check those dicts against these models.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from ..profiles import Format, MatchStyle, Profile, Style


class PublicProfile(BaseModel):
    """The fields of a mentor any `match` caller may see (no manager, capacity, goals or bio)."""

    model_config = ConfigDict(extra="forbid")

    id: str
    name: str
    title: str | None = None
    seniority: int = Field(ge=1, le=10)
    department: str | None = None
    skills: list[str] = []
    styles: list[Style] = []
    formats: list[Format] = []
    location: str | None = None
    timezone: str | None = None
    languages: list[str] = []


class Why(BaseModel):
    """Why a mentor was chosen: the score parts, sentences from their own text, notes a person understands."""

    model_config = ConfigDict(extra="forbid")

    semantic: float = Field(description="Similarity of the need to the mentor's bio (best passage and whole).")
    lexical: float = Field(description="Shared words (BM25), normalised.")
    style: float = Field(description="How well the mentor fits the style's soft preference, 0..1.")
    evidence: list[str] = Field(description="Sentences of the mentor's bio that match the need best.")
    notes: list[str] = Field(description="Short reasons tied to the style, e.g. '7 levels junior to you'.")


class Match(BaseModel):
    """One ranked mentor."""

    model_config = ConfigDict(extra="forbid")

    mentor: PublicProfile
    score: float
    why: Why


class MatchResponse(BaseModel):
    """Answer of POST /v1/match: mentors sorted by score, ties broken by id."""

    model_config = ConfigDict(extra="forbid")

    matches: list[Match]
    style: MatchStyle
    took_ms: float


class ProfileWritten(BaseModel):
    """Answer of PUT /v1/profiles/{id}: 201 when added, 200 when updated or unchanged."""

    model_config = ConfigDict(extra="forbid")

    status: Literal["added", "updated", "unchanged"]
    profile: Profile


class ItemError(BaseModel):
    """One reason an input was refused."""

    model_config = ConfigDict(extra="forbid")

    field: str = Field(description="Dotted path of the field ('' for the whole document).")
    reason: str


class BatchItem(BaseModel):
    """The outcome of one item of a batch, in input order."""

    model_config = ConfigDict(extra="forbid")

    line: int = Field(description="1-based: the line of a JSON Lines body, the position in a JSON array.")
    id: str | None = None
    status: Literal["added", "updated", "unchanged", "rejected"]
    errors: list[ItemError] | None = None


class BatchSummary(BaseModel):
    """Counts of a batch."""

    model_config = ConfigDict(extra="forbid")

    added: int
    updated: int
    unchanged: int
    rejected: int


class BatchResponse(BaseModel):
    """Answer of POST /v1/profiles:batch: good items are stored, bad ones named with their reasons."""

    model_config = ConfigDict(extra="forbid")

    summary: BatchSummary
    results: list[BatchItem]


class ReindexResponse(BaseModel):
    """Answer of POST /v1/reindex."""

    model_config = ConfigDict(extra="forbid")

    generation: str
    profiles: int
    seconds: float


class Health(BaseModel):
    """Answer of GET /healthz: the process is alive."""

    model_config = ConfigDict(extra="forbid")

    status: Literal["ok"]


class Readiness(BaseModel):
    """Answer of GET /readyz: 200 once the index is loaded, 503 before."""

    model_config = ConfigDict(extra="forbid")

    ready: bool
    generation: str | None
    profiles: int
    model: str
    seq: int | None
    approximate: bool


class ProblemDetails(BaseModel):
    """An error (RFC 9457). Validation errors (422) add `errors`, one per field."""

    model_config = ConfigDict(extra="allow")

    type: str = Field(description="A URI naming the problem type, or 'about:blank'.")
    title: str
    status: int
    detail: str = Field(description="What went wrong, naming the field and the reason.")
    errors: list[ItemError] | None = None
