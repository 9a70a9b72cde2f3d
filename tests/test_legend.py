"""Signs on the tables say what they mean: an over-allocated line is marked, and help explains every sign."""

from __future__ import annotations

from textual.widgets import DataTable

from buildtui.app import BuildTUI
from buildtui.screens import detail_view
from buildtui.screens.build_detail import BuildDetailScreen
from buildtui.screens.help import HelpScreen
from buildtui.widgets.keyed_table import KeyedTable
from tests.conftest import open_build, settle


def help_rows(app: BuildTUI) -> list[tuple[str, str]]:
    table = app.screen.query_one("#help-table", DataTable)
    return [(str(table.get_row_at(i)[0]), str(table.get_row_at(i)[1])) for i in range(table.row_count)]


class TestOverAllocated:
    async def test_over_allocated_line_is_marked_without_colour(self, app: BuildTUI) -> None:
        """BO-0022: the terminal blocks (60 allocated for 50) carry "+", the exactly allocated 1k resistors "✓"."""
        async with app.run_test(size=(80, 24)) as pilot:
            screen = await open_build(pilot, 22)
            assert isinstance(screen, BuildDetailScreen) and screen.model is not None
            table = screen.query_one("#lines", KeyedTable)
            marks = {
                ln.part_detail.IPN: table._cells[f"l{ln.pk}"][0].plain
                for ln in screen.model.lines
                if ln.part_detail is not None
            }
            assert marks["J-TB2-508"] == "+" and marks["R-0603-1K"] == "✓"


class TestHelpLegend:
    async def test_help_explains_every_sign_of_the_lines_table(self, app: BuildTUI) -> None:
        """? on a build lists, after the keys, what ▸ ▾ ✓ + ● …, the flags O C T, the * on Avail and an
        output's "(short)" mean."""
        async with app.run_test(size=(80, 24)) as pilot:
            await open_build(pilot, 22)
            await pilot.press("question_mark")
            await settle(pilot)
            assert isinstance(app.screen, HelpScreen)
            rows = help_rows(app)
            signs = " ".join(sign for sign, _ in rows)
            for mark in detail_view.LINE_MARKS.values():
                assert mark in signs, mark
            meanings = dict(rows)
            assert "over-allocated" in meanings["+"]
            assert "Optional" in meanings["O C T"] and "Tracked" in meanings["O C T"]
            assert "substitute" in meanings["195*"]
            assert "(short)" in signs

    async def test_help_on_the_list_explains_the_overdue_mark(self, app: BuildTUI) -> None:
        """? on the build list says what the "!" before a target date means."""
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            await pilot.press("question_mark")
            await settle(pilot)
            assert "overdue" in dict(help_rows(app)).get("! date", "").lower()
