"""Auto-allocate: InvenTree's own allocation of the build's lines, with a summary of what it did."""

from __future__ import annotations

from typing import Any

from textual.app import ComposeResult
from textual.content import Content
from textual.widgets import Checkbox, Select

from ..rules.auto_allocate import auto_summary
from ..state.actions import Write
from ..widgets.safe import clean_lines
from ..widgets.tick_box import FieldSelect, TickBox
from .build_dialog import BuildDialog
from .fields import location_options
from .form import field


class AutoAllocateDialog(BuildDialog):
    """InvenTree's auto-allocation with the web page's defaults (interchangeable and substitutes on)."""

    TITLE_TEXT = "Auto-allocate stock"
    SUBMIT_LABEL = "Auto-allocate"
    INITIAL_FOCUS = "#location"

    def compose_fields(self) -> ComposeResult:
        opts = location_options(self.model.store)
        b = self.model.build
        yield from field(
            "Take from location (blank: anywhere)",
            FieldSelect(opts, value=b.take_from if b and b.take_from else Select.NULL, id="location"),
            "location",
        )
        yield from field("Exclude location", FieldSelect(opts, id="exclude_location"), "exclude_location")
        yield TickBox(Content("Interchangeable stock (use several items per line)"), True, id="interchangeable")
        yield TickBox(Content("Substitute parts"), True, id="substitutes")
        yield TickBox(Content("Optional lines too"), False, id="optional_items")

    def _value(self, wid: str) -> int | None:
        v = self.query_one(f"#{wid}", Select).value
        return v if isinstance(v, int) else None

    def write(self) -> Write[Any]:
        before = {ln.pk: ln.allocated for ln in self.model.lines}
        optional = self.query_one("#optional_items", Checkbox).value
        interchangeable = self.query_one("#interchangeable", Checkbox).value
        options = {
            "location": self._value("location"),
            "exclude_location": self._value("exclude_location"),
            "interchangeable": interchangeable,
            "substitutes": self.query_one("#substitutes", Checkbox).value,
            "optional_items": optional,
        }
        return self.actions.auto_allocate(
            options,
            lambda lines: clean_lines(auto_summary(before, lines, optional=optional, interchangeable=interchangeable)),
        )
