"""The progress export (`mentor-match relationships export --out FILE`): one CSV row per relationship.

The file is written the way the data directory is kept: created for its owner only (0600), never through a
symbolic link, never over an existing file. Cells a spreadsheet would run as a formula (starting with =, +,
-, @, a tab or a carriage return) are written with a leading apostrophe (OWASP "CSV injection", csvsafe.py):
the topics are the mentee's own words.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from ..csvsafe import csv_text
from ..files import write_private_output

COLUMNS = (
    "relationship_id",
    "origin",
    "request_id",
    "programme_id",
    "mentee_id",
    "mentor_id",
    "style",
    "state",
    "end_reason",
    "started",
    "ended",
    "sessions_done",
    "sessions_missed",
    "sessions_planned",
    "topics_covered",
    "fit_mentee",
    "fit_mentor",
)


def write_export(path: str | Path, rows: Iterable[dict[str, Any]]) -> int:
    """Write the progress CSV to a new owner-only file; returns how many rows.

    Raises:
        OutputRefused: something (a file, a link) is already at `path`: nothing is overwritten or followed.
    """
    rows = list(rows)
    write_private_output(path, csv_text(COLUMNS, [[row.get(column) for column in COLUMNS] for row in rows]))
    return len(rows)
