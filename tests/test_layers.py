"""The layers as the import contracts cannot say them: screens and dialogs reach the server only through state."""

from __future__ import annotations

import ast
from pathlib import Path

UI = Path(__file__).resolve().parent.parent / "buildtui"


def client_uses(path: Path) -> list[str]:
    """Every ``<something>.client`` attribute read in ``path``, as ``file:line``."""
    tree = ast.parse(path.read_text(), str(path))
    return [
        f"{path.relative_to(UI.parent)}:{node.lineno}"
        for node in ast.walk(tree)
        if isinstance(node, ast.Attribute) and node.attr == "client"
    ]


def test_screens_and_dialogs_never_call_the_client() -> None:
    """Every read and write of a screen or dialog goes through the state layer (the status line counts it,
    a lost answer is checked there), so no screen, dialog, widget or the scan handler touches the client."""
    ui_files = [*(UI / "screens").glob("*.py"), *(UI / "dialogs").glob("*.py"), *(UI / "widgets").glob("*.py")]
    ui_files.append(UI / "scanning.py")
    found = [use for path in sorted(ui_files) for use in client_uses(path)]
    assert found == [], found


def test_every_test_says_what_an_operator_would_see() -> None:
    """Each test has a docstring saying what it shows (what an operator or a maintainer would see), so that a
    failure reads as the behaviour that broke, not as a function name."""
    tests = Path(__file__).resolve().parent
    missing = []
    for path in sorted(tests.glob("test_*.py")):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name.startswith("test_"):
                if not ast.get_docstring(node):
                    missing.append(f"{path.name}:{node.lineno} {node.name}")
    assert missing == [], missing
