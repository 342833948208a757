"""A real webhook receiver for the tests: an HTTP server on a loopback port, in a thread.

It verifies every request's Standard Webhooks signature (standardwebhooks.Webhook(secret).verify) and keeps
what it received. Its answer is set by `mode`: "ok" (204), "500", or "hold" (wait until `release` is set,
then 204). It can be stopped ("down": the port refuses connections) and started again on the same port.
"""

from __future__ import annotations

import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from standardwebhooks import Webhook


class Receiver:
    def __init__(self, secret: str, mode: str = "ok", port: int = 0):
        self.verifier = Webhook(secret)
        self.mode = mode
        self.port = port
        self.release = threading.Event()
        self.lock = threading.Lock()
        self.received: list[dict] = []  # every request: {"id", "body", "verified", "mode", "status"}
        self.server: ThreadingHTTPServer | None = None
        self.log: list[str] = []  # what happened, in order ("held <id>", "answered <id>"), for ordering checks

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hooks/matcher?token=receiver-token"

    def start(self) -> Receiver:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                headers = {k.lower(): v for k, v in self.headers.items()}
                try:
                    receiver.verifier.verify(body, headers)
                    verified = True
                except Exception:
                    verified = False
                entry = {"id": headers.get("webhook-id"), "body": body, "verified": verified, "mode": receiver.mode}
                with receiver.lock:
                    receiver.received.append(entry)
                if receiver.mode == "hold":
                    receiver.log.append(f"held {entry['id']}")
                    receiver.release.wait(30)
                status = 500 if receiver.mode == "500" else 204
                entry["status"] = status
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()
                receiver.log.append(f"answered {entry['id']} {status}")

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> Receiver:
        """Down: the port refuses connections until start() again."""
        self.release.set()
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
            self.server = None
        return self

    def answered_ok(self) -> list[dict]:
        """The requests answered 204 (a held one may have been answered after the sender stopped waiting)."""
        with self.lock:
            return [r for r in self.received if r.get("status") == 204]


def wait_for(condition, timeout: float = 20.0, what: str = "condition"):
    """Poll until `condition()` is truthy (returns it) or fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.02)
    raise AssertionError(f"timed out waiting for {what}")
