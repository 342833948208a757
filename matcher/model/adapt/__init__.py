"""Adapting the model to the organisation: `mentor-match adapt` (and `--revert`).

Fine-tunes the bundled all-MiniLM-L6-v2 on the stored profiles' own texts, without labels
(pairs.py: tags with bio, a sentence with the rest of its bio; training.py: in-batch negatives), exports
it like `mentor-match export-model` (folders.py: owner-only, models/adapted-<date>-<time>/), and makes
it the default model only when a self-check on held-back profiles improves (selfcheck.py; run.py ties
it together). See README "Adapting the model" and SECURITY.md "Adapted models".
"""

from .run import (
    AdaptOptions,
    AdaptResult,
    RevertResult,
    adapt_profiles,
    adapt_store,
    describe,
    describe_revert,
    revert,
)

__all__ = [
    "AdaptOptions",
    "AdaptResult",
    "RevertResult",
    "adapt_profiles",
    "adapt_store",
    "describe",
    "describe_revert",
    "revert",
]
