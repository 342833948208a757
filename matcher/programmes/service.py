"""Programmes: create, run a draft, review (approve, reject, pin, ban), publish, export.

The service only sequences the parts and stores what they decide:
- the match side (match_side.MatchSide: rank, explain, encode, passages, places) gives each member's
  candidates, with an admin's full trust: the same rules, scores and evidence as `/v1/match`;
- drafting.draft pairs the whole cohort at once, one-way or two-way;
- topics.need_topics and plan.py plan each pair's sessions;
- review.py turns an admin's step into the records to store;
- views.py and calendar.py present a programme; the store keeps it, and publishing is one transaction
  that never over-commits a mentor. Nothing here touches FAISS or the database directly.
"""

from __future__ import annotations

import logging
import secrets
import time
from typing import Any

from ..csvsafe import csv_text
from ..errors import FieldError, InvalidInput
from ..store import CohortRecord, PairRecord, ProfileStore, ProgrammeRecord
from ..styles.rules import get_style
from . import calendar, review
from . import plan as plans
from .drafting import OneWayInputs, draft, one_way_inputs, run_places
from .match_side import Ask, Candidates, MatchSide
from .pair_plan import one_way_plan, two_way_pair_plan
from .spec import CohortMember, ProgrammeRules, ProgrammeSpec, parse_programme
from .views import ProgrammeView, pair_dict, session_dict
from .views import summary as count_states

log = logging.getLogger("matcher.programmes")

NO_NEED = "no need: the member gave none and their profile has no goals"
CSV_COLUMNS = ("mentee_id", "mentee_name", "mentor_id", "mentor_name", "score", "status", "evidence", "plan", "reason")


class UnknownProgramme(LookupError):
    """No programme has this id."""


class ProgrammeService:
    """Programmes over a store (the programmes' records, people's names and goals) and the match side."""

    def __init__(self, store: ProfileStore, match: MatchSide):
        self.store = store
        self.match = match

    # -- definitions --------------------------------------------------------------------------------

    def create(self, definition: ProgrammeSpec | dict[str, Any]) -> ProgrammeView:
        """Store a new programme (no draft yet). Stored cohort members must exist.

        Raises:
            InvalidInput: a bad definition, or a cohort id that names no stored profile.
        """
        spec = definition if isinstance(definition, ProgrammeSpec) else parse_programme(definition)
        missing = [f"cohort.{i}.id" for i, m in enumerate(spec.cohort) if m.id and self.store.get(m.id) is None]
        if missing:
            raise InvalidInput([FieldError(f, "no stored profile with this id") for f in missing[:20]])
        now = time.time()
        record = ProgrammeRecord(
            f"prog-{secrets.token_hex(5)}",
            spec.name,
            spec.model_dump(mode="json", exclude={"cohort"}),
            "draft",
            0,
            now,
            now,
        )
        cohort = [
            CohortRecord(m.key, i, m.id, m.need, None if m.mentee is None else m.mentee.model_dump())
            for i, m in enumerate(spec.cohort)
        ]
        self.store.create_programme(record, cohort)
        log.info("programme %s created: style=%s members=%d", record.id, spec.style, len(cohort))
        return self.view(record.id)

    def list(self) -> list[ProgrammeRecord]:
        """Every programme, newest first."""
        return self.store.programmes()

    def view(self, programme_id: str) -> ProgrammeView:
        """The programme with its cohort, pairs and bans.

        Raises:
            UnknownProgramme: no programme has this id.
        """
        record = self.store.programme(programme_id)
        if record is None:
            raise UnknownProgramme(programme_id)
        cohort = self.store.cohort(programme_id)
        pairs = {p.mentee_key: p for p in self.store.pairs(programme_id)}
        spec = ProgrammeRules.model_validate(record.spec)
        ids = {m.profile_id for m in cohort if m.profile_id} | {p.mentor_id for p in pairs.values() if p.mentor_id}
        names = {pid: stored.profile.name for pid in ids if (stored := self.store.get(pid)) is not None}
        return ProgrammeView(record, spec, cohort, pairs, self.store.bans(programme_id), names)

    def summary(self, programme_id: str) -> dict[str, int]:
        """Counts of a programme's members by the state of their pair, without reading any profile (for
        lists of programmes); all zero for a programme that is not (or no longer) stored."""
        return count_states(self.store.cohort(programme_id), {p.mentee_key: p for p in self.store.pairs(programme_id)})

    def delete(self, programme_id: str) -> bool:
        """Delete a programme with its pairs (published ones free their places); False if absent."""
        return self.store.delete_programme(programme_id)

    # -- drafts -------------------------------------------------------------------------------------

    def run(self, programme_id: str) -> ProgrammeView:
        """Pair every member without an approved, pinned or published pair, optimally for the whole cohort,
        and plan each new pair's sessions. Members left without a mentor get the reason."""
        with self.match.private():
            return self._run(programme_id)

    def _run(self, programme_id: str) -> ProgrammeView:
        started = time.perf_counter()
        view = self.view(programme_id)
        self.match.refresh()
        kept = review.kept_pairs(view)
        remainder = [m for m in view.cohort if m.key not in kept]
        run = view.record.runs + 1
        ranked, settled = self._rank_all(view, remainder)
        places = self._places(view, kept, ranked) if not view.spec.mutual else {}
        result = draft([m.key for m in remainder], ranked, settled, places, view.bans, view.spec)
        by_key = {m.key: m for m in view.cohort}
        records = []
        for member in remainder:
            if member.key in result.pairs:
                partner_id, score = result.pairs[member.key]
                partner = by_key.get(partner_id) if view.spec.mutual else None
                records.append(
                    self._proposal(view, member, ranked[member.key], partner_id, score, run, partner=partner)
                )
            else:
                records.append(
                    PairRecord(
                        member.key,
                        member.profile_id,
                        None,
                        None,
                        "unmatched",
                        result.unmatched.get(member.key, NO_NEED),
                        (),
                        (),
                        run,
                    )
                )
        self.store.save_pairs(programme_id, records, run=run)
        log.info(
            "programme %s run %d: %d members, %d paired, %.1f s",
            programme_id,
            run,
            len(remainder),
            len(result.pairs),
            time.perf_counter() - started,
        )
        return self.view(programme_id)

    def draft_inputs(self, programme_id: str) -> OneWayInputs:
        """What a one-way draft solves: each remaining member's top candidates as sparse edges, and each
        mentor's places (the benchmark compares solvers on exactly these)."""
        view = self.view(programme_id)
        self.match.refresh()
        kept = review.kept_pairs(view)
        remainder = [m for m in view.cohort if m.key not in kept]
        ranked, _ = self._rank_all(view, remainder)
        places = self._places(view, kept, ranked)
        return one_way_inputs([m.key for m in remainder], ranked, places, view.bans, view.spec.candidates)

    def _rank_all(
        self, view: ProgrammeView, members: list[CohortRecord]
    ) -> tuple[dict[str, Candidates], dict[str, str]]:
        """Each member's candidates, or the reason they cannot be ranked (no need; a field the style needs)."""
        spec = view.spec
        if spec.mutual:
            pool: list[str] | None = [m.key for m in members]
        else:
            pool = list(spec.mentors.ids) if spec.mentors.ids or spec.mentors.erased else None
        ranked: dict[str, Candidates] = {}
        settled: dict[str, str] = {}
        for member in members:
            try:
                found = self._candidates(view, member, pool, spec.candidates)
            except InvalidInput as exc:  # e.g. two-way without a bio, reverse without a seniority
                settled[member.key] = "; ".join(str(e) for e in exc.errors)
                continue
            if found is None:
                settled[member.key] = NO_NEED
            else:
                ranked[member.key] = found
        return ranked, settled

    def _candidates(
        self, view: ProgrammeView, member: CohortRecord, pool: list[str] | None, limit: int
    ) -> Candidates | None:
        """The member's ranked candidates (None without a need to rank by)."""
        need = self._need(member)
        if not need.strip():
            return None
        banned = sorted(mentor for mentee, mentor in view.bans if mentee == member.key)
        mentee = {"id": member.profile_id} if member.profile_id else dict(member.mentee or {})
        return self.match.rank(
            Ask(need, view.spec.style, mentee, limit, tuple(view.spec.mentors.departments), tuple(banned), pool)
        )

    def _places(
        self, view: ProgrammeView, kept: dict[str, PairRecord], ranked: dict[str, Candidates]
    ) -> dict[str, int]:
        mentors = sorted({mentor for found in ranked.values() for mentor in found.ids})
        published_here: dict[str, int] = {}
        kept_places: dict[str, int] = {}
        for pair in view.pairs.values():
            if pair.status == "published" and pair.mentor_id:
                published_here[pair.mentor_id] = published_here.get(pair.mentor_id, 0) + 1
        for pair in kept.values():
            if pair.status != "published" and pair.mentor_id:
                kept_places[pair.mentor_id] = kept_places.get(pair.mentor_id, 0) + 1
        flash = not get_style(view.spec.style).takes_capacity
        return run_places(
            self.match.places(mentors, flash), published_here, kept_places, view.spec.max_per_mentor, flash
        )

    def _proposal(
        self,
        view: ProgrammeView,
        member: CohortRecord,
        candidates: Candidates,
        mentor_id: str,
        score: float,
        run: int,
        status: str = "proposed",
        partner: CohortRecord | None = None,
    ) -> PairRecord:
        """A pair with its evidence (from the member's own ranking) and its plan of sessions."""
        return PairRecord(
            member.key,
            member.profile_id,
            mentor_id,
            round(float(score), 4),
            status,
            None,
            self.match.explain(candidates, mentor_id),
            self._plan(view, member, mentor_id, partner),
            run,
        )

    # -- plans --------------------------------------------------------------------------------------

    def _plan(self, view: ProgrammeView, member: CohortRecord, mentor_id: str, partner: CohortRecord | None) -> tuple:
        """The pair's sessions as plain data (plan.session_data), planned as an introduction's are (pair_plan)."""
        if partner is None:
            return one_way_plan(self.match, self._need(member), mentor_id, view.spec.sessions)
        return two_way_pair_plan(
            self.match,
            (member.profile_id, self._need(member), view.names.get(member.key, member.key)),
            (mentor_id, self._need(partner), view.names.get(mentor_id, mentor_id)),
            view.spec.sessions,
        )

    def _need(self, member: CohortRecord) -> str:
        """The member's need: as given in the cohort, else their stored profile's goals."""
        if member.need:
            return member.need
        stored = self.store.get(member.profile_id) if member.profile_id else None
        return stored.profile.goals if stored else ""

    # -- review ------------------------------------------------------------------------------------

    def approve(self, programme_id: str, mentees: list[str] | None = None) -> ProgrammeView:
        """Approve proposed pairs: these members' (their partners' too in two-way), or every proposal."""
        view = self.view(programme_id)
        return self._apply(programme_id, review.approve(view, review.member_keys(view, mentees, "mentees")))

    def reject(self, programme_id: str, mentees: list[str]) -> ProgrammeView:
        """Reject these members' pairs: never proposed again in this programme, and the members wait for a re-run."""
        view = self.view(programme_id)
        return self._apply(programme_id, review.reject(view, review.member_keys(view, mentees, "mentees")))

    def ban(self, programme_id: str, mentee: str, mentor: str) -> ProgrammeView:
        """Never pair this member with this mentor in this programme (undoes such a pair unless published)."""
        return self._apply(programme_id, review.ban(self.view(programme_id), mentee, mentor))

    def pin(self, programme_id: str, mentee: str, mentor: str) -> ProgrammeView:
        """Pair this member with this mentor whatever the draft says, if the programme's rules allow them.

        Raises:
            InvalidInput: unknown member, the pair is banned, or the mentor is not eligible for the member.
        """
        view = self.view(programme_id)
        member, partner = review.pin_member(view, mentee, mentor)
        self.match.refresh()
        found = self._candidates(view, member, [mentor], 1)
        if found is None or mentor not in found.ids:
            raise InvalidInput(
                [
                    FieldError(
                        "mentor",
                        f"{mentor!r} cannot mentor {mentee!r} under this programme's "
                        f"rules (style, capacity, reporting line or mentor pool)",
                    )
                ]
            )
        pair = self._proposal(
            view,
            member,
            found,
            mentor,
            found.scores[found.ids.index(mentor)],
            view.record.runs,
            status="pinned",
            partner=partner,
        )
        partner_plan = self._plan(view, partner, mentee, member) if partner is not None else ()
        return self._apply(programme_id, review.pinned(pair, partner, partner_plan))

    def _apply(self, programme_id: str, change: review.Change) -> ProgrammeView:
        self.store.save_pairs(programme_id, change.records, bans=change.bans)
        return self.view(programme_id)

    # -- publish and export --------------------------------------------------------------------------

    def publish(self, programme_id: str) -> tuple[ProgrammeView, list[PairRecord]]:
        """Publish the approved and pinned pairs (idempotent); returns the view and the pairs published now.

        Raises:
            OverCommitted: a mentor would get more long-term mentees than their capacity; nothing was published.
        """
        view = self.view(programme_id)
        published = self.store.publish(programme_id, long_term=get_style(view.spec.style).takes_capacity)
        if published:
            self.match.refresh()  # this process's catalog sees the places taken at once
        log.info("programme %s published %d pairs", programme_id, len(published))
        return self.view(programme_id), published

    def export_csv(self, programme_id: str) -> str:
        """The draft (or published programme) as CSV: one row per cohort member, safe to open in a spreadsheet.

        Names, evidence sentences, plans and reasons are people's text: csvsafe neutralises any that a
        spreadsheet could read as a formula; the score stays a number.
        """
        view = self.view(programme_id)
        rows = []
        for member in view.cohort:
            line = pair_dict(view.pairs.get(member.key), member, view.names)
            rows.append(
                [
                    member.key,
                    line["mentee_name"],
                    line.get("mentor") or "",
                    line.get("mentor_name") or "",
                    None if line.get("score") is None else round(float(line["score"]), 4),
                    line["status"],
                    " | ".join(line.get("evidence") or []),
                    plan_text(line.get("plan") or []),
                    line.get("reason") or "",
                ]
            )
        return csv_text(CSV_COLUMNS, rows)

    def export_calendar(self, programme_id: str) -> bytes:
        """The published pairs' sessions as an iCalendar file (calendar.py; SECURITY.md says what it holds).

        Raises:
            InvalidInput: the programme has no start date, so its sessions have no dates.
        """
        view = self.view(programme_id)
        if view.spec.start_date is None:
            raise InvalidInput(
                [
                    FieldError(
                        "start_date",
                        "this programme has no start date, so its sessions have "
                        "no dates: give one when defining a programme",
                    )
                ]
            )
        return calendar.programme_calendar(view)


def plan_text(sessions: list[dict]) -> str:
    """A stored plan as one line per session (for CSV)."""
    return plans.plan_text(plans.plan_from_data([session_dict(s) for s in sessions]))


__all__ = ["CohortMember", "ProgrammeService", "ProgrammeView", "UnknownProgramme", "plan_text"]
