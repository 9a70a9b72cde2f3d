"""The main flows on builds shaped as real ones are (seed_workshop.py: builds 22-31): no source and no
destination location, a long BOM, tracked lines with no outputs, one output and many, consumables only."""

from __future__ import annotations

from textual.widgets import Input, Select

from buildtui.dialogs.outputs import CompleteOutputsDialog, CreateOutputDialog
from buildtui.screens.build_detail import BuildDetailScreen
from buildtui.widgets.keyed_table import KeyedTable
from tests.conftest import open_build, settle


def outputs_on_server(server, build: int, *, building: bool) -> list[dict]:
    return server.sim.db.all("SELECT * FROM stock WHERE build = ? AND is_building = ?", (build, int(building)))


class TestNoDestination:
    async def test_new_output_on_a_build_with_no_destination(self, server, app):
        """N on BO-0022 (no source, no destination): Create outputs opens with the location blank and the rest
        of the quantity proposed; Enter creates the output and the outputs tab lists it."""
        async with app.run_test(size=(80, 24)) as pilot:
            screen = await open_build(pilot, 22)
            assert screen.model.build.destination is None and screen.model.build.take_from is None
            await pilot.press("N")
            await settle(pilot)
            dialog = app.screen
            assert isinstance(dialog, CreateOutputDialog)
            assert dialog.query_one("#location", Select).is_blank()
            assert dialog.query_one("#quantity", Input).value == "15"  # 25 ordered, 10 already in production
            await pilot.press("enter")
            await settle(pilot)
            assert isinstance(app.screen, BuildDetailScreen)
            assert sorted(o["quantity"] for o in outputs_on_server(server, 22, building=True)) == [10, 15]
            await pilot.press("3")
            await settle(pilot)
            assert len(app.screen.query_one("#outputs", KeyedTable).row_keys) == 2

    async def test_complete_the_only_output_with_no_destination(self, server, app):
        """c on BO-0029 (one output, every line allocated, no destination): the output is marked and the
        location blank; Enter asks for a location, scanning LOC-FG fills it, Enter completes the output."""
        async with app.run_test(size=(80, 24)) as pilot:
            await open_build(pilot, 29)
            await pilot.press("c")
            await settle(pilot)
            dialog = app.screen
            assert isinstance(dialog, CompleteOutputsDialog)
            assert len(dialog.marked) == 1 and dialog.query_one("#location", Select).is_blank()
            await pilot.press("enter")
            await settle(pilot)
            assert app.screen is dialog and "Choose a location." in str(dialog.query_one("#err-location").render())
            app.scan("LOC-FG")
            await settle(pilot)
            assert dialog.query_one("#location", Select).value == 7
            await pilot.press("ctrl+s")
            await settle(pilot)
            assert isinstance(app.screen, BuildDetailScreen)
            assert outputs_on_server(server, 29, building=True) == []
            assert [o["location"] for o in outputs_on_server(server, 29, building=False)] == [7]
