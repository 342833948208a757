"""The map as people read it: per topic, who wants it and who can teach it, by band and department, the
gaps, the skills nobody asks for and the reverse-mentoring openings; every count suppressed below
`min_group` people (privacy.py).

Pure: numpy only. It takes the artefact's tables (artefact.MapTables) restricted to the people still
stored, so an erased person leaves every count the moment they are erased, not at the next build.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from typing import Any

import numpy as np

from .privacy import shown, suppress_split
from .texts import BANDS

OTHER_DEPARTMENTS = "Other departments"
NO_DEPARTMENT = "No department"
SENIOR, JUNIOR = len(BANDS) - 1, 0


@dataclass
class MapTables:
    """What a build found, as arrays over store row ids (see artefact.py for how they are kept).

    people: every person counted, with their seniority band and department (index into `departments`,
    -1 none). demand: (person, topic) pairs with the best score any available mentor reached for that
    person's wishes in the topic. supply: (mentor, topic) pairs. offered: (skill, mentor) pairs.
    """

    topics: list[dict[str, Any]]  # {"id", "terms": [[term, people], ...]}
    departments: list[str]
    skills: list[str]
    person_row: np.ndarray
    person_band: np.ndarray
    person_department: np.ndarray
    demand_row: np.ndarray
    demand_topic: np.ndarray
    demand_score: np.ndarray
    supply_row: np.ndarray
    supply_topic: np.ndarray
    offered_skill: np.ndarray
    offered_row: np.ndarray

    def only(self, live_rows: np.ndarray) -> MapTables:
        """The same tables without the rows not in `live_rows` (people erased since the build)."""

        def keep(rows: np.ndarray) -> np.ndarray:
            return np.isin(rows, live_rows)

        p, d, s, o = keep(self.person_row), keep(self.demand_row), keep(self.supply_row), keep(self.offered_row)
        return MapTables(
            self.topics,
            self.departments,
            self.skills,
            self.person_row[p],
            self.person_band[p],
            self.person_department[p],
            self.demand_row[d],
            self.demand_topic[d],
            self.demand_score[d],
            self.supply_row[s],
            self.supply_topic[s],
            self.offered_skill[o],
            self.offered_row[o],
        )


def department_buckets(tables: MapTables, min_group: int) -> tuple[list[str], np.ndarray]:
    """The department columns (departments of at least min_group people, then "Other departments" and
    "No department") and each person's column. Small departments are pooled, so a department's name is
    never a column that could describe fewer than min_group people in the whole organisation."""
    names = tables.departments
    sizes = np.bincount(tables.person_department[tables.person_department >= 0], minlength=len(names))
    kept = [i for i in np.argsort([name.lower() for name in names], kind="stable") if sizes[i] >= min_group]
    columns = [names[i] for i in kept] + [OTHER_DEPARTMENTS, NO_DEPARTMENT]
    column_of = np.full(len(names) + 1, len(columns) - 2, dtype=np.int64)  # default: other
    for column, i in enumerate(kept):
        column_of[i] = column
    column_of[-1] = len(columns) - 1  # index -1: no department
    return columns, column_of[tables.person_department]


def build_summary(tables: MapTables, min_group: int, threshold: float) -> dict[str, Any]:
    """The map: topics with their counts (None where suppressed), the gaps, the skills nobody asks for and
    the reverse-mentoring openings. `threshold`: a wish is covered when its best score reaches it."""
    columns, person_column = department_buckets(tables, min_group)
    band_names = [name for name, _, _ in BANDS]
    facts = {
        int(row): (int(band), int(column))
        for row, band, column in zip(tables.person_row, tables.person_band, person_column)
    }
    topics = []
    for topic in tables.topics:
        tid = topic["id"]
        in_demand = tables.demand_topic == tid
        scores: dict[int, float] = {}
        for row, score in zip(tables.demand_row[in_demand], tables.demand_score[in_demand]):
            scores[int(row)] = max(scores.get(int(row), -1.0), float(score))
        wanting = sorted(scores)
        teaching = sorted({int(r) for r in tables.supply_row[tables.supply_topic == tid]})
        uncovered = sum(1 for row in wanting if scores[row] < threshold)
        entry = {
            "id": tid,
            "label": ", ".join(term for term, _ in topic["terms"]) or None,
            "terms": [term for term, _ in topic["terms"]],
            "demand": shown(len(wanting), min_group),
            "supply": shown(len(teaching), min_group),
        }
        entry["uncovered"] = (
            suppress_split({"uncovered": uncovered, "covered": len(wanting) - uncovered}, min_group)["uncovered"]
            if entry["demand"] is not None
            else None
        )
        for side, rows in (("demand", wanting), ("supply", teaching)):
            bands = np.bincount([facts[r][0] for r in rows], minlength=len(BANDS)) if rows else np.zeros(len(BANDS))
            departments = (
                np.bincount([facts[r][1] for r in rows], minlength=len(columns)) if rows else np.zeros(len(columns))
            )
            entry[f"{side}_by_band"] = _split(band_names, bands, entry[side], min_group)
            entry[f"{side}_by_department"] = _split(columns, departments, entry[side], min_group)
        topics.append(entry)
    return {
        "min_group": min_group,
        "threshold": threshold,
        "bands": [{"id": name, "seniority": f"{low}-{high}"} for name, low, high in BANDS],
        "departments": columns,
        "people": _people_counts(tables, min_group),
        "topics": topics,
        "gaps": gaps(topics),
        "unasked": unasked(tables, min_group),
        "reverse_mentoring": reverse(topics),
    }


def _split(names: list[str], counts: np.ndarray, total: int | None, min_group: int) -> dict[str, int | None]:
    if total is None:  # the total is small: every cell of it is too
        return {name: (0 if int(count) == 0 else None) for name, count in zip(names, counts)}
    return suppress_split({name: int(count) for name, count in zip(names, counts)}, min_group)


def _people_counts(tables: MapTables, min_group: int) -> dict[str, int | None]:
    return {
        "with_wishes": shown(len(np.unique(tables.demand_row)), min_group),
        "mentors_available": shown(len(np.unique(np.concatenate([tables.supply_row, tables.offered_row]))), min_group),
    }


def _value(count: int | None) -> int:
    return count or 0  # a suppressed count sorts as 0: the order must not reveal it


def gaps(topics: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Topics whose wishes no available mentor answers well (`uncovered` shown and above 0), most first."""
    found = [t for t in topics if _value(t["uncovered"]) > 0]
    found.sort(key=lambda t: (-_value(t["uncovered"]), _value(t["supply"]), t["id"]))
    return [
        {
            "topic": t["id"],
            "label": t["label"],
            "uncovered": t["uncovered"],
            "demand": t["demand"],
            "supply": t["supply"],
        }
        for t in found
    ]


def unasked(tables: MapTables, min_group: int) -> list[dict[str, Any]]:
    """Skills (mentors' own tags) that at least min_group available mentors list and nobody's wish is near."""
    found = []
    for index, skill in enumerate(tables.skills):
        mentors = len(np.unique(tables.offered_row[tables.offered_skill == index]))
        if mentors >= min_group:
            found.append({"skill": skill, "mentors": mentors})
    found.sort(key=lambda s: (-s["mentors"], s["skill"]))
    return found


def reverse(topics: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Reverse-mentoring openings: topics that seniors want and juniors can teach (both counts shown)."""
    senior, junior = BANDS[SENIOR][0], BANDS[JUNIOR][0]
    found = [t for t in topics if _value(t["demand_by_band"][senior]) > 0 and _value(t["supply_by_band"][junior]) > 0]
    found.sort(key=lambda t: (-min(t["demand_by_band"][senior], t["supply_by_band"][junior]), t["id"]))
    return [
        {
            "topic": t["id"],
            "label": t["label"],
            "senior_demand": t["demand_by_band"][senior],
            "junior_supply": t["supply_by_band"][junior],
        }
        for t in found
    ]


def summary_csv(summary: dict[str, Any]) -> str:
    """One row per topic; a suppressed count is written `<MIN` (e.g. `<5`). Every text cell starts with a
    word character (labels are words; department names follow a prefix), so none reads as a formula."""
    hidden = f"<{summary['min_group']}"
    bands = [band["id"] for band in summary["bands"]]
    header = ["topic", "label", "demand", "supply", "uncovered"]
    header += [f"{side}_{band}" for side in ("demand", "supply") for band in bands]
    header += [f"{side}_department:{name}" for side in ("demand", "supply") for name in summary["departments"]]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    for t in summary["topics"]:
        cells = [t["demand"], t["supply"], t["uncovered"]]
        cells += [t[f"{side}_by_band"][band] for side in ("demand", "supply") for band in bands]
        cells += [t[f"{side}_by_department"][name] for side in ("demand", "supply") for name in summary["departments"]]
        writer.writerow([t["id"], t["label"] or ""] + [hidden if cell is None else cell for cell in cells])
    return out.getvalue()
