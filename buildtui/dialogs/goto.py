"""Open a build by its reference (also reachable from the command palette)."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.widgets import Input

from ..api import NotFound
from ..state import Store
from ..state.scan import BuildScanned, Scanned, ScanRefused, ScanReply
from ..widgets.safe import clean
from .form import FormDialog, field


class GotoBuildDialog(FormDialog[int]):
    TITLE_TEXT = "Open build by reference"
    SUBMIT_LABEL = "Open"
    INITIAL_FOCUS = "#reference"

    def __init__(self, store: Store) -> None:
        super().__init__()
        self.store = store

    def compose_fields(self) -> ComposeResult:
        yield from field("Reference", Input(placeholder="BO-0042", id="reference", max_length=100), "reference")

    def validate_local(self) -> dict[str, list[str]]:
        return {} if self.query_one("#reference", Input).value.strip() else {"reference": ["Type a reference."]}

    async def take_scan(self, scanned: Scanned) -> ScanReply | None:
        """A scanned build is the one asked for: the dialog answers with it (its caller opens it)."""
        if not isinstance(scanned, BuildScanned):
            return await super().take_scan(scanned)
        if self.busy:  # its own request is in flight and will dismiss it: a second dismiss would pop more
            raise ScanRefused(f"Scanned {clean(scanned.reference)}: the dialog is already opening a build.")
        self.dismiss(scanned.pk)
        return ScanReply(f"Opened {clean(scanned.reference)}.")

    async def send(self) -> int:
        ref = self.query_one("#reference", Input).value.strip()
        build = await self.store.find_build(ref)
        if build is None:
            raise NotFound(f"No build order {ref}.")
        return int(build.pk)
