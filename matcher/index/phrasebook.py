"""PhraseBook: vectors of the key phrases the mentors' bios use, made once per index generation.

A need is embedded whole and as its key phrases (text/need.py need_phrases): about twenty short texts, the
largest share of a match's model time. The phrases that can meet a mentor's words are mostly ones
the bios use themselves, so a re-index embeds the key phrases of the active, discoverable mentors'
bios once (those of at least MIN_BIOS bios: a phrase of one person's bio alone is never kept) and a
match looks its phrases up here before running the model on the rest.

The book holds no text: each phrase is kept as a 64-bit hash of its lower-case form (the model's
tokenizer lower-cases, all-MiniLM-L6-v2 is uncased, so "SQL" and "sql" share one vector), beside its
vector. A hash of a common phrase can be recomputed from a word list, so the protection is the
MIN_BIOS rule and the files' owner-only modes, not the hash; it keeps words out of the files.
Vectors are float16, memory-mapped from the generation like the indexes.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Callable, Iterable

import numpy as np

from ..model.embedder import Embedder
from ..text.need import need_phrases

MIN_BIOS = 2  # a phrase enters the book only when this many bios use it


def phrase_key(phrase: str) -> int:
    """The book's key of a phrase: a 64-bit hash of its lower-case form."""
    digest = hashlib.blake2b(phrase.lower().encode("utf-8"), digest_size=8, person=b"mm-phrase").digest()
    return int.from_bytes(digest, "little")


def phrase_keys(phrases: Iterable[str]) -> np.ndarray:
    """The keys of many phrases, as a uint64 array."""
    return np.fromiter((phrase_key(p) for p in phrases), dtype=np.uint64)


class PhraseBook:
    """Phrase key -> unit vector, for the phrases a generation's mentors share.

    Args:
        keys: uint64 phrase keys (phrase_key), one per vector.
        vectors: (n, dim) vectors, float16 as written in a generation.
    """

    def __init__(self, keys: np.ndarray, vectors: np.ndarray):
        if len(keys) != len(vectors):
            raise ValueError(f"{len(keys)} phrases but {len(vectors)} vectors")
        self.keys = np.asarray(keys, dtype=np.uint64)
        self.vectors = vectors
        self._row = {int(k): i for i, k in enumerate(self.keys.tolist())}

    def __len__(self) -> int:
        return len(self.keys)

    def __contains__(self, phrase: str) -> bool:
        return phrase_key(phrase) in self._row

    def lookup(self, phrases: list[str]) -> tuple[dict[int, np.ndarray], list[int]]:
        """({position: float32 vector} of the phrases in the book, positions of the others)."""
        found, missing = {}, []
        for pos, phrase in enumerate(phrases):
            row = self._row.get(phrase_key(phrase))
            if row is None:
                missing.append(pos)
            else:
                found[pos] = np.asarray(self.vectors[row], dtype=np.float32)
        return found, missing

    def vectors_for(
        self, phrases: list[str], encode: Callable[[list[str]], np.ndarray], dtype: type = np.float32
    ) -> np.ndarray:
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
        return PhraseBook(phrase_keys(phrases), embedder.encode(phrases).astype(np.float16))
    return PhraseBook(phrase_keys(phrases), previous.vectors_for(phrases, embedder.encode, np.float16))
