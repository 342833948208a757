"""Read profile files: JSON Lines, a JSON array, or CSV, as (line number, item) pairs.

A row that cannot be parsed becomes an InvalidInput item at its line, so that an import reports it
and goes on with the others.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from ..errors import FieldError, InvalidInput
from ..profiles import Profile

LIST_FIELDS = ("skills", "styles", "formats", "languages")
INT_FIELDS = ("seniority", "capacity")
FLOAT_FIELDS = ("flash_hours_per_month",)
BOOL_FIELDS = ("active", "discoverable")
CSV_LIST_SEPARATORS = ("|", ";")


def detect_format(text: str, name: str = "") -> str:
    """ "jsonl", "json" or "csv", from the file name, else from the first character."""
    lower = name.lower()
    for suffix, fmt in ((".jsonl", "jsonl"), (".ndjson", "jsonl"), (".json", "json"), (".csv", "csv")):
        if lower.endswith(suffix):
            if fmt == "json" and text.lstrip().startswith("{"):
                return "jsonl"  # one object per line saved as .json
            return fmt
    first = text.lstrip()[:1]
    return "json" if first == "[" else "jsonl" if first == "{" else "csv"


def read_text(text: str, fmt: str) -> Iterator[tuple[int, Any]]:
    """(line, item) pairs from text in the given format ("jsonl", "json" or "csv")."""
    if fmt == "jsonl":
        yield from _jsonl(text)
    elif fmt == "json":
        yield from _json_array(text)
    elif fmt == "csv":
        yield from _csv(text)
    else:
        raise ValueError(f"format: expected jsonl, json or csv, got {fmt!r}")


def read_file(path: str | Path) -> tuple[list[tuple[int, Any]], str]:
    """All (line, item) pairs of a profile file, and the detected format."""
    path = Path(path)
    text = path.read_text(encoding="utf-8-sig")
    fmt = detect_format(text, path.name)
    return list(read_text(text, fmt)), fmt


def _jsonl(text: str) -> Iterator[tuple[int, Any]]:
    for line_no, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            yield line_no, json.loads(line)
        except json.JSONDecodeError as exc:
            yield line_no, InvalidInput([FieldError("", f"not valid JSON ({exc.msg} at column {exc.colno})")])
        except (ValueError, RecursionError) as exc:  # integers too long for Python, nesting too deep
            reason = "nested too deeply" if isinstance(exc, RecursionError) else str(exc)
            yield line_no, InvalidInput([FieldError("", f"not acceptable JSON ({reason})")])


def _json_array(text: str) -> Iterator[tuple[int, Any]]:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        yield exc.lineno, InvalidInput([FieldError("", f"not valid JSON ({exc.msg} at line {exc.lineno})")])
        return
    if not isinstance(data, list):
        yield 1, InvalidInput([FieldError("", "a JSON file must hold an array of profiles")])
        return
    yield from enumerate(data, start=1)


def _csv(text: str) -> Iterator[tuple[int, Any]]:
    reader = csv.DictReader(io.StringIO(text))
    known = set(Profile.model_fields)
    for row in reader:
        line_no = reader.line_num
        try:
            yield line_no, _csv_row(row, known)
        except InvalidInput as exc:
            yield line_no, exc


def _csv_row(row: dict[str, str | None], known: set[str]) -> dict[str, Any]:
    item: dict[str, Any] = {}
    errors: list[FieldError] = []
    for key, raw in row.items():
        if key is None:
            errors.append(FieldError("", "more cells than columns in the header"))
            continue
        key = key.strip()
        value = (raw or "").strip()
        if value == "" and key in BOOL_FIELDS:
            # A blank cell must never make someone visible (the default is true): say so instead.
            errors.append(
                FieldError(key, "blank cell: write true or false (a blank never makes a person active or discoverable)")
            )
            continue
        if value == "":
            continue
        if key not in known:
            item[key] = value  # let validation name it (unknown or protected)
        elif key in LIST_FIELDS:
            sep = next((s for s in CSV_LIST_SEPARATORS if s in value), ",")
            item[key] = [v.strip() for v in value.split(sep) if v.strip()]
        elif key in INT_FIELDS:
            try:
                item[key] = int(value)
            except ValueError:
                errors.append(FieldError(key, f"expected a whole number, got {value!r}"))
        elif key in FLOAT_FIELDS:
            try:
                item[key] = float(value)
            except ValueError:
                errors.append(FieldError(key, f"expected a number, got {value!r}"))
        elif key in BOOL_FIELDS:
            if value.lower() in ("true", "1", "yes"):
                item[key] = True
            elif value.lower() in ("false", "0", "no"):
                item[key] = False
            else:
                errors.append(FieldError(key, f"expected true or false, got {value!r}"))
        else:
            item[key] = value
    if errors:
        raise InvalidInput(errors)
    return item
