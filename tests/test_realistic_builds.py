"""The main flows on builds shaped as real ones are (seed_workshop.py: builds 22-31): no source and no
destination location, a long BOM, tracked lines with no outputs, one output and many, consumables only."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from textual.pilot import Pilot
from textual.widget import Widget
from textual.widgets import Input, Select

from buildtui.api.models import BuildLine
from buildtui.app import BuildTUI
from buildtui.dialogs.allocate import AllocateDialog
from buildtui.dialogs.outputs import CompleteOutputsDialog, CreateOutputDialog
from buildtui.screens.build_detail import BuildDetailScreen
from buildtui.simulator import SimulatorServer, build_simulator
from buildtui.simulator.db import Row
from buildtui.widgets.keyed_table import KeyedTable
from tests.conftest import get_token, make_app, open_build, open_dialog, settle
from tests.screen_text import on_top


def outputs_on_server(server: SimulatorServer, build: int, *, building: bool) -> list[Row]:
    return server.sim.db.all("SELECT * FROM stock WHERE build = ? AND is_building = ?", (build, int(building)))


class TestNoDestination:
    async def test_new_output_on_a_build_with_no_destination(self, server: SimulatorServer, app: BuildTUI) -> None:
        """N on BO-0022 (no source, no destination): Create outputs opens with the location blank and the rest
        of the quantity proposed; Enter creates the output and the outputs tab lists it."""
        async with app.run_test(size=(80, 24)) as pilot:
            screen = await open_build(pilot, 22)
            assert screen.model is not None and screen.model.build is not None
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

    async def test_complete_the_only_output_with_no_destination(self, server: SimulatorServer, app: BuildTUI) -> None:
        """c on BO-0029 (one output, every line allocated, no destination): the output is marked and the
        location blank; Enter asks for a location, scanning LOC-FG fills it (and the request goes), Enter completes
        the output."""
        async with app.run_test(size=(80, 24)) as pilot:
            dialog = await open_dialog(pilot, 29, "c", CompleteOutputsDialog)
            assert len(dialog.marked) == 1 and dialog.query_one("#location", Select).is_blank()
            await pilot.press("enter")
            await settle(pilot)
            assert app.screen is dialog and "Choose a location." in str(dialog.query_one("#err-location").render())
            app.scan("LOC-FG")
            await settle(pilot)
            assert dialog.query_one("#location", Select).value == 7
            assert "Choose a location." not in str(dialog.query_one("#err-location").render())  # answered
            await pilot.press("ctrl+s")
            await settle(pilot)
            assert isinstance(on_top(app), BuildDetailScreen)
            assert outputs_on_server(server, 29, building=True) == []
            assert [o["location"] for o in outputs_on_server(server, 29, building=False)] == [7]


def line_of(screen: BuildDetailScreen, ipn: str) -> BuildLine:
    """The build line of part ``ipn`` on the open build."""
    assert screen.model is not None
    return next(ln for ln in screen.model.lines if ln.part_detail and ln.part_detail.IPN == ipn)


async def picker_on(pilot: Pilot[None], screen: BuildDetailScreen, ipn: str) -> AllocateDialog:
    """Select the line of part ``ipn`` (as the arrow keys would) and press a: the stock picker."""
    screen.query_one("#lines", KeyedTable).select_key(f"l{line_of(screen, ipn).pk}")
    await pilot.press("a")
    await settle(pilot)
    dialog = pilot.app.screen
    assert isinstance(dialog, AllocateDialog)
    return dialog


def text_of(dialog: Widget, selector: str) -> str:
    return str(dialog.query_one(selector).render())


class TestLongBom:
    async def test_auto_allocate_with_no_source_location(self, server: SimulatorServer, app: BuildTUI) -> None:
        """A on BO-0022 (45 lines, no source location): the dialog opens with "anywhere" as the source;
        submitted, the summary lists what was allocated and says which lines have no stock at all; taller than
        80x24, it opens with the text focused, so PgDn and End read down to its end, and Enter closes it."""
        from buildtui.dialogs.auto_allocate import AutoAllocateDialog
        from buildtui.dialogs.info import InfoDialog

        async with app.run_test(size=(80, 24)) as pilot:
            screen = await open_build(pilot, 22)
            assert screen.model is not None and len(screen.model.lines) == 45
            await pilot.press("A")
            await settle(pilot)
            dialog = app.screen
            assert isinstance(dialog, AutoAllocateDialog) and dialog.query_one("#location", Select).is_blank()
            await pilot.press("ctrl+s")
            await settle(pilot)
            summary = app.screen
            assert isinstance(summary, InfoDialog)
            said = summary.body
            assert said.startswith("Auto-allocation allocated ") and "Still short:" in said
            assert "U-INA240A2 Current sense amplifier INA240A2: no stock available" in said
            assert "J-USB-C USB-C receptacle 16-pin: no stock available" in said
            body = summary.query_one("#dialog-body")
            assert body.has_focus and body.max_scroll_y > 0 and body.scroll_y == 0
            await pilot.press("pagedown")
            await settle(pilot)
            assert body.scroll_y > 0
            await pilot.press("end")
            await settle(pilot)
            assert body.scroll_y == body.max_scroll_y
            await pilot.press("enter")
            await settle(pilot)
            assert app.screen is screen

    async def test_the_pick_list_names_the_part_on_the_shelf(self, app: BuildTUI) -> None:
        """After auto-allocation BO-0022's 100nF line holds stock of its variant C-100N-0603: the pick list names
        that variant (the label to look for on the shelf), not the BOM's C-100N."""
        from buildtui.dialogs.info import InfoDialog
        from buildtui.screens.detail_view import pick_rows

        async with app.run_test(size=(120, 40)) as pilot:
            screen = await open_build(pilot, 22)
            await pilot.press("A")
            await settle(pilot)
            await pilot.press("ctrl+s")
            await settle(pilot)
            assert isinstance(app.screen, InfoDialog)
            await pilot.press("enter")
            await settle(pilot)
            assert screen.model is not None
            line = line_of(screen, "C-100N")
            variant = [a for a in line.allocations or [] if a.part_detail and a.part_detail.pk != line.part]
            assert variant, "the seeded 100nF line is auto-allocated from its variant"
            parts = {" ".join(cell.plain for cell in cells) for _, cells in pick_rows(screen.model, screen.view)}
            assert any("C-100N-0603" in p for p in parts), parts

    async def test_full_and_over_allocated_lines_propose_nothing(self, app: BuildTUI) -> None:
        """On BO-0022 the 1k resistors are allocated exactly and the terminal blocks 60 for 50: the picker says
        so on each and proposes no quantity."""
        async with app.run_test(size=(80, 24)) as pilot:
            screen = await open_build(pilot, 22)
            dialog = await picker_on(pilot, screen, "R-0603-1K")
            assert "fully allocated: nothing more is needed (required 100, allocated 100" in text_of(
                dialog, "#alloc-line"
            )
            assert dialog.query_one("#quantity", Input).value == ""
            await pilot.press("escape")
            await settle(pilot)
            dialog = await picker_on(pilot, screen, "J-TB2-508")
            assert "over-allocated by 10: nothing more is needed" in text_of(dialog, "#alloc-line")
            assert dialog.query_one("#quantity", Input).value == ""

    async def test_expired_and_quarantined_batches(self, app: BuildTUI) -> None:
        """The 470 µF capacitors of BO-0022: the expired batch is listed last, marked, and not the default;
        the quarantined MOSFET batch is not offered at all."""
        async with app.run_test(size=(80, 24)) as pilot:
            screen = await open_build(pilot, 22)
            dialog = await picker_on(pilot, screen, "C-470U-35V")
            batches = [s.batch for s in dialog.candidates]
            assert batches == ["EL470-2404", "EL470-2301"]
            item = dialog.current()
            assert item is not None and item.batch == "EL470-2404"
            assert "EXPIRED" in str(dialog.query_one("#candidates", KeyedTable).get_row(str(dialog.candidates[1].pk)))
            await pilot.press("escape")
            await settle(pilot)
            dialog = await picker_on(pilot, screen, "Q-AO3400")
            assert [s.batch for s in dialog.candidates] == ["AO34-2402"]


class TestSerialisedProduct:
    async def test_tracked_line_with_no_outputs(self, server: SimulatorServer, app: BuildTUI) -> None:
        """a on the transformer line of BO-0026 (tracked, no outputs yet): no picker with an empty output list;
        the app says the build has no outputs yet and that N creates them; nothing is allocated."""
        async with app.run_test(size=(80, 24)) as pilot:
            screen = await open_build(pilot, 26)
            assert screen.model is not None and screen.model.outputs == []
            screen.query_one("#lines", KeyedTable).select_key(f"l{line_of(screen, 'TR-24-100').pk}")
            await pilot.press("a")
            await settle(pilot)
            assert app.screen is screen
            said = [str(n.message) for n in app._notifications][-1]
            assert "BO-0026 has no outputs yet" in said and "N creates them" in said
            assert (
                server.sim.db.scalar(
                    "SELECT COUNT(*) FROM build_item bi JOIN build_line bl ON bl.id = bi.build_line WHERE bl.build = 26"
                )
                == 0
            )

    async def test_new_outputs_skip_serials_in_use(self, server: SimulatorServer, app: BuildTUI) -> None:
        """N on BO-0026: serials 1001-1028 are taken by earlier PSU-24 builds, so 1029-1030 are proposed, and
        Enter creates those two outputs."""
        async with app.run_test(size=(80, 24)) as pilot:
            dialog = await open_dialog(pilot, 26, "N", CreateOutputDialog)
            assert dialog.query_one("#serial_numbers", Input).value == "1029-1030"
            await pilot.press("enter")
            await settle(pilot)
            assert isinstance(app.screen, BuildDetailScreen)
            assert sorted(o["serial"] for o in outputs_on_server(server, 26, building=True)) == ["1029", "1030"]

    async def test_supplier_label_allocates_the_board(self, server: SimulatorServer, app: BuildTUI) -> None:
        """On BO-0026, scanning the supplier label on the PSU boards (MOUSER:PCB-PSU-A:30) allocates the two
        boards the build needs."""
        async with app.run_test(size=(80, 24)) as pilot:
            screen = await open_build(pilot, 26)
            app.scan("MOUSER:PCB-PSU-A:30")
            await settle(pilot)
            assert app.scans.log[-1].ok, app.scans.log[-1].outcome
            assert line_of(screen, "PCB-PSU-A").allocated == 2

    async def test_twenty_four_outputs_all_marked(self, app: BuildTUI) -> None:
        """BO-0025 has 24 outputs in production: the outputs tab lists them; Complete opens with the output under
        the cursor marked and the focus on Quantity; shift+tab to the list, and a marks all 24."""
        async with app.run_test(size=(80, 24)) as pilot:
            await open_build(pilot, 25)
            await pilot.press("3")
            await settle(pilot)
            assert len(app.screen.query_one("#outputs", KeyedTable).row_keys) == 24
            await pilot.press("c")
            await settle(pilot)
            dialog = app.screen
            assert isinstance(dialog, CompleteOutputsDialog)
            assert len(dialog.marked) == 1
            await pilot.press("shift+tab", "a")
            await settle(pilot)
            assert len(dialog.marked) == 24

    async def test_marked_transformers_for_one_output_take_what_it_needs(
        self, server: SimulatorServer, app: BuildTUI
    ) -> None:
        """a on one of BO-0025's outputs: the tracked transformer line proposes 1 (what that output takes, not
        the line's 24), so a second transformer marked is not taken; with 2 typed and both marked, Enter is
        refused beside the quantity (one PSU, two transformers) and nothing is sent."""
        from buildtui.dialogs.allocate import AllocateDialog

        async with app.run_test(size=(80, 24)) as pilot:
            screen = await open_build(pilot, 25)
            assert screen.model is not None
            await pilot.press("3", "a")
            await settle(pilot)
            dialog = app.screen
            assert isinstance(dialog, AllocateDialog) and dialog.line.trackable
            quantity = dialog.query_one("#quantity", Input)
            assert quantity.value == "1"
            await pilot.press("shift+tab", "space", "down", "space")
            await settle(pilot)
            assert len(dialog.marked) == 1 and quantity.value == "1"
            assert "covers the 1" in str(dialog.query_one("#err-candidates").render())
            quantity.value = "2"
            await pilot.press("space")
            await settle(pilot)
            assert len(dialog.marked) == 2
            posts = len([1 for m, _ in server.sim.log if m == "POST"])
            await pilot.press("ctrl+s")
            await settle(pilot)
            assert id(app.screen) == id(dialog) and dialog.sent_count == 0
            assert len([1 for m, _ in server.sim.log if m == "POST"]) == posts
            assert "takes 1 more of this part: 2 would put more into it" in str(
                dialog.query_one("#err-quantity").render()
            )

    async def test_more_than_the_line_needs_is_said_before_enter(self, app: BuildTUI) -> None:
        """a on BO-0026's first line (needs 2): the proposal says nothing more; 5 typed says it is 3 more than
        the line needs and will over-allocate (allowed, as InvenTree allows it, but not silently)."""
        async with app.run_test(size=(80, 24)) as pilot:
            await open_build(pilot, 26)
            await pilot.press("a")
            await settle(pilot)
            dialog = app.screen
            assert isinstance(dialog, AllocateDialog) and dialog.line.still_needed == 2
            share = dialog.query_one("#alloc-share")
            assert not share.display
            await pilot.press("ctrl+u", "5")
            await settle(pilot)
            assert share.display and "5 is 3 more than this line needs" in str(share.render())

    async def test_a_negative_or_wordy_quantity_is_refused_as_typed(
        self, server: SimulatorServer, app: BuildTUI
    ) -> None:
        """a on BO-0026's first line, ctrl+u, "-5" typed: the field keeps "-5" (no sign silently dropped, which
        allocated 5) and Enter says the quantity must be more than zero; letters say to enter a number."""
        async with app.run_test(size=(80, 24)) as pilot:
            dialog = await open_dialog(pilot, 26, "a", AllocateDialog)
            posts = len([1 for m, _ in server.sim.log if m == "POST"])
            for typed, said in (("-5", "greater than zero"), ("abc", "Enter a number")):
                await pilot.press("ctrl+u", *typed, "enter")
                await settle(pilot)
                assert id(app.screen) == id(dialog) and dialog.query_one("#quantity", Input).value == typed
                assert said in str(dialog.query_one("#err-quantity").render())
            assert len([1 for m, _ in server.sim.log if m == "POST"]) == posts

    async def test_no_output_proposed_when_the_order_is_all_in_outputs(self, app: BuildTUI) -> None:
        """N on BO-0027 (quantity 1, its one unit already in an output): no quantity or serial is proposed (it
        proposed 1 more, over-producing) and the dialog says the order is all in outputs; BO-0022 still proposes
        what is left."""
        async with app.run_test(size=(80, 24)) as pilot:
            dialog = await open_dialog(pilot, 27, "N", CreateOutputDialog)
            assert dialog.query_one("#quantity", Input).value == ""
            assert dialog.query_one("#serial_numbers", Input).value == ""
            assert "are in outputs or completed already" in str(dialog.query_one("#nothing-left").render())
            await pilot.press("escape")
            await settle(pilot)
            await open_build(pilot, 22)
            await pilot.press("N")
            await settle(pilot)
            assert app.screen.query_one("#quantity", Input).value == "15" and not app.screen.query("#nothing-left")

    async def test_the_children_tab_says_when_there_are_none(self, app: BuildTUI) -> None:
        """4 on BO-0026 (no parent, no child builds) says so under the empty table; on BO-0005, which has two
        child builds, the line is not there."""
        async with app.run_test(size=(80, 24)) as pilot:
            screen = await open_build(pilot, 26)
            await pilot.press("4")
            await settle(pilot)
            none = screen.query_one("#children-none")
            assert none.display and "BO-0026 has no parent build and no child builds." in str(none.render())
            at, _ = screen.get_widget_at(none.region.x + 4, none.region.y + 1)
            assert at is none  # drawn where it is: not pushed out of sight by the table
            parent = await open_build(pilot, 5)
            await pilot.press("4")
            await settle(pilot)
            assert len(parent.query_one("#children", KeyedTable).row_keys) == 2
            assert not parent.query_one("#children-none").display


class TestConsumablesOnly:
    async def test_nothing_to_allocate(self, app: BuildTUI) -> None:
        """BO-0028 has only consumable lines: a says they are not allocated, and auto-allocation allocates
        nothing without calling any line short."""
        from buildtui.dialogs.info import InfoDialog

        async with app.run_test(size=(80, 24), notifications=True) as pilot:
            screen = await open_build(pilot, 28)
            assert screen.model is not None
            assert screen.model.lines and all(ln.consumable for ln in screen.model.lines)
            await pilot.press("a")
            await settle(pilot)
            assert "Consumable lines are not allocated." in [n.message for n in app._notifications]
            await pilot.press("A")
            await settle(pilot)
            await pilot.press("ctrl+s")
            await settle(pilot)
            assert isinstance(app.screen, InfoDialog)
            assert app.screen.body == (
                "Auto-allocation allocated nothing: this build's lines are all consumables, which are not allocated."
            )


@pytest.fixture(params=[425, 530], ids=["api425", "api530"])
def versioned(request: pytest.FixtureRequest) -> Iterator[SimulatorServer]:
    """The simulator as API 425 or 530 (background tasks of 0.3 s)."""
    srv = SimulatorServer(build_simulator(api=request.param, task_delay_s=0.3)).start()
    yield srv
    srv.stop()


async def test_one_output_completed_and_the_build_finished(versioned: SimulatorServer) -> None:
    """BO-0029 on API 425 and 530: c, LOC-FG scanned, Enter completes its one output; F then shows nothing
    blocking, and Enter finishes the build, whose header reads Complete."""
    from buildtui.dialogs.build_actions import FinishBuildDialog

    app = make_app(versioned.url, get_token(versioned.url))
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_build(pilot, 29)
        await pilot.press("c")
        await settle(pilot)
        app.scan("LOC-FG")
        await settle(pilot)
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert screen.model is not None and screen.model.build is not None
        assert screen.model.build.completed == 1 and not screen.model.incomplete_outputs
        await pilot.press("F")
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, FinishBuildDialog)
        assert text_of(dialog, "#blockers") == "Nothing blocks completion."
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is screen
        assert screen.model.build is not None and screen.model.build.status == 40
        assert "Complete" in text_of(screen, "#detail-header")


class TestShowcaseStays:
    async def test_readme_demo_codes(self, app: BuildTUI) -> None:
        """The README's walk-through, code by code: BO-0019 opens; INV-SI1 allocates to the resistor line
        (ctrl+z undoes it), and so does the reel's supplier label; INV-SI13 goes to the PCB line; INV-SI5 is
        refused (used up by BO-0001); in the complete-outputs dialog (on BO-0003) LOC-FG fills the location."""
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            app.scan("BO-0019")
            await settle(pilot)
            screen = app.screen
            assert isinstance(screen, BuildDetailScreen) and screen.pk == 19
            app.scan("INV-SI1")
            await settle(pilot)
            assert line_of(screen, "R-0603-10K").allocated == 60 and app.scans.log[-1].ok
            await pilot.press("ctrl+z")
            await settle(pilot)
            assert line_of(screen, "R-0603-10K").allocated == 0
            app.scan("YAGEO-RC0603-10K-REEL-7")
            await settle(pilot)
            assert line_of(screen, "R-0603-10K").allocated == 60
            app.scan("INV-SI13")
            await settle(pilot)
            assert line_of(screen, "PCB-SB-C").allocated == 15
            app.scan("INV-SI5")
            await settle(pilot)
            refused = app.scans.log[-1]  # a fresh read: mypy keeps the ".ok" of the first scan's check above
            assert not refused.ok and line_of(screen, "M-PASTE").allocated == 0
            await pilot.press("escape")
            await settle(pilot)
            app.open_build(3)
            await settle(pilot)
            await pilot.press("c")
            await settle(pilot)
            app.scan("LOC-FG")
            await settle(pilot)
            assert isinstance(app.screen, CompleteOutputsDialog)
            assert app.screen.query_one("#location", Select).value == 7


class TestSeed:
    def test_workshop_has_the_shapes_real_data_has(self, server: SimulatorServer) -> None:
        """Builds 22-31 have what the seed's docstring promises, read back from the server's database."""
        from buildtui.simulator.seed_workshop import WORKSHOP_BUILDS

        db = server.sim.db

        def one(sql: str, *args: object) -> int:
            return int(db.scalar(sql, args))

        builds = db.all(
            f"SELECT * FROM build WHERE id IN ({','.join('?' * len(WORKSHOP_BUILDS))})", list(WORKSHOP_BUILDS)
        )
        assert len(builds) == 10 and all(b["take_from"] is None and b["destination"] is None for b in builds)
        lines_22 = db.all(
            "SELECT bl.*, (SELECT COALESCE(SUM(quantity), 0) FROM build_item WHERE build_line = bl.id)"
            " AS allocated FROM build_line bl WHERE build = 22"
        )
        assert len(lines_22) >= 40
        assert any(ln["allocated"] == ln["quantity"] > 0 for ln in lines_22)  # fully allocated
        assert any(ln["allocated"] > ln["quantity"] for ln in lines_22)  # over-allocated
        on_bom = "SELECT sub_part FROM bom_item WHERE part = (SELECT part FROM build WHERE id = 22)"
        assert one(f"SELECT COUNT(*) FROM stock WHERE part IN ({on_bom}) AND expiry_date < '2026-06-15'") >= 1
        assert one(f"SELECT COUNT(*) FROM stock WHERE part IN ({on_bom}) AND status = 75") >= 1
        assert (
            one(f"SELECT COUNT(*) FROM ({on_bom}) b WHERE NOT EXISTS (SELECT 1 FROM stock s WHERE s.part = b.sub_part)")
            >= 3
        )  # parts with no stock at all
        building = "SELECT COUNT(*) FROM stock WHERE build = ? AND is_building = 1"
        assert [one(building, pk) for pk in (25, 26, 27, 29)] == [24, 0, 1, 1]
        tracked = (
            "SELECT COUNT(*) FROM build_line bl JOIN bom_item b ON b.id = bl.bom_item JOIN part p ON"
            " p.id = b.sub_part WHERE bl.build = ? AND p.trackable = 1"
        )
        assert one(tracked, 26) == 1
        assert (
            one(
                "SELECT COUNT(*) FROM build_line bl JOIN bom_item b ON b.id = bl.bom_item"
                " WHERE bl.build = 28 AND b.consumable = 0"
            )
            == 0
        )
        assert (
            one("SELECT COUNT(*) FROM stock WHERE part = (SELECT part FROM build WHERE id = 25) AND serial IS NOT NULL")
            == 28
        )  # 1001-1028 in use

    def test_generated_builds_start_after_the_demo(self) -> None:
        """``--builds N`` numbers its builds after the demo's; the first, BIG_BUILD, has 200 lines."""
        from buildtui.simulator.db import Database
        from buildtui.simulator.seed import BIG_BUILD, DEMO_BUILDS, seed_demo, seed_large

        db = Database(":memory:")
        seed_demo(db)
        assert db.scalar("SELECT COUNT(*) FROM build") == DEMO_BUILDS
        seed_large(db, 3)
        big = db.one("SELECT id FROM build WHERE reference = ?", (BIG_BUILD,))
        assert big is not None and db.scalar("SELECT COUNT(*) FROM build_line WHERE build = ?", (big["id"],)) == 200
