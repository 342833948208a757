"""How well a ranking ranks held-back outcomes, and how evenly it spreads its top places. Pure.

nDCG@10 is graded (outcomes.GRADES: good fit and completed count twice an acceptance), with a log2 discount,
like scripts/evaluate.py; recall@50 counts the chosen mentors found in the first 50. The Gini coefficient
of the top-5 impressions (how many held-back needs show each mentor in their top 5; 0 = every mentor as
often, 1 = one mentor everywhere) and the share of mentors ever in a top 5 say whether a ranking became a
popularity contest.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence

import numpy as np


def ndcg(ranked: Sequence[str], relevant: Mapping[str, int], k: int = 10) -> float:
    """Graded nDCG@k of one ranked list of mentor ids."""
    dcg = sum(relevant.get(m, 0) / math.log2(i + 2) for i, m in enumerate(ranked[:k]))
    ideal = sum(g / math.log2(i + 2) for i, g in enumerate(sorted(relevant.values(), reverse=True)[:k]))
    return dcg / ideal if ideal else 0.0


def recall(ranked: Sequence[str], relevant: Mapping[str, int], k: int = 50) -> float:
    """The share of the relevant mentors among the first k."""
    wanted = {m for m, g in relevant.items() if g > 0}
    return len(set(ranked[:k]) & wanted) / len(wanted) if wanted else 0.0


def gini(counts: Iterable[float]) -> float:
    """The Gini coefficient of non-negative counts (0: all equal; near 1: all in one)."""
    values = np.sort(np.asarray(list(counts), dtype=np.float64))
    n = len(values)
    if n == 0 or values.sum() <= 0:
        return 0.0
    index = np.arange(1, n + 1)
    return float((2 * (index * values).sum()) / (n * values.sum()) - (n + 1) / n)


def exposure(top_lists: Iterable[Sequence[str]], mentors: int, k: int = 5) -> tuple[float, float]:
    """(Gini of the top-k impressions over all `mentors`, share of the mentors ever in a top k)."""
    shown = Counter(m for ranked in top_lists for m in ranked[:k])
    counts = list(shown.values()) + [0] * max(mentors - len(shown), 0)
    return gini(counts), (len(shown) / mentors if mentors else 0.0)


def summarise(ranked: Mapping[str, Sequence[str]], relevant: Mapping[str, Mapping[str, int]], mentors: int) -> dict:
    """nDCG@10, recall@50, top-5 Gini and top-5 share of the rankings of held-back needs (keyed alike)."""
    keys = [key for key in ranked if any(g > 0 for g in relevant[key].values())]
    n = max(len(keys), 1)
    top5_gini, top5_share = exposure((ranked[key] for key in ranked), mentors)
    return {
        "ndcg@10": sum(ndcg(ranked[key], relevant[key]) for key in keys) / n,
        "recall@50": sum(recall(ranked[key], relevant[key]) for key in keys) / n,
        "top5_gini": top5_gini,
        "top5_share": top5_share,
        "needs": len(keys),
    }
