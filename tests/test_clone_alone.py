"""A clone with nothing beside it runs every test and every smoke run: nothing reaches beside the checkout.

The dev sets live in ../shared on the machines of the people who measure; a new user's clone has no
../shared (and CI happens to have one, so CI alone would never notice). Smoke runs use data the project
ships (tests/data/skills, the demo profiles) or makes. Checked two ways: no script or test builds a path
beside the checkout (read from the code), and each script's --smoke run reads data inside it (asked of
its own argument parser).
"""

from __future__ import annotations

import argparse
import ast
import importlib.util
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SHARED = re.compile(r"(^|/)shared(/|$)")
SMOKE_SCRIPTS = ["bench.py", "bench_store.py", "bench_ray.py"]  # those whose options come from parse_args(argv)


def _beside_the_checkout(tree: ast.AST) -> list[tuple[int, str]]:
    """(line, what) for each path built beside the checkout: ROOT.parent or REPO.parent, or a path part
    "shared" / "../..." in a `/` join, a Path(...) call or an argparse default."""
    found = []
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Attribute)
            and node.attr == "parent"
            and isinstance(node.value, ast.Name)
            and node.value.id in ("ROOT", "REPO")
        ):
            found.append((node.lineno, f"{node.value.id}.parent"))
        parts: list[ast.AST] = []
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Div):
            parts = [node.left, node.right]
        elif isinstance(node, ast.Call) and getattr(node.func, "id", getattr(node.func, "attr", None)) == "Path":
            parts = list(node.args)
        elif isinstance(node, ast.keyword) and node.arg == "default":
            parts = [node.value]
        for part in parts:
            if (
                isinstance(part, ast.Constant)
                and isinstance(part.value, str)
                and (SHARED.search(part.value) or part.value.startswith("../"))
            ):
                found.append((part.lineno, repr(part.value)))
    return found


@pytest.mark.parametrize(
    "path", sorted([*ROOT.glob("scripts/*.py"), *ROOT.glob("tests/*.py")]), ids=lambda p: str(p.relative_to(ROOT))
)
def test_no_script_or_test_builds_a_path_beside_the_checkout(path):
    found = _beside_the_checkout(ast.parse(path.read_text(encoding="utf-8")))
    assert found == [], f"{path.relative_to(ROOT)} reaches beside the checkout: {found}"


def test_the_check_itself_sees_the_ways_a_path_leaves_the_checkout():
    code = (
        'ESCO = ROOT.parent / "shared" / "eval"\n'
        'p.add_argument("--data", default="../shared/eval/esco-skills-dev")\n'
        'DATA = Path("../shared/eval")\n'
    )
    assert sorted(line for line, _ in _beside_the_checkout(ast.parse(code))) == [1, 1, 2, 3]


@pytest.mark.parametrize("script", SMOKE_SCRIPTS)
def test_smoke_runs_read_data_the_project_ships(script):
    spec = importlib.util.spec_from_file_location(f"smoke_{script[:-3]}", ROOT / "scripts" / script)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    args: argparse.Namespace = module.parse_args(["--smoke"])
    data = Path(args.data).resolve()
    assert data.is_relative_to(ROOT) and data.exists(), f"scripts/{script} --smoke reads {data}, not the project's"
