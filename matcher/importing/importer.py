"""Importer: many profiles into the store, every good one stored and every bad one named.

Items are validated one by one (profiles.py). A profile whose content did not change (same content
hash) is not touched; one whose texts did not change is stored without running the model; the others
are embedded together, a write batch at a time, in one length-sorted run (a few changed profiles per
batch would each pay for a batch padded to its longest text), and committed with their vectors, so a
crash halfway keeps every committed batch and a re-run skips them.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from tqdm import tqdm

from ..errors import FieldError, InvalidInput
from ..model.embedder import Embedder
from ..model.profile_vectors import embed_profiles
from ..profiles import Profile, content_hash, parse_profile, text_hash
from ..store import ProfileStore, Write

WRITE_BATCH = 256  # profiles read, and profiles embedded and committed, per step of an import


@dataclass
class ImportReport:
    """What an import did: counts, and each rejected item with its line (1-based) and reasons."""

    added: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: list[dict[str, Any]] = field(default_factory=list)
    results: list[dict[str, Any]] = field(default_factory=list)  # per item, in input order

    def summary(self) -> dict[str, int]:
        """The four counts."""
        return {
            "added": self.added,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "rejected": len(self.rejected),
        }

    def count(self, position: int, status: str) -> None:
        """Record the outcome of the item at `position` of `results`."""
        self.results[position]["status"] = status
        setattr(self, status, getattr(self, status) + 1)


class Importer:
    """Validates, embeds and stores profiles.

    Args:
        store: where profiles go.
        embedder: the model for changed texts.
        write_batch: profiles per step (read, embed, commit).
    """

    def __init__(self, store: ProfileStore, embedder: Embedder, write_batch: int | None = None):
        self.store = store
        self.embedder = embedder
        self.write_batch = write_batch or WRITE_BATCH

    def run(self, items: Iterable[tuple[int, Any]], progress: bool = False, total: int | None = None) -> ImportReport:
        """Validate and store many profiles.

        Args:
            items: (line number, item) pairs; an item is a dict, or an InvalidInput for a row that could
                not be parsed (so that it is reported with its line).
            progress: show a progress bar (on a terminal).
            total: how many items there are, for the progress bar.
        """
        report = ImportReport()
        bar = tqdm(total=total, desc="import", unit="profile", disable=not progress)
        batch: list[tuple[int, Profile]] = []  # (position in report.results, profile)
        pending: list[tuple[int, str, Write]] = []  # changed texts, embedded together once there are enough
        seen: set[str] = set()
        for line, item in items:
            try:
                if isinstance(item, InvalidInput):
                    raise item
                profile = parse_profile(item)
                if profile.id in seen:
                    raise InvalidInput([FieldError("id", f"{profile.id!r} appears twice in this import")])
                seen.add(profile.id)
                batch.append((len(report.results), profile))
                report.results.append({"line": line, "id": profile.id, "status": None})
            except InvalidInput as exc:
                errors = [{"field": e.field, "reason": e.reason} for e in exc.errors]
                report.rejected.append(
                    {"line": line, "id": item.get("id") if isinstance(item, dict) else None, "errors": errors}
                )
                report.results.append({"line": line, "status": "rejected", "errors": errors})
            if len(batch) >= self.write_batch:
                self._store_unembedded(batch, report, pending)
                bar.update(len(batch))
                batch = []
                if len(pending) >= self.write_batch:
                    self._store_embedded(pending, report)
        self._store_unembedded(batch, report, pending)
        self._store_embedded(pending, report)
        bar.update(len(batch))
        bar.close()
        return report

    def _store_unembedded(
        self, batch: list[tuple[int, Profile]], report: ImportReport, pending: list[tuple[int, str, Write]]
    ) -> None:
        """Store the batch's profiles whose texts did not change; queue those that need the model."""
        if not batch:
            return
        known = self.store.hashes([p.id for _, p in batch])
        writes: list[tuple[int, str, Write]] = []
        for position, profile in batch:
            c_hash, t_hash = content_hash(profile), text_hash(profile)
            old = known.get(profile.id)
            if old is not None and old[0] == c_hash:
                report.count(position, "unchanged")
                continue
            write = Write(profile, c_hash, t_hash, None)
            status = "updated" if old is not None else "added"
            (pending if old is None or old[1] != t_hash else writes).append((position, status, write))
        self.store.write([w for _, _, w in writes])
        for position, status, _ in writes:
            report.count(position, status)

    def _store_embedded(self, pending: list[tuple[int, str, Write]], report: ImportReport) -> None:
        """Embed the queued profiles in one run and store them with their vectors."""
        if not pending:
            return
        vectors = embed_profiles(self.embedder, [w.profile for _, _, w in pending])
        for (_, _, write), embeddings in zip(pending, vectors):
            write.embeddings = embeddings
        self.store.write([w for _, _, w in pending])
        for position, status, _ in pending:
            report.count(position, status)
        pending.clear()
