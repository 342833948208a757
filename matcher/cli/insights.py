"""`mentor-match insights build | show`: the skills map from the command line.

mentor-match insights build                      # a new map from the store now (also after `reindex`)
mentor-match insights show                       # the top gaps as a table, the reverse-mentoring openings,
                                                 # the skills nobody asks for
mentor-match insights show --json | --csv        # the whole map, as GET /v1/insights answers it
mentor-match insights show --topic 7             # the people who want topic 7 (admin data: names, wishes)
mentor-match insights show --topic 7 --cohort --out cohort.jsonl   # ... as a cohort for `mentor-match pair`
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

EXIT_OK, EXIT_ERROR, EXIT_USAGE = 0, 1, 2
TOP = 15


def add_commands(sub: argparse._SubParsersAction, service_factory) -> None:
    """Register `insights` on the CLI's subparsers; `service_factory()` builds a MatchService."""
    p = sub.add_parser("insights", help="the skills map: what people want to learn against what colleagues teach")
    verbs = p.add_subparsers(dest="insights_command", required=True)
    verbs.add_parser("build", help="build a new map from the store (replaces the old one)")
    v = verbs.add_parser("show", help="the top gaps, the reverse-mentoring openings and the skills nobody asks for")
    shape = v.add_mutually_exclusive_group()
    shape.add_argument("--json", action="store_true", help="the whole map as JSON (as GET /v1/insights)")
    shape.add_argument("--csv", action="store_true", help="one row per topic as CSV (a suppressed count is <5)")
    shape.add_argument("--topic", type=_topic_id, metavar="ID", help="the people who want this topic")
    v.add_argument(
        "--cohort", action="store_true", help="with --topic: as a cohort file (JSON Lines) for `mentor-match pair`"
    )
    v.add_argument("--top", type=_topic_id, default=TOP, metavar="N", help=f"rows of each table (default {TOP})")
    v.add_argument("--out", help="write to this file instead of standard output")
    p.set_defaults(func=lambda args: cmd_insights(args, service_factory))


def _topic_id(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number from 1, got {text!r}")
    return int(text)


def cmd_insights(args, service_factory) -> int:
    from ..insights import BuildRunning, NoMap, UnknownTopic

    if args.insights_command == "show" and args.cohort and args.topic is None:
        print("error: --cohort: needs --topic ID", file=sys.stderr)
        return EXIT_USAGE
    service = service_factory()
    try:
        if args.insights_command == "build":
            print(built_line(service.insights.build()))
            return EXIT_OK
        stored = service.insights.current()  # NoMap before the index is loaded for nothing
        insights = service.open().insights
        if args.topic is not None:
            text = (
                insights.cohort_jsonl(args.topic) if args.cohort else _people_table(insights.people(args.topic, stored))
            )
        else:
            summary = insights.summary(stored)
            if args.json:
                text = json.dumps(summary, indent=2, ensure_ascii=False) + "\n"
            elif args.csv:
                from ..insights.summary import summary_csv

                text = summary_csv(summary)
            else:
                text = _tables(summary, args.top)
    except (BuildRunning, NoMap) as exc:
        print(f"error: {exc.args[0]}", file=sys.stderr)
        return EXIT_ERROR
    except UnknownTopic as exc:
        print(f"error: topic: the map has no topic {exc.args[0]}", file=sys.stderr)
        return EXIT_USAGE
    if args.out and args.out != "-":
        Path(args.out).write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
    return EXIT_OK


def built_line(report: dict) -> str:
    """One line about a build (or why there was none, after a re-index)."""
    if "error" in report:
        return f"skills map not built: {report['error']}"
    return (
        f"skills map {report['version']}: {report['topics']} topics from {report['wishes']} wishes, "
        f"{report['mentors']} available mentors' {report['sentences']} bio sentences, in {report['seconds']:.1f} s"
    )


def _count(value, hidden: str) -> str:
    return hidden if value is None else str(value)


def _table(header: list[str], rows: list[list[str]]) -> str:
    widths = [max(len(str(c)) for c in column) for column in zip(header, *rows)] if rows else [len(h) for h in header]
    lines = ["  ".join(str(c).ljust(w) for c, w in zip(row, widths)).rstrip() for row in [header, *rows]]
    return "\n".join(lines) + "\n"


def _tables(summary: dict, top: int) -> str:
    hidden = f"<{summary['min_group']}"
    out = [
        f"skills map {summary['version']}: {len(summary['topics'])} topics; counts of fewer than "
        f"{summary['min_group']} people show as {hidden}; a wish is covered when a mentor's sentence reaches "
        f"{summary['threshold']:g}\n"
    ]
    rows = [
        [
            str(g["topic"]),
            g["label"] or "(no shared words)",
            _count(g["uncovered"], hidden),
            _count(g["demand"], hidden),
            _count(g["supply"], hidden),
        ]
        for g in summary["gaps"][:top]
    ]
    out.append("\nTop gaps: wishes no available mentor answers well\n")
    out.append(
        _table(["topic", "label", "uncovered", "want it", "can teach"], rows)
        if rows
        else "(none large enough to show)\n"
    )
    least = sorted(summary["topics"], key=lambda t: ((t["supply"] or 0) / max(t["demand"] or 0, 1), t["id"]))
    rows = [
        [str(t["id"]), t["label"] or "(no shared words)", _count(t["demand"], hidden), _count(t["supply"], hidden)]
        for t in least
        if t["demand"]
    ][:top]
    out.append("\nFewest teachers per learner\n")
    out.append(_table(["topic", "label", "want it", "can teach"], rows))
    rows = [
        [str(r["topic"]), r["label"] or "(no shared words)", str(r["senior_demand"]), str(r["junior_supply"])]
        for r in summary["reverse_mentoring"][:top]
    ]
    out.append("\nReverse mentoring: seniors want it, juniors can teach it\n")
    out.append(
        _table(["topic", "label", "seniors want", "juniors teach"], rows) if rows else "(none large enough to show)\n"
    )
    rows = [[s["skill"], str(s["mentors"])] for s in summary["unasked"][:top]]
    out.append("\nOffered, nobody asks: mentors' tags no wish comes near\n")
    out.append(_table(["skill", "mentors"], rows) if rows else "(none)\n")
    return "".join(out)


def _people_table(people: list[dict]) -> str:
    rows = [
        [p["id"], p["name"], str(p["seniority"]), p["department"] or "", f"{p['score']:.2f}", p["wish"]] for p in people
    ]
    return _table(["id", "name", "seniority", "department", "best", "wish"], rows) if rows else "(nobody)\n"
