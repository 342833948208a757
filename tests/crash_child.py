"""Run `mentor-match ...` in a child process that a crash test kills with SIGKILL.

    python -m tests.crash_child [--write-batch N] [--embed-chunk N] [--pause-at POINT[:NTH]]
                                [--resume-when FILE] -- ARGS...

The command runs for real (matcher.cli.main). Two knobs make the moment of the kill precise
instead of lucky, without replacing any of our code:
- --write-batch / --embed-chunk shrink the commit steps of an import / a re-index, so that a small
  file still commits in several transactions;
- --pause-at stops the process at a point inside a third-party call our code makes, prints
  `PAUSED <point>` and sleeps until killed (or, with --resume-when, until FILE exists, then goes on):
    encode       before the model encodes a batch (NTH: the n-th batch, default 1);
    write_index  after faiss has written the first index file of a new generation;
    current      just before the CURRENT pointer is replaced (the generation is complete on disk);
    ray_batch    before the driver of `reindex --engine ray` gets the NTH chunk of vectors back from Ray
                 (Ray Data's iter_batches; the NTH-1 before it are stored).
"""

from __future__ import annotations

import argparse
import os
import sys
import time

PAUSE_SECONDS = 300
_resume_file: str | None = None


def _pause(point: str) -> None:
    print(f"PAUSED {point}", flush=True)
    deadline = time.monotonic() + PAUSE_SECONDS
    while time.monotonic() < deadline:
        if _resume_file and os.path.exists(_resume_file):
            print(f"RESUMED {point}", flush=True)
            return
        time.sleep(0.1)
    raise SystemExit(f"crash_child: nobody killed or resumed me at {point}")


def _install(point: str, nth: int) -> None:
    calls = {"n": 0}
    if point == "encode":
        from sentence_transformers import SentenceTransformer

        original = SentenceTransformer.encode

        def encode(self, *args, **kwargs):
            calls["n"] += 1
            if calls["n"] == nth:
                _pause(point)
            return original(self, *args, **kwargs)

        SentenceTransformer.encode = encode
    elif point == "write_index":
        import faiss

        original = faiss.write_index

        def write_index(*args, **kwargs):
            original(*args, **kwargs)
            _pause(point)

        faiss.write_index = write_index
    elif point == "ray_batch":
        from matcher.model.batch.ray_engine import import_ray

        dataset_class = import_ray(loopback=True).data.Dataset
        original = dataset_class.iter_batches

        def iter_batches(self, *args, **kwargs):
            for batch in original(self, *args, **kwargs):
                calls["n"] += 1
                if calls["n"] == nth:
                    _pause(point)
                yield batch

        dataset_class.iter_batches = iter_batches
    elif point == "current":
        original = os.replace

        def replace(src, dst, *args, **kwargs):
            if os.path.basename(os.fspath(dst)) == "CURRENT":
                _pause(point)
            return original(src, dst, *args, **kwargs)

        os.replace = replace
    else:
        raise SystemExit(f"crash_child: unknown pause point {point!r}")


def main(argv: list[str]) -> int:
    """Parse the knobs, install the pause point, then run the CLI with the remaining arguments."""
    parser = argparse.ArgumentParser(prog="crash_child")
    parser.add_argument("--write-batch", type=int)
    parser.add_argument("--embed-chunk", type=int)
    parser.add_argument("--pause-at")
    parser.add_argument("--resume-when")
    parser.add_argument("args", nargs=argparse.REMAINDER)
    opts = parser.parse_args(argv)
    global _resume_file
    _resume_file = opts.resume_when
    from matcher import cli
    from matcher.importing import importer
    from matcher.index import state

    if opts.write_batch:
        importer.WRITE_BATCH = opts.write_batch
    if opts.embed_chunk:
        state.EMBED_CHUNK = opts.embed_chunk
    if opts.pause_at:
        point, _, nth = opts.pause_at.partition(":")
        _install(point, int(nth or 1))
    args = opts.args[1:] if opts.args[:1] == ["--"] else opts.args
    print("STARTED", flush=True)
    return cli.main(args)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
