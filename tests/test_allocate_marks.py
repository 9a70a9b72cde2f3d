"""The stock picker with several items marked: the quantity is the total, shared by the marks oldest first."""

from __future__ import annotations

from decimal import Decimal

from textual.pilot import Pilot
from textual.widgets import Input

from buildtui.app import BuildTUI
from buildtui.dialogs.allocate import AllocateDialog
from buildtui.dialogs.form import FieldError
from buildtui.screens.build_detail import BuildDetailScreen
from buildtui.simulator import SimulatorServer
from buildtui.widgets.keyed_table import KeyedTable
from tests.conftest import open_build, settle, wait_for


def allocated(server: SimulatorServer, build: int, ipn: str) -> list[tuple[str, Decimal]]:
    """(batch, quantity) of every allocation of part ``ipn`` on ``build``, as the server holds them."""
    rows = server.sim.db.all(
        "SELECT s.batch AS batch, bi.quantity AS quantity FROM build_item bi "
        "JOIN build_line bl ON bl.id = bi.build_line JOIN stock s ON s.id = bi.stock_item "
        "JOIN part p ON p.id = s.part WHERE bl.build = ? AND p.IPN LIKE ? ORDER BY bi.id",
        (build, ipn + "%"),
    )
    return [(r["batch"], Decimal(str(r["quantity"]))) for r in rows]


def marks(dialog: AllocateDialog) -> list[str]:
    """The mark column of the stock list, row by row, as shown."""
    table = dialog.query_one("#candidates", KeyedTable)
    return [table._cells[key][0].plain for key in table.row_keys]


def said(dialog: AllocateDialog, selector: str) -> str:
    return str(dialog.query_one(selector).render())


async def picker(pilot: Pilot[None], build: int, ipn: str) -> AllocateDialog:
    """Open ``build`` and the stock picker on the line of part ``ipn``."""
    screen = await open_build(pilot, build)
    assert isinstance(screen, BuildDetailScreen) and screen.model is not None
    line = next(ln for ln in screen.model.lines if ln.part_detail and ln.part_detail.IPN == ipn)
    screen.query_one("#lines", KeyedTable).select_key(f"l{line.pk}")
    await pilot.press("a")
    await settle(pilot)
    dialog = pilot.app.screen
    assert isinstance(dialog, AllocateDialog)
    return dialog


class TestSeveralMarks:
    async def test_two_marks_for_a_line_one_item_covers(self, server: SimulatorServer, app: BuildTUI) -> None:
        """BO-0019's C-100N needs 90: Shelf B (150 free) is marked with 90; marking Shelf A too is refused
        (Shelf B covers the 90), and Enter allocates 90 in all, not 90 from each."""
        async with app.run_test(size=(80, 24)) as pilot:
            dialog = await picker(pilot, 19, "C-100N")
            assert dialog.query_one("#quantity", Input).value == "90"
            await pilot.press("shift+tab", "space")
            await settle(pilot)
            assert marks(dialog) == ["✓ 90", ""]
            await pilot.press("down", "space")
            await settle(pilot)
            assert marks(dialog) == ["✓ 90", ""]
            assert "C0603-2405 is not marked: the stock marked before it covers the 90" in said(
                dialog, "#err-candidates"
            )
            await pilot.press("enter")
            await settle(pilot)
            assert isinstance(app.screen, BuildDetailScreen)
            assert allocated(server, 19, "C-100N") == [("C0805-2401", Decimal(90))]

    async def test_marks_share_what_the_line_needs(self, server: SimulatorServer, app: BuildTUI) -> None:
        """BO-0009's fuses need 8, in a box with 1 left and boxes of 4: with all three marked the list shows
        1, 4 and 3 against them, the quantity is labelled as the total, and Enter allocates exactly 8."""
        async with app.run_test(size=(80, 24)) as pilot:
            dialog = await picker(pilot, 9, "F-2A")
            assert dialog.line.still_needed == 8
            await pilot.press("shift+tab", "space", "down", "space", "down", "space")
            await settle(pilot)
            assert marks(dialog) == ["✓ 1", "✓ 4", "✓ 3"]
            assert dialog.query_one("#quantity", Input).value == "8"
            assert "total" in said(dialog, "#quantity-label").lower()
            assert "1 + 4 + 3 = 8" in said(dialog, "#alloc-share")
            await pilot.press("enter")
            await settle(pilot)
            assert isinstance(app.screen, BuildDetailScreen)
            got = allocated(server, 9, "F-2A")
            assert sorted(q for _, q in got) == [1, 3, 4]

    async def test_lowering_the_total_leaves_a_mark_idle_and_enter_says_so(
        self, server: SimulatorServer, app: BuildTUI
    ) -> None:
        """Three fuse boxes marked, then the total lowered to 4: the third takes nothing; Enter sends nothing
        and says which mark to drop."""
        async with app.run_test(size=(80, 24)) as pilot:
            dialog = await picker(pilot, 9, "F-2A")
            before = allocated(server, 9, "F-2A")
            await pilot.press("shift+tab", "space", "down", "space", "down", "space", "tab")
            await settle(pilot)
            dialog.query_one("#quantity", Input).value = "4"
            await settle(pilot)
            assert marks(dialog) == ["✓ 1", "✓ 3", "✓ 0"]
            await pilot.press("enter")
            await settle(pilot)
            assert app.screen is dialog and allocated(server, 9, "F-2A") == before
            assert "takes nothing" in said(dialog, "#err-candidates")

    async def test_more_than_the_marks_hold_is_refused(self, server: SimulatorServer, app: BuildTUI) -> None:
        """One box of 4 marked with a total of 6 typed: Enter says the marks hold only 4 and sends nothing."""
        async with app.run_test(size=(80, 24)) as pilot:
            dialog = await picker(pilot, 9, "F-2A")
            before = allocated(server, 9, "F-2A")
            await pilot.press("shift+tab", "down", "space", "tab")
            await settle(pilot)
            dialog.query_one("#quantity", Input).value = "6"
            await settle(pilot)
            assert marks(dialog) == ["", "✓ 4", ""]
            await pilot.press("enter")
            await settle(pilot)
            assert app.screen is dialog and allocated(server, 9, "F-2A") == before
            assert "2 of the 6 are not covered" in said(dialog, "#err-quantity")


class TestWhileLoading:
    async def test_enter_before_the_stock_list_arrives(self, server: SimulatorServer, app: BuildTUI) -> None:
        """On a slow server the picker says "Loading stock…"; Enter then says the list is still loading and
        sends nothing; once the list is there no error is left under the filled-in quantity, and the hint says
        nothing was allocated yet (an operator who pressed Enter early is not left thinking it was done)."""
        async with app.run_test(size=(80, 24)) as pilot:
            screen = await open_build(pilot, 19)
            assert isinstance(screen, BuildDetailScreen) and screen.model is not None
            line = next(ln for ln in screen.model.lines if ln.part_detail and ln.part_detail.IPN == "C-100N")
            screen.query_one("#lines", KeyedTable).select_key(f"l{line.pk}")
            server.sim.latency_ms = 1500
            writes = len(server.sim.log)
            await pilot.press("a")
            await wait_for(pilot, lambda: isinstance(app.screen, AllocateDialog) and app.screen.is_mounted)
            dialog = app.screen
            assert isinstance(dialog, AllocateDialog) and not dialog.candidates
            assert said(dialog, "#alloc-hint") == "Loading stock…"
            assert not dialog.loading  # Textual's own loading cover would hide the whole dialog
            await pilot.press("enter")
            await wait_for(pilot, lambda: "still loading" in said(dialog, "#err-form"))
            assert "No stock item chosen" not in said(dialog, "#err-form")
            await wait_for(pilot, lambda: bool(dialog.candidates))
            await settle(pilot)
            assert dialog.query_one("#quantity", Input).value == "90"
            shown = [e.id for e in dialog.query(FieldError) if e.display]
            assert shown == []
            assert said(dialog, "#alloc-hint") == "Nothing allocated yet: the stock is listed now. Enter allocates."
            assert not [p for m, p in server.sim.log[writes:] if m == "POST"]
            server.sim.latency_ms = 0
            await pilot.press("enter")
            await wait_for(pilot, lambda: app.screen is not dialog)
            assert [p for m, p in server.sim.log[writes:] if m == "POST"] == ["/api/build/19/allocate/"]


class TestPlaceKept:
    async def test_unallocating_keeps_the_cursor_on_the_line(self, server: SimulatorServer, app: BuildTUI) -> None:
        """BO-0005's line with two allocations, expanded, cursor on the first: u removes it and the cursor is on
        the other allocation of that line; u again removes that one and the cursor is on the line itself."""
        async with app.run_test(size=(80, 24)) as pilot:
            screen = await open_build(pilot, 5)
            assert isinstance(screen, BuildDetailScreen) and screen.model is not None
            line = screen.model.line(25)
            assert line is not None and len(line.allocations or []) == 2
            first, second = (a.pk for a in line.allocations or [])
            table = screen.query_one("#lines", KeyedTable)
            table.select_key("l25")
            await pilot.press("space", "down")
            assert table.current_key == f"a{first}"
            await pilot.press("u")
            await settle(pilot)
            assert f"a{first}" not in table.row_keys and table.current_key == f"a{second}"
            await pilot.press("u")
            await settle(pilot)
            assert table.current_key == "l25"
            assert not server.sim.db.all("SELECT id FROM build_item WHERE build_line = 25")

    async def test_unallocating_on_the_pick_list_keeps_the_place(self, server: SimulatorServer, app: BuildTUI) -> None:
        """On BO-0003's pick list, u on the second allocation leaves the cursor on the row that took its place,
        not on the first row."""
        async with app.run_test(size=(80, 24)) as pilot:
            screen = await open_build(pilot, 3)
            await pilot.press("2")
            table = screen.query_one("#picks", KeyedTable)
            keys = table.row_keys
            assert len(keys) >= 3
            table.select_key(keys[1])
            await pilot.press("u")
            await settle(pilot)
            assert table.row_keys == [keys[0], *keys[2:]] and table.current_key == keys[2]
