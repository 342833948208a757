"""`mentor-match learn` on small real data: the skills corpus the project ships (tests/data/skills) as mentors,
the real model, a real store, and outcome logs with a pattern the hand-tuned ranking cannot know.

- Adopts: every mentee asking about a topic chose the same mentor, whom the hand-tuned ranking puts 6th;
  held-back mentees' needs are ranked better, and from then on a new need on that topic gets that mentor
  first. The ranking on disk is owner-only and holds no text or id.
- Erasure: a mentee's and a mentor's outcomes leave the log and the votes at once; re-learning replaces
  the ranking (the older one is deleted).
- Refuses: when the log shows nothing better than the hand-tuned ranking (every mentee chose its first
  mentor), and when the log is too small. Nothing changes then.
- Revert: back to the hand-tuned ranking, the learned one deleted.
"""

from __future__ import annotations

import json
import shutil
import stat
from pathlib import Path

import pytest

from matcher.cli import main
from matcher.config import Settings
from matcher.learn import LearnOptions, artefacts, learn, revert
from matcher.outcomes.importing import import_outcomes
from matcher.service import MatchService
from matcher.styles.rules import OFFERED_STYLES
from tests.conftest import profile

pytestmark = pytest.mark.slow  # hundreds of needs ranked through the real pipeline

SKILLS = Path(__file__).resolve().parent / "data" / "skills"
VARIANTS = (
    "{q}",
    "I would like some help with this: {q}",
    "{q} Any advice is welcome.",
    "Could someone guide me? {q}",
    "{q} I am new to this.",
    "Looking for a mentor. {q}",
)
SMALL = LearnOptions(min_outcomes=60, min_held_back=10, threads=1)


def read(name: str) -> list[dict]:
    return [json.loads(line) for line in (SKILLS / name).read_text().splitlines() if line.strip()]


@pytest.fixture(scope="module")
def base_dir(tmp_path_factory, embedder) -> Path:
    """A data dir with the 80 skills as mentors and 20 stored mentees who mentor nobody."""
    folder = tmp_path_factory.mktemp("skills") / "data"
    service = MatchService(Settings(data_dir=folder), embedder=embedder)
    items = [
        {
            "id": d["_id"],
            "name": d["_id"],
            "seniority": 5,
            "bio": d["text"],
            "styles": list(OFFERED_STYLES),
            "capacity": 3,
            "flash_hours_per_month": 2,
        }
        for d in read("corpus.jsonl")
    ]
    items += [profile(f"mentee-{t:02d}", 3, "Learning.", styles=[]) for t in range(20)]
    report = service.import_items(enumerate(items, start=1), checkpoint=True)
    assert not report.rejected
    service.close()
    return folder


@pytest.fixture
def service(base_dir, tmp_path, embedder):
    folder = tmp_path / "data"
    shutil.copytree(base_dir, folder)
    opened = MatchService(Settings(data_dir=folder), embedder=embedder).open()
    yield opened
    opened.close()


def top(service: MatchService, need: str, k: int = 10) -> list[str]:
    return [m["mentor"]["id"] for m in service.match({"need": need, "style": "any", "limit": k})["matches"]]


def log_rows(service: MatchService, chosen_at: int) -> tuple[list[dict], dict[int, str]]:
    """Six mentees per query; each chose the mentor the hand-tuned ranking puts at `chosen_at` (0-based) for the
    query (the same mentor for a topic: the organisation's favourite), and half declined its first one."""
    rows, chosen = [], {}
    for t, q in enumerate(read("queries.jsonl")):
        ranked = top(service, q["text"])
        chosen[t] = ranked[chosen_at]
        for i, variant in enumerate(VARIANTS):
            need = variant.format(q=q["text"])
            mentee = f"mentee-{t:02d}" if i == 0 else f"past-{t:02d}-{i}"
            mentor = chosen[t] if chosen_at else top(service, need, 1)[0]
            rows.append({"need": need, "mentor_id": mentor, "outcome": "accepted", "mentee_id": mentee})
            if i % 2 and chosen_at:
                rows.append({"need": need, "mentor_id": ranked[0], "outcome": "declined", "mentee_id": mentee})
    return rows, chosen


def store_log(service: MatchService, rows: list[dict]) -> None:
    report = import_outcomes(service.store, service.embedder, enumerate(rows, start=1))
    assert not report.rejected and report.added == len(rows)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_learn_adopts_what_the_log_teaches_survives_erasure_and_reverts(service):
    rows, favourite = log_rows(service, chosen_at=5)
    first_before = {t: top(service, q["text"], 1)[0] for t, q in enumerate(read("queries.jsonl"))}
    assert all(first_before[t] != favourite[t] for t in favourite)
    store_log(service, rows)

    result = learn(service, SMALL)
    assert result.adopted, result.reason
    assert result.after[result.kind]["ndcg@10"] > result.before["ndcg@10"]
    assert result.after[result.kind]["recall@50"] >= result.before["recall@50"]
    assert result.counts["held_back_mentees"] >= 10 and result.counts["train_mentees"] > 50
    data_dir = service.settings.data_dir
    assert artefacts.active_name(data_dir) == result.name
    # A new mentee asking about a topic now gets the organisation's favourite first.
    firsts = [top(service, q["text"], 1)[0] == favourite[t] for t, q in enumerate(read("queries.jsonl"))]
    assert sum(firsts) >= 15, firsts
    match = service.match({"need": read("queries.jsonl")[3]["text"], "limit": 5})["matches"]
    assert all(0.0 < m["score"] < 1.0 for m in match)
    assert [m["score"] for m in match] == sorted((m["score"] for m in match), reverse=True)

    # Owner-only, and nothing of a person in it: counts, dates and figures only.
    folder = data_dir / artefacts.FOLDER / result.name
    assert mode(data_dir / artefacts.FOLDER) == 0o700 and mode(folder) == 0o700
    assert all(mode(p) == 0o600 for p in folder.iterdir())
    assert mode(data_dir / artefacts.FOLDER / artefacts.POINTER) == 0o600
    written = "".join(p.read_text() for p in folder.iterdir() if p.name != "model.txt")
    for word in ("mentee-", "past-", "skill-", "forecast", "supplier"):
        assert word not in written

    # Erasure: the mentee's outcomes (and need) leave the log and the votes from the next match on.
    votes_before = len(service.learned.reranker().pool)
    assert service.delete("mentee-00")
    assert service.store.outcomes(mentee_id="mentee-00") == []
    pool = service.learned.reranker().pool
    assert len(pool) == votes_before - 1 and "id:mentee-00" not in pool.mentees
    # ...and a mentor's: every outcome naming them, and their votes.
    gone = favourite[4]
    assert service.delete(gone)
    assert service.store.outcomes(mentor_id=gone) == [] and gone not in service.learned.reranker().pool.mentors
    assert gone not in top(service, read("queries.jsonl")[4]["text"])
    # What the ranking's weights learned from them goes with the next learn, which replaces it.
    again = learn(service, SMALL)
    assert again.adopted, again.reason
    assert artefacts.active_name(data_dir) == again.name != result.name and not folder.exists()

    name, deleted = revert(service)
    assert name == again.name and deleted == [again.name]
    assert artefacts.active_name(data_dir) is None and service.learned.reranker() is None
    assert top(service, read("queries.jsonl")[0]["text"], 1)[0] == first_before[0]


def test_learn_refuses_when_the_log_shows_nothing_better(service):
    rows, _ = log_rows(service, chosen_at=0)  # every mentee chose the hand-tuned ranking's first mentor
    store_log(service, rows)
    result = learn(service, LearnOptions(min_outcomes=60, min_held_back=10, threads=1, kinds=("linear", "lightgbm")))
    assert not result.adopted and result.reason.startswith("not adopted") and "nothing changed" in result.reason
    assert result.before["ndcg@10"] == pytest.approx(1.0)
    assert set(result.after) == {"linear", "lightgbm"}  # both measured side by side
    assert artefacts.active_name(service.settings.data_dir) is None
    assert not any((service.settings.data_dir / artefacts.FOLDER).glob(artefacts.PREFIX + "*"))


def test_learn_refuses_too_few_outcomes_from_the_command_line(service, monkeypatch, capsys):
    rows, _ = log_rows(service, chosen_at=5)
    store_log(service, rows[:5])
    monkeypatch.setenv("MATCHER_DATA_DIR", str(service.settings.data_dir))
    assert main(["learn"]) == 0
    out = capsys.readouterr().out
    assert "outcome log: 5 outcomes (4 positive)" in out  # one of the five was declined
    assert "too few outcomes: 4 accepted, good fit or completed, 200 needed to learn from; nothing changed" in out
    assert artefacts.active_name(service.settings.data_dir) is None
    assert main(["learn", "--revert", "--holdout", "0.3"]) == 2
