"""The review steps as pure transitions: a programme as it is, an admin's step, and the change to store.

Pure: plain records in, plain records out (the service stores a `Change` in one transaction). Two-way pairs
are two records, one per member: every step changes both.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace

from ..errors import FieldError, InvalidInput
from ..store import CohortRecord, PairRecord
from .views import ProgrammeView

KEPT = ("approved", "pinned", "published")  # a re-run keeps these pairs
REJECTED = "rejected by an admin: run the draft again for another mentor"
BANNED = "banned by an admin: run the draft again for another mentor"


@dataclass(frozen=True)
class Change:
    """What a step changes: pair records to save (replacing the members' records) and bans to add."""

    records: list[PairRecord] = field(default_factory=list)
    bans: list[tuple[str, str]] = field(default_factory=list)


def member_keys(view: ProgrammeView, mentees: Iterable[str] | None, field_name: str) -> set[str] | None:
    """The named members (None: every one), or InvalidInput naming the ones not in the cohort."""
    if mentees is None:
        return None
    mentees = list(mentees)
    known = {m.key for m in view.cohort}
    unknown = [m for m in mentees if m not in known]
    if unknown:
        raise InvalidInput(
            [FieldError(field_name, "not in this programme's cohort: " + ", ".join(map(repr, unknown[:10])))]
        )
    return set(mentees)


def approve(view: ProgrammeView, keys: set[str] | None) -> Change:
    """Approve the proposed pairs of these members (their partners' too in two-way), or every proposal."""
    two_way = view.spec.mutual
    return Change(
        [
            replace(p, status="approved")
            for p in view.pairs.values()
            if p.status == "proposed" and (keys is None or p.mentee_key in keys or (two_way and p.mentor_id in keys))
        ]
    )


def unpair(view: ProgrammeView, keys: set[str] | None, reason: str) -> Change:
    """Undo these members' pairs (never published ones): unmatched with the reason, and the pair banned."""
    change = Change()
    for pair in view.pairs.values():
        if keys is not None and pair.mentee_key not in keys or pair.mentor_id is None or pair.status == "published":
            continue
        change.bans.append((pair.mentee_key, pair.mentor_id))
        change.records.append(_unmatched(pair, reason))
        partner = view.pairs.get(pair.mentor_id) if view.spec.mutual else None
        if partner is not None and partner.mentor_id == pair.mentee_key and partner.status != "published":
            change.bans.append((partner.mentee_key, pair.mentee_key))
            change.records.append(_unmatched(partner, reason))
    return change


def reject(view: ProgrammeView, keys: set[str] | None) -> Change:
    """Reject these members' pairs: never proposed again in this programme, and the members wait for a re-run."""
    return unpair(view, keys, REJECTED)


def ban(view: ProgrammeView, mentee: str, mentor: str) -> Change:
    """Never pair this member with this mentor (both ways in two-way); undoes such a pair unless published."""
    member_keys(view, [mentee], "mentee")
    pair = view.pairs.get(mentee)
    if pair is not None and pair.mentor_id == mentor:
        return unpair(view, {mentee}, BANNED)
    return Change([], [(mentee, mentor)] + ([(mentor, mentee)] if view.spec.mutual else []))


def pin_member(view: ProgrammeView, mentee: str, mentor: str) -> tuple[CohortRecord, CohortRecord | None]:
    """The member to pin, and (two-way) the partner member; InvalidInput when the pin is refused."""
    member_keys(view, [mentee], "mentee")
    member = next(m for m in view.cohort if m.key == mentee)
    if (mentee, mentor) in view.bans:
        raise InvalidInput([FieldError("mentor", f"{mentor!r} is banned for {mentee!r} in this programme")])
    if view.pairs.get(mentee) is not None and view.pairs[mentee].status == "published":
        raise InvalidInput([FieldError("mentee", f"{mentee!r} already has a published pair")])
    partner = next((m for m in view.cohort if m.key == mentor), None) if view.spec.mutual else None
    return member, partner


def pinned(pair: PairRecord, partner: CohortRecord | None, partner_plan: tuple = ()) -> Change:
    """The pinned pair's records: the member's, and (two-way) the partner's side of the pair."""
    records = [pair]
    if partner is not None:
        records.append(
            PairRecord(
                partner.key,
                partner.profile_id,
                pair.mentee_key,
                pair.score,
                "pinned",
                None,
                pair.evidence,
                partner_plan or pair.plan,
                pair.run,
            )
        )
    return Change(records)


def kept_pairs(view: ProgrammeView) -> dict[str, PairRecord]:
    """The pairs a re-run keeps: approved, pinned and published."""
    return {key: pair for key, pair in view.pairs.items() if pair.status in KEPT}


def _unmatched(pair: PairRecord, reason: str) -> PairRecord:
    return replace(pair, mentor_id=None, score=None, status="unmatched", reason=reason, evidence=(), plan=())
