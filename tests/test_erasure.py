"""Erasure reaches everything that holds a person: concurrent re-indexes, the write-ahead log, the phrase
book, BM25's word statistics, the query cache and other people's manager ids (SECURITY.md "Erasure")."""

from __future__ import annotations

import sqlite3

import faiss
import pytest

from matcher.errors import PurgeIncomplete, ReindexRunning
from matcher.profiles import MAX_PASSAGES
from tests.conftest import profile
from tests.integrity import assert_index_agrees, tiny_people

ZARA = profile("zara", 3, "I teach zythography and quillwork to podcast hosts.", manager_id="base-0009")
ZED = profile("zed", 4, "Zythography and quillwork clinics for beginners, every month.")
PEOPLE = tiny_people(20, "base") + [ZARA, ZED]
NEEDS = ["zythography for podcasts", "quillwork"]


def returned(service, need: str) -> set[str]:
    found = set()
    for retrieval in ("dense", "lexical", "hybrid"):
        result = service.match({"need": need, "limit": 50}, retrieval=retrieval)
        found |= {m["mentor"]["id"] for m in result["matches"]}
    return found


def generation_rows(service) -> set[int]:
    """Every row id the CURRENT generation's FAISS files hold vectors of."""
    _, indexes, _ = service.generations.load(service.generations.current_name(), service.embedder.key)
    rows = set()
    for key, index in indexes.items():
        ids = faiss.vector_to_array(index.id_map)
        rows |= set((ids // (MAX_PASSAGES if key == "passages" else 1)).tolist())
    return rows


@pytest.fixture
def service(make_service):
    svc = make_service().open()
    svc.import_items(list(enumerate(PEOPLE, start=1)))
    svc.reindex()
    return svc


@pytest.mark.slow
def test_a_delete_during_a_slow_reindex_in_another_process_never_comes_back(service, spawn, make_service, tmp_path):
    data = service.settings.data_dir
    row = service.store.get("zara").row_id
    resume = tmp_path / "resume"
    # The child's re-index has read every profile (zara included) and pauses in its phrase-book encode.
    child = spawn(data, "--pause-at", "encode", "--resume-when", str(resume), "--", "reindex")
    child.wait_for("PAUSED")
    with pytest.raises(ReindexRunning):  # one re-index at a time, across processes
        service.reindex()
    assert service.delete("zara")
    assert "zara" not in returned(service, NEEDS[0])
    resume.touch()
    assert child.proc.wait(timeout=300) == 0, child.log.name
    # The child's generation was built from a snapshot with zara: it was written again without her.
    assert row not in generation_rows(service)
    for svc in (service, make_service(data_dir=data).open()):  # this worker, and a restart
        assert "zara" not in returned(svc, NEEDS[0]) | returned(svc, NEEDS[1])
        assert_index_agrees(svc)


def test_purge_retries_while_readers_hold_the_log_then_reports(service, make_service):
    reader = sqlite3.connect(service.store.path)
    reader.execute("BEGIN")
    reader.execute("SELECT COUNT(*) FROM profiles").fetchone()  # an open snapshot pins the log
    assert service.delete("zara")
    service.store.PURGE_ATTEMPTS, service.store.PURGE_WAIT_MS, service.store.PURGE_PAUSE = 2, 50, 0.01
    with pytest.raises(PurgeIncomplete, match="reindex"):
        service.store.purge_deleted()
    with pytest.raises(PurgeIncomplete):  # a re-index says so too, and switches nothing
        service.reindex()
    reader.rollback()
    reader.close()
    service.store.purge_deleted()
    wal = service.store.path.with_name(service.store.path.name + "-wal")
    assert not wal.exists() or wal.stat().st_size == 0
    assert b"podcast hosts" not in service.store.path.read_bytes().lower()  # zara's words alone


def test_an_erased_person_s_phrases_leave_the_book_at_the_next_reindex(service):
    assert "zythography" in service.refresh().phrase_book  # zara and zed both use it
    service.delete("zara")
    service.reindex()
    assert "zythography" not in service.refresh().phrase_book  # zed alone is one bio: never kept


def test_bm25_forgets_an_erased_person_s_words_not_just_their_row(service):
    assert service.refresh().lexical.has_term("quillwork")
    service.delete("zara")
    service.delete("zed")
    service.refresh()
    service.index.settle()  # the background rebuild from the store
    lexical = service.refresh().lexical
    assert not lexical.has_term("quillwork") and not lexical.has_term("zythography")
    assert not {"zara", "zed"} & returned(service, "quillwork zythography")


def test_erasing_a_manager_clears_their_id_from_their_reports(service):
    service.upsert(profile("base-0003", 4, "I teach budget planning.", manager_id="base-0009"))
    assert service.delete("base-0009")
    for pid in ("zara", "base-0003"):
        assert service.get(pid).manager_id is None
    catalog = service.refresh().catalog
    assert catalog.manager_row[service.store.get("zara").row_id] == -1


def test_the_query_cache_keeps_no_text_and_never_a_mentee_s_bio(service):
    bio = "I can teach Excel pivot tables to anyone who asks."
    service.match({"need": "podcast quillwork", "style": "two-way", "mentee": {"bio": bio}}, caller="key:k1")
    # needs are cached (by hash, in the caller's own partition) to answer the caller's repeats fast
    assert service.embedder.cached("podcast quillwork", caller="key:k1")
    assert not service.embedder.cached(bio)
    keys = service.embedder.query_cache.held_keys()
    assert keys and all(isinstance(part, bytes) for key in keys for part in key)  # hashes, never the texts


def test_a_stored_two_way_mentee_is_scored_from_their_stored_vectors(service):
    service.embedder.clear_cache()
    before = service.embedder.texts_encoded
    service.match({"need": "zythography", "style": "two-way", "mentee": {"id": "zed"}})
    # the need alone (its one key phrase is the need itself), never zed's bio again
    assert not service.embedder.cached(ZED["bio"])
    assert service.embedder.texts_encoded - before == 1
