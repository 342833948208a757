"""Programmes: create, run a draft, review (approve, reject, pin, ban), publish, export.

The match pipeline gives each cohort member's candidates (the same hard rules, scores and evidence as
`/v1/match`, with an admin's full trust), the pure solvers pair the whole cohort at once (assignment.py,
two_way.py), and plan.py plans each pair's sessions. The store keeps the programme, its cohort (with
each member's need), its pairs and bans; publishing is one transaction that never over-commits a
mentor. Nothing here touches FAISS or the database directly.
"""

from __future__ import annotations

import csv
import io
import logging
import secrets
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from ..errors import FieldError, InvalidInput
from ..profiles import MAX_PASSAGES, offers_text, profile_passages
from ..search.request import MatchRequest
from ..store import CohortRecord, PairRecord, ProgrammeRecord
from . import plan as plans
from .assignment import assign
from .edges import CandidateEdges
from .result import REASONS
from .spec import CohortMember, ProgrammeRules, ProgrammeSpec, parse_programme
from .two_way import pair_within

if TYPE_CHECKING:
    from ..index.state import IndexState
    from ..search import Ranked
    from ..service import MatchService

log = logging.getLogger("matcher.programmes")

KEPT = ("approved", "pinned", "published")  # a re-run keeps these pairs
NO_NEED = "no need: the member gave none and their profile has no goals"
REJECTED = "rejected by an admin: run the draft again for another mentor"
BANNED = "banned by an admin: run the draft again for another mentor"
CSV_COLUMNS = ("mentee_id", "mentee_name", "mentor_id", "mentor_name", "score", "status", "evidence", "plan", "reason")


class UnknownProgramme(LookupError):
    """No programme has this id."""


@dataclass
class DraftInputs:
    """A one-way draft before it is solved: members, their rankings, sparse candidates and mentors' places."""

    remainder: list[CohortRecord]  # the members to pair, indexed as in `edges`
    ranked: dict[str, Ranked]  # by member key, for evidence
    edges: CandidateEdges  # mentee index -> mentor index (into mentor_ids), with the match score
    mentor_ids: list[str]
    capacities: np.ndarray  # places per mentor in this run
    settled: list[PairRecord]  # members left unmatched before solving (no need, a missing field)


@dataclass
class ProgrammeView:
    """A programme with its cohort, pairs and bans, as the faces show it."""

    record: ProgrammeRecord
    spec: ProgrammeRules
    cohort: list[CohortRecord]
    pairs: dict[str, PairRecord]  # by mentee key
    bans: set[tuple[str, str]]
    names: dict[str, str]  # profile id -> name, for the people the programme shows

    def summary(self) -> dict[str, int]:
        """Counts of members by the state of their pair (members without a record yet: "waiting")."""
        counts = {status: 0 for status in ("proposed", "approved", "pinned", "published", "unmatched", "waiting")}
        for member in self.cohort:
            pair = self.pairs.get(member.key)
            counts[pair.status if pair else "waiting"] += 1
        return counts

    def as_dict(self) -> dict[str, Any]:
        """The programme as JSON (GET /v1/programmes/<id>)."""
        return {
            "id": self.record.id,
            "name": self.record.name,
            "status": self.record.status,
            "runs": self.record.runs,
            "created_at": self.record.created_at,
            "published_at": self.record.published_at,
            "definition": self.record.spec,
            "summary": self.summary(),
            "pairs": [pair_dict(self.pairs.get(m.key), m, self.names) for m in self.cohort],
            "bans": [{"mentee": mentee, "mentor": mentor} for mentee, mentor in sorted(self.bans)],
        }


def pair_dict(pair: PairRecord | None, member: CohortRecord, names: dict[str, str]) -> dict[str, Any]:
    """One cohort member's line of a programme."""
    if pair is None:
        return {
            "mentee": member.key,
            "mentee_name": names.get(member.key, member.key),
            "mentor": None,
            "status": "waiting",
            "reason": "no draft has been run for this member yet",
        }
    return {
        "mentee": member.key,
        "mentee_name": names.get(member.key, member.key),
        "mentor": pair.mentor_id,
        "mentor_name": names.get(pair.mentor_id or "", pair.mentor_id),
        "score": pair.score,
        "status": pair.status,
        "reason": pair.reason,
        "evidence": list(pair.evidence),
        "plan": list(pair.plan),
    }


class ProgrammeService:
    """Programmes over a MatchService (its store, its match pipeline and its embedder)."""

    def __init__(self, service: MatchService):
        self.service = service
        self.store = service.store

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
            f"prog-{secrets.token_hex(5)}", spec.name, spec.model_dump(exclude={"cohort"}), "draft", 0, now, now
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
        pairs = {p.mentee_key: p for p in self.store.pairs(programme_id)}
        cohort = self.store.cohort(programme_id)
        return ProgrammeView(None, None, cohort, pairs, set(), {}).summary()  # type: ignore[arg-type]

    def delete(self, programme_id: str) -> bool:
        """Delete a programme with its pairs (published ones free their places); False if absent."""
        return self.store.delete_programme(programme_id)

    # -- drafts -------------------------------------------------------------------------------------

    def run(self, programme_id: str) -> ProgrammeView:
        """Pair every member without an approved, pinned or published pair, optimally for the whole cohort.

        Each member's candidates come from the match pipeline (top `candidates`), then one assignment
        under the mentors' places (min-cost flow; two-way: a matching within the cohort). Members left
        without a mentor get the reason.
        """
        started = time.perf_counter()
        view = self.view(programme_id)
        spec, state = view.spec, self.service.refresh()
        kept = {k: p for k, p in view.pairs.items() if p.status in KEPT}
        remainder = [m for m in view.cohort if m.key not in kept]
        run = view.record.runs + 1
        if spec.style == "two-way":
            records = self._run_two_way(view, state, kept, remainder, run)
        else:
            records = self._run_one_way(view, state, kept, remainder, run)
        self.store.save_pairs(programme_id, records, run=run)
        log.info(
            "programme %s run %d: %d members, %d paired, %.1f s",
            programme_id,
            run,
            len(remainder),
            sum(r.mentor_id is not None for r in records),
            time.perf_counter() - started,
        )
        return self.view(programme_id)

    def _candidates(
        self, view: ProgrammeView, state: IndexState, member: CohortRecord, pool_ids: list[str] | None, limit: int
    ) -> Ranked | None:
        """The member's ranked candidates (None without a need to rank by)."""
        spec = view.spec
        need = member.need or (self._goals(member.profile_id) if member.profile_id else "")
        if not need.strip():
            return None
        banned = sorted(mentor for mentee, mentor in view.bans if mentee == member.key)[:1000]
        mentee = {"id": member.profile_id} if member.profile_id else dict(member.mentee or {})
        request = MatchRequest.model_validate(
            {
                "need": need,
                "style": spec.style,
                "mentee": mentee,
                "limit": limit,
                "filters": {"departments": spec.mentors.departments, "exclude_ids": banned},
            }
        )
        return self.service.pipeline.rank(
            request, state, trust="full", pool_ids=pool_ids, reranker=self.service.reranker()
        )

    def _pool(self, spec: ProgrammeRules) -> list[str] | None:
        return list(spec.mentors.ids) if spec.mentors.ids or spec.mentors.erased else None

    def draft_inputs(self, programme_id: str) -> DraftInputs:
        """What a one-way draft solves: each remaining member's top candidates as sparse edges, and each
        mentor's places (the benchmark compares solvers on exactly these)."""
        view = self.view(programme_id)
        state = self.service.refresh()
        kept = {k: p for k, p in view.pairs.items() if p.status in KEPT}
        return self._inputs(view, state, kept, [m for m in view.cohort if m.key not in kept], view.record.runs + 1)

    def _inputs(
        self,
        view: ProgrammeView,
        state: IndexState,
        kept: dict[str, PairRecord],
        remainder: list[CohortRecord],
        run: int,
    ) -> DraftInputs:
        spec = view.spec
        ranked: dict[str, Ranked] = {}
        mentors: dict[str, int] = {}  # mentor id -> index
        edges: list[tuple[int, int, float]] = []
        settled: list[PairRecord] = []
        pool = self._pool(spec)
        for position, member in enumerate(remainder):
            try:
                result = self._candidates(view, state, member, pool, spec.candidates)
            except InvalidInput as exc:  # e.g. the style needs a seniority the inline mentee lacks
                settled.append(_unmatched(member, "; ".join(str(e) for e in exc.errors), run))
                continue
            if result is None:
                settled.append(_unmatched(member, NO_NEED, run))
                continue
            ranked[member.key] = result
            for candidate in result.order[: spec.candidates]:
                mentor_id = result.scored.ids[candidate]
                index = mentors.setdefault(mentor_id, len(mentors))
                edges.append((position, index, float(np.clip(result.scored.scores[candidate], 0, 1))))
        kept_places: dict[str, int] = {}
        for pair in kept.values():
            if pair.status != "published" and pair.mentor_id:
                kept_places[pair.mentor_id] = kept_places.get(pair.mentor_id, 0) + 1
        mentor_ids = list(mentors)
        return DraftInputs(
            remainder,
            ranked,
            CandidateEdges.from_triples(edges, len(remainder)),
            mentor_ids,
            self._places(view, state, mentor_ids, kept_places),
            settled,
        )

    def _run_one_way(
        self,
        view: ProgrammeView,
        state: IndexState,
        kept: dict[str, PairRecord],
        remainder: list[CohortRecord],
        run: int,
    ) -> list[PairRecord]:
        spec = view.spec
        inputs = self._inputs(view, state, kept, remainder, run)
        assignment = assign(inputs.edges, inputs.capacities, objective=spec.objective, min_score=spec.min_score)
        paired = {p.mentee: p for p in assignment.pairs}
        unmatched = {u.mentee: u for u in assignment.unmatched}
        records = list(inputs.settled)
        for position, member in enumerate(remainder):
            if member.key not in inputs.ranked:
                continue
            pair = paired.get(position)
            if pair is None:
                reason = unmatched.get(position)
                records.append(_unmatched(member, reason.words if reason else REASONS["no_eligible"], run))
                continue
            records.append(
                self._proposal(
                    view, state, member, inputs.ranked[member.key], inputs.mentor_ids[pair.mentor], pair.score, run
                )
            )
        return records

    def _places(
        self, view: ProgrammeView, state: IndexState, mentor_ids: list[str], kept: dict[str, int]
    ) -> np.ndarray:
        """Each mentor's places in this run: the programme's limit and their capacity left, less kept pairs."""
        spec = view.spec
        published_here: dict[str, int] = {}
        for pair in view.pairs.values():
            if pair.status == "published" and pair.mentor_id:
                published_here[pair.mentor_id] = published_here.get(pair.mentor_id, 0) + 1
        catalog = state.catalog
        places = np.zeros(len(mentor_ids), dtype=np.int64)
        for i, mentor_id in enumerate(mentor_ids):
            row = catalog.row_of.get(mentor_id)
            if row is None:
                continue
            if spec.style == "flash":  # a flash round: one session per flash hour a month
                left = int(catalog.flash_hours[row]) - published_here.get(mentor_id, 0)
            else:
                left = int(catalog.capacity[row])  # already less every programme's published pairs
            if spec.max_per_mentor is not None:
                left = min(left, spec.max_per_mentor - published_here.get(mentor_id, 0))
            places[i] = max(0, left - kept.get(mentor_id, 0))
        return places

    def _run_two_way(
        self,
        view: ProgrammeView,
        state: IndexState,
        kept: dict[str, PairRecord],
        remainder: list[CohortRecord],
        run: int,
    ) -> list[PairRecord]:
        spec = view.spec
        members = {m.key: i for i, m in enumerate(remainder)}
        pool = [m.key for m in remainder]
        ranked: dict[str, Ranked] = {}
        scores: dict[tuple[int, int], list[float]] = {}
        records: list[PairRecord] = []
        for member in remainder:
            result = self._candidates(view, state, member, pool, spec.candidates)
            if result is None:
                records.append(_unmatched(member, NO_NEED, run))
                continue
            ranked[member.key] = result
            for candidate in result.order[: spec.candidates]:
                partner = members.get(result.scored.ids[candidate])
                if partner is not None:
                    pair = tuple(sorted((members[member.key], partner)))
                    scores.setdefault(pair, []).append(float(np.clip(result.scored.scores[candidate], 0, 1)))
        # Each direction's two-way score already needs both people's fit; a pair both found scores the mean.
        edges = [(a, b, float(np.mean(s))) for (a, b), s in scores.items()]
        assignment = pair_within(
            CandidateEdges.from_triples(edges, len(remainder)), objective=spec.objective, min_score=spec.min_score
        )
        partners: dict[int, tuple[int, float]] = {}
        for pair in assignment.pairs:
            partners[pair.mentee] = (pair.mentor, pair.score)
            partners[pair.mentor] = (pair.mentee, pair.score)
        unmatched = {u.mentee: u for u in assignment.unmatched}
        for member in remainder:
            if member.key not in ranked:
                continue
            index = members[member.key]
            if index not in partners:
                reason = unmatched.get(index)
                records.append(_unmatched(member, reason.words if reason else REASONS["no_eligible"], run))
                continue
            partner, score = partners[index]
            records.append(
                self._proposal(
                    view,
                    state,
                    member,
                    ranked[member.key],
                    remainder[partner].key,
                    score,
                    run,
                    two_way_partner=remainder[partner],
                )
            )
        return records

    def _proposal(
        self,
        view: ProgrammeView,
        state: IndexState,
        member: CohortRecord,
        ranked: Ranked,
        mentor_id: str,
        score: float,
        run: int,
        status: str = "proposed",
        two_way_partner: CohortRecord | None = None,
    ) -> PairRecord:
        """A pair with its evidence (from the member's own ranking) and its plan of sessions."""
        evidence: tuple[str, ...] = ()
        if ranked.scored is not None and mentor_id in ranked.scored.ids:
            position = ranked.scored.ids.index(mentor_id)
            mentor = self.store.get(mentor_id)
            if mentor is not None:
                evidence = tuple(self.service.pipeline.explain(ranked, position, mentor.profile)["why"]["evidence"])
        return PairRecord(
            member.key,
            member.profile_id,
            mentor_id,
            round(float(score), 4),
            status,
            None,
            evidence,
            self._plan(view, state, member, mentor_id, two_way_partner),
            run,
        )

    # -- plans --------------------------------------------------------------------------------------

    def _plan(
        self,
        view: ProgrammeView,
        state: IndexState,
        member: CohortRecord,
        mentor_id: str,
        two_way_partner: CohortRecord | None,
    ) -> tuple:
        """The pair's sessions as plain data: the member's topics, each with the mentor's best sentence."""
        sessions = view.spec.sessions
        need = member.need or (self._goals(member.profile_id) if member.profile_id else "")
        topics = plans.need_topics(need) if need.strip() else []
        sentences, vectors = self._sentences(state, mentor_id)
        if two_way_partner is not None:
            partner_need = two_way_partner.need or self._goals(two_way_partner.profile_id)
            back_topics = plans.need_topics(partner_need) if partner_need.strip() else []
            own_sentences, own_vectors = self._sentences(state, member.profile_id)
            names = view.names
            plan = plans.two_way_plan(
                topics,
                sentences,
                self._similarity(topics, vectors),
                back_topics,
                own_sentences,
                self._similarity(back_topics, own_vectors),
                sessions,
                a_label=names.get(member.key, member.key),
                b_label=names.get(mentor_id, mentor_id),
            )
        else:
            plan = plans.plan_sessions(topics, sentences, self._similarity(topics, vectors), sessions)
        return tuple(_session_dict(s) for s in plan.sessions)

    def _sentences(self, state: IndexState, profile_id: str | None) -> tuple[list[str], np.ndarray]:
        stored = self.store.get(profile_id) if profile_id else None
        if stored is None:
            return [], np.zeros((0, self.service.embedder.dim), np.float32)
        sentences = profile_passages(stored.profile) or [offers_text(stored.profile)]
        row = stored.row_id
        count = int(state.catalog.n_passages[row]) if row < state.catalog.size else 0
        count = max(1, min(count, len(sentences)))
        with state.lock.read():
            vectors = state.passages.vectors(row * MAX_PASSAGES + np.arange(count, dtype=np.int64))
        return sentences[:count], vectors

    def _similarity(self, topics: list[str], vectors: np.ndarray) -> np.ndarray:
        if not topics or not len(vectors):
            return np.zeros((len(topics), len(vectors)), np.float32)
        return self.service.embedder.encode_queries(topics) @ vectors.T

    def _goals(self, profile_id: str | None) -> str:
        stored = self.store.get(profile_id) if profile_id else None
        return stored.profile.goals if stored else ""

    # -- review ------------------------------------------------------------------------------------

    def approve(self, programme_id: str, mentees: list[str] | None = None) -> ProgrammeView:
        """Approve proposed pairs: these members' (their partners' too in two-way), or every proposal."""
        view = self.view(programme_id)
        keys = self._keys(view, mentees, "mentees")
        changed = [
            _with(p, status="approved")
            for p in view.pairs.values()
            if p.status == "proposed"
            and (keys is None or p.mentee_key in keys or (view.spec.style == "two-way" and p.mentor_id in keys))
        ]
        self.store.save_pairs(programme_id, changed)
        return self.view(programme_id)

    def reject(self, programme_id: str, mentees: list[str]) -> ProgrammeView:
        """Reject these members' pairs: never proposed again in this programme, and the members wait for a re-run."""
        return self._unpair(programme_id, self._keys(self.view(programme_id), mentees, "mentees"), REJECTED)

    def ban(self, programme_id: str, mentee: str, mentor: str) -> ProgrammeView:
        """Never pair this member with this mentor in this programme (undoes such a pair unless published)."""
        view = self.view(programme_id)
        self._keys(view, [mentee], "mentee")
        pair = view.pairs.get(mentee)
        if pair is not None and pair.mentor_id == mentor:
            return self._unpair(programme_id, {mentee}, BANNED)
        self.store.save_pairs(
            programme_id, [], bans=[(mentee, mentor)] + ([(mentor, mentee)] if view.spec.style == "two-way" else [])
        )
        return self.view(programme_id)

    def pin(self, programme_id: str, mentee: str, mentor: str) -> ProgrammeView:
        """Pair this member with this mentor whatever the draft says, if the programme's rules allow them.

        Raises:
            InvalidInput: unknown member, the pair is banned, or the mentor is not eligible for the member.
        """
        view = self.view(programme_id)
        self._keys(view, [mentee], "mentee")
        member = next(m for m in view.cohort if m.key == mentee)
        if (mentee, mentor) in view.bans:
            raise InvalidInput([FieldError("mentor", f"{mentor!r} is banned for {mentee!r} in this programme")])
        if view.pairs.get(mentee) is not None and view.pairs[mentee].status == "published":
            raise InvalidInput([FieldError("mentee", f"{mentee!r} already has a published pair")])
        state = self.service.refresh()
        ranked = self._candidates(view, state, member, [mentor], 1)
        if ranked is None or ranked.scored is None or mentor not in ranked.scored.ids:
            raise InvalidInput(
                [
                    FieldError(
                        "mentor",
                        f"{mentor!r} cannot mentor {mentee!r} under this programme's "
                        f"rules (style, capacity, reporting line or mentor pool)",
                    )
                ]
            )
        position = ranked.scored.ids.index(mentor)
        partner = next((m for m in view.cohort if m.key == mentor), None) if view.spec.style == "two-way" else None
        pinned = self._proposal(
            view,
            state,
            member,
            ranked,
            mentor,
            float(ranked.scored.scores[position]),
            view.record.runs,
            status="pinned",
            two_way_partner=partner,
        )
        records = [pinned]
        if partner is not None:  # two-way: the partner's side of the pair
            records.append(
                PairRecord(
                    partner.key,
                    partner.profile_id,
                    mentee,
                    pinned.score,
                    "pinned",
                    None,
                    pinned.evidence,
                    pinned.plan,
                    pinned.run,
                )
            )
        self.store.save_pairs(programme_id, records)
        return self.view(programme_id)

    def _unpair(self, programme_id: str, keys: set[str] | None, reason: str) -> ProgrammeView:
        view = self.view(programme_id)
        records, bans = [], []
        for pair in view.pairs.values():
            if keys is not None and pair.mentee_key not in keys or pair.mentor_id is None or pair.status == "published":
                continue
            bans.append((pair.mentee_key, pair.mentor_id))
            records.append(
                _with(pair, mentor_id=None, score=None, status="unmatched", reason=reason, evidence=(), plan=())
            )
            partner = view.pairs.get(pair.mentor_id) if view.spec.style == "two-way" else None
            if partner is not None and partner.mentor_id == pair.mentee_key and partner.status != "published":
                bans.append((partner.mentee_key, pair.mentee_key))
                records.append(
                    _with(partner, mentor_id=None, score=None, status="unmatched", reason=reason, evidence=(), plan=())
                )
        self.store.save_pairs(programme_id, records, bans=bans)
        return self.view(programme_id)

    @staticmethod
    def _keys(view: ProgrammeView, mentees: list[str] | None, field: str) -> set[str] | None:
        if mentees is None:
            return None
        known = {m.key for m in view.cohort}
        unknown = [m for m in mentees if m not in known]
        if unknown:
            named = ", ".join(map(repr, unknown[:10]))
            raise InvalidInput([FieldError(field, f"not in this programme's cohort: {named}")])
        return set(mentees)

    # -- publish and export --------------------------------------------------------------------------

    def publish(self, programme_id: str) -> tuple[ProgrammeView, list[PairRecord]]:
        """Publish the approved and pinned pairs (idempotent); returns the view and the pairs published now.

        Raises:
            OverCommitted: a mentor would get more long-term mentees than their capacity; nothing was published.
        """
        view = self.view(programme_id)
        published = self.store.publish(programme_id, long_term=view.spec.style != "flash")
        if published:
            self.service.refresh()  # this process's catalog sees the places taken at once
        log.info("programme %s published %d pairs", programme_id, len(published))
        return self.view(programme_id), published

    def export_csv(self, programme_id: str) -> str:
        """The draft (or published programme) as CSV: one row per cohort member."""
        view = self.view(programme_id)
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(CSV_COLUMNS)
        for member in view.cohort:
            line = pair_dict(view.pairs.get(member.key), member, view.names)
            writer.writerow(
                [
                    member.key,
                    line["mentee_name"],
                    line.get("mentor") or "",
                    line.get("mentor_name") or "",
                    "" if line.get("score") is None else f"{line['score']:.4f}",
                    line["status"],
                    " | ".join(line.get("evidence") or []),
                    plan_text(line.get("plan") or []),
                    line.get("reason") or "",
                ]
            )
        return out.getvalue()


def plan_text(sessions: list[dict]) -> str:
    """A stored plan as one line per session (for CSV)."""
    return plans.plan_text(
        plans.Plan(tuple(plans.Session(s["number"], tuple(plans.Cover(**c) for c in s["covers"])) for s in sessions))
    )


def _session_dict(session: plans.Session) -> dict[str, Any]:
    return {
        "number": session.number,
        "covers": [
            {
                "topic": c.topic,
                "sentence": c.sentence,
                "similarity": round(float(c.similarity), 4),
                "practice": c.practice,
                "learner": c.learner,
                "teacher": c.teacher,
            }
            for c in session.covers
        ],
    }


def _unmatched(member: CohortRecord, reason: str, run: int) -> PairRecord:
    return PairRecord(member.key, member.profile_id, None, None, "unmatched", reason, (), (), run)


def _with(pair: PairRecord, **changes: Any) -> PairRecord:
    from dataclasses import replace

    return replace(pair, **changes)


__all__ = ["CohortMember", "ProgrammeService", "ProgrammeView", "UnknownProgramme", "plan_text"]
