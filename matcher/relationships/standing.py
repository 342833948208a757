"""Why the ranking moves a mentor down: their answering of requests and their last activity, in words for admins.

The match never says it (SECURITY.md "What a match shows"): a mentor's score and reasons are the same whether
or not they answer their requests. An admin who wonders why someone appears lower asks here
(`mentor-match requests standing`), which applies search/responsiveness.py's own rules to the same records.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from ..relationships.records import ResponseRecord
from ..search.responsiveness import (
    BetaPrior,
    ResponsivenessSettings,
    estimated_rate,
    inactive,
    last_seen,
    response_factors,
)


def standing(
    mentor_id: str,
    record: ResponseRecord | None,
    prior: BetaPrior | None,
    settings: ResponsivenessSettings,
    now: float,
) -> dict[str, Any]:
    """One mentor's standing: their counts, the factor their ranking scores are multiplied by, whether they
    sink below active mentors, and a sentence saying which and why."""
    factor = float(response_factors([record], prior, settings.weight)[0])
    sinks = bool(inactive([record], now, settings.inactive_days)[0])
    answered = record.answered if record else 0
    expired = record.expired if record else 0
    last = last_seen(record)
    estimate = estimated_rate(record, prior)
    notes = []
    if sinks:
        notes.append(
            f"listed below every active mentor: no activity since {_day(last)} "
            f"(more than MATCHER_INACTIVE_DAYS={settings.inactive_days:g} days)"
        )
    if factor < 1:
        notes.append(
            f"ranked lower: answered {answered} of {answered + expired} requests before they expired "
            f"(estimated rate {estimate:.0%} against everyone's {prior.mean:.0%}), so their ranking scores are "
            f"multiplied by {factor:.3f} (at least 1 - MATCHER_RESPONSIVENESS_WEIGHT={1 - settings.weight:g})"
        )
    return {
        "mentor_id": mentor_id,
        "answered": answered,
        "expired": expired,
        "estimated_rate": None if estimate is None else round(estimate, 4),
        "everyone_rate": None if prior is None else round(prior.mean, 4),
        "factor": round(factor, 4),
        "sinks": sinks,
        "last_active": _day(last),
        "note": "; ".join(notes) or "ranked as usual: nothing on record moves them down",
    }


def _day(seconds: float | None) -> str | None:
    return None if seconds is None else datetime.fromtimestamp(seconds, tz=UTC).date().isoformat()
