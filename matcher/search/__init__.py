"""A match, stage by stage: the request, who asks (mentees), candidates, scores, fusion, explanation.

`MatchPipeline` (pipeline.py) runs them; each stage is a function over an IndexState and plain arrays.
Pure: `request` (the request's schema), `fusion` (the arithmetic of the scores), `budget` (a match's
time). May import the index, the model's embedder, the styles, text and errors (and, for now, the store
for the mentee's and the mentors' stored profiles); never the programmes, the service or a face.
"""

from .candidates import RetrievalSettings
from .pipeline import MatchPipeline, QuerySettings, Ranked

__all__ = ["MatchPipeline", "QuerySettings", "Ranked", "RetrievalSettings"]
