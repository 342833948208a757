"""The lexical (BM25) side of hybrid search: an in-memory BM25 index over the mentors' offers texts.

Why in memory (bm25s) rather than SQLite FTS5, which this replaced: FTS5 computes BM25 for every
row that holds any query word before it can sort, so one need cost 70 ms at 100k profiles (a word
such as "manage" alone matches 22k rows); bm25s keeps the BM25 weight of every (word, mentor) pair
in a sparse matrix and answers the same need in about 2 ms.

Like the vector indexes, it is derived from the store and kept in step with it: built whole from
the stored texts when a process loads or builds an index generation, then changed row by row as
the process catches up with the store (a changed or new row goes to a small delta scored with the
base's statistics; a removed or changed row's base entry is masked out). Nothing of it is written
to disk, so an erasure leaves no lexical trace once the store has forgotten the row.

Lucene's BM25 variant (bm25s' default), k1 = 1.5, b = 0.75; words are lowercased, stop words
dropped and stemmed with the Snowball English stemmer (PyStemmer).
"""

from __future__ import annotations

import math
import re
import threading
from collections import Counter

import bm25s
import numpy as np
import Stemmer

from .needs import STOP_WORDS

_TOKEN = re.compile(r"[^\W_]+", re.UNICODE)
MAX_QUERY_TERMS = 32
K1, B = 1.5, 0.75
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


class LexicalIndex:
    """BM25 over one text per row id: a bm25s base built at once, plus a delta of later changes.

    Not thread-safe on its own: the IndexState's read/write lock guards it like the vector indexes.
    """

    def __init__(self, row_ids: list[int] | np.ndarray, texts: list[str]):
        self.rows = np.asarray(row_ids, dtype=np.int64)
        tokens = [tokenize(t) for t in texts]
        lengths = np.array([len(t) for t in tokens], dtype=np.float64)
        self._n = len(tokens)
        self._avg_len = float(lengths.mean()) if self._n and lengths.sum() else 1.0
        self._base = None
        self._vocab: dict[str, int] = {}
        self._df = np.zeros(0, dtype=np.int64)
        if self._n and lengths.sum():
            self._base = bm25s.BM25(k1=K1, b=B, method="lucene")
            self._base.index(tokens, show_progress=False)
            self._vocab = {t: i for t, i in self._base.vocab_dict.items() if t != ""}
            self._df = np.diff(np.asarray(self._base.scores["indptr"], dtype=np.int64))
        self._stale = np.zeros(self._n, dtype=bool)  # base entries replaced by the delta or removed
        self._doc_of: dict[int, int] = {int(r): i for i, r in enumerate(self.rows.tolist())}
        self._delta: dict[int, tuple[Counter, int]] = {}  # row -> (stem counts, length)

    def __len__(self) -> int:
        return int(self._n - self._stale.sum()) + len(self._delta)

    def row_ids(self) -> set[int]:
        """Every row id the index answers for (for integrity checks)."""
        base = {int(r) for r in self.rows[~self._stale].tolist()}
        return base | set(self._delta)

    def has_term(self, word: str) -> bool:
        """True when any indexed text, or the base's word statistics, still count `word` (after stemming)."""
        stems = tokenize(word)
        if not stems:
            return False
        stem = stems[0]
        return stem in self._vocab or any(stem in counts for counts, _ in self._delta.values())

    def upsert(self, row_id: int, text: str) -> None:
        """Index (or re-index) the text of one row."""
        self._retire(row_id)
        tokens = tokenize(text)
        self._delta[row_id] = (Counter(tokens), len(tokens))

    def remove(self, row_id: int) -> None:
        """Forget one row."""
        self._retire(row_id)

    def _retire(self, row_id: int) -> None:
        doc = self._doc_of.get(row_id)
        if doc is not None:
            self._stale[doc] = True
        self._delta.pop(row_id, None)

    def _idf(self, term: str) -> float:
        df = int(self._df[self._vocab[term]]) if term in self._vocab else 0
        n = max(self._n, 1)
        return math.log(1 + (n - df + 0.5) / (df + 0.5))

    def search(self, text: str, k: int, allowed: np.ndarray | None = None) -> list[tuple[int, float]]:
        """The k best (row_id, BM25 score) for a need among rows where `allowed[row_id]` is true
        (all rows when None), best first, ties by row id; rows without any of its words never come back."""
        terms = query_terms(text)
        if not terms or k <= 0:
            return []
        hits: dict[int, float] = {}
        ids = [self._vocab[t] for t in terms if t in self._vocab]
        if ids and self._base is not None:
            scores = self._base.get_scores_from_ids(ids)
            ok = (scores > 0) & ~self._stale
            if allowed is not None:
                inside = self.rows < len(allowed)
                ok &= inside
                ok[inside] &= allowed[self.rows[inside]]
            docs = np.flatnonzero(ok)
            if len(docs) > k:
                docs = docs[np.argpartition(-scores[docs], k - 1)[:k]]
            hits.update(zip(self.rows[docs].tolist(), scores[docs].astype(float).tolist()))
        if self._delta:
            idf = {t: self._idf(t) for t in terms}
            for row, (counts, length) in self._delta.items():
                if not length or allowed is not None and (row >= len(allowed) or not allowed[row]):
                    continue
                norm = K1 * (1 - B + B * length / self._avg_len)
                score = sum(idf[t] * counts[t] / (counts[t] + norm) for t in terms if t in counts)
                if score > 0:
                    hits[row] = score
        return sorted(hits.items(), key=lambda hit: (-hit[1], hit[0]))[:k]
