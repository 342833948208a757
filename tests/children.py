"""`mentor-match` child processes for the crash and concurrency tests (see tests/crash_child.py)."""

from __future__ import annotations

import os
import queue
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
WAIT = 300  # seconds a child may take to reach its kill point (the model loads first)


class Child:
    """A `mentor-match` subprocess whose stdout lines are collected by a thread."""

    def __init__(self, data_dir: Path, args: list[str], log: Path, backend: str):
        # The same model and backend as the test's own embedder, so that the vectors can be compared.
        env = dict(os.environ, MATCHER_DATA_DIR=str(data_dir), HF_HUB_OFFLINE="1", MATCHER_BACKEND=backend)
        self.log = open(log, "w")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "tests.crash_child", *args],
            cwd=REPO,
            env=env,
            stdout=subprocess.PIPE,
            stderr=self.log,
            text=True,
        )
        self.lines: queue.Queue[str] = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        for line in self.proc.stdout:
            self.lines.put(line.strip())

    def wait_for(self, prefix: str, timeout: float = WAIT) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                line = self.lines.get(timeout=0.5)
            except queue.Empty:
                assert self.proc.poll() is None, f"child exited with {self.proc.returncode}"
                continue
            if line.startswith(prefix):
                return line
        raise AssertionError(f"child never printed {prefix!r}")

    def kill(self) -> int:
        """SIGKILL; returns the exit status (-9 when the kill is what ended it)."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
        return self.proc.wait(timeout=30)
