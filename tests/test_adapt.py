"""`mentor-match adapt`: pairs and probes from profiles, the self-check's figures and decision rule, the
models/ACTIVE pointer, `--revert`, option errors, and (slow) a real adaptation end to end on ~60 tiny
profiles with a tiny step budget: an owner-only model folder with its int8 export, both models self-checked,
the decision recorded and applied."""

from __future__ import annotations

import io
import logging
import os
import random
import re
import stat
from contextlib import redirect_stdout
from pathlib import Path

import numpy as np
import pytest

from matcher import cli, config
from matcher.config import EXPORTED_INT8, EXPORTED_MODEL, Settings
from matcher.errors import AdaptOptionError
from matcher.model.adapt import folders, run
from matcher.model.adapt.pairs import (
    TrainingPair,
    batches,
    held_back,
    length_batches,
    probe,
    profile_pairs,
    split,
    training_pairs,
)
from matcher.model.adapt.run import MIN_HELD_BACK, AdaptOptions, adapt_profiles
from matcher.model.adapt.selfcheck import CheckScores, improves, ranks, self_check
from matcher.model.adapt.training import learning_rate_factor, usable_cores
from matcher.profiles import parse_profile
from tests.conftest import profile

TOPICS = [
    (
        "Data Engineer",
        ["sql", "airflow"],
        "I build data pipelines in Airflow and keep them running at night.",
        "I can teach SQL window functions and how to read a query plan.",
    ),
    (
        "Product Designer",
        ["figma", "prototyping"],
        "I prototype new screens in Figma before anyone writes code.",
        "I help people run usability tests with five users.",
    ),
    (
        "Payroll Specialist",
        ["payroll", "tax"],
        "I run the monthly payroll for four countries.",
        "I explain tax codes, pension deductions and year-end filings.",
    ),
    (
        "Social Media Lead",
        ["tiktok", "instagram"],
        "I plan our TikTok and Instagram content calendar.",
        "I coach leaders to film short videos on their phones.",
    ),
    (
        "Site Reliability Engineer",
        ["kubernetes", "on-call"],
        "I keep our Kubernetes clusters healthy.",
        "I teach incident response and writing blameless postmortems.",
    ),
    (
        "Negotiation Coach",
        ["negotiation", "contracts"],
        "I negotiate supplier contracts worth millions.",
        "I show people how to prepare a walk-away point before a deal.",
    ),
    (
        "Copywriter",
        ["writing", "editing"],
        "I write landing pages and product emails.",
        "I help engineers write short, clear release notes.",
    ),
    (
        "Security Analyst",
        ["phishing", "threat modelling"],
        "I investigate phishing campaigns against staff.",
        "I teach threat modelling for new services.",
    ),
    (
        "Recruiter",
        ["interviewing", "sourcing"],
        "I hire engineers and designers across Europe.",
        "I coach managers to run structured interviews.",
    ),
    (
        "Machine Learning Engineer",
        ["pytorch", "evaluation"],
        "I train ranking models in PyTorch.",
        "I teach how to build an honest offline evaluation.",
    ),
    (
        "Public Speaking Trainer",
        ["presentations", "storytelling"],
        "I prepare executives for keynote talks.",
        "I help nervous speakers structure a ten-minute story.",
    ),
    (
        "Accountant",
        ["budgeting", "forecasting"],
        "I build the annual budget with every department.",
        "I teach managers to forecast spending each quarter.",
    ),
    (
        "Mobile Developer",
        ["swift", "kotlin"],
        "I ship our iOS and Android apps every two weeks.",
        "I review Swift and Kotlin code with junior developers.",
    ),
    (
        "Facilities Manager",
        ["office moves", "safety"],
        "I run office moves for hundreds of people.",
        "I teach fire safety drills and first-aid planning.",
    ),
    (
        "Customer Success Manager",
        ["onboarding", "churn"],
        "I onboard new customers in their first month.",
        "I help people spot churn risk from usage data.",
    ),
    (
        "Legal Counsel",
        ["privacy law", "gdpr"],
        "I review data processing agreements under GDPR.",
        "I explain privacy impact assessments in plain words.",
    ),
    (
        "Chef",
        ["baking", "menu planning"],
        "I run the staff canteen and bake sourdough bread.",
        "I teach menu planning on a tight budget.",
    ),
    (
        "Translator",
        ["spanish", "localisation"],
        "I localise our product into Spanish and Portuguese.",
        "I help teams write text that translates well.",
    ),
    (
        "Project Manager",
        ["scheduling", "risk"],
        "I plan large programmes with many dependencies.",
        "I coach people to keep a risk register that gets used.",
    ),
    (
        "Sales Engineer",
        ["demos", "pricing"],
        "I give technical product demos to enterprise buyers.",
        "I teach people to answer pricing questions with confidence.",
    ),
]
CITIES = [
    "Lisbon",
    "Oslo",
    "Nairobi",
    "Lima",
    "Osaka",
    "Dublin",
    "Quito",
    "Accra",
    "Perth",
    "Tallinn",
    "Porto",
    "Hanoi",
    "Bergen",
    "Cusco",
    "Izmir",
    "Leeds",
    "Recife",
    "Kyoto",
    "Malmo",
    "Tunis",
]


def tiny_profiles(n: int = 60) -> list[dict]:
    """n tiny mentors: 20 topics, each person with a sentence of their own."""
    people = []
    for i in range(n):
        title, skills, first, second = TOPICS[i % len(TOPICS)]
        own = f"Before this I worked {2 + i % 9} years in {CITIES[(i * 7) % len(CITIES)]} on team {i}."
        people.append(profile(f"p{i:03d}", 3 + i % 5, f"{first} {second} {own}", title=title, skills=skills))
    return people


# --- pairs and probes (pure) ----------------------------------------------------------------------


def test_a_profile_gives_tags_and_sentence_pairs_and_a_one_sentence_bio_a_span():
    person = parse_profile(tiny_profiles(1)[0])
    pairs = profile_pairs(person, 7, random.Random(0), most=4)
    assert [p.kind for p in pairs] == ["tags", "sentence", "sentence", "sentence"]
    assert pairs[0].anchor == "Data Engineer, sql, airflow" and pairs[0].positive == person.bio
    for pair in pairs[1:]:
        assert pair.anchor in person.bio and pair.anchor not in pair.positive and pair.source == 7
    bio = "I coach new managers through their first difficult conversations with staff"
    single = parse_profile(profile("s1", 3, bio, title=None, skills=[]))
    (span,) = profile_pairs(single, 0, random.Random(1))
    assert span.kind == "span" and len(span.anchor.split()) >= 3
    assert sorted((span.anchor + " " + span.positive).split()) == sorted(single.bio.split())


def test_only_active_discoverable_mentors_are_used_and_the_holdout_is_stable():
    people = [parse_profile(p) for p in tiny_profiles(60)]
    hidden = parse_profile(profile("hidden", 3, "I teach SQL. I teach Python.", discoverable=False))
    inactive = parse_profile(profile("gone", 3, "I teach SQL. I teach Python.", active=False))
    learner = parse_profile({"id": "learner", "name": "L", "seniority": 2, "goals": "learn SQL"})
    train, held = split([*people, hidden, inactive, learner], 0.3)
    assert {p.id for p in train} | {p.id for p in held} == {p.id for p in people}
    assert {p.id for p in held} == {p.id for p in people if held_back(p.id, 0.3)}
    _, held_reversed = split(list(reversed(people)), 0.3)
    assert {p.id for p in held_reversed} == {p.id for p in held}  # by id, not by order
    _, held_smaller = split(people, 0.2)
    assert {p.id for p in held_smaller} <= {p.id for p in held}  # a smaller share holds back a subset


def test_training_pairs_are_capped_spread_and_deduplicated():
    people = [parse_profile(p) for p in tiny_profiles(60)]
    pairs = training_pairs(people, most=60, seed=3)
    assert len(pairs) == 60 and len({p.source for p in pairs}) == 60  # one each when the cap says so
    assert training_pairs(people, most=60, seed=3) == pairs
    many = training_pairs(people, most=10_000)
    assert len(many) == len({(p.anchor, p.positive) for p in many}) <= 4 * 60


def test_a_batch_never_holds_two_pairs_of_one_profile_or_a_text_twice():
    pairs = [TrainingPair("same anchor", f"positive {i}", "sentence", i) for i in range(5)]
    pairs += [TrainingPair(f"anchor {i}", f"other {i}", "sentence", i % 3) for i in range(12)]
    seen = 0
    for batch in batches(pairs, 4):
        assert 2 <= len(batch) <= 4
        assert len({p.source for p in batch}) == len(batch)
        texts = [t for p in batch for t in (p.anchor, p.positive)]
        assert len(set(texts)) == len(texts)
        seen += len(batch)
    assert seen <= len(pairs)


def padded(batch_list: list[list[TrainingPair]]) -> int:
    """Words a model reads for these batches, each side padded to its longest text."""
    return sum(
        len(b) * (max(len(p.anchor.split()) for p in b) + max(len(p.positive.split()) for p in b)) for b in batch_list
    )


def test_length_batches_group_texts_of_a_length_without_clashes_and_pad_less():
    rng = random.Random(5)
    words = lambda n: " ".join(f"w{rng.randrange(10_000)}" for _ in range(n))
    pairs = []
    for source in range(600):  # up to 4 pairs a profile, about equally long (a sentence and the rest)
        bio = rng.choice([5, 10, 20, 40, 80, 120])
        for _ in range(rng.randrange(1, 5)):
            anchor = words(rng.randrange(3, 20))
            pairs.append(TrainingPair(anchor, words(bio), "sentence", source))
    rng.shuffle(pairs)
    grouped = length_batches(pairs, 32, seed=1)
    used = [pair for batch in grouped for pair in batch]
    assert len(used) == len(set(used)) and len(used) >= len(pairs) - 32  # each at most once, nearly all
    for batch in grouped:
        assert 2 <= len(batch) <= 32 and len({p.source for p in batch}) == len(batch)
        texts = [t for p in batch for t in (p.anchor, p.positive)]
        assert len(set(texts)) == len(texts)
    assert sum(len(b) >= 16 for b in grouped) >= len(grouped) - 1  # no crumbs but the last
    assert padded(grouped) < 0.7 * padded(list(batches(pairs, 32)))
    assert length_batches(pairs, 32, seed=1) == grouped  # reproducible


def test_training_uses_the_cores_this_process_may_run_on():
    assert 1 <= usable_cores() <= (os.cpu_count() or 1)


def test_a_missing_onnx_export_is_said_before_training(models_dir, tmp_path, capsys, monkeypatch):
    store_without_embeddings(tmp_path / "data", tiny_profiles(60))
    monkeypatch.setattr(run, "EXPORT_MODULES", ("onnxruntime", "no_such_module_for_the_test"))
    monkeypatch.setattr(run, "fine_tune", lambda *a, **k: pytest.fail("trained without an exporter"))
    assert cli.main(["adapt", "--max-steps", "1"]) == 1
    err = capsys.readouterr().err
    assert "no_such_module_for_the_test" in err and "onnx" in err and "scripts/setup" in err
    assert folders.adapted_folders(models_dir) == [] and not (models_dir / "ACTIVE").exists()


def test_a_probe_depends_on_the_profile_only():
    person = parse_profile(tiny_profiles(1)[0])
    assert probe(person) == probe(parse_profile(tiny_profiles(1)[0]))
    assert probe(person).kind == "tags" and probe(person).document == person.bio


# --- the self-check ------------------------------------------------------------------------------


def test_ranks_mrr_and_recall():
    docs = np.eye(4, dtype=np.float32)
    queries = np.array([[1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 0.6, 0.8], [0, 0, 0.6, 0.8]], dtype=np.float32)
    assert ranks(queries, docs).tolist() == [1, 1, 2, 1]  # query 2 finds document 3 first
    assert ranks(docs[[1, 0]], docs[:2]).tolist() == [2, 2]  # a tie counts against the right document

    vectors = {"q0": [1, 0, 0], "q1": [0, 1, 0], "q2": [0, 0.8, 0.6], "d0": [1, 0, 0], "d1": [0, 1, 0], "d2": [0, 0, 1]}

    class Fixed:
        def encode(self, texts):
            return np.array([vectors[t] for t in texts], dtype=np.float32)

    from matcher.model.adapt.pairs import Probe

    scores = self_check(Fixed(), [Probe(f"q{i}", f"d{i}", "tags") for i in range(3)])
    assert scores.mrr10 == pytest.approx((1 + 1 + 0.5) / 3) and scores.recall10 == 1.0 and scores.probes == 3


def test_the_decision_rule():
    before = CheckScores(0.50, 0.80, 100, 300.0)
    assert improves(before, CheckScores(0.52, 0.80, 100, 300.0), 0.01)
    assert not improves(before, CheckScores(0.505, 0.85, 100, 300.0), 0.01)  # too small a gain
    assert not improves(before, CheckScores(0.60, 0.79, 100, 300.0), 0.01)  # recall fell
    assert improves(before, CheckScores(0.40, 0.70, 100, 300.0), -1)  # a trial that adopts anything


def test_the_learning_rate_warms_up_then_decays_to_zero():
    assert learning_rate_factor(0.0) == pytest.approx(0.05)
    assert learning_rate_factor(0.1) == pytest.approx(1.0)
    assert learning_rate_factor(0.55) == pytest.approx(0.5)
    assert learning_rate_factor(1.0) == 0.0


# --- models/ACTIVE and --revert --------------------------------------------------------------------


@pytest.fixture
def models_dir(tmp_path, monkeypatch):
    """An empty models folder that config and the command use instead of the project's."""
    folder = tmp_path / "models"
    folder.mkdir()
    monkeypatch.setattr(config, "MODELS_DIR", folder)
    monkeypatch.delenv("MATCHER_MODEL", raising=False)
    monkeypatch.setenv("MATCHER_DATA_DIR", str(tmp_path / "data"))
    return folder


def fake_adapted(models_dir: Path, name: str) -> Path:
    """A folder shaped like an adapted model (the pointer logic looks at paths only)."""
    folder = models_dir / name
    (folder / "onnx").mkdir(parents=True)
    (folder / EXPORTED_INT8).write_bytes(b"")
    return folder


def test_active_names_the_default_model_and_matcher_model_overrides_it(models_dir, monkeypatch):
    bundled = Settings().model
    folder = fake_adapted(models_dir, "adapted-20260101-000000")
    folders.activate(models_dir, folder.name)
    assert stat.S_IMODE((models_dir / "ACTIVE").stat().st_mode) == 0o600
    assert Settings().model == str(folder)
    monkeypatch.setenv("MATCHER_MODEL", bundled)
    assert Settings().model == bundled
    monkeypatch.delenv("MATCHER_MODEL")
    folders.deactivate(models_dir)
    assert Settings().model == bundled


def test_a_pointer_to_nothing_usable_falls_back_with_a_warning(models_dir, caplog):
    (models_dir / "ACTIVE").write_text("adapted-20260101-000000\n")  # no such folder
    with caplog.at_level(logging.WARNING, logger="matcher.config"):
        assert Settings().model in (str(EXPORTED_MODEL), str(config.packaged_model()))
    assert "adapt --revert" in caplog.text
    (models_dir / "ACTIVE").write_text("../elsewhere\n")
    assert config.active_adapted_model() is None


def test_revert_goes_back_to_the_bundled_model_and_deletes_adapted_folders(models_dir, capsys):
    for name in ("adapted-20260101-000000", "adapted-20260102-000000"):
        fake_adapted(models_dir, name)
    folders.activate(models_dir, "adapted-20260102-000000")
    assert cli.main(["adapt", "--revert"]) == 0
    out = capsys.readouterr().out
    assert "reverted" in out and "mentor-match reindex" in out and "adapted-20260101-000000" in out
    assert not (models_dir / "ACTIVE").exists()
    assert folders.adapted_folders(models_dir) == ["adapted-20260102-000000"]  # kept for running servers
    assert Settings().model != str(models_dir / "adapted-20260102-000000")
    assert cli.main(["adapt", "--revert"]) == 0
    assert folders.adapted_folders(models_dir) == []
    assert "no adapted model was active" in capsys.readouterr().out


def test_a_killed_adaptations_staging_folder_is_removed_by_the_next_run_or_revert(models_dir, capsys):
    stale = models_dir / ".adapt-999999"
    (stale / "trained").mkdir(parents=True)
    (stale / "trained" / "model.safetensors").write_bytes(b"weights")
    assert cli.main(["adapt", "--revert"]) == 0
    assert not stale.exists()


def test_an_adaptation_running_already_is_said_with_exit_1(models_dir, capsys):
    with folders.exclusive(models_dir):
        assert cli.main(["adapt", "--revert"]) == 1
    assert "another `mentor-match adapt` is running" in capsys.readouterr().err


# --- bad options: exit 2, naming the option and the reason ---------------------------------------


@pytest.mark.parametrize(
    "argv, option",
    [
        (["--minutes", "0"], "--minutes"),
        (["--holdout", "0.9"], "--holdout"),
        (["--batch-size", "1"], "--batch-size"),
        (["--max-steps", "two"], "--max-steps"),
        (["--min-gain", "3"], "--min-gain"),
    ],
)
def test_bad_options_exit_2_naming_the_option(models_dir, capsys, argv, option):
    with pytest.raises(SystemExit) as exc:
        cli.main(["adapt", *argv])
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert option in err and "expected" in err


def test_revert_takes_no_training_options(models_dir, capsys):
    assert cli.main(["adapt", "--revert", "--minutes", "5"]) == 2
    assert "--revert" in capsys.readouterr().err


def test_options_are_checked_in_the_library_too():
    with pytest.raises(AdaptOptionError, match="--max-pairs"):
        AdaptOptions(max_pairs=10, batch_size=32).check()


def store_without_embeddings(data_dir: Path, people: list[dict]) -> None:
    """Profiles written straight to the store (the adapt command reads their texts, not their vectors)."""
    from matcher.profiles import content_hash, text_hash
    from matcher.store import Write, open_store

    store = open_store(Settings(data_dir=data_dir))
    parsed = [parse_profile(p) for p in people]
    store.write([Write(p, content_hash(p), text_hash(p), None) for p in parsed])
    store.close()


def test_too_few_profiles_to_hold_some_back_exits_2_naming_holdout(models_dir, tmp_path, capsys):
    store_without_embeddings(tmp_path / "data", tiny_profiles(12))
    assert cli.main(["adapt"]) == 2
    err = capsys.readouterr().err
    assert "--holdout" in err and f"at least {MIN_HELD_BACK}" in err and "12 usable profiles" in err
    assert folders.adapted_folders(models_dir) == [] and not (models_dir / "ACTIVE").exists()


# --- a real adaptation (slow: fine-tuning, ONNX export, two models) -----------------------------------

TINY_RUN = ["--max-steps", "2", "--batch-size", "8", "--holdout", "0.3"]


@pytest.fixture(scope="module")
def adapted(tmp_path_factory):
    """`mentor-match adapt` on 60 tiny profiles, 2 steps, forced to adopt (--min-gain -1)."""
    root = tmp_path_factory.mktemp("adapt")
    models = root / "models"
    models.mkdir()
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(config, "MODELS_DIR", models)
        mp.delenv("MATCHER_MODEL", raising=False)
        mp.setenv("MATCHER_DATA_DIR", str(root / "data"))
        people = tiny_profiles(60)
        assert sum(held_back(p["id"], 0.3) for p in people) >= MIN_HELD_BACK  # the ids were chosen so
        store_without_embeddings(root / "data", people)
        out = io.StringIO()
        with redirect_stdout(out):
            code = cli.main(["adapt", *TINY_RUN, "--min-gain", "-1"])
    return {"root": root, "models": models, "code": code, "out": out.getvalue(), "people": people}


@pytest.mark.slow
def test_adapt_trains_exports_checks_and_adopts(adapted):
    assert adapted["code"] == 0, adapted["out"]
    out = adapted["out"]
    assert "trained on" in out and "2 steps" in out and "in memory only" in out
    assert "current  all-MiniLM-L6-v2" in out and "adapted  adapted-" in out and "MRR@10" in out
    assert "decision: adopted" in out and "mentor-match reindex" in out and "per 10k profiles" in out
    assert len(out.strip().splitlines()) <= 8  # short


@pytest.mark.slow
def test_the_adapted_folder_is_owner_only_with_its_int8_export_and_holds_no_profile_text(adapted):
    (name,) = folders.adapted_folders(adapted["models"])
    folder = adapted["models"] / name
    assert (folder / EXPORTED_INT8).stat().st_size > 10e6 and (folder / "model.safetensors").exists()
    for path in [folder, *folder.rglob("*")]:
        assert stat.S_IMODE(path.stat().st_mode) == (0o700 if path.is_dir() else 0o600), path
    own_words = [p["bio"].split(". ")[-1].encode() for p in adapted["people"]]  # "Before this I worked ..."
    own_words += [p["name"].encode() for p in adapted["people"]]
    anywhere = re.compile(b"|".join(re.escape(words) for words in own_words))
    for path in folder.rglob("*"):
        if path.is_file():
            assert anywhere.search(path.read_bytes()) is None, path
    assert not [p for p in adapted["models"].iterdir() if p.name.startswith(".adapt-")]  # staging removed


@pytest.mark.slow
def test_the_self_check_ran_both_models_and_the_decision_is_recorded_and_applied(adapted, monkeypatch):
    (name,) = folders.adapted_folders(adapted["models"])
    record = folders.read_record(adapted["models"] / name)
    check = record["self_check"]
    assert check["current"]["model"].startswith("all-MiniLM-L6-v2:") and check["adapted"]["model"].startswith(name)
    assert check["probes"] >= MIN_HELD_BACK and record["training"]["steps"] == 2 and record["adopted"] is True
    assert record["trained_on_profiles"] + record["held_back_profiles"] == 60
    monkeypatch.setattr(config, "MODELS_DIR", adapted["models"])
    monkeypatch.delenv("MATCHER_MODEL", raising=False)
    assert (adapted["models"] / "ACTIVE").read_text().strip() == name
    assert Settings().model == str(adapted["models"] / name)
    monkeypatch.setenv("MATCHER_MODEL", str(EXPORTED_MODEL))
    assert Settings().model == str(EXPORTED_MODEL)


@pytest.mark.slow
def test_a_model_that_does_not_improve_enough_is_deleted_and_nothing_switches(adapted, monkeypatch, tmp_path):
    fresh = tmp_path / "models"
    fresh.mkdir()
    monkeypatch.setattr(config, "MODELS_DIR", fresh)
    monkeypatch.delenv("MATCHER_MODEL", raising=False)
    monkeypatch.setenv("MATCHER_DATA_DIR", str(adapted["root"] / "data"))
    out = io.StringIO()
    with redirect_stdout(out):  # --min-gain 1: no model can gain a whole MRR@10
        assert cli.main(["adapt", "--max-steps", "1", "--batch-size", "8", "--holdout", "0.3", "--min-gain", "1"]) == 0
    assert "decision: not adopted" in out.getvalue()
    assert not (fresh / "ACTIVE").exists() and folders.adapted_folders(fresh) == []
    assert not [p for p in fresh.iterdir() if p.name.startswith(".adapt-")]
    assert Settings().model in (str(EXPORTED_MODEL), str(config.packaged_model()))
    # and in the library, with an adapted model active already: it stays active
    monkeypatch.setattr(config, "MODELS_DIR", adapted["models"])
    before = (adapted["models"] / "ACTIVE").read_text()
    kept = folders.adapted_folders(adapted["models"])
    people = [parse_profile(p) for p in adapted["people"]]
    result = adapt_profiles(
        people,
        Settings(data_dir=adapted["root"] / "data"),
        AdaptOptions(max_steps=1, batch_size=8, holdout=0.3, min_gain=1.0),
        adapted["models"],
    )
    assert not result.adopted and result.folder is None and result.before.probes == result.after.probes
    assert result.current_model.startswith(before.strip() + ":")  # the self-check compared with the adapted one
    assert (adapted["models"] / "ACTIVE").read_text() == before
    assert folders.adapted_folders(adapted["models"]) == kept


@pytest.mark.slow
def test_a_broken_pointer_to_a_real_adapted_model_falls_back_with_a_warning(adapted, monkeypatch, caplog):
    monkeypatch.setattr(config, "MODELS_DIR", adapted["models"])
    monkeypatch.delenv("MATCHER_MODEL", raising=False)
    (name,) = folders.adapted_folders(adapted["models"])
    int8 = adapted["models"] / name / EXPORTED_INT8
    hidden = int8.with_name("moved-away")
    int8.rename(hidden)  # a folder without its int8 file (a copy cut short, a hand edit)
    try:
        with caplog.at_level(logging.WARNING, logger="matcher.config"):
            assert Settings().model in (str(EXPORTED_MODEL), str(config.packaged_model()))
        assert name in caplog.text and "adapt --revert" in caplog.text
    finally:
        hidden.rename(int8)
    assert Settings().model == str(adapted["models"] / name)


@pytest.mark.slow
def test_revert_after_a_real_adaptation_restores_the_bundled_model(adapted, monkeypatch, capsys):
    monkeypatch.setattr(config, "MODELS_DIR", adapted["models"])
    monkeypatch.delenv("MATCHER_MODEL", raising=False)
    monkeypatch.setenv("MATCHER_DATA_DIR", str(adapted["root"] / "data"))
    assert cli.main(["adapt", "--revert"]) == 0
    out = capsys.readouterr().out
    assert "reverted" in out and "per 10k profiles" in out
    assert Settings().model in (str(EXPORTED_MODEL), str(config.packaged_model()))
