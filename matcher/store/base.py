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

from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Protocol, runtime_checkable

import numpy as np

from ..outcomes.records import Outcome
from ..profiles import Profile
from ..relationships.records import (
    FitRecord,
    OutboxRecord,
    RelationshipRecord,
    RequestRecord,
    ResponseRecord,
    SessionRecord,
)

if TYPE_CHECKING:
    from .webhooks import Delivery


@dataclass
class Embeddings:
    """The vectors of one profile: whole offers text, goals (None if no goals), one per passage."""

    model_key: str
    offers: np.ndarray
    goals: np.ndarray | None
    passages: np.ndarray  # shape (n_passages, dim)


@dataclass
class StoredProfile:
    """A profile as stored: its row id (the id in every index), hashes and change sequence, and `committed`:
    the places their ledger takes (active long-term relationships, from accepted requests and published
    programme pairs alike, and live pending long-term requests): their capacity left is less by that."""

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

    def ids_by_email(self, email: str) -> list[str]:
        """The ids of the profiles whose private `email` equals this one, ignoring case (normally one)."""

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
        ids are cleared, and they leave every programme (cohort, pairs, bans; their published pairs free
        their mentors' places), and their requests, relationships (sessions, fit answers), "never again"
        pairs and outbox events are deleted (places they held freed), and their outcomes (as mentor or as mentee).
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
        second call). Each published pair starts a relationship (events relationship.started, and
        programme.published). With `long_term`, each uses a place of its mentor's capacity, checked in the same
        transaction against the mentor's ledger (active relationships, pending requests): raises
        OverCommitted, publishing nothing, rather than give anyone more mentees than their capacity."""

    def delete_programme(self, programme_id: str) -> bool:
        """Delete a programme, its cohort, pairs and bans; its active relationships end (reason
        programme_deleted), freeing their places. False if absent."""

    # -- introductions and relationships (see matcher/relationships; store/relationships.py) --------
    # Each change is one transaction that also writes its events to the outbox. Refusals are raised after
    # it (NotFound, Conflict, RuleRefused, InvalidInput), so an expiry observed on the way is kept.

    def create_request(self, record: RequestRecord, max_open: int, now: float) -> RequestRecord:
        """Store a new pending request if, at `now`, the mentor is not "never again" for the mentee, no live
        request or active relationship joins them, the mentee has fewer than `max_open` live requests, and
        (long-term) the mentor has a place left; the place is then the request's until it is answered."""

    def answer_request(
        self,
        request_id: str,
        accept: bool,
        reason: str | None,
        now: float,
        relationship: RelationshipRecord | None = None,
    ) -> tuple[RequestRecord, RelationshipRecord | None]:
        """Accept a pending request, starting `relationship` (long-term: if a place not taken by an active
        relationship is left, else Conflict and nothing changes), or decline it (`reason` code; the mentor
        becomes "never again" for the mentee). Returns the request and the relationship started."""

    def withdraw_request(self, request_id: str, now: float) -> RequestRecord:
        """The mentee takes back a pending request."""

    def expire_requests(self, now: float) -> list[RequestRecord]:
        """Mark every pending request past its time expired (with its event); returns them."""

    def next_request_expiry(self) -> float | None:
        """When the next pending long-term request expires (a place frees then); None when none is pending."""

    def request(self, request_id: str) -> RequestRecord | None:
        """The request with this id, or None (its stored state: relationships.states.effective_state)."""

    def requests(
        self,
        state: str | None = None,
        person_id: str | None = None,
        created_by: str | None = None,
        limit: int | None = None,
    ) -> list[RequestRecord]:
        """Requests, newest first, optionally in a stored state, of a person (made or received), made by a key."""

    def log_session(self, session: SessionRecord, now: float) -> tuple[RelationshipRecord, SessionRecord]:
        """Log a session on an active relationship; the last planned session done completes it (its place freed)."""

    def record_fit(self, relationship_id: str, side: str, fit: str, now: float) -> RelationshipRecord:
        """Keep one side's pairing-fit answer (after a session held); a mentee's not_a_fit bans the mentor for
        them and ends the relationship (its place freed)."""

    def end_relationship(self, relationship_id: str, reason: str, ended_by: str, now: float) -> RelationshipRecord:
        """End an active relationship with a reason code (its place freed)."""

    def relationship(self, relationship_id: str) -> RelationshipRecord | None:
        """The relationship with this id, or None."""

    def relationships(
        self, state: str | None = None, person_id: str | None = None, programme_id: str | None = None
    ) -> list[RelationshipRecord]:
        """Relationships, newest first, optionally in a state, of a person (either side), from a programme."""

    def sessions(self, relationship_ids: list[str]) -> dict[str, list[SessionRecord]]:
        """The sessions of these relationships, by relationship, in date order."""

    def fits(self, relationship_ids: list[str]) -> dict[str, list[FitRecord]]:
        """The fit answers of these relationships, by relationship."""

    def never_again(self, mentee_id: str) -> set[str]:
        """The mentors never to propose to this mentee again (matches, programmes, requests)."""

    def responses(self, mentor_ids: list[str], now: float) -> dict[str, ResponseRecord]:
        """These mentors' requests answered and let expire, first request and last activity (those with any)."""

    def response_counts(self, now: float) -> list[tuple[int, int]]:
        """(answered, expired) of every mentor who has received a request (the ranking's prior)."""

    def events(self, after: int = 0, limit: int = 100, undelivered: bool = False) -> list[OutboxRecord]:
        """Outbox events after id `after`, oldest first."""

    def claim_events(self, now: float, limit: int = 50, lease: float = 60.0) -> list[OutboxRecord]:
        """Take the events due at `now` for delivery (not due again for `lease` seconds)."""

    def mark_delivered(self, event_ids: list[int], now: float) -> None:
        """Record these events delivered."""

    def mark_failed(self, event_id: int, now: float, error: str) -> float | None:
        """Record a failed attempt; returns when the event is due again, None when given up."""

    def prune_events(self, before: float) -> int:
        """Delete events delivered (or given up) before `before`; returns how many."""

    # -- webhook deliveries (store/webhooks.py: one per event and receiver) ---------------------------

    def fan_out(self, receivers: Sequence[str], now: float, limit: int = 200) -> int:
        """Give each receiver a delivery of the outbox events not yet handed out; returns how many events."""

    def claim_deliveries(self, receiver: str, now: float, limit: int, lease: float) -> list[Delivery]:
        """Take this receiver's deliveries due at `now` (not due again for `lease` seconds)."""

    def delivery_ended(
        self, outbox_id: int, receiver: str, now: float, error: str | None = None, attempted: bool = True
    ) -> None:
        """Record a delivery delivered (no `error`) or given up."""

    def delivery_failed(self, outbox_id: int, receiver: str, error: str, due: float) -> None:
        """Record a failed attempt, due again at `due`."""

    def release_deliveries(self, outbox_ids: Sequence[int], receiver: str, due: float) -> None:
        """Hand claimed deliveries back, not attempted, due at `due`."""

    def deliveries(self, state: str | None = None, limit: int = 100) -> list[Delivery]:
        """Deliveries, newest event first (all, or `pending`, `delivered` or `failed`)."""

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
