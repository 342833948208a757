"""The query cache: vectors of needs and their key phrases, kept apart per caller.

A cached need answers a few milliseconds sooner than a new one, and a caller reads that in `took_ms`
or its own clock. One cache shared by every caller therefore told anyone whether anyone else had
searched a phrase (issue 21). So every entry belongs to one **partition**, named by whoever asked:
"key:<key id>" for an API key, "user:<hash>" for a signed-in form user, "addr:<address>" for an
anonymous (loopback) form user. A match reads and fills only its caller's partition, so a hit is only
ever on the caller's own earlier needs and key phrases.

Operators' and programmes' needs (a cohort member's need, or their stored goals) never enter this
shared cache: a programme run encodes through a private cache of its own (`QueryCache.private`),
dropped when the run ends, and a match without a caller (the CLI, scripts) keeps nothing.

All partitions share one LRU bound (`MATCHER_QUERY_CACHE_SIZE`), so a caller can push another's
entries out; that tells it how many new texts others encoded, never which.

Entries are keyed by keyed BLAKE2b hashes of (partition, text) under a random secret made when the
process starts: the cache holds no text, no caller name, and no hash that a word list could recompute
without this process's memory.
"""

from __future__ import annotations

import hashlib
import secrets
import threading
from collections import OrderedDict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import numpy as np

DIGEST_BYTES = 16


class QueryCache:
    """An LRU of query vectors keyed by (partition, text) hashes, at most `size` of them.

    Args:
        size: entries kept across all partitions (least recently used dropped first); 0 keeps nothing.
    """

    def __init__(self, size: int):
        self.size = size
        self._secret = secrets.token_bytes(32)
        self._entries: OrderedDict[tuple[bytes, bytes], np.ndarray] = OrderedDict()
        self._lock = threading.Lock()

    def _digest(self, value: str, kind: bytes) -> bytes:
        return hashlib.blake2b(value.encode("utf-8"), digest_size=DIGEST_BYTES, key=self._secret, person=kind).digest()

    def partition(self, caller: str) -> Partition:
        """The part of the cache that `caller` reads and fills."""
        if not caller:
            raise ValueError("caller: a partition needs a name")
        return Partition(self, self._digest(caller, b"mm-caller"))

    @classmethod
    @contextmanager
    def private(cls, size: int) -> Iterator[Partition]:
        """A cache of its own for one piece of work (a programme run), emptied when the block ends."""
        cache = cls(size)
        try:
            yield cache.partition("private")
        finally:
            cache.clear()

    def _get(self, partition: bytes, texts: list[str]) -> dict[str, np.ndarray]:
        found = {}
        with self._lock:
            for text in dict.fromkeys(texts):
                key = (partition, self._digest(text, b"mm-text"))
                vector = self._entries.get(key)
                if vector is not None:
                    self._entries.move_to_end(key)
                    found[text] = vector
        return found

    def _put(self, partition: bytes, texts: list[str], vectors: np.ndarray) -> None:
        if not self.size:
            return
        keys = [(partition, self._digest(text, b"mm-text")) for text in texts]
        with self._lock:
            for key, vector in zip(keys, vectors):
                self._entries[key] = vector
                self._entries.move_to_end(key)
            while len(self._entries) > self.size:
                self._entries.popitem(last=False)

    def holds(self, text: str, caller: str | None = None) -> bool:
        """True when `caller`'s partition (None: any partition) holds the vector of `text`."""
        digest = self._digest(text, b"mm-text")
        with self._lock:
            if caller is not None:
                return (self.partition(caller).digest, digest) in self._entries
            return any(text_digest == digest for _, text_digest in self._entries)

    def drop(self, caller: str) -> int:
        """Forget everything `caller`'s partition holds; returns how many vectors went."""
        digest = self.partition(caller).digest
        with self._lock:
            keys = [key for key in self._entries if key[0] == digest]
            for key in keys:
                del self._entries[key]
        return len(keys)

    def clear(self) -> None:
        """Forget every vector of every partition."""
        with self._lock:
            self._entries.clear()

    def held_keys(self) -> list[tuple[bytes, bytes]]:
        """The (partition hash, text hash) keys held, least recently used first (for tests and checks)."""
        with self._lock:
            return list(self._entries)

    def __len__(self) -> int:
        with self._lock:
            return len(self._entries)


@dataclass(frozen=True)
class Partition:
    """One caller's view of a QueryCache: it reads and fills only entries under its own digest."""

    cache: QueryCache
    digest: bytes

    def get(self, texts: list[str]) -> dict[str, np.ndarray]:
        """The vectors this partition holds for `texts`, by text (the others are missing)."""
        return self.cache._get(self.digest, texts)

    def put(self, texts: list[str], vectors: np.ndarray) -> None:
        """Keep `vectors` (one a text) in this partition."""
        self.cache._put(self.digest, texts, vectors)
