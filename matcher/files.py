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
