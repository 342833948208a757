"""Owner-only files: everything the service writes under its data directory is private to its user.

The data directory holds people's profiles, their embeddings and index generations, so it is created
0700 and its files 0600, and a data directory made by an older version is tightened when opened.
"""

from __future__ import annotations

import logging
import os
import secrets
import stat
from pathlib import Path

PRIVATE_DIR = 0o700
PRIVATE_FILE = 0o600
WEB_SECRET = "web-secret"  # the programme pages' CSRF key (api/admin_signin.py), directly in the data directory

log = logging.getLogger("matcher.files")


def private_dir(path: Path) -> Path:
    """Create `path` (and missing parents) as a folder only its owner may enter; tighten it if it exists."""
    path.mkdir(parents=True, exist_ok=True, mode=PRIVATE_DIR)
    tighten(path)
    return path


def private_data_dir(path: Path) -> Path:
    """The data directory, created or tightened to 0700, and the web secret in it tightened to 0600.

    Called whenever a command or a server opens the data directory. The store and the index generations
    tighten their own files when they open them; the web secret is read only by the programme pages, so
    it is tightened here, or a secret loosened by hand (or by an older version) would stay readable.
    """
    private_dir(path)
    tighten(path / WEB_SECRET)
    return path


def tighten(path: Path) -> None:
    """Take away every permission of group and others from an existing file or folder we own."""
    try:
        mode = stat.S_IMODE(path.stat().st_mode)
    except FileNotFoundError:
        return
    if mode & 0o077:
        try:
            os.chmod(path, mode & 0o700)
        except PermissionError:  # not ours: say so once, never fail the service for it
            log.warning("%s is readable by other users and cannot be changed (not owned by this user)", path)
            return
        log.info("%s was readable by other users: now %o", path, mode & 0o700)


def private_file(path: Path) -> Path:
    """Make a written file owner-only (read and write); returns the path."""
    os.chmod(path, PRIVATE_FILE)
    return path


class OutputRefused(Exception):
    """An output file was not written: it exists (without `force`), or it is a symbolic link or not a file."""


def check_output(path: str | Path, force: bool = False) -> None:
    """Raise OutputRefused if `write_private_output(path, ..., force)` would refuse `path` as it is now."""
    path = Path(path)
    try:
        existing = os.lstat(path)
    except FileNotFoundError:
        return
    if stat.S_ISLNK(existing.st_mode):
        raise OutputRefused(f"{path} is a symbolic link; give the file's own name (links are never followed)")
    if not force:
        raise OutputRefused(f"{path} exists; pass --force to replace it, or give a new file name")
    if not stat.S_ISREG(existing.st_mode):
        raise OutputRefused(f"{path} exists and is not a regular file")


def write_private_output(path: str | Path, text: str, force: bool = False) -> Path:
    """Write `text` (UTF-8) to a file only its owner may read (0600), never through a symbolic link.

    Output files (`mentor-match pair --out`, `programme export --out`) hold people's names and texts, so
    they get the data directory's care: an existing file is refused unless `force`; a symbolic link is
    refused even then (someone else's link must not redirect our write); with `force` the new file is
    written beside the old one and renamed over it, so it never inherits the old file's mode, owner or
    hard links.

    Raises:
        OutputRefused: with a message naming the path and the reason.
    """
    path = Path(path)
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC
    if not force:
        try:
            descriptor = os.open(path, flags, PRIVATE_FILE)
        except FileExistsError:  # O_EXCL: a symbolic link counts as existing, dangling or not
            check_output(path)
            raise OutputRefused(f"{path} exists; pass --force to replace it, or give a new file name") from None
        _fill(descriptor, path, text)
        return path
    check_output(path, force=True)
    temporary = path.with_name(f".{path.name}.{secrets.token_hex(6)}.tmp")
    _fill(os.open(temporary, flags, PRIVATE_FILE), temporary, text)
    try:
        os.replace(temporary, path)  # replaces whatever is at `path` (even a link made since): never follows it
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    return path


def _fill(descriptor: int, path: Path, text: str) -> None:
    """Write all of `text` to a file just created, fsync it; remove the file if that fails."""
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8", newline="") as out:
            out.write(text)
            out.flush()
            os.fsync(out.fileno())
    except BaseException:
        path.unlink(missing_ok=True)
        raise
