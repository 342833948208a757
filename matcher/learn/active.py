"""The learned ranking a process serves: the one `<data dir>/learned/ACTIVE` names, with the outcome log's votes.

Each match asks `reranker()`: it reads the pointer (a small file) and the store's outcome-log counter,
and reloads the ranking or the votes only when one of them moved, so a `mentor-match learn` or `--revert`
in another process, a new outcome and an erasure all count from the next match on. No pointer: None,
and the match ranks by the hand-tuned fusion as before. While the store is unavailable (a PostgreSQL outage)
a match keeps the votes it has loaded, so that it can still answer from the loaded index.
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path

from ..errors import StoreUnavailable
from ..model.embedder import Embedder
from . import artefacts
from .examples import pool_of
from .models import FittedModel
from .reranker import LearnedReranker

log = logging.getLogger("matcher.learn")


class LearnedRankings:
    """The active learned ranking of a data dir, kept in step with its pointer and the outcome log.

    Args:
        store: the outcome log's store.
        embedder: the model needs are embedded with (for outcomes that lack a vector of it).
        data_dir: where `learned/ACTIVE` lives.
    """

    def __init__(self, store, embedder: Embedder, data_dir: Path):
        self.store = store
        self.embedder = embedder
        self.data_dir = Path(data_dir)
        self._lock = threading.Lock()
        self._name: str | None = None
        self._model: FittedModel | None = None
        self._refused: str | None = None  # a ranking that could not be loaded (warned about once)
        self._version: int | None = None
        self._reranker: LearnedReranker | None = None

    def reload(self) -> None:
        """Forget what is loaded: the next match reads the pointer and the log again."""
        with self._lock:
            self._name = self._model = self._version = self._reranker = self._refused = None

    def reranker(self) -> LearnedReranker | None:
        """The active learned ranking with the log's current votes, or None (no ranking, or an unusable one)."""
        name = artefacts.active_name(self.data_dir)
        if name is None or name == self._refused:
            return None
        current = self._reranker
        try:
            version = self.store.outcomes_version()
        except StoreUnavailable:  # the database is away: match with the votes loaded, or without a learned ranking
            return current if name == self._name else None
        if current is not None and name == self._name and version == self._version:
            return current
        with self._lock:
            if name != self._name:
                try:
                    self._model, _ = artefacts.load(self.data_dir, name)
                except ValueError as exc:
                    log.warning("%s; matching with the hand-tuned ranking", exc)
                    self._refused = name
                    return None
                self._name, self._version = name, None
            if version != self._version or self._reranker is None:
                outcomes = self.store.outcomes()
                pool = pool_of(self.store, self.embedder, outcomes)
                self._reranker = LearnedReranker(pool, self._model)
                self._version = version
                log.info("learned ranking %s with %d outcomes' votes", name, len(pool))
            return self._reranker

    @property
    def active(self) -> str | None:
        """The name of the ranking in use, if any."""
        return self._name if self._reranker is not None else None
