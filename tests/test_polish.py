"""What an operator sees and types at 80x24 (issue 17): scoped styles, one rule for every dialog, tables that
keep their columns, readable without colour, cut-offs said with "…"."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from textual.app import App
from textual.css.model import SelectorType
from textual.css.stylesheet import Stylesheet
from textual.pilot import Pilot
from textual.screen import Screen
from textual.widgets import Button, Checkbox, DataTable, Input, Select

from buildtui.app import BuildTUI
from buildtui.dialogs.allocate import AllocateDialog
from buildtui.dialogs.allocation_edits import EditAllocationDialog
from buildtui.dialogs.build_actions import FinishBuildDialog
from buildtui.dialogs.form import FormDialog
from buildtui.dialogs.outputs import CompleteOutputsDialog
from buildtui.screens.build_detail import BuildDetailScreen
from buildtui.simulator import SimulatorServer
from buildtui.widgets.keyed_table import KeyedTable
from tests.conftest import get_token, make_app, open_build, outstanding, settle
from tests.screen_text import flat_text, screen_text

STYLES = Path(__file__).resolve().parent.parent / "styles"
#: classes meant for the whole app (app.tcss); every other class or id is scoped under its screen or dialog
APP_WIDE_CLASSES = {"muted", "hidden", "-stale", "overdue"}


def screen_classes() -> set[str]:
    """Every screen and dialog class of buildtui (the names a scoped rule starts with)."""
    import importlib
    import pkgutil

    import buildtui.dialogs
    import buildtui.screens

    for package in (buildtui.dialogs, buildtui.screens):  # every module, so that a new dialog is seen too
        for module in pkgutil.iter_modules(package.__path__):
            importlib.import_module(f"{package.__name__}.{module.name}")

    found: set[str] = set()
    todo: list[type[Screen[Any]]] = [Screen]
    while todo:
        cls = todo.pop()
        for sub in cls.__subclasses__():
            todo.append(sub)
            if sub.__module__.startswith("buildtui."):
                found.add(sub.__name__)
    return found


class TestStyles:
    def test_no_rule_reaches_another_screen(self) -> None:
        """Every rule naming an id or a screen's own class starts with the screen or dialog it is for."""
        owners = screen_classes() | {"App"}
        leaks = []
        for path in sorted(STYLES.glob("*.tcss")):
            sheet = Stylesheet(variables=App().get_css_variables())
            sheet.read(path)
            sheet.parse()
            for rule in sheet.rules:
                for selector_set in rule.selector_set:
                    parts = selector_set.selectors
                    specific = [
                        p
                        for p in parts
                        if p.type is SelectorType.ID
                        or (p.type is SelectorType.CLASS and p.name not in APP_WIDE_CLASSES)
                    ]
                    first = parts[0]
                    if specific and not (first.type is SelectorType.TYPE and first.name in owners):
                        leaks.append(f"{path.name}: {' '.join(p.name for p in parts)}")
        assert not leaks, leaks

    async def test_build_notes_style_does_not_reach_the_notes_fields(self, server: SimulatorServer, token: str) -> None:
        """The build's Notes tab is padded; the complete dialog's Notes field is a one-row field that shows
        what is typed (the old #notes rule hid it)."""
        app = make_app(server.url, token)
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            await open_build(pilot, 3)
            await pilot.press("c")
            await settle(pilot)
            box = app.screen.query_one("#notes", Input)
            assert box.styles.padding.top == 0 and box.content_region.height == 1


#: how to open each dialog with a text field, and its fields (id -> what to type)
TYPED = {
    "goto": ([], ["ctrl+g"], {"reference": "BO-0003"}),
    "scan": ([], ["f2"], {"code": "INV-SI-42"}),
    "create_output": ([3], ["N"], {"quantity": "2", "serial_numbers": "777", "batch_code": "LOT-9"}),
    "complete_outputs": ([3], ["3", "c"], {"quantity": "3", "notes": "Checked by Ana"}),
    "scrap_outputs": ([3], ["3", "S"], {"quantity": "2", "notes": "Cracked PCB"}),
    "consume_line": ([3], ["x"], {"notes": "Used at line 2"}),
    "consume_item": ([3], ["space", "down", "x"], {"quantity": "5", "notes": "Partial use"}),
    "edit_allocation": ([3], ["space", "down", "e"], {"quantity": "42"}),
    "allocate": ([11], ["down"] * 6 + ["a"], {"quantity": "7"}),
}


async def open_dialog(pilot: Pilot[None], builds: list[int], keys: list[str]) -> FormDialog[Any]:
    await settle(pilot)
    for pk in builds:
        await open_build(pilot, pk)
    for key in keys:
        await pilot.press(key)
        await settle(pilot)
    dialog = pilot.app.screen
    assert isinstance(dialog, FormDialog), dialog
    return dialog


class TestTypedText:
    @pytest.mark.parametrize("case", list(TYPED))
    async def test_typed_text_shows_in_every_field(self, server: SimulatorServer, token: str, case: str) -> None:
        """Whatever is typed in a dialog's text field is on the screen as typed, at 80x24; and the dialog has a
        line saying what Enter does and that Esc closes (one rule for every dialog)."""
        builds, keys, fields = TYPED[case]
        app = make_app(server.url, token)
        async with app.run_test(size=(80, 24)) as pilot:
            dialog = await open_dialog(pilot, builds, keys)
            hint = str(dialog.query_one("#dialog-hint").render())
            assert "Enter" in hint and "Esc" in hint and hint in flat_text(app)
            for field_id, typed in fields.items():
                box = dialog.query_one(f"#{field_id}", Input)
                box.focus()
                box.value = ""
                await pilot.press(*typed)
                await pilot.pause()
                assert box.value == typed
                assert typed in screen_text(app), f"{field_id}: {typed!r} not on screen"

    async def test_password_shows_as_dots(self, server: SimulatorServer) -> None:
        """The sign-in dialog shows the username as typed and the password as one dot per character."""
        app = make_app(server.url, "not-a-token")
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            dialog = app.screen
            await pilot.press(*"admin", "tab", *"secret")
            await pilot.pause()
            assert dialog.query_one("#username", Input).value == "admin"
            shown = screen_text(app)
            assert "admin" in shown and "••••••" in shown and "secret" not in shown


class TestNotesTab:
    async def test_multi_line_notes_are_lines(self, server: SimulatorServer, token: str) -> None:
        """Notes written on several lines show on several lines, in order, nothing joined."""
        server.sim.db.update("build", 3, notes="Line 2 only.\r\nUse the *new* stencil.\n\n- check U1\tfirst")
        app = make_app(server.url, token)
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            await open_build(pilot, 3)
            await pilot.press("5")
            await settle(pilot)
            lines = screen_text(app).splitlines()
            at = next(i for i, line in enumerate(lines) if "Line 2 only." in line)
            assert lines[at + 1].strip() == "Use the *new* stencil."
            assert lines[at + 2].strip() == "" and lines[at + 3].strip() == "- check U1    first"

    async def test_no_notes_says_so(self, app: BuildTUI) -> None:
        """A build without notes says "(no notes)"."""
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            await open_build(pilot, 11)
            await pilot.press("5")
            await settle(pilot)
            assert "(no notes)" in screen_text(app)


def focused_id(app: BuildTUI) -> str | None:
    focused = app.screen.focused
    return focused.id if focused is not None else None


class TestOneRuleForEveryDialog:
    # that each dialog says its rule is checked with the typed text (TestTypedText): the same dialogs, opened once
    async def test_enter_on_a_box_submits_and_does_not_tick_it(self, app: BuildTUI) -> None:
        """Auto-allocate: Tab to "Optional lines too" and press Enter: the box stays unticked and the dialog
        is sent (the summary opens)."""
        from buildtui.dialogs.auto_allocate import AutoAllocateDialog
        from buildtui.dialogs.info import InfoDialog

        async with app.run_test(size=(80, 24)) as pilot:
            dialog = await open_dialog(pilot, [11], ["A"])
            assert isinstance(dialog, AutoAllocateDialog) and focused_id(app) == "location"
            box = dialog.query_one("#optional_items", Checkbox)
            box.focus()
            await pilot.press("enter")
            await settle(pilot)
            assert box.value is False
            assert isinstance(app.screen, InfoDialog)

    async def test_finish_opens_on_its_button_and_enter_sends_it(self, app: BuildTUI) -> None:
        """Finish opens on «Finish», never on a box: Enter sends it (here refused: not in production), and the
        accept boxes stay unticked; the focus is where it was."""
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            await open_build(pilot, 11)
            await app.client.issue(11)
            await pilot.press("ctrl+r")
            await settle(pilot)
            await pilot.press("F")
            await settle(pilot)
            assert isinstance(app.screen, FinishBuildDialog) and focused_id(app) == "submit"
            dialog = app.screen
            await pilot.press("enter")
            await settle(pilot)
            assert app.screen is dialog and dialog.sent_count == 1
            assert str(dialog.query_one("#err-accept_unallocated").render()) or str(
                dialog.query_one("#err-form").render()
            )
            assert not dialog.query_one("#accept_unallocated", Checkbox).value
            assert focused_id(app) == "submit"

    async def test_edit_allocation_opens_in_quantity(self, app: BuildTUI) -> None:
        """e opens with the cursor in Quantity: typing replaces nothing else, Enter saves it."""
        async with app.run_test(size=(80, 24)) as pilot:
            dialog = await open_dialog(pilot, [3], ["space", "down", "e"])
            assert isinstance(dialog, EditAllocationDialog) and focused_id(app) == "quantity"
            dialog.query_one("#quantity", Input).value = ""
            await pilot.press("1", "2", "enter")
            await settle(pilot)
            screen = app.screen
            assert isinstance(screen, BuildDetailScreen) and screen.model is not None
            edited = screen.model.allocation(dialog.allocation.pk)
            assert edited is not None and edited.quantity == 12

    async def test_allocate_opens_in_quantity_with_the_list_in_reach(self, app: BuildTUI) -> None:
        """a opens with the cursor in Quantity: typing 3 sets it; ↓ moves through the stock list from there;
        Shift+Tab reaches the list, where Space marks an item."""
        async with app.run_test(size=(80, 24)) as pilot:
            dialog = await open_dialog(pilot, [3], ["a"])
            assert isinstance(dialog, AllocateDialog) and focused_id(app) == "quantity"
            table = dialog.query_one("#candidates", KeyedTable)
            first = table.current_key
            box = dialog.query_one("#quantity", Input)
            box.value = ""
            await pilot.press("3")
            assert box.value == "3" and focused_id(app) == "quantity"
            await pilot.press("down")
            assert table.current_key != first and focused_id(app) == "quantity"
            await pilot.press("space")  # a space in the quantity marks nothing
            assert not dialog.marked
            await pilot.press("shift+tab")
            assert focused_id(app) == "candidates"
            await pilot.press("space")
            assert len(dialog.marked) == 1

    async def test_tab_goes_round_what_can_be_filled_or_read(self, app: BuildTUI) -> None:
        """Tab goes round a dialog's fields and buttons, with no invisible stop between them; a dialog of text alone
        (the outputs to delete), or one too tall for the terminal, has its text as a stop, where the arrows scroll it."""

        async def stops() -> list[str | None]:
            seen = [focused_id(app)]
            for _ in range(8):
                await pilot.press("tab")
                seen.append(focused_id(app))
            return seen

        async with app.run_test(size=(80, 24)) as pilot:
            await open_dialog(pilot, [3], ["c"])
            fields = await stops()
            assert "dialog-body" not in fields and {"quantity", "submit", "cancel"} <= set(fields), fields
            body = app.screen.query_one("#dialog-body")
            body.styles.max_height = 3  # a terminal too short for it: its text beside the fields needs the arrows
            await pilot.pause()
            assert body.focusable
            body.styles.max_height = 16
            await pilot.press("escape")
            await settle(pilot)
            await pilot.press("3", "D")
            await settle(pilot)
            text = await stops()
            assert "dialog-body" in text and {"submit", "cancel"} <= set(text), text

    async def test_refusal_puts_the_cursor_in_the_field_named(self, app: BuildTUI) -> None:
        """A serial number that exists is refused by the server; the cursor goes to Serial numbers, with the
        server's message under it, from wherever it was."""
        async with app.run_test(size=(80, 24)) as pilot:
            dialog = await open_dialog(pilot, [5], ["N"])
            serials = dialog.query_one("#serial_numbers", Input)
            quantity = dialog.query_one("#quantity", Input)
            quantity.value = "1"
            await pilot.pause()
            serials.focus()
            serials.value = ""
            await pilot.press(*"101")
            dialog.query_one("#batch_code", Input).focus()
            await pilot.press("enter")
            await settle(pilot)
            assert app.screen is dialog and "already exist" in str(dialog.query_one("#err-serial_numbers").render())
            assert focused_id(app) == "serial_numbers"

    async def test_typing_after_a_refusal_never_ticks_a_box(self, app: BuildTUI) -> None:
        """Scrap: Enter without a reason names the Reason field and puts the cursor there; the words typed
        next go into it, and neither the discard box nor the marks change."""
        from buildtui.dialogs.outputs import ScrapOutputsDialog

        async with app.run_test(size=(80, 24)) as pilot:
            dialog = await open_dialog(pilot, [3], ["3", "S"])
            assert isinstance(dialog, ScrapOutputsDialog) and focused_id(app) == "notes"
            marked = set(dialog.marked)
            dialog.query_one("#location", Select).value = 8
            dialog.query_one("#discard", Checkbox).focus()
            await pilot.press("ctrl+s")
            await settle(pilot)
            assert focused_id(app) == "notes"
            await pilot.press(*"a bad weld")
            assert dialog.query_one("#notes", Input).value == "a bad weld"
            assert dialog.marked == marked and dialog.query_one("#discard", Checkbox).value is False

    async def test_space_and_letters_act_only_on_the_list_with_the_focus(self, app: BuildTUI) -> None:
        """Complete outputs: a space or an "a" typed in Notes is text; on the outputs list, Space marks and a
        marks all."""
        async with app.run_test(size=(80, 24)) as pilot:
            dialog = await open_dialog(pilot, [3], ["c"])
            assert isinstance(dialog, CompleteOutputsDialog)
            marked = set(dialog.marked)
            dialog.query_one("#notes", Input).focus()
            await pilot.press(*"a a")
            assert dialog.query_one("#notes", Input).value == "a a" and dialog.marked == marked
            dialog.query_one("#outputs-table").focus()
            await pilot.press("a")
            assert len(dialog.marked) == 2


class TestDestructiveDialogs:
    async def test_scrap_needs_enter_on_its_button(self, app: BuildTUI) -> None:
        """Scrap: Enter in the reason moves to «Scrap» and says so; only Enter there scraps."""
        async with app.run_test(size=(80, 24)) as pilot:
            dialog = await open_dialog(pilot, [3], ["3", "S"])
            screen = pilot.app.screen_stack[-2]
            assert isinstance(screen, BuildDetailScreen) and screen.model is not None
            dialog.query_one("#location", Select).value = 8
            await pilot.press(*"Cracked", "enter")
            await settle(pilot)
            assert app.screen is dialog and dialog.sent_count == 0 and focused_id(app) == "submit"
            assert "Enter again on «Scrap»" in flat_text(app)
            await pilot.press("enter")
            await settle(pilot)
            assert isinstance(app.screen, BuildDetailScreen) and app.screen is screen and dialog.sent_count == 1
            assert len(screen.model.incomplete_outputs) == 1

    async def test_consuming_a_whole_line_needs_enter_on_its_button(self, app: BuildTUI) -> None:
        """x on a line consumes all of it, with no quantity to type and no undo: Enter in the notes (a number
        typed there as if it were a quantity) moves to «Consume»; only Enter there consumes."""
        async with app.run_test(size=(80, 24)) as pilot:
            dialog = await open_dialog(pilot, [3], ["x"])
            screen = pilot.app.screen_stack[-2]
            assert isinstance(screen, BuildDetailScreen) and screen.model is not None
            before = screen.model.lines[0].allocated
            assert "Only Enter on «Consume» consumes all of it" in flat_text(app)
            await pilot.press(*"10", "enter")
            await settle(pilot)
            assert app.screen is dialog and dialog.sent_count == 0 and focused_id(app) == "submit"
            assert screen.model.lines[0].allocated == before
            await pilot.press("enter")
            await settle(pilot)
            assert id(app.screen) == id(screen) and dialog.sent_count == 1
            assert screen.model.lines[0].allocated == 0 and screen.model.lines[0].consumed >= before

    async def test_cancel_build_opens_on_its_button(self, app: BuildTUI) -> None:
        """C opens with the focus on «Cancel the build»: the dialog says only Enter there does it."""
        async with app.run_test(size=(80, 24)) as pilot:
            await open_dialog(pilot, [3], ["C"])
            assert focused_id(app) == "submit"
            assert "Only Enter on «Cancel the build» cancels it" in flat_text(app)

    async def test_typing_in_a_confirmation_disarms_it(self, app: BuildTUI) -> None:
        """A search typed on the detail screen by mistake ("/harness" + Enter) does not hold the build: h asks,
        the letters after it move the focus to Close, and Enter closes the question."""
        async with app.run_test(size=(80, 24)) as pilot:
            screen = await open_build(pilot, 3)
            assert screen.model is not None
            await pilot.press(*"/harness", "enter")
            await settle(pilot)
            assert app.screen is screen and screen.model.build is not None and screen.model.build.status == 20
            assert len(screen.model.lines[0].allocations or []) == 1  # and nothing allocated or removed

    async def test_a_disarmed_question_says_enter_closes_it(self, app: BuildTUI) -> None:
        """i on pending BO-0011, then a letter typed: the focus moves to Close and the line under the buttons
        says Enter closes and nothing changes (it still said "Enter: Issue"), until Shift+Tab goes back to
        «Issue»; Enter on Close closes, still pending."""
        async with app.run_test(size=(80, 24)) as pilot:
            screen = await open_build(pilot, 11)
            await pilot.press("i")
            await settle(pilot)
            dialog = app.screen
            await pilot.press("x")
            await settle(pilot)
            assert focused_id(app) == "cancel"
            assert str(dialog.query_one("#dialog-hint").render()).startswith("Enter: close, nothing changes")
            await pilot.press("shift+tab")
            await settle(pilot)
            assert focused_id(app) == "submit"
            assert str(dialog.query_one("#dialog-hint").render()).startswith("Enter: Issue")
            await pilot.press("tab")
            await pilot.press("enter")
            await settle(pilot)
            assert id(app.screen) == id(screen) and screen.model is not None and screen.model.build is not None
            assert screen.model.build.status == 10

    async def test_a_burst_typed_at_the_screen_never_answers_the_question(self, app: BuildTUI) -> None:
        """ "/harness" + Enter read in one go (typed fast or pasted): h asks, and neither the letters nor the
        Enter, typed before the question was on screen, answer it; the build stays in production."""
        from textual import events

        from buildtui.dialogs.build_actions import ConfirmDialog

        async with app.run_test(size=(80, 24)) as pilot:
            screen = await open_build(pilot, 3)
            for key, char in [("slash", "/"), *[(c, c) for c in "harness"], ("enter", "\r")]:
                app.post_message(events.Key(key, char))
            await settle(pilot)
            dialog = app.screen
            assert isinstance(dialog, ConfirmDialog) and focused_id(app) == "cancel"
            assert screen.model is not None and screen.model.build is not None
            assert screen.model.build.status == 20 and dialog.sent_count == 0
            await pilot.press("enter")  # Enter now, on Close: the question goes, nothing changes
            await settle(pilot)
            assert app.screen is screen and screen.model.build.status == 20

    async def test_hold_and_issue_ask_first(self, app: BuildTUI) -> None:
        """h asks "Put BO-0003 on hold" and says how to undo it; Esc leaves it in production, Enter holds it."""
        from buildtui.dialogs.build_actions import ConfirmDialog

        async with app.run_test(size=(80, 24)) as pilot:
            screen = await open_build(pilot, 3)
            assert screen.model is not None
            await pilot.press("h")
            await settle(pilot)
            assert isinstance(app.screen, ConfirmDialog) and focused_id(app) == "submit"
            shown = flat_text(app)
            assert "Put BO-0003 on hold" in shown and "(i issues it again.)" in shown
            await pilot.press("escape")
            await settle(pilot)
            assert screen.model.build is not None and screen.model.build.status == 20
            await pilot.press("h", "enter")
            await settle(pilot)
            assert screen.model.build is not None and screen.model.build.status == 25
            await pilot.press("i")
            await settle(pilot)
            assert "Issue BO-0003" in flat_text(app)
            await pilot.press("enter")
            await settle(pilot)
            assert screen.model.build is not None and screen.model.build.status == 20

    async def test_unallocate_all_opens_on_its_button(self, app: BuildTUI) -> None:
        """U asks, with the focus on «Remove all»; typing moves it to Close."""
        async with app.run_test(size=(80, 24)) as pilot:
            dialog = await open_dialog(pilot, [3], ["U"])
            assert focused_id(app) == "submit"
            await pilot.press("x")
            assert focused_id(app) == "cancel" and "Typed keys do nothing here" in flat_text(app)
            await pilot.press("enter")
            await settle(pilot)
            assert app.screen is not dialog and dialog.sent_count == 0
            assert isinstance(app.screen.focused, Button) is False


def table_lines(app: BuildTUI, selector: str) -> list[str]:
    """The rows of a table as the operator reads them (header first)."""
    table = app.screen.query_one(selector, KeyedTable)
    region = table.region
    return [line[region.x : region.right].rstrip() for line in screen_text(app).splitlines()[region.y : region.bottom]]


class TestTablesKeepTheirColumns:
    async def test_widths_are_right_before_the_first_paint(self) -> None:
        """Rows synced into a table have their full widths at once, not when the app is next idle (the
        first paint of the list showed "HAR-" and "Produc"); a row removed shrinks them at once too."""
        from rich.text import Text
        from textual.app import App, ComposeResult

        class One(App[None]):
            def compose(self) -> ComposeResult:
                table = KeyedTable()
                table.set_columns([("ref", "Reference"), ("part", "Part"), ("status", "Status")])
                yield table

        app = One()
        async with app.run_test(size=(80, 24)):
            table = app.query_one(KeyedTable)
            table.sync(
                [
                    ("1", (Text("BO-0021"), Text("HAR-4 Cable Harness 4-pin"), Text("Production"))),
                    ("2", (Text("BO-0020"), Text("OPS-7"), Text("Pending"))),
                ]
            )
            assert [c.content_width for c in table.columns.values()] == [9, 25, 10]
            table.sync([("2", (Text("BO-0020"), Text("OPS-7"), Text("Pending")))])
            assert [c.content_width for c in table.columns.values()] == [9, 5, 7]

    async def test_allocating_with_a_line_expanded(self, app: BuildTUI) -> None:
        """BO-0021: expand the wire line and allocate 6: the line keeps its whole name and figures, and its
        allocation shows under it."""
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            await open_build(pilot, 21)
            await pilot.press("space", "a")
            await settle(pilot)
            await pilot.press("enter")
            await settle(pilot)
            rows = table_lines(app, "#lines")
            assert rows[1].split() == ["✓", "W-05-RD", "Wire", "0.5mm²", "red", "6", "6", "0", "244", "██████"]
            assert "└ batch WIRE-R-2401 @ Wareho" in rows[2]

    async def test_deleting_an_output_keeps_the_columns(self, app: BuildTUI) -> None:
        """Create two serialised outputs on BO-0005 and delete one: every row still reads in full."""
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            screen = await open_build(pilot, 5)
            await pilot.press("3", "N")
            await settle(pilot)
            await pilot.press("enter")
            await settle(pilot)
            await pilot.press("down", "down", "D", "enter")
            await settle(pilot)
            assert screen.model is not None and len(screen.model.incomplete_outputs) == 3
            rows = table_lines(app, "#outputs")
            assert rows[0].split() == ["State", "Output", "Qty", "Location", "Status"]
            assert all(r.split()[0] == "building" and "Finished Goods" in r for r in rows[1:4]), rows

    async def test_a_huge_reference_is_cut_and_the_rest_stays(self, server: SimulatorServer, token: str) -> None:
        """A 100,000-character reference is cut with "…" in the list and the header; every other column of
        the list stays in sight and nothing scrolls sideways."""
        server.sim.db.update("build", 21, reference="BO-" + "9" * 100_000)
        app = make_app(server.url, token)
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            table = app.screen.query_one("#builds", KeyedTable)
            assert table.virtual_size.width <= table.scrollable_content_region.width
            at = list(table.row_keys).index("21")
            row = table_lines(app, "#builds")[1 + at]
            cells = row.split()
            assert cells[0].endswith("…") and len(cells[0]) <= 16 and cells[1].startswith("HAR-4")
            assert "0/10" in row and "Production" in row and "2026-03-17" in row
            table.move_cursor(row=at)
            await pilot.press("enter")
            await settle(pilot)
            first = screen_text(app).splitlines()[0]
            assert "…" in first and len(first) <= 80
            assert screen_text(app).splitlines()[1].startswith(" Qty 10")

    async def test_one_malformed_row_does_not_blank_the_list(self, server: SimulatorServer, token: str) -> None:
        """One build the client cannot read (a target date "soon") shows as "unreadable row"; the others are
        listed as usual, the count says so, and Enter on it says it could not be read."""
        server.sim.db.update("build", 27, target_date="soon")
        count = outstanding(server.url)
        app = make_app(server.url, token)
        async with app.run_test(size=(80, 24), notifications=True) as pilot:
            await settle(pilot)
            table = app.screen.query_one("#builds", KeyedTable)
            assert len(table.row_keys) == count
            shown = screen_text(app)
            assert f"{count} of {count} builds (1 unreadable)" in shown and "unreadable row" in shown
            assert "BO-0028" in shown and "BO-0026" in shown
            table.move_cursor(row=[k for k in table.row_keys].index("-1"))
            await pilot.press("enter")
            await settle(pilot)
            assert app.screen is not None and "could not be read" in " ".join(
                str(n.message) for n in app._notifications
            )

    async def test_long_names_end_with_an_ellipsis(self, app: BuildTUI) -> None:
        """At 80 columns a part name longer than its column ends with "…" (not "…ATmeg" cut silently)."""
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            await open_build(pilot, 3)
            row = next(r for r in table_lines(app, "#lines") if "U-ATM328" in r)
            name = "U-ATM328 Microcontroller ATmega328P"
            shown = row[row.index("U-ATM328") :].split("  ")[0]
            assert shown == name or (shown.endswith("…") and name.startswith(shown[:-1])), shown


class TestHeader:
    async def test_overdue_and_priority_keep_their_separator(self, app: BuildTUI) -> None:
        """BO-0003 at 80 columns: "target 2026-06-12 OVERDUE · priority 2" on one line."""
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            await open_build(pilot, 3)
            assert "target 2026-06-12 OVERDUE · priority 2" in screen_text(app)

    async def test_priority_zero_is_not_said(self, app: BuildTUI) -> None:
        """BO-0021 (priority 0, no start date): the figures and the target fit on one line, no "priority 0"."""
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            await open_build(pilot, 21)
            lines = screen_text(app).splitlines()
            assert "priority" not in screen_text(app)
            assert lines[1].strip() == "Qty 10 · done 0 · left 10 ░░░░░░░░░░ · target 2026-03-17 OVERDUE"

    async def test_children_tab_names_the_parent_by_reference(self, app: BuildTUI) -> None:
        """BO-0006, a child of BO-0005: the header says "parent BO-0005" and the children tab lists it first;
        Enter there opens it."""
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            await open_build(pilot, 6)
            assert "parent BO-0005" in screen_text(app) and "#5" not in screen_text(app)
            await pilot.press("4")
            await settle(pilot)
            rows = table_lines(app, "#children")
            assert rows[1].split()[:3] == ["↑", "parent", "BO-0005"]
            await pilot.press("enter")
            await settle(pilot)
            assert isinstance(app.screen, BuildDetailScreen) and app.screen.pk == 5

    def test_other_rows_still_fail_the_answer(self) -> None:
        """Only build rows stand in as "unreadable row": a malformed line or stock row fails the whole answer
        (a missing line would hide stock that is needed)."""
        from buildtui.api import InvenTreeClient
        from buildtui.api.errors import BadResponse
        from buildtui.api.models import Build, BuildLine

        client = InvenTreeClient("http://127.0.0.1:9", "t")
        good = {"pk": 1, "reference": "BO-1", "part": 1, "status": 10}
        builds = client._models(Build, [good, {"pk": 2, "reference": "BO-2", "part": "x", "status": 10}, "junk"])
        assert [b.pk for b in builds] == [1, -1, -2]
        assert builds[1].reference == "BO-2" and "part" in (builds[1].title or "")
        with pytest.raises(BadResponse):
            client._models(BuildLine, [{"pk": "not a number"}])


def footer_text(app: BuildTUI) -> str:
    return screen_text(app).splitlines()[-1]


class TestFooter:
    @pytest.mark.parametrize(
        ("tab", "expected"),
        [
            ("1", "? Help a Alloc A Auto s Session u Unalloc e Edit x Consume v Mark F Finish"),
            ("2", "? Help k Kit v Mark u Unalloc e Edit x Consume F Finish h Hold C Cancel"),
            ("3", "? Help N New c Complete S Scrap D Delete a Alloc F Finish h Hold C Cancel"),
            ("4", "? Help Enter Open F Finish h Hold C Cancel 1-5 Tabs Esc Back"),
            ("5", "? Help F Finish h Hold C Cancel 1-5 Tabs Esc Back"),
        ],
    )
    async def test_each_tab_shows_what_matters_there(self, app: BuildTUI, tab: str, expected: str) -> None:
        """At 80 columns the footer of BO-0003 (in production) shows, after "? Help", the actions of the tab
        shown in a fixed order, as many as fit, and nothing cut in the middle."""
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            await open_build(pilot, 3)
            await pilot.press(tab)
            await settle(pilot)
            assert footer_text(app).strip() == expected

    async def test_a_pending_build_offers_issue_early(self, app: BuildTUI) -> None:
        """BO-0011 (pending): Issue is the second action on the lines tab; Finish, not offered, is not shown."""
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            await open_build(pilot, 11)
            shown = footer_text(app)
            assert shown.startswith("? Help a Alloc i Issue A Auto") and "Finish" not in shown

    async def test_help_is_always_there(self, app: BuildTUI) -> None:
        """At 45 columns the footer still starts with "? Help"; wider, more keys come back."""
        async with app.run_test(size=(45, 24)) as pilot:
            await settle(pilot)
            await open_build(pilot, 3)
            narrow = footer_text(app)
            assert narrow == "? Help a Alloc A Auto s Session u Unalloc"
            await pilot.resize_terminal(80, 24)
            await settle(pilot)
            assert "x Consume" in footer_text(app)

    async def test_the_list_shows_all_its_keys_at_80_columns(self, app: BuildTUI) -> None:
        """The list's footer at 80 columns: every filter, the sort and Quit."""
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            assert footer_text(app).strip() == (
                "? Help / Search o Outstanding a All d Overdue m Mine s Status r Sort ^q Quit"
            )


class TestScanLog:
    async def test_results_wrap_instead_of_being_cut(self, app: BuildTUI) -> None:
        """F3 at 80 columns: a long result is shown whole, over several lines."""
        from buildtui.scanning import ScanEntry

        outcome = (
            "Not allocated: the stock was allocated elsewhere meanwhile (Available quantity (0) exceeded) "
            "and the line is already fully allocated"
        )
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            app.scans.log.append(ScanEntry("10:42:07", "INV-SI-1234567890-ABCDEFGHIJ-XYZ", outcome, False))
            await pilot.press("f3")
            await settle(pilot)
            shown = flat_text(app)
            assert outcome.split(" ")[-6:] == shown.split(" ✗ ")[-1].split("Esc closes")[0].split()[-6:]
            assert app.screen.query_one("#scan-log", DataTable).row_count == 1


class TestToasts:
    async def test_a_notification_does_not_cover_the_columns(self, app: BuildTUI) -> None:
        """A notification on the detail screen lies over the status line and footer, the full width: the
        table rows above it, with Avail and Progress, stay in sight."""
        from textual.widgets._toast import Toast

        async with app.run_test(size=(80, 24), notifications=True) as pilot:
            await settle(pilot)
            screen = await open_build(pilot, 3)
            app.notify("Allocated 6 × W-05-RD Wire 0.5mm² red from 1 stock item(s)", markup=False)
            await settle(pilot)
            toast = screen.query_one(Toast)
            table = screen.query_one("#lines", KeyedTable)
            rows = table.row_count + 1  # and the header
            assert toast.region.y >= table.region.y + rows and toast.region.width == 80
            assert "Allocated 6 × W-05-RD" in screen_text(app)


class TestPalette:
    async def test_keys_are_named_as_printed(self, app: BuildTUI) -> None:
        """The palette names keys as on the keyboard: "Esc", "ctrl+r, F5", not "key escape"."""
        from buildtui.commands import ActionCommands

        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            await open_build(pilot, 3)
            provider = ActionCommands(app.screen)
            keys = {name: help_text for name, help_text, _ in provider._commands()}
            assert keys["Back"] == "Esc" and keys["Refresh"] == "ctrl+r, F5" and keys["Help"] == "?"
            assert not any(k.startswith("key ") for k in keys.values())


class TestWithoutColour:
    async def test_ticked_and_unticked_boxes_differ_by_glyph(
        self, server: SimulatorServer, token: str, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """Under NO_COLOR, auto-allocate's ticked boxes read "▐X▌" and the unticked one "▐ ▌"."""
        monkeypatch.setenv("NO_COLOR", "1")
        app = make_app(server.url, token)
        async with app.run_test(size=(80, 24)) as pilot:
            await open_dialog(pilot, [11], ["A"])
            shown = screen_text(app)
            assert "▐X▌ Interchangeable stock" in shown and "▐X▌ Substitute parts" in shown
            assert "▐ ▌ Optional lines too" in shown

    @pytest.mark.parametrize("mode", ["NO_COLOR", "TEXTUAL_COLOR_SYSTEM"])
    async def test_the_cursor_row_is_reverse_video(
        self, server: SimulatorServer, token: str, monkeypatch: pytest.MonkeyPatch, mode: str
    ) -> None:
        """Without colour (NO_COLOR) the list's cursor row is drawn in reverse video, not a shade of grey; with
        16 colours it is still marked."""
        monkeypatch.setenv(mode, "1" if mode == "NO_COLOR" else "standard")
        app = make_app(server.url, token)
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            table = app.screen.query_one("#builds", KeyedTable)
            newest = f"BO-{int(table.row_keys[table.cursor_row]):04d}"
            strips = app.screen._compositor.render_strips()
            row = next(s for s in strips if newest in s.text)
            styles = [seg.style for seg in row if seg.text.strip()]
            if mode == "NO_COLOR":
                assert all(st is not None and st.reverse for st in styles)
            else:
                assert all(st is not None and (st.reverse or st.bgcolor is not None) for st in styles)


class TestRefusedKeysSayWhy:
    async def test_a_key_not_offered_says_why(self, app: BuildTUI) -> None:
        """F on a build on hold, a on a complete build: instead of nothing, a line says why (issue it first;
        a complete build's stock can no longer change), once however often it is pressed while shown; keys that
        are offered say nothing extra."""
        async with app.run_test(size=(80, 24), notifications=True) as pilot:
            await open_build(pilot, 9)
            await pilot.press("F")
            await settle(pilot)
            said = [n.message for n in app._notifications]
            assert said[-1:] == ["BO-0009 is On Hold: i issues it, then F finishes it."], said
            await pilot.press("F", "F")  # pressed again while the reason is on screen: not stacked
            await settle(pilot)
            assert len(app._notifications) == len(said)
            await open_build(pilot, 1)
            await pilot.press("a")
            await settle(pilot)
            said = [n.message for n in app._notifications]
            assert said[-1] == "BO-0001 is Complete: its stock and outputs can no longer change.", said
            count = len(said)
            await pilot.press("2")
            await settle(pilot)
            assert len(app._notifications) == count

    async def test_a_reader_is_told_they_may_not_change_builds(self, server: SimulatorServer) -> None:
        """Signed in as the read-only user, a on BO-0003 says the account may not change builds."""
        app = make_app(server.url, get_token(server.url, "reader", "readonly"))
        async with app.run_test(size=(80, 24), notifications=True) as pilot:
            await open_build(pilot, 3)
            await pilot.press("a")
            await settle(pilot)
            said = [n.message for n in app._notifications]
            assert said[-1] == "Your InvenTree account may look at builds but not change them.", said
