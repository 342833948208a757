"""The phrase book: the bios' shared key phrases, embedded at re-index time and looked up by matches."""

import numpy as np
import pytest

from matcher.errors import IndexMismatch
from matcher.index.phrasebook import PhraseBook, build_book, phrase_keys, shared_phrases
from matcher.text.need import query_texts
from tests.conftest import profile

BIOS = [
    "I teach SQL window functions and query tuning.",
    "Window functions in SQL are my daily work; I also teach Excel.",
    "I coach sql beginners. Zythography is my secret hobby.",
]
PEOPLE = [profile(f"p{i}", 3 + i, bio) for i, bio in enumerate(BIOS)] + [
    profile("social", 2, "I film TikTok videos and teach Instagram Reels to leaders.", styles=["reverse", "flash"]),
    profile("video", 3, "TikTok videos and Instagram Reels are what I make every week.", styles=["reverse", "flash"]),
]


def test_shared_phrases_are_those_of_two_bios_or_more_in_lower_case_most_used_first():
    phrases = shared_phrases(BIOS, longest=2, most=100)
    assert phrases[0] == "sql"  # in all three bios, as "SQL" and "sql"
    assert set(phrases) == {"sql", "window", "functions", "window functions", "teach"}
    assert "zythography" not in phrases  # one person's words alone are never kept
    assert shared_phrases(BIOS, longest=2, most=2) == phrases[:2]


def test_the_model_is_uncased_so_one_lower_case_vector_serves_every_spelling(embedder):
    upper, lower = embedder.encode(["SQL Window Functions", "sql window functions"])
    assert float(upper @ lower) > 0.9999


def test_a_rebuilt_book_runs_the_model_only_on_new_phrases(embedder):
    first = build_book(embedder, ["sql", "window functions"])
    before = embedder.texts_encoded
    second = build_book(embedder, ["window functions", "excel", "sql"], previous=first)
    assert embedder.texts_encoded - before == 1
    found, missing = second.lookup(["SQL", "Excel", "python"])
    assert sorted(found) == [0, 1] and missing == [2]
    assert np.allclose(found[0], first.lookup(["sql"])[0][0])
    assert float(found[1] @ embedder.encode(["excel"])[0]) > 0.99


def test_matches_take_book_phrases_without_the_model_and_rank_as_without_the_book(make_service, tmp_path):
    with_book = make_service(data_dir=tmp_path / "book")
    with_book.import_items(list(enumerate(PEOPLE, start=1)))
    with_book.reindex()
    book = with_book.refresh().phrase_book
    assert book is not None and all(phrase in book for phrase in ("tiktok", "instagram reels", "sql"))
    without = make_service(data_dir=tmp_path / "plain", phrase_book_size=0)
    without.import_items(list(enumerate(PEOPLE, start=1)))
    without.reindex()
    assert without.refresh().phrase_book is None

    need = "Instagram Reels and TikTok videos, urgently"
    phrases = query_texts(need)[1:]
    found, missing = book.lookup(phrases)
    assert found and missing  # "urgently" is in no bio
    with_book.embedder.clear_cache()  # the session's embedder may have met these phrases in other tests
    before = with_book.embedder.texts_encoded
    got = with_book.match({"need": need, "style": "flash"})
    assert with_book.embedder.texts_encoded - before == 1 + len(missing)  # the need and the unknown phrases
    expected = without.match({"need": need, "style": "flash"})
    assert [m["mentor"]["id"] for m in got["matches"]] == [m["mentor"]["id"] for m in expected["matches"]]
    for mine, theirs in zip(got["matches"], expected["matches"]):
        assert mine["score"] == pytest.approx(theirs["score"], abs=0.01)


def test_the_book_survives_restarts_and_checkpoints_and_a_damaged_one_is_refused(make_service, tmp_path):
    service = make_service()
    service.import_items(list(enumerate(PEOPLE, start=1)))
    service.reindex()
    phrases = service.refresh().phrase_book.keys.tolist()
    assert make_service(data_dir=service.settings.data_dir).open().refresh().phrase_book.keys.tolist() == phrases
    service.import_items([(1, profile("extra", 4, "I teach Excel."))], checkpoint=True)
    generation = service.generations.current_name()
    assert service.generations.extras(generation)["phrase_keys"].tolist() == phrases  # carried over, not recomputed

    vectors = service.generations.root / generation / "phrase_vectors.npy"
    raw = vectors.read_bytes()
    vectors.write_bytes(raw[:-10] + bytes([raw[-10] ^ 0xFF]) + raw[-9:])
    with pytest.raises(IndexMismatch, match="phrase_vectors.npy is corrupt"):
        service.generations.extras(generation)
    reopened = make_service(data_dir=service.settings.data_dir).open()
    assert reopened.status()["generation"] != generation  # refused and rebuilt from the store,
    assert reopened.refresh().phrase_book is None  # without running the model: the book waits for a re-index
    reopened.reindex()
    assert (
        reopened.refresh().phrase_book.keys.tolist()
        == phrase_keys(
            shared_phrases([p["bio"] for p in PEOPLE] + ["I teach Excel."], 2, reopened.settings.phrase_book_size)
        ).tolist()
    )


def test_the_book_holds_no_text_and_only_the_phrases_of_findable_mentors(make_service):
    hidden = [
        profile("gone", 4, "Zythography and quillwork for podcast hosts.", active=False),
        profile("shy", 4, "Quillwork clinics, and zythography on request.", discoverable=False),
        profile("learner", 4, "Zythography is what I do on weekends.", styles=[]),
    ]
    service = make_service()
    service.import_items(list(enumerate(PEOPLE + hidden, start=1)))
    service.reindex()
    book = service.refresh().phrase_book
    assert "sql" in book and "tiktok" in book
    # Three of the five bios that say "zythography" or "quillwork" are not findable mentors: too few left.
    assert "zythography" not in book and "quillwork" not in book
    folder = service.generations.root / service.generations.current_name()
    for path in folder.iterdir():
        content = path.read_bytes().lower()
        for word in (b"tiktok", b"sql", b"instagram", b"window functions"):
            assert word not in content, f"{word!r} in {path.name}"


def test_a_book_needs_as_many_vectors_as_phrases():
    with pytest.raises(ValueError, match="2 phrases but 1 vectors"):
        PhraseBook(["a", "b"], np.zeros((1, 4), np.float16))
