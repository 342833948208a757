"""Settings are validated at start-up: a bad MATCHER_* value names the variable, the value and what is
allowed, every command exits 2, and an unknown MATCHER_* variable is warned about."""

from __future__ import annotations

import logging
import subprocess
import sys

import pytest

from matcher.config import Settings, warn_unknown_variables
from matcher.errors import SettingsError


@pytest.mark.parametrize(
    "variable,value,says",
    [
        ("MATCHER_RETRIEVAL", "hybird", "MATCHER_RETRIEVAL='hybird': Input should be 'hybrid', 'dense' or 'lexical'"),
        ("MATCHER_BATCH_SIZE", "0", "MATCHER_BATCH_SIZE='0': Input should be greater than or equal to 1"),
        ("MATCHER_LEXICAL_WEIGHT", "1.5", "MATCHER_LEXICAL_WEIGHT='1.5': Input should be less than or equal to 1"),
        ("MATCHER_MAX_LIMIT", "500", "MATCHER_MAX_LIMIT='500': Input should be less than or equal to 50"),
        ("MATCHER_PUBLIC_FORM", "maybe", "MATCHER_PUBLIC_FORM='maybe': Input should be a valid boolean"),
        ("MATCHER_KEY_RATE_LIMIT", "lots", "MATCHER_KEY_RATE_LIMIT='lots': expected a rate such as"),
        ("MATCHER_LOG_FORMAT", "xml", "MATCHER_LOG_FORMAT='xml': Input should be 'text' or 'json'"),
        (
            "MATCHER_METRICS_ADDRESSES",
            "10.0.0.9,prom.local",
            "MATCHER_METRICS_ADDRESSES='10.0.0.9,prom.local': 'prom.local' is not an IP address or network",
        ),
    ],
)
def test_a_bad_value_names_the_variable_the_value_and_what_is_allowed(monkeypatch, variable, value, says):
    monkeypatch.setenv(variable, value)
    with pytest.raises(SettingsError) as refused:
        Settings.from_env()
    assert says in str(refused.value)


def test_good_values_are_read_and_converted(monkeypatch):
    monkeypatch.setenv("MATCHER_FUSION", "rrf")
    monkeypatch.setenv("MATCHER_CANDIDATES", "250")
    monkeypatch.setenv("MATCHER_PUBLIC_FORM", "off")
    settings = Settings.from_env(lexical_weight="0.1")
    chosen = (settings.fusion, settings.candidates, settings.public_form, settings.lexical_weight)
    assert chosen == ("rrf", 250, False, 0.1)
    with pytest.raises(SettingsError, match="MATCHER_STYLE_WEIGHT=2"):
        settings.replace(style_weight=2)


def test_an_unknown_matcher_variable_is_warned_about(caplog):
    with caplog.at_level(logging.WARNING, logger="matcher.config"):
        unknown = warn_unknown_variables(
            {"MATCHER_RETRIEVL": "dense", "MATCHER_DATA_DIR": "x", "MATCHER_TEST_DATABASE_URL": "y", "HOME": "/root"}
        )
    assert unknown == ["MATCHER_RETRIEVL"]
    assert "MATCHER_RETRIEVL is not a setting" in caplog.text


@pytest.mark.slow
@pytest.mark.parametrize(
    "command", [["match", "SQL"], ["import", "--demo"], ["reindex"], ["keys", "list"], ["serve"], ["config"]]
)
def test_every_command_exits_2_on_a_bad_setting_before_doing_anything(tmp_path, command):
    env = {
        "PATH": "/usr/bin:/bin",
        "HF_HUB_OFFLINE": "1",
        "MATCHER_DATA_DIR": str(tmp_path / "data"),
        "MATCHER_FUSION": "average",
    }
    done = subprocess.run(
        [sys.executable, "-m", "matcher.cli", *command], env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 2, done.stderr
    assert "MATCHER_FUSION='average': Input should be 'convex' or 'rrf'" in done.stderr
    assert not (tmp_path / "data").exists()  # nothing was created


@pytest.mark.slow
def test_config_prints_the_effective_settings(tmp_path):
    env = {
        "PATH": "/usr/bin:/bin",
        "HF_HUB_OFFLINE": "1",
        "MATCHER_DATA_DIR": str(tmp_path / "d"),
        "MATCHER_CANDIDATES": "120",
    }
    done = subprocess.run(
        [sys.executable, "-m", "matcher.cli", "config"], env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    lines = dict(line.split(None, 1) for line in done.stdout.splitlines())
    assert lines["MATCHER_CANDIDATES"] == "120" and lines["MATCHER_DATA_DIR"] == str(tmp_path / "d")
    assert lines["MATCHER_RETRIEVAL"] == "hybrid" and len(lines) == len(Settings.model_fields)


def test_an_empty_variable_means_not_set(monkeypatch):
    monkeypatch.setenv("MATCHER_DATA_DIR", "")
    monkeypatch.setenv("MATCHER_CANDIDATES", "")
    settings = Settings.from_env()
    assert str(settings.data_dir) == "data" and settings.candidates == 100
