"""Erasure and privacy at the service and CLI level (the HTTP side is in test_reindex_under_load, test_api
and test_fuzz): a deleted person is never returned again, by any retrieval, in any process, before and
after a re-index or a restart, and leaves no words in the store's files after a re-index; unknown
fields and protected attributes are refused and never stored; matches show public fields only; logs
carry ids, counts and timings, never need texts, bios or goals.
"""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys

import faiss
import pytest

from matcher.errors import BudgetExceeded, InvalidInput
from matcher.importing.readers import read_text
from matcher.profiles import PROTECTED_ATTRIBUTES, PUBLIC_FIELDS
from tests.conftest import profile
from tests.integrity import assert_index_agrees, tiny_people

SECRET_BIO = "I teach zythography and quillwork to podcast hosts, and I admit I cannot read a balance sheet."
SECRET_GOALS = "I want to learn xylocarpentry without my manager knowing."
SECRET_NEED = "I am a director and I secretly cannot use spreadsheets or quillwork tools"
ZARA = profile("zara", 3, SECRET_BIO, goals=SECRET_GOALS, manager_id="base-0009")
YURI = profile("yuri", 2, "I run zythography clinics for new podcast hosts.", styles=["reverse", "flash"])
PEOPLE = tiny_people(20, "base") + [ZARA]
STYLES = [
    ("reverse", {"seniority": 9}),
    ("flash", {}),
    ("e-mentoring", {}),
    ("traditional", {"seniority": 1}),
    ("two-way", {"bio": "I can teach Excel."}),
    ("any", {}),
]


def returned(service, need: str) -> set[str]:
    """Every id any style and any retrieval mode returns for `need`."""
    found = set()
    for style, mentee in STYLES:
        for retrieval in ("dense", "lexical", "hybrid"):
            result = service.match({"need": need, "style": style, "mentee": mentee, "limit": 50}, retrieval=retrieval)
            found |= {m["mentor"]["id"] for m in result["matches"]}
    return found


@pytest.fixture
def service(make_service):
    svc = make_service()
    svc.open()
    svc.import_items(list(enumerate(PEOPLE, start=1)), checkpoint=True)  # zara is in the generation on disk
    svc.import_items([(1, YURI)])  # yuri only in the in-memory delta
    return svc


def test_a_deleted_person_is_never_returned_again(service, make_service):
    other = make_service(data_dir=service.settings.data_dir).open()  # another worker, loaded before the delete
    assert {"zara", "yuri"} <= returned(service, "zythography for podcasts")
    assert {"zara", "yuri"} <= returned(other, "zythography for podcasts")
    row = service.store.get("zara").row_id

    assert service.delete("zara") and service.delete("yuri")
    for svc in (service, other):
        assert not {"zara", "yuri"} & returned(svc, "zythography for podcasts")
        assert not {"zara", "yuri"} & returned(svc, SECRET_BIO)
        with pytest.raises(InvalidInput, match="mentee.id: no stored profile"):
            svc.match({"need": "Excel", "mentee": {"id": "zara"}})
    conn = service.store.conn
    assert service.get("zara") is None
    assert conn.execute("SELECT COUNT(*) FROM embeddings WHERE row_id = ?", (row,)).fetchone() == (0,)
    # The lexical index lives in memory only (no copy of any text in the SQLite file) and forgets her.
    assert conn.execute("SELECT name FROM sqlite_master WHERE name LIKE 'lexical%'").fetchall() == []
    for svc in (service, other):
        assert row not in dict(svc.refresh().lexical.search("zythography quillwork podcast", 50))

    for svc in (service.reindex() and service, make_service(data_dir=service.settings.data_dir).open()):
        assert not {"zara", "yuri"} & returned(svc, "zythography for podcasts")
        assert_index_agrees(svc)
    # The generation written by the re-index does not hold her vectors.
    _, indexes, _ = service.generations.load(service.generations.current_name(), service.embedder.key)
    for index in indexes.values():
        assert row not in set((faiss.vector_to_array(index.id_map) // 64).tolist()) | set(
            faiss.vector_to_array(index.id_map).tolist()
        )


def test_after_a_reindex_the_store_files_hold_no_word_of_a_deleted_bio(service):
    data_dir = service.settings.data_dir
    assert service.delete("zara") and service.delete("yuri")
    service.reindex()
    for path in data_dir.glob("profiles.db*"):
        content = path.read_bytes().lower()
        for word in (b"zythograph", b"quillwork", b"xylocarpentry", b"balance sheet", b"zara"):
            assert word not in content, f"{word!r} still in {path.name}"


@pytest.mark.parametrize("field", sorted(PROTECTED_ATTRIBUTES) + ["Gender", " age ", "ETHNICITY"])
def test_protected_attributes_are_refused_and_never_stored(make_service, field):
    svc = make_service()
    with pytest.raises(InvalidInput) as refused:
        svc.upsert(profile("pat", 4, "I teach Excel.", **{field: "sensitive-value-42"}))
    assert refused.value.errors[0].field == field and "protected attribute" in refused.value.errors[0].reason
    assert svc.get("pat") is None and svc.store.count() == 0


def test_unknown_fields_are_refused_in_every_format(make_service):
    svc = make_service()
    with pytest.raises(InvalidInput, match="salary: unknown field"):
        svc.upsert(profile("sam", 4, "I teach Excel.", salary=90000))
    csv = "id,name,seniority,bio,styles,gender\nc-1,Ana,3,I teach Excel.,flash,female\n"
    report = svc.import_items(read_text(csv, "csv"))
    assert report.summary()["rejected"] == 1 and report.rejected[0]["errors"][0]["field"] == "gender"
    jsonl = json.dumps(profile("j-1", 3, "I teach Figma.", religion="x")) + "\n"
    report = svc.import_items(read_text(jsonl, "jsonl"))
    assert report.rejected[0]["errors"][0]["field"] == "religion"
    assert svc.store.count() == 0
    with pytest.raises(InvalidInput, match="mentee.age: protected attribute"):
        svc.match({"need": "Excel", "mentee": {"age": 50}})


def test_matches_show_only_public_fields(service):
    for style, mentee in STYLES:
        for match in service.match({"need": "podcast hosts", "style": style, "mentee": mentee, "limit": 50})["matches"]:
            assert set(match["mentor"]) <= set(PUBLIC_FIELDS)
            assert not {
                "manager_id",
                "capacity",
                "flash_hours_per_month",
                "goals",
                "bio",
                "active",
                "discoverable",
            } & set(match["mentor"])


def test_logs_carry_ids_counts_and_timings_never_texts(make_service, caplog):
    secrets = [SECRET_BIO, SECRET_GOALS, SECRET_NEED, "zythography", "xylocarpentry", "spreadsheets"]
    with caplog.at_level(logging.DEBUG):  # every logger, ours and the libraries'
        svc = make_service()
        svc.open()
        svc.import_items(list(enumerate(PEOPLE, start=1)), checkpoint=True)
        for style, mentee in STYLES:
            svc.match({"need": SECRET_NEED, "style": style, "mentee": mentee})
        svc.match({"need": SECRET_NEED, "style": "two-way", "mentee": {"id": "zara"}})
        for bad in ({"need": SECRET_NEED, "style": "reverse"}, {"need": SECRET_NEED, "limit": 99}):
            with pytest.raises(InvalidInput):
                svc.match(bad)
        with pytest.raises(BudgetExceeded):
            svc.match({"need": SECRET_NEED}, budget_ms=0.001)
        svc.delete("zara")
        svc.reindex()
        svc.checkpoint()
    text = "\n".join(record.getMessage() + (record.exc_text or "") for record in caplog.records)
    assert "match style=reverse" in text and "took_ms=" in text and "built index generation" in text
    assert "mentee=zara" in text  # ids are fine
    for secret in secrets:
        assert secret not in text, f"the log holds {secret!r}"


@pytest.mark.slow
def test_the_cli_prints_no_text_on_stderr(tmp_path):
    people = tmp_path / "people.jsonl"
    people.write_text("".join(json.dumps(p) + "\n" for p in tiny_people(4, "c") + [ZARA]))
    env = dict(os.environ, MATCHER_DATA_DIR=str(tmp_path / "data"), HF_HUB_OFFLINE="1")

    def run(*args):
        return subprocess.run(
            [sys.executable, "-m", "matcher.cli", *args], capture_output=True, text=True, env=env, timeout=600
        )

    assert run("import", str(people)).returncode == 0
    done = run("match", SECRET_NEED, "--style", "two-way", "--mentee-id", "zara", "--json")
    assert done.returncode == 0
    refused = run("match", SECRET_NEED, "--style", "reverse")
    assert refused.returncode == 2 and "mentee.seniority" in refused.stderr
    for proc in (done, refused):
        for secret in (SECRET_BIO, SECRET_GOALS, SECRET_NEED, "xylocarpentry"):
            assert secret not in proc.stderr
