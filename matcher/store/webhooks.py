"""Webhook deliveries in the store: one row per (outbox event, receiver), claimed by senders in turn.

A mixin of SQLiteStore and PostgresStore, beside RelationshipStore (relationships.py), with the same
three transactions. The outbox holds each event once; `fan_out` gives every receiver a delivery of the
events not yet handed out, and a sender claims due deliveries (`claim_deliveries`) for a lease: on
PostgreSQL with SELECT ... FOR UPDATE SKIP LOCKED (two senders never take the same rows), on SQLite inside
BEGIN IMMEDIATE (one writer at a time). A claim holds until its lease ends: a sender that dies mid-send
leaves the row due again then, so a delivery may be made twice (at least once, never lost).

Outbox columns, as the sender uses them: `next_attempt_at` not NULL = not yet handed to the receivers;
`delivered_at` = when every receiver's delivery ended (delivered or given up): then it may be pruned.
"""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass

from ..relationships.records import OutboxRecord
from .ledger import OUTBOX_COLUMNS, Ledger, outbox_record

DELIVERY_COLUMNS = "d.receiver, d.attempts, d.next_attempt_at, d.delivered_at, d.last_error"
_NEW = "delivered_at IS NULL AND next_attempt_at IS NOT NULL"  # outbox events not yet handed out
_OUTBOX = ", ".join(f"o.{c.strip()}" for c in OUTBOX_COLUMNS.split(","))


@dataclass(frozen=True)
class Delivery:
    """An event on its way to one receiver: `attempts` made so far; `next_attempt_at` None once it ended
    (delivered: `delivered_at` set; given up: not, with `last_error`: a status code or an error class)."""

    event: OutboxRecord
    receiver: str
    attempts: int
    next_attempt_at: float | None
    delivered_at: float | None
    last_error: str | None

    @property
    def state(self) -> str:
        if self.delivered_at is not None:
            return "delivered"
        return "failed" if self.next_attempt_at is None else "pending"


def _delivery(row: tuple) -> Delivery:
    n = len(OUTBOX_COLUMNS.split(","))
    receiver, attempts, due, delivered, error = row[n:]
    return Delivery(
        outbox_record(row[:n]),
        receiver,
        int(attempts),
        None if due is None else float(due),
        None if delivered is None else float(delivered),
        error,
    )


def _in(values: Sequence[str]) -> str:
    return ", ".join("?" * len(values))


class WebhookStore:
    """The store's webhook deliveries (see the module's docstring)."""

    def _outbox_tx(self) -> AbstractContextManager[Ledger]:  # pragma: no cover - each backend defines it
        raise NotImplementedError

    def _reading(self) -> AbstractContextManager[Ledger]:  # pragma: no cover
        raise NotImplementedError

    def fan_out(self, receivers: Sequence[str], now: float, limit: int = 200) -> int:
        """Give each receiver a delivery, due at once, of up to `limit` outbox events not yet handed out;
        returns how many events were handed out."""
        if not receivers or not self._any(f"SELECT 1 FROM outbox WHERE {_NEW} LIMIT 1", ()):
            return 0  # (looked at without a write transaction: an idle sender takes no lock)
        with self._outbox_tx() as tx:
            events = tx.outbox(_NEW, (), limit, claim=True)
            for event in events:
                for receiver in receivers:
                    tx.run(
                        "INSERT INTO webhook_deliveries (outbox_id, receiver, attempts, next_attempt_at) "
                        "VALUES (?, ?, 0, ?) ON CONFLICT DO NOTHING",
                        (event.id, receiver, now),
                    )
                tx.run("UPDATE outbox SET next_attempt_at = NULL WHERE id = ?", (event.id,))
        return len(events)

    def _any(self, sql: str, params: tuple) -> bool:
        with self._reading() as tx:
            return tx.one(sql, params) is not None

    def claim_deliveries(self, receiver: str, now: float, limit: int, lease: float) -> list[Delivery]:
        """Take up to `limit` of this receiver's deliveries due at `now`, oldest event first: none is due
        again before `now + lease`, so another sender skips them meanwhile."""
        due = "SELECT 1 FROM webhook_deliveries WHERE receiver = ? AND next_attempt_at <= ? LIMIT 1"
        if not self._any(due, (receiver, now)):
            return []
        with self._outbox_tx() as tx:
            rows = tx.all(
                f"SELECT {_OUTBOX}, {DELIVERY_COLUMNS} FROM webhook_deliveries d "
                "JOIN outbox o ON o.id = d.outbox_id WHERE d.receiver = ? AND d.next_attempt_at <= ? "
                f"ORDER BY d.outbox_id LIMIT {int(limit)}"
                + (" FOR UPDATE OF d SKIP LOCKED" if tx.dialect.claim else ""),
                (receiver, now),
            )
            for row in rows:
                tx.run(
                    "UPDATE webhook_deliveries SET next_attempt_at = ? WHERE outbox_id = ? AND receiver = ?",
                    (now + lease, row[0], receiver),
                )
        return [_delivery(r) for r in rows]

    def delivery_ended(
        self, outbox_id: int, receiver: str, now: float, error: str | None = None, attempted: bool = True
    ) -> None:
        """The delivery is over: delivered (no `error`) or given up (`error`), after an attempt or without
        one (`attempted`). When every receiver's delivery of the event has ended, the event is marked so
        (outbox.delivered_at)."""
        with self._outbox_tx() as tx:
            tx.run(
                "UPDATE webhook_deliveries SET attempts = attempts + ?, next_attempt_at = NULL, "
                "delivered_at = ?, last_error = ? WHERE outbox_id = ? AND receiver = ?",
                (int(attempted), None if error else now, None if error is None else error[:200], outbox_id, receiver),
            )
            tx.run(
                "UPDATE outbox SET delivered_at = ? WHERE id = ? AND next_attempt_at IS NULL AND NOT EXISTS "
                "(SELECT 1 FROM webhook_deliveries d WHERE d.outbox_id = ? AND d.next_attempt_at IS NOT NULL)",
                (now, outbox_id, outbox_id),
            )

    def delivery_failed(self, outbox_id: int, receiver: str, error: str, due: float) -> None:
        """One attempt failed (`error`: a status code or an error class, never a body); try again at `due`."""
        with self._outbox_tx() as tx:
            tx.run(
                "UPDATE webhook_deliveries SET attempts = attempts + 1, next_attempt_at = ?, last_error = ? "
                "WHERE outbox_id = ? AND receiver = ?",
                (due, error[:200], outbox_id, receiver),
            )

    def release_deliveries(self, outbox_ids: Sequence[int], receiver: str, due: float) -> None:
        """Hand claimed deliveries back, not attempted, due at `due` (their receiver just failed another)."""
        if outbox_ids:
            with self._outbox_tx() as tx:
                tx.run(
                    f"UPDATE webhook_deliveries SET next_attempt_at = ? WHERE receiver = ? AND outbox_id IN "
                    f"({_in(outbox_ids)}) AND next_attempt_at IS NOT NULL",
                    (due, receiver, *outbox_ids),
                )

    def deliveries(self, state: str | None = None, limit: int = 100) -> list[Delivery]:
        """Deliveries, newest event first: all, or those `pending`, `delivered` or `failed` (given up)."""
        where = {
            None: "",
            "pending": " WHERE d.next_attempt_at IS NOT NULL",
            "delivered": " WHERE d.delivered_at IS NOT NULL",
            "failed": " WHERE d.next_attempt_at IS NULL AND d.delivered_at IS NULL",
        }[state]
        with self._reading() as tx:
            rows = tx.all(
                f"SELECT {_OUTBOX}, {DELIVERY_COLUMNS} FROM webhook_deliveries d JOIN outbox o "
                f"ON o.id = d.outbox_id{where} ORDER BY d.outbox_id DESC, d.receiver LIMIT {int(limit)}"
            )
        return [_delivery(r) for r in rows]
