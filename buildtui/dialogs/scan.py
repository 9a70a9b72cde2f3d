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

from ..widgets.safe import text
from .form import FormDialog, field

if TYPE_CHECKING:
    from ..scanning import ScanEntry


class ScanDialog(FormDialog[str]):
    """Type or scan a code; Enter resolves it as if it had been scanned anywhere."""

    TITLE_TEXT = "Scan"
    SUBMIT_LABEL = "Go"
    INITIAL_FOCUS = "#code"

    def compose_fields(self) -> ComposeResult:
        yield from field("Barcode, or a build reference such as BO-0042",
                         Input(id="code", max_length=4095), "code")

    def validate_local(self) -> dict[str, list[str]]:
        return {} if self.query_one("#code", Input).value.strip() else {"code": ["Scan or type a code."]}

    async def send(self) -> str:
        return self.query_one("#code", Input).value.strip()


class ScanLogScreen(ModalScreen[None]):
    BINDINGS = [Binding("escape,f3,q", "close", "Close")]

    def __init__(self, entries: list[ScanEntry]) -> None:
        super().__init__()
        self.entries = entries

    def compose(self) -> ComposeResult:
        with Vertical(classes="help-box"):
            yield Label(Content("Recent scans (newest first)"), classes="help-title")
            table: DataTable[Text] = DataTable(id="scan-log", cursor_type="row")
            table.add_columns("Time", "Code", "Result")
            for e in reversed(self.entries):
                mark = "✓ " if e.ok else "✗ "
                table.add_row(text(e.at), text(e.code[:30]), text(mark + e.outcome, "" if e.ok else "bold"))
            yield table
            yield Static(Content("Esc closes. ctrl+z undoes the last allocation made by a scan."), classes="muted")

    def action_close(self) -> None:
        self.dismiss(None)
