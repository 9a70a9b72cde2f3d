"""A multi-line result to read and close (the auto-allocation summary)."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.content import Content
from textual.widgets import Static

from .form import FormDialog


class InfoDialog(FormDialog[str]):
    """Shows a multi-line result (e.g. the auto-allocation summary)."""

    SUBMIT_LABEL = "Close"
    #: the text itself: the arrows, PgUp/PgDn, Home and End read a summary taller than the screen (on the
    #: button they did nothing, and only Tab led to the text); Enter and Esc close it from there too
    INITIAL_FOCUS = "#dialog-body"
    CLOSE_BUTTON = False  # its one button closes it: a second "Close (Esc)" beside "Close" said the same twice

    def hint(self) -> str:
        return "Enter or Esc: close"

    def __init__(self, title: str, body: str) -> None:
        self.TITLE_TEXT = title
        self.body = body
        super().__init__()

    def compose_fields(self) -> ComposeResult:
        yield Static(Content(self.body), id="info-body")

    async def send(self) -> str:
        return ""
