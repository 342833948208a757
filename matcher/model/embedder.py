"""Embedder: a local sentence-transformers model, loaded once, encoding in batches to unit float32."""

from __future__ import annotations

import hashlib
import logging
import os
import threading
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from ..errors import ModelNotFound
from .querycache import Partition, QueryCache

if TYPE_CHECKING:
    from ..config import Settings

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
# A command's output carries its answer and its own progress, not the libraries' loading bars.
os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")

BACKENDS = ("torch", "onnx", "onnx-int8")
# Written by `mentor-match export-model` (model/export.py) inside the model folder.
ONNX_FILES = {"onnx": "onnx/model.onnx", "onnx-int8": "onnx/model_int8.onnx"}
AUTO = "auto"  # the fastest backend whose files the model folder holds (see resolve_backend)
AUTO_ORDER = ("onnx-int8", "torch")

log = logging.getLogger("matcher.embedder")


def weights_digest(model_dir: Path, backend: str = "torch") -> str:
    """A short sha256 of the weights file that `backend` loads, to tell models apart in manifests."""
    candidates = (
        [model_dir / ONNX_FILES[backend]]
        if backend in ONNX_FILES
        else [model_dir / "model.safetensors", model_dir / "pytorch_model.bin"]
    )
    for path in candidates:
        if path.exists():
            digest = hashlib.sha256()
            with open(path, "rb") as fh:
                for block in iter(lambda: fh.read(1 << 20), b""):
                    digest.update(block)
            return digest.hexdigest()[:16]
    raise ModelNotFound(
        f"no weights found in {model_dir} for backend {backend!r} (looked for {', '.join(str(c) for c in candidates)})"
    )


# Padding a text by fewer characters than this (a few tokens) costs less than another model call.
MIN_PADDING_WORTH_A_CALL = 32


def _runs(lengths: np.ndarray, batch_size: int) -> list[tuple[int, int]]:
    """Cut lengths sorted longest first into runs; within a run, batches of batch_size are cut by count
    (as sentence-transformers does); a new run starts where a text is under half as long as the first
    text of its batch and shorter by at least MIN_PADDING_WORTH_A_CALL characters (so a need and its
    key phrases make two calls, and one- and two-word phrases share one)."""
    runs, run_start, batch_start = [], 0, 0
    for i in range(1, len(lengths)):
        if i - batch_start == batch_size:
            batch_start = i
        elif 2 * lengths[i] < lengths[batch_start] and lengths[batch_start] - lengths[i] >= MIN_PADDING_WORTH_A_CALL:
            runs.append((run_start, i))
            run_start = batch_start = i
    runs.append((run_start, len(lengths)))
    return runs


def resolve_backend(model_dir: Path, backend: str) -> str:
    """The backend to run: `backend` itself, or for "auto" the first of AUTO_ORDER whose file exists.

    "auto" without an ONNX export falls back to torch with a warning (run `mentor-match export-model`).
    """
    if backend != AUTO:
        return backend
    for candidate in AUTO_ORDER:
        if candidate not in ONNX_FILES or (model_dir / ONNX_FILES[candidate]).exists():
            if candidate == "torch":
                log.warning(
                    "no ONNX export in %s: embedding with torch (about 2x slower); "
                    "run `mentor-match export-model` once to speed it up",
                    model_dir,
                )
            return candidate
    return "torch"  # pragma: no cover - torch is last in AUTO_ORDER


def _session_options(threads: int):
    """ONNX Runtime options: `threads` intra-op threads (0 = all cores) that sleep when idle."""
    import onnxruntime

    options = onnxruntime.SessionOptions()
    if threads:
        options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1  # one BERT graph has no parallel branches worth a second pool
    # Idle pool threads must sleep, not spin: a server thread ranking, searching FAISS or reading
    # SQLite between two encodes lost its core to them (HTTP p50 at 10k profiles 100 ms -> 43 ms).
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    return options


class Embedder:
    """Encodes texts with a local sentence-transformers model (never fetched from a hub).

    Args:
        model: path of a local sentence-transformers folder.
        backend: "torch", "onnx", "onnx-int8" (the ONNX files come from `mentor-match export-model`)
            or "auto" (onnx-int8 when the model folder holds it, else torch).
        batch_size: texts per forward pass.
        cache_size: how many query embeddings to keep, over every caller's partition (least recently
            used are dropped; see querycache.py).
        threads: model threads for encode() (torch, or ONNX Runtime intra-op); 0 = all cores.
        query_threads: ONNX Runtime threads for a need and its key phrases (a session of their own,
            see _direct_runner); 0 = all cores.
    """

    def __init__(
        self,
        model: str | Path,
        backend: str = "torch",
        batch_size: int = 64,
        cache_size: int = 1024,
        threads: int = 0,
        query_threads: int = 1,
    ):
        if backend not in BACKENDS + (AUTO,):
            raise ValueError(f"backend: expected one of {', '.join(BACKENDS + (AUTO,))}, got {backend!r}")
        self.path = Path(model)
        if not (self.path / "modules.json").exists() and not (self.path / "config.json").exists():
            raise ModelNotFound(f"model folder {self.path} is not a local sentence-transformers model")
        self.backend = resolve_backend(self.path, backend)
        self.batch_size = batch_size
        self.name = self.path.name if self.path.name != "model" else self.path.parent.name
        self.digest = weights_digest(self.path, self.backend)
        self._model = None
        self._load_lock = threading.RLock()  # the model and the direct query path are set once, under it
        self.query_cache = QueryCache(cache_size)  # needs' and phrases' vectors, per caller (querycache.py)
        self._threads = threads
        self._query_threads = query_threads
        self._direct: Callable[[list[str]], np.ndarray] | None | bool = False  # False: not looked at yet
        self._count_lock = threading.Lock()
        self.texts_encoded = 0  # how many texts this process has run through the model (for tests and ops)

    @classmethod
    def from_settings(cls, settings: Settings) -> Embedder:
        """The embedder the settings describe (model, backend, batch size, query cache, threads)."""
        return cls(
            settings.model,
            settings.backend,
            settings.batch_size,
            settings.query_cache_size,
            settings.torch_threads,
            settings.query_threads,
        )

    @property
    def key(self) -> str:
        """Identifies the vectors this embedder makes: name, backend and weights digest."""
        return f"{self.name}:{self.backend}:{self.digest}"

    @property
    def model(self):
        """The loaded SentenceTransformer (loaded on first use, once per process)."""
        if self._model is None:
            with self._load_lock:
                self._load_model_locked()
        return self._model

    def _load_model_locked(self):
        if self._model is None:
            self._model = self._load()
        return self._model

    def _load(self):
        import torch
        from sentence_transformers import SentenceTransformer
        from transformers.utils import logging as transformers_logging

        transformers_logging.disable_progress_bar()
        if self.backend == "torch":
            if self._threads:
                torch.set_num_threads(self._threads)
            return SentenceTransformer(str(self.path), device="cpu", local_files_only=True)
        # With ONNX Runtime, torch only pools and normalises small tensors: a team of threads there
        # costs more than it gains (a busy machine made pooling one query take ~20 ms).
        torch.set_num_threads(1)
        return SentenceTransformer(
            str(self.path),
            device="cpu",
            backend="onnx",
            local_files_only=True,
            model_kwargs={
                "file_name": ONNX_FILES[self.backend],
                "provider": "CPUExecutionProvider",
                "session_options": _session_options(self._threads),
            },
        )

    @property
    def dim(self) -> int:
        """The embedding dimension."""
        get_dim = getattr(self.model, "get_embedding_dimension", None) or self.model.get_sentence_embedding_dimension
        return int(get_dim())

    def encode(self, texts: list[str], batch_size: int | None = None, progress: bool = False) -> np.ndarray:
        """Encode texts to an (n, dim) float32 array of unit vectors.

        Texts are sorted by length before batching (less padding), and cut into runs where they get
        much shorter (see _runs: a need and its key phrases, or a handful of changed profiles, would
        otherwise pad every short text to the longest). Returned in the input order.
        """
        size = batch_size or self.batch_size
        return self._in_runs(
            texts,
            size,
            lambda run: self.model.encode(
                run,
                batch_size=size,
                normalize_embeddings=True,
                convert_to_numpy=True,
                show_progress_bar=progress and len(run) > size,
            ),
        )

    def _in_runs(self, texts: list[str], size: int, embed: Callable[[list[str]], np.ndarray]) -> np.ndarray:
        """Texts sorted by length and cut into runs (see _runs), each run given to `embed`; the vectors
        come back in the input order."""
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        with self._count_lock:  # several threads encode at once (a match's need and its phrases)
            self.texts_encoded += len(texts)
        lengths = np.array([len(t) for t in texts])
        order = np.argsort(lengths, kind="stable")[::-1]
        out = np.empty((len(texts), self.dim), dtype=np.float32)
        for start, end in _runs(lengths[order], size):
            run = order[start:end]
            out[run] = embed([texts[i] for i in run])
        return out

    def _encode_short(self, texts: list[str]) -> np.ndarray:
        """encode() for a need and its phrases: straight through the tokenizer and ONNX Runtime when
        that path is known to give sentence-transformers' vectors (see _direct_runner)."""
        runner = self._direct_runner()
        return self.encode(texts) if runner is None else self._in_runs(texts, self.batch_size, runner)

    def _direct_runner(self) -> Callable[[list[str]], np.ndarray] | None:
        """Tokenizer -> ONNX session -> mean pooling -> unit length, without sentence-transformers'
        per-call work (~1.2 ms of CPU around a ~5 ms model run for one need). Only for an ONNX model laid
        out as Transformer, mean Pooling, Normalize, and only once it has given the same vectors as
        model.encode on probe texts; None otherwise (queries then go through encode())."""
        if self._direct is not False:
            return self._direct
        with self._load_lock:
            if self._direct is False:
                self._direct = self._make_direct_runner()
        return self._direct

    def _make_direct_runner(self) -> Callable[[list[str]], np.ndarray] | None:
        runner = None
        model = self._model if self._model is not None else self._load_model_locked()
        modules = list(model)
        kinds = [type(m).__name__ for m in modules]
        if (
            self.backend in ONNX_FILES
            and kinds == ["Transformer", "Pooling", "Normalize"]
            and getattr(modules[1], "pooling_mode", None) == "mean"
        ):
            import onnxruntime

            # A session of its own, with fewer threads than the batch one: a need is too small to
            # split across cores (4.5 ms for one need with one thread or two), and a match encodes its
            # key phrases on a second thread while this one encodes the need; two-thread teams made
            # the two contend (match p50 at 100k profiles 17.3 -> 14.5 ms with one thread each).
            session = onnxruntime.InferenceSession(
                str(self.path / ONNX_FILES[self.backend]),
                _session_options(self._query_threads),
                providers=["CPUExecutionProvider"],
            )
            inputs = [i.name for i in session.get_inputs()]
            tokenizer, longest = model.tokenizer, model.max_seq_length

            def run(texts: list[str]) -> np.ndarray:
                tokens = tokenizer(texts, padding=True, truncation=True, max_length=longest, return_tensors="np")
                hidden = session.run(None, {name: tokens[name].astype(np.int64) for name in inputs})[0]
                mask = tokens["attention_mask"][..., None].astype(np.float32)
                pooled = (hidden * mask).sum(axis=1) / np.maximum(mask.sum(axis=1), 1e-9)
                return (pooled / np.maximum(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12)).astype(np.float32)

            probes = ["SQL", "social media skills for a senior leader", "one quick session on SQL window functions"]
            try:
                same = np.abs(run(probes) - model.encode(probes, normalize_embeddings=True)).max() < 1e-4
            except Exception:
                same = False
            runner = run if same else None
        if runner is None:
            log.info("queries are encoded through sentence-transformers (no direct ONNX path for this model)")
        return runner

    def encode_queries(self, texts: list[str], cache: Partition | None) -> np.ndarray:
        """Encode a need and its key phrases as an (n, dim) array: those `cache` holds from there, the rest
        in one batch, then kept in `cache` (short phrases recur across one caller's needs).

        Args:
            cache: the caller's partition of the query cache (caller_cache), a private one
                (QueryCache.private), or None to keep nothing: which one decides who could ever tell,
                from the time an answer takes, that these texts were encoded (querycache.py).
        """
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        found = cache.get(texts) if cache is not None else {}
        missing = [t for t in dict.fromkeys(texts) if t not in found]
        if missing:
            vectors = self._encode_short(missing)
            vectors.setflags(write=False)
            if cache is not None:
                cache.put(missing, vectors)
            found.update(zip(missing, vectors))
        return np.vstack([found[t] for t in texts])

    def caller_cache(self, caller: str) -> Partition:
        """`caller`'s partition of this process's query cache ("key:<id>", "user:<hash>", "addr:<ip>")."""
        return self.query_cache.partition(caller)

    def clear_cache(self) -> None:
        """Forget every cached query vector, of every caller."""
        self.query_cache.clear()

    def cached(self, text: str, caller: str | None = None) -> bool:
        """True when `caller`'s partition of the query cache (None: any caller's) holds the vector of `text`."""
        return self.query_cache.holds(text, caller)

    def encode_uncached(self, texts: list[str]) -> np.ndarray:
        """Encode short texts the query way, but keep nothing of them (a mentee's own bio, say)."""
        return self.encode_queries(list(texts), None)
