"""Which texts of a profile are embedded, and how their vectors come back as the profile's Embeddings.

Each profile gives its offers text (bio and skills), its goals (when it has any) and each bio sentence
(passage); all of a batch's texts go to the model in one length-sorted run. Used by imports, re-indexes,
catching up, and batch embedding on a cluster (the same function runs inside each worker).
"""

from __future__ import annotations

from dataclasses import dataclass

from ..profiles import Profile, goals_text, offers_text, profile_passages
from ..store import Embeddings
from .embedder import Embedder


@dataclass(frozen=True)
class TextLayout:
    """Where one profile's texts sit in a batch: offers, goals (-1: none), passages start and count."""

    offers: int
    goals: int
    passages_start: int
    passages: int


def profile_texts(profiles: list[Profile]) -> tuple[list[str], list[TextLayout]]:
    """The texts to embed for `profiles`, and where each profile's are among them.

    A passage equal to the whole offers text (a one-sentence bio, no skills) reuses the offers vector.
    """
    texts: list[str] = []
    layout: list[TextLayout] = []
    for profile in profiles:
        offers = offers_text(profile)
        offers_pos = len(texts)
        texts.append(offers)
        goals_pos = -1
        if goals_text(profile):
            goals_pos = len(texts)
            texts.append(goals_text(profile))
        passages = profile_passages(profile)
        if not passages or passages == [offers]:
            layout.append(TextLayout(offers_pos, goals_pos, offers_pos, 1))
        else:
            layout.append(TextLayout(offers_pos, goals_pos, len(texts), len(passages)))
            texts.extend(passages)
    return texts, layout


def passage_count(profile: Profile) -> int:
    """How many passage vectors embed_profiles makes for a profile (at least one)."""
    passages = profile_passages(profile)
    return 1 if not passages or passages == [offers_text(profile)] else len(passages)


def usable(embeddings: Embeddings | None, profile: Profile, model_key: str) -> bool:
    """True when stored embeddings were made by this model from the profile's texts as they are cut now.

    A change in how bios are cut into sentences (a better splitter) leaves some stored rows with
    another number of passage vectors: those are embedded again, the others are kept.
    """
    return (
        embeddings is not None
        and embeddings.model_key == model_key
        and len(embeddings.passages) == passage_count(profile)
    )


def embed_profiles(embedder: Embedder, profiles: list[Profile]) -> list[Embeddings]:
    """Embed offers, goals and passages of each profile in one length-sorted batch run."""
    texts, layout = profile_texts(profiles)
    vectors = embedder.encode(texts)
    return [
        Embeddings(
            embedder.key,
            vectors[at.offers],
            None if at.goals < 0 else vectors[at.goals],
            vectors[at.passages_start : at.passages_start + at.passages],
        )
        for at in layout
    ]
