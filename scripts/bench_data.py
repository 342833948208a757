"""Benchmark data for scripts/bench.py: realistic profiles composed from ESCO skill descriptions.

Each ESCO entry of the dev corpus is "labels ... Definition.": the labels (a preferred label run
together with its alternatives) and an imperative definition ("Operate and monitor the equipment
..."). A bio is 2-4 entries turned into first-person sentences ("In my current role I operate and
monitor ..."), with the entries' labels as skill tags, plus random seniority, styles, formats,
time zone and languages. Goals are another entry's label ("I want to learn how to ...").

Everything is seeded: the same N and seed give the same file.
"""

from __future__ import annotations

import json
import random
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import numpy as np

STYLES = ["reverse", "flash", "e-mentoring", "traditional", "two-way"]
TIMEZONES = [
    "Europe/Berlin",
    "Europe/London",
    "Europe/Paris",
    "Europe/Madrid",
    "Europe/Warsaw",
    "America/New_York",
    "America/Chicago",
    "America/Los_Angeles",
    "America/Sao_Paulo",
    "Asia/Kolkata",
    "Asia/Singapore",
    "Asia/Tokyo",
    "Australia/Sydney",
    "Africa/Lagos",
    "Africa/Nairobi",
]
LANGUAGES = ["en", "de", "fr", "es", "pl", "pt", "it", "nl", "hi", "ja"]
DEPARTMENTS = [
    "Engineering",
    "Operations",
    "Finance",
    "Sales",
    "Marketing",
    "Human Resources",
    "Legal",
    "Logistics",
    "Customer Service",
    "Research",
    "Production",
    "Health and Safety",
    "Facilities",
]
FIRST = [
    "Ada",
    "Ben",
    "Chloe",
    "Dev",
    "Elif",
    "Femi",
    "Grace",
    "Hiro",
    "Ines",
    "Jonas",
    "Kemal",
    "Lena",
    "Mateo",
    "Nadia",
    "Omar",
    "Priya",
    "Quentin",
    "Rosa",
    "Sven",
    "Tariq",
    "Uma",
    "Viktor",
    "Wen",
    "Yara",
    "Zoe",
]
LAST = [
    "Adeyemi",
    "Bauer",
    "Costa",
    "Dubois",
    "Eriksen",
    "Fischer",
    "Garcia",
    "Haddad",
    "Ito",
    "Jansen",
    "Kowalski",
    "Lopez",
    "Moreau",
    "Nowak",
    "Okafor",
    "Patel",
    "Rossi",
    "Schmidt",
    "Tanaka",
    "Weber",
    "Yilmaz",
    "Zhang",
]
OPENERS = [
    "For {y} years I have worked in {d}.",
    "I have {y} years of experience in {d}.",
    "I joined {d} {y} years ago and still love the work.",
    "I work in {d} and have done so for {y} years.",
]
SKILL_SENTENCES = [
    "In my current role I {v}",
    "Often I {v}",
    "Previously I {v}",
    "I also {v}",
    "Day to day I {v}",
    "Much of my work is this: I {v}",
]
KNOWLEDGE_SENTENCES = ["I know a lot about {n}", "I studied {n}", "People ask me about {n}"]
CLOSERS = ["Ask me about {l}.", "Happy to help anyone with {l}.", "I enjoy teaching {l}.", ""]
GOALS = ["I want to learn more about {l}.", "I would like to get better at {l} and {l2}.", "Next on my list: {l}.", ""]
_DEF_START = re.compile(r"\s(?=([A-Z][a-z'\u2019-]*))(?=[A-Z][a-z'\u2019 -])")
_NOUN_START = re.compile(
    r"^(The|A|An|This|These|Those|Techniques|Methods|Principles|Types|Characteristics|"
    r"Rules|Laws|Processes|Procedures|Regulations|Various|Field|Study|Theory|Practices)\b"
)
_TRAILING = {"on", "with", "of", "to", "and", "for", "the", "a", "an", "in", "at", "by", "or"}


@dataclass(frozen=True)
class Entry:
    """One ESCO skill: a short label and its definition."""

    label: str
    definition: str


def read_esco(corpus: Path) -> list[Entry]:
    """The ESCO entries of a BEIR corpus.jsonl, split into a short label and a definition."""
    with open(corpus, encoding="utf-8") as fh:
        texts = [json.loads(line)["text"].strip() for line in fh]
    # Labels may hold proper nouns ("Catholic law", "Python 3K"): the definition starts at the first
    # capitalised word that often starts a definition ("Perform", "The", ...) across the corpus.
    starts = Counter(m.group(1) for t in texts for m in _DEF_START.finditer(t))
    entries = []
    for text in texts:
        found = list(_DEF_START.finditer(text))
        if not found:
            continue
        m = next((c for c in found if starts[c.group(1)] >= 20), found[0])
        labels, definition = text[: m.start()], text[m.start() + 1 :].strip()
        if not definition.endswith((".", "!", "?")):
            definition += "."
        entries.append(Entry(_preferred_label(labels.split()), definition))
    return entries


def _preferred_label(words: list[str]) -> str:
    """The preferred label, guessed from where the run of alternative labels starts repeating words."""
    seen: dict[str, int] = {}
    end = min(len(words), 5)
    for j, w in enumerate(words):
        if w in seen:
            i = seen[w]
            run = 1
            while j + run < len(words) and i + run < j and words[i + run] == words[j + run]:
                run += 1
            # A label that starts the same way restarts at j; otherwise the repeated run belongs to
            # both labels and the first one ends after it (or, for a single shared word, aligns with j).
            end = min(j if i == 0 else (j - i if run == 1 else i + run), 5)
            break
        seen[w] = j
    label = words[: max(end, 1)]
    while len(label) > 1 and label[-1] in _TRAILING:
        label.pop()
    return " ".join(label)[:60]


def _first_person(entry: Entry, rng: random.Random) -> str:
    d = entry.definition
    if _NOUN_START.match(d):
        return rng.choice(KNOWLEDGE_SENTENCES).format(n=d[0].lower() + d[1:])
    return rng.choice(SKILL_SENTENCES).format(v=d[0].lower() + d[1:], V=d)


def make_profile(i: int, entries: list[Entry], rng: random.Random) -> dict:
    """One profile composed from 2-4 random ESCO entries."""
    picked = rng.sample(entries, rng.randint(2, 4))
    sentences = [rng.choice(OPENERS).format(y=rng.randint(1, 30), d=rng.choice(DEPARTMENTS))]
    sentences += [_first_person(e, rng) for e in picked]
    closer = rng.choice(CLOSERS).format(l=picked[0].label)
    if closer:
        sentences.append(closer)
    goal_a, goal_b = rng.sample(entries, 2)
    styles = rng.sample(STYLES, rng.randint(1, 4)) if rng.random() < 0.85 else []
    seniority = rng.randint(1, 10)
    return {
        "id": f"p{i:07d}",
        "name": f"{rng.choice(FIRST)} {rng.choice(LAST)}",
        "title": f"{rng.choice(['Junior', 'Senior', 'Lead', 'Principal', ''])} "
        f"{rng.choice(DEPARTMENTS)} specialist".strip(),
        "seniority": seniority,
        "bio": " ".join(sentences),
        "skills": list(dict.fromkeys(e.label for e in picked)),
        "goals": rng.choice(GOALS).format(l=goal_a.label, l2=goal_b.label),
        "styles": styles,
        "formats": rng.choice([["in-person", "virtual"], ["virtual"], ["in-person"]]),
        "timezone": rng.choice(TIMEZONES),
        "languages": rng.sample(LANGUAGES, rng.randint(1, 3)),
        "department": rng.choice(DEPARTMENTS),
        "capacity": rng.choice([0, 1, 1, 2, 3]),
        "flash_hours_per_month": rng.choice([0, 0, 1, 2, 4, 8]),
    }


def write_profiles(path: Path, n: int, entries: list[Entry], seed: int = 0) -> Path:
    """Write n profiles as JSON Lines (unless the file is already there)."""
    if path.exists():
        return path
    rng = random.Random(seed)
    tmp = path.with_suffix(".tmp")
    with open(tmp, "w", encoding="utf-8") as fh:
        for i in range(n):
            fh.write(json.dumps(make_profile(i, entries, rng), ensure_ascii=False) + "\n")
    tmp.rename(path)
    return path


def write_changed(src: Path, dst: Path, entries: list[Entry], share: float, seed: int) -> int:
    """Copy a profile file, editing the bio of `share` of the profiles; returns how many were edited.

    An edit replaces one sentence of the bio with a sentence about another ESCO entry and adds
    that entry's label to the skills (what a person updating their profile does).
    """
    rng = random.Random(seed)
    lines = src.read_text(encoding="utf-8").splitlines()
    chosen = set(rng.sample(range(len(lines)), max(1, round(share * len(lines)))))
    with open(dst, "w", encoding="utf-8") as fh:
        for i, line in enumerate(lines):
            if i in chosen:
                p = json.loads(line)
                entry = rng.choice(entries)
                sentences = re.split(r"(?<=[.!?])\s+", p["bio"])
                sentences[rng.randrange(len(sentences))] = _first_person(entry, rng)
                p["bio"] = " ".join(sentences)
                p["skills"] = list(dict.fromkeys(p["skills"] + [entry.label]))[:50]
                line = json.dumps(p, ensure_ascii=False)
            fh.write(line + "\n")
    return len(chosen)


def mixture_vectors(anchors: np.ndarray, n: int, seed: int = 0, noise: float = 0.0075, chunk: int = 100_000):
    """Yield unit vectors like real bio embeddings: a weighted mix of 2-4 real skill embeddings
    (`anchors`, unit rows) plus Gaussian noise, in chunks of `chunk` rows (float32).

    The noise (per dimension) is calibrated on the real bio vectors of the 10k run, on the statistic
    that decides how hard approximate search is: 10k vectors made here lie as close to their 10
    nearest neighbours as the 10k real ones do (mean cosine 0.613 vs 0.612; to all others 0.296 vs
    0.312), and the dev set's needs pick them out as distinctly (top-10 vs mean cosine, in standard
    deviations: 2.71 vs 2.77). (Noise 0.035, used before, made them far looser than real bios, 0.45.)
    """
    rng = np.random.default_rng(seed)
    dim = anchors.shape[1]
    for start in range(0, n, chunk):
        m = min(chunk, n - start)
        out = np.zeros((m, dim), dtype=np.float32)
        k = rng.integers(2, 5, size=m)
        for j in range(4):
            pick = rng.integers(0, len(anchors), size=m)
            w = rng.uniform(0.5, 1.0, size=m).astype(np.float32) * (j < k)
            out += w[:, None] * anchors[pick]
        out += rng.standard_normal((m, dim), dtype=np.float32) * noise * np.linalg.norm(out, axis=1, keepdims=True)
        out /= np.linalg.norm(out, axis=1, keepdims=True)
        yield out
