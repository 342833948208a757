"""The lexical (BM25) side of hybrid search: an in-memory BM25 index over the mentors' offers texts.

Why in memory (bm25s) rather than SQLite FTS5, which this replaced: FTS5 computes BM25 for every
row that holds any query word before it can sort, so one need cost 70 ms at 100k profiles (a word
such as "manage" alone matches 22k rows); bm25s keeps the BM25 weight of every (word, mentor) pair
in a sparse matrix and answers the same need in about 2 ms.

Two fields, each a BM25 index of its own (`BM25Field`):
- **words**: every content word (lowercased, stop words dropped, Snowball English stems).
- **list items**: many profiles are lists picked from dropdowns ("Can help with Resume / CV Review,
  Career Planning. Industry expertise: Finance."), and a need written the same way names the same
  items. An item is one token ("resum cv review"), so a mentor is credited for the item the need
  names, not for each of its words ("review" alone says little; "career" is in half the items).
  See `list_items` and `need_items`.
A need's BM25 is the mix of both, weighted by how much of the need is made of items the profiles use
(`need_items`' share): a list-like need is matched item by item, a prose need word by word (prose
makes few items that profiles repeat verbatim). The list items' BM25 uses a weak length
normalisation (b = 0.25): a longer list is more items, not a wordier way of saying the same thing.

Like the vector indexes, it is derived from the store and kept in step with it: built whole from
the stored texts when a process loads or builds an index generation, then changed row by row as
the process catches up with the store (a changed or new row goes to a small delta scored with the
base's statistics; a removed or changed row's base entry is masked out). Nothing of it is written
to disk, so an erasure leaves no lexical trace once the store has forgotten the row.

Lucene's BM25 variant (bm25s' default), k1 = 1.5, b = 0.75 (words) and 0.25 (items).
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass

import bm25s
import numpy as np

from ..text.words import query_terms, tokenize

MAX_QUERY_ITEMS = 64
K1, B = 1.5, 0.75
ITEM_B = 0.25
# A list item is at most this many content words; a longer run between two breaks is prose.
MAX_ITEM_WORDS = 5
# Where a list item ends: list punctuation, a sentence end, "and" / "or". Unlike a need's clauses
# (text.need.clauses), "/" and " - " do not: "Resume / CV Review" and "Computer - IT Services" are one item.
_ITEM_BREAK = re.compile(r"[,;:|•·*()\[\]{}!?\"\n]|\.(?:\s|$)|\b(?:and|or)\b", re.IGNORECASE)


def _segments(text: str) -> list[list[str]]:
    """The stemmed content words of each run between two item breaks (empty runs left out)."""
    return [words for words in map(tokenize, _ITEM_BREAK.split(text)) if words]


def list_items(text: str) -> list[str]:
    """The list items of a profile text: each run of 1..MAX_ITEM_WORDS content words between two item
    breaks, as one token (stems joined by spaces). Longer runs are prose and make no item.

    "Can help with Resume / CV Review, Career Planning." -> ["resum cv review", "career plan"]
    """
    return [" ".join(words) for words in _segments(text) if len(words) <= MAX_ITEM_WORDS]


def need_items(text: str, known: Callable[[str], bool]) -> tuple[list[str], float]:
    """The items of a need that profiles use, and the share of the need's content words they cover.

    A need's run may start with words of its own ("I want to build expertise in Finance"): each run of
    at most MAX_ITEM_WORDS words gives its longest tail that is `known` (an item of some profile):
    "financ".

    Args:
        text: the need.
        known: True for an item (as list_items spells it) that some indexed profile holds.

    Returns:
        (distinct items, at most MAX_QUERY_ITEMS; the words of those items over all the need's
        content words: near 1 for a need made of the profiles' own items, near 0 for prose).
    """
    items: dict[str, None] = {}
    covered = total = 0
    for words in _segments(text):
        total += len(words)
        if len(words) > MAX_ITEM_WORDS:
            continue
        for start in range(len(words)):
            item = " ".join(words[start:])
            if known(item):
                items.setdefault(item, None)
                covered += len(words) - start
                break
    return list(items)[:MAX_QUERY_ITEMS], (covered / total if total else 0.0)


class BM25Field:
    """BM25 over one kind of token (words or list items): a bm25s base built at once, plus a delta of
    later changes scored with the base's statistics.

    Args:
        tokens: each base document's tokens, in the order of the owning index's rows.
        b: BM25's length normalisation.
    """

    def __init__(self, tokens: list[list[str]], b: float):
        self.b = b
        lengths = np.array([len(t) for t in tokens], dtype=np.float64)
        self.n = len(tokens)
        self.avg_len = float(lengths.mean()) if self.n and lengths.sum() else 1.0
        self.base: bm25s.BM25 | None = None
        self.vocab: dict[str, int] = {}
        self.df = np.zeros(0, dtype=np.int64)
        if self.n and lengths.sum():
            self.base = bm25s.BM25(k1=K1, b=b, method="lucene")
            self.base.index(tokens, show_progress=False)
            self.vocab = {t: i for t, i in self.base.vocab_dict.items() if t != ""}
            self.df = np.diff(np.asarray(self.base.scores["indptr"], dtype=np.int64))
        self.delta: dict[int, tuple[Counter, int]] = {}  # row id -> (token counts, length)
        self.delta_rows: Counter[str] = Counter()  # token -> how many delta rows hold it

    def knows(self, token: str) -> bool:
        """True when the base's statistics or some delta row hold the token."""
        return token in self.vocab or self.delta_rows[token] > 0

    def put(self, row_id: int, tokens: list[str]) -> None:
        """Score row `row_id` from now on by these tokens (in the delta)."""
        self.drop(row_id)
        counts = Counter(tokens)
        self.delta[row_id] = (counts, len(tokens))
        self.delta_rows.update(counts.keys())

    def drop(self, row_id: int) -> None:
        """Forget the delta entry of a row (its base entry is masked by the owning index)."""
        old = self.delta.pop(row_id, None)
        if old is not None:
            self.delta_rows.subtract(old[0].keys())
            for token in old[0]:
                if self.delta_rows[token] <= 0:
                    del self.delta_rows[token]

    def idf(self, token: str) -> float:
        """Lucene's BM25 idf of a token, from the base's document counts."""
        df = int(self.df[self.vocab[token]]) if token in self.vocab else 0
        n = max(self.n, 1)
        return math.log(1 + (n - df + 0.5) / (df + 0.5))

    def base_scores(self, tokens: list[str]) -> np.ndarray | None:
        """BM25 of every base document, in base order (None when no token is in the base)."""
        ids = [self.vocab[t] for t in tokens if t in self.vocab]
        if not ids or self.base is None:
            return None
        return self.base.get_scores_from_ids(ids)

    def delta_scores(self, tokens: list[str]) -> dict[int, float]:
        """BM25 of each delta row, with the base's document counts and average length."""
        if not self.delta or not tokens:
            return {}
        idf = {t: self.idf(t) for t in tokens}
        out = {}
        for row, (counts, length) in self.delta.items():
            if not length:
                continue
            norm = K1 * (1 - self.b + self.b * length / self.avg_len)
            out[row] = sum(idf[t] * counts[t] / (counts[t] + norm) for t in tokens if t in counts)
        return out


class LexicalIndex:
    """BM25 over one text per row id, as words and as list items (see the module docstring).

    Not thread-safe on its own: the IndexState's read/write lock guards it like the vector indexes.
    """

    def __init__(self, row_ids: list[int] | np.ndarray, texts: list[str]):
        self.rows = np.asarray(row_ids, dtype=np.int64)
        self._words = BM25Field([tokenize(t) for t in texts], B)
        self._items = BM25Field([list_items(t) for t in texts], ITEM_B)
        self._n = len(texts)
        self._stale = np.zeros(self._n, dtype=bool)  # base entries replaced by the delta or removed
        self._doc_of: dict[int, int] = {int(r): i for i, r in enumerate(self.rows.tolist())}

    def __len__(self) -> int:
        return int(self._n - self._stale.sum()) + len(self._words.delta)

    def row_ids(self) -> set[int]:
        """Every row id the index answers for (for integrity checks)."""
        base = {int(r) for r in self.rows[~self._stale].tolist()}
        return base | set(self._words.delta)

    def has_term(self, word: str) -> bool:
        """True when any indexed text, or the base's statistics, still count `word` (after stemming),
        as a word or within a list item."""
        stems = tokenize(word)
        if not stems:
            return False
        stem = stems[0]
        if self._words.knows(stem):
            return True
        in_item = lambda item: stem in item.split()
        return any(map(in_item, self._items.vocab)) or any(map(in_item, self._items.delta_rows))

    def upsert(self, row_id: int, text: str) -> None:
        """Index (or re-index) the text of one row."""
        self._retire(row_id)
        self._words.put(row_id, tokenize(text))
        self._items.put(row_id, list_items(text))

    def remove(self, row_id: int) -> None:
        """Forget one row."""
        self._retire(row_id)

    def _retire(self, row_id: int) -> None:
        doc = self._doc_of.get(row_id)
        if doc is not None:
            self._stale[doc] = True
        self._words.drop(row_id)
        self._items.drop(row_id)

    def search(self, text: str, k: int, allowed: np.ndarray | None = None) -> list[tuple[int, float]]:
        """The k best (row_id, BM25 score) for a need among rows where `allowed[row_id]` is true
        (all rows when None), best first, ties by row id; rows without any of its words never come back.

        The score is (1 - share) * BM25 of the words + share * BM25 of the list items, `share` being
        how much of the need its items cover (need_items)."""
        hits = self.search_fields(text, k, allowed)
        return list(zip(hits.rows.tolist(), hits.scores.tolist()))

    def search_fields(self, text: str, k: int, allowed: np.ndarray | None = None) -> LexicalHits:
        """As search, with each hit's BM25 of the words and of the list items apart, and the need's items'
        share (the learned ranking weighs them itself: matcher/learn)."""
        terms = query_terms(text)
        if not terms or k <= 0:
            return LexicalHits.none()
        items, share = need_items(text, self._items.knows)
        parts = [(1.0 - share, self._words, terms), (share, self._items, items)]
        parts = [(weight, field, tokens) for weight, field, tokens in parts if weight > 0 and tokens]
        found: list[tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]] = []
        base = None
        fields: list[np.ndarray | None] = []
        for weight, field, tokens in parts:
            scores = field.base_scores(tokens)
            fields.append(scores)
            if scores is not None:
                base = weight * scores if base is None else base + weight * scores
        words_at = next((i for i, (_, field, _) in enumerate(parts) if field is self._words), None)
        items_at = next((i for i, (_, field, _) in enumerate(parts) if field is self._items), None)
        if base is not None:
            ok = (base > 0) & ~self._stale
            if allowed is not None:
                inside = self.rows < len(allowed)
                ok &= inside
                ok[inside] &= allowed[self.rows[inside]]
            docs = np.flatnonzero(ok)
            if len(docs) > k:
                docs = docs[np.argpartition(-base[docs], k - 1)[:k]]
            found.append(
                (
                    self.rows[docs],
                    base[docs].astype(np.float64),
                    _column(fields, words_at, docs),
                    _column(fields, items_at, docs),
                )
            )
        delta: dict[int, list[float]] = {}
        for at, (weight, field, tokens) in enumerate(parts):
            for row, score in field.delta_scores(tokens).items():
                entry = delta.setdefault(row, [0.0, 0.0, 0.0])
                entry[0] += weight * score
                entry[1 if at == words_at else 2] += score
        kept = [
            (row, *e)
            for row, e in delta.items()
            if e[0] > 0 and (allowed is None or row < len(allowed) and allowed[row])
        ]
        if kept:
            table = np.array(kept, dtype=np.float64)
            found.append((table[:, 0].astype(np.int64), table[:, 1], table[:, 2], table[:, 3]))
        if not found:
            return LexicalHits.none(share)
        rows, scores, words, item_scores = (np.concatenate(column) for column in zip(*found))
        best = np.lexsort((rows, -scores))[:k]  # best first, ties by row id
        return LexicalHits(rows[best], scores[best], words[best], item_scores[best], share)


def _column(fields: list[np.ndarray | None], at: int | None, docs: np.ndarray) -> np.ndarray:
    """One field's scores of `docs` (zeros when the need has no token of that field)."""
    if at is None or fields[at] is None:
        return np.zeros(len(docs), dtype=np.float64)
    return fields[at][docs].astype(np.float64)


@dataclass(frozen=True)
class LexicalHits:
    """The hits of a need, best first: row ids, the BM25 the search ranks by, each field's own BM25, and the
    share of the need its list items cover."""

    rows: np.ndarray
    scores: np.ndarray
    words: np.ndarray
    items: np.ndarray
    share: float

    @classmethod
    def none(cls, share: float = 0.0) -> LexicalHits:
        empty = np.zeros(0, dtype=np.float64)
        return cls(np.zeros(0, dtype=np.int64), empty, empty, empty, share)
