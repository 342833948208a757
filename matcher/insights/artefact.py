"""The skills map on disk: one versioned file per build in `<data dir>/insights/`, owner-only.

`map-NNNNNN.npz` (NumPy arrays, no pickled objects) holds the build's tables over store row ids (who
wants which topic and how well the best mentor answers, who can teach it, seniority bands and department
numbers) and a JSON manifest (when and from what it was built, the settings, department names, the topics'
label words, the skills nobody asks for). No text of a person: labels are words at least min_group people
used, skills are tags at least min_group mentors list. A build writes a temporary file, fsyncs it and
renames it into place (readers see the old map or the new one), then deletes every older map, so an
erased person's rows are gone from the disk once a build after the erasure has finished.

One build at a time per data directory (a lock file). Each replica (its own data directory) keeps its own map.
"""

from __future__ import annotations

import fcntl
import json
import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np

from ..files import private_dir, private_file, tighten
from .summary import MapTables

FOLDER = "insights"
FORMAT = 1
_NAME = re.compile(r"^map-(\d{6})\.npz$")
ARRAYS = (
    "person_row",
    "person_band",
    "person_department",
    "demand_row",
    "demand_topic",
    "demand_score",
    "demand_source",
    "demand_wish",
    "supply_row",
    "supply_topic",
    "offered_skill",
    "offered_row",
)
TABLE_ARRAYS = (
    "person_row",
    "person_band",
    "person_department",
    "demand_row",
    "demand_topic",
    "demand_score",
    "supply_row",
    "supply_topic",
    "offered_skill",
    "offered_row",
)


class BuildRunning(RuntimeError):
    """Another process is building the map of this data directory."""


class NoMap(LookupError):
    """No map has been built yet in this data directory."""


class StoredMap:
    """A map as read from disk: its manifest, its arrays, and its tables (summary.MapTables)."""

    def __init__(self, name: str, manifest: dict[str, Any], arrays: dict[str, np.ndarray]):
        self.name, self.manifest, self.arrays = name, manifest, arrays

    @property
    def version(self) -> int:
        return int(_NAME.match(self.name).group(1))

    def tables(self) -> MapTables:
        """The arrays and names the summary is computed from."""
        m = self.manifest
        return MapTables(m["topics"], m["departments"], m["skills"], **{key: self.arrays[key] for key in TABLE_ARRAYS})


class MapFiles:
    """The versioned maps of one data directory."""

    def __init__(self, data_dir: Path):
        self.folder = Path(data_dir) / FOLDER

    def tighten(self) -> None:
        """Make the folder and its files owner-only, as every file of the data directory (one written by an
        older version, or with another umask, is tightened when the service opens)."""
        if self.folder.is_dir():
            tighten(self.folder)
            for path in self.folder.iterdir():
                tighten(path)

    def names(self) -> list[str]:
        """The map files present, oldest first."""
        try:
            found = [p.name for p in self.folder.iterdir() if _NAME.match(p.name)]
        except FileNotFoundError:
            return []
        return sorted(found)

    def current(self) -> StoredMap:
        """The newest map. Raises NoMap when none was built."""
        for _ in range(3):  # a build may delete the file between listing and opening it: list again
            names = self.names()
            if not names:
                raise NoMap("no skills map has been built yet: run `mentor-match insights build`")
            try:
                return self._read(names[-1])
            except FileNotFoundError:
                continue
        raise NoMap("the skills map kept changing while being read; try again")

    def _read(self, name: str) -> StoredMap:
        with np.load(self.folder / name, allow_pickle=False) as data:
            arrays = {key: data[key] for key in data.files}
        manifest = json.loads(arrays.pop("manifest").tobytes().decode("utf-8"))
        if manifest.get("format") != FORMAT:
            raise NoMap(f"{name} was written by another version (format {manifest.get('format')}): build it again")
        return StoredMap(name, manifest, arrays)

    @contextmanager
    def building(self) -> Iterator[None]:
        """Held while a build runs; raises BuildRunning at once when another process holds it."""
        private_dir(self.folder)
        lock_path = self.folder / ".lock"
        fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                raise BuildRunning("a skills map build is already running on this data directory") from None
            yield
        finally:
            os.close(fd)

    def write(self, manifest: dict[str, Any], arrays: dict[str, np.ndarray]) -> str:
        """Write a new map (call it inside `building()`), make it the newest, delete the older ones; its name."""
        private_dir(self.folder)
        names = self.names()
        number = int(_NAME.match(names[-1]).group(1)) + 1 if names else 1
        name = f"map-{number:06d}.npz"
        manifest = {**manifest, "format": FORMAT, "version": name.removesuffix(".npz")}
        temporary = self.folder / f".{name}.{os.getpid()}.tmp"
        payload = {key: np.ascontiguousarray(arrays[key]) for key in ARRAYS}
        payload["manifest"] = np.frombuffer(json.dumps(manifest, ensure_ascii=False).encode("utf-8"), dtype=np.uint8)
        try:
            descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(descriptor, "wb") as out:
                np.savez(out, **payload)
                out.flush()
                os.fsync(out.fileno())
            private_file(temporary)
            os.replace(temporary, self.folder / name)
        finally:
            temporary.unlink(missing_ok=True)
        _fsync_dir(self.folder)
        for old in names:
            (self.folder / old).unlink(missing_ok=True)
        for stale in self.folder.glob(".map-*.tmp"):  # left by a build that was killed
            if not _owned_by_live_process(stale):
                stale.unlink(missing_ok=True)
        _fsync_dir(self.folder)
        return name.removesuffix(".npz")


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _owned_by_live_process(path: Path) -> bool:
    try:
        pid = int(path.name.split(".")[-2])
        os.kill(pid, 0)
    except (ValueError, IndexError, ProcessLookupError):
        return False
    except PermissionError:
        return True
    return True
