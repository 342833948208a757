"""A plan of sessions for each pair: start, the need's topics with the mentor's own words, apply, review.

Pure: numpy and plain strings. The service embeds the topics (topics.need_topics) and has the mentor's
passages with their vectors; it passes the topics x passages cosine matrix in, and this module decides.

The shape follows how mentoring programmes are run ("both share their interests and knowledge freely and
even some shortcomings", "clear goals and a structure to measure progress"):

- Session 1 starts: both share interests, knowledge and shortcomings and agree the goals, which are the
  need's topics. The last session (of three or more) reviews progress against those goals.
- The sessions between cover the topics in the need's order (people tend to name first what matters
  most), each with the mentor's passage that covers it best, a different passage for each topic where the
  mentor has one; more topics than sessions: balanced runs of neighbouring topics.
- Fewer topics than sessions: the sessions left apply a topic, the best-covered first, each with a
  concrete activity ("bring a case of your own and work through it together") and another of the mentor's
  passages where there is one; no two sessions read the same.
- Two-way: the sessions between alternate who teaches, each side's topics from their own need.
- One session (a flash round): the topics, at once. Two sessions: start with the topics, end with the review.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace

import numpy as np
from numpy.typing import ArrayLike

QUOTE_CHARS = 100  # longest quoted passage in `plan_text`
# A session applying a topic quotes another passage only if it is this close to the topic (a share of the
# first passage's cosine); else the first passage again: an unrelated sentence would only mislead.
RELATED = 0.7
APPLY = (
    "apply {topic} to real work: bring a case of your own and work through it together",
    "practise {topic} in the session, then get feedback on what to change",
    "go deeper on {topic}: the questions left open so far, and a harder example",
    "plan one step in {topic} to try before the next session, and how you will know it worked",
    "look back at your last try at {topic} and adjust it together",
)


@dataclass(frozen=True)
class Cover:
    """One topic of a session and the mentor's words that cover it.

    Attributes:
        topic: the topic, in the learner's words (topics.need_topics).
        sentence: the teacher's passage chosen for it; None without passages, or below `min_similarity`.
        similarity: that passage's cosine with the topic (0.0 without passages).
        practice: True in a session that applies a topic already covered.
        learner: who learns it ("" in a one-way plan; a person's label in a two-way plan).
        teacher: whose passage it is ("" in a one-way plan).
    """

    topic: str
    sentence: str | None
    similarity: float
    practice: bool = False
    learner: str = ""
    teacher: str = ""


@dataclass(frozen=True)
class Session:
    """One session: its number (1-based), its kind, the line a person reads, and the topics it covers.

    kind: "start", "topics", "apply", "review" or "single" (a one-session programme).
    """

    number: int
    kind: str
    title: str
    covers: tuple[Cover, ...] = ()
    goals: tuple[str, ...] = ()


@dataclass(frozen=True)
class Plan:
    """The sessions of one pair, in order."""

    sessions: tuple[Session, ...]


@dataclass(frozen=True)
class Direction:
    """What one person learns from the other: the learner's topics, the teacher's passages, their cosines."""

    topics: Sequence[str]
    passages: Sequence[str]
    similarity: np.ndarray = field(repr=False)
    learner: str = ""
    teacher: str = ""


def plan_sessions(
    topics: Sequence[str],
    sentences: Sequence[str],
    similarity: ArrayLike,
    n_sessions: int,
    *,
    min_similarity: float | None = None,
    learner: str = "",
    teacher: str = "",
) -> Plan:
    """A one-way plan: start, the mentee's topics with the mentor's passages, apply, review.

    Args:
        topics: the mentee's topics, in the order to follow.
        sentences: the mentor's passages (their bio, sentence by sentence).
        similarity: (len(topics), len(sentences)) cosines of each topic with each passage.
        n_sessions: how many sessions the programme has (>= 1).
        min_similarity: when given, a passage below it is not quoted (`sentence` None).
        learner, teacher: labels, for a plan of one direction of a two-way pair.

    Raises:
        ValueError: on n_sessions < 1 or a similarity matrix of the wrong shape.
    """
    return _plan([_direction(topics, sentences, similarity, learner, teacher)], n_sessions, min_similarity)


def two_way_plan(
    a_topics: Sequence[str],
    b_sentences: Sequence[str],
    a_by_b: ArrayLike,
    b_topics: Sequence[str],
    a_sentences: Sequence[str],
    b_by_a: ArrayLike,
    n_sessions: int,
    *,
    a_label: str = "A",
    b_label: str = "B",
    min_similarity: float | None = None,
) -> Plan:
    """A reciprocal plan: one start and one review for both, and between them sessions that alternate who
    teaches: B teaches A's first topic from B's passages, then A teaches B's first topic, and so on.

    Args:
        a_topics: what A wants to learn; b_sentences: B's passages; a_by_b: their cosines.
        b_topics: what B wants to learn; a_sentences: A's passages; b_by_a: their cosines.
        n_sessions: how many sessions (>= 1).
        a_label, b_label: how A and B are named in the plan (their names).
        min_similarity: see `plan_sessions`.
    """
    return _plan(
        [
            _direction(a_topics, b_sentences, a_by_b, a_label, b_label),
            _direction(b_topics, a_sentences, b_by_a, b_label, a_label),
        ],
        n_sessions,
        min_similarity,
    )


def plan_text(plan: Plan) -> str:
    """The plan as text, one line per session (a CSV cell, an e-mail).

    e.g. 'Session 2: running effective planning meetings (their words: “I run our planning meetings.”)'.
    """
    lines = []
    for session in plan.sessions:
        quotes = [_quote(cover) for cover in session.covers if session.kind != "start" or cover.sentence]
        lines.append(f"Session {session.number}: {session.title}" + (f" ({'; '.join(quotes)})" if quotes else ""))
    return "\n".join(lines)


def _direction(
    topics: Sequence[str], passages: Sequence[str], similarity: ArrayLike, learner: str, teacher: str
) -> Direction:
    sims = np.asarray(similarity, dtype=np.float64)
    if sims.size != len(topics) * len(passages):
        raise ValueError(f"similarity must be {len(topics)} x {len(passages)}, got shape {sims.shape}")
    return Direction(list(topics), list(passages), sims.reshape(len(topics), len(passages)), learner, teacher)


def _plan(directions: list[Direction], n_sessions: int, min_similarity: float | None) -> Plan:
    if n_sessions < 1:
        raise ValueError(f"n_sessions must be >= 1, got {n_sessions}")
    covers = [_covers(d, min_similarity) for d in directions]
    goals = tuple(_goal(c) for side in covers for c in side)
    every = [c for side in covers for c in side]
    if n_sessions == 1:
        return Plan(
            (
                Session(
                    1,
                    "single",
                    "One session on " + _topics_line(every)
                    if every
                    else "One session: agree one thing to work on, and work on it",
                    tuple(every),
                    goals,
                ),
            )
        )
    start = Session(1, "start", _start_title(goals), goals=goals)
    review = Session(n_sessions, "review", _review_title(goals), goals=goals)
    if n_sessions == 2:
        return Plan(
            (
                replace(
                    start,
                    covers=tuple(every),
                    title=start.title + ("; then begin with " + _topics_line(every) if every else ""),
                ),
                review,
            )
        )
    middle = _middle(directions, covers, n_sessions - 2)
    return Plan((start, *(replace(s, number=n + 2) for n, s in enumerate(middle)), review))


def _covers(direction: Direction, min_similarity: float | None) -> list[Cover]:
    """Each topic with its passage: the best one, a different one per topic while the passages last."""
    topics, passages, sims = direction.topics, direction.passages, direction.similarity
    if not len(passages):
        return [Cover(t, None, 0.0, learner=direction.learner, teacher=direction.teacher) for t in topics]
    chosen: dict[int, int] = {}
    used: set[int] = set()
    # The strongest (topic, passage) pairs first; ties in the need's and the bio's own order.
    for flat in np.lexsort((np.arange(sims.size), -sims.ravel())):
        topic, passage = divmod(int(flat), len(passages))
        if topic not in chosen and passage not in used:
            chosen[topic] = passage
            used.add(passage)
    for topic in range(len(topics)):  # more topics than passages: the best one again
        chosen.setdefault(topic, int(np.argmax(sims[topic])))
    covers = []
    for topic, passage in sorted(chosen.items()):
        similarity = float(sims[topic, passage])
        quoted = passages[passage] if min_similarity is None or similarity >= min_similarity else None
        covers.append(Cover(topics[topic], quoted, similarity, learner=direction.learner, teacher=direction.teacher))
    return covers


def _middle(directions: list[Direction], covers: list[list[Cover]], slots: int) -> list[Session]:
    """The sessions between the start and the review: the topics, then sessions applying them; two sides
    take turns (as strictly as their numbers of topics allow)."""
    sides = [side for side in covers if side]
    if not sides:
        return [Session(0, "apply", _apply_title(None, k, 0)) for k in range(slots)]
    if sum(len(side) for side in sides) >= slots:
        return [Session(0, "topics", _topics_title(run), tuple(run)) for run in _runs(sides, slots)]
    shares = _shares([len(side) for side in sides], slots)
    queues = [_side_sessions(side, share, directions) for side, share in zip(sides, shares)]
    return _alternate(queues)


def _shares(topics: list[int], slots: int) -> list[int]:
    """Sessions per side: each at least its topics, the rest given so the sides stay as even as they can."""
    shares = list(topics)
    for _ in range(slots - sum(topics)):
        shares[shares.index(min(shares))] += 1
    return shares


def _side_sessions(side: list[Cover], count: int, directions: list[Direction]) -> list[Session]:
    """One side's sessions: each topic once, then applying them, the best-covered first, never the same line."""
    sessions = [Session(0, "topics", _topics_title([c]), (c,)) for c in side]
    strongest = sorted(side, key=lambda c: -c.similarity)
    for k in range(count - len(side)):
        cover = strongest[k % len(strongest)]
        again = _another_passage(cover, directions, k // len(strongest))
        sessions.append(Session(0, "apply", _apply_title(cover, k // len(strongest), k), (again,)))
    return sessions


def _runs(sides: list[list[Cover]], slots: int) -> list[list[Cover]]:
    """Balanced runs of neighbouring topics, one a session; two sides alternate, each with its share."""
    if len(sides) == 1:
        return _balanced(sides[0], slots)
    first = min(len(sides[0]), max(slots - len(sides[1]), (slots + 1) // 2))
    return _alternate([_balanced(sides[0], first), _balanced(sides[1], slots - first)])


def _balanced(items: list[Cover], n_runs: int) -> list[list[Cover]]:
    size, extra = divmod(len(items), n_runs)
    runs, start = [], 0
    for n in range(n_runs):
        end = start + size + (1 if n < extra else 0)
        runs.append(items[start:end])
        start = end
    return [run for run in runs if run]


def _alternate(lists: list[list]) -> list:
    """a1, b1, a2, b2, ... then the rest of the longer list."""
    out = []
    for i in range(max(len(items) for items in lists)):
        out += [items[i] for items in lists if i < len(items)]
    return out


def _another_passage(cover: Cover, directions: list[Direction], round_: int) -> Cover:
    """The cover for a session that applies a topic: another of the teacher's passages that is related to it
    (the next best on the first round, the one after on the next), or the same one when there is none."""
    for direction in directions:
        if direction.learner != cover.learner or cover.topic not in direction.topics or cover.sentence is None:
            continue
        row = direction.similarity[list(direction.topics).index(cover.topic)]
        others = [
            int(p)
            for p in np.argsort(-row, kind="stable")
            if direction.passages[p] != cover.sentence and row[p] >= RELATED * cover.similarity
        ]
        if others:
            passage = others[round_ % len(others)]
            return Cover(
                cover.topic, direction.passages[passage], float(row[passage]), True, cover.learner, cover.teacher
            )
    return replace(cover, practice=True)


def _goal(cover: Cover) -> str:
    return f"{cover.learner}: {cover.topic}" if cover.learner else cover.topic


def _topics_line(covers: Sequence[Cover]) -> str:
    return "; ".join(_goal(c) for c in covers)


def _topics_title(covers: Sequence[Cover]) -> str:
    teacher, learner = covers[0].teacher, covers[0].learner
    topics = "; ".join(c.topic for c in covers)
    return f"{teacher} teaches {learner}: {topics}" if learner else topics


def _apply_title(cover: Cover | None, round_: int, k: int) -> str:
    if cover is None:
        return f"Work on the goals you agreed at the start, step {k + 1}: bring a real case and work through it"
    text = APPLY[round_ % len(APPLY)].format(topic=cover.topic)
    if round_ >= len(APPLY):
        text += f" (round {round_ // len(APPLY) + 1})"
    return f"{cover.learner} with {cover.teacher}: {text}" if cover.learner else text[0].upper() + text[1:]


def _start_title(goals: Sequence[str]) -> str:
    agreed = "agree the goals: " + "; ".join(goals) if goals else "agree the goals for the programme"
    return f"Start: both of you share your interests, what you know and where you fall short; {agreed}"


def _review_title(goals: Sequence[str]) -> str:
    against = "the goals: " + "; ".join(goals) if goals else "the goals agreed at the start"
    return f"Review: progress against {against}; what changed, and what comes next"


def _quote(cover: Cover) -> str:
    whose = f"{cover.teacher}'s words" if cover.teacher else "their words"
    if cover.sentence is None:
        return f"{cover.topic}: no close match in {whose}"
    quote = cover.sentence.strip()
    if len(quote) > QUOTE_CHARS:
        quote = quote[: QUOTE_CHARS - 1].rstrip() + "…"
    return f"{whose}: “{quote}”"


def session_data(plan: Plan) -> tuple[dict, ...]:
    """The plan as plain data, as the store keeps it and the API shows it."""
    return tuple(
        {
            "number": s.number,
            "kind": s.kind,
            "title": s.title,
            "goals": list(s.goals),
            "covers": [
                {
                    "topic": c.topic,
                    "sentence": c.sentence,
                    "similarity": round(float(c.similarity), 4),
                    "practice": c.practice,
                    "learner": c.learner,
                    "teacher": c.teacher,
                }
                for c in s.covers
            ],
        }
        for s in plan.sessions
    )


def plan_from_data(sessions: Sequence[dict]) -> Plan:
    """A plan back from `session_data` (as views.session_dict completes older stored plans)."""
    return Plan(
        tuple(
            Session(
                s["number"], s["kind"], s["title"], tuple(Cover(**c) for c in s["covers"]), tuple(s.get("goals", ()))
            )
            for s in sessions
        )
    )
