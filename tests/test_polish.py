"""What an operator sees and types at 80x24 (issue 17): scoped styles, one rule for every dialog, tables that
keep their columns, readable without colour, cut-offs said with "…"."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.app import App
from textual.css.model import SelectorType
from textual.css.stylesheet import Stylesheet
from textual.screen import Screen
from textual.widgets import Input

from buildtui.dialogs.form import FormDialog
from tests.conftest import make_app, open_build, settle
from tests.screen_text import screen_text

STYLES = Path(__file__).resolve().parent.parent / "styles"
#: classes meant for the whole app (app.tcss); every other class or id is scoped under its screen or dialog
APP_WIDE_CLASSES = {"muted", "hidden", "-stale", "overdue"}


def screen_classes() -> set[str]:
    """Every screen and dialog class of buildtui (the names a scoped rule starts with)."""
    import buildtui.dialogs.allocate  # noqa: F401 - imported for their classes
    import buildtui.dialogs.build_actions  # noqa: F401
    import buildtui.dialogs.chooser  # noqa: F401
    import buildtui.dialogs.goto  # noqa: F401
    import buildtui.dialogs.login  # noqa: F401
    import buildtui.dialogs.outputs  # noqa: F401
    import buildtui.dialogs.scan  # noqa: F401
    import buildtui.screens.build_list  # noqa: F401
    import buildtui.screens.help  # noqa: F401

    found: set[str] = set()
    todo: list[type] = [Screen]
    while todo:
        cls = todo.pop()
        for sub in cls.__subclasses__():
            todo.append(sub)
            if sub.__module__.startswith("buildtui."):
                found.add(sub.__name__)
    return found


class TestStyles:
    def test_no_rule_reaches_another_screen(self):
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

    async def test_build_notes_style_does_not_reach_the_notes_fields(self, server, token):
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


async def open_dialog(pilot, builds: list[int], keys: list[str]) -> FormDialog:
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
    async def test_typed_text_shows_in_every_field(self, server, token, case):
        """Whatever is typed in a dialog's text field is on the screen as typed, at 80x24."""
        builds, keys, fields = TYPED[case]
        app = make_app(server.url, token)
        async with app.run_test(size=(80, 24)) as pilot:
            dialog = await open_dialog(pilot, builds, keys)
            for field_id, typed in fields.items():
                box = dialog.query_one(f"#{field_id}", Input)
                box.focus()
                box.value = ""
                await pilot.press(*typed)
                await pilot.pause()
                assert box.value == typed
                assert typed in screen_text(app), f"{field_id}: {typed!r} not on screen"

    async def test_password_shows_as_dots(self, server):
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
    async def test_multi_line_notes_are_lines(self, server, token):
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

    async def test_no_notes_says_so(self, app):
        """A build without notes says "(no notes)"."""
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            await open_build(pilot, 11)
            await pilot.press("5")
            await settle(pilot)
            assert "(no notes)" in screen_text(app)
