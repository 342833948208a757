"""Adapted model folders under models/: written owner-only, chosen through models/ACTIVE, pruned.

An adapted model is a derivative of the organisation's profiles, so its folder is owner-only from
the start: it is built inside a 0700 staging folder (model/export.py's copy keeps the packaged files'
modes, which are world-readable) and renamed into place once every file is 0600. It holds weights,
the tokenizer and configuration, `export.json` and `adapt.json` (figures only): never a profile text.

models/ACTIVE holds the name of the adapted folder the service uses (config.active_adapted_model reads
it; MATCHER_MODEL overrides it). Kept on disk: the active folder and the one it replaced (a server
started before the switch may still open files in it); older ones are deleted.
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
import shutil
import time
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from ...config import ACTIVE_POINTER, ADAPTED_PREFIX
from ...errors import AdaptRunning
from ...files import PRIVATE_DIR, PRIVATE_FILE, private_dir

log = logging.getLogger("matcher.adapt")

RECORD = "adapt.json"
_LOCK = ".adapt.lock"


def new_name(now: float | None = None) -> str:
    """A folder name for a new adapted model: adapted-YYYYMMDD-HHMMSS (local time)."""
    return ADAPTED_PREFIX + time.strftime("%Y%m%d-%H%M%S", time.localtime(now))


@contextmanager
def exclusive(models_dir: Path) -> Iterator[None]:
    """Hold the models folder's adapt lock (one adaptation or revert at a time), and remove the staging
    folders of adaptations that were killed.

    Raises:
        AdaptRunning: another process holds it.
    """
    models_dir.mkdir(parents=True, exist_ok=True)
    fd = os.open(models_dir / _LOCK, os.O_RDWR | os.O_CREAT, PRIVATE_FILE)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise AdaptRunning(
                f"another `mentor-match adapt` is running on {models_dir}; try again when it has finished"
            ) from None
        # Holding the lock, no other adaptation is running: a staging folder left behind is from one that
        # was killed, and may hold weights made from the profiles.
        for stale in models_dir.glob(".adapt-*"):
            shutil.rmtree(stale, ignore_errors=True)
        yield
    finally:
        os.close(fd)


@contextmanager
def staging(models_dir: Path) -> Iterator[Path]:
    """A private (0700) scratch folder inside `models_dir`, removed afterwards."""
    folder = private_dir(models_dir / f".adapt-{os.getpid()}")
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def export_private(trained: Path, models_dir: Path, name: str, stage: Path, record: dict) -> Path:
    """Export `trained` to ONNX and int8 as `mentor-match export-model` does, and move it owner-only
    into `models_dir/name`.

    Args:
        trained: the fine-tuned sentence-transformers folder (inside `stage`).
        models_dir: the models folder.
        name: the new folder's name (see new_name).
        stage: a private folder (see staging) to build in.
        record: what to write as adapt.json (figures only).
    Returns:
        The new model folder.
    """
    from ..export import export_model

    # The ONNX tracer's warnings and sentence-transformers' advice to save are for library users, not
    # for this command's reader.
    library_log = logging.getLogger("sentence_transformers.backend")
    level = library_log.level
    library_log.setLevel(logging.ERROR)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            for line in export_model(stage, source=trained, name=name, force=True):
                log.info("export: %s", line)
    finally:
        library_log.setLevel(level)
    built = stage / name
    write_record(built, record)
    for path in [built, *built.rglob("*")]:
        os.chmod(path, PRIVATE_DIR if path.is_dir() else PRIVATE_FILE)
    target = models_dir / name
    os.rename(built, target)
    return target


def write_record(folder: Path, record: dict) -> None:
    """Write (or rewrite) adapt.json in a model folder, owner-only."""
    path = folder / RECORD
    path.write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")
    os.chmod(path, PRIVATE_FILE)


def read_record(folder: Path) -> dict | None:
    """A model folder's adapt.json, or None."""
    try:
        return json.loads((folder / RECORD).read_text(encoding="utf-8"))
    except (FileNotFoundError, ValueError):
        return None


def active_name(models_dir: Path) -> str | None:
    """The folder name models/ACTIVE holds, or None."""
    try:
        return (models_dir / ACTIVE_POINTER).read_text(encoding="utf-8").strip() or None
    except FileNotFoundError:
        return None


def activate(models_dir: Path, name: str) -> None:
    """Point models/ACTIVE at `name`, atomically (owner-only)."""
    tmp = models_dir / f".{ACTIVE_POINTER}.{os.getpid()}"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, PRIVATE_FILE)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(name + "\n")
    os.replace(tmp, models_dir / ACTIVE_POINTER)


def deactivate(models_dir: Path) -> str | None:
    """Remove models/ACTIVE (the service goes back to the bundled model); returns the name it held."""
    name = active_name(models_dir)
    (models_dir / ACTIVE_POINTER).unlink(missing_ok=True)
    return name


def adapted_folders(models_dir: Path) -> list[str]:
    """The names of the adapted model folders in `models_dir`, oldest first."""
    if not models_dir.is_dir():
        return []
    return sorted(p.name for p in models_dir.iterdir() if p.is_dir() and p.name.startswith(ADAPTED_PREFIX))


def remove(models_dir: Path, name: str) -> None:
    """Delete one adapted model folder."""
    shutil.rmtree(models_dir / name, ignore_errors=True)


def prune(models_dir: Path, keep: set[str]) -> list[str]:
    """Delete every adapted model folder but those named in `keep`; returns the deleted names."""
    deleted = []
    for name in adapted_folders(models_dir):
        if name not in keep:
            shutil.rmtree(models_dir / name, ignore_errors=True)
            deleted.append(name)
    return deleted
