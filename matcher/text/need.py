"""The need text, as the matcher reads it: cleaned, and cut into the short key phrases it names.

Pure: no model, no SQLite, no FAISS.

A need often names several topics at once ("Java and JavaScript, plus some cloud architecture").
One vector for the whole sentence blurs them; so besides the whole need, the service embeds its
key phrases (each content word, and each pair of neighbouring content words within a clause) and
credits a mentor with the best phrase it answers. The mentor still needs the whole need to rank
well: see ranking.need_similarity.

A need of several sentences ("I study accounting. I'd like help with interviews. I want to work in
finance.") asks for each of them: its parts (`need_parts`) are embedded too, and a mentor is credited
for answering every part (ranking.coverage), not only the one that matches best.
"""

from __future__ import annotations

import re

# English function words, and the words every need is made of ("want", "learn", "help"): matching
# them says nothing about expertise. Shared with the lexical (BM25) side.
STOP_WORDS = frozenset(
    """a about above after again against all also am an and any are as at be because been before being
    below between both but by can could did do does doing down during each etc few for from further
    had has have having he her here hers herself him himself his how i if in into is it its itself
    just like me more most my myself no nor not now of off on once only or other our ours ourselves
    out over own per same she should so some such than that the their theirs them themselves then
    there these they this those through to too under until up very via was we were what when where
    which while who whom why will with within would you your yours yourself yourselves want wants
    learn learning get getting help need needs someone session sessions looking role work working
    we'll you'll you're we're i'm i'd i'll it's""".split()
)

# Anonymisation placeholders ("<ORGANIZATION>", "<PERSON>") carry no topic.
_PLACEHOLDER = re.compile(r"<[A-Z][A-Z0-9_]*>")
# Where a clause ends: punctuation, bullets, a dash between spaces, "and" / "or".
_CLAUSE = re.compile(r"[,;:/|()\[\]{}!?•·*\"]|\s[-–—]\s|\.(?:\s|$)|\b(?:and|or)\b", re.IGNORECASE)
# A word keeps inner punctuation and trailing + or # (C++, C#, Node.js, e-mail).
_WORD = re.compile(r"[^\W_](?:[\w.'’+#-]*[\w+#])?", re.UNICODE)
MAX_PHRASES = 64
MAX_PARTS = 8
# Where a need's sentence ends (its parts); a piece of fewer than _MIN_PART_WORDS content words joins
# its neighbour.
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+|\n+")
_MIN_PART_WORDS = 2


def clean_need(text: str) -> str:
    """The need without anonymisation placeholders and runs of white space."""
    return " ".join(_PLACEHOLDER.sub(" ", text).split())


def clauses(text: str) -> list[str]:
    """The clauses of a need, as written: cut where `need_phrases` cuts (punctuation, bullets, a dash
    between spaces, "and" / "or"), stripped, in order, the empty ones left out."""
    return [part.strip() for part in _CLAUSE.split(clean_need(text)) if part.strip()]


def content_words(clause: str) -> list[str]:
    """The words of a clause that are not stop words, as written."""
    return [w for w in _WORD.findall(clause) if w.lower() not in STOP_WORDS]


def need_phrases(text: str, longest: int = 2, most: int = MAX_PHRASES) -> list[str]:
    """The key phrases of a need: every run of 1..`longest` neighbouring content words within a clause.

    Distinct, in order of appearance (shorter first within a clause), at most `most`; none when
    `longest` < 1. A need of a single phrase gives that phrase alone.
    """
    if longest < 1 or most < 1:
        return []
    phrases: dict[str, None] = {}
    for clause in _CLAUSE.split(clean_need(text)):
        words = content_words(clause)
        for n in range(1, longest + 1):
            for start in range(0, len(words) - n + 1):
                phrases.setdefault(" ".join(words[start : start + n]), None)
        if len(phrases) >= most:
            break
    return list(phrases)[:most]


def query_texts(need: str, longest: int = 2, most: int = MAX_PHRASES) -> list[str]:
    """What is embedded for a need: the cleaned need first, then its key phrases (those that differ from it)."""
    whole = clean_need(need) or need.strip()
    return [whole] + [p for p in need_phrases(whole, longest, most) if p != whole]


def need_parts(text: str, most: int = MAX_PARTS) -> list[str]:
    """The sentences of a need, when it has at least two (at most `most`); else none.

    A piece of fewer than two content words ("Azure .", "Thanks!") is joined to the next sentence
    (the last, to the one before); a long sentence stays whole: it is one request, however long.

    Args:
        text: the need as written (cleaned here like clean_need).
        most: the most parts returned (the first ones).
    """
    pieces = [p for p in _SENTENCE_END.split(clean_need(text)) if p.strip()]
    parts: list[str] = []
    carry = ""
    for piece in pieces:
        piece = f"{carry} {piece}".strip() if carry else piece.strip()
        if len(content_words(piece)) < _MIN_PART_WORDS:
            carry = piece
            continue
        parts.append(piece)
        carry = ""
    if carry:
        if parts:
            parts[-1] = f"{parts[-1]} {carry}"
        else:
            parts.append(carry)
    return parts[:most] if len(parts) >= 2 else []
