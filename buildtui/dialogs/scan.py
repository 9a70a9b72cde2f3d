"""The visible scan field (manual entry or a scanner without burst detection) and the scan log."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import DataTable, Input, Label, Static

from ..widgets.safe import clean, text
from .form import FormDialog, field

if TYPE_CHECKING:
    from ..scanning import ScanEntry


class ScanDialog(FormDialog[str]):
    """Type or scan a code; Enter resolves it as if it had been scanned anywhere."""

    TITLE_TEXT = "Scan"
    SUBMIT_LABEL = "Go"
    INITIAL_FOCUS = "#code"

    def compose_fields(self) -> ComposeResult:
        yield from field("Barcode, or a build reference such as BO-0042", Input(id="code", max_length=4095), "code")

    def validate_local(self) -> dict[str, list[str]]:
        return {} if self.query_one("#code", Input).value.strip() else {"code": ["Scan or type a code."]}

    async def send(self) -> str:
        return self.query_one("#code", Input).value.strip()


class ScanLogScreen(ModalScreen[None]):
    """The recent scans, newest first; each result wraps onto as many lines as it takes (never cut)."""

    BINDINGS = [Binding("escape,f3,q", "close", "Close")]
    CODE_WIDTH = 24  # a code longer than this wraps too

    def __init__(self, entries: list[ScanEntry]) -> None:
        super().__init__()
        self.entries = entries
        self._filled_for = 0

    def compose(self) -> ComposeResult:
        with Vertical(classes="help-box"):
            yield Label(Content("Recent scans (newest first)"), classes="help-title")
            yield DataTable(id="scan-log", cursor_type="row")
            yield Static(Content("Esc closes. ctrl+z undoes the last allocation made by a scan."), classes="muted")

    def on_mount(self) -> None:
        self._fill()

    def action_close(self) -> None:
        self.dismiss(None)

    def on_resize(self) -> None:
        self._fill()

    def _fill(self) -> None:
        """Columns as wide as the box allows, rows as tall as their text (the result column takes the rest)."""
        table: DataTable[Text] = self.query_one("#scan-log", DataTable)
        width = table.scrollable_content_region.width or max(self.app.size.width - 10, 40)
        if width == self._filled_for:
            return
        self._filled_for = width
        at_width = max([4, *(len(e.at) for e in self.entries)])
        code_width = min(self.CODE_WIDTH, max([4, *(len(e.code) for e in self.entries)]))
        # one cell of padding each side of every column, and room for the scrollbar
        result_width = max(width - at_width - code_width - 6 - 2, 16)
        table.clear(columns=True)
        table.add_column("Time", width=at_width)
        table.add_column("Code", width=code_width)
        table.add_column("Result", width=result_width)
        for e in reversed(self.entries):
            mark = "✓ " if e.ok else "✗ "
            table.add_row(text(e.at), wrapping(e.code), wrapping(mark + e.outcome, "" if e.ok else "bold"), height=None)


def wrapping(value: str, style: str = "") -> Text:
    """A cell that wraps at its column's width (long words folded), shown literally."""
    return Text(clean(value), style=style, no_wrap=False, overflow="fold")
