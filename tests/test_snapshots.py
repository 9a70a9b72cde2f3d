"""Snapshots of every screen and dialog at 80x24 and 120x40, with the seeded data's awkward names.

Update after an intended change with ``pytest tests/test_snapshots.py --snapshot-update`` and look at
the SVGs (snapshot_report.html) before committing them.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import pytest
from textual.pilot import Pilot
from textual.widgets import Input

from buildtui.app import BuildTUI
from buildtui.simulator import SimulatorServer
from tests.conftest import SnapCompare, make_app, settle

SIZES = [(80, 24), (120, 40)]


def steady(pilot: Pilot[None]) -> None:
    for box in pilot.app.screen.query(Input):
        box.cursor_blink = False


def scenario(*steps: int | str) -> Callable[[Pilot[None]], Awaitable[None]]:
    """Keys (str) and build openings (int) to run before the snapshot."""

    async def run_before(pilot: Pilot[None]) -> None:
        assert isinstance(pilot.app, BuildTUI)
        await settle(pilot)
        for step in steps:
            if isinstance(step, int):
                pilot.app.open_build(step)
            else:
                await pilot.press(step)
            await settle(pilot)
        steady(pilot)
        await pilot.pause()

    return run_before


CASES = {
    "build_list": scenario(),
    "build_list_all": scenario("a", "down", "down"),
    "build_detail": scenario(3),
    "build_detail_bracket": scenario(4, "space"),
    "pick_list": scenario(3, "2"),
    "outputs": scenario(3, "3"),
    "children": scenario(5, "4"),
    "help": scenario(3, "question_mark"),
    "allocate": scenario(11, "down", "down", "down", "down", "down", "down", "a"),
    "auto_allocate": scenario(11, "A"),
    "multi_allocate": scenario(11, "v", "v", "a"),
    "cancel": scenario(11, "C"),
    "finish": scenario(3, "F"),
    "create_output": scenario(17, "N"),
    "complete_outputs": scenario(3, "c"),
    "scrap_outputs": scenario(3, "3", "S"),
    "delete_outputs": scenario(3, "3", "D"),
    "consume": scenario(3, "x"),
    "goto": scenario("ctrl+g"),
}


def too_wide(pilot: Pilot[None]) -> list[tuple[str | None, int, int]]:
    """The tables on screen wider than their space (a column such as the free quantity or the status hidden
    off the edge): (id, content width, space)."""
    from textual.widgets import DataTable

    return [
        (t.id, t.virtual_size.width, t.scrollable_content_region.width)
        for t in pilot.app.screen.query(DataTable)
        if t.scrollable_content_region.width and t.virtual_size.width > t.scrollable_content_region.width
    ]


@pytest.mark.parametrize("size", SIZES, ids=["80x24", "120x40"])
@pytest.mark.parametrize("case", list(CASES))
def test_snapshot(
    snap_compare: SnapCompare, server: SimulatorServer, token: str, case: str, size: tuple[int, int]
) -> None:
    """Each screen and dialog looks as approved at 80x24 and 120x40, awkward names included; and at 80x24 every
    table fits its width (nothing scrolls sideways)."""
    app = make_app(server.url, token)
    wide: list[tuple[str | None, int, int]] = []

    async def run_before(pilot: Pilot[None]) -> None:
        await CASES[case](pilot)
        wide.extend(too_wide(pilot))

    assert snap_compare(app, terminal_size=size, run_before=run_before)
    assert size != (80, 24) or not wide, f"tables wider than their space: {wide}"


def test_login_dialog(snap_compare: SnapCompare, server: SimulatorServer) -> None:
    """A bad token opens the sign-in dialog over the list."""
    app = make_app(server.url, "not-a-token")
    assert snap_compare(app, terminal_size=(80, 24), run_before=scenario())


@pytest.mark.parametrize("mode", ["no_color", "16_colors"])
def test_floor_terminal_colours(
    snap_compare: SnapCompare, server: SimulatorServer, token: str, monkeypatch: pytest.MonkeyPatch, mode: str
) -> None:
    """The overdue list with NO_COLOR, and in 16 colours as xterm paints them (the app's colours reduced to
    the 16 as the terminal receives them: tests/terminal_colours.py)."""
    import textual.constants

    from tests.terminal_colours import export_svg

    if mode == "no_color":
        monkeypatch.setenv("NO_COLOR", "1")
    else:
        monkeypatch.setattr(textual.constants, "COLOR_SYSTEM", "standard")
    app = make_app(server.url, token)
    if mode == "16_colors":
        monkeypatch.setattr(app, "export_screenshot", lambda **kw: export_svg(app, **kw))
    assert snap_compare(app, terminal_size=(80, 24), run_before=scenario("d"))


# -- every dialog with typed text and a refusal shown, in colour and under NO_COLOR -----------------------------
def typing(
    *steps: str, fault: str | None = None, build: int | None = None, method: str = "POST"
) -> Callable[[Pilot[None], SimulatorServer], Awaitable[None]]:
    """Open ``build``, then press or type ``steps`` (a str of more than one character is typed; "enter" etc.
    are keys); at "FAULT" the server is set to refuse the next ``method`` to the path ``fault`` (an HTTP 400
    with a proxy's page)."""

    async def run_before(pilot: Pilot[None], server: SimulatorServer) -> None:
        assert isinstance(pilot.app, BuildTUI)
        await settle(pilot)
        if build is not None:
            pilot.app.open_build(build)
            await settle(pilot)
        for step in steps:
            if step == "FAULT":
                server.sim.faults.add("error", method=method, path=fault, times=1, status=400)
            elif isinstance(step, str) and len(step) > 1 and step not in KEYS:
                await pilot.press(*step)
            else:
                await pilot.press(step)
            await settle(pilot)
        steady(pilot)
        await pilot.pause()

    return run_before


KEYS = {"enter", "escape", "space", "tab", "shift+tab", "down", "up", "ctrl+g", "ctrl+s", "f2", "backspace"}

REFUSED = {
    "goto": typing("ctrl+g", "BO-9999", "enter"),
    "scan": typing("f2", "enter"),
    "login": typing("admin", "tab", "wrong-password", "enter"),
    "create_output": typing("N", "backspace", "1", "tab", "101", "tab", "LOT-9", "enter", build=5),
    "complete_outputs": typing("3", "c", "99", "tab", "tab", "tab", "Checked by Ana", "enter", build=3),
    "scrap_outputs": typing("3", "S", "Cracked PCB", "enter", build=3),
    "delete_outputs": typing("3", "D", "FAULT", "enter", build=3, fault=r"/delete-outputs/$"),
    "consume": typing("space", "down", "x", "backspace", "backspace", "99", "tab", "Used at line 2", "enter", build=3),
    "edit_allocation": typing("space", "down", "e", "backspace", "backspace", "9999", "enter", build=3),
    "allocate": typing(*["down"] * 6, "a", "backspace", "backspace", "999", "enter", build=11),
    "auto_allocate": typing("A", "FAULT", "enter", build=11, fault=r"/auto-allocate/$"),
    "multi_allocate": typing("v", "v", "a", "FAULT", "enter", build=11, fault=r"/allocate/$"),
    "cancel": typing("C", "FAULT", "enter", build=11, fault=r"/cancel/$"),
    "finish": typing("F", "enter", build=3),
    "hold": typing("h", "FAULT", "enter", build=3, fault=r"/hold/$"),
    "unallocate_all": typing("U", "FAULT", "enter", build=3, fault=r"/build/item/", method="DELETE"),
}


@pytest.mark.parametrize("colour", ["colour", "no_color"])
@pytest.mark.parametrize("case", list(REFUSED))
def test_dialog_refused(
    snap_compare: SnapCompare,
    server: SimulatorServer,
    token: str,
    monkeypatch: pytest.MonkeyPatch,
    case: str,
    colour: str,
) -> None:
    """Each dialog at 80x24 with what the operator typed still in its fields and the refusal beside them."""
    if colour == "no_color":
        monkeypatch.setenv("NO_COLOR", "1")
    app = make_app(server.url, "not-a-token" if case == "login" else token)
    run = REFUSED[case]
    assert snap_compare(app, terminal_size=(80, 24), run_before=lambda pilot: run(pilot, server))
