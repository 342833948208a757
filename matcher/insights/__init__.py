"""The skills map (issue 24): what people want to learn against what colleagues can teach, by topic.

It owns the topics (wishes clustered in the matcher's own embedding space), their labels (words at least
MATCHER_INSIGHTS_MIN_GROUP people used), the counts of demand and supply by seniority band and
department with small cells suppressed, the gaps, the skills nobody asks for, the reverse-mentoring
openings, and the map files on disk. May import: numpy, scikit-learn, scipy and FAISS, and the pure
parts of the matcher (profiles, needs); the pure modules (texts, topics, labels, privacy, summary,
coverage) import no store, model or Flask. Only build.py reads the store and runs the model, and only
service.py (InsightsService, reached as `MatchService.insights`) knows the MatchService; the faces (api,
cli) call InsightsService and never build or read a map themselves.
"""

from .artefact import BuildRunning, NoMap
from .service import InsightsService, UnknownTopic

__all__ = ["BuildRunning", "InsightsService", "NoMap", "UnknownTopic"]
