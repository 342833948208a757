"""PhraseBook: vectors of the key phrases the mentors' bios use, made once per index generation.

A need is embedded whole and as its key phrases (needs.need_phrases): about twenty short texts, the
largest share of a match's model time. The phrases that can meet a mentor's words are mostly ones
the bios use themselves, so a re-index embeds the bios' own key phrases once (those of at least
MIN_BIOS bios: a phrase of one person's bio alone is never kept) and a match looks its phrases up
here before running the model on the rest.

Phrases are keyed in lower case: the model's tokenizer lower-cases (all-MiniLM-L6-v2 is uncased), so
"SQL" and "sql" get one vector. Vectors are float16, memory-mapped from the generation like the indexes.
"""

from __future__ import annotations

from collections import Counter
from typing import Callable, Iterable

import numpy as np

from .embedder import Embedder
from .needs import need_phrases

MIN_BIOS = 2  # a phrase enters the book only when this many bios use it


class PhraseBook:
    """Phrase -> unit vector, for the phrases a generation's bios share."""

    def __init__(self, phrases: list[str], vectors: np.ndarray):
        if len(phrases) != len(vectors):
            raise ValueError(f"{len(phrases)} phrases but {len(vectors)} vectors")
        self.phrases = phrases
        self.vectors = vectors
        self._row = {p: i for i, p in enumerate(phrases)}

    def __len__(self) -> int:
        return len(self.phrases)

    def lookup(self, phrases: list[str]) -> tuple[dict[int, np.ndarray], list[int]]:
        """({position: float32 vector} of the phrases in the book, positions of the others)."""
        found, missing = {}, []
        for pos, phrase in enumerate(phrases):
            row = self._row.get(phrase.lower())
            if row is None:
                missing.append(pos)
            else:
                found[pos] = np.asarray(self.vectors[row], dtype=np.float32)
        return found, missing

    def vectors_for(self, phrases: list[str], encode: Callable[[list[str]], np.ndarray],
                    dtype: type = np.float32) -> np.ndarray:
        """(len(phrases), dim) vectors: the book's where it has them, `encode`'s for the rest."""
        found, missing = self.lookup(phrases)
        out = np.empty((len(phrases), self.vectors.shape[1]), dtype=dtype)
        for pos, vector in found.items():
            out[pos] = vector
        if missing:
            out[missing] = encode([phrases[i] for i in missing])
        return out


def shared_phrases(bios: Iterable[str], longest: int, most: int) -> list[str]:
    """The key phrases (lower case) of at least MIN_BIOS bios, the most used first, at most `most`."""
    bios_using: Counter[str] = Counter()
    for bio in bios:
        bios_using.update({p.lower() for p in need_phrases(bio, longest, most=1 << 30)})
    common = [(n, p) for p, n in bios_using.items() if n >= MIN_BIOS]
    common.sort(key=lambda item: (-item[0], item[1]))
    return [p for _, p in common[:most]]


def build_book(embedder: Embedder, phrases: list[str], previous: PhraseBook | None = None) -> PhraseBook:
    """Vectors for `phrases`: taken from `previous` where it has them, the rest from the model."""
    if previous is None:
        return PhraseBook(phrases, embedder.encode(phrases).astype(np.float16))
    return PhraseBook(phrases, previous.vectors_for(phrases, embedder.encode, np.float16))
