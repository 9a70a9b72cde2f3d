"""Build outputs are named the same way everywhere, and an output with no serial never looks like one."""

from __future__ import annotations

from textual.widgets import Static

from buildtui.app import BuildTUI
from buildtui.dialogs.outputs import CompleteOutputsDialog, DeleteOutputsDialog
from buildtui.screens.build_detail import BuildDetailScreen
from buildtui.widgets.keyed_table import KeyedTable
from tests.conftest import open_build, settle


def column(table: KeyedTable, index: int) -> list[str]:
    return [table._cells[key][index].plain for key in table.row_keys]


class TestOutputNames:
    async def test_output_without_serial_or_batch(self, app: BuildTUI) -> None:
        """BO-0019 (untracked) with a new output of 5: the outputs tab, the complete dialog and the delete
        dialog call it "item <n>", never "#<n>" (which reads as a serial number)."""
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            [made] = await app.client.create_outputs(19, quantity=5)
            screen = await open_build(pilot, 19)
            assert isinstance(screen, BuildDetailScreen)
            await pilot.press("3")
            table = screen.query_one("#outputs", KeyedTable)
            assert column(table, 1) == [f"item {made.pk}"]
            assert str(table.ordered_columns[1].label) == "Output"
            await pilot.press("c")
            await settle(pilot)
            dialog = app.screen
            assert isinstance(dialog, CompleteOutputsDialog)
            assert column(dialog.query_one("#outputs-table", KeyedTable), 1) == [f"item {made.pk}"]
            await pilot.press("escape", "D")
            await settle(pilot)
            dialog = app.screen
            assert isinstance(dialog, DeleteOutputsDialog)
            listed = str(dialog.query_one("#delete-list", Static).render())
            assert f"• output item {made.pk} — quantity 5" in listed and "#" not in listed

    async def test_serialised_outputs_say_serial(self, app: BuildTUI) -> None:
        """BO-0025's serialised outputs read "serial 1001"…, and an allocation into one names it the same way."""
        async with app.run_test(size=(160, 40)) as pilot:
            screen = await open_build(pilot, 25)
            assert isinstance(screen, BuildDetailScreen) and screen.model is not None
            await pilot.press("3")
            names = column(screen.query_one("#outputs", KeyedTable), 1)
            assert names and all(n.startswith("serial ") for n in names), names
            output = screen.model.incomplete_outputs[0]
            tracked = next(ln for ln in screen.model.lines if ln.trackable and not ln.consumable)
            stock = await screen.model.candidate_stock(tracked)
            free = next(s for s in stock if s.free >= 1)
            await app.client.allocate(
                screen.model.pk, [{"build_line": tracked.pk, "stock_item": free.pk, "quantity": 1, "output": output.pk}]
            )
            await pilot.press("1")
            screen.refresh_data()
            await settle(pilot)
            screen.view.expanded.add(tracked.pk)
            screen._paint()
            lines = screen.query_one("#lines", KeyedTable)
            rows = [lines._given[key][1].plain for key in lines.row_keys]  # as given, before the 50-cell cap
            assert any(r.endswith(f"→ output serial {output.serial}") for r in rows), [r for r in rows if "└" in r]
