"""The benchmark suite starts and prints every figure on a tiny dataset (the real run is not part of CI)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FIGURES = [
    "| 1 launch",
    "| 2 open a build",
    "| 3a key to update",
    "| 3b key to update",
    "| 4 scan to allocation",
    "| 5a idle requests",
    "| 5b idle requests",
    "| 6 peak RSS",
    "| 7a bytes per unchanged refresh",
    "| 7b bytes per unchanged refresh",
    "| simulator /api/build/",
    "| 9 server answering 300 ms late",
    "| 10 one poll of a list",
]


def test_suite_prints_every_figure() -> None:
    """`bench/suite.py --quick` exits 0 and prints a row for every figure the suite measures."""
    out = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "suite.py"), "--quick"],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=ROOT,
    )
    assert out.returncode == 0, out.stderr[-2000:]
    assert "cpus=" in out.stdout and "textual" in out.stdout
    for figure in FIGURES:
        assert figure in out.stdout, (figure, out.stdout[-1500:])
