"""`mentor-match export-model` and `mentor-match adapt`: the model exported to ONNX, and fine-tuned on the outcome log.

mentor-match export-model [--output DIR] [--force] [--no-quantize]
mentor-match adapt [--minutes M] [--max-steps N] [--min-outcomes N] ... | adapt --revert
"""

from __future__ import annotations

import argparse
import sys

from ..errors import AdaptRunning, ExportUnavailable

EXIT_OK, EXIT_ERROR, EXIT_USAGE = 0, 1, 2


def add_commands(sub: argparse._SubParsersAction, settings_factory, progress) -> None:
    """Register `export-model` and `adapt`; `settings_factory()` reads the settings, `progress()` says
    whether to show progress bars."""
    p = sub.add_parser("export-model", help="export the model to ONNX (and int8) into models/")
    p.add_argument("--output", help="folder to write the exported model into (default: the project's models/)")
    p.add_argument("--force", action="store_true", help="export again even if the files exist")
    p.add_argument("--no-quantize", action="store_true", help="skip the int8 variant")
    p.set_defaults(func=cmd_export_model)

    p = sub.add_parser(
        "adapt",
        help="fine-tune the bundled model on the outcome log (tens of minutes on CPU) and use it only if it "
        "ranks held-back mentees' chosen mentors better",
    )
    p.add_argument("--revert", action="store_true", help="go back to the bundled model (removes models/ACTIVE)")
    p.add_argument(
        "--minutes",
        type=_number(float, 0.01, 24 * 60, "minutes of training, above 0"),
        help="training time budget (default 15; export and check add a few minutes)",
    )
    p.add_argument(
        "--max-steps",
        type=_number(int, 1, None, "a whole number of steps, at least 1"),
        help="stop after this many steps (default: none, the time budget decides)",
    )
    p.add_argument(
        "--batch-size",
        type=_number(int, 2, 1024, "2..1024 triplets a step"),
        help="triplets a step; the others' texts in a step are each need's negatives too (default 16)",
    )
    p.add_argument(
        "--passes",
        type=_number(int, 1, 100, "1..100 passes"),
        help="times over the triplets, within the time budget (default 1)",
    )
    p.add_argument(
        "--holdout",
        type=_number(float, 0.01, 0.5, "a share from 0.01 to 0.5"),
        help="share of mentees held back to judge the model, never trained on (default 0.2, as learn)",
    )
    p.add_argument(
        "--min-outcomes",
        type=_number(int, 1, None, "a whole number, at least 1"),
        help="positive outcomes needed to fine-tune (default 200, as learn)",
    )
    p.add_argument(
        "--min-held-back",
        type=_number(int, 1, None, "a whole number, at least 1"),
        help="held-back mentees with a positive outcome needed (default 30, as learn)",
    )
    p.add_argument(
        "--learning-rate",
        type=_number(float, 1e-7, 1e-3, "a learning rate from 1e-7 to 1e-3"),
        help="peak learning rate (default 2e-5)",
    )
    p.add_argument("--seed", type=_number(int, 0, None, "a whole number, at least 0"), help="random seed (default 0)")
    p.set_defaults(func=lambda args: cmd_adapt(args, settings_factory(), progress()))


def cmd_export_model(args) -> int:
    from ..model.export import export_model

    for line in export_model(args.output, quantize=not args.no_quantize, force=args.force):
        print(line)
    return EXIT_OK


def _number(kind, low=None, high=None, what=""):
    """An argparse type: a number of `kind` within [low, high], else a message saying what is expected."""

    def parse(text: str):
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected {what}, got {text!r}") from None
        if (low is not None and value < low) or (high is not None and value > high) or value != value:
            raise argparse.ArgumentTypeError(f"expected {what}, got {text!r}")
        return value

    return parse


ADAPT_OPTIONS = (
    "minutes",
    "max_steps",
    "batch_size",
    "passes",
    "holdout",
    "min_outcomes",
    "min_held_back",
    "learning_rate",
    "seed",
)


def cmd_adapt(args, settings, progress: bool) -> int:
    from .. import config
    from ..learn.finetune import AdaptOptions, adapt, describe
    from ..model.adapt import describe_revert, revert

    given = [f"--{name.replace('_', '-')}" for name in ADAPT_OPTIONS if getattr(args, name) is not None]
    if args.revert:
        if given:
            print(f"error: --revert: takes no training options (got {', '.join(given)})", file=sys.stderr)
            return EXIT_USAGE
        try:
            lines = describe_revert(revert(settings, config.MODELS_DIR))
        except AdaptRunning as exc:
            print(f"error: {exc}", file=sys.stderr)
            return EXIT_ERROR
    else:
        options = AdaptOptions(
            **{name: getattr(args, name) for name in ADAPT_OPTIONS if getattr(args, name) is not None}
        )
        try:
            result = adapt(settings, options, config.MODELS_DIR, progress=progress)
        except (AdaptRunning, ExportUnavailable) as exc:
            print(f"error: {exc}", file=sys.stderr)
            return EXIT_ERROR
        lines = describe(result, config.MODELS_DIR)
    for line in lines:
        print(line)
    return EXIT_OK
