"""Topics: the wishes (demand) grouped by meaning, in the embedding space the matcher already uses.

Pure: numpy and scikit-learn only (no store, no model, no Flask).

The wishes' unit vectors are clustered with k-means (scikit-learn; on unit vectors, Euclidean k-means
groups by cosine), each person's wishes weighted 1 / their number of wishes, so a person who wrote five
wishes weighs as much as one who wrote one. Centroids are renormalised, and every wish goes to its
nearest centroid by cosine. Why k-means rather than HDBSCAN (BERTopic's default, after UMAP): every wish
belongs to some topic (HR wants every need counted, not 30% left as noise), it is deterministic for a
seed, and it fits 100k wishes in seconds on a sample without UMAP's cost; measured in README "The skills
map".
"""

from __future__ import annotations

import numpy as np

FIT_SAMPLE = 20_000  # the most wishes k-means is fitted on (a seeded sample); all are then assigned
MIN_TOPICS, MAX_TOPICS = 2, 100
PEOPLE_PER_TOPIC = 10
ASSIGN_CHUNK = 65_536


def auto_topics(people: int) -> int:
    """How many topics to start from for this many people with wishes: one per PEOPLE_PER_TOPIC, within
    2..100 (merge_small then folds the topics of too few people into their neighbours)."""
    return int(min(MAX_TOPICS, max(MIN_TOPICS, round(people / PEOPLE_PER_TOPIC))))


def fit_centroids(
    vectors: np.ndarray, weights: np.ndarray, k: int, seed: int = 0, sample: int = FIT_SAMPLE
) -> np.ndarray:
    """Unit centroids of `k` topics (fewer when there are fewer distinct vectors), shape (k, dim).

    Args:
        vectors: unit rows (n, dim); weights: (n,) how much each row counts.
        k: topics wanted; seed: for the sample and k-means' starts.
        sample: fit on at most this many rows (drawn with the seed).
    """
    from sklearn.cluster import KMeans

    vectors = np.asarray(vectors, dtype=np.float32)
    if len(vectors) == 0:
        return np.zeros((0, vectors.shape[1] if vectors.ndim == 2 else 0), dtype=np.float32)
    rng = np.random.default_rng(seed)
    rows = (
        np.sort(rng.choice(len(vectors), sample, replace=False)) if len(vectors) > sample else np.arange(len(vectors))
    )
    fit, fit_weights = vectors[rows], np.asarray(weights, dtype=np.float64)[rows]
    distinct = len(np.unique(fit.round(5), axis=0))
    k = max(1, min(k, distinct))
    model = KMeans(n_clusters=k, n_init=1, random_state=seed).fit(fit, sample_weight=fit_weights)  # k-means++ start
    centroids = model.cluster_centers_.astype(np.float32)
    centroids /= np.maximum(np.linalg.norm(centroids, axis=1, keepdims=True), 1e-12)
    return centroids


def assign(vectors: np.ndarray, centroids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each row's nearest centroid by cosine and that cosine: (topic int32 (n,), similarity float32 (n,))."""
    topics = np.empty(len(vectors), dtype=np.int32)
    similarity = np.empty(len(vectors), dtype=np.float32)
    for start in range(0, len(vectors), ASSIGN_CHUNK):
        block = np.asarray(vectors[start : start + ASSIGN_CHUNK], dtype=np.float32) @ centroids.T
        topics[start : start + len(block)] = block.argmax(axis=1)
        similarity[start : start + len(block)] = block.max(axis=1)
    return topics, similarity


def person_weights(people: np.ndarray) -> np.ndarray:
    """1 / (how many rows each row's person has): every person's rows sum to 1."""
    _, inverse, counts = np.unique(people, return_inverse=True, return_counts=True)
    return 1.0 / counts[inverse]


def merge_small(
    vectors: np.ndarray, people: np.ndarray, centroids: np.ndarray, topics: np.ndarray, min_people: int
) -> np.ndarray:
    """Fold every topic that fewer than `min_people` people want into its neighbours: its wishes go, one by
    one, to their nearest remaining topic; the smallest topic first, until none is that small (or one is
    left). Such a topic would show no count at all (privacy.py), while its people count in a neighbour.

    Returns the new topic of each row (numbers of the remaining centroids).
    """
    topics = topics.copy()
    alive = np.ones(len(centroids), dtype=bool)
    while alive.sum() > 1:
        wanted = people_per_topic(topics, people, len(centroids))
        small = np.flatnonzero(alive & (wanted < min_people))
        if len(small) == 0:
            break
        gone = small[np.argmin(wanted[small])]
        alive[gone] = False
        rows = np.flatnonzero(topics == gone)
        if len(rows):
            similarity = np.asarray(vectors[rows], dtype=np.float32) @ centroids.T
            similarity[:, ~alive] = -np.inf
            topics[rows] = similarity.argmax(axis=1)
    return topics


def people_per_topic(topics: np.ndarray, people: np.ndarray, count: int) -> np.ndarray:
    """How many distinct people have a row in each of `count` topics."""
    if len(topics) == 0:
        return np.zeros(count, dtype=np.int64)
    _, person = np.unique(people, return_inverse=True)
    pairs = np.unique(np.asarray(topics, dtype=np.int64) * (int(person.max()) + 1) + person)
    return np.bincount(pairs // (int(person.max()) + 1), minlength=count)
