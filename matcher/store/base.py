"""The store interface: what every backend (SQLite, PostgreSQL) keeps and how the rest of the service reads it.

The store is the source of truth. Besides the profiles it keeps, in the same transactions:
- a change sequence (`seq`): every write bumps it, so any process can catch its in-memory indexes
  up with `changes_since(seq)` instead of rebuilding them;
- the embeddings of each profile (offers, goals, passages) with the model that made them, so that
  rebuilding an index, or another worker catching up, never has to run the model again;
- tombstones of deleted rows (row id and change number, no content), so that catching up also
  removes them, and so that a generation built before a delete is never made current;
- API keys (hashes of the secrets only);
- the outcome log: what happened after matches, with the need each was for (matcher/outcomes).

Index generations (FAISS files) are derived from it, per process or per replica.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol, runtime_checkable

import numpy as np

from ..outcomes.records import Outcome
from ..profiles import Profile


@dataclass
class Embeddings:
    """The vectors of one profile: whole offers text, goals (None if no goals), one per passage."""

    model_key: str
    offers: np.ndarray
    goals: np.ndarray | None
    passages: np.ndarray  # shape (n_passages, dim)


@dataclass
class StoredProfile:
    """A profile as stored: its row id (the id in every index), hashes and change sequence, and how many
    long-term mentees published programme pairs already give them (their capacity left is less by that)."""

    row_id: int
    profile: Profile
    content_hash: str
    text_hash: str
    seq: int
    committed: int = 0


@dataclass
class Write:
    """One profile to upsert, with its hashes and its embeddings."""

    profile: Profile
    content_hash: str
    text_hash: str
    embeddings: Embeddings | None


@dataclass(frozen=True)
class KeyRecord:
    """An API key as stored: its public id, scope, label, dates and the hash of its secret."""

    key_id: str
    secret_hash: str
    scope: str
    label: str | None
    created_at: float
    revoked_at: float | None


@dataclass(frozen=True)
class ProgrammeRecord:
    """A programme as stored: its definition (ProgrammeSpec as JSON, without the cohort) and its state."""

    id: str
    name: str
    spec: dict
    status: str  # "draft" until first published, then "published"
    runs: int  # how many times a draft was run
    created_at: float
    updated_at: float
    published_at: float | None = None


def spec_without_mentor(spec: dict, profile_id: str) -> dict | None:
    """A programme's stored definition with an erased person taken out of its named mentor pool
    (`mentors.ids`), counted in `mentors.erased` so that a list emptied by erasure still names nobody
    else (an empty list means everyone eligible); None when the definition does not name them."""
    mentors = spec.get("mentors") or {}
    ids = mentors.get("ids") or []
    if profile_id not in ids:
        return None
    kept = [i for i in ids if i != profile_id]
    erased = int(mentors.get("erased", 0)) + len(ids) - len(kept)
    return {**spec, "mentors": {**mentors, "ids": kept, "erased": erased}}


@dataclass(frozen=True)
class CohortRecord:
    """One member of a programme's cohort: a stored profile (`profile_id`) or an inline mentee (`mentee`)."""

    key: str  # how the programme names them: the profile id, or the inline member's ref
    position: int
    profile_id: str | None
    need: str
    mentee: dict | None = None


@dataclass(frozen=True)
class PairRecord:
    """The state of one cohort member in a programme: proposed, approved, pinned or published with a mentor,
    or unmatched with the reason. Two-way pairs are two records, one per member."""

    mentee_key: str
    mentee_profile_id: str | None
    mentor_id: str | None
    score: float | None
    status: str  # "proposed" | "approved" | "pinned" | "published" | "unmatched"
    reason: str | None = None
    evidence: tuple[str, ...] = ()
    plan: tuple = ()  # sessions as plain data (see programmes.plan)
    run: int = 0


PAIR_STATUSES = ("proposed", "approved", "pinned", "published", "unmatched")


def vector_blob(array: np.ndarray | None) -> bytes | None:
    """Vectors as stored: float32 bytes, row after row (None stays None)."""
    return None if array is None else np.ascontiguousarray(array, dtype=np.float32).tobytes()


def blob_vectors(blob: bytes | None, dim: int) -> np.ndarray | None:
    """The inverse of vector_blob: an (n, dim) float32 array (None stays None)."""
    if blob is None:
        return None
    return np.frombuffer(blob, dtype=np.float32).reshape(-1, dim)


@runtime_checkable
class ProfileStore(Protocol):
    """Profiles, their embeddings, the change sequence, tombstones and API keys.

    Implementations are safe to share between threads and between processes.
    """

    # -- reads ---------------------------------------------------------------------------------

    def current_seq(self) -> int:
        """The change sequence: it grows with every committed write or delete."""

    def last_delete_seq(self) -> int:
        """The change number of the latest delete (0 when nothing was ever deleted)."""

    def count(self) -> int:
        """How many profiles are stored."""

    def get(self, profile_id: str) -> StoredProfile | None:
        """The stored profile with this id, or None."""

    def get_many(self, row_ids: list[int]) -> dict[int, Profile]:
        """Profiles by row id (missing ones are left out)."""

    def hashes(self, profile_ids: list[str]) -> dict[str, tuple[str, str]]:
        """{id: (content_hash, text_hash)} for the ids that are stored."""

    def iter_profiles(self, batch_size: int = 1000) -> Iterator[StoredProfile]:
        """Every stored profile, in row-id order, read in batches."""

    def embeddings(self, row_ids: list[int], dim: int) -> dict[int, Embeddings]:
        """Stored embeddings by row id (rows without embeddings are left out)."""

    def changes_since(self, seq: int) -> tuple[list[StoredProfile], list[int], int]:
        """What changed after `seq`: (upserted profiles, deleted row ids, the sequence now), as one snapshot."""

    # -- writes --------------------------------------------------------------------------------

    def write(self, writes: list[Write]) -> list[int]:
        """Upsert profiles with their embeddings in one transaction; returns their row ids."""

    def set_embeddings(self, items: list[tuple[int, str, Embeddings]]) -> int:
        """Store embeddings made from (row_id, text_hash) unless the row's text changed since; returns how many."""

    def delete(self, profile_id: str) -> int | None:
        """Delete a profile and its embeddings, leaving a tombstone; returns its row id, or None if absent.

        In the same transaction erasure reaches every other record naming the person: others' manager
        ids are cleared, they leave every programme (cohort, pairs, bans; their published pairs free
        their mentors' places), and their outcomes (as mentor or as mentee) are deleted.
        """

    def purge_deleted(self) -> None:
        """Remove what the backend's files still hold of deleted profiles. Raises PurgeIncomplete if it cannot yet."""

    def reindex_lock(self) -> AbstractContextManager[None]:
        """Held while a re-index runs: one at a time across every process using this store.

        Raises ReindexRunning on entry when another holder has it (it never waits).
        """

    def reindex_count(self) -> int:
        """How many re-indexes have completed on this store (0 when none has)."""

    def record_reindex(self) -> int:
        """Count one more completed re-index (replicas compare it with their own); returns the new count."""

    def changes_held(self) -> AbstractContextManager[tuple[int, int]]:
        """No write or delete commits while held; yields (current seq, last delete seq) as of then."""

    def backup(self, target: str | Path) -> None:
        """A complete, consistent copy of the store (keys included) written to `target`."""

    # -- programmes (see matcher/programmes) -------------------------------------------------------

    def create_programme(self, record: ProgrammeRecord, cohort: list[CohortRecord]) -> None:
        """Store a new programme and its cohort."""

    def programme(self, programme_id: str) -> ProgrammeRecord | None:
        """The programme with this id, or None."""

    def programmes(self) -> list[ProgrammeRecord]:
        """Every programme, newest first."""

    def cohort(self, programme_id: str) -> list[CohortRecord]:
        """A programme's cohort, in its order (members erased since are gone)."""

    def pairs(self, programme_id: str) -> list[PairRecord]:
        """A programme's pairs and unmatched members, by mentee key."""

    def bans(self, programme_id: str) -> set[tuple[str, str]]:
        """The (mentee key, mentor id) pairs never to propose in this programme."""

    def save_pairs(
        self, programme_id: str, pairs: list[PairRecord], bans: list[tuple[str, str]] = (), run: int | None = None
    ) -> None:
        """In one transaction: replace the records of these mentees, add bans, and count a run when given.
        Published records are never replaced; nothing is saved for a programme that does not exist."""

    def publish(self, programme_id: str, long_term: bool) -> list[PairRecord]:
        """Publish every approved and pinned pair in one transaction; returns those published now (none on a
        second call). With `long_term`, each uses a place of its mentor's capacity, checked in the same
        transaction against every programme's published pairs: raises OverCommitted, publishing nothing,
        rather than give anyone more mentees than their capacity."""

    def delete_programme(self, programme_id: str) -> bool:
        """Delete a programme, its cohort, pairs and bans (published pairs free their places); False if absent."""

    # -- outcomes (see matcher/outcomes) ------------------------------------------------------------

    def add_outcomes(
        self, outcomes: list[Outcome], vectors: list[np.ndarray | None] | None = None, model_key: str | None = None
    ) -> list[str]:
        """Store outcomes (with their needs' vectors, by `model_key`'s model, when given) in one transaction;
        each is "added", "unchanged" (an outcome with its content hash is stored) or "unknown mentor" (no
        stored profile has its mentor_id: not stored, checked in the same transaction as erasures)."""

    def record_outcome(self, outcome: Outcome, vector: np.ndarray | None = None, model_key: str | None = None) -> str:
        """Store one outcome (the service's own events: an introduction accepted, a pairing's fit); as add_outcomes."""

    def known_outcomes(self, hashes: list[str]) -> set[str]:
        """The content hashes among `hashes` that are stored."""

    def outcomes(
        self, mentor_id: str | None = None, mentee_id: str | None = None, limit: int | None = None
    ) -> list[Outcome]:
        """Stored outcomes, oldest recorded first, optionally of one mentor or one mentee."""

    def outcome_vectors(self, ids: list[int], dim: int) -> dict[int, tuple[str, np.ndarray]]:
        """{outcome id: (model key, need vector)} for the outcomes among `ids` that have one."""

    def set_outcome_vectors(self, items: list[tuple[int, str, np.ndarray]]) -> int:
        """Store need vectors (outcome id, model key, vector) of outcomes still stored; returns how many."""

    def outcome_stats(self) -> dict:
        """Counts of the outcome log: total, by outcome, mentees, mentors, first and last dates."""

    def delete_outcomes(
        self,
        mentor_id: str | None = None,
        mentee_id: str | None = None,
        before: str | None = None,
        everything: bool = False,
    ) -> int:
        """Delete a mentor's or a mentee's outcomes, those dated before a day, or all; returns how many."""

    def outcomes_version(self) -> int:
        """A counter that grows with every change of the outcome log (imports, deletes, erasures)."""

    # -- API keys ------------------------------------------------------------------------------

    def add_key(self, record: KeyRecord) -> None:
        """Store a new key."""

    def keys(self) -> list[KeyRecord]:
        """Every key, oldest first, revoked ones included."""

    def key(self, key_id: str) -> KeyRecord | None:
        """The key with this id, or None."""

    def revoke_key(self, key_id: str, at: float) -> bool:
        """Mark an active key revoked; False when no active key has this id."""

    def close(self) -> None:
        """Release this store's connections."""
