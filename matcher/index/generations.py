"""Generations: versioned index generations under one folder, with an atomically switched CURRENT pointer.

A generation is written in a temporary folder, fsynced, renamed into place, and only later named in
CURRENT (write a temporary file, rename over): readers see the old generation or the new one, never a
half-written one. Every file is owner-only and checksummed in the generation's manifest.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import shutil
import time
from contextlib import contextmanager
from pathlib import Path

import faiss
import numpy as np

from ..errors import IndexMismatch
from ..files import PRIVATE_DIR, PRIVATE_FILE, private_dir, private_file, tighten
from .vectors import ivf_of

MANIFEST = "manifest.json"
CURRENT = "CURRENT"


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _sealed(path: Path) -> dict[str, str]:
    """Make a written file owner-only and fsync it; its manifest entry: {"file", "sha256"}."""
    private_file(path)
    with open(path, "rb+") as fh:
        os.fsync(fh.fileno())
    return {"file": path.name, "sha256": _sha256(path)}


ABANDONED_AFTER = 3600.0  # seconds: a generation newer than CURRENT that nobody switched to by then


def _abandoned(folder: Path) -> bool:
    try:
        return time.time() - folder.stat().st_mtime > ABANDONED_AFTER
    except FileNotFoundError:
        return False


def _pid_alive(pid: str) -> bool:
    try:
        os.kill(int(pid), 0)
    except (ValueError, ProcessLookupError):
        return False
    except PermissionError:
        return True
    return True


class Generations:
    """Versioned index generations under one folder, with an atomically switched CURRENT pointer.

    Layout: `<root>/gen-000007/{offers.faiss, passages.faiss, goals.faiss, manifest.json}` (plus
    `<key>.vectors.npy`, the scoring copy, beside each IVF index, and any extras: named arrays as
    `.npy`, named lists of strings as `.json`) and
    `<root>/CURRENT` holding the name of the generation in use. A generation is written in a
    temporary folder, fsynced, renamed into place, and only then named in CURRENT (write a temporary
    file, rename over): readers see the old generation or the new one, never a half-written one.
    """

    def __init__(self, root: str | Path):
        self.root = private_dir(Path(root))
        for existing in self.root.iterdir():  # made by an older version: owner-only like new ones
            tighten(existing)
            if existing.is_dir():
                for inner in existing.iterdir():
                    tighten(inner)

    def current_name(self) -> str | None:
        """The name of the generation in use, or None."""
        try:
            return (self.root / CURRENT).read_text().strip() or None
        except FileNotFoundError:
            return None

    @contextmanager
    def _locked(self):
        # Writers in several processes take turns: each gets its own generation number, and pruning
        # never removes a folder another process is switching to.
        fd = os.open(self.root / ".lock", os.O_CREAT | os.O_RDWR, PRIVATE_FILE)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            os.close(fd)  # releases the lock

    def write(
        self, indexes: dict[str, faiss.Index], manifest: dict, extras: dict[str, np.ndarray | list[str]] | None = None
    ) -> str:
        """Write a new generation folder, complete and fsynced, but not yet current; returns its name.

        Args:
            extras: more named data the generation carries (arrays, or lists of strings), read back
                with `extras()` and checked like the index files.
        """
        with self._locked():
            existing = [int(p.name[4:]) for p in self.root.glob("gen-*") if p.name[4:].isdigit()]
            name = f"gen-{max(existing, default=0) + 1:06d}"
            # Claim the number at once (an empty folder), so that a concurrent writer takes the next one.
            (self.root / name).mkdir(mode=PRIVATE_DIR)
        try:
            self._write_folder(name, indexes, manifest, extras or {})
        except BaseException:
            shutil.rmtree(self.root / name, ignore_errors=True)
            raise
        return name

    def _write_folder(
        self, name: str, indexes: dict[str, faiss.Index], manifest: dict, extras: dict[str, np.ndarray | list[str]]
    ) -> None:
        tmp = self.root / f".tmp-{name}-{os.getpid()}"
        shutil.rmtree(tmp, ignore_errors=True)
        tmp.mkdir(mode=PRIVATE_DIR)
        files = {}
        for key, index in indexes.items():
            path = tmp / f"{key}.faiss"
            faiss.write_index(index, str(path))
            files[key] = dict(_sealed(path), ntotal=int(index.ntotal))
            ivf = ivf_of(index)
            if ivf is not None and index.ntotal:
                copy = tmp / f"{key}.vectors.npy"
                np.save(copy, ivf.reconstruct_n(0, ivf.ntotal).astype(np.float16))
                files[key]["vectors"] = _sealed(copy)
        written_extras = {}
        for key, value in extras.items():
            if isinstance(value, np.ndarray):
                path = tmp / f"{key}.npy"
                np.save(path, value)
            else:
                path = tmp / f"{key}.json"
                path.write_text(json.dumps(list(value), ensure_ascii=False))
            written_extras[key] = _sealed(path)
        manifest = dict(manifest, files=files, extras=written_extras, generation=name)
        (tmp / MANIFEST).write_text(json.dumps(manifest, indent=2, sort_keys=True))
        _sealed(tmp / MANIFEST)
        _fsync_dir(tmp)
        (self.root / name).rmdir()  # the placeholder claiming the number
        os.rename(tmp, self.root / name)
        _fsync_dir(self.root)

    def make_current(self, name: str, keep: int = 2) -> None:
        """Switch CURRENT to generation `name` atomically, then prune old generations (see prune)."""
        if not (self.root / name / MANIFEST).exists():
            raise IndexMismatch(f"index generation {name} is not complete on disk")
        with self._locked():
            pointer = self.root / f".{CURRENT}.tmp-{os.getpid()}"
            pointer.write_text(name + "\n")
            private_file(pointer)
            with open(pointer, "rb+") as fh:
                os.fsync(fh.fileno())
            os.replace(pointer, self.root / CURRENT)
            _fsync_dir(self.root)
            self._prune_locked(keep)

    def discard(self, name: str) -> None:
        """Remove a generation that was written but must never be used (it is not current)."""
        with self._locked():
            if name != self.current_name():
                shutil.rmtree(self.root / name, ignore_errors=True)

    def manifest(self, name: str) -> dict:
        """The manifest of a generation."""
        return json.loads((self.root / name / MANIFEST).read_text())

    def load(
        self, name: str, expected_model: str, verify: bool = True
    ) -> tuple[dict, dict[str, faiss.Index], dict[str, np.ndarray]]:
        """Load a generation memory-mapped, after checking its model and (optionally) its checksums.

        Returns:
            (manifest, {key: index}, {key: scoring copy of an IVF index's vectors}).

        Raises:
            IndexMismatch: the generation was built by another model, or a file is missing or corrupt.
        """
        try:
            manifest = self.manifest(name)
        except (FileNotFoundError, json.JSONDecodeError) as exc:
            raise IndexMismatch(f"index generation {name}: manifest unreadable ({exc})") from None
        if manifest.get("model") != expected_model:
            raise IndexMismatch(
                f"index generation {name} was built with model {manifest.get('model')!r}, but the configured "
                f"model is {expected_model!r}; run `mentor-match reindex` to rebuild it with the configured model"
            )
        indexes = {}
        for key, info in manifest.get("files", {}).items():
            path = self._checked(name, info, verify)
            try:
                index = faiss.read_index(str(path), faiss.IO_FLAG_MMAP_IFC | faiss.IO_FLAG_READ_ONLY)
            except RuntimeError:
                try:
                    index = faiss.read_index(str(path), faiss.IO_FLAG_MMAP)
                except RuntimeError as exc:
                    raise IndexMismatch(f"index generation {name}: {info['file']} unreadable ({exc})") from None
            if index.ntotal != info["ntotal"]:
                raise IndexMismatch(
                    f"index generation {name}: {info['file']} holds {index.ntotal} vectors, "
                    f"manifest says {info['ntotal']}"
                )
            indexes[key] = index
        return manifest, indexes, self.scoring_copies(name, manifest, verify)

    def scoring_copies(self, name: str, manifest: dict | None = None, verify: bool = True) -> dict[str, np.ndarray]:
        """The scoring copies of a generation's IVF indexes, memory-mapped: {key: (n, dim) float16}."""
        manifest = manifest or self.manifest(name)
        return {
            key: self._load_copy(name, info, verify)
            for key, info in manifest.get("files", {}).items()
            if "vectors" in info
        }

    def extras(self, name: str, manifest: dict | None = None, verify: bool = True) -> dict[str, np.ndarray | list]:
        """The extras a generation was written with: arrays memory-mapped, lists of strings read.

        Raises:
            IndexMismatch: a file is missing, corrupt or unreadable.
        """
        manifest = manifest or self.manifest(name)
        return {key: self._read_file(name, info, verify) for key, info in manifest.get("extras", {}).items()}

    def _load_copy(self, name: str, info: dict, verify: bool) -> np.ndarray:
        copy = self._read_file(name, info["vectors"], verify)
        if copy.ndim != 2 or len(copy) != info["ntotal"]:
            raise IndexMismatch(
                f"index generation {name}: {info['vectors']['file']} holds {copy.shape}, manifest "
                f"says {info['ntotal']} vectors"
            )
        return copy

    def _checked(self, name: str, info: dict, verify: bool) -> Path:
        """The path of a generation's file (a manifest entry made by _sealed), once it is there and,
        with `verify`, matches its checksum."""
        path = self.root / name / info["file"]
        if not path.exists():
            raise IndexMismatch(f"index generation {name}: {path.name} is missing")
        if verify and _sha256(path) != info["sha256"]:
            raise IndexMismatch(f"index generation {name}: {path.name} is corrupt (checksum mismatch)")
        return path

    def _read_file(self, name: str, info: dict, verify: bool) -> np.ndarray | list:
        """A generation's .npy (memory-mapped) or .json file, after its checksum when `verify`."""
        path = self._checked(name, info, verify)
        try:
            return np.load(path, mmap_mode="r") if path.suffix == ".npy" else json.loads(path.read_text())
        except ValueError as exc:
            raise IndexMismatch(f"index generation {name}: {path.name} unreadable ({exc})") from None

    def prune(self, keep: int = 2) -> None:
        """Delete old generations and abandoned temporary folders, keeping the current one and `keep` in all."""
        with self._locked():
            self._prune_locked(keep)

    def _prune_locked(self, keep: int) -> None:
        current = self.current_name()
        for tmp in self.root.glob(".tmp-*"):
            if not _pid_alive(tmp.name.rsplit("-", 1)[-1]):  # left by a crashed writer, not one at work
                shutil.rmtree(tmp, ignore_errors=True)
        gens = sorted(p.name for p in self.root.glob("gen-*") if p.is_dir())
        older = [g for g in gens if current is None or g < current]
        drop = older[: -(keep - 1)] if current is not None and keep > 1 else older[:-keep] if keep else older
        # Newer than current: being written or about to be switched to by another process, unless abandoned.
        drop += [g for g in gens if current is not None and g > current and _abandoned(self.root / g)]
        for name in drop:
            if name != current:
                shutil.rmtree(self.root / name, ignore_errors=True)
