"""A file of outcomes into the store (`mentor-match outcomes import FILE`): JSON Lines or CSV.

Rows are validated like profiles: every good row is stored, every bad one named with its line and its
field (an unknown mentor id too: rejected, never stored). Each row's need is embedded (as a match
embeds a need) and stored with it, for the learned ranking's "what similar needs chose" signal. The same
row twice (the same content hash) is stored once: importing a file again adds nothing.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import FieldError, InvalidInput
from ..importing.readers import detect_format, read_text
from ..model.embedder import Embedder
from ..store import ProfileStore
from ..text.need import clean_need
from .records import OUTCOME_FIELDS, Outcome, parse_outcome

BATCH = 512  # rows embedded and committed per step


@dataclass
class OutcomeImport:
    """What an import did: counts, and each rejected row with its line (1-based) and reasons."""

    added: int = 0
    unchanged: int = 0
    rejected: list[dict[str, Any]] = field(default_factory=list)

    def summary(self) -> dict[str, int]:
        """The three counts."""
        return {"added": self.added, "unchanged": self.unchanged, "rejected": len(self.rejected)}


def read_outcome_file(path: str | Path) -> tuple[list[tuple[int, Any]], str]:
    """All (line, row) pairs of an outcome file (JSON Lines, a JSON array or CSV), and its format.

    A CSV row's blank cells are left out (an optional column may be blank); a row that cannot be parsed
    becomes an InvalidInput at its line.
    """
    path = Path(path)
    text = path.read_text(encoding="utf-8-sig")
    fmt = detect_format(text, path.name)
    rows = list(_csv(text)) if fmt == "csv" else list(read_text(text, fmt))
    return rows, fmt


def _csv(text: str) -> Iterator[tuple[int, Any]]:
    reader = csv.DictReader(io.StringIO(text))
    for row in reader:
        if None in row:
            yield reader.line_num, InvalidInput([FieldError("", "more cells than columns in the header")])
            continue
        yield (
            reader.line_num,
            {
                key.strip(): value.strip()
                for key, value in row.items()
                if key is not None and value is not None and value.strip()
            },
        )


def need_text(need: str) -> str:
    """The text of a need that is embedded (as the match pipeline's first query text)."""
    return clean_need(need) or need.strip()


def embed_needs(embedder: Embedder, needs: list[str]) -> np.ndarray:
    """The needs' vectors exactly as a match embeds a need: its cleaned text, alone, on the query path (the
    int8 model quantizes activations per batch, so a need batched with others gets a slightly different
    vector: cosine 0.98-0.99). Never through the query cache: they are people's words, not queries."""
    if not needs:
        return np.zeros((0, embedder.dim), dtype=np.float32)
    return np.vstack([embedder.encode_uncached([need_text(n)]) for n in needs])


def import_outcomes(store: ProfileStore, embedder: Embedder, items: Iterable[tuple[int, Any]]) -> OutcomeImport:
    """Validate, embed and store outcome rows; every good row is stored, every bad one reported.

    Args:
        items: (line number, row) pairs; a row is a dict, or an InvalidInput for a line that could not be parsed.
    """
    report = OutcomeImport()
    batch: list[tuple[int, Outcome]] = []
    for line, item in items:
        if isinstance(item, InvalidInput):
            _reject(report, line, item.errors)
            continue
        try:
            batch.append((line, parse_outcome(item)))
        except InvalidInput as exc:
            _reject(report, line, exc.errors)
            continue
        if len(batch) >= BATCH:
            _store(store, embedder, batch, report)
            batch = []
    _store(store, embedder, batch, report)
    report.rejected.sort(key=lambda r: r["line"])
    return report


def _store(store: ProfileStore, embedder: Embedder, batch: list[tuple[int, Outcome]], report: OutcomeImport) -> None:
    if not batch:
        return
    known = store.known_outcomes([o.content_hash for _, o in batch])
    fresh = [o for _, o in batch if o.content_hash not in known]
    vectors = dict(zip((o.content_hash for o in fresh), embed_needs(embedder, [o.need for o in fresh])))
    statuses = store.add_outcomes([o for _, o in batch], [vectors.get(o.content_hash) for _, o in batch], embedder.key)
    for (line, outcome), status in zip(batch, statuses):
        if status == "unknown mentor":
            _reject(report, line, [FieldError("mentor_id", f"no stored profile has the id {outcome.mentor_id!r}")])
        elif status == "added":
            report.added += 1
        else:
            report.unchanged += 1


def _reject(report: OutcomeImport, line: int, errors: list[FieldError]) -> None:
    report.rejected.append({"line": line, "errors": [{"field": e.field, "reason": e.reason} for e in errors]})


__all__ = ["OUTCOME_FIELDS", "OutcomeImport", "embed_needs", "import_outcomes", "need_text", "read_outcome_file"]
