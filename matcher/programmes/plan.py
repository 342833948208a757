"""A plan of sessions for each pair: the mentee's topics, each with the mentor's sentence that covers it best.

Pure: numpy and plain strings. The service embeds the topics and has the mentor's sentence vectors; it
passes the topics x sentences cosine matrix in, and this module decides the plan.

- Topics: `need_topics` cuts a need into its clauses (where `matcher.text.need` cuts for key phrases:
  punctuation, bullets, "and" / "or") and keeps each clause's span from its first to its last content word,
  so "I want to learn SQL window functions and some cloud architecture" gives "SQL window functions" and
  "cloud architecture".
- Order: topics keep the need's own order (people tend to name first what matters most, and neighbouring
  topics are often related), cut into balanced contiguous runs, one run per session, longer runs first.
- Fewer topics than sessions: one topic per session first, then the remaining sessions practise the topics
  the mentor covers best (highest similarity first, then the need's order, cycling), flagged `practice`:
  a strong match is where further sessions go deepest.
- Two-way: both directions side by side in every session (A learns from B, and B from A), so every
  session is reciprocal, which also works for a one-session programme.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from matcher.text.need import clauses, clean_need, content_words

MAX_TOPICS = 12
QUOTE_CHARS = 100  # longest quoted sentence in `plan_text`


@dataclass(frozen=True)
class Cover:
    """One topic of a session and the mentor's words that cover it.

    Attributes:
        topic: the topic, in the mentee's words.
        sentence: the mentor's sentence most similar to it; None when the mentor has no sentence, or none
            reaches the plan's `min_similarity`.
        similarity: the cosine of that sentence with the topic (the best one, even below `min_similarity`;
            0.0 without sentences).
        practice: True in a later session revisiting a topic already covered.
        learner: who learns the topic ("" in a one-way plan; a person's label in a two-way plan).
        teacher: whose sentence it is ("" in a one-way plan).
    """

    topic: str
    sentence: str | None
    similarity: float
    practice: bool = False
    learner: str = ""
    teacher: str = ""


@dataclass(frozen=True)
class Session:
    """One session: its number (1-based) and the topics it covers (none: an open agenda)."""

    number: int
    covers: tuple[Cover, ...]


@dataclass(frozen=True)
class Plan:
    """The sessions of one pair, in order."""

    sessions: tuple[Session, ...]


def need_topics(need: str, most: int = MAX_TOPICS) -> list[str]:
    """The topics of a need: each clause with content words, from its first to its last content word.

    Args:
        need: the need in the mentee's own words.
        most: the most topics kept (the first ones).

    Returns:
        Distinct topics (case-insensitively) in the need's order; the cleaned need alone when no clause has
        a content word but the need has some; [] for a need without content words.
    """
    topics: dict[str, str] = {}
    for clause in clauses(need):
        words = content_words(clause)
        if not words:
            continue
        start = _word_at(clause, words[0], last=False).start()
        end = _word_at(clause, words[-1], last=True).end()
        topics.setdefault(clause[start:end].lower(), clause[start:end])
    if not topics and content_words(need):
        return [clean_need(need)]
    return list(topics.values())[:most]


def plan_sessions(topics: Sequence[str], sentences: Sequence[str], similarity: ArrayLike, n_sessions: int, *,
                  min_similarity: float | None = None, learner: str = "", teacher: str = "") -> Plan:
    """Spread a mentee's topics over the sessions, each with the mentor's sentence that covers it best.

    Args:
        topics: the mentee's topics (see `need_topics`), in the order to follow.
        sentences: the mentor's sentences (their bio, sentence by sentence).
        similarity: (len(topics), len(sentences)) cosines of each topic with each sentence.
        n_sessions: how many sessions the programme has (>= 1).
        min_similarity: when given, a best sentence below it is not quoted (`sentence` None).
        learner: label of who learns (two-way plans; "" otherwise).
        teacher: label of whose sentences these are (two-way plans; "" otherwise).

    Returns:
        The `Plan`: n_sessions sessions; the topics in balanced contiguous runs in their order, or, with
        fewer topics than sessions, one each and then practice of the best-covered ones.

    Raises:
        ValueError: on n_sessions < 1 or a similarity matrix of the wrong shape.
    """
    if n_sessions < 1:
        raise ValueError(f"n_sessions must be >= 1, got {n_sessions}")
    sims = np.asarray(similarity, dtype=np.float64).reshape(len(topics), len(sentences))
    covers = [_cover(topic, sentences, sims[i], min_similarity, learner, teacher) for i, topic in enumerate(topics)]
    if not covers:
        return Plan(tuple(Session(n + 1, ()) for n in range(n_sessions)))
    if len(covers) >= n_sessions:
        runs = [tuple(run) for run in _balanced_runs(covers, n_sessions)]
    else:
        strongest = sorted(range(len(covers)), key=lambda i: (-covers[i].similarity, i))
        practice = [_practice(covers[strongest[n % len(covers)]]) for n in range(n_sessions - len(covers))]
        runs = [(cover,) for cover in covers + practice]
    return Plan(tuple(Session(n + 1, run) for n, run in enumerate(runs)))


def two_way_plan(a_topics: Sequence[str], b_sentences: Sequence[str], a_by_b: ArrayLike,
                 b_topics: Sequence[str], a_sentences: Sequence[str], b_by_a: ArrayLike, n_sessions: int, *,
                 a_label: str = "A", b_label: str = "B", min_similarity: float | None = None) -> Plan:
    """A reciprocal plan: in every session A learns A's topics from B's words and B learns B's from A's.

    Args:
        a_topics: what A wants to learn (A's need or goals, see `need_topics`).
        b_sentences: B's sentences (what B can teach).
        a_by_b: (len(a_topics), len(b_sentences)) cosines.
        b_topics: what B wants to learn.
        a_sentences: A's sentences.
        b_by_a: (len(b_topics), len(a_sentences)) cosines.
        n_sessions: how many sessions (>= 1).
        a_label: how A is named in the plan (e.g. their name).
        b_label: how B is named.
        min_similarity: see `plan_sessions`.

    Returns:
        The `Plan`: each session holds A's topics of that session, then B's, each direction spread as in
        `plan_sessions`.
    """
    a_plan = plan_sessions(a_topics, b_sentences, a_by_b, n_sessions, min_similarity=min_similarity,
                           learner=a_label, teacher=b_label)
    b_plan = plan_sessions(b_topics, a_sentences, b_by_a, n_sessions, min_similarity=min_similarity,
                           learner=b_label, teacher=a_label)
    return Plan(tuple(Session(a.number, a.covers + b.covers) for a, b in zip(a_plan.sessions, b_plan.sessions)))


def plan_text(plan: Plan) -> str:
    """The plan as text, one line per session, for a CSV cell or an e-mail.

    Returns:
        e.g. 'Session 1: SQL window functions (their words: “I teach SQL window functions.”); ...', or
        in a two-way plan 'Session 1: Ann learns public speaking (Bo's words: “...”); Bo learns ...'.
    """
    lines = []
    for session in plan.sessions:
        parts = [_cover_text(cover) for cover in session.covers] or ["open agenda"]
        lines.append(f"Session {session.number}: " + "; ".join(parts))
    return "\n".join(lines)


def _cover(topic: str, sentences: Sequence[str], sims: np.ndarray, min_similarity: float | None,
           learner: str, teacher: str) -> Cover:
    if len(sentences) == 0:
        return Cover(topic, None, 0.0, learner=learner, teacher=teacher)
    best = int(np.argmax(sims))  # the first best sentence on ties: the mentor's own order
    similarity = float(sims[best])
    quoted = sentences[best] if min_similarity is None or similarity >= min_similarity else None
    return Cover(topic, quoted, similarity, learner=learner, teacher=teacher)


def _practice(cover: Cover) -> Cover:
    return Cover(cover.topic, cover.sentence, cover.similarity, True, cover.learner, cover.teacher)


def _balanced_runs(items: list[Cover], n_runs: int) -> list[list[Cover]]:
    """Contiguous runs whose lengths differ by at most one, the longer ones first."""
    size, extra = divmod(len(items), n_runs)
    runs, start = [], 0
    for n in range(n_runs):
        end = start + size + (1 if n < extra else 0)
        runs.append(items[start:end])
        start = end
    return runs


def _word_at(clause: str, word: str, last: bool) -> re.Match[str]:
    """Where a whole word stands in its clause (the first or the last time)."""
    matches = list(re.finditer(rf"(?<![\w]){re.escape(word)}(?![\w])", clause))
    return matches[-1] if last else matches[0]


def _cover_text(cover: Cover) -> str:
    topic = f"practise {cover.topic}" if cover.practice else cover.topic
    head = f"{cover.learner} learns {topic}" if cover.learner else topic
    whose = f"{cover.teacher}'s words" if cover.teacher else "their words"
    if cover.sentence is None:
        return f"{head} (no close match in {whose})"
    quote = cover.sentence.strip()
    if len(quote) > QUOTE_CHARS:
        quote = quote[: QUOTE_CHARS - 1].rstrip() + "…"
    return f"{head} ({whose}: “{quote}”)"
