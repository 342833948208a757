"""The progress export (`mentor-match relationships export --out FILE`): one CSV row per relationship.

The file is written the way the data directory is kept: created for its owner only (0600), never through a
symbolic link, never over an existing file. Cells a spreadsheet would run as a formula (starting with =, +,
-, @, a tab or a carriage return) are written with a leading apostrophe (OWASP "CSV injection"): the topics
are the mentee's own words. One function writes it, so that the project's shared owner-only writer and CSV
neutraliser (another branch) can replace it in one place.
"""

from __future__ import annotations

import csv
import io
import os
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

COLUMNS = ("relationship_id", "origin", "request_id", "programme_id", "mentee_id", "mentor_id", "style", "state",
           "end_reason", "started", "ended", "sessions_done", "sessions_missed", "sessions_planned",
           "topics_covered", "fit_mentee", "fit_mentor")
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(cell: Any) -> str:
    """A cell as text that no spreadsheet runs as a formula."""
    text = "" if cell is None else str(cell)
    if isinstance(cell, int | float) and not isinstance(cell, bool):
        return text  # a number is a number (a negative one included)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def csv_text(rows: Iterable[dict[str, Any]], columns: Sequence[str] = COLUMNS) -> str:
    """The rows as CSV with a header, every cell neutralised."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([neutralise(row.get(column)) for column in columns])
    return out.getvalue()


def write_export(path: str | Path, rows: Iterable[dict[str, Any]]) -> int:
    """Write the progress CSV to a new owner-only file; returns how many rows.

    Raises:
        FileExistsError: something (a file, a link) is already at `path`: nothing is overwritten or followed.
    """
    rows = list(rows)
    text = csv_text(rows)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC, 0o600)
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8", newline="") as out:
            out.write(text)
    except BaseException:
        Path(path).unlink(missing_ok=True)
        raise
    return len(rows)
