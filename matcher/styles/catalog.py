"""Catalog: the facts the style rules need about every profile, as columns indexed by row id.

Pure (numpy only). Keeping these facts in arrays lets a style rule decide eligibility for 100k
people in well under a millisecond, so the filter can be handed to FAISS for every search.
"""

from __future__ import annotations

import threading
from datetime import datetime

import numpy as np

from ..profiles import Profile, findable, paused_day
from .rules import STYLE_BITS
from .timezones import today_ordinal, utc_offset_hours


class Catalog:
    """Columns of profile facts indexed by row id; rows not present have `live == False`."""

    def __init__(self, capacity: int = 1024):
        self._lock = threading.Lock()
        self.ids: dict[int, str] = {}
        self.row_of: dict[str, int] = {}
        self._alloc(capacity)
        self.languages: dict[str, np.ndarray] = {}
        self.departments: dict[str, np.ndarray] = {}
        self._manager_ids: dict[int, str] = {}
        self._reports: dict[str, set[int]] = {}  # manager id -> rows that name it as manager
        self.zones: list[str] = []  # the distinct IANA time zones, numbered by the `zone` column
        self._zone_ids: dict[str, int] = {}

    def _alloc(self, size: int) -> None:
        self.live = np.zeros(size, dtype=bool)
        self.mentor = np.zeros(size, dtype=bool)  # offers a style, has a bio, active and discoverable
        self.seniority = np.zeros(size, dtype=np.int8)
        self.style_bits = np.zeros(size, dtype=np.uint8)
        self.capacity = np.zeros(size, dtype=np.int16)
        self.flash_hours = np.zeros(size, dtype=np.float32)
        self.virtual = np.zeros(size, dtype=bool)
        self.has_goals = np.zeros(size, dtype=bool)
        self.zone = np.full(size, -1, dtype=np.int16)  # index into self.zones; -1 = no time zone
        self.manager_row = np.full(size, -1, dtype=np.int64)
        self.n_passages = np.zeros(size, dtype=np.int16)
        # The day (date.toordinal) before which the mentor is away (0: not paused). Compared with today at
        # match time (available_today), never at index time: a pause ends without any write.
        self.paused_until = np.zeros(size, dtype=np.int32)

    @property
    def size(self) -> int:
        """Length of the columns (one past the highest row id they can hold)."""
        return len(self.live)

    def _grow(self, row_id: int) -> None:
        if row_id < self.size:
            return
        new_size = max(row_id + 1, 2 * self.size)
        for name in (
            "live",
            "mentor",
            "seniority",
            "style_bits",
            "capacity",
            "flash_hours",
            "virtual",
            "has_goals",
            "zone",
            "manager_row",
            "n_passages",
            "paused_until",
        ):
            old = getattr(self, name)
            fill = -1 if name in ("zone", "manager_row") else 0
            grown = np.full(new_size, fill, dtype=old.dtype)
            grown[: len(old)] = old
            setattr(self, name, grown)
        for table in (self.languages, self.departments):
            for key, column in table.items():
                grown = np.zeros(new_size, dtype=bool)
                grown[: len(column)] = column
                table[key] = grown

    def _zone_id(self, tz_name: str | None) -> int:
        if not tz_name:
            return -1
        if tz_name not in self._zone_ids:
            self._zone_ids[tz_name] = len(self.zones)
            self.zones.append(tz_name)
        return self._zone_ids[tz_name]

    def utc_offsets(self, rows: np.ndarray, at: datetime | None = None) -> np.ndarray:
        """The UTC offsets in hours of these rows' time zones at a moment (default: now); NaN without one."""
        by_zone = np.array([utc_offset_hours(zone, at) for zone in self.zones] + [np.nan], dtype=np.float32)
        return by_zone[self.zone[rows]]  # -1 picks the trailing NaN

    def _flag(self, table: dict[str, np.ndarray], key: str, row_id: int, value: bool) -> None:
        column = table.get(key)
        if column is None:
            if not value:
                return
            column = table[key] = np.zeros(self.size, dtype=bool)
        column[row_id] = value

    def upsert(self, row_id: int, profile: Profile, n_passages: int, committed: int = 0) -> None:
        """Record (or replace) the facts of one profile; `committed`: long-term mentees its published programme
        pairs already give it (its capacity column holds what is left)."""
        with self._lock:
            self._grow(row_id)
            if row_id in self.ids:
                self._clear(row_id)
            self.ids[row_id] = profile.id
            self.row_of[profile.id] = row_id
            self.live[row_id] = True
            self.mentor[row_id] = findable(profile)
            self.seniority[row_id] = profile.seniority
            self.style_bits[row_id] = sum(STYLE_BITS[s] for s in profile.styles)
            self.capacity[row_id] = max(0, profile.capacity - committed)
            self.flash_hours[row_id] = profile.flash_hours_per_month
            self.virtual[row_id] = "virtual" in profile.formats
            self.has_goals[row_id] = bool(profile.goals.strip())
            self.zone[row_id] = self._zone_id(profile.timezone)
            self.n_passages[row_id] = n_passages
            self.paused_until[row_id] = paused_day(profile)
            for lang in profile.languages:
                self._flag(self.languages, lang, row_id, True)
            if profile.department:
                self._flag(self.departments, profile.department.lower(), row_id, True)
            if profile.manager_id:
                self._manager_ids[row_id] = profile.manager_id
                self._reports.setdefault(profile.manager_id, set()).add(row_id)
            # Resolve this row's manager, and rows that named this profile as manager before it existed.
            self.manager_row[row_id] = self.row_of.get(profile.manager_id, -1) if profile.manager_id else -1
            for report in self._reports.get(profile.id, ()):
                self.manager_row[report] = row_id

    def _clear(self, row_id: int) -> None:
        old_id = self.ids.pop(row_id)
        self.row_of.pop(old_id, None)
        self.live[row_id] = False
        self.mentor[row_id] = False
        manager_id = self._manager_ids.pop(row_id, None)
        if manager_id is not None:
            self._reports.get(manager_id, set()).discard(row_id)
        for table in (self.languages, self.departments):
            for column in table.values():
                column[row_id] = False

    def available_today(self, today: int | None = None) -> np.ndarray:
        """True for every row not paused past `today` (date.toordinal; default: today in UTC)."""
        return self.paused_until <= (today_ordinal() if today is None else today)

    def remove(self, row_id: int) -> None:
        """Forget one profile (it becomes ineligible at once)."""
        with self._lock:
            if row_id in self.ids:
                old_id = self.ids[row_id]
                self._clear(row_id)
                for report in self._reports.get(old_id, ()):
                    self.manager_row[report] = -1

    def __len__(self) -> int:
        return len(self.ids)
