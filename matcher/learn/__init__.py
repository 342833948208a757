"""Learning from outcomes: `mentor-match learn` fits the ranking to what happened after earlier matches.

pool.py: what mentees with similar needs chose (the collaborative signal); features.py: each candidate's
features; models.py: LightGBM LambdaRank and a linear model; examples.py: the outcome log as ranking
examples, split by mentee; run.py: fit, judge on held-back mentees, adopt or not; artefacts.py: learned
rankings on disk; reranker.py and active.py: the adopted ranking inside every match. finetune.py and
dense.py: `mentor-match adapt`, the model fine-tuned on the same log and judged on the same held-back
mentees. See README "Learning from outcomes" and SECURITY.md "Outcomes".
"""

from .run import LearnOptions, LearnResult, learn, revert

__all__ = ["LearnOptions", "LearnResult", "learn", "revert"]
