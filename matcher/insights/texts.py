"""What the skills map reads from people's words: the wishes of a goals text, seniority bands, label words.

Pure: the standard library and needs.py only.

A goals text often asks for two things in one sentence ("I'd like to understand product management and
also write a business case"). One vector for it sits between two topics, so the map cuts a goals text
into wishes: its sentences (cut as bios are, profiles.split_passages: "e.g." or "vs." end no sentence),
each cut again where English joins a second wish ("and also", "as well as",
"and ideally", a semicolon, "plus"); a piece of fewer than two content words joins the one before.
A plain "and" is not a cut: "Figma auto-layout and components" is one wish. A list of three or more short
items between commas (the way list-like profiles ask: "I'd like help with Resume / CV Review, Career
Planning, Networking") gives one wish per item.
"""

from __future__ import annotations

import re

from ..profiles import split_passages
from ..text.need import STOP_WORDS, clean_need, content_words

# Words that join a second wish to a first within one sentence.
_WISH_JOIN = re.compile(
    r",?\s+and\s+(?:also|ideally|maybe|perhaps|then)\s+|,?\s+as\s+well\s+as\s+|;\s*|,\s*plus\s+|,\s*also\s+",
    re.IGNORECASE,
)
_MIN_WISH_WORDS = 2
MAX_WISHES = 32
# A list of things asked for ("I'd like help with Resume / CV Review, Career Planning, Networking"): at
# least three parts between commas, each after the first of at most MAX_ITEM_WORDS content words.
_ITEM_BREAK = re.compile(r"\s*,\s*")
_LAST_ITEM = re.compile(r"^(?:and|or)\s+", re.IGNORECASE)
MIN_ITEMS, MAX_ITEM_WORDS = 3, 5

# Seniority bands (seniority is 1 entry level ... 10 executive): (name, lowest, highest).
BANDS: tuple[tuple[str, int, int], ...] = (("junior", 1, 3), ("mid", 4, 6), ("senior", 7, 10))

# Words that say how people learn or mentor, not what: never a topic's label. With needs.STOP_WORDS
# (English function words, "want", "learn", "help", ...) and scikit-learn's English stop words.
MENTORING_WORDS = frozenset(
    """mentor mentors mentored mentoring mentee mentees session sessions flash reverse online virtual call calls
    meet meeting meetings zoom teach teaching taught teacher help helping helped enjoy enjoyed like love happy
    glad year years month months week weeks day days time times bring show showing walk explain explaining ask
    better understand understanding hoping hope goal goals ideally next would usually recently currently today
    typical every first new good great really well way ways lot someone people person basics basic improve
    confidence confident get able make making start started know knowing study studied id ll ve re end ends run
    use using works things thing stuff company team teams""".split()
)


def wishes(goals: str, most: int = MAX_WISHES) -> list[str]:
    """The separate wishes of a goals text or need, in order (at most `most`); [] for an empty text.

    "I'd like to understand product management and also write a business case." ->
    ["I'd like to understand product management", "write a business case"]
    """
    text = clean_need(goals)
    if not text:
        return []
    out: list[str] = []
    for sentence in split_passages(text) or [text]:
        for piece in _WISH_JOIN.split(sentence):
            piece = piece.strip(" ,.;")
            if not piece:
                continue
            if out and len(content_words(piece)) < _MIN_WISH_WORDS:
                out[-1] = f"{out[-1]} {piece}"
            else:
                out.append(piece)
    return [item for piece in out for item in list_items(piece)][:most]


def list_items(piece: str) -> list[str]:
    """The items of a list-like piece, each a wish of its own (the first keeps the words before it); the
    piece itself when it is not a list. "I'd like help with Resume / CV Review, Career Planning, Startups"
    -> ["I'd like help with Resume / CV Review", "Career Planning", "Startups"]"""
    parts = [part for part in _ITEM_BREAK.split(piece) if part]
    if len(parts) < MIN_ITEMS or any(len(content_words(part)) > MAX_ITEM_WORDS for part in parts[1:]):
        return [piece]
    parts[-1] = _LAST_ITEM.sub("", parts[-1])
    return [part for part in parts if content_words(part)]


def band_of(seniority: int) -> int:
    """The index in BANDS of a seniority level (levels outside 1..10 fall in the nearest band)."""
    for index, (_, _, high) in enumerate(BANDS):
        if seniority <= high:
            return index
    return len(BANDS) - 1


def label_stop_words() -> frozenset[str]:
    """Every word that never labels a topic: function words, the words of asking and of mentoring."""
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

    return frozenset(STOP_WORDS) | frozenset(ENGLISH_STOP_WORDS) | MENTORING_WORDS
