"""Snapshots of the scan session (mid-session and its summary) and of create-outputs with scanned serials, at
80x24 and 120x40. Update after an intended change with ``pytest tests/test_snapshots_scan.py --snapshot-update``
and look at the SVGs before committing them."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import pytest
from textual.pilot import Pilot
from textual.widgets import Input

from buildtui.app import BuildTUI
from buildtui.simulator import SimulatorServer
from tests.conftest import make_app, settle

SIZES = [(80, 24), (120, 40)]
Step = str | int  # a key to press, a build to open, or a code to scan ("scan:INV-SI1")


def scenario(*steps: Step) -> Callable[[Pilot[None]], Awaitable[None]]:
    async def run_before(pilot: Pilot[None]) -> None:
        app = pilot.app
        assert isinstance(app, BuildTUI)
        await settle(pilot)
        for step in steps:
            if isinstance(step, int):
                app.open_build(step)
            elif step.startswith("scan:"):
                app.scan(step[len("scan:") :])
            else:
                await pilot.press(step)
            await settle(pilot)
        for box in app.screen.query(Input):
            box.cursor_blink = False
        await pilot.pause()

    return run_before


#: BO-0019: two scans allocated, one refused (used up by BO-0001), one more allocated
SESSION = (19, "s", "scan:INV-SI1", "scan:INV-SI4", "scan:INV-SI5", "scan:INV-SI13")
CASES = {
    "session_mid": scenario(*SESSION),
    "session_undone": scenario(*SESSION, "up", "up", "up", "u"),
    "session_summary": scenario(*SESSION, "ctrl+z", "escape"),
    # BO-0026 (PSU-24, serials 1001-1028 taken): three labels, then the first again (refused)
    "create_output_scanned": scenario(26, "N", "scan:2001", "scan:1-5", "scan:10+3", "scan:2001"),
}


@pytest.mark.parametrize("size", SIZES, ids=["80x24", "120x40"])
@pytest.mark.parametrize("case", list(CASES))
def test_scan_snapshot(
    snap_compare: Callable[..., bool], server: SimulatorServer, token: str, case: str, size: tuple[int, int]
) -> None:
    """The session's tally, list and summary, and create-outputs' scanned list, as the operator sees them."""
    app = make_app(server.url, token)
    assert snap_compare(app, terminal_size=size, run_before=CASES[case])
