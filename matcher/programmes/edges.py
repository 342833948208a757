"""The candidates of a programme: a sparse list of (mentee, mentor, score) edges, in one canonical form.

Pure: numpy only. People are indices (0..n-1) into the programme's own lists of mentees and mentors;
the service keeps the index -> profile id mapping. Candidates are sparse by design: the match
pipeline gives each mentee its top K mentors, so a cohort of n mentees has at most n * K edges and no
dense mentees x mentors matrix is ever built.

Canonical form (whatever order or shape the edges came in): sorted by (mentee, mentor), one edge per
pair (the highest score when a pair is given twice), scores in [0, 1]. Every solver reads this form, so
the same set of edges always gives the same result.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import ArrayLike


@dataclass(frozen=True, eq=False)
class CandidateEdges:
    """Sparse candidate pairs: edge e proposes mentee[e] with mentor[e] at score[e].

    Construction validates and canonicalises whatever it is given (see the module docstring); the arrays
    are then read-only. For a two-way programme (one pool pairing with itself) "mentee" is the person whose
    candidates these are and "mentor" the proposed partner; both index the same pool.

    Attributes:
        mentee: int64 array, the mentee index of each edge (sorted, then by mentor).
        mentor: int64 array, the mentor index of each edge.
        score: float64 array in [0, 1], the fit of the pair (higher is better).
        n_mentees: how many mentees the cohort has, including those without any candidate.

    Raises:
        ValueError: on misaligned arrays, an index out of range or a score outside [0, 1].
    """

    mentee: np.ndarray
    mentor: np.ndarray
    score: np.ndarray
    n_mentees: int
    _starts: np.ndarray = field(init=False, repr=False)  # edges of mentee i: _starts[i] .. _starts[i + 1]

    def __post_init__(self) -> None:
        mentee = _index_array(self.mentee, "mentee")
        mentor = _index_array(self.mentor, "mentor")
        score = np.asarray(self.score, dtype=np.float64).ravel()
        n_mentees = int(self.n_mentees)
        if not (len(mentee) == len(mentor) == len(score)):
            raise ValueError(
                f"mentee, mentor and score must have one entry per edge: got lengths "
                f"{len(mentee)}, {len(mentor)}, {len(score)}"
            )
        if n_mentees < 0:
            raise ValueError(f"n_mentees must be >= 0, got {n_mentees}")
        if len(mentee) and mentee.max() >= n_mentees:
            raise ValueError(f"mentee index {int(mentee.max())} out of range for {n_mentees} mentees")
        if not np.all(np.isfinite(score)) or np.any((score < 0) | (score > 1)):
            raise ValueError("every score must be a number in [0, 1]")
        # Sort by (mentee, mentor, score descending): the first edge of each pair is its best.
        order = np.lexsort((-score, mentor, mentee))
        mentee, mentor, score = mentee[order], mentor[order], score[order]
        first = np.ones(len(mentee), dtype=bool)
        first[1:] = (mentee[1:] != mentee[:-1]) | (mentor[1:] != mentor[:-1])
        starts = np.searchsorted(mentee[first], np.arange(n_mentees + 1), side="left").astype(np.int64)
        for name, value in (
            ("mentee", mentee[first]),
            ("mentor", mentor[first]),
            ("score", score[first]),
            ("_starts", starts),
        ):
            value.setflags(write=False)
            object.__setattr__(self, name, value)
        object.__setattr__(self, "n_mentees", n_mentees)

    @classmethod
    def from_arrays(cls, mentee: ArrayLike, mentor: ArrayLike, score: ArrayLike, n_mentees: int) -> CandidateEdges:
        """Candidates from three aligned arrays (the same as the constructor).

        Args:
            mentee: mentee index of each edge, 0 <= index < n_mentees.
            mentor: mentor index of each edge, >= 0.
            score: fit of each edge, finite, in [0, 1].
            n_mentees: the cohort's size (mentees without any edge count: they are unmatched, "no_eligible").

        Returns:
            The canonical candidates.
        """
        return cls(mentee, mentor, score, n_mentees)  # type: ignore[arg-type]

    @classmethod
    def from_triples(cls, triples: Iterable[tuple[int, int, float]], n_mentees: int) -> CandidateEdges:
        """Candidates from (mentee, mentor, score) tuples. See `from_arrays`."""
        rows = list(triples)
        if not rows:
            return cls.from_arrays([], [], [], n_mentees)
        mentee, mentor, score = zip(*rows)
        return cls.from_arrays(mentee, mentor, score, n_mentees)

    @classmethod
    def from_top_k(cls, mentors: ArrayLike, scores: ArrayLike) -> CandidateEdges:
        """Candidates from the match pipeline's top K, one row per mentee.

        Args:
            mentors: (n_mentees, K) mentor indices; -1 pads a row with fewer than K candidates.
            scores: (n_mentees, K) the matching scores (ignored where the mentor is -1).

        Returns:
            The canonical candidates, n_mentees = the number of rows.
        """
        mentors_a = np.asarray(mentors)
        scores_a = np.asarray(scores, dtype=np.float64)
        if mentors_a.ndim != 2 or mentors_a.shape != scores_a.shape:
            raise ValueError(
                f"mentors and scores must be two arrays of the same (n_mentees, K) shape: got "
                f"{mentors_a.shape} and {scores_a.shape}"
            )
        rows, cols = np.nonzero(mentors_a >= 0)
        return cls.from_arrays(rows, mentors_a[rows, cols], scores_a[rows, cols], mentors_a.shape[0])

    def __len__(self) -> int:
        return len(self.mentee)

    def edges_of(self, mentee: int) -> slice:
        """The slice of the edge arrays holding one mentee's candidates."""
        return slice(int(self._starts[mentee]), int(self._starts[mentee + 1]))

    def score_of(self, mentee: int, mentor: int) -> float | None:
        """The score of a pair, or None when it is not a candidate."""
        span = self.edges_of(mentee)
        at = span.start + int(np.searchsorted(self.mentor[span], mentor))
        if at < span.stop and self.mentor[at] == mentor:
            return float(self.score[at])
        return None

    def pair_mask(self, pairs: Iterable[tuple[int, int]]) -> np.ndarray:
        """A boolean mask over the edges: True where (mentee, mentor) is one of `pairs`."""
        mask = np.zeros(len(self), dtype=bool)
        for mentee, mentor in pairs:
            if 0 <= mentee < self.n_mentees:
                span = self.edges_of(mentee)
                at = span.start + int(np.searchsorted(self.mentor[span], mentor))
                if at < span.stop and self.mentor[at] == mentor:
                    mask[at] = True
        return mask


def index_pairs(pairs: Iterable[tuple[int, int]], what: str) -> list[tuple[int, int]]:
    """(a, b) index pairs as plain ints, distinct, in their given order.

    Raises:
        ValueError: when an entry is not a pair of non-negative whole numbers (`what` names the argument).
    """
    seen: dict[tuple[int, int], None] = {}
    for pair in pairs:
        try:
            a, b = pair
            a_i, b_i = int(a), int(b)
        except (TypeError, ValueError):
            raise ValueError(f"{what}: expected (mentee, mentor) index pairs, got {pair!r}") from None
        if a_i != a or b_i != b or a_i < 0 or b_i < 0:
            raise ValueError(f"{what}: indices must be whole numbers >= 0, got {pair!r}")
        seen.setdefault((a_i, b_i), None)
    return list(seen)


def _index_array(values: ArrayLike, name: str) -> np.ndarray:
    array = np.asarray(values).ravel()
    if array.size == 0:
        return np.zeros(0, dtype=np.int64)
    if not np.issubdtype(array.dtype, np.integer):
        if not np.issubdtype(array.dtype, np.floating) or not np.all(array == np.round(array)):
            raise ValueError(f"{name} indices must be whole numbers")
    array = array.astype(np.int64)
    if array.min() < 0:
        raise ValueError(f"{name} indices must be >= 0, got {int(array.min())}")
    return array
