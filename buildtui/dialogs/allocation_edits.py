"""Changing what is allocated: consume a line's allocations (or part of one), change an allocation's quantity."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from textual.app import ComposeResult
from textual.content import Content
from textual.widgets import Input, Static

from ..api.models import BuildItem, BuildLine
from ..format import qty
from ..state.actions import Write
from ..widgets.safe import clean
from .build_dialog import BuildDialog
from .fields import parse_quantity
from .form import field

if TYPE_CHECKING:
    from ..state.build_detail import BuildDetailModel


class ConsumeDialog(BuildDialog):
    """Consume a line's allocations, or part of one allocation."""

    TITLE_TEXT = "Consume stock"
    SUBMIT_LABEL = "Consume"
    FIELD_MAP = {"quantity": "quantity", "items": "form", "lines": "form"}

    def __init__(self, model: BuildDetailModel, line: BuildLine, allocation: BuildItem | None = None) -> None:
        super().__init__(model)
        self.line = line
        self.allocation = allocation
        if allocation is None:
            # all of a line at once, no quantity to type, and no undo: only Enter on «Consume» does it (Enter in
            # the notes moves there), as for scrap and delete; typed at the button, keys go to Close
            self.DESTRUCTIVE = self.GUARD_TYPING = True
            self.DOES = "consumes all of it"

    def initial_focus(self) -> str:
        return "#quantity" if self.allocation is not None else "#notes"

    def compose_fields(self) -> ComposeResult:
        if self.allocation is not None:
            a = self.allocation
            src = a.stock_item_detail.label if a.stock_item_detail else f"item {a.stock_item}"
            yield Static(Content(f"{clean(self.line.part_label)} · {clean(src)} · allocated {qty(a.quantity)}"))
            yield from field(
                "Quantity to consume", Input(qty(a.quantity).replace(",", ""), id="quantity", max_length=20), "quantity"
            )
        else:
            n = len([a for a in self.line.allocations or [] if a.install_into is None])
            yield Static(
                Content(
                    f"Consume all {n} untracked allocation(s) of {clean(self.line.part_label)} "
                    f"({qty(self.line.allocated)})."
                )
            )
        yield from field("Notes", Input(id="notes", max_length=500), "notes")

    def validate_local(self) -> dict[str, list[str]]:
        if self.allocation is None:
            return {}
        value, err = parse_quantity(self.query_one("#quantity", Input).value)
        if err:
            return {"quantity": [err]}
        assert value is not None
        if value > self.allocation.quantity:
            return {"quantity": [f"At most {qty(self.allocation.quantity)} is allocated."]}
        return {}

    def write(self) -> Write[Any]:
        notes = self.query_one("#notes", Input).value
        name = clean(self.line.part_label)
        if self.allocation is not None:
            value, _ = parse_quantity(self.query_one("#quantity", Input).value)
            assert value is not None
            return self.actions.consume([(self.allocation.pk, value)], [], notes, f"Consumed {qty(value)} × {name}")
        return self.actions.consume([], [self.line.pk], notes, f"Consumed the allocations of {name}")


class EditAllocationDialog(BuildDialog):
    TITLE_TEXT = "Change allocated quantity"
    SUBMIT_LABEL = "Save"
    FIELD_MAP = {"quantity": "quantity"}
    INITIAL_FOCUS = "#quantity"

    def __init__(self, model: BuildDetailModel, allocation: BuildItem) -> None:
        super().__init__(model)
        self.allocation = allocation

    def compose_fields(self) -> ComposeResult:
        a = self.allocation
        src = a.stock_item_detail.label if a.stock_item_detail else f"item {a.stock_item}"
        part = a.part_detail.label if a.part_detail else ""
        yield Static(Content(f"{clean(part)} · {clean(src)}"))
        yield from field("Quantity", Input(qty(a.quantity).replace(",", ""), id="quantity", max_length=20), "quantity")

    def validate_local(self) -> dict[str, list[str]]:
        _, err = parse_quantity(self.query_one("#quantity", Input).value)
        return {"quantity": [err]} if err else {}

    def write(self) -> Write[Any]:
        value, _ = parse_quantity(self.query_one("#quantity", Input).value)
        assert value is not None
        return self.actions.edit_allocation(self.allocation.pk, value, f"Allocation changed to {qty(value)}")
