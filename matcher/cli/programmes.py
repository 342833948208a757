"""`mentor-match pair` and `mentor-match programme ...`: cohorts paired at once, reviewed, published.

    mentor-match pair COHORT --style reverse --objective participation --out pairs.csv
    mentor-match programme list | show ID | run ID | approve ID [MENTEE ...] | reject ID MENTEE...
    mentor-match programme pin ID MENTEE MENTOR | ban ID MENTEE MENTOR | publish ID | export ID | delete ID
    mentor-match programme calendar ID --out sessions.ics     (the published pairs' sessions, iCalendar)

COHORT is JSON Lines (`{"id": ..., "need": ...}`) or CSV (`id,need`). The draft CSV has one row per
cohort member (mentor_id empty and reason filled for the unmatched).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from ..styles.rules import MATCH_STYLES

EXIT_OK, EXIT_ERROR, EXIT_USAGE = 0, 1, 2


def add_commands(sub: argparse._SubParsersAction, service_factory) -> None:
    """Register `pair` and `programme` on the CLI's subparsers; `service_factory()` builds a MatchService."""
    p = sub.add_parser("pair", help="pair a whole cohort at once into a draft programme and write it as CSV")
    p.add_argument("cohort", help='JSON Lines ({"id", "need"} a line) or CSV (id,need)')
    p.add_argument("--style", choices=MATCH_STYLES, required=True)
    p.add_argument("--name", help="the programme's name (default: the cohort file's name)")
    p.add_argument(
        "--objective",
        choices=("participation", "score"),
        default="participation",
        help="participation: as many mentees matched as possible, then the best fit; score: the best total fit",
    )
    p.add_argument("--sessions", type=int, default=6, help="sessions in the programme (1..52)")
    p.add_argument("--cadence", choices=("weekly", "every two weeks", "monthly"), default="every two weeks")
    p.add_argument(
        "--start-date",
        metavar="YYYY-MM-DD",
        help="the first session's day: sessions get dates from the cadence, and the programme a calendar",
    )
    p.add_argument("--max-per-mentor", type=int, help="most mentees per mentor (default: their free capacity)")
    p.add_argument("--min-score", type=float, help="no pair below this score (0..1)")
    p.add_argument("--candidates", type=int, default=20, help="candidates considered per mentee (1..50)")
    p.add_argument("--mentor", action="append", dest="mentor_ids", metavar="ID", help="only these mentors (repeatable)")
    p.add_argument("--department", action="append", dest="departments", help="only mentors of these departments")
    p.add_argument("--out", help="write the draft CSV to this new file, owner-only (default: standard output)")
    p.add_argument("--force", action="store_true", help="replace an existing --out file (never a symbolic link)")
    p.set_defaults(func=lambda args: cmd_pair(args, service_factory))

    p = sub.add_parser("programme", help="review, publish and export programmes")
    verbs = p.add_subparsers(dest="programme_command", required=True)
    verbs.add_parser("list", help="every programme with its state")
    for verb, helptext in (
        ("show", "the programme's pairs as JSON"),
        ("run", "run the draft again on the remainder"),
        ("publish", "publish the approved and pinned pairs (they use the mentors' capacity)"),
        ("delete", "delete the programme (published pairs free their places)"),
    ):
        verbs.add_parser(verb, help=helptext).add_argument("programme_id")
    v = verbs.add_parser("approve", help="approve proposed pairs (these mentees', or all with none named)")
    v.add_argument("programme_id")
    v.add_argument("mentees", nargs="*")
    v = verbs.add_parser("reject", help="reject these mentees' pairs (never proposed again)")
    v.add_argument("programme_id")
    v.add_argument("mentees", nargs="+")
    for verb, helptext in (
        ("pin", "pair this mentee with this mentor, if the rules allow"),
        ("ban", "never pair this mentee with this mentor"),
    ):
        v = verbs.add_parser(verb, help=helptext)
        v.add_argument("programme_id")
        v.add_argument("mentee")
        v.add_argument("mentor")
    v = verbs.add_parser("export", help="the programme as CSV")
    v.add_argument("programme_id")
    v.add_argument("--out", help="a new file, written owner-only (default: standard output)")
    v.add_argument("--force", action="store_true", help="replace an existing --out file (never a symbolic link)")
    v = verbs.add_parser("calendar", help="the published pairs' sessions as an iCalendar file (needs a start date)")
    v.add_argument("programme_id")
    v.add_argument("--out", help="a new file, written owner-only (default: standard output)")
    v.add_argument("--force", action="store_true", help="replace an existing --out file (never a symbolic link)")
    p.set_defaults(func=lambda args: cmd_programme(args, service_factory))


def cmd_pair(args, service_factory) -> int:
    """Create a programme from a cohort file, run its draft, write the CSV, print a summary on stderr."""
    from ..programmes.cohort import read_cohort

    path = Path(args.cohort)
    if not path.exists():
        print(f"error: cohort: {path} does not exist", file=sys.stderr)
        return EXIT_USAGE
    refused = _refused_output(args.out, args.force)  # before any work: say so now, not after the run
    if refused:
        print(f"error: out: {refused}", file=sys.stderr)
        return EXIT_USAGE
    definition = {
        "name": args.name or path.stem,
        "style": args.style,
        "cohort": read_cohort(path),
        "objective": args.objective,
        "sessions": args.sessions,
        "cadence": args.cadence,
        "start_date": args.start_date,
        "max_per_mentor": args.max_per_mentor,
        "min_score": args.min_score,
        "candidates": args.candidates,
        "mentors": {"ids": args.mentor_ids or [], "departments": args.departments or []},
    }
    programmes = service_factory().open().programmes
    view = programmes.run(programmes.create(definition).record.id)
    if not _write(programmes.export_csv(view.record.id), args.out, args.force):
        print(
            f"programme {view.record.id} was made: `mentor-match programme export {view.record.id} --out FILE` "
            "writes its CSV",
            file=sys.stderr,
        )
        return EXIT_USAGE
    summary = view.summary()
    print(
        f"programme {view.record.id} ({view.record.name}): {summary['proposed']} paired, "
        f"{summary['unmatched']} unmatched; review with `mentor-match programme show {view.record.id}`",
        file=sys.stderr,
    )
    return EXIT_OK


def cmd_programme(args, service_factory) -> int:
    """The review steps."""
    from ..errors import OverCommitted
    from ..programmes.service import UnknownProgramme

    programmes = service_factory().open().programmes
    verb = args.programme_command
    try:
        if verb == "list":
            for record in programmes.list():
                print(f"{record.id}\t{record.status}\t{record.spec.get('style')}\t{record.name}")
            return EXIT_OK
        pid = args.programme_id
        if verb == "export":
            return EXIT_OK if _write(programmes.export_csv(pid), args.out, args.force) else EXIT_USAGE
        if verb == "calendar":
            calendar = programmes.export_calendar(pid).decode("utf-8")
            return EXIT_OK if _write(calendar, args.out, args.force) else EXIT_USAGE
        if verb == "delete":
            if not programmes.delete(pid):
                raise UnknownProgramme(pid)
            print(f"deleted programme {pid}")
            return EXIT_OK
        if verb == "publish":
            view, published = programmes.publish(pid)
            print(f"published {len(published)} pair(s) of {pid}")
        else:
            view = {
                "show": lambda: programmes.view(pid),
                "run": lambda: programmes.run(pid),
                "approve": lambda: programmes.approve(pid, args.mentees or None),
                "reject": lambda: programmes.reject(pid, args.mentees),
                "pin": lambda: programmes.pin(pid, args.mentee, args.mentor),
                "ban": lambda: programmes.ban(pid, args.mentee, args.mentor),
            }[verb]()
        print(
            json.dumps(view.as_dict(), indent=2, ensure_ascii=False)
            if verb == "show"
            else f"{pid}: " + ", ".join(f"{n} {status}" for status, n in view.summary().items() if n)
        )
        return EXIT_OK
    except UnknownProgramme as exc:
        print(f"error: programme_id: no programme {exc.args[0]!r}", file=sys.stderr)
        return EXIT_USAGE
    except OverCommitted as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_ERROR


def _refused_output(out: str | None, force: bool) -> str | None:
    """Why `out` would be refused (files.check_output), or None; checked before a long run."""
    from ..files import OutputRefused, check_output

    if not out or out == "-":
        return None
    try:
        check_output(out, force)
    except OutputRefused as exc:
        return str(exc)
    return None


def _write(text: str, out: str | None, force: bool) -> bool:
    """Write the CSV to standard output, or to `out` owner-only (0600), never through a symbolic link and
    never over an existing file without `force`; False (after saying why) when refused."""
    from ..files import OutputRefused, write_private_output

    if not out or out == "-":
        sys.stdout.write(text)
        return True
    try:
        write_private_output(out, text, force=force)
    except OutputRefused as exc:
        print(f"error: out: {exc}", file=sys.stderr)
        return False
    except OSError as exc:  # e.g. no such folder, no permission
        print(f"error: out: cannot write {out}: {exc.strerror}", file=sys.stderr)
        return False
    return True
