#!/usr/bin/env python
"""How well each way of reading a need's topics does, on the demo people's goals and a lists set's requests.

Methods (the same needs for each):
- "need grammar": matcher.programmes.topics.need_topics, what plans use;
- "clauses (before)": the plans' topics before issue 23: each clause's span of content words;
- "KeyBERT": keybert over this project's model, n-grams of 1-3 words, MMR (diversity 0.5);
- "YAKE": yake, n-grams of up to 3 words.
KeyBERT and YAKE keep the k best phrases, k being the number of items the need lists (known here: an
oracle in their favour); they are not dependencies of the project: `pip install keybert yake` to measure them.

Figures, per method, over every topic it gives:
- filler: the topic is a function or filler word, or starts with one ("Next", "love to post ...");
- verb fragment: it starts with the need's own infinitive verb, as written ("run ...", "brief designers");
- names nothing: no word that names a thing (a noun in lemminflect's lexicon, a name, a gerund);
- dangling: it ends in a word that says how, not what ("agencies well", "with confidence");
- lists set only: precision and recall of the exact items of "I'd like help with A, B" and "I want to build
  expertise in C, D" (case-insensitive).

    scripts/measure_topics.py                                   # the demo goals
    scripts/measure_topics.py --lists ../shared/eval/peoplegrove-dev/queries.jsonl --failures 10
    scripts/measure_topics.py --smoke                           # seconds: a few needs, no KeyBERT
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from matcher.cli import demo_profiles_path
from matcher.programmes.topics import FILLER, names_something, need_topics
from matcher.text.need import clauses, content_words

FUNCTION = {
    "i",
    "to",
    "a",
    "an",
    "the",
    "and",
    "or",
    "with",
    "for",
    "in",
    "on",
    "of",
    "my",
    "want",
    "like",
    "love",
    "hope",
    "help",
    "would",
    "study",
    "next",
    "also",
    "ideally",
}
DANGLING = re.compile(r"\b(?:well|better|confidence|confidently|calmly|quickly|properly|own|day)$", re.IGNORECASE)
ITEM_LISTS = re.compile(r"(?:I'd like help with|I want to build expertise in)\s+(.*?)(?:(?<!vs)\.\s|\.$|$)")


def before_topics(need: str) -> list[str]:
    """The plans' topics before issue 23: each clause cut at punctuation and "and"/"or", from its first to
    its last content word."""
    topics: dict[str, str] = {}
    for clause in clauses(need):
        words = content_words(clause)
        if words:
            spans = [m for w in (words[0], words[-1]) for m in re.finditer(rf"(?<![\w]){re.escape(w)}(?![\w])", clause)]
            start, end = spans[0].start(), spans[-1].end()
            topics.setdefault(clause[start:end].lower(), clause[start:end])
    return list(topics.values())


def list_items(need: str) -> list[str]:
    """The gold items of a lists request: each item of its "help with" and "expertise in" lists."""
    items = []
    for found in ITEM_LISTS.finditer(need):
        items += [re.sub(r"\s+and more$", "", i.strip()) for i in re.split(r",\s+", found.group(1).rstrip("."))]
    return items


def demo_items(need: str) -> int:
    """How many things a demo goal names (the generator joins two with "and also" / ", and ideally")."""
    return 1 + len(re.findall(r" and also |, and ideally ", need))


def infinitives(need: str) -> set[str]:
    return {m.lower() for m in re.findall(r"\bto\s+([A-Za-z]+)", need)}


def judge(topic: str, need: str) -> dict[str, bool]:
    from lemminflect import getAllLemmas

    first = topic.split()[0].lower() if topic.split() else ""
    return {
        "filler": not topic.strip() or first in FUNCTION or first in FILLER,
        "verb fragment": first in infinitives(need) and "VERB" in getAllLemmas(first) and not first.endswith("ing"),
        "names nothing": not names_something(topic),
        "dangling": bool(DANGLING.search(topic)),
    }


def measure(method, needs: list[str], k_of, gold_of=None, failures: int = 0) -> dict:
    counts = {
        "needs": len(needs),
        "topics": 0,
        "needs without topics": 0,
        "filler": 0,
        "verb fragment": 0,
        "names nothing": 0,
        "dangling": 0,
    }
    hits = gold_total = found_total = 0
    shown = []
    started = time.perf_counter()
    for need in needs:
        topics = method(need, k_of(need))
        counts["topics"] += len(topics)
        counts["needs without topics"] += not topics
        bad = []
        for topic in topics:
            verdict = judge(topic, need)
            for name, flagged in verdict.items():
                counts[name] += flagged
            if any(verdict.values()):
                bad.append(topic)
        if gold_of is not None:
            gold = {g.lower() for g in gold_of(need)}
            got = {t.lower() for t in topics}
            hits += len(gold & got)
            gold_total += len(gold)
            found_total += len(got)
            if gold != got:
                bad.append(f"missed {sorted(gold - got)[:3]}, extra {sorted(got - gold)[:3]}")
        if bad and len(shown) < failures:
            shown.append({"need": need[:160], "topics": topics, "flagged": bad})
    out = dict(counts)
    total = max(counts["topics"], 1)
    for name in ("filler", "verb fragment", "names nothing", "dangling"):
        out[f"{name} %"] = round(100 * counts[name] / total, 1)
    if gold_of is not None:
        out["item precision %"] = round(100 * hits / max(found_total, 1), 1)
        out["item recall %"] = round(100 * hits / max(gold_total, 1), 1)
    out["seconds"] = round(time.perf_counter() - started, 2)
    out["examples"] = shown
    return out


def methods(with_libraries: bool) -> dict:
    found = {
        "need grammar": lambda need, k: need_topics(need, most=50),
        "clauses (before)": lambda need, k: before_topics(need),
    }
    if not with_libraries:
        return found
    try:
        import yake

        extractor = yake.KeywordExtractor(lan="en", n=3, top=20)
        found["YAKE"] = lambda need, k: [phrase for phrase, _ in extractor.extract_keywords(need)][:k]
    except ImportError:
        print("YAKE is not installed: skipped (pip install yake)", file=sys.stderr)
    try:
        from keybert import KeyBERT
        from keybert.backend import BaseEmbedder

        from matcher.config import Settings
        from matcher.model.embedder import Embedder

        embedder = Embedder.from_settings(Settings())

        class ProjectModel(BaseEmbedder):
            def embed(self, documents, verbose=False):
                return embedder.encode_queries(list(documents), None)

        keybert = KeyBERT(model=ProjectModel())
        found["KeyBERT"] = lambda need, k: [
            phrase
            for phrase, _ in keybert.extract_keywords(
                need, keyphrase_ngram_range=(1, 3), stop_words="english", top_n=k, use_mmr=True, diversity=0.5
            )
        ]
    except ImportError:
        print("KeyBERT is not installed: skipped (pip install keybert)", file=sys.stderr)
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--lists", type=Path, help='a lists set\'s queries.jsonl ({"text": ...} a line)')
    parser.add_argument("--limit", type=int, help="at most this many needs of each set")
    parser.add_argument("--failures", type=int, default=0, help="show this many flagged needs per method")
    parser.add_argument("--smoke", action="store_true", help="a few needs, without KeyBERT and YAKE")
    parser.add_argument("--without-libraries", action="store_true", help="only this project's two methods")
    parser.add_argument("--out", type=Path, help="write the report as JSON here")
    args = parser.parse_args(argv)
    limit = 20 if args.smoke else args.limit
    people = [json.loads(line) for line in demo_profiles_path().read_text(encoding="utf-8").splitlines() if line]
    sets = {"demo goals": ([p["goals"] for p in people if p.get("goals")][:limit], demo_items, None)}
    if args.lists:
        texts = [json.loads(line)["text"] for line in args.lists.read_text(encoding="utf-8").splitlines() if line]
        sets["lists requests"] = (texts[:limit], lambda need: max(1, len(list_items(need))), list_items)
    report = {}
    for name, method in methods(not (args.smoke or args.without_libraries)).items():
        for set_name, (needs, k_of, gold_of) in sets.items():
            report[f"{set_name} / {name}"] = measure(method, needs, k_of, gold_of, args.failures)
    columns = [
        "needs",
        "topics",
        "needs without topics",
        "filler %",
        "verb fragment %",
        "names nothing %",
        "dangling %",
        "item precision %",
        "item recall %",
    ]
    print("| set / method | " + " | ".join(columns) + " |")
    print("|---" * (len(columns) + 1) + "|")
    for key, row in report.items():
        print(f"| {key} | " + " | ".join(str(row.get(c, "")) for c in columns) + " |")
    for key, row in report.items():
        for example in row["examples"]:
            print(f"\n{key}: {example['need']}\n  topics: {example['topics']}\n  flagged: {example['flagged']}")
    if args.out:
        args.out.write_text(json.dumps(report, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
