"""bench/scan_session.py runs a whole 10-scan session and prints its figures (the real run is not part of CI)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_scan_session_bench_prints_its_figures() -> None:
    """The quick run prints the table row at 0 ms, the requests by kind, and the summary's first line."""
    out = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "scan_session.py"), "--quick"],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=ROOT,
    )
    assert out.returncode == 0, out.stderr[-2000:]
    assert "| 0 ms | 35 |" in out.stdout, out.stdout
    assert "POST /api/barcode/" in out.stdout
    assert "10 scan(s): 9 allocated, 1 refused, 1 undone." in out.stdout
