"""The outcome log: what happened after matches, the examples `mentor-match learn` learns from.

records.py: an outcome, validated, with its content hash (pure). importing.py: a file of outcomes into
the store, each bad row named with its line and field. The store keeps them (store/*_outcomes.py).
"""

from .records import GRADES, OUTCOMES, POSITIVE, Outcome, make_outcome, parse_outcome

__all__ = ["GRADES", "OUTCOMES", "POSITIVE", "Outcome", "make_outcome", "parse_outcome"]
