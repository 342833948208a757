"""Backups of the PostgreSQL store with pg_dump: one consistent snapshot of the whole database.

pg_dump (from PostgreSQL's client tools, of the server's major version or newer) writes the custom
format, which `pg_restore` reads back. The password goes to pg_dump through its environment
(PGPASSWORD), never on its command line, where other users could read it.
"""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
from pathlib import Path

from psycopg.conninfo import conninfo_to_dict, make_conninfo

from ..files import PRIVATE_FILE
from .dburl import masked

DUMP_TIMEOUT = 6 * 3600  # seconds; a dump of a very large store takes a while


class BackupUnavailable(RuntimeError):
    """pg_dump is not installed on this machine."""


def pg_dump_path() -> str | None:
    """pg_dump on the PATH, else the newest under /usr/lib/postgresql/*/bin (Debian), else None."""
    found = shutil.which("pg_dump")
    if found:
        return found
    candidates = sorted(
        glob.glob("/usr/lib/postgresql/*/bin/pg_dump"),
        key=lambda p: int(Path(p).parts[-3]) if Path(p).parts[-3].isdigit() else 0,
    )
    return candidates[-1] if candidates else None


def dump(url: str, target: Path) -> None:
    """Write a pg_dump (custom format) of the database at `url` to the new file `target`, mode 0600.

    Args:
        url: the database URL (MATCHER_DATABASE_URL).
        target: a file that must not exist yet; removed again if the dump fails.
    Raises:
        BackupUnavailable: no pg_dump here; the message says what to install or use instead.
        FileExistsError: `target` exists.
        RuntimeError: pg_dump failed (its own message, which never holds the password).
    """
    program = pg_dump_path()
    if program is None:
        raise BackupUnavailable(
            "backup: pg_dump is not installed here. Install PostgreSQL's client tools of the server's major "
            "version or newer (Debian: apt-get install postgresql-client), or back the database up with its "
            "own tools (pg_dump from another machine, pg_basebackup, or your provider's snapshots)"
        )
    params = conninfo_to_dict(url)
    password = params.pop("password", None)
    env = dict(os.environ)
    if password is not None:
        env["PGPASSWORD"] = str(password)
    fd = os.open(target, os.O_CREAT | os.O_EXCL | os.O_WRONLY, PRIVATE_FILE)
    os.close(fd)
    try:
        proc = subprocess.run(
            [program, "--format=custom", "--file", str(target), "--dbname", make_conninfo(**params)],
            env=env,
            capture_output=True,
            text=True,
            timeout=DUMP_TIMEOUT,
        )
    except BaseException:
        target.unlink(missing_ok=True)
        raise
    if proc.returncode != 0:
        target.unlink(missing_ok=True)
        raise RuntimeError(f"backup: pg_dump of {masked(url)} failed: {proc.stderr.strip()}")
