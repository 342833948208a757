"""Training pairs and self-check probes made from profiles' own texts, without labels.

A profile teaches the model that two views of the same person belong together:
- tags: its title and skill tags (the anchor) with its bio (the positive);
- sentence: one bio sentence with the rest of its bio (the inverse cloze task: a short text finds the
  longer text it came from, as a need finds a bio);
- span: for a bio of one sentence, a run of its words with the words around it.

The other pairs of a batch are its negatives (MultipleNegativesRankingLoss), so a batch never holds
two pairs of one profile, nor a text twice (a duplicate would be a negative that is really right).

Which profiles are held back for the self-check depends only on their id (a stable hash), so every
adaptation with the same `--holdout` holds back the same people: a model adapted earlier never
trained on the profiles a later self-check asks about. Everything here stays in memory.
"""

from __future__ import annotations

import hashlib
import random
from collections import Counter, deque
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from ...profiles import Profile, findable, split_passages

MIN_SPAN_WORDS = 8  # a one-sentence bio shorter than this makes no span pair
PAIRS_PER_PROFILE = 4  # the most pairs one profile gives (long bios would otherwise weigh most)
LENGTH_WINDOW = 64  # batches' worth of pairs sorted by length together (length_batches)
LENGTH_GROUP = 4  # batches' worth of about equally long positives then sorted by anchor (length_batches)
_SPLIT_SALT = b"mentor-match adapt holdout v1"


@dataclass(frozen=True)
class TrainingPair:
    """Two texts of one profile: the anchor should find the positive among the batch's positives."""

    anchor: str
    positive: str
    kind: str  # "tags", "sentence" or "span"
    source: int  # which profile (an index into the list given), so a batch holds one pair per profile


@dataclass(frozen=True)
class Probe:
    """A self-check question: `query` should retrieve `document` among the other probes' documents."""

    query: str
    document: str
    kind: str


def tags_text(profile: Profile) -> str:
    """The profile's title and skill tags as one short text ("" when it has neither)."""
    parts = ([profile.title] if profile.title else []) + list(profile.skills)
    return ", ".join(part.strip() for part in parts if part and part.strip())


def usable(profile: Profile) -> bool:
    """True when the profile may train the model and can make a pair: an active, discoverable mentor
    (the people a match may show; nobody hidden or inactive) with tags, two bio sentences, or a long
    enough sentence."""
    if not findable(profile):
        return False
    bio = profile.bio.strip()
    return bool(tags_text(profile)) or len(split_passages(bio)) >= 2 or len(bio.split()) >= MIN_SPAN_WORDS


def held_back(profile_id: str, fraction: float) -> bool:
    """True when the profile belongs to the self-check's held-back share (stable: a hash of its id)."""
    digest = hashlib.blake2b(_SPLIT_SALT + profile_id.encode("utf-8"), digest_size=8).digest()
    return int.from_bytes(digest, "big") / 2**64 < fraction


def split(profiles: Iterable[Profile], fraction: float) -> tuple[list[Profile], list[Profile]]:
    """The usable profiles, as (to train on, held back for the self-check)."""
    train, held = [], []
    for profile in profiles:
        if usable(profile):
            (held if held_back(profile.id, fraction) else train).append(profile)
    return train, held


def _rest(passages: list[str], skip: int) -> str:
    return " ".join(p for i, p in enumerate(passages) if i != skip)


def _span(words: list[str], rng: random.Random) -> tuple[str, str]:
    """A run of 20-40% of the words (at least 3), and the words around it."""
    size = max(3, round(len(words) * rng.uniform(0.2, 0.4)))
    start = rng.randrange(0, len(words) - size + 1)
    return " ".join(words[start : start + size]), " ".join(words[:start] + words[start + size :])


def profile_pairs(
    profile: Profile, source: int, rng: random.Random, most: int = PAIRS_PER_PROFILE
) -> list[TrainingPair]:
    """Up to `most` pairs from one profile: its tags with its bio first, then sentences with the rest.

    Args:
        profile: a usable profile (see `usable`).
        source: its index, carried by each pair.
        rng: the random source (which sentences, which span).
        most: the most pairs to make.
    Returns:
        The pairs (possibly none).
    """
    bio = profile.bio.strip()
    pairs: list[TrainingPair] = []
    tags = tags_text(profile)
    if tags and bio:
        pairs.append(TrainingPair(tags, bio, "tags", source))
    passages = split_passages(bio)
    if len(passages) >= 2:
        order = list(range(len(passages)))
        rng.shuffle(order)
        pairs.extend(TrainingPair(passages[i], _rest(passages, i), "sentence", source) for i in order)
    elif len(bio.split()) >= MIN_SPAN_WORDS:
        anchor, positive = _span(bio.split(), rng)
        pairs.append(TrainingPair(anchor, positive, "span", source))
    return pairs[:most]


def training_pairs(profiles: list[Profile], most: int, seed: int = 0) -> list[TrainingPair]:
    """Pairs from every profile, spread evenly: each gives the same share of `most` (at least one, at
    most PAIRS_PER_PROFILE), in random order; a pair seen already (two people with the same words) is
    made once.

    Args:
        profiles: the profiles to train on.
        most: the most pairs to return.
        seed: the random seed (the same profiles and seed give the same pairs).
    Returns:
        The pairs, shuffled.
    """
    rng = random.Random(seed)
    each = max(1, min(PAIRS_PER_PROFILE, most // max(len(profiles), 1)))
    order = list(range(len(profiles)))
    rng.shuffle(order)
    pairs: list[TrainingPair] = []
    seen: set[tuple[str, str]] = set()
    for index in order:
        for pair in profile_pairs(profiles[index], index, rng, each):
            if (pair.anchor, pair.positive) not in seen:
                seen.add((pair.anchor, pair.positive))
                pairs.append(pair)
        if len(pairs) >= most:
            break
    rng.shuffle(pairs)
    return pairs[:most]


def kinds(pairs: Iterable[TrainingPair]) -> dict[str, int]:
    """How many pairs of each kind."""
    return dict(Counter(pair.kind for pair in pairs))


def probe(profile: Profile) -> Probe | None:
    """The self-check question of a held-back profile: its tags should find its bio; without tags, one
    of its bio sentences (or a span of a one-sentence bio) should find the rest. The choice depends on
    the id only, so both models answer the same question."""
    rng = random.Random(profile.id)
    pairs = profile_pairs(profile, 0, rng, most=1)
    return Probe(pairs[0].anchor, pairs[0].positive, pairs[0].kind) if pairs else None


def probes(profiles: list[Profile], most: int) -> list[Probe]:
    """The probes of up to `most` held-back profiles (those first in a stable hash order)."""
    ordered = sorted(profiles, key=lambda p: hashlib.blake2b(p.id.encode("utf-8"), digest_size=8).digest())
    found = [q for q in (probe(p) for p in ordered) if q is not None]
    return found[:most]


def length_batches(pairs: list[TrainingPair], size: int, seed: int = 0) -> list[list[TrainingPair]]:
    """Batches of up to `size` pairs whose texts are about equally long, in random order; as in
    `batches`, none holds two pairs of one profile or one text twice.

    A batch is padded to its longest text on each side, and these texts vary a lot (a sentence of 15
    tokens, a bio of 120): in random batches 55-70% of a step's tokens were padding (0.45-0.6x the
    tokens with this grouping). Within windows of LENGTH_WINDOW batches of the shuffled order (so a
    batch's negatives still come from across the profiles) pairs are sorted by their positive's
    length; each LENGTH_GROUP batches' worth of them is sorted by anchor length (each side is padded
    on its own) and dealt into LENGTH_GROUP batches, a pair going to the first one where it clashes
    with nothing (a profile's pairs are about equally long, so they sit side by side). Pairs that fit
    nowhere are batched at the end.

    Args:
        pairs: the pairs, shuffled.
        size: pairs a batch (at least 2).
        seed: the random seed of the batches' order.
    Returns:
        The batches (each of at least two pairs), in random order.
    """
    rng = random.Random(seed)
    out: list[list[TrainingPair]] = []
    spill: list[TrainingPair] = []
    window, group = size * LENGTH_WINDOW, size * LENGTH_GROUP
    for start in range(0, len(pairs), window):
        chunk = sorted(pairs[start : start + window], key=lambda p: len(p.positive))
        for first in range(0, len(chunk), group):
            part = sorted(chunk[first : first + group], key=lambda p: len(p.anchor))
            dealt: list[tuple[list[TrainingPair], set[int], set[str]]] = []
            for pair in part:
                for batch, sources, texts in dealt:
                    if (
                        len(batch) < size
                        and pair.source not in sources
                        and pair.anchor not in texts
                        and pair.positive not in texts
                    ):
                        break
                else:
                    if len(dealt) * size >= len(part):
                        spill.append(pair)
                        continue
                    dealt.append(([], set(), set()))
                    batch, sources, texts = dealt[-1]
                batch.append(pair)
                sources.add(pair.source)
                texts.update((pair.anchor, pair.positive))
            for batch, _, _ in dealt:
                if len(batch) >= max(2, size // 2):  # a batch much smaller than asked: its pairs wait
                    out.append(batch)
                else:
                    spill.extend(batch)
    out.extend(batches(spill, size))
    rng.shuffle(out)
    return out


def batches(pairs: list[TrainingPair], size: int) -> Iterator[list[TrainingPair]]:
    """Batches of `size` pairs in the given order, none holding two pairs of one profile or one text
    twice: a pair that would clash waits for a later batch. Stops when fewer than two pairs are left
    that fit together (one pair has no in-batch negative).

    Args:
        pairs: the pairs, shuffled.
        size: pairs a batch (at least 2).
    Yields:
        Lists of pairs.
    """
    pending = deque(pairs)
    while pending:
        batch: list[TrainingPair] = []
        sources: set[int] = set()
        texts: set[str] = set()
        waiting: list[TrainingPair] = []
        while pending and len(batch) < size:
            pair = pending.popleft()
            if pair.source in sources or pair.anchor in texts or pair.positive in texts:
                waiting.append(pair)
                continue
            batch.append(pair)
            sources.add(pair.source)
            texts.update((pair.anchor, pair.positive))
        pending.extendleft(reversed(waiting))
        if len(batch) < 2:
            return
        yield batch
