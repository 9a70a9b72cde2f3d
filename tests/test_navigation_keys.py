"""Moving around as an operator expects: Home/End in every table, Esc from a build back to the list."""

from __future__ import annotations

from textual.widgets import DataTable

from buildtui.app import BuildTUI
from buildtui.screens.build_detail import BuildDetailScreen
from buildtui.screens.build_list import BuildListScreen
from buildtui.screens.help import HelpScreen
from buildtui.widgets.keyed_table import KeyedTable
from tests.conftest import open_build, settle


class TestHomeEnd:
    async def test_home_and_end_go_to_the_first_and_last_row(self, app: BuildTUI) -> None:
        """On the list, on BO-0022's 45 lines and on its pick list, End goes to the last row and Home to the
        first."""
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            builds = app.screen.query_one("#builds", KeyedTable)
            await pilot.press("end")
            assert builds.cursor_row == builds.row_count - 1 > 0
            await pilot.press("home")
            assert builds.cursor_row == 0
            screen = await open_build(pilot, 22)
            lines = screen.query_one("#lines", KeyedTable)
            await pilot.press("end")
            assert lines.cursor_row == lines.row_count - 1 >= 44
            await pilot.press("home")
            assert lines.cursor_row == 0
            await pilot.press("2")
            picks = screen.query_one("#picks", KeyedTable)
            await pilot.press("end")
            assert picks.cursor_row == picks.row_count - 1 > 0

    async def test_help_lists_home_end_and_says_v_moves_down(self, app: BuildTUI) -> None:
        """? on a build: Home/End are listed, and v says it marks the line and moves down."""
        async with app.run_test(size=(80, 24)) as pilot:
            await open_build(pilot, 3)
            await pilot.press("question_mark")
            await settle(pilot)
            assert isinstance(app.screen, HelpScreen)
            table = app.screen.query_one("#help-table", DataTable)
            rows = {str(table.get_row_at(i)[0]): str(table.get_row_at(i)[1]) for i in range(table.row_count)}
            assert "first" in rows["Home  End"].lower() and "last" in rows["Home  End"].lower()
            assert "moves down" in rows["v"]


class TestEscape:
    async def test_a_build_opened_from_a_build_goes_back_to_the_list(self, app: BuildTUI) -> None:
        """BO-0019 open, then BO-0026 by ctrl+g and BO-0022 by a scan: each replaces the build on screen, and
        one Esc is back on the list."""
        async with app.run_test(size=(80, 24)) as pilot:
            await open_build(pilot, 19)
            await pilot.press("ctrl+g")
            await settle(pilot)
            for key in "BO-0026":
                await pilot.press(key)
            await pilot.press("enter")
            await settle(pilot)
            assert isinstance(app.screen, BuildDetailScreen) and app.screen.pk == 26
            app.scan("BO-0022")
            await settle(pilot)
            assert isinstance(app.screen, BuildDetailScreen) and app.screen.pk == 22
            await pilot.press("escape")
            await settle(pilot)
            assert isinstance(app.screen, BuildListScreen)

    async def test_a_child_build_goes_back_to_its_parent(self, app: BuildTUI) -> None:
        """On BO-0005's children tab, Enter on a child opens it; Esc comes back to BO-0005 (the drill-down)."""
        async with app.run_test(size=(80, 24)) as pilot:
            await open_build(pilot, 5)
            await pilot.press("4")
            await settle(pilot)
            await pilot.press("enter")
            await settle(pilot)
            child = app.screen
            assert isinstance(child, BuildDetailScreen) and child.pk != 5
            await pilot.press("escape")
            await settle(pilot)
            assert isinstance(app.screen, BuildDetailScreen) and app.screen.pk == 5
