"""Topic labels: the words that set a topic apart (class-based TF-IDF), among those enough people used.

Pure: numpy, scipy and scikit-learn only.

c-TF-IDF (BERTopic's idea, computed here over our own topics): all the texts of a topic form one
document; a word's weight in a topic is its frequency there times log(1 + A / f), where f is its
frequency over all topics and A the average number of words per topic. Words and two-word phrases are
counted with scikit-learn's CountVectorizer, without function words and the words of asking and
mentoring (texts.label_stop_words).

Privacy: a word is a candidate for a topic's label only if at least `min_people` distinct people used it
in that topic's texts, so a label never quotes one person's phrase (and no phrase of fewer than
`min_people` people). A topic where no word is shared that widely has no label.
"""

from __future__ import annotations

import numpy as np
from scipy import sparse

from .texts import label_stop_words

TOKEN = r"(?u)\b[^\W_][\w+#.-]*[\w+#]"  # words of two characters or more; keeps c++, c#, no-code, ga4
LABEL_TERMS = 3


def topic_terms(
    texts: list[str],
    people: np.ndarray,
    pair_text: np.ndarray,
    pair_topic: np.ndarray,
    topics: int,
    min_people: int,
    most: int = LABEL_TERMS,
) -> list[list[tuple[str, int]]]:
    """The label terms of each topic, best first: [[(term, people who used it in the topic), ...], ...].

    Args:
        texts: the texts; people: (len(texts),) the person who wrote each (any integer id).
        pair_text, pair_topic: which text belongs to which topic (a text may belong to several).
        topics: how many topics; min_people: the fewest distinct people a label word needs.
        most: terms per label.
    """
    labels: list[list[tuple[str, int]]] = [[] for _ in range(topics)]
    pair_text, pair_topic = np.asarray(pair_text, dtype=np.int64), np.asarray(pair_topic, dtype=np.int64)
    if len(pair_text) == 0 or topics == 0:
        return labels
    from sklearn.feature_extraction.text import CountVectorizer

    used = np.unique(pair_text)
    vectorizer = CountVectorizer(
        lowercase=True,
        stop_words=sorted(label_stop_words()),
        ngram_range=(1, 2),
        token_pattern=TOKEN,
        min_df=max(1, min(min_people, len(used))),
    )
    try:
        counts_used = vectorizer.fit_transform([texts[i] for i in used]).tocsr()
    except ValueError:  # no word left (empty vocabulary)
        return labels
    vocabulary = vectorizer.get_feature_names_out()
    position = np.full(len(texts), -1, dtype=np.int64)
    position[used] = np.arange(len(used))
    rows = position[pair_text]
    membership = sparse.csr_matrix((np.ones(len(rows)), (pair_topic, rows)), shape=(topics, len(used)))
    frequency = np.asarray((membership @ counts_used).todense(), dtype=np.float64)  # topics x terms
    total = frequency.sum(axis=1, keepdims=True)
    average_words = frequency.sum() / topics
    weight = (frequency / np.maximum(total, 1)) * np.log1p(average_words / np.maximum(frequency.sum(axis=0), 1))
    people = np.asarray(people)
    present = (counts_used > 0).astype(np.int8).tocsr()
    for topic in range(topics):
        in_topic = rows[pair_topic == topic]
        if len(in_topic) == 0:
            continue
        writers = _people_per_term(present[in_topic], people[used[in_topic]])
        eligible = np.flatnonzero((writers >= min_people) & (frequency[topic] > 0))
        ranked = eligible[np.argsort(-weight[topic, eligible], kind="stable")]
        labels[topic] = _distinct([(str(vocabulary[i]), int(writers[i])) for i in ranked], most)
    return labels


def _people_per_term(present: sparse.csr_matrix, writers: np.ndarray) -> np.ndarray:
    """For each term, how many distinct people wrote at least one of these texts holding it."""
    _, person = np.unique(writers, return_inverse=True)
    by_person = sparse.csr_matrix(
        (np.ones(len(person)), (person, np.arange(len(person)))), shape=(person.max() + 1, len(person))
    )
    return np.asarray(((by_person @ present) > 0).sum(axis=0)).ravel()


def _distinct(ranked: list[tuple[str, int]], most: int) -> list[tuple[str, int]]:
    """The best `most` terms, a phrase replacing its own words ("helm charts" rather than "helm", "charts");
    a term overlapping a chosen phrase otherwise is left out. Looks a few places past `most` for phrases."""
    chosen: list[tuple[str, int]] = []
    for term, count in ranked[: 4 * most]:
        words = set(term.split())
        inside = [(other, n) for other, n in chosen if set(other.split()) < words]
        if any(words & set(item[0].split()) for item in chosen if item not in inside):
            continue  # already said, or overlapping a chosen phrase
        if len(chosen) >= most and not inside:
            continue
        at = min((chosen.index(item) for item in inside), default=len(chosen))
        chosen = [item for item in chosen if item not in inside]
        chosen.insert(min(at, len(chosen)), (term, count))
    return chosen[:most]


def label_text(terms: list[tuple[str, int]]) -> str | None:
    """A label as people read it: the terms joined by commas; None for a topic without one."""
    return ", ".join(term for term, _ in terms) or None
