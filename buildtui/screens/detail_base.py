"""The build detail screen's state and what is selected on it (the screen is assembled in build_detail.py)."""

from __future__ import annotations

from textual.widgets import TabbedContent

from ..api.models import Build, BuildItem, BuildLine, StockItem
from ..state.actions import BuildActions
from ..state.build_detail import PARTS, BuildDetailModel
from ..widgets.keyed_table import KeyedTable
from ..widgets.safe import clean
from .base import LiveScreen
from .detail_view import View


class DetailBase(LiveScreen):
    """One build: its model, the actions on it, and what the operator has chosen to see and selected."""

    def __init__(self, pk: int) -> None:
        super().__init__()
        self.pk = pk
        self.model: BuildDetailModel | None = None
        self.actions: BuildActions | None = None
        self.view = View(width=0)
        #: the parent build (its reference for the header and the children tab), read once when there is one
        self.parent_build: Build | None = None

    @property
    def marked_lines(self) -> set[int]:
        return self.view.marked

    def reference(self) -> str:
        """The build's reference as shown (cleaned), or "" before it is read."""
        build = self.model.build if self.model is not None else None
        return clean(build.reference) if build is not None else ""

    def _paint(self) -> None:
        raise NotImplementedError

    def refresh_data(self, parts: tuple[str, ...] = PARTS) -> None:
        """Re-read ``parts`` now, or once the read in flight has answered (merged with whatever else is asked)."""
        self.request_read(*parts)

    def has_data(self) -> bool:
        return self.model is not None and self.model.build is not None

    # -- selection ---------------------------------------------------------------------------------
    def _active_tab(self) -> str:
        return self.query_one("#detail-tabs", TabbedContent).active or "tab-lines"

    def selected_line(self) -> BuildLine | None:
        assert self.model is not None
        key = self.query_one("#lines", KeyedTable).current_key
        if key and key.startswith("l"):
            return self.model.line(int(key[1:]))
        alloc = self.selected_allocation()
        return self.model.line_of(alloc) if alloc else None

    def selected_allocation(self) -> BuildItem | None:
        assert self.model is not None
        table_id = "#picks" if self._active_tab() == "tab-pick" else "#lines"
        key = self.query_one(table_id, KeyedTable).current_key
        if key and key.startswith("a"):
            return self.model.allocation(int(key[1:]))
        return None

    def selected_output(self) -> StockItem | None:
        assert self.model is not None
        key = self.query_one("#outputs", KeyedTable).current_key
        if self._active_tab() == "tab-outputs" and key:
            return next((o for o in self.model.outputs if f"o{o.pk}" == key), None)
        return None
