"""Responsiveness and inactivity: how the ranking weighs what mentors did with the requests they received.

Pure: numpy and plain data. The pipeline reads the candidates' counts from the store and hands them here.

- A mentor's response rate (requests answered / answered + let expire) is estimated with a Beta prior fitted
  on every mentor's counts (empirical Bayes, method of moments): a mentor with few requests keeps close to
  everyone's rate, so one expired request says little. Mentors whose estimate lies below everyone's mean
  lose a share of their ranking score: 1 - weight * (mean - estimate) / mean (at most `weight`; never a gain,
  so mentors new to the loop and responsive ones rank alike).
- A mentor with no activity for `inactive_days` (their last action, else their first request received)
  sinks below every active candidate; a mentor with nothing on record is not known to be inactive.
With no request and no activity on record every factor is 1 and nobody sinks: the ranking is unchanged.
Neither appears in a match's score or `why` (SECURITY.md "What a match shows").
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import numpy as np

from ..relationships.records import ResponseRecord

DAY = 86_400.0
MAX_PRIOR_STRENGTH = 50.0  # pseudo-requests at most: when mentors differ no more than chance, the prior rules


@dataclass(frozen=True)
class ResponsivenessSettings:
    """weight: the largest share of a ranking score an unresponsive mentor loses (0 = off);
    inactive_days: days without activity after which a mentor sinks below the active (0 = off)."""

    weight: float = 0.1
    inactive_days: float = 180.0


@dataclass(frozen=True)
class BetaPrior:
    """Beta(a, b) over mentors' response rates."""

    a: float
    b: float

    @property
    def mean(self) -> float:
        return self.a / (self.a + self.b)


def fit_prior(counts: Iterable[tuple[int, int]]) -> BetaPrior | None:
    """The Beta prior of response rates by the method of moments, from (answered, expired) per mentor.

    The spread of the observed rates less the spread that chance alone gives (binomial, for each mentor's
    number of requests) is the spread of the true rates; strength a + b = mean (1 - mean) / that - 1, at most
    MAX_PRIOR_STRENGTH. None when no mentor has an answered or expired request.
    """
    pairs = np.array([(a, e) for a, e in counts if a + e > 0], dtype=np.float64).reshape(-1, 2)
    if not len(pairs):
        return None
    n = pairs.sum(axis=1)
    rates = pairs[:, 0] / n
    mean = float(np.clip(rates.mean(), 0.01, 0.99))
    true_var = float(rates.var()) - mean * (1 - mean) * float(np.mean(1.0 / n))
    strength = (
        MAX_PRIOR_STRENGTH
        if true_var <= 0
        else float(np.clip(mean * (1 - mean) / true_var - 1, 1.0, MAX_PRIOR_STRENGTH))
    )
    return BetaPrior(mean * strength, (1 - mean) * strength)


def response_factors(records: list[ResponseRecord | None], prior: BetaPrior | None, weight: float) -> np.ndarray:
    """Each candidate's ranking factor in [1 - weight, 1] (1: no record, no prior, or at least the mean)."""
    factors = np.ones(len(records), dtype=np.float64)
    if weight <= 0:
        return factors
    for i, r in enumerate(records):
        estimate = estimated_rate(r, prior)
        if estimate is not None:
            factors[i] = 1.0 - weight * max(0.0, prior.mean - estimate) / prior.mean
    return factors


def estimated_rate(record: ResponseRecord | None, prior: BetaPrior | None) -> float | None:
    """A mentor's response rate, shrunk toward everyone's by the prior; None without a prior or a request."""
    if prior is None or record is None or not record.answered + record.expired:
        return None
    return (prior.a + record.answered) / (prior.a + prior.b + record.answered + record.expired)


def last_seen(record: ResponseRecord | None) -> float | None:
    """A mentor's last activity, else when they first received a request; None when nothing is on record."""
    if record is None:
        return None
    return record.last_active if record.last_active is not None else record.first_asked


def inactive(records: list[ResponseRecord | None], now: float, inactive_days: float) -> np.ndarray:
    """True for candidates whose last activity (else first request received) is older than inactive_days."""
    out = np.zeros(len(records), dtype=bool)
    if inactive_days <= 0:
        return out
    for i, r in enumerate(records):
        last = last_seen(r)
        out[i] = last is not None and now - last > inactive_days * DAY
    return out


def adjust(
    scores: np.ndarray,
    ids: list[str],
    records: Mapping[str, ResponseRecord],
    prior: BetaPrior | None,
    settings: ResponsivenessSettings,
    now: float,
) -> tuple[np.ndarray, np.ndarray]:
    """(ranking scores, sunk) of the candidates: their scores times their response factors, and who sinks."""
    found = [records.get(i) for i in ids]
    factors = response_factors(found, prior, settings.weight)
    return (scores * factors).astype(np.float32), inactive(found, now, settings.inactive_days)
