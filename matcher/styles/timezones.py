"""Time zones for the style rules: a zone's UTC offset now, and the working hours two offsets share.

Pure: the standard library (zoneinfo) and numpy. Offsets follow daylight saving, so they are computed
when needed, never stored with a profile.
"""

from __future__ import annotations

from datetime import UTC, datetime
from functools import lru_cache
from zoneinfo import ZoneInfo

import numpy as np

WORKDAY_HOURS = 8.0


def utc_offset_hours(tz_name: str | None, at: datetime | None = None) -> float:
    """The UTC offset of an IANA zone at a moment (default: now), in hours; NaN when unknown.

    Offsets follow daylight saving, so they are computed when needed, never stored with a profile.
    """
    if at is None:
        return _offset_this_hour(tz_name, datetime.now(UTC).strftime("%Y-%m-%dT%H"))
    if not tz_name:
        return float("nan")
    try:
        offset = at.astimezone(ZoneInfo(tz_name)).utcoffset()
    except Exception:  # an unknown zone name in old data: treat as unknown
        return float("nan")
    return offset.total_seconds() / 3600.0 if offset is not None else float("nan")


@lru_cache(maxsize=4096)
def _offset_this_hour(tz_name: str | None, hour: str) -> float:
    # Daylight-saving changes happen on the hour (UTC) in all but a handful of zones: an offset
    # computed once per zone and hour is right for the whole hour.
    return utc_offset_hours(tz_name, datetime.strptime(hour, "%Y-%m-%dT%H").replace(tzinfo=UTC, minute=30))


def overlap_hours(offset_a: np.ndarray | float, offset_b: float) -> np.ndarray:
    """Hours two 9-to-5 working days share, given UTC offsets in hours (NaN offsets give NaN)."""
    diff = np.abs(np.asarray(offset_a, dtype=np.float32) - offset_b) % 24
    diff = np.minimum(diff, 24 - diff)
    return np.clip(WORKDAY_HOURS - diff, 0, WORKDAY_HOURS)


def today_ordinal() -> int:
    """Today's date in UTC as date.toordinal (what a mentor's `paused_until` is compared with)."""
    return datetime.now(UTC).date().toordinal()
