"""Build the skills map from the store, through the service's store and model, into a new map file.

Who is counted (SECURITY.md "The skills map"):
- demand: every *active* stored person's goals, cut into wishes (texts.wishes), the needs of
  programme cohorts' stored members, and the needs of the introductions people asked for (any state
  but withdrawn: a declined or expired request is a want nobody met); a need equal to the person's goals
  or to another of their needs is counted once;
  discoverable or not (what someone wants to learn is not a mentor's listing);
- supply: *available* mentors only: active, discoverable, offering a style with a bio, and with room
  (a long-term place left after published programme pairs, or flash hours): their bio sentences and tags.
Inactive people count nowhere. The model runs only on what the store holds no vector of: wishes of a
goals text that has two or more, programme needs, and the mentors' distinct tags; bio sentences and
one-wish goals use the stored vectors.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..model.embedder import Embedder
from ..profiles import findable, goals_text, profile_passages
from ..store import ProfileStore
from .artefact import MapFiles
from .coverage import answer, sentence_index
from .labels import LABEL_TERMS, topic_terms
from .texts import band_of, wishes
from .topics import assign, auto_topics, fit_centroids, merge_small, people_per_topic, person_weights

log = logging.getLogger("matcher.insights")

PROGRAMME_NEED = -1  # demand_source of a wish from the person's own goals; else the programme's index
# A wish from an introduction's need: demand_source is request_source(i), i its index in the manifest's
# "requests" (request ids: the need is read from the store when a topic's people are listed).
FIRST_REQUEST = -2


def request_source(index: int) -> int:
    return FIRST_REQUEST - index


def request_index(source: int) -> int | None:
    """The index into the manifest's "requests" of a demand_source, or None (goals or a programme)."""
    return FIRST_REQUEST - source if source <= FIRST_REQUEST else None


READ_BATCH = 1000


@dataclass(frozen=True)
class MapSettings:
    """What shapes a map (from config.Settings: MATCHER_INSIGHTS_*)."""

    min_group: int = 5
    topics: int = 0  # 0: auto (topics.auto_topics)
    threshold: float = 0.5
    seed: int = 0


@dataclass
class _Collected:
    """Everything a build reads, as parallel lists."""

    person_row: list[int]
    person_band: list[int]
    person_department: list[int]
    departments: dict[str, int]
    wish_row: list[int]
    wish_text: list[str]
    wish_source: list[int]
    wish_index: list[int]
    wish_vector: list[np.ndarray | None]
    sentence_row: list[int]
    sentence_text: list[str]
    sentence_vectors: list[np.ndarray]
    tag_mentors: dict[str, set[int]]
    programmes: list[str]
    requests: list[str]


def build_map(store: ProfileStore, embedder: Embedder, files: MapFiles, settings: MapSettings) -> dict[str, Any]:
    """Build a new map from what the store holds now and write it (MapFiles.write); returns a report.

    Raises:
        artefact.BuildRunning: another build is running on this data directory.
    """
    started = time.perf_counter()
    with files.building():
        seq, reindexes = store.current_seq(), store.reindex_count()
        clock = _Clock()
        embedder.dim  # noqa: B018 - loads the model (if this process has not yet), timed on its own
        clock.lap("model")
        got = _collect(store, embedder)
        clock.lap("read")
        _embed_missing(got, embedder)
        clock.lap("embed")
        manifest, arrays, counts = _compute(got, embedder, settings, clock)
        seconds = round(time.perf_counter() - started, 3)
        manifest.update(
            {
                "created_at": time.time(),
                "seconds": seconds,
                "model": embedder.key,
                "seq": seq,
                "reindexes": reindexes,
                "counts": counts,
                "settings": {
                    "min_group": settings.min_group,
                    "topics": settings.topics,
                    "threshold": settings.threshold,
                    "seed": settings.seed,
                },
            }
        )
        name = _write_without_erased(store, files, manifest, arrays, seq)
        clock.lap("write")
    log.info(
        "skills map %s built: %d topics, %d wishes, %d mentor sentences, %.1f s",
        name,
        len(manifest["topics"]),
        counts["wishes"],
        counts["sentences"],
        seconds,
    )
    return {"version": name, "topics": len(manifest["topics"]), "seconds": seconds, **counts, "timings": clock.laps}


ROW_GROUPS = {
    "person_row": ("person_row", "person_band", "person_department"),
    "demand_row": ("demand_row", "demand_topic", "demand_score", "demand_source", "demand_wish"),
    "supply_row": ("supply_row", "supply_topic"),
    "offered_row": ("offered_row", "offered_skill"),
}
WRITE_ATTEMPTS = 3


def _write_without_erased(store: ProfileStore, files: MapFiles, manifest: dict, arrays: dict, seq: int) -> str:
    """Write the map; when someone was erased while it was built (after change `seq`), leave their rows
    out first, and check again after writing (at most WRITE_ATTEMPTS times): a map file never keeps a
    person erased before it was written, as an index generation never does."""
    checked = seq
    for _ in range(WRITE_ATTEMPTS):
        last_delete = store.last_delete_seq()
        if last_delete > checked:
            arrays = drop_erased(store, arrays)
            checked = last_delete
        name = files.write(manifest, arrays)
        if store.last_delete_seq() <= checked:
            break
    return name


def drop_erased(store: ProfileStore, arrays: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """The map's arrays without the rows of people no longer stored."""
    rows = np.unique(np.concatenate([arrays[key] for key in ROW_GROUPS]))
    present = np.fromiter(store.get_many(rows.tolist()), dtype=np.int64)
    kept = dict(arrays)
    for key, group in ROW_GROUPS.items():
        keep = np.isin(arrays[key], present)
        for name in group:
            kept[name] = arrays[name][keep]
    return kept


def _collect(store: ProfileStore, embedder: Embedder) -> _Collected:
    got = _Collected([], [], [], {}, [], [], [], [], [], [], [], [], {}, [], [])
    goals_of: dict[str, tuple[int, str]] = {}  # id -> (row, goals) of active people, for programme needs
    batch: list = []

    def flush() -> None:
        stored = store.embeddings([s.row_id for s in batch], embedder.dim)
        for item in batch:
            _add_person(got, item, stored.get(item.row_id), embedder, goals_of)
        batch.clear()

    for item in store.iter_profiles(READ_BATCH):
        if item.profile.active:
            batch.append(item)
        if len(batch) >= READ_BATCH:
            flush()
    if batch:
        flush()
    for record in store.programmes() if hasattr(store, "programmes") else []:
        got.programmes.append(record.id)
        for member in store.cohort(record.id):
            row, goals = goals_of.get(member.profile_id or "", (None, ""))
            if row is None or member.need.strip() == goals.strip():
                continue
            for number, wish in enumerate(wishes(member.need)):
                _add_wish(got, row, wish, len(got.programmes) - 1, number, None)
    seen: set[tuple[str, str]] = set()
    for record in store.requests() if hasattr(store, "requests") else []:
        row, goals = goals_of.get(record.mentee_id, (None, ""))
        need = record.need.strip()
        if row is None or record.state == "withdrawn" or need == goals.strip() or (record.mentee_id, need) in seen:
            continue
        seen.add((record.mentee_id, need))
        got.requests.append(record.id)
        for number, wish in enumerate(wishes(need)):
            _add_wish(got, row, wish, request_source(len(got.requests) - 1), number, None)
    return got


def _add_person(got: _Collected, item, stored, embedder: Embedder, goals_of: dict) -> None:
    profile, row = item.profile, item.row_id
    available = findable(profile) and (profile.capacity - item.committed > 0 or profile.flash_hours_per_month > 0)
    goals = goals_text(profile)
    own = wishes(goals) if goals else []
    goals_of[profile.id] = (row, goals)
    department = (profile.department or "").strip()
    got.person_row.append(row)
    got.person_band.append(band_of(profile.seniority))
    got.person_department.append(got.departments.setdefault(department, len(got.departments)) if department else -1)
    for number, wish in enumerate(own):
        reuse = stored is not None and stored.goals is not None and len(own) == 1 and stored.model_key == embedder.key
        _add_wish(got, row, wish, PROGRAMME_NEED, number, stored.goals if reuse else None)
    if available:
        passages = profile_passages(profile)
        if stored is not None and stored.model_key == embedder.key and len(stored.passages) == len(passages):
            vectors = stored.passages
        else:  # not embedded yet by this model (an import in progress): embed the sentences here
            vectors = embedder.encode(passages)
        got.sentence_row.extend([row] * len(passages))
        got.sentence_text.extend(passages)
        got.sentence_vectors.append(np.asarray(vectors, dtype=np.float32))
        for tag in {t.strip().lower() for t in profile.skills if t.strip()}:
            got.tag_mentors.setdefault(tag, set()).add(row)


def _add_wish(got: _Collected, row: int, text: str, source: int, number: int, vector) -> None:
    got.wish_row.append(row)
    got.wish_text.append(text)
    got.wish_source.append(source)
    got.wish_index.append(number)
    got.wish_vector.append(vector)


def _embed_missing(got: _Collected, embedder: Embedder) -> None:
    """Run the model on the wishes the store holds no vector of (each distinct text once)."""
    missing = sorted({text for text, vector in zip(got.wish_text, got.wish_vector) if vector is None})
    if not missing:
        return
    by_text = dict(zip(missing, embedder.encode(missing)))
    got.wish_vector = [
        by_text[text] if vector is None else vector for text, vector in zip(got.wish_text, got.wish_vector)
    ]


class _Clock:
    """Seconds spent in each step of a build (for the report and the README's figures)."""

    def __init__(self) -> None:
        self.laps: dict[str, float] = {}
        self._last = time.perf_counter()

    def lap(self, name: str) -> None:
        now = time.perf_counter()
        self.laps[name] = round(now - self._last, 3)
        self._last = now


def _compute(got: _Collected, embedder: Embedder, settings: MapSettings, clock: _Clock):
    dim = embedder.dim
    wish_vectors = np.asarray(got.wish_vector, dtype=np.float32).reshape(-1, dim)
    wish_row = np.asarray(got.wish_row, dtype=np.int64)
    sentence_row = np.asarray(got.sentence_row, dtype=np.int64)
    index = sentence_index(np.concatenate(got.sentence_vectors) if got.sentence_vectors else np.zeros((0, dim)))
    got.sentence_vectors = []  # the index has its copy: hold the sentences' vectors once
    wanting = len(np.unique(wish_row))
    k = settings.topics or auto_topics(wanting)
    centroids = (
        fit_centroids(wish_vectors, person_weights(wish_row), k, settings.seed)
        if len(wish_row)
        else np.zeros((0, dim), np.float32)
    )
    wish_topic, _ = assign(wish_vectors, centroids) if len(centroids) else (np.zeros(0, np.int32), None)
    wish_topic = _renumber(merge_small(wish_vectors, wish_row, centroids, wish_topic, settings.min_group), wish_row)
    topics = int(wish_topic.max()) + 1 if len(wish_topic) else 0
    clock.lap("topics")
    best, answer_topic, answer_sentence = answer(
        wish_vectors, wish_row, wish_topic, topics, index, sentence_row, settings.threshold
    )
    del index

    supply = np.unique(answer_topic * (int(sentence_row.max(initial=0)) + 1) + sentence_row[answer_sentence])
    supply_topic, supply_row = np.divmod(supply, int(sentence_row.max(initial=0)) + 1)
    clock.lap("answers")
    terms = _labels(got, wish_row, wish_topic, sentence_row, answer_topic, answer_sentence, topics, settings)
    clock.lap("labels")
    skills, offered = _unasked_skills(got, embedder, wish_vectors, settings)
    clock.lap("skills")
    departments = sorted(got.departments, key=got.departments.get)
    manifest = {
        "topics": [{"id": t + 1, "terms": [[term, n] for term, n in terms[t]]} for t in range(topics)],
        "departments": departments,
        "skills": skills,
        "programmes": got.programmes,
        "requests": got.requests,
    }
    arrays = {
        "person_row": np.asarray(got.person_row, np.int64),
        "person_band": np.asarray(got.person_band, np.int8),
        "person_department": np.asarray(got.person_department, np.int32),
        "demand_row": wish_row,
        "demand_topic": (wish_topic + 1).astype(np.int32),
        "demand_score": best,
        "demand_source": np.asarray(got.wish_source, np.int32),
        "demand_wish": np.asarray(got.wish_index, np.int32),
        "supply_row": supply_row.astype(np.int64),
        "supply_topic": (supply_topic + 1).astype(np.int32),
        "offered_skill": offered[:, 0].astype(np.int32),
        "offered_row": offered[:, 1].astype(np.int64),
    }
    counts = {
        "people": len(got.person_row),
        "wishes": len(wish_row),
        "sentences": len(sentence_row),
        "mentors": len(np.unique(sentence_row)),
        "k": k,
    }
    return manifest, arrays, counts


def _labels(
    got: _Collected,
    wish_row: np.ndarray,
    wish_topic: np.ndarray,
    sentence_row: np.ndarray,
    answer_topic: np.ndarray,
    answer_sentence: np.ndarray,
    topics: int,
    settings: MapSettings,
) -> list[list[tuple[str, int]]]:
    """Each topic's label terms from its wishes (what people ask for, in their words); a topic whose wishes
    share fewer than LABEL_TERMS words widely enough takes more from the mentors' sentences that answer it."""
    terms = topic_terms(got.wish_text, wish_row, np.arange(len(wish_row)), wish_topic, topics, settings.min_group)
    short = [t for t in range(topics) if len(terms[t]) < LABEL_TERMS]
    if short and len(answer_sentence):
        pick = np.isin(answer_topic, short)
        used, position = np.unique(answer_sentence[pick], return_inverse=True)
        more = topic_terms(
            [got.sentence_text[i] for i in used],
            sentence_row[used],
            position,
            answer_topic[pick],
            topics,
            settings.min_group,
        )
        for t in short:
            have = {word for term, _ in terms[t] for word in term.split()}
            extra = [(term, n) for term, n in more[t] if not have & set(term.split())]
            terms[t] = terms[t] + extra[: LABEL_TERMS - len(terms[t])]
    return terms


def _renumber(topic: np.ndarray, row: np.ndarray) -> np.ndarray:
    """Topics numbered 0.. by how many people want them (most first; ties by the k-means number), the
    empty ones dropped, so that topic 1 is the most wanted."""
    if len(topic) == 0:
        return topic
    people = people_per_topic(topic, row, int(topic.max()) + 1)
    order = [t for t in np.lexsort((np.arange(len(people)), -people)) if people[t] > 0]
    new = np.full(len(people), -1, dtype=np.int32)
    new[order] = np.arange(len(order), dtype=np.int32)
    return new[topic]


def _unasked_skills(
    got: _Collected, embedder: Embedder, wish_vectors: np.ndarray, settings: MapSettings
) -> tuple[list[str], np.ndarray]:
    """Tags that at least min_group available mentors list and no wish comes near (cosine below the
    threshold), with their mentors: (skills, (skill index, mentor row) pairs)."""
    tags = sorted(tag for tag, mentors in got.tag_mentors.items() if len(mentors) >= settings.min_group)
    if not tags:
        return [], np.zeros((0, 2), np.int64)
    vectors = embedder.encode(tags)
    nearest = np.full(len(tags), -1.0, dtype=np.float32)
    if len(wish_vectors):
        scores, _ = sentence_index(wish_vectors).search(np.ascontiguousarray(vectors, dtype=np.float32), 1)
        nearest = scores[:, 0]
    skills = [tag for tag, near in zip(tags, nearest) if near < settings.threshold]
    pairs = [(i, row) for i, tag in enumerate(skills) for row in sorted(got.tag_mentors[tag])]
    return skills, np.asarray(pairs, dtype=np.int64).reshape(-1, 2)
