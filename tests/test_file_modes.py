"""Everything under the data directory is private to its owner: folders 0700, files 0600 (SECURITY.md)."""

from __future__ import annotations

import os
import stat

import pytest

from tests.conftest import profile
from tests.integrity import tiny_people


def mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def test_data_dir_database_generations_and_backups_are_owner_only(make_service, tmp_path):
    old_umask = os.umask(0o022)  # a typical umask: without care, files would be world-readable
    try:
        service = make_service().open()
        service.import_items(list(enumerate(tiny_people(6, "m"), start=1)))
        service.reindex()
        service.checkpoint()
        service.store.backup(tmp_path / "backup.db")
    finally:
        os.umask(old_umask)
    data = service.settings.data_dir
    assert mode(data) == 0o700
    files = [p for p in data.rglob("*")]
    assert any(p.name == "profiles.db-wal" for p in files) and any(p.name == "CURRENT" for p in files)
    for path in files:
        assert mode(path) == (0o700 if path.is_dir() else 0o600), f"{path.relative_to(data)}: {oct(mode(path))}"
    assert mode(tmp_path / "backup.db") == 0o600


def test_a_data_dir_made_by_an_older_version_is_tightened_when_opened(make_service, tmp_path):
    service = make_service().open()
    service.import_items([(1, profile("a", 3, "I teach Excel."))])
    service.reindex()
    service.close()
    data = service.settings.data_dir
    for path in [data, *data.rglob("*")]:
        os.chmod(path, 0o755 if path.is_dir() else 0o644)
    reopened = make_service(data_dir=data).open()
    assert reopened.match({"need": "Excel"})["matches"]
    for path in [data, *data.rglob("*")]:
        assert mode(path) & 0o077 == 0, f"{path}: {oct(mode(path))}"


def test_a_loosened_web_secret_is_tightened_when_the_data_dir_is_opened_again(make_service, tmp_path):
    from matcher.api import create_app
    from matcher.api.admin_signin import WebSecret
    from matcher.store import open_store

    service = make_service().open()
    data = service.settings.data_dir
    WebSecret(data).key()  # what the programme pages do on first use
    secret = data / "web-secret"
    service.close()
    for opened in ("service", "store", "app"):  # a command, `mentor-match keys`/`backup`, a server
        os.chmod(data, 0o755)
        os.chmod(secret, 0o644)
        if opened == "service":
            make_service(data_dir=data).close()
        elif opened == "store":
            open_store(service.settings).close()
        else:
            create_app(service=make_service(data_dir=data))
        assert (mode(data), mode(secret)) == (0o700, 0o600), opened


def test_output_files_are_owner_only_new_unless_forced_and_never_through_a_link(tmp_path):
    from matcher.files import OutputRefused, write_private_output

    old_umask = os.umask(0o022)
    try:
        out = write_private_output(tmp_path / "pairs.csv", "a,b\n")
    finally:
        os.umask(old_umask)
    assert mode(out) == 0o600 and out.read_text() == "a,b\n"
    with pytest.raises(OutputRefused, match=f"{out} exists; pass --force"):
        write_private_output(out, "new\n")
    assert out.read_text() == "a,b\n"
    os.chmod(out, 0o644)
    write_private_output(out, "new\n", force=True)  # replaced by a new file: owner-only, whatever the old mode
    assert mode(out) == 0o600 and out.read_text() == "new\n"
    victim = tmp_path / "victim"
    victim.write_text("precious\n")
    link = tmp_path / "link.csv"
    link.symlink_to(victim)
    for force in (False, True):
        with pytest.raises(OutputRefused, match=f"{link} is a symbolic link"):
            write_private_output(link, "names\n", force=force)
    dangling = tmp_path / "dangling.csv"
    dangling.symlink_to(tmp_path / "not-yet")
    with pytest.raises(OutputRefused, match="symbolic link"):
        write_private_output(dangling, "names\n")
    assert victim.read_text() == "precious\n" and not (tmp_path / "not-yet").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["dangling.csv", "link.csv", "pairs.csv", "victim"]
