"""`mentor-match requests|relationships|events ...`: introductions, relationships and their events, for operators.

    mentor-match requests list [--state STATE] [--json]      every request, newest first, in its state now
    mentor-match requests expire                             record the expiry of requests past their time
    mentor-match requests standing [MENTOR_ID ...] [--json]  why the ranking moves a mentor down (default: all it does)
    mentor-match relationships list [--state STATE] [--json]
    mentor-match relationships export --out FILE [--state STATE]   progress as CSV (a new owner-only file)
    mentor-match events list [--undelivered] | events prune --days N   the outbox (retention: prune)

None of them loads the model: they read and change the store only (other processes' catalogs catch up through
the change sequence). Lists show ids, states, reason codes and dates, never needs.
"""

from __future__ import annotations

import argparse
import json
import sys

from ..relationships import states

EXIT_OK, EXIT_USAGE = 0, 2


def add_commands(sub: argparse._SubParsersAction) -> None:
    """Register `requests` and `relationships` on the CLI's subparsers."""
    p = sub.add_parser("requests", help="list introduction requests, or record the expiry of those past their time")
    verbs = p.add_subparsers(dest="requests_command", required=True)
    v = verbs.add_parser("list", help="every request, newest first, in its state now")
    v.add_argument("--state", choices=states.REQUEST_STATES)
    v.add_argument("--json", action="store_true", help="one JSON object per line")
    verbs.add_parser(
        "expire",
        help="record the expiry of pending requests past MATCHER_REQUEST_TTL_DAYS (with their "
        "request.expired events); expiry holds without it, this tidies the store",
    )
    v = verbs.add_parser(
        "standing",
        help="why the ranking moves mentors down (requests let expire, no activity): these mentors, or all it moves",
    )
    v.add_argument("mentor_ids", nargs="*", metavar="MENTOR_ID")
    v.add_argument("--json", action="store_true", help="one JSON object per line")
    p.set_defaults(func=cmd_requests)

    p = sub.add_parser("relationships", help="list relationships, or export their progress as CSV")
    verbs = p.add_subparsers(dest="relationships_command", required=True)
    v = verbs.add_parser("list", help="every relationship, newest first")
    v.add_argument("--state", choices=states.RELATIONSHIP_STATES)
    v.add_argument("--json", action="store_true", help="one JSON object per line")
    v = verbs.add_parser("export", help="progress as CSV: sessions done / planned, topics covered, fit answers")
    v.add_argument("--out", required=True, help="a new file to write (never overwritten, never a link)")
    v.add_argument("--state", choices=states.RELATIONSHIP_STATES)
    p.set_defaults(func=cmd_relationships)

    p = sub.add_parser("events", help="the outbox of events for other apps: list them, or prune old delivered ones")
    verbs = p.add_subparsers(dest="events_command", required=True)
    v = verbs.add_parser("list", help="events oldest first, one JSON object a line (ids and states only)")
    v.add_argument("--undelivered", action="store_true", help="only those not delivered yet")
    v.add_argument("--limit", type=int, default=100)
    v = verbs.add_parser("prune", help="delete events delivered (or given up) more than --days ago")
    v.add_argument("--days", type=float, required=True)
    p.set_defaults(func=cmd_events)


def _relationships():
    from ..config import Settings
    from ..service import open_relationships

    return open_relationships(Settings.from_env())


def cmd_requests(args) -> int:
    service = _relationships()
    try:
        if args.requests_command == "expire":
            expired = service.expire_due()
            print(f"expired {len(expired)} request(s)")
            return EXIT_OK
        if args.requests_command == "standing":
            from ..errors import NotFound

            try:
                found = service.standing(args.mentor_ids or None)
            except NotFound as exc:
                print(f"error: {exc}", file=sys.stderr)
                return EXIT_USAGE
            for line in found:
                print(json.dumps(line) if args.json else f"{line['mentor_id']}\t{line['note']}")
            if not found and not args.json:
                print("the ranking moves no mentor down now")
            return EXIT_OK
        for r in service.list_requests(args.state):
            line = {
                "id": r.id,
                "state": r.state,
                "mentee_id": r.mentee_id,
                "mentor_id": r.mentor_id,
                "style": r.style,
                "reason": r.reason,
                "created_at": _iso(r.created_at),
                "expires_at": _iso(r.expires_at),
                "relationship_id": r.relationship_id,
            }
            print(json.dumps(line) if args.json else "\t".join("" if v is None else str(v) for v in line.values()))
        return EXIT_OK
    finally:
        service.store.close()


def cmd_relationships(args) -> int:
    from ..files import OutputRefused
    from ..relationships.export import write_export

    service = _relationships()
    try:
        if args.relationships_command == "export":
            try:
                count = write_export(args.out, service.progress_rows(args.state))
            except OutputRefused as exc:
                print(f"error: out: {exc}", file=sys.stderr)
                return EXIT_USAGE
            print(f"wrote {count} relationship(s) to {args.out}")
            return EXIT_OK
        for r in service.list_relationships(args.state):
            line = {
                "id": r.id,
                "state": r.state,
                "origin": r.origin,
                "mentee_id": r.mentee_id or r.mentee_key,
                "mentor_id": r.mentor_id,
                "style": r.style,
                "end_reason": r.end_reason,
                "started_at": _iso(r.started_at),
                "sessions_planned": r.sessions_planned,
            }
            print(json.dumps(line) if args.json else "\t".join("" if v is None else str(v) for v in line.values()))
        return EXIT_OK
    finally:
        service.store.close()


def cmd_events(args) -> int:
    import time

    service = _relationships()
    try:
        if args.events_command == "prune":
            if not args.days >= 0:
                print("error: --days: expected a number of days, at least 0", file=sys.stderr)
                return EXIT_USAGE
            print(f"pruned {service.store.prune_events(time.time() - args.days * states.DAY)} event(s)")
            return EXIT_OK
        for e in service.store.events(limit=max(1, args.limit), undelivered=args.undelivered):
            print(
                json.dumps(
                    {
                        "id": e.id,
                        "event_id": e.event_id,
                        "type": e.type,
                        "created_at": _iso(e.created_at),
                        "attempts": e.attempts,
                        "delivered_at": _iso(e.delivered_at),
                        "next_attempt_at": _iso(e.next_attempt_at),
                        "last_error": e.last_error,
                        "payload": e.payload,
                    }
                )
            )
        return EXIT_OK
    finally:
        service.store.close()


def _iso(seconds: float | None) -> str | None:
    from ..relationships.events import iso

    return iso(seconds)
