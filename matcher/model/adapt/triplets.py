"""Training triplets (a need, a mentor's text it should find, one it should not) and their batches.

MultipleNegativesRankingLoss scores each anchor against every positive and every negative of its batch,
so a batch must never hold one text twice (a mentor chosen by two mentees would be a "negative" that is
really right) nor two triplets of one mentee. Everything here stays in memory.
"""

from __future__ import annotations

import random
from collections import Counter, deque
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

LENGTH_WINDOW = 16  # batches' worth of triplets sorted by their positive's length together (less padding)


@dataclass(frozen=True)
class Triplet:
    """The anchor should find the positive before the negative and before the batch's other texts."""

    anchor: str
    positive: str
    negative: str
    kind: str  # where the negative came from: "declined" (declined or not a fit) or "near_miss"
    source: int  # which mentee (an index), so a batch holds one triplet per mentee


def kinds(triplets: Iterable[Triplet]) -> dict[str, int]:
    """How many triplets have each kind of negative."""
    return dict(Counter(t.kind for t in triplets))


def batches(triplets: list[Triplet], size: int) -> Iterator[list[Triplet]]:
    """Batches of up to `size` triplets in the given order, none holding two of one mentee or one text
    twice: a triplet that would clash waits for a later batch. Stops when fewer than two fit together.
    """
    pending = deque(triplets)
    while pending:
        batch: list[Triplet] = []
        sources: set[int] = set()
        texts: set[str] = set()
        waiting: list[Triplet] = []
        while pending and len(batch) < size:
            t = pending.popleft()
            mine = {t.anchor, t.positive, t.negative}
            if t.source in sources or mine & texts:
                waiting.append(t)
                continue
            batch.append(t)
            sources.add(t.source)
            texts |= mine
        pending.extendleft(reversed(waiting))
        if len(batch) < 2:
            return
        yield batch


def length_batches(triplets: list[Triplet], size: int, seed: int = 0) -> list[list[Triplet]]:
    """`batches` over windows of LENGTH_WINDOW batches' worth of shuffled triplets, each window sorted by
    the positive's length (a batch is padded to its longest text: mentors' texts vary from a line to a
    page), the batches then shuffled."""
    rng = random.Random(seed)
    order = list(triplets)
    rng.shuffle(order)
    out: list[list[Triplet]] = []
    window = size * LENGTH_WINDOW
    for start in range(0, len(order), window):
        out.extend(batches(sorted(order[start : start + window], key=lambda t: len(t.positive)), size))
    rng.shuffle(out)
    return out
