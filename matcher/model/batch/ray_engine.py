"""RayEngine: the profiles' embeddings made on a Ray cluster (Ray Data `map_batches` over an actor pool).

Only the model runs on Ray. The machine running the re-index (the driver) reads the store, picks what
needs embedding (engine.missing_embeddings) and writes the vectors back (engine.fill_missing); the
workers never see the store, its URL or anything of a profile but the texts that are embedded (bio,
skill tags, goals). So the store must be reachable from the driver only.

How a fill runs on Ray:
- fill_missing hands the engine the profiles to embed a store chunk at a time: the chunks the
  in-process build embeds (state.EMBED_CHUNK rows, less those already embedded). Each chunk stays one
  unit, one `profile_vectors.embed_profiles` call on one actor, so every text meets the same batch-mates as
  in-process and gets the same vector (the int8 model quantizes activations per batch);
- the chunks are taken a round at a time (ROUND_CHUNKS_PER_ACTOR per actor): a round is one Dataset
  (`ray.data.from_items`, one row and one block per chunk, only the texts that are embedded) mapped by
  `ProfileEmbedder` over `ActorPoolStrategy(size=N)`, N = the cluster's CPUs / CPUS_PER_ACTOR. Each actor
  builds the service's own Embedder (`Embedder.from_settings` with the driver's settings, less the
  database URL, with CPUS_PER_ACTOR model threads), loads the model once and embeds chunk after chunk;
- the driver iterates the results as each chunk finishes, and fill_missing commits each one.

`ray` is imported only when a fill needs the model (the base install works without it, and a re-index
with nothing to embed starts no Ray). Without an address Ray starts on this machine (its cores, its
loopback interface only, no dashboard, no usage statistics, its session folder a private (0700) temporary
folder under $RAY_TMPDIR or /tmp, removed afterwards)
and stops when the engine closes; with one (`auto`, or the head's `HOST:PORT`), the engine joins that
cluster from this machine, which must be one of its nodes (Ray Data's executor does not run over Ray
Client, `ray://`), and leaves it running.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import sys
import tempfile
import time
import warnings
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any

import numpy as np

from ...errors import EngineError, EngineUnavailable
from ...store import Embeddings, StoredProfile, blob_vectors, vector_blob
from .engine import Embedded

if TYPE_CHECKING:
    from ...config import Settings

log = logging.getLogger("matcher.batch.ray")

CPUS_PER_ACTOR = 1  # model threads (and Ray CPUs) per actor: one single-threaded model per core
# Chunks per actor in one round (one Dataset, whose actors load the model once): the driver holds a
# round's texts; the actors idle at the end of each round for up to one chunk's time.
ROUND_CHUNKS_PER_ACTOR = 16
INSTALL_HINT = "install the optional extra: pip install 'mentor-matcher[ray]'"


def import_ray(loopback: bool = False):
    """The `ray` module with Ray Data, after keeping Ray's usage statistics off.

    Args:
        loopback: a Ray started by this process binds its services to 127.0.0.1 only (Ray reads
            RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER=0 when imported: one node, on the loopback interface;
            otherwise it binds to the address of the default route's interface).
    Raises:
        EngineUnavailable: Ray (or Ray Data) is not installed, naming the extra to install.
    """
    os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")
    if loopback:
        os.environ["RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER"] = "0"
        constants = sys.modules.get("ray._private.ray_constants")
        if constants is not None:  # Ray was imported before this was set: the constant was read already
            constants.ENABLE_RAY_CLUSTER = False
    try:
        import ray
        import ray.data
    except ImportError as exc:
        raise EngineUnavailable(f"--engine ray: Ray Data is not installed ({exc.name}); {INSTALL_HINT}") from None
    return ray


class ProfileEmbedder:
    """The Ray Data callable: one per actor, holding the service's Embedder, loaded once.

    Args:
        settings: the driver's settings (model, backend, batch size) with the model threads of one actor.
    """

    def __init__(self, settings: Settings):
        from ..embedder import Embedder

        self.embedder = Embedder.from_settings(settings)
        self.key = self.embedder.key
        self.embedder.model  # noqa: B018 - load the model now, not in the first batch

    def __call__(self, batch: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        """Embed chunks of profiles, each chunk in one `embed_profiles` call (as the in-process build does).

        Args:
            batch: one row per chunk (see chunk_row): columns row_id, text_hash, bio, skills, goals, each
                a list with one entry per profile.
        Returns:
            One row per profile: row_id, text_hash, model_key, and the offers, goals (empty: none) and
            passages vectors as the store keeps them (float32 bytes, store.vector_blob).
        """
        from ...profiles import Profile
        from ..profile_vectors import embed_profiles

        out: dict[str, list] = {"row_id": [], "text_hash": [], "offers": [], "goals": [], "passages": []}
        for row_ids, hashes, bios, skills, goals in zip(
            batch["row_id"], batch["text_hash"], batch["bio"], batch["skills"], batch["goals"]
        ):
            profiles = [
                Profile.model_construct(bio=str(b), skills=json.loads(s), goals=str(g))
                for b, s, g in zip(bios, skills, goals)
            ]
            for emb in embed_profiles(self.embedder, profiles):
                out["offers"].append(vector_blob(emb.offers))
                out["goals"].append(b"" if emb.goals is None else vector_blob(emb.goals))
                out["passages"].append(vector_blob(emb.passages))
            out["row_id"].extend(int(r) for r in row_ids)
            out["text_hash"].extend(str(h) for h in hashes)
        columns = {
            name: np.array(values, dtype=np.int64 if name == "row_id" else object) for name, values in out.items()
        }
        columns["model_key"] = np.array([self.key] * len(out["row_id"]), dtype=object)
        return columns


def chunk_row(chunk: list[StoredProfile]) -> dict[str, list]:
    """What a worker gets of a chunk of profiles: their row ids, text hashes and the texts that
    embed_profiles embeds (bio, skill tags as JSON, goals), one list entry per profile."""
    return {
        "row_id": [s.row_id for s in chunk],
        "text_hash": [s.text_hash for s in chunk],
        "bio": [s.profile.bio for s in chunk],
        "skills": [json.dumps(list(s.profile.skills), ensure_ascii=False) for s in chunk],
        "goals": [s.profile.goals for s in chunk],
    }


def decode(batch: dict[str, np.ndarray]) -> list[Embedded]:
    """A block of ProfileEmbedder's output as (row_id, text_hash, Embeddings) items (the dimension is
    the offers vector's; fill_missing checks it against the configured model's)."""
    items = []
    for row_id, text_hash, key, offers, goals, passages in zip(
        batch["row_id"], batch["text_hash"], batch["model_key"], batch["offers"], batch["goals"], batch["passages"]
    ):
        dim = max(1, len(offers) // 4)
        emb = Embeddings(
            str(key),
            blob_vectors(bytes(offers), dim)[0],
            blob_vectors(bytes(goals), dim)[0] if len(goals) else None,
            blob_vectors(bytes(passages), dim),
        )
        items.append((int(row_id), str(text_hash), emb))
    return items


def rounds(chunks: Iterable[list[StoredProfile]], size: int) -> Iterator[list[dict[str, list]]]:
    """The chunks as worker rows (chunk_row), regrouped into rounds of up to `size` chunks."""
    current: list[dict[str, list]] = []
    for chunk in chunks:
        current.append(chunk_row(chunk))
        if len(current) == size:
            yield current
            current = []
    if current:
        yield current


class RayEngine:
    """Embeds profiles on Ray (see the module docstring).

    Args:
        settings: the service's settings: the actors build their Embedder from them (the database URL
            is removed before they are sent).
        address: the Ray cluster to join, from one of its nodes (`auto`, or the head's `HOST:PORT`); None:
            start Ray on this machine, and stop it on close. Ray Client (`ray://`) is refused: Ray Data's
            executor does not run over it (Ray 2.60: it needs a node of its own).
        num_cpus: for a Ray started here, how many CPUs it offers (None: every core).
        cpus_per_actor: model threads per actor; the pool has one actor per that many cluster CPUs.
        chunk: profiles embedded together, one chunk per actor call; None: the in-process build's
            (state.EMBED_CHUNK, 2048), which gives the same vectors as an in-process re-index. A fill
            keeps min(actors, chunks) actors busy: smaller chunks spread a small fill, or the last
            wave of a large one, over more actors, with vectors that differ from the in-process ones
            by the int8 model's batch noise (as an import's, made 256 profiles at a time, already do).
    """

    name = "ray"

    def __init__(
        self,
        settings: Settings,
        address: str | None = None,
        num_cpus: int | None = None,
        cpus_per_actor: int = CPUS_PER_ACTOR,
        chunk: int | None = None,
    ):
        if address and address.startswith("ray://"):
            raise EngineUnavailable(
                f"--address {address}: Ray Data does not run over Ray Client (ray:// addresses; its executor needs "
                f"a Ray node of its own); run the command on a node of the cluster with --address auto: the head, "
                f"or the machine that reaches the store after `ray start --address=HEAD:6379 --num-cpus=0`"
            )
        import_ray(loopback=address is None)  # fail now, naming the extra, not half-way through a re-index
        self.address = address
        self.num_cpus = num_cpus
        self.cpus_per_actor = cpus_per_actor
        self.chunk = chunk
        self.actor_settings = settings.replace(database_url="", torch_threads=cpus_per_actor)
        self.actors = 0  # the pool's size, once Ray runs
        self.start_seconds = 0.0  # how long starting (or joining) Ray took
        self._started_here = False
        self._temp_dir: str | None = None  # a Ray started here: its private session folder, removed on close

    def embed(self, batches: Iterable[list[StoredProfile]]) -> Iterator[list[Embedded]]:
        """Embed the profiles of `batches` on Ray, each batch in one `embed_profiles` call; yields one
        list per finished batch, in any order (see EmbeddingEngine.embed)."""
        for chunks in self._rounds(batches):
            ray = self._ray()
            actors = min(self.actors, len(chunks))
            with warnings.catch_warnings():
                # On a Ray started here, an actor that dies is not restarted (the fill fails and its
                # re-run resumes): Ray Data's default restarts make the driver's core worker print an
                # error line for every actor (ray-project/ray#53727). On a cluster, nodes come and go:
                # its defaults (restarts, task retries) stay. Ray Data 2.60 takes max_restarts only
                # through its deprecated **ray_remote_args.
                warnings.simplefilter("ignore", DeprecationWarning)
                dataset = ray.data.from_items(chunks, override_num_blocks=len(chunks)).map_batches(
                    ProfileEmbedder,
                    fn_constructor_kwargs={"settings": self.actor_settings},
                    batch_size=1,
                    batch_format="numpy",
                    num_cpus=self.cpus_per_actor,
                    compute=ray.data.ActorPoolStrategy(size=actors),
                    **({"max_restarts": 0} if self.address is None else {}),
                )
            log.info(
                "embedding %d profiles in %d chunks on Ray: %d actors x %d threads",
                sum(len(c["row_id"]) for c in chunks),
                len(chunks),
                actors,
                self.cpus_per_actor,
            )
            try:
                for block in dataset.iter_batches(batch_size=None, batch_format="numpy"):
                    yield decode(block)
            except ray.exceptions.RayError as exc:
                raise EngineError(f"--engine ray: the embedding failed on Ray: {_first_line(exc)}") from exc

    def _rounds(self, batches: Iterable[list[StoredProfile]]) -> Iterator[list[dict[str, list]]]:
        """Rounds of ROUND_CHUNKS_PER_ACTOR chunks per actor; Ray starts with the first (nothing to embed: no Ray)."""
        iterator = iter(batches)
        first = next(iterator, None)
        if first is None:
            return
        self._ray()
        yield from rounds(_chain(first, iterator), self.actors * ROUND_CHUNKS_PER_ACTOR)

    def _ray(self):
        """Ray, started or joined on first use; sets the pool size from the cluster's CPUs."""
        ray = import_ray(loopback=self.address is None)
        if not ray.is_initialized():
            self._start(ray)
        if not self.actors:
            cpus = int(ray.cluster_resources().get("CPU", 0))
            self.actors = max(1, cpus // self.cpus_per_actor)
            context = ray.data.DataContext.get_current()
            context.enable_progress_bars = False  # the driver shows its own (profiles stored)
            context.print_on_execution_start = False
            _quiet_ray_data()
        return ray

    def _start(self, ray) -> None:
        options: dict[str, Any] = {"include_dashboard": False, "log_to_driver": False, "logging_level": logging.ERROR}
        if self.address is None:
            # One node, on this machine's loopback interface (see import_ray), its session folder private:
            # Ray spills objects (the bios being embedded) there when its object store is full.
            # Ray makes its own temp dir 0777: it goes inside a 0700 folder of ours.
            self._temp_dir = tempfile.mkdtemp(prefix="mm-ray-", dir=os.environ.get("RAY_TMPDIR"))
            options.update(address="local", num_cpus=self.num_cpus, _temp_dir=os.path.join(self._temp_dir, "r"))
        else:
            options["address"] = self.address
        started = time.perf_counter()
        try:
            ray.init(**options)
        except (ConnectionError, RuntimeError, ValueError) as exc:
            where = f"--address {self.address}" if self.address else "a local Ray"
            raise EngineError(f"{where}: Ray did not start: {_first_line(exc)}") from exc
        self._started_here = True
        self.start_seconds = round(time.perf_counter() - started, 3)

    def close(self) -> None:
        """Stop Ray if this engine started or joined it (a caller's own `ray.init` is left alone)."""
        if self._started_here:
            import ray

            ray.shutdown()
            self._started_here = False
        if self._temp_dir:
            shutil.rmtree(self._temp_dir, ignore_errors=True)
            self._temp_dir = None


def _quiet_ray_data() -> None:
    """Ray Data's console lines (execution summaries, "progress bars disabled") only with -v; its log file
    in Ray's session folder keeps them all."""
    import ray.data  # noqa: F401 - configures the "ray.data" logger and its handlers

    verbose = logging.getLogger("matcher").isEnabledFor(logging.DEBUG)
    for handler in logging.getLogger("ray.data").handlers:
        if not isinstance(handler, logging.FileHandler) and "File" not in type(handler).__name__:
            handler.setLevel(logging.INFO if verbose else logging.ERROR)


def _chain(first: list[StoredProfile], rest: Iterator[list[StoredProfile]]) -> Iterator[list[StoredProfile]]:
    yield first
    yield from rest


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__
