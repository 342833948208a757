"""Read a cohort file: JSON Lines (`{"id": "<stored profile id>", "need": "in their own words"}` a line) or CSV
with the columns `id,need`. Without a need, the programme uses the profile's goals.

Pure: the standard library only. A bad line becomes an error naming its line, so every one is reported.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

from ..errors import FieldError, InvalidInput


def read_cohort(path: str | Path) -> list[dict[str, Any]]:
    """The cohort members of a file (JSON Lines, or CSV by its .csv name or a first line `id,need`).

    Raises:
        InvalidInput: naming the line and the reason of every bad line.
    """
    path = Path(path)
    text = path.read_text(encoding="utf-8-sig")
    is_csv = path.suffix.lower() == ".csv" or text.lstrip().lower().startswith("id,")
    members, errors = (_csv if is_csv else _jsonl)(text)
    if errors:
        raise InvalidInput(errors)
    if not members:
        raise InvalidInput([FieldError("cohort", f"{path.name} holds no cohort member")])
    return members


def _jsonl(text: str) -> tuple[list[dict[str, Any]], list[FieldError]]:
    members, errors = [], []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
        except json.JSONDecodeError as exc:
            errors.append(FieldError(f"line {number}", f"not valid JSON ({exc.msg})"))
            continue
        if not isinstance(item, dict):
            errors.append(FieldError(f"line {number}", 'expected an object like {"id": ..., "need": ...}'))
            continue
        members.append(item)
    return members, errors


def _csv(text: str) -> tuple[list[dict[str, Any]], list[FieldError]]:
    reader = csv.DictReader(io.StringIO(text))
    columns = [c.strip() for c in reader.fieldnames or []]
    if "id" not in columns:
        return [], [FieldError("line 1", f"a cohort CSV needs the columns id,need; got {','.join(columns)}")]
    members, errors = [], []
    for row in reader:
        extra = set(k.strip() for k in row if k) - {"id", "need"}
        if extra:
            errors.append(FieldError(f"line {reader.line_num}", f"unknown column(s) {', '.join(sorted(extra))}"))
            continue
        member = {"id": (row.get("id") or "").strip()}
        if (row.get("need") or "").strip():
            member["need"] = row["need"].strip()
        members.append(member)
    return members, errors
