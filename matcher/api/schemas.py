"""Response shapes of the HTTP API, as pydantic models, so that the OpenAPI document is generated
from code (request shapes are the validating models themselves: search.request.MatchRequest, profiles.Profile,
programmes.spec.ProgrammeSpec, and PairAction below, the one request model that lives here).

The views build plain dicts (the service's own output); tests check those dicts against these models.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from ..errors import FieldError, InvalidInput
from ..profiles import Format, MatchStyle, Profile, ProfileId, Style, field_errors
from ..programmes.spec import ProgrammeRules
from .insights_schemas import InsightsBuilt, InsightsNotBuilt


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
    insights: InsightsBuilt | InsightsNotBuilt | None = Field(
        None,
        description="The skills map built after the re-index, or why not; absent with "
        "MATCHER_INSIGHTS_AFTER_REINDEX=false.",
    )


class Health(BaseModel):
    """Answer of GET /healthz: the process is alive."""

    model_config = ConfigDict(extra="forbid")

    status: Literal["ok"]


class Readiness(BaseModel):
    """Answer of GET /readyz: 200 once the index is loaded, 503 before and while draining. Only `ready` and
    `draining` without a key; the other fields with an `admin` key (Authorization: Bearer)."""

    model_config = ConfigDict(extra="forbid")

    ready: bool
    generation: str | None = Field(None, description="The index generation in use (admin key only).")
    profiles: int | None = Field(None, description="Profiles in the index, else in the store (admin key only).")
    model: str | None = Field(None, description="The embedding model's key (admin key only).")
    seq: int | None = Field(None, description="The store's change number the index reflects (admin key only).")
    approximate: bool | None = Field(None, description="Whether the index is approximate (IVF) (admin key only).")
    draining: bool = Field(
        False,
        description="Told to stop (SIGTERM): it serves only until a load balancer has "
        "taken it out (MATCHER_DRAIN_SECONDS); `ready` is false meanwhile.",
    )


class OverCommittedMentor(BaseModel):
    """A mentor whom publishing would give more long-term mentees than their capacity."""

    model_config = ConfigDict(extra="forbid")

    mentor: str = Field(description="The mentor's profile id.")
    asked: int = Field(description="Places this programme's pairs ask for.")
    left: int = Field(description="Places the mentor has left (capacity less every programme's published pairs).")


class ProblemDetails(BaseModel):
    """An error (RFC 9457). Validation errors (422) add `errors`, one per field; a publish that would
    over-commit mentors (409) adds `mentors`."""

    model_config = ConfigDict(extra="allow")

    type: str = Field(description="A URI naming the problem type, or 'about:blank'.")
    title: str
    status: int
    detail: str = Field(description="What went wrong, naming the field and the reason.")
    request_id: str | None = Field(
        default=None,
        description="The request's id (its X-Request-ID response header), "
        "to quote to an operator: the server's logs name it.",
    )
    errors: list[ItemError] | None = None
    mentors: list[OverCommittedMentor] | None = None


# -- programmes --------------------------------------------------------------------------------------

PairStatus = Literal["proposed", "approved", "pinned", "published", "unmatched", "waiting"]


class PairAction(BaseModel):
    """What an admin does to a programme's pairs (POST /v1/programmes/{programme_id}/pairs).

    - `approve`: approve the proposed pairs of `mentees` (in two-way programmes their partners' too);
      without `mentees`, every proposal.
    - `reject`: reject the pairs of `mentees` (at least one): never proposed again in this programme;
      the members wait for the next run.
    - `pin`: pair the one mentee of `mentees` with `mentor`, whatever the draft says, if the programme's
      rules allow it; kept on every run.
    - `ban`: never pair the one mentee of `mentees` with `mentor` in this programme.
    """

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    action: Literal["approve", "reject", "pin", "ban"]
    mentees: (
        Annotated[
            list[Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9._-]+$")]],
            Field(min_length=1, max_length=50_000),
        ]
        | None
    ) = Field(
        default=None,
        description="Cohort members by key (their profile id, or an inline member's ref). Leave it "
        "out to approve every proposal; pin and ban take exactly one.",
    )
    mentor: ProfileId | None = Field(default=None, description="The mentor's profile id: pin and ban only.")

    @model_validator(mode="after")
    def _fits_the_action(self) -> PairAction:
        if self.action in ("pin", "ban"):
            if self.mentor is None:
                raise ValueError(f"mentor: {self.action} needs the mentor's profile id")
            if self.mentees is None or len(self.mentees) != 1:
                raise ValueError(f"mentees: {self.action} takes exactly one mentee")
        else:
            if self.mentor is not None:
                raise ValueError(f"mentor: only pin and ban take a mentor, not {self.action}")
            if self.action == "reject" and self.mentees is None:
                raise ValueError("mentees: name the members whose pairs to reject")
        return self


def parse_pair_action(data: Any) -> PairAction:
    """Validate a pair action, or raise InvalidInput naming each bad field."""
    if not isinstance(data, dict):
        raise InvalidInput([FieldError("", f"a pair action must be a JSON object, got {type(data).__name__}")])
    try:
        return PairAction.model_validate(data)
    except ValidationError as exc:
        raise InvalidInput(field_errors(exc)) from None


class PlanCover(BaseModel):
    """One topic of a session, in the mentee's words, with the mentor's sentence that covers it best."""

    model_config = ConfigDict(extra="forbid")

    topic: str
    sentence: str | None = Field(description="The mentor's sentence; null when none covers the topic.")
    similarity: float
    practice: bool = Field(description="True in a session that applies a topic already covered.")
    learner: str = Field(description="Two-way: who learns this topic ('' one-way).")
    teacher: str = Field(description="Two-way: whose sentence it is ('' one-way).")


class PlanSession(BaseModel):
    """One session of a pair's plan: the first starts (goals agreed), the last of three or more reviews them."""

    model_config = ConfigDict(extra="forbid")

    number: int = Field(ge=1)
    kind: Literal["start", "topics", "apply", "review", "single"] = Field(
        description="start: share interests, knowledge and shortcomings, agree the goals; topics: the need's "
        "topics; apply: apply one concretely; review: progress against the goals; single: a "
        "one-session programme."
    )
    title: str = Field(description="What the session is about, as a person reads it.")
    goals: list[str] = Field(default=[], description="The goals (the need's topics), on the start and the review.")
    date: str | None = Field(
        default=None,
        description="The session's day (YYYY-MM-DD) from the programme's "
        "start_date and cadence; null without a start date.",
    )
    covers: list[PlanCover] = Field(description="The topics with the teacher's passage chosen for each.")


class ProgrammePair(BaseModel):
    """One cohort member's line: their mentor (two-way: their partner) with the score, evidence and plan, or
    why they have none."""

    model_config = ConfigDict(extra="forbid")

    mentee: str = Field(description="The member's key: their profile id, or an inline member's ref.")
    mentee_name: str
    mentor: str | None
    mentor_name: str | None = None
    score: float | None = None
    status: PairStatus = Field(description="waiting: no run has reached the member yet.")
    reason: str | None = Field(default=None, description="Why an unmatched (or waiting) member has no mentor.")
    evidence: list[str] = Field(default=[], description="The mentor's sentences that best match the member's need.")
    plan: list[PlanSession] = Field(default=[], description="The pair's sessions, each with its topics.")


class ProgrammeSummary(BaseModel):
    """Members of a programme by the state of their pair."""

    model_config = ConfigDict(extra="forbid")

    proposed: int
    approved: int
    pinned: int
    published: int
    unmatched: int
    waiting: int


class Ban(BaseModel):
    """A pair never to propose in this programme."""

    model_config = ConfigDict(extra="forbid")

    mentee: str
    mentor: str


class Programme(BaseModel):
    """A programme (answer of POST /v1/programmes, GET /v1/programmes/{programme_id}, runs and pair actions):
    its definition without the cohort, and one line per cohort member in the cohort's order."""

    model_config = ConfigDict(extra="forbid")

    id: str
    name: str
    status: Literal["draft", "published"]
    runs: int = Field(description="How many times a draft was run.")
    created_at: float = Field(description="Seconds since the epoch.")
    published_at: float | None
    definition: ProgrammeRules
    summary: ProgrammeSummary
    pairs: list[ProgrammePair]
    bans: list[Ban]


class ProgrammeListed(BaseModel):
    """A programme in a list: its state and counts, without its pairs."""

    model_config = ConfigDict(extra="forbid")

    id: str
    name: str
    style: MatchStyle
    status: Literal["draft", "published"]
    runs: int
    created_at: float
    updated_at: float
    published_at: float | None
    summary: ProgrammeSummary


class ProgrammeList(BaseModel):
    """Answer of GET /v1/programmes: every programme, newest first."""

    model_config = ConfigDict(extra="forbid")

    programmes: list[ProgrammeListed]


class PublishedPair(BaseModel):
    """A pair published by this call."""

    model_config = ConfigDict(extra="forbid")

    mentee: str
    mentor: str
    score: float | None


class PublishResponse(BaseModel):
    """Answer of POST /v1/programmes/{programme_id}/publish: the pairs published by this call (none when
    called again: publishing is idempotent) and the programme."""

    model_config = ConfigDict(extra="forbid")

    published: list[PublishedPair]
    programme: Programme
