"""Owner-only files: everything the service writes under its data directory is private to its user.

The data directory holds people's profiles, their embeddings and index generations, so it is created
0700 and its files 0600, and a data directory made by an older version is tightened when opened.
"""

from __future__ import annotations

import logging
import os
import stat
from pathlib import Path

PRIVATE_DIR = 0o700
PRIVATE_FILE = 0o600

log = logging.getLogger("matcher.files")


def private_dir(path: Path) -> Path:
    """Create `path` (and missing parents) as a folder only its owner may enter; tighten it if it exists."""
    path.mkdir(parents=True, exist_ok=True, mode=PRIVATE_DIR)
    tighten(path)
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
