"""Snapshots at 80x24 of every dialog with text typed into each of its fields and the refusal that follows
(the server's or the dialog's own), in colour and with NO_COLOR.

What is typed must be visible in the field it was typed into. Update after an intended change with
``pytest tests/test_snapshots_typed.py --snapshot-update`` and look at every SVG before committing it.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

import pytest
from textual.pilot import Pilot
from textual.widgets import Input

from buildtui.app import BuildTUI
from buildtui.simulator import SimulatorServer
from tests.conftest import SnapCompare, make_app, settle


@dataclass(frozen=True)
class Case:
    """Open a dialog (``build``, then ``keys``), type ``typed`` (field id -> text, typed key by key into the
    emptied field), then ``submit`` (or not)."""

    build: int | None
    keys: tuple[str, ...]
    typed: dict[str, str] = field(default_factory=dict)
    submit: str | None = "ctrl+s"
    token: str | None = ""  # "" = a valid token; None or another value = that token


#: allocate (999 on BO-0011's PCB line), goto (BO-9999) and finish (BO-0003's blockers) are not here: the same
#: screens, typed and refused alike, are test_snapshots.py's REFUSED cases (the SVGs were identical)
CASES = {
    # one allocation of BO-0003's first line: more than is allocated, with a note
    "consume": Case(3, ("space", "down", "x"), {"quantity": "999", "notes": "Reel ends, see log"}),
    "edit_allocation": Case(3, ("space", "down", "e"), {"quantity": "0"}),
    # serial numbers of the PSU-24 already in use (BO-0024 made 1001-1003): the server refuses them
    "create_output": Case(26, ("N",), {"quantity": "2", "serial_numbers": "1001-1002", "batch_code": "PSU-R-07"}),
    # the first output of BO-0003 marked, more than it holds
    "complete_outputs": Case(3, ("c", "space"), {"quantity": "99", "notes": "Bent pins on J2"}),
    # the selected output of BO-0003, no location chosen, more than it holds
    "scrap_outputs": Case(3, ("3", "S"), {"quantity": "99", "notes": "Solder bridges on U1"}),
    "scan_field": Case(None, ("f2",), {"code": "INV-SI1"}, submit=None),
    "sign_in": Case(None, (), {"username": "admin", "password": "wrong"}, submit="enter", token="inv-expired"),
}


def typed_into(case: Case) -> Callable[[Pilot[None]], Awaitable[None]]:
    async def run_before(pilot: Pilot[None]) -> None:
        app = pilot.app
        assert isinstance(app, BuildTUI)
        await settle(pilot)
        if case.build is not None:
            app.open_build(case.build)
            await settle(pilot)
        for key in case.keys:
            await pilot.press(key)
            await settle(pilot)
        dialog = app.screen
        for wid, text in case.typed.items():
            box = dialog.query_one(f"#{wid}", Input)
            box.value = ""
            box.focus()
            await pilot.press(*text)
        if case.submit:
            await pilot.press(case.submit)
            await settle(pilot)
        for box in app.screen.query(Input):
            box.cursor_blink = False
        await pilot.pause()

    return run_before


@pytest.mark.parametrize("colour", ["colour", "no_color"])
@pytest.mark.parametrize("case", list(CASES))
def test_dialog_with_typed_text(
    snap_compare: SnapCompare,
    server: SimulatorServer,
    token: str,
    monkeypatch: pytest.MonkeyPatch,
    case: str,
    colour: str,
) -> None:
    """Each dialog shows what was typed in every field, and the refusal beside the field it concerns."""
    if colour == "no_color":
        monkeypatch.setenv("NO_COLOR", "1")
    spec = CASES[case]
    app = make_app(server.url, token if spec.token == "" else spec.token)
    assert snap_compare(app, terminal_size=(80, 24), run_before=typed_into(spec))
