"""The profile schema, its validation, and which text of a profile is embedded.

Pure: no Flask, no SQLite, no FAISS. A profile is validated with pydantic; every error names the
field and the reason. Protected attributes (age, gender, ethnicity, ...) are refused outright.
"""

from __future__ import annotations

import hashlib
import json
import re
from datetime import date
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from .errors import FieldError, InvalidInput
from .styles.rules import MATCH_STYLES, OFFERED_STYLES

FORMATS: tuple[str, ...] = ("in-person", "virtual")

# Never stored, embedded, filtered on or returned. Rejected by name so a client learns why.
PROTECTED_ATTRIBUTES: frozenset[str] = frozenset(
    {
        "age",
        "birth_date",
        "date_of_birth",
        "dob",
        "birth_year",
        "year_of_birth",
        "gender",
        "sex",
        "pronouns",
        "ethnicity",
        "race",
        "religion",
        "faith",
        "health",
        "disability",
        "medical",
        "sexual_orientation",
        "marital_status",
        "nationality",
        "pregnancy",
    }
)

# Fields a caller of the `match` scope may see; everything else (manager_id, capacity, goals...) is internal.
PUBLIC_FIELDS: tuple[str, ...] = (
    "id",
    "name",
    "title",
    "seniority",
    "department",
    "skills",
    "styles",
    "formats",
    "location",
    "timezone",
    "languages",
)

ProfileId = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9._-]+$")]
# The style names come from the registry (styles/rules.py): a new style is offered and asked for at once.
Style = Literal[OFFERED_STYLES]  # what a mentor may offer
MatchStyle = Literal[MATCH_STYLES]  # what a request may ask for: the offered styles and "any"
Format = Literal["in-person", "virtual"]
ShortText = Annotated[str, Field(max_length=200)]
Tag = Annotated[str, Field(min_length=1, max_length=60)]
Language = Annotated[str, Field(min_length=2, max_length=35, pattern=r"^[A-Za-z]{2,3}([-_][A-Za-z0-9]{2,8})*$")]
Seniority = Annotated[int, Field(ge=1, le=10, strict=True)]
# A sign-in address: what a signing-in proxy names the person by (api/people_pages.py). Private: never in
# PUBLIC_FIELDS, never embedded, compared case-insensitively.
# Printable ASCII only, so that every store lower-cases it alike.
Email = Annotated[str, Field(max_length=254)]
_EMAIL = re.compile(r"^[!-?A-~]+@[!-?A-~]+$")


def _check_timezone(value: str | None) -> str | None:
    if value is None or value == "":
        return None
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"unknown IANA time zone {value!r} (e.g. 'Europe/Berlin')") from None
    return value


def _normalise_languages(values: list[str]) -> list[str]:
    seen: list[str] = []
    for value in values:
        code = value.strip().lower().replace("_", "-")
        if code not in seen:
            seen.append(code)
    return seen


def nul_paths(value: Any, path: str = "") -> list[str]:
    """The dotted paths ("cohort.0.need") of every string, or key, holding a NUL character in a JSON-like
    value. No text has a use for NUL, and PostgreSQL can store none in text or JSON, so both stores
    refuse it alike, before anything is kept."""
    if isinstance(value, str):
        return [path] if "\x00" in value else []
    if isinstance(value, dict):
        found = []
        for key, item in value.items():
            where = f"{path}.{key}" if path else str(key)
            found += [where] if isinstance(key, str) and "\x00" in key else nul_paths(item, where)
        return found
    if isinstance(value, list):
        return [
            found
            for index, item in enumerate(value)
            for found in nul_paths(item, f"{path}.{index}" if path else str(index))
        ]
    return []


def refuse_nul(data: dict[str, Any]) -> None:
    """Refuse a NUL character anywhere in a profile's fields (see nul_paths), naming the field.

    Raises:
        ValueError: "<field>: must not contain NUL characters (\\u0000)".
    """
    if found := nul_paths(data):
        raise ValueError(f"{found[0].split('.')[0]}: must not contain NUL characters (\\u0000)")


class Profile(BaseModel):
    """A person: what they can teach (bio, skills), what they want to learn (goals), how they mentor."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    id: ProfileId
    name: Annotated[str, Field(min_length=1, max_length=200)]
    title: ShortText | None = None
    seniority: Seniority
    bio: Annotated[str, Field(max_length=5000)] = ""
    skills: Annotated[list[Tag], Field(max_length=50)] = []
    goals: Annotated[str, Field(max_length=2000)] = ""
    styles: Annotated[list[Style], Field(max_length=len(OFFERED_STYLES))] = []
    formats: Annotated[list[Format], Field(min_length=1, max_length=2)] = ["in-person", "virtual"]
    location: ShortText | None = None
    timezone: Annotated[str, Field(max_length=64)] | None = None
    languages: Annotated[list[Language], Field(max_length=20)] = []
    department: ShortText | None = None
    manager_id: ProfileId | None = None
    capacity: Annotated[int, Field(ge=0, le=100, strict=True)] = 1
    flash_hours_per_month: Annotated[float, Field(ge=0, le=200)] = 0.0
    active: bool = True
    discoverable: bool = True
    # A mentor's "away until": not matched (nor asked for an introduction) before this ISO date (YYYY-MM-DD).
    # Internal, like capacity: never in a match answer.
    paused_until: Annotated[str, Field(max_length=10)] | None = None
    email: Email | None = None  # private: how the people's pages recognise a signed-in person (SECURITY.md)

    @model_validator(mode="before")
    @classmethod
    def _refuse_protected_attributes(cls, data: Any) -> Any:
        if isinstance(data, dict):
            for key in data:
                if isinstance(key, str) and key.strip().lower() in PROTECTED_ATTRIBUTES:
                    raise ProtectedAttributeError(key)
            refuse_nul(data)
        return data

    @field_validator("timezone")
    @classmethod
    def _valid_timezone(cls, value: str | None) -> str | None:
        return _check_timezone(value)

    @field_validator("paused_until")
    @classmethod
    def _iso_date(cls, value: str | None) -> str | None:
        if value is None or value == "":
            return None
        try:
            return date.fromisoformat(value).isoformat() if len(value) == 10 else _bad_date(value)
        except ValueError:
            return _bad_date(value)

    @field_validator("email")
    @classmethod
    def _email(cls, value: str | None) -> str | None:
        if value is None or value == "":
            return None
        if not _EMAIL.match(value):
            raise ValueError("expected a sign-in address such as ann.lee@example.com (ASCII, one @, no spaces)")
        return value

    @field_validator("languages")
    @classmethod
    def _languages(cls, value: list[str]) -> list[str]:
        return _normalise_languages(value)

    @field_validator("skills")
    @classmethod
    def _skills(cls, value: list[str]) -> list[str]:
        return list(dict.fromkeys(tag.strip() for tag in value if tag.strip()))

    @field_validator("styles", "formats")
    @classmethod
    def _dedupe(cls, value: list[str]) -> list[str]:
        return list(dict.fromkeys(value))

    @model_validator(mode="after")
    def _mentor_needs_bio(self) -> Profile:
        if self.styles and not self.bio.strip():
            raise ValueError("bio: required to be a mentor (styles is not empty): say what you can teach")
        if self.manager_id is not None and self.manager_id == self.id:
            raise ValueError("manager_id: a person cannot be their own manager")
        return self

    @property
    def is_mentor(self) -> bool:
        """True when the person offers at least one mentoring style and says what they can teach."""
        return bool(self.styles) and bool(self.bio.strip())

    def public(self) -> dict[str, Any]:
        """The fields any caller may see (no manager, capacity or goals)."""
        data = self.model_dump()
        return {key: data[key] for key in PUBLIC_FIELDS if data.get(key) not in (None, [], "")}


def _bad_date(value: str) -> str:
    raise ValueError(f"expected an ISO date YYYY-MM-DD, got {value!r}")


def paused_day(profile: Profile) -> int:
    """The day (date.toordinal) before which a mentor is away, 0 when not paused."""
    return date.fromisoformat(profile.paused_until).toordinal() if profile.paused_until else 0


def findable(profile: Profile) -> bool:
    """True when a person may be found as a mentor: offers mentoring, active and discoverable."""
    return profile.is_mentor and profile.active and profile.discoverable


def without_manager(profile: Profile) -> Profile:
    """The same profile with no manager (its manager's profile was erased)."""
    return profile.model_copy(update={"manager_id": None})


class ProtectedAttributeError(ValueError):
    """A protected attribute was sent; it is never stored."""

    def __init__(self, key: str):
        self.key = key
        super().__init__(f"{key}: protected attribute, never stored or used for matching; remove it")


def field_errors(exc: ValidationError) -> list[FieldError]:
    """Turn a pydantic ValidationError into field/reason pairs a person can read."""
    errors: list[FieldError] = []
    for err in exc.errors(include_url=False):
        path = ".".join(str(part) for part in err["loc"])
        message = err["msg"]
        ctx_error = (err.get("ctx") or {}).get("error")
        if isinstance(ctx_error, ProtectedAttributeError):
            name = f"{path}.{ctx_error.key}" if path else ctx_error.key  # e.g. mentee.age in a match request
            errors.append(FieldError(name, "protected attribute, never stored or used for matching; remove it"))
            continue
        if message.startswith("Value error, "):
            message = message[len("Value error, ") :]
        if err["type"] == "extra_forbidden":
            message = "unknown field"
        if ":" in message and not path:
            # Model-level errors carry their own field name ("bio: required to be a mentor ...").
            head, _, tail = message.partition(":")
            errors.append(FieldError(head.strip(), tail.strip()))
            continue
        errors.append(FieldError(path, message))
    return errors


def parse_profile(data: Any) -> Profile:
    """Validate one profile document (a dict) and return it, or raise InvalidInput naming each bad field."""
    if not isinstance(data, dict):
        raise InvalidInput([FieldError("", f"a profile must be a JSON object, got {type(data).__name__}")])
    try:
        return Profile.model_validate(data)
    except ValidationError as exc:
        raise InvalidInput(field_errors(exc)) from None


# --- what is embedded -------------------------------------------------------------------------

_SENTENCE_END = re.compile(r"(?<=[.!?;])\s+|\n+")
# A full stop after these is an abbreviation's, not a sentence's end ("e.g. SQL", "Dr. Ng", "the U.S. office").
_ABBREVIATIONS = frozenset(
    """e.g i.e cf vs etc al approx incl dept esp est fig no nos st mr mrs ms mx dr prof sr jr
    rev gen col lt sgt capt inc ltd co corp bros jan feb mar apr jun jul aug sep sept oct nov dec mon tue wed thu fri
    sat sun u.s u.k e.u u.n ph.d m.sc b.sc m.a b.a a.m p.m""".split()
)
_MAX_PASSAGE_WORDS = 48
_MIN_PASSAGE_WORDS = 4
MAX_PASSAGES = 64


def offers_text(profile: Profile) -> str:
    """The text that says what a person can teach: their bio, then their skill tags."""
    parts = [profile.bio.strip()]
    if profile.skills:
        parts.append("Skills: " + ", ".join(profile.skills) + ".")
    return " ".join(part for part in parts if part)


def goals_text(profile: Profile) -> str:
    """The text that says what a person wants to learn."""
    return profile.goals.strip()


def split_passages(text: str) -> list[str]:
    """Split a bio into sentence-sized passages (at most MAX_PASSAGES).

    Very short fragments are joined to their neighbour; very long sentences are cut into
    windows of about 48 words so that no detail drowns in a single vector.
    """
    pieces = _sentences(text)
    passages: list[str] = []
    for piece in pieces:
        words = piece.split()
        if passages and len(words) < _MIN_PASSAGE_WORDS:
            passages[-1] = passages[-1] + " " + piece
            continue
        for start in range(0, len(words), _MAX_PASSAGE_WORDS):
            window = words[start : start + _MAX_PASSAGE_WORDS]
            if start and len(window) < _MIN_PASSAGE_WORDS:
                passages[-1] = passages[-1] + " " + " ".join(window)
            else:
                passages.append(" ".join(window))
    return passages[:MAX_PASSAGES]


def _sentences(text: str) -> list[str]:
    """The sentences of a text: cut after . ! ? ; and at line breaks, but not after an abbreviation or
    an initial ("e.g.", "Dr.", "U.S.", "J. Smith"), nor after "etc." when the text goes on in lower case."""
    pieces = [p.strip() for p in _SENTENCE_END.split(text) if p and p.strip()]
    sentences: list[str] = []
    for piece in pieces:
        if sentences and _abbreviated(sentences[-1], piece):
            sentences[-1] = sentences[-1] + " " + piece
        else:
            sentences.append(piece)
    return sentences


def _abbreviated(sentence: str, following: str) -> bool:
    """True when `sentence` ends with an abbreviation's full stop rather than its own."""
    if not sentence.endswith("."):
        return False
    last_word = sentence.rsplit(None, 1)[-1].lower().rstrip(".")
    if last_word == "etc":
        return not following[:1].isupper()
    return last_word in _ABBREVIATIONS or (len(last_word) == 1 and last_word.isalpha())


def profile_passages(profile: Profile) -> list[str]:
    """The passages of a profile's bio, in order (the whole offers text when the bio is empty).

    Skill tags stay out of the passages: they count in the whole-profile vector and in BM25, while
    evidence shown to a person is always a sentence the mentor wrote.
    """
    return split_passages(profile.bio) or split_passages(offers_text(profile))


def content_hash(profile: Profile) -> str:
    """A hash of the whole profile: equal hashes mean a re-import changes nothing."""
    data = profile.model_dump()
    if data.get("email") is None:
        del data["email"]  # profiles stored before the field existed keep their hash
    canonical = json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def text_hash(profile: Profile) -> str:
    """A hash of the embedded texts only: equal hashes mean no re-embedding is needed."""
    canonical = json.dumps([offers_text(profile), goals_text(profile)], ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()
