"""Words as BM25 and the highlighter read them: lowercased content words, stop words dropped, Snowball stems.

Pure: PyStemmer and the standard library. The lexical index (BM25) and the web form's highlighter read
a text through the same `tokenize`, so a word is marked exactly when BM25 matched on it.
"""

from __future__ import annotations

import re
import threading

import Stemmer

from .need import STOP_WORDS

_TOKEN = re.compile(r"[^\W_]+", re.UNICODE)
MAX_QUERY_TERMS = 32
_stemmer = Stemmer.Stemmer("english")
_stems: dict[str, str] = {}  # word -> stem; bounded by the vocabulary (replaced if it ever grows past the cap)
_stems_lock = threading.Lock()  # one thread at a time adds stems (and uses the stemmer, which keeps state)
_STEM_CACHE_CAP = 500_000


def _stem(words: list[str]) -> list[str]:
    global _stems
    stems = _stems  # this call reads one dict to the end, even if another thread starts a new one meanwhile
    missing = [w for w in set(words) if w not in stems]
    if missing:
        with _stems_lock:
            if len(_stems) > _STEM_CACHE_CAP:
                _stems = {}
            stems = _stems
            stems.update(zip(missing, _stemmer.stemWords(missing)))
    return [stems.get(w) or _stem_now(w) for w in words]


def _stem_now(word: str) -> str:
    # A word added to a dict that was then replaced: stem it directly (rare).
    with _stems_lock:
        return _stemmer.stemWord(word)


def tokenize(text: str) -> list[str]:
    """The stemmed content words of a text, in order (stop words and one-letter words dropped)."""
    return _stem([w for w in _TOKEN.findall(text.lower()) if len(w) > 1 and w not in STOP_WORDS])


def query_terms(text: str) -> list[str]:
    """The distinct stemmed content words of a need, in order (at most 32)."""
    return list(dict.fromkeys(tokenize(text)))[:MAX_QUERY_TERMS]
