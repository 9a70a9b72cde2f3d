"""A one-key chooser: press 1-9 to pick, Esc to give up."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Label, Static

from ..widgets.safe import clean


class ChooserDialog(ModalScreen[int | None]):
    """Returns the index of the chosen option, or None."""

    BINDINGS = [
        Binding("escape", "dismiss_none", "Cancel"),
        *[Binding(str(n), f"choose({n - 1})", f"Choose {n}", show=False) for n in range(1, 10)],
    ]

    def __init__(self, title: str, options: list[str]) -> None:
        super().__init__()
        self.title_text = title
        self.options = options[:9]

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog", classes="dialog"):
            yield Label(Content(self.title_text), id="dialog-title")
            lines = [f"{n}  {clean(text)}" for n, text in enumerate(self.options, start=1)]
            yield Static(Content("\n".join(lines)), id="chooser-options")
            yield Static(Content("Press a number, or Esc to cancel."), classes="muted")

    def action_choose(self, index: int) -> None:
        if 0 <= index < len(self.options):
            self.dismiss(index)

    def action_dismiss_none(self) -> None:
        self.dismiss(None)
