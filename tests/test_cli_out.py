"""`mentor-match pair --out` and `programme export --out` write owner-only files, refuse an existing one
without --force (exit 2 naming the path, before any work) and never write through a symbolic link.

The command runs in this process (`cli.main`) on a real data dir, model and store."""

from __future__ import annotations

import json
import logging
import os
import stat

import pytest

from matcher import cli
from tests.test_programmes import COHORT, LEADERS, MENTORS

pytestmark = pytest.mark.slow  # the command loads its own copy of the model


def mode(path) -> int:
    return stat.S_IMODE(os.lstat(path).st_mode)


@pytest.fixture(autouse=True)
def root_handlers():
    """cli.main adds its stderr handler to the root logger: take it away again afterwards."""
    root = logging.getLogger()
    before, level = list(root.handlers), root.level
    yield
    root.handlers[:] = before
    root.setLevel(level)


@pytest.fixture
def data_dir(make_service, tmp_path, monkeypatch):
    service = make_service()
    assert not service.import_items(list(enumerate(MENTORS + LEADERS, start=1))).rejected
    service.close()
    monkeypatch.setenv("MATCHER_DATA_DIR", str(service.settings.data_dir))
    return service.settings.data_dir


def programmes(data_dir) -> list[str]:
    """The ids of the programmes stored."""
    from matcher.config import Settings
    from matcher.store import open_store

    store = open_store(Settings(data_dir=data_dir))
    try:
        return [record.id for record in store.programmes()]
    finally:
        store.close()


def test_out_files_are_owner_only_never_overwritten_without_force_never_through_a_link(data_dir, tmp_path, capsys):
    cohort = tmp_path / "cohort.jsonl"
    cohort.write_text("".join(json.dumps(m) + "\n" for m in COHORT))
    out = tmp_path / "pairs.csv"
    old_umask = os.umask(0o022)  # a typical umask: Path.write_text made such files 0644
    try:
        assert cli.main(["pair", str(cohort), "--style", "reverse", "--out", str(out)]) == 0
    finally:
        os.umask(old_umask)
    assert mode(out) == 0o600 and out.read_text().startswith('"mentee_id"')
    [pid] = programmes(data_dir)
    capsys.readouterr()

    # An existing file: refused before any work (no second programme), the file untouched.
    out.write_text("HR's own notes\n")
    assert cli.main(["pair", str(cohort), "--style", "reverse", "--out", str(out)]) == 2
    assert f"error: out: {out} exists; pass --force" in capsys.readouterr().err
    assert out.read_text() == "HR's own notes\n" and programmes(data_dir) == [pid]
    assert cli.main(["programme", "export", pid, "--out", str(out)]) == 2
    assert f"{out} exists" in capsys.readouterr().err and out.read_text() == "HR's own notes\n"

    # --force replaces it with a new owner-only file.
    os.chmod(out, 0o644)
    assert cli.main(["programme", "export", pid, "--out", str(out), "--force"]) == 0
    assert mode(out) == 0o600 and out.read_text().startswith('"mentee_id"')

    # A symbolic link is never followed, not even with --force.
    victim = tmp_path / "victim.txt"
    victim.write_text("someone else's file\n")
    link = tmp_path / "link.csv"
    link.symlink_to(victim)
    for args in (["pair", str(cohort), "--style", "reverse"], ["programme", "export", pid]):
        for force in ([], ["--force"]):
            assert cli.main([*args, "--out", str(link), *force]) == 2
            assert f"error: out: {link} is a symbolic link" in capsys.readouterr().err
    assert victim.read_text() == "someone else's file\n" and programmes(data_dir) == [pid]
