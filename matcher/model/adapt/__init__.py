"""Adapting the model to the organisation: `mentor-match adapt` (and `--revert`).

triplets.py: (need, chosen mentor, declined or near-miss mentor) triplets and their batches; training.py:
fine-tuning the bundled all-MiniLM-L6-v2 on them with in-batch negatives within a budget; folders.py: the
ONNX + int8 export, owner-only, models/adapted-<date>-<time>/ and models/ACTIVE; run.py: `--revert` and
the re-embedding estimate. Where the triplets come from and how the result is judged (held-back mentees'
outcomes) is matcher/learn/finetune.py. See README "Adapting the model" and SECURITY.md "Adapted models".
"""

from .run import RevertResult, check_export_available, describe_revert, model_overridden, reembed_estimate, revert

__all__ = [
    "RevertResult",
    "check_export_available",
    "describe_revert",
    "model_overridden",
    "reembed_estimate",
    "revert",
]
