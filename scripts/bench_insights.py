#!/usr/bin/env python
"""The skills map (issue 24): what a build costs at N profiles, and how well its topics recover the request
categories of a list-like dev set.

Cost (`--profiles N`, default 10k): N profiles composed by bench_data from an ESCO-style corpus (default the
project's small tests/data/skills corpus; the README's figures pass the ESCO dev set's corpus with
--corpus), stored in a fresh SQLite store with vectors shaped like real ones, without running the model
on them: every bio sentence and goal is the embedding of its ESCO entry (the entries are embedded once)
plus noise (cosine about 0.8 to it); openers and closers get a mix of two entries. The build then runs
in a fresh child process, as `mentor-match insights build` does: its seconds, the seconds of each step,
and its peak memory above the process with the model loaded ("peak MB": VmHWM, reset before the build,
minus VmRSS before it).

Quality (`--lists DIR`, a BEIR set like peoplegrove-dev: mentors in corpus.jsonl, mentees' requests in
queries.jsonl, "I'd like help with A, B. I want to build expertise in C."): the mentees' texts are stored as
goals and the mentors' as bios (the real model embeds them: minutes), the map is built, and every wish
that names exactly one request category or one industry is scored: purity (each topic's share of its
most common category), inverse purity (each category's share in its most common topic), NMI, and for
each category the topic most of it lands in, with that topic's label.

    scripts/bench_insights.py --profiles 10000 --corpus ../shared/eval/esco-skills-dev/corpus.jsonl
    scripts/bench_insights.py --smoke                      # 300 profiles, seconds (CI)
    scripts/bench_insights.py --lists ../shared/eval/peoplegrove-dev
    scripts/bench_insights.py --demo                       # the demo: topics against the areas its goals came from
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench_data  # noqa: E402
import numpy as np  # noqa: E402

from matcher.config import Settings  # noqa: E402
from matcher.model.embedder import Embedder  # noqa: E402
from matcher.profiles import content_hash, goals_text, parse_profile, profile_passages, text_hash  # noqa: E402
from matcher.store import Embeddings, Write, open_store  # noqa: E402

CORPUS = ROOT / "tests" / "data" / "skills" / "corpus.jsonl"
NOISE = 0.038  # per dimension: a 384-dim unit vector plus this noise keeps a cosine of about 0.8 to it
WRITE_BATCH = 1000


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


# -- cost -----------------------------------------------------------------------------------------------


def near(anchor: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    vector = anchor + rng.standard_normal(anchor.shape).astype(np.float32) * NOISE
    return vector / np.linalg.norm(vector)


def fill_store(data_dir: Path, n: int, corpus: Path, seed: int, anchors_file: Path | None = None) -> dict:
    """n bench_data profiles with vectors near their ESCO entries' embeddings, written straight to the store."""
    entries = bench_data.read_esco(corpus)
    embedder = Embedder.from_settings(Settings())
    if anchors_file is not None and anchors_file.exists():
        anchors = np.load(anchors_file)
    else:
        log(f"embedding {len(entries)} corpus entries (the anchors)")
        anchors = embedder.encode([f"{e.label}. {e.definition}" for e in entries])
        if anchors_file is not None:
            np.save(anchors_file, anchors)
    by_label = {e.label: i for i, e in enumerate(entries)}
    rng, noise = random.Random(seed), np.random.default_rng(seed)
    store = open_store(Settings(data_dir=data_dir))
    started, writes = time.perf_counter(), []
    try:
        for i in range(n):
            profile = parse_profile(bench_data.make_profile(i, entries, rng))
            mine = [by_label[s] for s in profile.skills if s in by_label]
            sentences = []
            for passage in profile_passages(profile):
                own = [j for j in mine if entries[j].definition[1:40].lower() in passage.lower()]
                if own:
                    sentences.append(near(anchors[own[0]], noise))
                else:  # an opener or a closer: a mix of two of the person's entries
                    pair = (
                        anchors[noise.choice(mine, 2)] if len(mine) > 1 else anchors[noise.integers(0, len(anchors), 2)]
                    )
                    sentences.append(near(pair.mean(axis=0), noise))
            wanted = [j for label, j in by_label.items() if label and label in profile.goals]
            goals = None
            if goals_text(profile):
                goals = near(anchors[wanted].mean(axis=0) if wanted else anchors[noise.integers(len(anchors))], noise)
            offers = near(np.mean(sentences, axis=0), noise)
            emb = Embeddings(embedder.key, offers, goals, np.asarray(sentences, dtype=np.float32))
            writes.append(Write(profile, content_hash(profile), text_hash(profile), emb))
            if len(writes) >= WRITE_BATCH:
                store.write(writes)
                writes = []
        if writes:
            store.write(writes)
        count = store.count()
    finally:
        store.close()
    return {"profiles": count, "seconds": round(time.perf_counter() - started, 1), "corpus_entries": len(entries)}


def _status_kb(field: str) -> int:
    with open("/proc/self/status") as fh:
        return next(int(line.split()[1]) for line in fh if line.startswith(field))


def child_build(data_dir: Path) -> dict:
    """In a fresh process: open the service, load the model, build the map; seconds and peak memory growth."""
    from matcher.insights.summary import build_summary
    from matcher.service import MatchService

    service = MatchService(Settings(data_dir=data_dir))
    try:
        service.embedder.encode(["warm up"])
        with open("/proc/self/clear_refs", "w") as fh:
            fh.write("5")  # reset the peak resident set to the current one
        before = _status_kb("VmRSS")
        report = service.insights.build()
        peak = _status_kb("VmHWM")
        stored = service.insights.current()
        started = time.perf_counter()  # what a GET /v1/insights computes (less catching up with the store)
        build_summary(stored.tables().only(stored.arrays["person_row"]), 5, 0.5)
        summary_seconds = time.perf_counter() - started
    finally:
        service.close()
    return {
        **report,
        "rss_before_mb": round(before / 1024, 1),
        "peak_mb": round((peak - before) / 1024, 1),
        "summary_seconds": round(summary_seconds, 3),
    }


def bench_cost(n: int, corpus: Path, seed: int, keep: Path | None = None, anchors: Path | None = None) -> dict:
    if keep is not None:
        return _cost(keep, n, corpus, seed, anchors)
    with tempfile.TemporaryDirectory(prefix="bench-insights.") as folder:
        return _cost(Path(folder), n, corpus, seed, anchors)


def _cost(work: Path, n: int, corpus: Path, seed: int, anchors: Path | None) -> dict:
    if (work / "data" / "profiles.db").exists():  # --data: a store filled by an earlier run
        filled = {"profiles": n, "corpus_entries": None}
        log(f"building the map of the profiles stored in {work} in a child process")
    else:
        log(f"making {n} profiles in {work}")
        filled = fill_store(work / "data", n, corpus, seed, anchors)
        log(f"stored {filled['profiles']} profiles in {filled['seconds']} s; building the map in a child process")
    child = subprocess.run(
        [sys.executable, __file__, "--child", str(work / "data")],
        capture_output=True,
        text=True,
        env=dict(os.environ, PYTHONPATH=str(ROOT)),
        cwd=ROOT,
    )
    if child.returncode != 0:
        raise SystemExit(f"the build failed:\n{child.stderr[-3000:]}")
    return {
        "profiles": filled["profiles"],
        "corpus": corpus.name,
        "corpus_entries": filled["corpus_entries"],
        "build": json.loads(child.stdout.strip().splitlines()[-1]),
    }


# -- quality on a list-like set ---------------------------------------------------------------------------

HELP = re.compile(r"I'd like help with (.+?)\.(?: I want|$)")
INDUSTRY = re.compile(r"I want to build expertise in (.+)\.$")
LEADS = (("I'd like help with ", "help"), ("I want to build expertise in ", "industry"))


def load_lists(data_dir: Path, folder: Path) -> dict:
    """The set's mentors (bios) and mentees (goals) stored through the service (the real model embeds them)."""
    from matcher.service import MatchService

    rng, items = random.Random(0), []
    for line in open(folder / "corpus.jsonl", encoding="utf-8"):
        doc = json.loads(line)
        items.append(
            {
                "id": doc["_id"],
                "name": f"Mentor {doc['_id']}",
                "seniority": rng.randint(3, 10),
                "bio": doc["text"],
                "styles": ["flash", "traditional"],
                "capacity": 2,
                "flash_hours_per_month": 2,
            }
        )
    for line in open(folder / "queries.jsonl", encoding="utf-8"):
        doc = json.loads(line)
        items.append(
            {"id": doc["_id"], "name": f"Mentee {doc['_id']}", "seniority": rng.randint(1, 4), "goals": doc["text"]}
        )
    started = time.perf_counter()
    with MatchService(Settings(data_dir=data_dir)) as service:
        report = service.import_items(list(enumerate(items, start=1)), progress=sys.stderr.isatty())
    return {"stored": report.summary(), "seconds": round(time.perf_counter() - started, 1)}


def categories(folder: Path) -> dict[str, set[str]]:
    known: dict[str, set[str]] = {"help": set(), "industry": set()}
    for line in open(folder / "queries.jsonl", encoding="utf-8"):
        text = json.loads(line)["text"]
        for kind, pattern in (("help", HELP), ("industry", INDUSTRY)):
            found = pattern.search(text)
            if found:
                known[kind].update(found.group(1).split(", "))
    return known


def bench_lists(folder: Path, topics: int) -> dict:
    with tempfile.TemporaryDirectory(prefix="bench-insights-lists.") as work:
        return _lists(Path(work), folder, topics)


def _lists(work: Path, folder: Path, topics: int) -> dict:
    from sklearn.metrics import normalized_mutual_info_score

    from matcher.insights.texts import wishes
    from matcher.service import MatchService

    log(f"storing {folder.name} in {work} (the model embeds every text: minutes)")
    loaded = load_lists(work / "data", folder)
    known = categories(folder)
    with MatchService(Settings(data_dir=work / "data", insights_topics=topics)) as service:
        built = service.insights.build()
        stored = service.insights.current()
        goals = {item.row_id: item.profile.goals for item in service.store.iter_profiles()}
    arrays, labels = stored.arrays, {t["id"]: ", ".join(w for w, _ in t["terms"]) for t in stored.manifest["topics"]}
    gold = []
    for row, number in zip(arrays["demand_row"], arrays["demand_wish"]):
        text, found = wishes(goals[int(row)])[int(number)], ("other", "")
        for lead, kind in LEADS:
            body = text[len(lead) :] if text.startswith(lead) else text
            if body in known[kind]:
                found = (kind, body)
        gold.append(found)
    report = {"set": folder.name, "stored": loaded, "build": built, "kinds": {}}
    for kind in ("help", "industry"):
        picked = [i for i, (k, _) in enumerate(gold) if k == kind]
        truth = np.array([gold[i][1] for i in picked])
        topic = arrays["demand_topic"][picked]
        purity = sum(Counter(truth[topic == t]).most_common(1)[0][1] for t in set(topic)) / len(picked)
        inverse = sum(Counter(topic[truth == c]).most_common(1)[0][1] for c in set(truth)) / len(picked)
        rows = []
        for category, count in Counter(truth).most_common():
            best, inside = Counter(topic[truth == category]).most_common(1)[0]
            rows.append(
                {
                    "category": category,
                    "wishes": count,
                    "in_topic": int(best),
                    "share_in_topic": round(inside / count, 3),
                    "topic_purity": round(float((truth[topic == best] == category).mean()), 3),
                    "label": labels[int(best)],
                }
            )
        report["kinds"][kind] = {
            "wishes": len(picked),
            "categories": len(set(truth)),
            "purity": round(purity, 3),
            "inverse_purity": round(inverse, 3),
            "nmi": round(float(normalized_mutual_info_score(truth, topic)), 3),
            "categories_detail": rows,
        }
    return report


def bench_demo(topics: int) -> dict:
    """The demo people (matcher/demo): how the topics match the areas the generator wrote the goals from
    (scripts/demo_tables.toml: each area's `learn` phrases)."""
    import tomllib

    from sklearn.metrics import normalized_mutual_info_score

    from matcher.cli import demo_profiles_path
    from matcher.importing.readers import read_file
    from matcher.insights.texts import wishes
    from matcher.service import MatchService

    tables = tomllib.loads((ROOT / "scripts" / "demo_tables.toml").read_text(encoding="utf-8"))
    area_of = {
        phrase.lower(): key
        for group in tables["areas"].values()
        for key, area in group.items()
        for phrase in area.get("learn", [])
    }
    with tempfile.TemporaryDirectory(prefix="bench-insights-demo.") as work:
        with MatchService(Settings(data_dir=Path(work) / "data", insights_topics=topics)) as service:
            items, _ = read_file(demo_profiles_path())
            service.import_items(items)
            built = service.insights.build()
            stored = service.insights.current()
            goals = {item.row_id: item.profile.goals for item in service.store.iter_profiles()}
    arrays = stored.arrays
    truth, topic = [], []
    for row, number, t in zip(arrays["demand_row"], arrays["demand_wish"], arrays["demand_topic"]):
        wish = wishes(goals[int(row)])[int(number)].lower()
        areas = {key for phrase, key in area_of.items() if phrase in wish}
        if len(areas) == 1:
            truth.append(areas.pop())
            topic.append(int(t))
    truth, topic = np.array(truth), np.array(topic)
    purity = sum(Counter(truth[topic == t]).most_common(1)[0][1] for t in set(topic)) / len(truth)
    inverse = sum(Counter(topic[truth == a]).most_common(1)[0][1] for a in set(truth)) / len(truth)
    return {
        "set": "demo",
        "build": built,
        "wishes_with_one_area": len(truth),
        "areas": len(set(truth)),
        "purity": round(purity, 3),
        "inverse_purity": round(inverse, 3),
        "nmi": round(float(normalized_mutual_info_score(truth, topic)), 3),
    }


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--profiles", type=int, default=10_000)
    p.add_argument(
        "--corpus", type=Path, default=CORPUS, help="an ESCO-style corpus.jsonl (default: tests/data/skills)"
    )
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--smoke", action="store_true", help="300 profiles (seconds)")
    p.add_argument("--lists", type=Path, help="a BEIR list-like set (corpus.jsonl, queries.jsonl): quality")
    p.add_argument("--demo", action="store_true", help="the demo people: topics against the generator's areas")
    p.add_argument("--topics", type=int, default=0, help="with --lists or --demo: topics (0: automatic)")
    p.add_argument("--out", type=Path, help="write the report as JSON here")
    p.add_argument("--data", type=Path, help="keep the filled store in this folder (and reuse it when it is there)")
    p.add_argument("--anchors", type=Path, help="cache the corpus entries' embeddings in this .npy file")
    p.add_argument("--child", type=Path, help=argparse.SUPPRESS)  # internal: build in this fresh process
    args = p.parse_args(argv)
    if args.child:
        print(json.dumps(child_build(args.child)))
        return 0
    report = (
        bench_demo(args.topics)
        if args.demo
        else bench_lists(args.lists, args.topics)
        if args.lists
        else bench_cost(300 if args.smoke else args.profiles, args.corpus, args.seed, args.data, args.anchors)
    )
    text = json.dumps(report, indent=2, ensure_ascii=False)
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(text + "\n", encoding="utf-8")
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
