"""A programme as the faces show it: its record, rules, cohort, pairs and bans, and its JSON.

Pure: plain records in, plain data out. Sessions get their dates here, from the programme's start date and
cadence (they are not stored: the plan is stored once, the calendar follows the rules).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from dateutil.relativedelta import relativedelta

from ..store import CohortRecord, PairRecord, ProgrammeRecord
from .spec import ProgrammeRules

STATUSES = ("proposed", "approved", "pinned", "published", "unmatched", "waiting")
WAITING = "no draft has been run for this member yet"


@dataclass
class ProgrammeView:
    """A programme with its cohort, pairs and bans."""

    record: ProgrammeRecord
    spec: ProgrammeRules
    cohort: list[CohortRecord]
    pairs: dict[str, PairRecord]  # by mentee key
    bans: set[tuple[str, str]]
    names: dict[str, str]  # profile id -> name, for the people the programme shows

    def summary(self) -> dict[str, int]:
        """Counts of members by the state of their pair (members without a record yet: "waiting")."""
        return summary(self.cohort, self.pairs)

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
            "pairs": [pair_dict(self.pairs.get(m.key), m, self.names, self.spec) for m in self.cohort],
            "bans": [{"mentee": mentee, "mentor": mentor} for mentee, mentor in sorted(self.bans)],
        }


def summary(cohort: list[CohortRecord], pairs: dict[str, PairRecord]) -> dict[str, int]:
    """Counts of members by the state of their pair."""
    counts = dict.fromkeys(STATUSES, 0)
    for member in cohort:
        pair = pairs.get(member.key)
        counts[pair.status if pair else "waiting"] += 1
    return counts


def pair_dict(
    pair: PairRecord | None, member: CohortRecord, names: dict[str, str], rules: ProgrammeRules | None = None
) -> dict[str, Any]:
    """One cohort member's line of a programme; with the rules, each session has its date (or None)."""
    if pair is None:
        return {
            "mentee": member.key,
            "mentee_name": names.get(member.key, member.key),
            "mentor": None,
            "status": "waiting",
            "reason": WAITING,
        }
    plan = [session_dict(s) for s in pair.plan]
    if rules is not None:
        for session in plan:
            session["date"] = session_date(rules, session["number"])
    return {
        "mentee": member.key,
        "mentee_name": names.get(member.key, member.key),
        "mentor": pair.mentor_id,
        "mentor_name": names.get(pair.mentor_id or "", pair.mentor_id),
        "score": pair.score,
        "status": pair.status,
        "reason": pair.reason,
        "evidence": list(pair.evidence),
        "plan": plan,
    }


def session_dict(stored: dict[str, Any]) -> dict[str, Any]:
    """A stored session as the API shows it; a session stored before issue 23 (number and covers only) gets
    the kind "topics" and its topics as the title."""
    covers = [
        {
            "topic": c["topic"],
            "sentence": c.get("sentence"),
            "similarity": c.get("similarity", 0.0),
            "practice": c.get("practice", False),
            "learner": c.get("learner", ""),
            "teacher": c.get("teacher", ""),
        }
        for c in stored.get("covers", [])
    ]
    return {
        "number": stored["number"],
        "kind": stored.get("kind", "topics"),
        "title": stored.get("title") or "; ".join(c["topic"] for c in covers) or "open agenda",
        "goals": list(stored.get("goals", [])),
        "covers": covers,
    }


def session_date(rules: ProgrammeRules, number: int) -> str | None:
    """The date of session `number` (1-based): the start date, then one cadence step a session; None
    without a start date. Monthly steps keep the day of the month (or the month's last day)."""
    if rules.start_date is None:
        return None
    step = number - 1
    if rules.cadence == "weekly":
        day = rules.start_date + timedelta(weeks=step)
    elif rules.cadence == "every two weeks":
        day = rules.start_date + timedelta(weeks=2 * step)
    else:
        day = rules.start_date + relativedelta(months=step)
    return day.isoformat()
