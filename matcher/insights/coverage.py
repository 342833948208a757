"""How well the available mentors answer each wish: the best score any of them reaches, and who reaches a
good one.

Pure: numpy and FAISS only (vectors in, arrays out).

A wish's score against a mentor is the cosine of the wish's vector and the mentor's closest bio sentence:
the passage part of a match's semantic score (a full match adds the whole bio, key phrases, BM25 and the
style, which needs a request per wish and costs about a match each). A person never answers their own
wish. A mentor *can teach* a topic when some wish of the topic scores at least `threshold` against
them; a wish is *uncovered* when no mentor reaches `threshold`.

Search: exact (FAISS flat, inner product) up to EXACT_LIMIT bio sentences (about 5k profiles); above it an
IVF index (sqrt(n) lists, NPROBE searched), approximate like the matcher's own indexes above their
threshold: a flat scan of every wish against every sentence grows with the square of the organisation.
Every wish is range-searched (all sentences at `threshold` or more); only the wishes without a good answer
are then searched for their nearest sentences, for their best score.
"""

from __future__ import annotations

import faiss
import numpy as np

EXACT_LIMIT = 20_000
NPROBE = 16
TRAIN_PER_LIST = 40  # k-means points per list when training the IVF quantizer (FAISS asks for at least 39)
TRAIN_ITERATIONS = 10
NEAREST = 16
CROWDED = 256  # neighbours looked at for a wish whose NEAREST were all the person's own sentences
CHUNK = 512


def sentence_index(vectors: np.ndarray) -> faiss.Index:
    """An inner-product index over unit rows (the mentors' sentences, or the wishes): it keeps its own copy,
    so the caller may drop `vectors`."""
    vectors = np.ascontiguousarray(vectors, dtype=np.float32)
    dim = vectors.shape[1]
    if len(vectors) <= EXACT_LIMIT:
        index = faiss.IndexFlatIP(dim)
    else:  # a one-off search: a light quantizer (sqrt(n) lists, a sample, few iterations) costs far less to train
        lists = int(np.sqrt(len(vectors)))
        index = faiss.IndexIVFFlat(faiss.IndexFlatIP(dim), dim, lists, faiss.METRIC_INNER_PRODUCT)
        index.cp.niter = TRAIN_ITERATIONS
        rng = np.random.default_rng(0)
        train = vectors[rng.choice(len(vectors), min(len(vectors), TRAIN_PER_LIST * lists), replace=False)]
        index.train(train)
        index.nprobe = NPROBE
    index.add(vectors)
    return index


def answer(
    wishes: np.ndarray,
    wisher: np.ndarray,
    wish_topic: np.ndarray,
    topics: int,
    index: faiss.Index,
    owner: np.ndarray,
    threshold: float,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Score every wish against the mentors' sentences.

    Args:
        wishes: (n, dim) unit vectors; wisher: (n,) who made each (row ids); wish_topic: (n,) its topic, of
            `topics`.
        index: sentence_index() of the available mentors' bio sentences; owner: (m,) whose each is.
        threshold: the score of a good answer.
    Returns:
        (best (n,) float32: the best score of a mentor other than the wisher, -1 when there is none;
         topic, sentence: every distinct (topic, sentence) where the sentence answers some wish of the
         topic with at least `threshold`, the wisher's own sentences left out).
    """
    n, sentences = len(wishes), index.ntotal
    best = np.full(n, -1.0, dtype=np.float32)
    if n == 0 or sentences == 0:
        return best, np.zeros(0, np.int64), np.zeros(0, np.int64)
    owner, wisher, wish_topic = np.asarray(owner), np.asarray(wisher), np.asarray(wish_topic, dtype=np.int64)
    answers = np.zeros((topics, sentences), dtype=bool)  # a bit per (topic, sentence): 45 MB at 100 x 450k
    for start in range(0, n, CHUNK):
        block = np.ascontiguousarray(wishes[start : start + CHUNK], dtype=np.float32)
        who = wisher[start : start + CHUNK]
        limits, hit_scores, hits = index.range_search(block, threshold)
        wish_of = np.repeat(np.arange(len(block)), np.diff(limits).astype(np.int64))
        keep = owner[hits] != who[wish_of]
        answers[wish_topic[start + wish_of[keep]], hits[keep]] = True
        answered = np.full(len(block), -1.0, dtype=np.float32)
        np.maximum.at(answered, wish_of[keep], hit_scores[keep])
        del limits, hit_scores, hits, wish_of, keep
        best[start : start + len(block)] = answered
        lacking = np.flatnonzero(answered < threshold)  # no good answer: how close the nearest one comes
        for k in (NEAREST, CROWDED):  # when every neighbour is their own, look further
            if not len(lacking):
                break
            scores, ids = index.search(block[lacking], min(k, sentences))
            own = (ids < 0) | (owner[np.maximum(ids, 0)] == who[lacking][:, None])
            best[start + lacking] = np.where(own, -1.0, scores).max(axis=1)
            lacking = lacking[own.all(axis=1)]
    topic, sentence = np.nonzero(answers)
    return best, topic.astype(np.int64), sentence.astype(np.int64)
