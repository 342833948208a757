"""Following re-indexes made by other replicas: when to rebuild this data directory's index generation.

Replicas share the store (PostgreSQL) but each keeps its index generations in its own data
directory, so a re-index through one replica writes a generation the others never see. The store
counts completed re-indexes (`record_reindex`, `reindex_count`); each data directory remembers, in
`index/REINDEXED`, the count its current generation reflects (none yet: 0). A process that finds the
store's count different from its directory's rebuilds the generation from the stored embeddings
(the model runs only on phrase-book phrases the previous book lacked: the same build as a re-index,
without the purge, which the re-indexing replica did) and then records the count it followed. So a new replica
serves at once from a generation built at start-up without a phrase book, then follows the latest
re-index in the background and gets one.

Processes sharing one data directory (gunicorn workers, the CLI, or every replica on SQLite, which
shares one directory anyway) take turns with a file lock, `index/.follow-lock`: the one re-indexing
or following holds it, and the others skip their turn and load the new generation through CURRENT,
as they do today. The store is asked at most every POLL_SECONDS per process, so following costs no
round trip on most matches.
"""

from __future__ import annotations

import fcntl
import logging
import os
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from ..errors import StoreUnavailable
from ..files import PRIVATE_FILE, private_file
from ..store import ProfileStore
from .generations import Generations

log = logging.getLogger("matcher.replicas")
MARKER = "REINDEXED"
LOCK = ".follow-lock"
POLL_SECONDS = 1.0  # how often a process asks the store for its re-index count
RETRY_SECONDS = 60.0  # after a failed rebuild, wait this long before trying again
STORE_RETRY_SECONDS = 5.0  # ... or this long when the store did not answer (an outage, not a broken rebuild)


class ReindexFollower:
    """This data directory's view of the store's re-indexes.

    Args:
        store: the shared store (its re-index count).
        generations: this data directory's generations (the marker and the lock live in its folder).
        poll_seconds: how often `due()` may ask the store.
    """

    def __init__(self, store: ProfileStore, generations: Generations, poll_seconds: float = POLL_SECONDS):
        self.store = store
        self.root = Path(generations.root)
        self.poll_seconds = poll_seconds
        self._known = -1  # the marker's value as last read (-1: not read yet)
        self._next_poll = 0.0
        self._lock = threading.Lock()

    def due(self, now: float | None = None) -> int | None:
        """The store's re-index count when it differs from this directory's (a rebuild is due), else None.

        Asks the store at most every `poll_seconds`; between polls it answers None at no cost.
        """
        now = time.monotonic() if now is None else now
        with self._lock:
            if now < self._next_poll:
                return None
            self._next_poll = now + self.poll_seconds
        count = self.store.reindex_count()
        return None if count == self._known else self.behind(count)

    def behind(self, count: int | None = None) -> int | None:
        """The store's re-index count (`count`, or asked now) when this directory's marker differs, else None.

        A marker above the store's count means the store was restored from an older backup: the
        directory rebuilds once and takes the restored count. Reads the marker afresh: another
        process of this directory may have followed meanwhile.
        """
        count = self.store.reindex_count() if count is None else count
        self._known = self._read()
        return count if count != self._known else None

    def follow(self, rebuild: Callable[[], object]) -> None:
        """Rebuild this directory's generation if the store counts re-indexes it has not followed, then
        record the count. Skips when another process of this directory is re-indexing or following.
        A failure is logged (the current generation keeps serving) and retried after RETRY_SECONDS, or
        after STORE_RETRY_SECONDS when the store did not answer.

        Args:
            rebuild: builds, publishes and serves a generation from the store (IndexLifecycle._rebuild).
        """
        try:
            with self.turn(wait=False) as mine:
                count = self.behind() if mine else None
                if count is None:
                    return
                started = time.perf_counter()
                rebuild()
                self.done(count)
                log.info("followed the store's re-index %d in %.1f s", count, time.perf_counter() - started)
        except StoreUnavailable:
            log.warning(
                "could not follow the store's latest re-index: the store does not answer; trying again in %.0f s",
                STORE_RETRY_SECONDS,
            )
            self.postpone(STORE_RETRY_SECONDS)
        except Exception:
            log.exception("could not follow the store's latest re-index; trying again in %.0f s", RETRY_SECONDS)
            self.postpone()

    def postpone(self, seconds: float = RETRY_SECONDS) -> None:
        """Ask the store again only after `seconds` (after a failed rebuild)."""
        with self._lock:
            self._next_poll = time.monotonic() + seconds

    def done(self, count: int) -> None:
        """Record that this directory's current generation reflects `count` re-indexes (atomically)."""
        tmp = self.root / f".{MARKER}.tmp-{os.getpid()}-{threading.get_ident()}"
        tmp.write_text(f"{count}\n")
        private_file(tmp)
        os.replace(tmp, self.root / MARKER)
        self._known = count

    @contextmanager
    def turn(self, wait: bool) -> Iterator[bool]:
        """This directory's rebuild turn (re-index or follow): yields True when held, False when another
        process holds it and `wait` is False."""
        fd = os.open(self.root / LOCK, os.O_CREAT | os.O_RDWR, PRIVATE_FILE)
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX if wait else fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                yield False
                return
            yield True
        finally:
            os.close(fd)  # releases the lock

    def _read(self) -> int:
        """The marker's count; 0 when there is none (a new data dir has followed no re-index)."""
        try:
            return int((self.root / MARKER).read_text().strip())
        except (FileNotFoundError, ValueError):
            return 0
