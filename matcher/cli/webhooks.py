"""`mentor-match webhooks send-once | list`: the webhook outbox for operators (README "Webhooks").

    mentor-match webhooks send-once          hand out new events and make every due attempt once
    mentor-match webhooks list [--state failed] [--limit 50] [--json]
    mentor-match webhooks prune [--days 30]  delete events delivered (or given up) more than 30 days ago

Served processes send on their own (relationships/webhooks.py); send-once is for a store no server runs
on, or to see at once what a receiver answers. `list` shows ids, types, receivers (host only), states,
attempts and the last error: never a payload's people beyond their ids.
"""

from __future__ import annotations

import argparse
import json
import sys
import time

EXIT_OK, EXIT_ERROR, EXIT_USAGE = 0, 1, 2


def add_commands(sub: argparse._SubParsersAction, settings_factory) -> None:
    """Register `webhooks` on the CLI's subparsers; `settings_factory()` reads the settings."""
    p = sub.add_parser("webhooks", help="deliver the outbox's events once, or list deliveries")
    verbs = p.add_subparsers(dest="webhooks_command", required=True)
    verbs.add_parser("send-once", help="hand out new events and make every due attempt once (MATCHER_WEBHOOK_URLS)")
    v = verbs.add_parser("list", help="deliveries, newest first: event id, type, receiver, state, attempts, error")
    v.add_argument("--state", choices=("pending", "delivered", "failed"), help="only these (failed: given up)")
    v.add_argument("--limit", type=int, default=50, help="at most this many (default 50)")
    v.add_argument("--json", action="store_true", help="as JSON Lines")
    v = verbs.add_parser(
        "prune",
        help="delete events whose deliveries all ended (delivered or given up) "
        "more than --days ago (retention: SECURITY.md)",
    )
    v.add_argument("--days", type=float, default=30.0, help="keep this many days (default 30)")
    p.set_defaults(func=lambda args: cmd_webhooks(args, settings_factory))


def cmd_webhooks(args, settings_factory) -> int:
    from ..config import redacted_url
    from ..relationships.webhooks import WebhookSender
    from ..service import open_outbox

    settings = settings_factory()
    store = open_outbox(settings)
    try:
        if args.webhooks_command == "send-once":
            sender = WebhookSender.from_settings(store, settings)
            if sender is None:
                print("error: MATCHER_WEBHOOK_URLS is not set: no receiver to send to", file=sys.stderr)
                return EXIT_USAGE
            done = sender.send_once()
            print(f"delivered {done.delivered}, to retry {done.retry}, given up {done.failed}")
            return EXIT_OK
        if args.webhooks_command == "prune":
            if args.days < 0:
                print("error: --days: at least 0", file=sys.stderr)
                return EXIT_USAGE
            print(f"deleted {store.prune_events(time.time() - args.days * 86400)} event(s)")
            return EXIT_OK
        if args.limit < 1:
            print("error: --limit: at least 1", file=sys.stderr)
            return EXIT_USAGE
        for d in store.deliveries(args.state, args.limit):
            row = {
                "event_id": d.event.event_id,
                "type": d.event.type,
                "created_at": d.event.created_at,
                "receiver": redacted_url(d.receiver),
                "state": d.state,
                "attempts": d.attempts,
                "next_attempt_at": d.next_attempt_at,
                "last_error": d.last_error,
            }
            if args.json:
                print(json.dumps(row))
            else:
                print(
                    f"{row['event_id']}  {row['type']:<21} {row['receiver']:<32} {row['state']:<9} "
                    f"attempts={row['attempts']}" + (f"  last_error={d.last_error}" if d.last_error else "")
                )
        return EXIT_OK
    finally:
        store.close()
