"""InsightsService: the skills map over a MatchService (its store, model, settings and live catalog).

Builds the map (build.py) into the data directory's map files (artefact.py), and reads the newest one
for the faces: the summary (summary.py) over the people still stored, the people who want a topic, and
that list as a cohort file for `mentor-match pair`. The CLI and the HTTP API call it through
`MatchService.insights`; nothing here touches SQLite, PostgreSQL or FAISS directly.

Erasure: the summary and the lists drop an erased person at once (their row is no longer in this
process's catalog, which follows the store's deletes); the map file forgets them at the next build.
"""

from __future__ import annotations

import json
import logging
from typing import TYPE_CHECKING, Any

import numpy as np

from .artefact import BuildRunning, MapFiles, NoMap, StoredMap
from .build import PROGRAMME_NEED, MapSettings, build_map, request_index
from .summary import build_summary
from .texts import BANDS, wishes

if TYPE_CHECKING:
    from ..service import MatchService

__all__ = ["InsightsService", "NoMap", "UnknownTopic"]

log = logging.getLogger("matcher.insights")


class UnknownTopic(LookupError):
    """The map has no topic with this id."""


class InsightsService:
    """The skills map of one MatchService."""

    def __init__(self, service: MatchService):
        self._service = service
        self.files = MapFiles(service.settings.data_dir)

    @property
    def settings(self) -> MapSettings:
        s = self._service.settings
        return MapSettings(s.insights_min_group, s.insights_topics, s.insights_threshold)

    def build(self) -> dict[str, Any]:
        """Build a new map from the store now (BuildRunning if another build holds this data directory)."""
        return build_map(self._service.store, self._service.embedder, self.files, self.settings)

    def build_quietly(self) -> dict[str, Any]:
        """build() after a re-index: a map that cannot be built now never fails the re-index, which has
        switched already; returns the build's report, or {"error": why} (logged)."""
        try:
            return self.build()
        except BuildRunning as exc:
            return {"error": str(exc)}
        except Exception as exc:
            log.exception("skills map not built after the re-index")
            return {"error": f"{type(exc).__name__}: {exc}"}

    def current(self) -> StoredMap:
        """The newest map on disk (NoMap if none)."""
        return self.files.current()

    def _live_rows(self) -> np.ndarray:
        state = self._service.refresh()  # caught up with the store: erased rows are gone from the catalog
        with state.lock.read():
            return np.fromiter(list(state.catalog.ids), dtype=np.int64)

    def summary(self, stored: StoredMap | None = None) -> dict[str, Any]:
        """The map for people to read: every count over the people still stored, suppressed below the
        min group (the larger of the setting and the build's), with when and how it was built."""
        stored = stored or self.current()
        built = stored.manifest
        min_group = max(self.settings.min_group, built["settings"]["min_group"])
        tables = stored.tables().only(self._live_rows())
        tables.topics = [{**t, "terms": [(term, n) for term, n in t["terms"] if n >= min_group]} for t in tables.topics]
        result = build_summary(tables, min_group, built["settings"]["threshold"])
        return {
            "version": built["version"],
            "built_at": built["created_at"],
            "build_seconds": built["seconds"],
            "store_changes_since": max(0, self._service.store.current_seq() - built["seq"]),
            **result,
        }

    def people(self, topic_id: int, stored: StoredMap | None = None) -> list[dict[str, Any]]:
        """The people who want a topic, read from the store now (erased and inactive people left out):
        [{"id", "name", "title", "seniority", "band", "department", "wish", "source", "score"}], best
        answered last (the least covered first). Admins only: it names people and quotes their wishes.

        Raises:
            UnknownTopic: no such topic in the map.
        """
        stored = stored or self.current()
        if not any(t["id"] == topic_id for t in stored.manifest["topics"]):
            raise UnknownTopic(topic_id)
        a = stored.arrays
        picked = np.flatnonzero(a["demand_topic"] == topic_id)
        rows = sorted({int(r) for r in a["demand_row"][picked]})
        profiles = self._service.store.get_many(rows)
        programmes = stored.manifest["programmes"]
        requests = stored.manifest.get("requests", [])
        sources = {int(s) for s in a["demand_source"][picked]}
        needs = self._programme_needs(programmes, {s for s in sources if s >= 0})
        asked = self._request_needs(requests, {request_index(s) for s in sources} - {None})
        found: dict[int, dict[str, Any]] = {}
        for i in picked:
            row, source, number = int(a["demand_row"][i]), int(a["demand_source"][i]), int(a["demand_wish"][i])
            profile = profiles.get(row)
            if profile is None or not profile.active:
                continue
            if source == PROGRAMME_NEED:
                text, origin = profile.goals, "goals"
            elif request_index(source) is not None:
                index = request_index(source)
                text, origin = asked.get((index, profile.id), ""), f"request {requests[index]}"
            else:
                text, origin = needs.get((source, profile.id), ""), f"programme {programmes[source]}"
            parts = wishes(text)
            wish = parts[number] if number < len(parts) else text.strip()
            score = round(float(a["demand_score"][i]), 4)
            if not wish or (row in found and found[row]["score"] >= score):
                continue
            found[row] = {
                "id": profile.id,
                "name": profile.name,
                "title": profile.title,
                "seniority": profile.seniority,
                "band": next(name for name, low, high in BANDS if low <= profile.seniority <= high),
                "department": profile.department,
                "wish": wish,
                "source": origin,
                "score": score,
            }
        return sorted(found.values(), key=lambda p: (p["score"], p["id"]))

    def _request_needs(self, requests: list[str], wanted: set[int]) -> dict[tuple[int, str], str]:
        """{(index, mentee id): need} of the introductions still stored (an erased person's are gone)."""
        found: dict[tuple[int, str], str] = {}
        for index in wanted:
            record = self._service.store.request(requests[index]) if index < len(requests) else None
            if record is not None:
                found[(index, record.mentee_id)] = record.need
        return found

    def _programme_needs(self, programmes: list[str], wanted: set[int]) -> dict[tuple[int, str], str]:
        store = self._service.store
        needs: dict[tuple[int, str], str] = {}
        for index in wanted:
            for member in store.cohort(programmes[index]) if index < len(programmes) else []:
                if member.profile_id:
                    needs[(index, member.profile_id)] = member.need
        return needs

    def cohort_jsonl(self, topic_id: int) -> str:
        """The people who want a topic as a cohort file for `mentor-match pair`: {"id", "need"} a line."""
        return "".join(
            json.dumps({"id": p["id"], "need": p["wish"]}, ensure_ascii=False) + "\n" for p in self.people(topic_id)
        )
