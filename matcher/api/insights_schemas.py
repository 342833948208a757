"""Response shapes of the skills map routes (GET/POST /v1/insights, its topics' people), as pydantic models
for the OpenAPI document. A count is a whole number, or null where it would describe fewer than
`min_group` people (suppressed)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

Count = int | None


class Band(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str = Field(description="junior, mid or senior.")
    seniority: str = Field(description="The seniority levels of the band, e.g. 1-3.")


class TopicCounts(BaseModel):
    """One topic: its label and counts (null: fewer than min_group people)."""

    model_config = ConfigDict(extra="forbid")

    id: int
    label: str | None = Field(description="Its words, each used by at least min_group people; null when none is.")
    terms: list[str]
    demand: Count = Field(description="People who want it (their goals or a programme need).")
    supply: Count = Field(description="Available mentors with a bio sentence that answers one of its wishes well.")
    uncovered: Count = Field(description="People wanting it whom no available mentor answers well.")
    demand_by_band: dict[str, Count]
    supply_by_band: dict[str, Count]
    demand_by_department: dict[str, Count]
    supply_by_department: dict[str, Count]


class Gap(BaseModel):
    model_config = ConfigDict(extra="forbid")

    topic: int
    label: str | None
    uncovered: Count
    demand: Count
    supply: Count


class Unasked(BaseModel):
    model_config = ConfigDict(extra="forbid")

    skill: str = Field(description="A tag at least min_group available mentors list.")
    mentors: int


class ReverseOpening(BaseModel):
    model_config = ConfigDict(extra="forbid")

    topic: int
    label: str | None
    senior_demand: int
    junior_supply: int


class PeopleCounts(BaseModel):
    model_config = ConfigDict(extra="forbid")

    with_wishes: Count
    mentors_available: Count


class InsightsMap(BaseModel):
    """Answer of GET /v1/insights: the skills map over the people stored now."""

    model_config = ConfigDict(extra="forbid")

    version: str = Field(description="The map file it was read from, e.g. map-000003.")
    built_at: float = Field(description="Seconds since the epoch.")
    build_seconds: float
    store_changes_since: int = Field(description="Writes and deletes to the store since the build.")
    min_group: int = Field(description="No count of fewer people is shown (MATCHER_INSIGHTS_MIN_GROUP).")
    threshold: float = Field(description="A wish is answered well when a mentor's bio sentence reaches this cosine.")
    bands: list[Band]
    departments: list[str] = Field(
        description="Departments of at least min_group people, then 'Other departments' and 'No department'."
    )
    people: PeopleCounts
    topics: list[TopicCounts] = Field(description="Most wanted first.")
    gaps: list[Gap] = Field(description="Topics with uncovered wishes, most first.")
    unasked: list[Unasked] = Field(description="Skills mentors offer that no wish comes near.")
    reverse_mentoring: list[ReverseOpening] = Field(description="Topics seniors want and juniors can teach.")


class InsightsBuilt(BaseModel):
    """A build's report (POST /v1/insights, and `insights` in POST /v1/reindex's answer)."""

    model_config = ConfigDict(extra="forbid")

    version: str
    topics: int
    seconds: float
    people: int
    wishes: int
    sentences: int
    mentors: int
    k: int = Field(description="Topics k-means started from (small ones are folded into neighbours).")
    timings: dict[str, float] = Field(description="Seconds spent in each step.")


class InsightsNotBuilt(BaseModel):
    """Why no map was built after a re-index (the re-index itself succeeded)."""

    model_config = ConfigDict(extra="forbid")

    error: str


class TopicPerson(BaseModel):
    """Someone who wants a topic, read from the store now (admins only: it names them and quotes them)."""

    model_config = ConfigDict(extra="forbid")

    id: str
    name: str
    title: str | None
    seniority: int
    band: str
    department: str | None
    wish: str = Field(description="Their wish that is in this topic, in their own words.")
    source: str = Field(description="'goals', or 'programme <id>' for a programme cohort's need.")
    score: float = Field(description="The best score an available mentor's bio sentence reached (-1: none).")


class TopicPeople(BaseModel):
    """Answer of GET /v1/insights/topics/{topic_id}/people."""

    model_config = ConfigDict(extra="forbid")

    topic: TopicCounts
    people: list[TopicPerson] = Field(description="Least answered first.")


RESPONSE_MODELS = (InsightsMap, InsightsBuilt, InsightsNotBuilt, TopicPeople)
