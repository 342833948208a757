"""`mentor-match`: import, reindex, match, pair, programme, requests, relationships, serve, keys, config, and more.

The rest: outcomes, learn, migrate, export-model, adapt, backup, webhooks, insights.

Every command honours MATCHER_DATA_DIR (and the other MATCHER_* settings, checked first: a bad value
exits 2 naming the variable). Exit status: 0 on success, 2 on bad usage, bad settings or bad input
(including an import with rejected rows), 1 otherwise. A command prints its answer on standard output
and its own progress and errors on standard error; libraries' chatter is kept out (`-v` shows our
logs, and the traceback of an unexpected error).

The commands live by group: profiles and operators here, `programmes.py`, `model.py`. Like the HTTP
API, the CLI calls the service and the feature packages, never the store or the index (lint-imports).
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from importlib import resources
from pathlib import Path

from ..errors import InvalidInput
from ..styles.rules import ANY, MATCH_STYLES

EXIT_OK, EXIT_ERROR, EXIT_USAGE = 0, 1, 2


def _settings():
    from ..config import Settings

    return Settings.from_env()


_services: list = []  # every MatchService a command built: closed when the command ends (see main)


def _service(args=None):
    from ..service import MatchService

    service = MatchService(_settings())
    _services.append(service)
    return service


def _progress() -> bool:
    return sys.stderr.isatty()


def demo_profiles_path() -> Path:
    """The demo profiles shipped in the package."""
    return Path(str(resources.files("matcher.demo") / "profiles.jsonl"))


def cmd_import(args) -> int:
    from ..importing.readers import read_file

    path = demo_profiles_path() if args.demo else Path(args.file)
    if not path.exists():
        print(f"error: file: {path} does not exist", file=sys.stderr)
        return EXIT_USAGE
    try:
        items, fmt = read_file(path)
    except UnicodeDecodeError as exc:
        print(f"error: file: {path} is not UTF-8 text ({exc.reason})", file=sys.stderr)
        return EXIT_USAGE
    service = _service().open(progress=_progress())
    report = service.import_items(items, progress=_progress(), total=len(items), checkpoint=True)
    for bad in report.rejected:
        reasons = "; ".join(f"{e['field']}: {e['reason']}" if e["field"] else e["reason"] for e in bad["errors"])
        print(f"line {bad['line']}: rejected: {reasons}", file=sys.stderr)
    summary = report.summary()
    print(
        f"{path.name} ({fmt}): added {summary['added']}, updated {summary['updated']}, "
        f"unchanged {summary['unchanged']}, rejected {summary['rejected']}"
    )
    return EXIT_USAGE if report.rejected else EXIT_OK


def cmd_reindex(args) -> int:
    from ..errors import EngineError
    from ..model.batch import engine_for
    from ..service import MatchService

    settings = _settings()
    engine = engine_for(args.engine, settings, args.address)  # EngineUnavailable (a ValueError): exit 2
    try:
        result = MatchService(settings).reindex(progress=_progress(), engine=engine)
    except EngineError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_ERROR
    finally:
        if engine is not None:
            engine.close()
    if "embedded" in result:
        filled = result["embedded"]
        print(
            f"embedded {filled.written} profiles with the {filled.engine} engine in {filled.seconds:.1f} s"
            + (f" ({filled.refused} changed meanwhile, not stored)" if filled.refused else "")
        )
    print(f"re-indexed {result['profiles']} profiles into {result['generation']} in {result['seconds']:.1f} s")
    if "insights" in result:
        from .insights import built_line

        print(built_line(result["insights"]))
    return EXIT_OK


def cmd_match(args) -> int:
    mentee: dict = {}
    if args.mentee_id:
        mentee["id"] = args.mentee_id
    if args.mentee_seniority is not None:
        mentee["seniority"] = args.mentee_seniority
    if args.timezone:
        mentee["timezone"] = args.timezone
    if args.language:
        mentee["languages"] = args.language
    if args.mentee_bio:
        mentee["bio"] = args.mentee_bio
    body = {"need": args.need, "style": args.style, "mentee": mentee, "limit": args.limit}
    if args.virtual_only:
        body["filters"] = {"virtual_only": True}
    service = _service().open(progress=_progress())
    try:
        result = service.match(body)
    except InvalidInput as exc:
        for error in exc.errors:
            print(f"error: {error}", file=sys.stderr)
        return EXIT_USAGE
    if args.json:
        print(json.dumps(result, indent=2, ensure_ascii=False))
        return EXIT_OK
    if not result["matches"]:
        print(f"No {args.style} mentors match: widen the style (try --style any) or the need.")
    for rank, match in enumerate(result["matches"], start=1):
        mentor, why = match["mentor"], match["why"]
        print(
            f"{rank}. {mentor['name']} ({mentor.get('title') or 'no title'}, seniority {mentor['seniority']})"
            f"  score {match['score']:.2f}"
        )
        for sentence in why["evidence"]:
            print(f"   \u201c{sentence}\u201d")
        if why["notes"]:
            print("   " + "; ".join(why["notes"]))
    return EXIT_OK


def cmd_serve(args) -> int:
    from ..api.serving import serve

    settings = _settings()  # a bad MATCHER_* value stops here (exit 2), not in every worker
    return serve(
        args.host,
        args.port,
        workers=args.workers,
        threads=args.threads,
        log_format=settings.log_format,
        drain_seconds=settings.drain_seconds,
    )


def cmd_config(args) -> int:
    """Print the effective settings (defaults, then MATCHER_* variables), one per line or as JSON."""
    values = _settings().public()
    if args.json:
        print(json.dumps(values, indent=2))
        return EXIT_OK
    width = max(len(name) for name in values) + len("MATCHER_")
    for name, value in values.items():
        print(f"{('MATCHER_' + name.upper()).ljust(width)}  {value if value not in ('', None) else '(not set)'}")
    return EXIT_OK


def cmd_keys(args) -> int:
    from ..service import open_keyring

    ring = open_keyring(_settings())
    if args.keys_command == "create":
        key, token = ring.create(args.scope, args.label)
        print(f"created key {key.key_id} with scope {key.scope}; it is shown once, keep it secret:")
        print(token)
        return EXIT_OK
    if args.keys_command == "list":
        for key in ring.list():
            state = "active" if key.active else "revoked"
            print(f"{key.key_id}\t{key.scope}\t{state}\t{key.label or ''}")
        return EXIT_OK
    if ring.revoke(args.key_id):
        print(f"revoked key {args.key_id}")
        return EXIT_OK
    print(f"error: key_id: no active key {args.key_id!r}", file=sys.stderr)
    return EXIT_USAGE


def cmd_backup(args) -> int:
    from ..service import backup_store

    target = Path(args.target)
    if target.exists():
        print(f"error: target: {target} exists; give a new file name", file=sys.stderr)
        return EXIT_USAGE
    backup_store(_settings(), target)
    print(f"backed up the store to {target}")
    return EXIT_OK


def cmd_migrate(args) -> int:
    from ..config import Settings
    from ..service import migrate

    applied, version, where = migrate(Settings.from_env())  # where: the database URL with its password masked
    if version is None:
        print(f"{where}: SQLite creates its schema when the store opens; nothing to migrate")
    elif applied:
        print(f"{where}: applied {', '.join(applied)}; schema at version {version}")
    else:
        print(f"{where}: schema already at version {version}; nothing to do")
    return EXIT_OK


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of `mentor-match`: each group of commands adds its own subparsers."""
    from . import insights, model, outcomes, programmes, relationships, webhooks

    parser = argparse.ArgumentParser(prog="mentor-match", description=__doc__.split("\n")[0])
    parser.add_argument(
        "-v",
        "--verbose",
        action="store_true",
        help="show the service's own logs, and the traceback of an unexpected error",
    )
    sub = parser.add_subparsers(dest="command", required=True)
    _add_profile_commands(sub)
    _add_operator_commands(sub)
    programmes.add_commands(sub, _service)
    relationships.add_commands(sub)
    webhooks.add_commands(sub, _settings)
    insights.add_commands(sub, _service)
    outcomes.add_commands(sub, _service)
    model.add_commands(sub, _settings, _progress)
    return parser


def _add_profile_commands(sub: argparse._SubParsersAction) -> None:
    """import, reindex, match, serve."""
    p = sub.add_parser("import", help="import profiles (JSON Lines, JSON array or CSV)")
    source = p.add_mutually_exclusive_group(required=True)
    source.add_argument("file", nargs="?", help="the profile file")
    source.add_argument("--demo", action="store_true", help="load the demo profiles shipped with the package")
    p.set_defaults(func=cmd_import)

    p = sub.add_parser(
        "reindex",
        help="rebuild the indexes from the store as a new generation, with the phrase book "
        "(runs the model only on profiles without an embedding from the configured "
        "model, and on new phrases)",
    )
    p.add_argument(
        "--engine",
        choices=("in-process", "ray"),
        default="in-process",
        help="what embeds the profiles that lack an embedding, before the build: this process, or "
        "Ray (mentor-matcher[ray]; the phrase book is embedded here either way)",
    )
    p.add_argument(
        "--address",
        help="with --engine ray: the Ray cluster this machine is a node of (auto, or the "
        "head's HOST:PORT); default: start Ray on this machine's cores",
    )
    p.set_defaults(func=cmd_reindex)

    p = sub.add_parser("match", help="find mentors for a need")
    p.add_argument("need", help="what the person wants to learn, in their own words")
    p.add_argument("--style", choices=MATCH_STYLES, default=ANY)
    p.add_argument("--mentee-seniority", type=int, choices=range(1, 11), metavar="1..10")
    p.add_argument("--mentee-id", help="a stored profile id (brings seniority, time zone, languages, manager)")
    p.add_argument("--mentee-bio", help="what the mentee can teach (two-way)")
    p.add_argument("--timezone", help="the mentee's IANA time zone, e.g. Europe/Berlin")
    p.add_argument("--language", action="append", help="a language the mentee speaks (repeatable)")
    p.add_argument("--virtual-only", action="store_true")
    p.add_argument("--limit", type=int, default=5, choices=range(1, 51), metavar="1..50")
    p.add_argument("--json", action="store_true", help="print the HTTP API's JSON response")
    p.set_defaults(func=cmd_match)

    p = sub.add_parser("serve", help="run the HTTP server (production WSGI server)")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8000)
    p.add_argument("--workers", type=int, default=1, help="server processes")
    p.add_argument("--threads", type=int, default=8, help="threads per process")
    p.set_defaults(func=cmd_serve)


def _add_operator_commands(sub: argparse._SubParsersAction) -> None:
    """keys, config, backup, migrate: the store and the settings, without the model."""
    p = sub.add_parser("keys", help="manage API keys")
    keys = p.add_subparsers(dest="keys_command", required=True)
    k = keys.add_parser("create", help="create a key; prints it alone on the last line")
    k.add_argument(
        "--scope",
        choices=("match", "people", "admin"),
        required=True,
        help="match: matches and introductions for apps; people: also acts for the person named in "
        "On-Behalf-Of (apps that sign people in); admin: everything",
    )
    k.add_argument("--label", help="who or what the key is for")
    keys.add_parser("list", help="list keys (ids, scopes, state; never secrets)")
    k = keys.add_parser("revoke", help="revoke a key at once")
    k.add_argument("key_id")
    p.set_defaults(func=cmd_keys)

    p = sub.add_parser("config", help="print the effective settings (MATCHER_* variables and defaults)")
    p.add_argument("--json", action="store_true", help="as a JSON object")
    p.set_defaults(func=cmd_config)

    p = sub.add_parser(
        "backup",
        help="copy the store to a new file: SQLite's online backup, or pg_dump's custom "
        "format with MATCHER_DATABASE_URL",
    )
    p.add_argument("target", help="a new file to write")
    p.set_defaults(func=cmd_backup)

    p = sub.add_parser(
        "migrate",
        help="bring the PostgreSQL schema (MATCHER_DATABASE_URL) up to this version; forward-only (SQLite needs none)",
    )
    p.set_defaults(func=cmd_migrate)


class _OwnLogsOnly(logging.Filter):
    """Below WARNING, only the service's own records pass: libraries that log at DEBUG (bm25s sets that
    level on its logger) stay out of a command's output."""

    def filter(self, record: logging.LogRecord) -> bool:
        return record.levelno >= logging.WARNING or record.name.startswith("matcher")


def _configure_logging(verbose: bool) -> None:
    from .. import logs

    root = logging.getLogger()
    if not any(isinstance(f, _OwnLogsOnly) for h in root.handlers for f in h.filters):
        handler = logging.StreamHandler(sys.stderr)
        handler.addFilter(_OwnLogsOnly())
        # MATCHER_LOG_FORMAT when it is valid (a bad value is the command's to report, with exit 2).
        log_format = "json" if os.environ.get("MATCHER_LOG_FORMAT", "").strip() == "json" else "text"
        # `serve` puts the request id into the text lines too (logs.TEXT_FORMAT); commands have none.
        root.addHandler(logs.prepare(handler, log_format, "%(asctime)s %(levelname)s %(name)s: %(message)s"))
    if root.level == logging.NOTSET or root.level > logging.WARNING:
        root.setLevel(logging.WARNING)  # the service's INFO lines only where asked for (serve, -v)
    if verbose:
        logging.getLogger("matcher").setLevel(logging.DEBUG)


def main(argv: list[str] | None = None) -> int:
    """Entry point of the console script."""
    args = build_parser().parse_args(argv)
    _configure_logging(args.verbose)
    try:
        return _run(args)
    finally:
        while _services:  # pool threads, background index work, the store's connections
            _services.pop().close()


def _run(args) -> int:
    """Run the command; every error becomes a line naming the field or setting, and an exit status."""
    from ..errors import ReindexRunning, SettingsError

    try:
        return args.func(args)
    except SettingsError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except InvalidInput as exc:
        for error in exc.errors:
            print(f"error: {error}", file=sys.stderr)
        return EXIT_USAGE
    except ReindexRunning as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_ERROR
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        return EXIT_ERROR
    except BrokenPipeError:  # the reader went away (`mentor-match config | head`): nothing more to say
        sys.stderr.close()
        return EXIT_OK
    except Exception as exc:  # a clear line for operators; the traceback with -v
        logging.getLogger("matcher.cli").debug("failed", exc_info=True)
        print(f"error: {type(exc).__name__}: {exc}", file=sys.stderr)
        return EXIT_ERROR
