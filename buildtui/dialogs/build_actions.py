"""Dialogs for the build's own state: cancel, finish, and a plain confirmation."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual.app import ComposeResult
from textual.content import Content
from textual.widgets import Checkbox, Select, Static

from ..format import qty
from ..state.actions import Write
from ..widgets.safe import clean
from ..widgets.tick_box import FieldSelect, TickBox
from .build_dialog import BuildDialog
from .form import FieldError

if TYPE_CHECKING:
    from ..state.build_detail import BuildDetailModel


class ConfirmDialog(BuildDialog):
    """One more key for a change of state: the question says what will happen (and how to undo it); the
    operator asked for it, so the focus is on the confirming button and Enter does it. Typing anything else
    moves the focus to Close: keys meant for another screen never confirm."""

    INITIAL_FOCUS = "#submit"
    GUARD_TYPING = True

    def __init__(
        self,
        model: BuildDetailModel,
        title: str,
        question: str,
        write: Write[Any],
        *,
        confirm: str = "Yes",
        danger: bool = False,
    ) -> None:
        self.TITLE_TEXT = title
        self.SUBMIT_LABEL = confirm
        self.SUBMIT_VARIANT = "error" if danger else "primary"
        self.DESTRUCTIVE = danger
        self.question = question
        self._write = write
        super().__init__(model)

    def hint(self) -> str:
        if self.DESTRUCTIVE:
            return super().hint()
        return f"Enter: {self.SUBMIT_LABEL} · Esc: nothing changes"

    def compose_fields(self) -> ComposeResult:
        yield Static(Content(self.question), id="question")

    def write(self) -> Write[Any]:
        return self._write


class CancelBuildDialog(BuildDialog):
    TITLE_TEXT = "Cancel build order"
    SUBMIT_LABEL = "Cancel the build"
    SUBMIT_VARIANT = "error"
    DESTRUCTIVE = GUARD_TYPING = True
    DOES = "cancels it"
    INITIAL_FOCUS = "#submit"  # the operator pressed C for this; the options above start unticked

    def compose_fields(self) -> ComposeResult:
        b = self.model.build
        assert b is not None
        n_alloc = len(self.model.allocations)
        n_out = len(self.model.incomplete_outputs)
        yield Static(
            Content(
                f"{clean(b.reference)} will be cancelled. It has {n_alloc} allocation(s) and "
                f"{n_out} incomplete output(s)."
            )
        )
        # both start unticked: each destroys or uses up stock, and says so before it is ticked
        yield TickBox(Content("Consume allocated stock"), False, id="remove_allocated_stock")
        allocs = f"the {n_alloc} allocation(s) are" if n_alloc else "allocations (none now) would be"
        yield Static(
            Content(
                f"Ticked: {allocs} used up by this build and the stock is gone for good. "
                "Unticked: the allocations are removed and the stock stays."
            ),
            classes="field-hint muted",
            id="hint-remove_allocated_stock",
        )
        yield FieldError(id="err-remove_allocated_stock")
        yield TickBox(Content("Delete incomplete outputs"), False, id="remove_incomplete_outputs")
        outs = (
            f"the {n_out} output(s) still in production are" if n_out else "outputs in production (none now) would be"
        )
        yield Static(
            Content(f"Ticked: {outs} deleted. Unticked: they stay in stock as outputs of the cancelled build."),
            classes="field-hint muted",
            id="hint-remove_incomplete_outputs",
        )
        yield FieldError(id="err-remove_incomplete_outputs")

    def write(self) -> Write[None]:
        b = self.model.build
        assert b is not None
        return self.actions.cancel(
            remove_allocated_stock=self.query_one("#remove_allocated_stock", Checkbox).value,
            remove_incomplete_outputs=self.query_one("#remove_incomplete_outputs", Checkbox).value,
            done=f"{b.reference} cancelled",
        )


class FinishBuildDialog(BuildDialog):
    """First what blocks completion, then the three accept_* choices."""

    TITLE_TEXT = "Finish build order"
    SUBMIT_LABEL = "Finish"
    INITIAL_FOCUS = "#submit"  # never a box: Space there would tick an accept_* option

    def compose_fields(self) -> ComposeResult:
        b = self.model.build
        assert b is not None
        blockers = self.model.blockers()
        lines: list[str] = []
        if blockers.not_in_production:
            lines.append("• The build is not in production: issue it first.")
        if blockers.incomplete_outputs:
            lines.append(
                f"• {len(blockers.incomplete_outputs)} output(s) still in production: complete, scrap "
                "or delete them first."
            )
        if blockers.remaining > 0:
            lines.append(f"• {qty(blockers.remaining)} of {qty(b.quantity)} not built yet.")
        for ln in blockers.unallocated[:6]:
            lines.append(
                f"• Not fully allocated: {clean(ln.part_label)} ({qty(ln.allocated)} of "
                f"{qty(ln.quantity - ln.consumed)})"
            )
        if len(blockers.unallocated) > 6:
            lines.append(f"  … and {len(blockers.unallocated) - 6} more lines")
        for ln in blockers.overallocated[:4]:
            lines.append(
                f"• Over-allocated: {clean(ln.part_label)} ({qty(ln.allocated)} for {qty(ln.quantity - ln.consumed)})"
            )
        yield Static(Content("\n".join(lines) if lines else "Nothing blocks completion."), id="blockers")
        # the accept flags start unticked: each lets the build finish with less than it should have used or made
        yield TickBox(Content("Accept unallocated stock"), False, id="accept_unallocated")
        yield Static(
            Content(
                f"Ticked: finish although {len(blockers.unallocated)} line(s) are not fully "
                "allocated; the missing stock is never used."
                if blockers.unallocated
                else "Ticked: finish even if a line is not fully allocated (none is now)."
            ),
            classes="field-hint muted",
            id="hint-accept_unallocated",
        )
        yield FieldError(id="err-accept_unallocated")
        yield TickBox(Content("Accept incomplete quantity"), False, id="accept_incomplete")
        yield Static(
            Content(
                f"Ticked: finish with {qty(b.completed)} of {qty(b.quantity)} built; the other "
                f"{qty(blockers.remaining)} are never made."
                if blockers.remaining > 0
                else "Ticked: finish even if fewer than ordered are built (all are built now)."
            ),
            classes="field-hint muted",
            id="hint-accept_incomplete",
        )
        yield FieldError(id="err-accept_incomplete")
        yield FieldSelect(
            [
                (Text("Reject: stop if over-allocated"), "reject"),
                (Text("Accept: consume the extra too"), "accept"),
                (Text("Trim: remove the excess"), "trim"),
            ],
            value="reject",
            allow_blank=False,
            id="accept_overallocated",
        )
        yield FieldError(id="err-accept_overallocated")

    def write(self) -> Write[None]:
        b = self.model.build
        assert b is not None
        return self.actions.finish(
            accept_unallocated=self.query_one("#accept_unallocated", Checkbox).value,
            accept_incomplete=self.query_one("#accept_incomplete", Checkbox).value,
            accept_overallocated=str(self.query_one("#accept_overallocated", Select).value),
            done=f"{b.reference} finished: allocated stock consumed",
        )
