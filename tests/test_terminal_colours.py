"""Floor terminals: every text on the main screens reads (WCAG 4.5:1) with NO_COLOR and in 16 colours."""

from __future__ import annotations

from pathlib import Path

import pytest
import textual.constants
from textual.pilot import Pilot

from buildtui import config as config_mod
from buildtui.app import BuildTUI
from buildtui.simulator import SimulatorServer
from tests.conftest import make_app, settle
from tests.terminal_colours import Run, runs

READABLE = 4.5


async def screens(pilot: Pilot[None]) -> list[tuple[str, list[Run]]]:
    """The build list, a build (BO-0003), its stock picker and the help screen, each measured as shown."""
    app = pilot.app
    sixteen = app.console.color_system == "standard"
    seen: list[tuple[str, list[Run]]] = []

    def measure(name: str) -> None:
        seen.append((name, list(runs(app, colours16=sixteen))))

    await settle(pilot)
    measure("list")
    app.open_build(3)  # type: ignore[attr-defined]
    await settle(pilot)
    measure("build")
    await pilot.press(*["down"] * 6, "a")
    await settle(pilot)
    measure("picker")
    await pilot.press("escape")
    await settle(pilot)
    await pilot.press("question_mark")
    await settle(pilot)
    measure("help")
    return seen


def unreadable(seen: list[tuple[str, list[Run]]]) -> list[str]:
    return [f"{name} {run}" for name, shown in seen for run in shown if run.ratio < READABLE]


class TestNoColor:
    async def test_every_text_reads(self, server: SimulatorServer, token: str, monkeypatch: pytest.MonkeyPatch) -> None:
        """NO_COLOR: "Production" is bold in the foreground's grey (it was 2.5:1), the inactive tabs full
        strength; nothing on the list, a build, the picker or help is under 4.5:1."""
        monkeypatch.setenv("NO_COLOR", "1")
        app = make_app(server.url, token)
        async with app.run_test(size=(80, 24)) as pilot:
            seen = await screens(pilot)
            assert unreadable(seen) == []
            production = [r for r in seen[0][1] if r.text == "Production"]
            assert production and all(r.ratio >= 7 for r in production)


class TestSixteenColours:
    async def test_every_text_reads(self, server: SimulatorServer, token: str, monkeypatch: pytest.MonkeyPatch) -> None:
        """16 colours in xterm's palette: footer keys, the cursor row, headers, the status line and dialog
        titles all read at 4.5:1 or better (footer keys were red on grey, 1.0:1; the cursor white on cyan, 2.0:1)."""
        monkeypatch.setattr(textual.constants, "COLOR_SYSTEM", "standard")
        app = make_app(server.url, token)
        async with app.run_test(size=(80, 24)) as pilot:
            assert app.theme == "floor-16"
            seen = await screens(pilot)
            assert unreadable(seen) == []

    async def test_the_theme_picked_for_the_terminal_is_not_saved(
        self, server: SimulatorServer, token: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
    ) -> None:
        """In 16 colours the app picks floor-16 without storing it as the operator's choice; a theme the
        operator chose is kept."""
        monkeypatch.setattr(textual.constants, "COLOR_SYSTEM", "standard")
        path = tmp_path / "theme.toml"
        monkeypatch.setenv("BUILDTUI_CONFIG", str(path))
        app = BuildTUI(config_mod.Config(server=server.url, token=token, poll_interval=3600), save_token=True)
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            assert app.theme == "floor-16"
        assert config_mod.load({}, path, {}).theme == "textual-dark"
        chosen = make_app(server.url, token, theme="high-contrast")
        async with chosen.run_test(size=(80, 24)) as pilot:
            assert chosen.theme == "high-contrast"


@pytest.mark.parametrize("mode", ["16_colors", "no_color"])
async def test_a_field_shows_where_it_is_without_the_focus(
    server: SimulatorServer, token: str, monkeypatch: pytest.MonkeyPatch, mode: str
) -> None:
    """In 16 colours and with NO_COLOR a field's shade is lost: each field of a dialog without the focus, an
    empty one too, is underlined across its width, as a form on paper (an empty one showed nothing at all)."""
    from textual.widgets import Input

    if mode == "16_colors":
        monkeypatch.setattr(textual.constants, "COLOR_SYSTEM", "standard")
    else:
        monkeypatch.setenv("NO_COLOR", "1")
    app = make_app(server.url, token)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        app.open_build(17)
        await settle(pilot)
        await pilot.press("N")  # create outputs: quantity, serials, "Add a serial" (empty), batch (empty)
        await settle(pilot)
        fields = [box for box in app.screen.query(Input) if not box.has_focus]
        assert any(not box.value for box in fields), "no empty field to look at"
        for box in fields:
            cells = [seg for seg in box.render_line(0) if seg.text]
            assert cells and all(seg.style is not None and seg.style.underline for seg in cells), (box.id, cells)
