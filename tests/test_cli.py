"""The `mentor-match` command end to end, as a subprocess, with its exit codes."""

import json
import os
import subprocess
import sys

import pytest

pytestmark = pytest.mark.slow  # a server, a child process, a browser or a benchmark: see pyproject markers


def run(data_dir, *args, check=None):
    env = dict(os.environ, MATCHER_DATA_DIR=str(data_dir), HF_HUB_OFFLINE="1")
    proc = subprocess.run(
        [sys.executable, "-m", "matcher.cli", *args], capture_output=True, text=True, env=env, timeout=600
    )
    if check is not None:
        assert proc.returncode == check, proc.stderr
    return proc


@pytest.fixture(scope="module")
def demo_dir(tmp_path_factory):
    data_dir = tmp_path_factory.mktemp("demo")
    proc = run(data_dir, "import", "--demo", check=0)
    assert "added" in proc.stdout and "rejected 0" in proc.stdout
    return data_dir


def test_done_when_reverse_social_media_for_a_senior_leader(demo_dir):
    proc = run(
        demo_dir,
        "match",
        "I am a senior leader and want to learn social media",
        "--style",
        "reverse",
        "--mentee-seniority",
        "9",
        "--json",
        check=0,
    )
    result = json.loads(proc.stdout)
    assert result["style"] == "reverse" and len(result["matches"]) == 5
    social = ("social", "tiktok", "instagram", "linkedin", "youtube", "video", "reels", "creator", "post")
    for match in result["matches"]:
        assert match["mentor"]["seniority"] < 9
        assert match["why"]["evidence"] and match["why"]["notes"]
        text = " ".join(match["why"]["evidence"] + match["mentor"].get("skills", [])).lower()
        assert any(word in text for word in social), text


def test_human_output_and_reimport_is_unchanged(demo_dir):
    proc = run(demo_dir, "match", "one quick session on SQL window functions", "--style", "flash", check=0)
    assert proc.stdout.startswith("1. ") and "flash sessions" in proc.stdout
    proc = run(demo_dir, "import", "--demo", check=0)
    assert "added 0, updated 0" in proc.stdout and "rejected 0" in proc.stdout


def test_bad_usage_and_bad_input_exit_2(demo_dir):
    proc = run(demo_dir, "match", "TikTok", "--style", "reverse", check=2)
    assert "mentee.seniority: required for reverse" in proc.stderr
    assert run(demo_dir, "match", "TikTok", "--style", "sideways", check=2).returncode == 2
    assert run(demo_dir, "import", check=2).returncode == 2
    proc = run(demo_dir, "import", "/no/such/file.jsonl", check=2)
    assert "does not exist" in proc.stderr


def test_import_csv_with_bad_rows_reports_lines(tmp_path):
    csv_file = tmp_path / "people.csv"
    csv_file.write_text(
        "id,name,seniority,bio,styles,skills,timezone,flash_hours_per_month\n"
        "c-1,Ana Silva,3,I teach Excel pivot tables in one focused session.,flash|reverse,excel;pivot,Europe/Lisbon,2\n"
        "c-2,Bo Chen,eleven,I teach SQL.,flash,,,2\n"
        "c-3,Cy Diaz,4,I teach Figma.,flash,,Mars/Base,2\n"
        "c-4,Di Evans,6,I coach new managers on one-to-ones.,traditional,,,\n"
    )
    proc = run(tmp_path / "data", "import", str(csv_file), check=2)
    assert "added 2, updated 0, unchanged 0, rejected 2" in proc.stdout
    assert "line 3: rejected: seniority: expected a whole number" in proc.stderr
    assert "line 4: rejected: timezone: unknown IANA time zone" in proc.stderr
    proc = run(tmp_path / "data", "match", "pivot tables", "--style", "flash", "--json", check=0)
    assert [m["mentor"]["id"] for m in json.loads(proc.stdout)["matches"]] == ["c-1"]


def test_reindex_and_keys(tmp_path):
    data = tmp_path / "data"
    people = tmp_path / "p.jsonl"
    people.write_text(
        json.dumps({"id": "k1", "name": "K", "seniority": 2, "bio": "I teach TikTok.", "styles": ["reverse"]}) + "\n"
    )
    run(data, "import", str(people), check=0)
    assert "re-indexed 1 profiles" in run(data, "reindex", check=0).stdout
    created = run(data, "keys", "create", "--scope", "match", check=0).stdout.strip().splitlines()
    token = created[-1]
    assert token.startswith("mm_") and " " not in token
    key_id = token.split("_")[1]
    assert f"{key_id}\tmatch\tactive" in run(data, "keys", "list", check=0).stdout
    run(data, "keys", "revoke", key_id, check=0)
    assert f"{key_id}\tmatch\trevoked" in run(data, "keys", "list", check=0).stdout
    assert run(data, "keys", "revoke", key_id).returncode == 2
    assert token not in run(data, "keys", "list").stdout
