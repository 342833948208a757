"""The webhook sender: delivers the outbox's events to MATCHER_WEBHOOK_URLS as Standard Webhooks.

Why a sender apart from the change: a change writes its events into the store's outbox in its own
transaction (store/relationships.py) and returns; this sender, a background thread per receiver in each
served process, delivers them later. So a slow or dead receiver never slows or fails a request, and an
event committed is never lost to a restart: it waits in the store until delivered.

Delivery, per (event, receiver) (store/webhooks.py):
- each event is handed out once to every configured receiver (a receiver added later gets the events not
  yet handed out, not older ones);
- a sender claims a few due deliveries for a lease (PostgreSQL: FOR UPDATE SKIP LOCKED; SQLite: one
  writer at a time), so several workers or replicas share the work and none sends what another holds;
- an attempt is a POST of `{"type", "timestamp", "data"}` signed with the Standard Webhooks headers
  (`webhook-id`: the event's id, the same on every retry, for receivers to drop duplicates;
  `webhook-timestamp`; `webhook-signature`), each network wait (connecting, each read of the answer) at
  most MATCHER_WEBHOOK_TIMEOUT seconds; a 2xx
  answer delivers it; anything else (another status, a refused connection, a timeout; redirects are not
  followed) is retried after events.RETRY_SCHEDULE's next delay, with +-20% jitter. After a failure the
  rest of that receiver's claimed batch waits too (a dead receiver costs one attempt per round);
- a delivery is given up after the schedule's eight attempts, or when its event is older than
  MATCHER_WEBHOOK_MAX_AGE_HOURS; it stays in the store as failed, for admins (`mentor-match webhooks list`).
At least once: a sender stopped between a receiver's answer and recording it (or whose lease ran out)
sends that event again; receivers dedupe on `webhook-id`. Order is the outbox's, but a retried event may
arrive after later ones.
"""

from __future__ import annotations

import json
import logging
import random
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from .. import metrics
from ..config import redacted_url
from .events import RETRY_SCHEDULE, iso

if TYPE_CHECKING:
    from ..config import Settings
    from ..store.webhooks import Delivery

log = logging.getLogger("matcher.webhooks")

OUTCOMES = ("delivered", "retry", "failed")  # failed: given up
JITTER = 0.2


@dataclass
class Round:
    """What one round of sending did: attempts delivered, to be retried, and given up."""

    delivered: int = 0
    retry: int = 0
    failed: int = 0

    def add(self, other: Round) -> Round:
        return Round(self.delivered + other.delivered, self.retry + other.retry, self.failed + other.failed)


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):  # a 3xx answer is a failed attempt, not a new destination
        return None


_opener = urllib.request.build_opener(_NoRedirects)


def body_of(delivery: Delivery) -> bytes:
    """The JSON body receivers get (Standard Webhooks' shape): the event's type, when it happened, its data."""
    event = delivery.event
    return json.dumps(
        {"type": event.type, "timestamp": iso(event.created_at), "data": event.payload},
        ensure_ascii=False,
        separators=(",", ":"),
    ).encode()


class WebhookSender:
    """Delivers outbox events to receivers (see the module's docstring).

    Args:
        store: the ProfileStore (its WebhookStore methods).
        receivers: the receivers' URLs.
        secret: the signing secret, whsec_ form.
        timeout: seconds an attempt may take.
        max_age: seconds after its event that a delivery is given up.
        schedule: seconds to wait after each failed attempt (tests pass short ones).
        interval: seconds between looks at the outbox when idle.
        batch: deliveries claimed at once per receiver.
    """

    def __init__(
        self,
        store,
        receivers: Sequence[str],
        secret: str,
        timeout: float = 5.0,
        max_age: float = 72 * 3600.0,
        schedule: Sequence[float] = RETRY_SCHEDULE,
        interval: float = 1.0,
        batch: int = 20,
        clock: Callable[[], float] = time.time,
    ):
        from standardwebhooks import Webhook

        self.store = store
        self.receivers = list(receivers)
        self._signer = Webhook(secret)
        self.timeout, self.max_age, self.schedule = timeout, max_age, tuple(schedule)
        self.interval, self.batch, self.clock = interval, batch, clock
        # A claim outlives the batch's attempts (each at most `timeout`), so no other sender takes them meanwhile.
        self.lease = max(60.0, 2 * batch * (timeout + 1))
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []

    @classmethod
    def from_settings(cls, store, settings: Settings, **options) -> WebhookSender | None:
        """A sender for MATCHER_WEBHOOK_URLS, or None when there is no receiver."""
        from ..config import webhook_receivers

        receivers = webhook_receivers(settings.webhook_urls)
        if not receivers:
            return None
        return cls(
            store,
            receivers,
            settings.webhook_secret,
            settings.webhook_timeout,
            settings.webhook_max_age_hours * 3600.0,
            **options,
        )

    # -- one round ----------------------------------------------------------------------------------

    def send_once(self) -> Round:
        """Hand out new events, then make each receiver's due attempts once (`mentor-match webhooks send-once`)."""
        total = Round()
        for receiver in self.receivers:
            total = total.add(self.send_due(receiver))
        return total

    def send_due(self, receiver: str) -> Round:
        """Hand out new events, then attempt this receiver's due deliveries, one claimed batch."""
        done = Round()
        self.store.fan_out(self.receivers, self.clock())
        claimed = self.store.claim_deliveries(receiver, self.clock(), self.batch, self.lease)
        for index, delivery in enumerate(claimed):
            if self._stop.is_set():  # shutting down: hand the rest back, due at once
                self.store.release_deliveries([d.event.id for d in claimed[index:]], receiver, self.clock())
                break
            outcome, due = self._attempt(delivery)
            setattr(done, outcome, getattr(done, outcome) + 1)
            metrics.count_webhook(delivery.event.type, outcome)
            if outcome != "delivered" and index + 1 < len(claimed):
                rest = [d.event.id for d in claimed[index + 1 :]]  # the receiver is failing: the rest wait too
                self.store.release_deliveries(rest, receiver, due if due is not None else self.clock())
                break
        return done

    def _attempt(self, delivery: Delivery) -> tuple[str, float | None]:
        """Send one delivery and record how it went: ("delivered" | "retry" | "failed", when due again)."""
        event, receiver = delivery.event, delivery.receiver
        now = self.clock()
        if now - event.created_at > self.max_age:
            self.store.delivery_ended(event.id, receiver, now, "gave up: older than the maximum age", attempted=False)
            log.warning(
                "webhook %s (%s) to %s given up: older than the maximum age",
                event.event_id,
                event.type,
                redacted_url(receiver),
            )
            return "failed", None
        error = self._post(receiver, event.event_id, body_of(delivery), now)
        now = self.clock()
        if error is None:
            self.store.delivery_ended(event.id, receiver, now)
            log.info("webhook %s (%s) delivered to %s", event.event_id, event.type, redacted_url(receiver))
            return "delivered", None
        attempts = delivery.attempts + 1
        if attempts > len(self.schedule) or now - event.created_at > self.max_age:
            self.store.delivery_ended(event.id, receiver, now, error)
            log.warning(
                "webhook %s (%s) to %s given up after %d attempts: %s",
                event.event_id,
                event.type,
                redacted_url(receiver),
                attempts,
                error,
            )
            return "failed", None
        due = now + self.schedule[attempts - 1] * random.uniform(1 - JITTER, 1 + JITTER)
        self.store.delivery_failed(event.id, receiver, error, due)
        log.info(
            "webhook %s (%s) to %s failed (%s), attempt %d; next in %.1f s",
            event.event_id,
            event.type,
            redacted_url(receiver),
            error,
            attempts,
            due - now,
        )
        return "retry", due

    def _post(self, receiver: str, event_id: str, body: bytes, now: float) -> str | None:
        """POST a signed body; None when the receiver answered 2xx, else why not (a status or an error class)."""
        stamp = datetime.fromtimestamp(now, UTC)
        headers = {
            "content-type": "application/json",
            "user-agent": "mentor-matcher-webhooks",
            "webhook-id": event_id,
            "webhook-timestamp": str(int(now)),
            "webhook-signature": self._signer.sign(event_id, stamp, body),
        }
        request = urllib.request.Request(receiver, data=body, headers=headers, method="POST")
        try:
            with _opener.open(request, timeout=self.timeout) as response:
                response.read(1024)
                return None if 200 <= response.status < 300 else f"HTTP {response.status}"
        except urllib.error.HTTPError as exc:
            exc.close()
            return f"HTTP {exc.code}"
        except urllib.error.URLError as exc:
            return type(exc.reason).__name__ if isinstance(exc.reason, BaseException) else "URLError"
        except (TimeoutError, OSError, ValueError) as exc:
            return type(exc).__name__

    # -- in the background --------------------------------------------------------------------------

    def start(self) -> WebhookSender:
        """Start a daemon thread per receiver (once; stop() ends them)."""
        if not self._threads:
            for number, receiver in enumerate(self.receivers):
                thread = threading.Thread(
                    target=self._run, args=(receiver,), daemon=True, name=f"matcher-webhooks-{number}"
                )
                thread.start()
                self._threads.append(thread)
        return self

    def _run(self, receiver: str) -> None:
        while not self._stop.is_set():
            try:
                busy = sum(vars(self.send_due(receiver)).values()) > 0
            except Exception as exc:  # the store unreachable a while: try again later
                log.warning("webhook sender for %s: %s", redacted_url(receiver), type(exc).__name__)
                busy = False
            if not busy:
                self._stop.wait(self.interval)

    def stop(self) -> None:
        """Stop sending: the current attempt finishes (at most `timeout`), the rest stays due in the store."""
        self._stop.set()
        for thread in self._threads:
            thread.join(self.timeout + 5)

    @property
    def running(self) -> bool:
        return any(thread.is_alive() for thread in self._threads)
