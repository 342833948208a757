"""The match pipeline, stage by stage: who asks (mentees), candidates, scores, explanation.

`MatchPipeline` (pipeline.py) runs them; each stage is a function over an IndexState and plain arrays.
"""

from .candidates import RetrievalSettings
from .pipeline import MatchPipeline, QuerySettings, Ranked

__all__ = ["MatchPipeline", "QuerySettings", "Ranked", "RetrievalSettings"]
