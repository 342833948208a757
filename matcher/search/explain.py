"""Stage 3 of a match: what the answer says about each chosen mentor, and why they were chosen.

The mentor's public fields, the score and its parts, the sentences of their own bio that drove the
score (evidence), and the style's notes. Nothing else of a profile leaves here (SECURITY.md "What a
match shows"; tests/test_disclosure.py checks every field).
"""

from __future__ import annotations

from typing import Any

from ..profiles import Profile, offers_text, profile_passages
from ..styles.rules import Mentee, MentoringStyle
from . import fusion
from .scoring import Scored


def evidence(scored: Scored, position: int, mentor: Profile) -> list[str]:
    """The sentences of the mentor's own bio that drove the score of the candidate at `position`."""
    sentences = profile_passages(mentor) or [offers_text(mentor)]
    sims = scored.passages.of(position)[: len(sentences)]
    best = min(int(scored.passages.best_slot[position]), len(sentences) - 1)
    return fusion.evidence(sentences, sims, best)


def explain(scored: Scored, position: int, mentor: Profile, style: MentoringStyle, mentee: Mentee) -> dict[str, Any]:
    """One match of the answer: {"mentor", "score", "why"} for the candidate at `position`."""
    reciprocal = None if scored.reciprocal is None else float(scored.reciprocal[position])
    return {
        "mentor": mentor.public(),
        "score": round(float(scored.scores[position]), 4),
        "why": {
            "semantic": round(float(scored.semantic[position]), 4),
            "lexical": round(float(scored.lexical[position]), 4),
            "style": round(float(scored.fit[position]), 4),
            "evidence": evidence(scored, position, mentor),
            "notes": style.notes(mentor, mentee, reciprocal),
        },
    }
