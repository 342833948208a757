"""`mentor-match outcomes ...` and `mentor-match learn`: the outcome log, and the ranking learned from it.

mentor-match outcomes import FILE       JSON Lines or CSV: need, mentor_id, outcome[, mentee_id, style, at]
mentor-match outcomes list [--mentor ID] [--mentee ID] [--limit N] [--json]
mentor-match outcomes stats [--json]
mentor-match outcomes delete --mentor ID | --mentee ID | --before DATE | --all
mentor-match learn [--kind linear|lightgbm|both] [--holdout 0.2] [--min-outcomes 200] [--json]
                                                                     fit, judge, adopt only if better
mentor-match learn --revert                                          back to the hand-tuned ranking
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import date
from pathlib import Path

EXIT_OK, EXIT_ERROR, EXIT_USAGE = 0, 1, 2
LEARNED_NOTE = (
    "a learned ranking keeps what it learned from deleted outcomes until `mentor-match learn` runs "
    "again (or `mentor-match learn --revert`); their votes stop at once"
)


def _day(text: str) -> str:
    try:
        return date.fromisoformat(text).isoformat()
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected an ISO date such as 2025-03-31, got {text!r}") from None


def _share(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not 0.05 <= value <= 0.5:
        raise argparse.ArgumentTypeError(f"expected a share from 0.05 to 0.5, got {text!r}")
    return value


def _count(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number, at least 1, got {text!r}")
    return int(text)


def add_commands(sub: argparse._SubParsersAction, service_factory) -> None:
    """Register `outcomes` and `learn` on the CLI's subparsers; `service_factory()` builds a MatchService."""
    p = sub.add_parser("outcomes", help="the outcome log: what happened after matches (what `learn` learns from)")
    verbs = p.add_subparsers(dest="outcomes_command", required=True)
    v = verbs.add_parser(
        "import",
        help="import outcomes (JSON Lines or CSV: need, mentor_id, outcome, and "
        "optionally mentee_id, style, at); the same row twice is stored once",
    )
    v.add_argument("file")
    v = verbs.add_parser("list", help="stored outcomes, oldest first (their needs are people's own words)")
    v.add_argument("--mentor", help="only this mentor's")
    v.add_argument("--mentee", help="only this mentee's")
    v.add_argument("--limit", type=_count, help="at most this many")
    v.add_argument("--json", action="store_true", help="one JSON object a line, the whole need")
    v = verbs.add_parser("stats", help="counts by outcome, mentees, mentors and dates")
    v.add_argument("--json", action="store_true")
    v = verbs.add_parser("delete", help="delete outcomes: a mentor's, a mentee's, those before a date, or all")
    which = v.add_mutually_exclusive_group(required=True)
    which.add_argument("--mentor", help="every outcome naming this mentor")
    which.add_argument("--mentee", help="every outcome of this mentee (a stored profile or a past participant)")
    which.add_argument("--before", type=_day, help="every outcome dated (else recorded) before this day")
    which.add_argument("--all", action="store_true", help="the whole log")
    p.set_defaults(func=lambda args: cmd_outcomes(args, service_factory))

    p = sub.add_parser(
        "learn",
        help="fit the ranking to the outcome log; adopted only if it ranks held-back "
        'mentees\' outcomes better (see README "Learning from outcomes")',
    )
    p.add_argument("--revert", action="store_true", help="back to the hand-tuned ranking (deletes learned rankings)")
    p.add_argument("--holdout", type=_share, help="share of mentees held back to judge (default 0.2)")
    p.add_argument("--min-outcomes", type=_count, help="positive outcomes needed to learn (default 200)")
    p.add_argument("--min-held-back", type=_count, help="held-back mentees with a positive outcome needed (default 30)")
    p.add_argument(
        "--kind",
        choices=("linear", "lightgbm", "both"),
        help="the model: linear (default), lightgbm (needs the lightgbm extra), or both side by side",
    )
    p.add_argument("--json", action="store_true", help="print the result as JSON")
    p.set_defaults(func=lambda args: cmd_learn(args, service_factory))


def cmd_outcomes(args, service_factory) -> int:
    """`outcomes import|list|stats|delete`."""
    verb = args.outcomes_command
    if verb == "import":
        return _import(args, service_factory)
    service = service_factory()
    store = service.store
    if verb == "list":
        for outcome in store.outcomes(args.mentor, args.mentee, args.limit):
            if args.json:
                print(json.dumps(outcome.public(), ensure_ascii=False))
            else:
                need = outcome.need if len(outcome.need) <= 60 else outcome.need[:59] + "\u2026"
                print(
                    "\t".join(
                        [
                            str(outcome.id),
                            outcome.at or "-",
                            outcome.outcome,
                            outcome.mentor_id,
                            outcome.mentee_id or "-",
                            outcome.style or "-",
                            need,
                        ]
                    )
                )
        return EXIT_OK
    if verb == "stats":
        stats = store.outcome_stats()
        if args.json:
            print(json.dumps(stats, indent=2))
            return EXIT_OK
        by = ", ".join(f"{k} {v}" for k, v in sorted(stats["by_outcome"].items())) or "none"
        print(
            f"{stats['outcomes']} outcomes ({by}); {stats['mentees']} mentees, {stats['mentors']} mentors; "
            f"dated {stats['first_at'] or '-'} to {stats['last_at'] or '-'}"
        )
        from ..learn import artefacts

        active = artefacts.active_name(service.settings.data_dir)
        print(f"learned ranking in use: {active or 'none (the hand-tuned ranking)'}")
        return EXIT_OK
    removed = store.delete_outcomes(args.mentor, args.mentee, args.before, everything=args.all)
    print(f"deleted {removed} outcomes")
    if removed:
        print(f"note: {LEARNED_NOTE}", file=sys.stderr)
    return EXIT_OK


def _import(args, service_factory) -> int:
    from ..outcomes.importing import import_outcomes, read_outcome_file

    path = Path(args.file)
    if not path.exists():
        print(f"error: file: {path} does not exist", file=sys.stderr)
        return EXIT_USAGE
    try:
        items, fmt = read_outcome_file(path)
    except UnicodeDecodeError as exc:
        print(f"error: file: {path} is not UTF-8 text ({exc.reason})", file=sys.stderr)
        return EXIT_USAGE
    service = service_factory()
    report = import_outcomes(service.store, service.embedder, items)
    for bad in report.rejected:
        reasons = "; ".join(f"{e['field']}: {e['reason']}" if e["field"] else e["reason"] for e in bad["errors"])
        print(f"line {bad['line']}: rejected: {reasons}", file=sys.stderr)
    summary = report.summary()
    print(
        f"{path.name} ({fmt}): added {summary['added']}, unchanged {summary['unchanged']}, "
        f"rejected {summary['rejected']}"
    )
    return EXIT_USAGE if report.rejected else EXIT_OK


def cmd_learn(args, service_factory) -> int:
    """`learn` and `learn --revert`."""
    from ..errors import LearnRunning
    from ..learn import LearnOptions, learn, revert
    from ..learn.models import lightgbm_missing

    given = [name for name in ("holdout", "min_outcomes", "min_held_back", "kind") if getattr(args, name) is not None]
    service = service_factory()
    try:
        if args.revert:
            if given:
                print(f"error: --revert: takes no other options (got --{given[0].replace('_', '-')})", file=sys.stderr)
                return EXIT_USAGE
            name, deleted = revert(service)
            print(
                f"back to the hand-tuned ranking (was: {name or 'already the hand-tuned one'}; "
                f"deleted {len(deleted)} learned ranking{'s' if len(deleted) != 1 else ''})"
            )
            return EXIT_OK
        options = LearnOptions(
            **{name: getattr(args, name) for name in given if name != "kind"},
            **({"kinds": kinds(args.kind)} if args.kind else {}),
        )
        if "lightgbm" in options.kinds and lightgbm_missing():
            print(f"error: --kind: {lightgbm_missing()}", file=sys.stderr)
            return EXIT_USAGE
        result = learn(service.open(progress=sys.stderr.isatty()), options, progress=sys.stderr.isatty())
    except LearnRunning as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_ERROR
    if args.json:
        print(
            json.dumps(
                {
                    "adopted": result.adopted,
                    "reason": result.reason,
                    "kind": result.kind,
                    "name": result.name,
                    "counts": result.counts,
                    "before": result.before,
                    "after": result.after,
                    "importance": result.importance,
                    "seconds": result.seconds,
                },
                indent=2,
                default=str,
            )
        )
        return EXIT_OK
    for line in describe(result):
        print(line)
    return EXIT_OK


def kinds(kind: str) -> tuple[str, ...]:
    """The model kinds a --kind names."""
    return ("linear", "lightgbm") if kind == "both" else (kind,)


def describe(result) -> list[str]:
    """What a learn did, for people: the counts, before and after on the held-back mentees, the decision."""
    c = result.counts
    lines = [
        f"outcome log: {c.get('outcomes', 0)} outcomes ({c.get('positive', 0)} positive), "
        f"{c.get('mentees', 0)} mentees, {c.get('mentors', 0)} mentors"
    ]
    if result.before is not None:
        lines.append(f"held back: {c['held_back_mentees']} mentees ({c['split']}); trained on {c['train_mentees']}")
        lines.append("| held-back mentees | nDCG@10 | recall@50 | top-5 Gini | mentors ever in a top 5 |")
        lines.append("|---|---|---|---|---|")
        for label, m in [("hand-tuned", result.before)] + [(f"learned, {k}", v) for k, v in result.after.items()]:
            lines.append(
                f"| {label} | {m['ndcg@10']:.3f} | {m['recall@50']:.3f} | {m['top5_gini']:.3f} | "
                f"{m['top5_share']:.1%} |"
            )
    lines.append(result.reason)
    if result.adopted:
        lines.append(
            f"learned ranking {result.name} is in use from the next match on (`mentor-match learn --revert` goes back)"
        )
    return lines
