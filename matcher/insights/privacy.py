"""Small-cell suppression: no count the map shows may describe fewer than `min_group` people.

Pure: the standard library only.

A count of 1 to min_group - 1 people is suppressed (None: JSON null, "fewer than 5" on the page); 0 is
shown, since it describes nobody. Primary suppression alone is not enough where cells add up to a total
that is shown: with a topic's demand shown as 12 and its departments as 7, 3 and 2, hiding the 3 and the 2
still tells that the two hidden departments hold 5 people, and hiding the 2 alone would let anyone work
it out. So within a split (cells that add up to a shown total) the hidden cells must together hold
0 or at least min_group people: while they hold fewer, the smallest shown non-zero cell is hidden too
(secondary suppression, as statistical offices do for tables).
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping


def small(count: int, min_group: int) -> bool:
    """True when a count describes someone, but fewer than min_group people."""
    return 0 < count < min_group


def shown(count: int, min_group: int) -> int | None:
    """The count, or None when it must be suppressed."""
    return None if small(count, min_group) else count


def suppress_split(cells: Mapping[Hashable, int], min_group: int) -> dict[Hashable, int | None]:
    """The cells of one split (they add up to a total shown elsewhere) with small ones hidden (None),
    and more hidden until the hidden ones hold 0 or at least min_group people together.

    The cells keep their order; hidden cells are chosen smallest first (ties: the first in order).
    """
    out: dict[Hashable, int | None] = {key: shown(count, min_group) for key, count in cells.items()}
    hidden = sum(count for key, count in cells.items() if out[key] is None)
    while 0 < hidden < min_group:
        candidates = [
            (count, position, key)
            for position, (key, count) in enumerate(cells.items())
            if out[key] is not None and count > 0
        ]
        if not candidates:
            break  # every non-zero cell is hidden already: the total itself is small and is hidden too
        count, _, key = min(candidates)
        out[key] = None
        hidden += count
    return out
