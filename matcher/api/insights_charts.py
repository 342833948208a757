"""The skills map page's charts, as plain numbers for the templates (inline SVG and tables, no JavaScript).

Pure: takes the summary (insights.summary) and returns geometry and texts. A suppressed count (None) draws
no bar: it reads "fewer than N" instead, so the picture never shows more than the numbers may.
"""

from __future__ import annotations

from typing import Any

BAR_WIDTH = 260  # px of the longest bar
BAR_HEIGHT = 11
ROW_GAP = 4
LEFT = 2
HEAT_LEVELS = 5


def hidden_text(min_group: int) -> str:
    return f"fewer than {min_group}"


def bar_pair(first: int | None, second: int | None, scale: int, part: int | None = None) -> dict[str, Any]:
    """Two horizontal bars (first above second) on one scale; `part` of the first drawn as its own segment
    (the wishes nobody answers well). A None value gets no bar, only a dashed stub."""

    def length(value: int | None) -> float:
        return 0.0 if not value else round(BAR_WIDTH * value / max(scale, 1), 1)

    top, bottom = LEFT, LEFT
    return {
        "width": BAR_WIDTH + 60,
        "height": 2 * BAR_HEIGHT + ROW_GAP + 2,
        "first": {
            "x": top,
            "y": 1,
            "w": length(first),
            "h": BAR_HEIGHT,
            "hidden": first is None,
            "text_x": top + length(first) + 4,
            "text_y": BAR_HEIGHT,
            "text": _short(first),
        },
        "part": {"x": top + length(first) - length(part), "w": length(part)} if part else None,
        "second": {
            "x": bottom,
            "y": BAR_HEIGHT + ROW_GAP + 1,
            "w": length(second),
            "h": BAR_HEIGHT,
            "hidden": second is None,
            "text_x": bottom + length(second) + 4,
            "text_y": 2 * BAR_HEIGHT + ROW_GAP,
            "text": _short(second),
        },
    }


def _short(value: int | None) -> str:
    return "<" if value is None else str(value)


def topic_rows(summary: dict[str, Any]) -> list[dict[str, Any]]:
    """Every topic with its demand/supply bars, most wanted first; gaps flagged."""
    gaps = {gap["topic"] for gap in summary["gaps"]}
    topics = sorted(summary["topics"], key=lambda t: (-(t["demand"] or 0), t["id"]))
    scale = max([t["demand"] or 0 for t in topics] + [t["supply"] or 0 for t in topics] + [1])
    rows = []
    for t in topics:
        thin = t["demand"] and t["supply"] is not None and t["supply"] * 2 < t["demand"]
        rows.append(
            {
                **t,
                "gap": t["id"] in gaps,
                "thin": bool(thin),
                "bars": bar_pair(t["demand"], t["supply"], scale, t["uncovered"]),
            }
        )
    return rows


def reverse_rows(summary: dict[str, Any]) -> list[dict[str, Any]]:
    """The reverse-mentoring openings with their bars (seniors who want it above juniors who can teach it)."""
    openings = summary["reverse_mentoring"]
    scale = max([o["senior_demand"] for o in openings] + [o["junior_supply"] for o in openings] + [1])
    return [{**o, "bars": bar_pair(o["senior_demand"], o["junior_supply"], scale)} for o in openings]


def heat_table(summary: dict[str, Any], side: str, most: int = 15) -> dict[str, Any]:
    """Topics (the `most` most wanted) by department for one side ("demand" or "supply"): each cell's count,
    or "fewer than N", with a shade from 0 to HEAT_LEVELS; departments where every shown cell is 0 are left out."""
    topics = sorted(summary["topics"], key=lambda t: (-(t["demand"] or 0), t["id"]))[:most]
    key = f"{side}_by_department"
    columns = [name for name in summary["departments"] if any(t[key].get(name) != 0 for t in topics)]
    tallest = max([t[key].get(name) or 0 for t in topics for name in columns] + [1])
    rows = []
    for t in topics:
        cells = []
        for name in columns:
            value = t[key].get(name)
            level = 0 if not value else max(1, round(HEAT_LEVELS * value / tallest))
            cells.append({"value": value, "level": level, "hidden": value is None})
        rows.append({"id": t["id"], "label": t["label"], "cells": cells})
    return {"columns": columns, "rows": rows}
