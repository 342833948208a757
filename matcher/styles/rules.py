"""Mentoring styles as rules: who may mentor whom (hard filter), who fits best (soft score), and why.

Pure: numpy and plain data only. Each policy works on Catalog columns so that the hard rule can
be evaluated for every profile at once and handed to FAISS as the search filter.

| style        | hard rule                                  | soft preference                         |
|--------------|--------------------------------------------|-----------------------------------------|
| reverse      | mentor seniority < mentee seniority        | larger gap (up to 4 levels), room (coarse) |
| flash        | offers flash, flash hours > 0              | 4+ flash hours a month (coarse)         |
| e-mentoring  | accepts the virtual format                 | time-zone overlap, a shared language    |
| traditional  | mentor seniority > mentee seniority        | a gap of 2 to 5 levels, room (coarse)   |
| two-way      | mentor has goals, mentee has offers        | both directions good (harmonic mean)    |
| any          | none                                       | none                                    |

Common rules: the mentor is active, discoverable and offers the style, is not the mentee and not in
the mentee's reporting line; long-term styles need free capacity, flash needs flash hours.

Each style is one object (a subclass of `MentoringStyle`, registered with `@registered`) that owns
everything about it: its rules (hard, soft, notes, what the mentee must give), whether it is long-term,
how it uses places in programmes, whether it is mutual (two-way), its label on the form, its one-line
explanation and the reason shown when nobody fits. Adding a style is one class here and one test in
tests/test_styles.py; the profile schema, the request schema, the CLI's choices, the catalog's bits
and the form all read the registry.

Imports no profile, catalog or store at run time (types only), so that profiles.py can take the style
names from here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from ..errors import FieldError
from .timezones import WORKDAY_HOURS, overlap_hours, today_ordinal, utc_offset_hours

if TYPE_CHECKING:
    from ..profiles import Profile
    from .catalog import Catalog


@dataclass(frozen=True)
class Mentee:
    """The person asking: described inline or taken from their stored profile (row_id >= 0)."""

    seniority: int | None = None
    timezone: str | None = None
    languages: tuple[str, ...] = ()
    goals: str = ""
    bio: str = ""
    id: str | None = None
    row_id: int = -1
    reporting_rows: frozenset[int] = frozenset()  # the mentee's managers, up the chain
    stored_offers: bool = False  # `bio` is their stored offers text (its stored embedding can be used)

    @property
    def has_offers(self) -> bool:
        """True when the mentee can teach something back (two-way needs it)."""
        return bool(self.bio.strip())


@dataclass(frozen=True)
class Filters:
    """Optional narrowing asked by the caller."""

    languages: tuple[str, ...] = ()
    virtual_only: bool = False
    departments: tuple[str, ...] = ()
    exclude_rows: frozenset[int] = field(default_factory=frozenset)
    only_rows: frozenset[int] | None = None  # a programme's mentor pool: nobody else (None: everyone)


class MentoringStyle:
    """One mentoring style and everything about it. Subclasses set the words and override `rule`, `fit`
    and `notes` (and `requirements`, `has_room`, `nobody_fits` where the style differs)."""

    name = ""
    label = ""  # on the form's style menu and the programme pages
    summary = ""  # one line under the menu: what the style is
    nobody_fits_reason = ""  # the form's answer when nobody fits: "Nobody fits: <reason>."
    offered = True  # a mentor can offer it (a profile's `styles`); False for "any", which only a request asks
    long_term = False  # a pairing that lasts: the mentor needs a free place of their capacity
    takes_capacity = True  # a programme's published pair uses a place of the mentor's capacity
    mutual = False  # both teach (two-way): pairs form within one pool, each pair recorded once per member
    form_position = 0  # where it stands on the form's menu (lowest first)
    style_weight = 1.0  # multiplies Settings.style_weight (0 = the style does not reorder results)
    passage_boost = 0.0  # added to Settings.passage_weight: flash wants a tight fit over breadth

    def requirements(self, mentee: Mentee) -> list[FieldError]:
        """What the mentee must provide for this style (empty when all is there)."""
        return []

    def rule(self, cat: Catalog, mentee: Mentee) -> np.ndarray:
        """The style's own hard rule over every row (True = allowed)."""
        return cat.style_bits != 0

    def has_room(self, cat: Catalog) -> np.ndarray:
        """Who has time for one more mentee in this style: a free long-term place for a long-term style."""
        if self.long_term:
            return cat.capacity > 0
        return np.ones(len(cat.capacity), dtype=bool)

    def nobody_fits(self, mentee_seniority: int | None) -> str:
        """Why a search in this style found nobody, in words (the form shows it)."""
        return self.nobody_fits_reason

    def fit(self, cat: Catalog, rows: np.ndarray, mentee: Mentee, reciprocal: np.ndarray | None) -> np.ndarray:
        """Soft preference in [0, 1] for the candidate rows."""
        return np.ones(len(rows), dtype=np.float32)

    def notes(self, mentor: Profile, mentee: Mentee, reciprocal: float | None) -> list[str]:
        """Short sentences a person understands, saying why the style fits."""
        notes = _seniority_note(mentor, mentee, None)
        return [notes] if notes else []


def _seniority_note(mentor: Profile, mentee: Mentee, style_label: str | None) -> str | None:
    if mentee.seniority is None:
        return None
    gap = mentee.seniority - mentor.seniority
    if gap == 0:
        return "same seniority as you"
    level = "level" if abs(gap) == 1 else "levels"
    relation = "junior" if gap > 0 else "senior"
    tail = f": fits {style_label}" if style_label else ""
    return f"{abs(gap)} {level} {relation} to you{tail}"


def room_fit(capacity: np.ndarray) -> np.ndarray:
    """1 for room for two or more long-term mentees, 0.5 for one: availability counts coarsely, so that
    scores never disclose how many mentees someone takes (SECURITY.md)."""
    return np.where(capacity >= 2, 1.0, 0.5).astype(np.float32)


FLASH_HOURS_PLENTY = 4.0  # flash hours a month from which a mentor counts as readily available


def _need_seniority(mentee: Mentee, style: str) -> list[FieldError]:
    if mentee.seniority is None:
        return [FieldError("mentee.seniority", f"required for {style} mentoring (1 entry level ... 10 executive)")]
    return []


STYLES: list[MentoringStyle] = []  # the registry, in the order styles are defined below


def registered(cls: type[MentoringStyle]) -> type[MentoringStyle]:
    """Class decorator: one instance of the style joins the registry."""
    STYLES.append(cls())
    return cls


@registered
class Reverse(MentoringStyle):
    name = "reverse"
    label = "Reverse"
    summary = "Someone more junior teaches you, long-term: digital, social media and new trends."
    nobody_fits_reason = "nobody junior to you offers reverse mentoring on this topic"
    long_term = True
    form_position = 1

    def requirements(self, mentee):
        return _need_seniority(mentee, self.name)

    def nobody_fits(self, mentee_seniority):
        if mentee_seniority == 1:
            return "nobody is junior to you at seniority 1, so nobody can be your reverse mentor"
        return self.nobody_fits_reason

    def rule(self, cat, mentee):
        return ((cat.style_bits & STYLE_BITS["reverse"]) != 0) & (cat.seniority < mentee.seniority)

    def fit(self, cat, rows, mentee, reciprocal):
        gap = mentee.seniority - cat.seniority[rows].astype(np.float32)
        return (0.75 * np.clip(gap / 4.0, 0, 1) + 0.25 * room_fit(cat.capacity[rows])).astype(np.float32)

    def notes(self, mentor, mentee, reciprocal):
        note = _seniority_note(mentor, mentee, "reverse mentoring")
        return [note] if note else []


@registered
class Flash(MentoringStyle):
    name = "flash"
    label = "Flash"
    summary = "One short, focused session with anyone who knows the topic."
    nobody_fits_reason = "nobody with flash hours free this month offers a flash session on this topic"
    takes_capacity = False  # a flash pair uses one of the mentor's flash hours this month, not a long-term place
    form_position = 3
    passage_boost = 0.2

    def rule(self, cat, mentee):
        return ((cat.style_bits & STYLE_BITS["flash"]) != 0) & (cat.flash_hours > 0)

    def fit(self, cat, rows, mentee, reciprocal):
        # Coarse on purpose: more hours help, but a score never discloses how many (SECURITY.md).
        return np.where(cat.flash_hours[rows] >= FLASH_HOURS_PLENTY, 1.0, 0.5).astype(np.float32)

    def notes(self, mentor, mentee, reciprocal):
        return ["offers one-off flash sessions"]


@registered
class EMentoring(MentoringStyle):
    name = "e-mentoring"
    label = "E-mentoring"
    summary = "Fully virtual mentoring, across offices and time zones."
    nobody_fits_reason = "nobody who mentors online has room for an e-mentoring mentee on this topic"
    long_term = True
    form_position = 4

    def rule(self, cat, mentee):
        return ((cat.style_bits & STYLE_BITS["e-mentoring"]) != 0) & cat.virtual

    def fit(self, cat, rows, mentee, reciprocal):
        mentee_offset = utc_offset_hours(mentee.timezone)
        overlap = overlap_hours(cat.utc_offsets(rows), mentee_offset) / WORKDAY_HOURS
        overlap = np.where(np.isnan(overlap), 0.5, overlap)
        if mentee.languages:
            shared = np.zeros(len(rows), dtype=bool)
            for lang in mentee.languages:
                column = cat.languages.get(lang)
                if column is not None:
                    shared |= column[rows]
            language = shared.astype(np.float32)
        else:
            language = np.full(len(rows), 0.5, dtype=np.float32)
        return (0.6 * overlap + 0.4 * language).astype(np.float32)

    def notes(self, mentor, mentee, reciprocal):
        notes = ["mentors fully online"]
        offsets = utc_offset_hours(mentor.timezone), utc_offset_hours(mentee.timezone)
        if not any(np.isnan(o) for o in offsets):
            hours = float(overlap_hours(offsets[0], offsets[1]))
            if offsets[0] == offsets[1]:
                notes.append("same time zone")
            elif hours > 0:
                notes.append(f"{hours:g} h time-zone overlap")
            else:
                notes.append("no working-hours overlap: expect asynchronous exchanges")
        shared = [lang for lang in mentee.languages if lang in mentor.languages]
        if shared:
            notes.append("speaks " + ", ".join(shared) + " like you")
        return notes


@registered
class Traditional(MentoringStyle):
    name = "traditional"
    label = "Traditional"
    summary = "Someone more senior guides you, long-term, from their experience."
    nobody_fits_reason = "nobody senior to you offers traditional mentoring on this topic"
    long_term = True
    form_position = 2

    def requirements(self, mentee):
        return _need_seniority(mentee, self.name)

    def nobody_fits(self, mentee_seniority):
        if mentee_seniority == 10:
            return "nobody is senior to you at seniority 10, so nobody can be your traditional mentor"
        return self.nobody_fits_reason

    def rule(self, cat, mentee):
        return ((cat.style_bits & STYLE_BITS["traditional"]) != 0) & (cat.seniority > mentee.seniority)

    def fit(self, cat, rows, mentee, reciprocal):
        gap = cat.seniority[rows].astype(np.float32) - mentee.seniority
        # Best 2 to 5 levels up: close enough to remember your step, far enough to see further.
        gap_fit = np.clip(gap / 2.0, 0, 1) - np.clip((gap - 5) * 0.15, 0, 0.6)
        return (0.75 * gap_fit + 0.25 * room_fit(cat.capacity[rows])).astype(np.float32)

    def notes(self, mentor, mentee, reciprocal):
        note = _seniority_note(mentor, mentee, "traditional mentoring")
        return [note] if note else []


@registered
class TwoWay(MentoringStyle):
    name = "two-way"
    label = "Two-way"
    summary = "You teach each other: what they offer fits your need, and what you offer fits their goals."
    nobody_fits_reason = "nobody offering two-way mentoring has learning goals of their own yet"
    long_term = True
    mutual = True
    form_position = 5

    def requirements(self, mentee):
        if not mentee.has_offers:
            return [
                FieldError(
                    "mentee.bio",
                    "two-way mentoring needs what you can teach: give mentee.bio or "
                    "a stored mentee id whose profile has a bio",
                )
            ]
        return []

    def rule(self, cat, mentee):
        return ((cat.style_bits & STYLE_BITS["two-way"]) != 0) & cat.has_goals

    def fit(self, cat, rows, mentee, reciprocal):
        if reciprocal is None:
            return np.zeros(len(rows), dtype=np.float32)
        return np.clip(reciprocal, 0, 1).astype(np.float32)

    def notes(self, mentor, mentee, reciprocal):
        # Their goals are never quoted: what someone wants to learn is theirs to tell (SECURITY.md).
        if reciprocal is None:
            return ["you can teach them back"]
        return [f"you can teach them back: what you offer fits what they want to learn ({reciprocal:.2f})"]


@registered
class AnyStyle(MentoringStyle):
    name = "any"
    label = "Any style"
    summary = "No style rule: the best mentors for your need, whoever they are."
    nobody_fits_reason = "nobody with time to mentor matches this topic"
    offered = False
    form_position = 0
    style_weight = 0.0

    def has_room(self, cat):
        return (cat.capacity > 0) | (cat.flash_hours > 0)


ANY = AnyStyle.name  # the style of a request that names none
BY_NAME: dict[str, MentoringStyle] = {s.name: s for s in STYLES}
MATCH_STYLES: tuple[str, ...] = tuple(s.name for s in STYLES)  # what a request may ask for
OFFERED_STYLES: tuple[str, ...] = tuple(s.name for s in STYLES if s.offered)  # what a mentor may offer
STYLE_BITS: dict[str, int] = {name: 1 << i for i, name in enumerate(OFFERED_STYLES)}  # the catalog's column
FORM_ORDER: tuple[MentoringStyle, ...] = tuple(sorted(STYLES, key=lambda s: s.form_position))


def get_style(name: str) -> MentoringStyle:
    """The style of a name (KeyError for an unknown style)."""
    return BY_NAME[name]


def eligible(style: str, cat: Catalog, mentee: Mentee, filters: Filters = Filters()) -> np.ndarray:
    """Boolean mask over row ids: who may mentor this mentee in this style, after the caller's filters.

    Raises:
        InvalidInput-style FieldErrors are not raised here: call `get_style(style).requirements(mentee)` first.
    """
    chosen = BY_NAME[style]
    mask = cat.live & cat.mentor & cat.available_today() & chosen.rule(cat, mentee) & chosen.has_room(cat)
    if mentee.row_id >= 0:
        if mentee.row_id < len(mask):
            mask[mentee.row_id] = False
        mask &= cat.manager_row != mentee.row_id  # their direct reports
    for row in mentee.reporting_rows:  # their managers, up the chain
        if 0 <= row < len(mask):
            mask[row] = False
    return apply_filters(mask, cat, filters)


# The hard rules `eligible` applies, by name, in the order `refusal` checks them.
RULES = ("oneself", "not_a_mentor", "paused", "style", "reporting_line", "no_room")


def refusal(style: str, cat: Catalog, mentee: Mentee, row: int) -> str | None:
    """The first hard rule of `eligible` (RULES) that keeps the profile at `row` from mentoring this mentee in
    this style, or None when it may (the caller's filters aside): an introduction asked for names the rule.

    The same columns and policy as `eligible`, one row at a time: `refusal(...) is None` exactly when
    `eligible(style, cat, mentee)[row]` (tests/test_styles.py checks it over every row).
    """
    if mentee.row_id >= 0 and row == mentee.row_id:
        return "oneself"
    if not (0 <= row < cat.size) or not cat.live[row] or not cat.mentor[row]:
        return "not_a_mentor"
    if cat.paused_until[row] > today_ordinal():
        return "paused"
    chosen = BY_NAME[style]
    if not chosen.rule(cat, mentee)[row]:
        return "style"
    if (mentee.row_id >= 0 and cat.manager_row[row] == mentee.row_id) or row in mentee.reporting_rows:
        return "reporting_line"
    return None if chosen.has_room(cat)[row] else "no_room"


def apply_filters(mask: np.ndarray, cat: Catalog, filters: Filters) -> np.ndarray:
    """Narrow a mask by the caller's filters (languages and departments: any of those listed)."""
    if filters.virtual_only:
        mask &= cat.virtual
    if filters.languages:
        wanted = np.zeros(len(mask), dtype=bool)
        for lang in filters.languages:
            column = cat.languages.get(lang.lower())
            if column is not None:
                wanted |= column
        mask &= wanted
    if filters.departments:
        wanted = np.zeros(len(mask), dtype=bool)
        for dept in filters.departments:
            column = cat.departments.get(dept.lower())
            if column is not None:
                wanted |= column
        mask &= wanted
    for row in filters.exclude_rows:
        if 0 <= row < len(mask):
            mask[row] = False
    if filters.only_rows is not None:
        pool = np.zeros(len(mask), dtype=bool)
        pool[[row for row in filters.only_rows if 0 <= row < len(mask)]] = True
        mask &= pool
    return mask
