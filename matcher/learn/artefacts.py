"""Learned rankings on disk: `<data dir>/learned/ranking-<date>-<time>/`, chosen by `<data dir>/learned/ACTIVE`.

A folder holds `model.json` (the kind, the feature names, linear weights or nothing, the calibration
curve), `model.txt` for LightGBM's trees, and `record.json`: what it was trained on (counts and dates,
never a text or an id) and how it measured. Owner-only like the rest of the data dir: its weights are
a derivative of the organisation's outcomes (SECURITY.md "Outcomes").

Why the data dir and not models/: a learned ranking belongs to one store's outcome log, as the index
generations do, while models/ belongs to the installation. Only the active folder is kept: a process
reads a ranking whole when it loads it, so nothing still needs an older one, and an older one may hold
what erased people's outcomes taught it.
"""

from __future__ import annotations

import json
import os
import shutil
import time
from pathlib import Path

from ..files import PRIVATE_DIR, PRIVATE_FILE, private_dir
from .features import FEATURES
from .models import FittedModel

FOLDER = "learned"
POINTER = "ACTIVE"
PREFIX = "ranking-"
FORMAT = 1  # the layout of a ranking folder; a folder of another format is refused (re-learn)


def root(data_dir: Path) -> Path:
    """The folder of learned rankings in a data dir (created owner-only)."""
    return private_dir(Path(data_dir) / FOLDER)


def new_name(folder: Path, now: float | None = None) -> str:
    """A name for a new ranking: ranking-YYYYMMDD-HHMMSS (local time), made unique in `folder`."""
    base = PREFIX + time.strftime("%Y%m%d-%H%M%S", time.localtime(now))
    name, n = base, 1
    while (folder / name).exists():
        n += 1
        name = f"{base}-{n}"
    return name


def save(data_dir: Path, model: FittedModel, record: dict) -> str:
    """Write a ranking folder (owner-only, complete before it gets its name); returns its name."""
    folder = root(data_dir)
    name = new_name(folder)
    stage = private_dir(folder / f".{name}.{os.getpid()}")
    try:
        _write(stage / "model.json", json.dumps({"format": FORMAT, **model.to_json()}, indent=2))
        if model.booster_text is not None:
            _write(stage / "model.txt", model.booster_text)
        _write(stage / "record.json", json.dumps(record, indent=2, default=str))
        os.chmod(stage, PRIVATE_DIR)
        os.rename(stage, folder / name)
    finally:
        shutil.rmtree(stage, ignore_errors=True)
    return name


def _write(path: Path, text: str) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, PRIVATE_FILE)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(text + ("" if text.endswith("\n") else "\n"))


def load(data_dir: Path, name: str) -> tuple[FittedModel, dict]:
    """A saved ranking and its record.

    Raises:
        ValueError: the folder is missing, of another format, or made with other features (re-learn).
    """
    folder = Path(data_dir) / FOLDER / name
    try:
        data = json.loads((folder / "model.json").read_text(encoding="utf-8"))
        record = json.loads((folder / "record.json").read_text(encoding="utf-8"))
        booster = (folder / "model.txt").read_text(encoding="utf-8") if data.get("kind") == "lightgbm" else None
    except (FileNotFoundError, ValueError) as exc:
        raise ValueError(f"learned ranking {name}: unreadable ({exc})") from None
    if data.get("format") != FORMAT or tuple(data.get("features", ())) != FEATURES:
        raise ValueError(
            f"learned ranking {name}: made by another version (its format or features differ); "
            f"run `mentor-match learn` again"
        )
    return FittedModel.from_json(data, booster), record


def active_name(data_dir: Path) -> str | None:
    """The ranking ACTIVE names, or None."""
    try:
        name = (Path(data_dir) / FOLDER / POINTER).read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        return None
    return name if name.startswith(PREFIX) and "/" not in name else None


def activate(data_dir: Path, name: str) -> list[str]:
    """Point ACTIVE at `name` (atomically) and delete every other ranking; returns the deleted names."""
    folder = root(data_dir)
    tmp = folder / f".{POINTER}.{os.getpid()}"
    _write(tmp, name)
    os.replace(tmp, folder / POINTER)
    return prune(data_dir, keep={name})


def deactivate(data_dir: Path) -> tuple[str | None, list[str]]:
    """Remove ACTIVE and every ranking (back to the hand-tuned fusion); returns (the active name, deleted names)."""
    name = active_name(data_dir)
    (Path(data_dir) / FOLDER / POINTER).unlink(missing_ok=True)
    return name, prune(data_dir, keep=set())


def prune(data_dir: Path, keep: set[str]) -> list[str]:
    """Delete every ranking folder but those in `keep`; returns the deleted names."""
    folder = Path(data_dir) / FOLDER
    if not folder.is_dir():
        return []
    deleted = []
    for path in sorted(folder.iterdir()):
        if path.is_dir() and path.name.startswith(PREFIX) and path.name not in keep:
            shutil.rmtree(path, ignore_errors=True)
            deleted.append(path.name)
    return deleted
