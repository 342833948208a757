#!/usr/bin/env python
"""Soak: one `mentor-match serve` under a steady mixed load for a long time; memory and latency per window.

What it checks: nothing grows that should not. The server's memory (PSS of the master and its workers,
/proc/PID/smaps_rollup: shared pages split between the processes that share them; and their private
memory, which other processes sharing the same libraries do not move) and the p95 latency of
matches, per window (5 minutes by default), should stay flat after the first window (the model, the
index and the query cache fill up in it). Each window reports the median of its PSS samples (one every
10 s) and their maximum (a re-index builds a new generation beside the old one for a moment).

The load, at --rate operations per second, steady (an operation starts every 1/rate s, on a pool of
--concurrency client threads; when all of them are busy the operation is counted as shed, not queued):
out of every 20, 17 matches (needs taken in turn from the profiles' own goals: a few hundred distinct
needs), 1 update of a profile's bio (the model runs on it), 1 new profile and 1 delete of the oldest
profile the soak made (SOAK_LIVE stay: the store's size stays steady); and a re-index every
--reindex-minutes.

    scripts/soak.py                                   # 30 minutes, SQLite (README "Soak")
    scripts/soak.py --minutes 60 --rate 20 --out soak.json
    scripts/soak.py --postgres                        # on a throwaway PostgreSQL (scripts/throwaway-postgres)
    scripts/soak.py --smoke                           # seconds (tests/test_soak_smoke.py)

The profiles are the demo's (matcher/demo/profiles.jsonl), on a fresh store in a temporary folder;
the server listens on a loopback port. Prints a Markdown table; writes JSON (--out, default
bench-results/soak-<time>.json). Exit status 1 when any request failed (an error or a 5xx).
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench_http import Server, _children, percentile  # noqa: E402 - scripts/ is on the path: this file's folder

DEMO = ROOT / "matcher" / "demo" / "profiles.jsonl"
SOAK_LIVE = 20  # soak-made profiles alive at any time: each new one deletes the one SOAK_LIVE before it
MIX = ["match"] * 17 + ["update", "add", "delete"]


def log(message: str) -> None:
    print(f"soak: {message}", file=sys.stderr, flush=True)


# -- the server ---------------------------------------------------------------------------------------


@contextmanager
def database(args: argparse.Namespace) -> Iterator[str]:
    """The database URL to use ("" for SQLite): --database-url, or a throwaway server with --postgres."""
    if args.database_url or not args.postgres:
        yield args.database_url or ""
        return
    folder = tempfile.mkdtemp(prefix="mentor-matcher-soak-pg.")
    script = ROOT / "scripts" / "throwaway-postgres"
    try:
        started = subprocess.run([str(script), "start", folder], capture_output=True, text=True)
        if started.returncode != 0:
            raise SystemExit(f"could not start a PostgreSQL server: {started.stderr.strip()}")
        yield started.stdout.strip()
    finally:
        subprocess.run([str(script), "stop", folder], capture_output=True)


def admin_key(data_dir: Path, database_url: str) -> str:
    """A new admin key on the store (the schema is created or migrated first)."""
    from matcher.config import Settings
    from matcher.keys import KeyRing
    from matcher.store import migrate_store, open_store

    settings = Settings(data_dir=data_dir, database_url=database_url)
    migrate_store(settings)
    store = open_store(settings)
    try:
        return KeyRing(store).create("admin", "soak")[1]
    finally:
        store.close()


def server_memory(server: Server) -> tuple[float, float]:
    """(PSS, private memory) of the server's processes in MB, from /proc/PID/smaps_rollup.

    PSS splits each shared page between the processes that map it, so it moves when other processes
    using the same libraries start or stop (a shared machine); private memory (Private_Clean +
    Private_Dirty, "USS") is the server's own, what a leak would grow.
    """
    pss = private = 0.0
    for pid in [server.proc.pid, *_children(server.proc.pid)]:
        try:
            with open(f"/proc/{pid}/smaps_rollup") as fh:
                for line in fh:
                    if line.startswith("Pss:"):
                        pss += float(line.split()[1])
                    elif line.startswith(("Private_Clean:", "Private_Dirty:")):
                        private += float(line.split()[1])
        except OSError:
            continue
    return round(pss / 1024, 1), round(private / 1024, 1)


# -- the load -----------------------------------------------------------------------------------------


@dataclass
class Outcome:
    kind: str
    started: float  # monotonic
    ms: float
    status: int  # 0: no answer


@dataclass
class Recorder:
    """Every operation's outcome, and the server's memory sampled over time (thread-safe)."""

    outcomes: list[Outcome] = field(default_factory=list)
    # (monotonic, PSS MB, private MB, load average)
    memory: list[tuple[float, float, float, float]] = field(default_factory=list)
    shed: list[float] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, outcome: Outcome) -> None:
        with self.lock:
            self.outcomes.append(outcome)


class Client:
    """Requests to the server, one new connection each (http.client), with the admin key."""

    def __init__(self, port: int, token: str, timeout: float = 120.0):
        self.port, self.token, self.timeout = port, token, timeout

    def call(self, method: str, path: str, body: object = None, content_type: str = "application/json") -> int:
        import http.client

        headers = {"Authorization": f"Bearer {self.token}", "Connection": "close"}
        data = None
        if body is not None:
            data = body if isinstance(body, bytes) else json.dumps(body).encode()
            headers["Content-Type"] = content_type
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=self.timeout)
        try:
            conn.request(method, path, body=data, headers=headers)
            response = conn.getresponse()
            response.read()
            return response.status
        except (OSError, http.client.HTTPException):
            return 0
        finally:
            conn.close()


class Mix:
    """The next operation of the steady mix, as a call to make (thread-safe)."""

    def __init__(self, client: Client, profiles: list[dict], live: int = SOAK_LIVE):
        self.client = client
        self.profiles = profiles
        self.mentors = [p for p in profiles if p.get("bio")]  # the ones with a bio to revise
        self.live = live
        self.needs = itertools.cycle([p["goals"] for p in profiles if p.get("goals")] or [p["bio"] for p in profiles])
        self.kinds = itertools.cycle(MIX)
        self.updates = itertools.count()
        self.added: list[str] = []
        self.next_new = itertools.count()
        self.lock = threading.Lock()

    def next(self) -> tuple[str, str, str, object]:
        """(kind, method, path, body)."""
        with self.lock:
            kind = next(self.kinds)
            if kind == "match":
                return kind, "POST", "/v1/match", {"need": next(self.needs), "limit": 5}
            if kind == "update":
                n = next(self.updates)
                person = self.mentors[n % len(self.mentors)]
                bio = f"{person['bio']} (revision {n // len(self.mentors) % 3})"
                return kind, "PUT", f"/v1/profiles/{person['id']}", dict(person, bio=bio)
            if kind == "add":
                n = next(self.next_new)
                person = dict(self.profiles[n % len(self.profiles)], id=f"soak-{n:06d}", manager_id=None)
                self.added.append(person["id"])
                return kind, "PUT", f"/v1/profiles/{person['id']}", person
            if len(self.added) > self.live:
                return kind, "DELETE", f"/v1/profiles/{self.added.pop(0)}", None
            return "match", "POST", "/v1/match", {"need": next(self.needs), "limit": 5}

    def run(self, recorder: Recorder) -> None:
        started, kind = time.monotonic(), "error"
        try:
            kind, method, path, body = self.next()
            status = self.client.call(method, path, body)
        except Exception as exc:  # a bug of this script: counted as a failure
            log(f"operation failed in the client: {type(exc).__name__}: {exc}")
            status = 0
        recorder.add(Outcome(kind, started, (time.monotonic() - started) * 1000, status))


def drive(server: Server, mix: Mix, args: argparse.Namespace, recorder: Recorder) -> float:
    """The steady load for args.seconds: an operation every 1/rate s, a re-index every reindex_seconds,
    the server's PSS every sample_seconds. Returns when it started (monotonic)."""
    pool = ThreadPoolExecutor(max_workers=args.concurrency, thread_name_prefix="soak-client")
    busy = threading.Semaphore(args.concurrency)
    start = time.monotonic()
    end = start + args.seconds
    next_op, next_sample, next_reindex = start, start, start + args.reindex_seconds
    reindexing: list = []

    def one() -> None:
        try:
            mix.run(recorder)
        finally:
            busy.release()

    def reindex() -> None:
        started = time.monotonic()
        status = mix.client.call("POST", "/v1/reindex")
        recorder.add(Outcome("reindex", started, (time.monotonic() - started) * 1000, status))

    while (now := time.monotonic()) < end:
        if now >= next_sample:
            with recorder.lock:
                recorder.memory.append((now, *server_memory(server), os.getloadavg()[0]))
            next_sample += args.sample_seconds
        if now >= next_reindex:
            if not any(t.is_alive() for t in reindexing):
                thread = threading.Thread(target=reindex, daemon=True, name="soak-reindex")
                thread.start()
                reindexing.append(thread)
            next_reindex += args.reindex_seconds
        if now >= next_op:
            if busy.acquire(blocking=False):
                pool.submit(one)
            else:
                recorder.shed.append(now)
            next_op += 1 / args.rate
        time.sleep(max(0.0, min(next_op, next_sample, next_reindex, end) - time.monotonic()))
    pool.shutdown(wait=True)
    for thread in reindexing:
        thread.join(timeout=600)
    with recorder.lock:
        recorder.memory.append((time.monotonic(), *server_memory(server), os.getloadavg()[0]))
    return start


# -- the report ---------------------------------------------------------------------------------------


def windows(recorder: Recorder, start: float, seconds: float, window: float) -> list[dict]:
    """Per window: counts, failures, match p50/p95, write p95, PSS at its end and at most."""
    rows = []
    n = max(1, round(seconds / window))
    for i in range(n):
        lo, hi = start + i * window, start + (i + 1) * window
        got = [o for o in recorder.outcomes if lo <= o.started < hi]
        matches = [o.ms for o in got if o.kind == "match" and o.status == 200]
        writes = [o.ms for o in got if o.kind in ("update", "add", "delete") and 200 <= o.status < 300]
        samples = [(mb, private, load) for t, mb, private, load in recorder.memory if lo <= t <= hi + 1]
        memory = [mb for mb, _, _ in samples]
        private = [mb for _, mb, _ in samples]
        failed = [o for o in got if not 200 <= o.status < 300]
        rows.append(
            {
                "window": i + 1,
                "from_s": round(lo - start),
                "to_s": round(hi - start),
                "matches": len(matches),
                "writes": len(writes),
                "reindexes": sum(o.kind == "reindex" and o.status == 200 for o in got),
                "failed": len(failed),
                "failures": sorted({f"{o.kind} {o.status}" for o in failed}),
                "shed": sum(lo <= t < hi for t in recorder.shed),
                "match_p50_ms": round(percentile(matches, 50), 1),
                "match_p95_ms": round(percentile(matches, 95), 1),
                "write_p95_ms": round(percentile(writes, 95), 1),
                "load_average": round(sum(load for _, _, load in samples) / len(samples), 1) if samples else None,
                "pss_median_mb": round(percentile(memory, 50), 1) if memory else None,
                "pss_max_mb": max(memory) if memory else None,
                "private_median_mb": round(percentile(private, 50), 1) if private else None,
            }
        )
    return rows


def print_table(report: dict) -> None:
    unit = report["window_seconds"]
    label = f"{unit / 60:g} min" if unit >= 60 else f"{unit:g} s"
    print(
        f"\n| window ({label}) | matches | writes | re-indexes | failed | match p50 / p95, ms | write p95, ms "
        f"| PSS median / max, MB | private median, MB | load average |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|")
    for row in report["windows"]:
        print(
            f"| {row['window']} | {row['matches']} | {row['writes']} | {row['reindexes']} | {row['failed']} "
            f"| {row['match_p50_ms']} / {row['match_p95_ms']} | {row['write_p95_ms']} "
            f"| {row['pss_median_mb']} / {row['pss_max_mb']} | {row['private_median_mb']} | {row['load_average']} |"
        )
    print(f"\n{report['summary']}")


def summarise(rows: list[dict]) -> str:
    """Growth from the second window (the first fills the caches) to the last."""
    if len(rows) < 3:
        return "too few windows to compare"
    first, last = rows[1], rows[-1]
    pss = (last["pss_median_mb"] - first["pss_median_mb"]) / first["pss_median_mb"] * 100
    p95 = (last["match_p95_ms"] - first["match_p95_ms"]) / first["match_p95_ms"] * 100
    return (
        f"from window 2 to window {last['window']}: PSS (median) {first['pss_median_mb']} -> "
        f"{last['pss_median_mb']} MB ({pss:+.1f}%), "
        f"match p95 {first['match_p95_ms']} -> {last['match_p95_ms']} ms ({p95:+.1f}%)"
    )


# -- main ---------------------------------------------------------------------------------------------


def run(args: argparse.Namespace) -> dict:
    profiles = [json.loads(line) for line in DEMO.read_text().splitlines() if line.strip()][: args.profiles]
    data_dir = Path(tempfile.mkdtemp(prefix="mentor-matcher-soak."))
    load_before = os.getloadavg()
    try:
        with database(args) as url:
            token = admin_key(data_dir, url)
            env = dict(
                os.environ,
                HF_HUB_OFFLINE="1",
                MATCHER_DATA_DIR=str(data_dir),
                MATCHER_KEY_RATE_LIMIT="1000000 per minute",
                MATCHER_ADDRESS_RATE_LIMIT="1000000 per minute",
            )
            if url:
                env["MATCHER_DATABASE_URL"] = url
            log(
                f"starting the server ({'PostgreSQL' if url else 'SQLite'}, {args.workers} worker(s) x "
                f"{args.threads} threads)"
            )
            server = Server(env, args.workers, args.threads, data_dir / "server.log")
            try:
                client = Client(server.port, token)
                lines = "".join(json.dumps(p) + "\n" for p in profiles).encode()
                status = client.call("POST", "/v1/profiles:batch", lines, "application/x-ndjson")
                if status != 200:
                    raise SystemExit(f"loading the profiles answered {status}; see {server.log_path}")
                if client.call("POST", "/v1/reindex") != 200:
                    raise SystemExit(f"the first re-index failed; see {server.log_path}")
                log(f"{len(profiles)} profiles loaded; {args.seconds:g} s of load at {args.rate:g} operations/s")
                recorder = Recorder()
                start = drive(server, Mix(client, profiles, args.live), args, recorder)
            finally:
                server.stop()
                if args.keep_log:
                    shutil.copy(data_dir / "server.log", args.keep_log)
    finally:
        shutil.rmtree(data_dir, ignore_errors=True)
    rows = windows(recorder, start, args.seconds, args.window_seconds)
    return {
        "store": "postgresql" if args.postgres or args.database_url else "sqlite",
        "profiles": len(profiles),
        "rate": args.rate,
        "concurrency": args.concurrency,
        "workers": args.workers,
        "threads": args.threads,
        "seconds": args.seconds,
        "window_seconds": args.window_seconds,
        "reindex_seconds": args.reindex_seconds,
        "cpus": os.cpu_count(),
        "load_average_before": [round(x, 2) for x in load_before],
        "load_average_after": [round(x, 2) for x in os.getloadavg()],
        "started": time.strftime("%Y-%m-%d %H:%M", time.localtime(time.time() - args.seconds)),
        "windows": rows,
        # every sample: seconds since the load started, PSS and private memory in MB, the 1-minute load average
        "memory": [[round(t - start, 1), mb, private, round(load, 2)] for t, mb, private, load in recorder.memory],
        "failed": sum(r["failed"] for r in rows),
        "summary": summarise(rows),
    }


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--minutes", type=float, default=30.0, help="how long the load runs")
    p.add_argument("--window-minutes", type=float, default=5.0, help="one row of the report per window")
    p.add_argument("--rate", type=float, default=8.0, help="operations per second")
    p.add_argument("--concurrency", type=int, default=8, help="client threads at most")
    p.add_argument("--reindex-minutes", type=float, default=5.0, help="a re-index this often")
    p.add_argument("--profiles", type=int, default=10_000, help="the first N demo profiles (all: 382)")
    p.add_argument("--workers", type=int, default=1)
    p.add_argument("--threads", type=int, default=8)
    p.add_argument("--postgres", action="store_true", help="a throwaway PostgreSQL (scripts/throwaway-postgres)")
    p.add_argument("--database-url", default="", help="a PostgreSQL database of yours (an empty one: it is written)")
    p.add_argument("--out", type=Path, help="JSON report (default bench-results/soak-<time>.json)")
    p.add_argument("--keep-log", type=Path, help="copy the server's log here")
    p.add_argument(
        "--smoke", action="store_true", help="seconds: 12 s of load, 4 s windows, 40 profiles, a re-index every 5 s"
    )
    args = p.parse_args(argv)
    args.seconds, args.window_seconds = args.minutes * 60, args.window_minutes * 60
    args.reindex_seconds, args.sample_seconds, args.live = args.reindex_minutes * 60, 10.0, SOAK_LIVE
    if args.smoke:
        args.seconds, args.window_seconds, args.reindex_seconds, args.sample_seconds = 12.0, 4.0, 5.0, 1.0
        args.profiles, args.rate, args.live = min(args.profiles, 40), min(args.rate, 5.0), 1
    if args.rate <= 0 or args.seconds <= 0 or args.window_seconds <= 0 or args.concurrency < 1:
        p.error("--rate, --minutes, --window-minutes and --concurrency must be positive")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    report = run(args)
    out = args.out or ROOT / "bench-results" / f"soak-{time.strftime('%Y%m%d-%H%M%S')}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, indent=2))
    print_table(report)
    log(f"report written to {out}")
    return 1 if report["failed"] else 0


if __name__ == "__main__":
    sys.exit(main())
