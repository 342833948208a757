"""Database URLs: PostgreSQL is chosen by MATCHER_DATABASE_URL, and its password is never shown."""

from __future__ import annotations

import pytest

from matcher.config import Settings
from matcher.store import describe_store, open_store
from matcher.store.dburl import is_postgres_url, masked


@pytest.mark.parametrize(
    "url, shown",
    [
        ("postgresql://app:s3cret@db.internal:5432/mentors", "postgresql://app:***@db.internal:5432/mentors"),
        ("postgres://app:p%40ss%3Aword@db/mentors?sslmode=require", "postgres://app:***@db/mentors?sslmode=require"),
        ("postgresql://app:p@ss@db/mentors", "postgresql://app:***@db/mentors"),  # an unencoded @ in the password
        ("postgresql://app@db/mentors", "postgresql://app@db/mentors"),
        ("postgresql://db/mentors", "postgresql://db/mentors"),
        ("postgresql://app:@db/mentors", "postgresql://app:***@db/mentors"),
        (
            "postgresql://[::1]:5432/mentors?user=app&password=s3cret&application_name=x",
            "postgresql://[::1]:5432/mentors?user=app&password=***&application_name=x",
        ),
        (
            "postgresql://app:s3cret@/mentors?host=/run/postgresql&sslpassword=k3y",
            "postgresql://app:***@/mentors?host=%2Frun%2Fpostgresql&sslpassword=***",
        ),
        ("host=db user=app password=s3cret", "***"),  # not a URL: nothing of it is shown
        ("", ""),
    ],
)
def test_masked_hides_every_password(url, shown):
    assert masked(url) == shown
    for secret in ("s3cret", "p%40ss", "ss@db", "k3y"):
        if secret in url:
            assert secret not in masked(url)


def test_only_postgresql_urls_select_postgresql(tmp_path):
    assert is_postgres_url("postgresql://h/d") and is_postgres_url("POSTGRES://h/d")
    assert not is_postgres_url("mysql://h/d") and not is_postgres_url("h/d") and not is_postgres_url("")
    with pytest.raises(ValueError, match=r"MATCHER_DATABASE_URL: expected a postgresql:// URL") as refused:
        open_store(Settings(data_dir=tmp_path, database_url="mysql://app:s3cret@h/d"))
    assert "s3cret" not in str(refused.value)


def test_settings_never_show_the_database_password(tmp_path, monkeypatch):
    monkeypatch.setenv("MATCHER_DATABASE_URL", "postgresql://app:s3cret@db/mentors")
    monkeypatch.setenv("MATCHER_DATA_DIR", str(tmp_path))
    settings = Settings.from_env()
    assert settings.database_url == "postgresql://app:s3cret@db/mentors"
    assert "s3cret" not in repr(settings) and "s3cret" not in str(settings)
    assert settings.public()["database_url"] == "postgresql://app:***@db/mentors"
    assert describe_store(settings) == "PostgreSQL database postgresql://app:***@db/mentors"
    assert describe_store(Settings(data_dir=tmp_path, database_url="")) == f"SQLite store {tmp_path / 'profiles.db'}"


def test_an_unreachable_database_is_named_without_its_password(tmp_path):
    pytest.importorskip("psycopg")
    url = "postgresql://app:s3cret@127.0.0.1:1/mentors?connect_timeout=2"
    with pytest.raises(Exception) as refused:
        open_store(Settings(data_dir=tmp_path, database_url=url))
    assert "postgresql://app:***@127.0.0.1:1/mentors" in str(refused.value) and "s3cret" not in str(refused.value)
