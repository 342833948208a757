"""A match's time budget: checked between its stages, so a busy server answers "try again" in time.

Pure: the standard library only (the HTTP layer imports it without pulling in the model).
"""

from __future__ import annotations

import logging
import time

from ..errors import BudgetExceeded

log = logging.getLogger("matcher.budget")


class Budget:
    """Time since a match started, against its budget (None or 0: no budget).

    A stage that is running finishes first: the budget is checked between stages, so an answer can
    come a little after the budget, never a result computed much later.
    """

    def __init__(self, budget_ms: float | None = None):
        self.budget_ms = budget_ms or 0.0
        self.started = time.perf_counter()

    @property
    def elapsed_ms(self) -> float:
        """Milliseconds since the match started."""
        return (time.perf_counter() - self.started) * 1000

    def check(self, stage: str) -> None:
        """Raise BudgetExceeded, naming `stage`, once the budget is spent."""
        if self.budget_ms and self.elapsed_ms > self.budget_ms:
            log.warning("match abandoned %s: budget %g ms exceeded", stage, self.budget_ms)
            raise BudgetExceeded(self.budget_ms, stage)
