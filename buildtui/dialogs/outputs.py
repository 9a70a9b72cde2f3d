"""Output dialogs: create, complete, scrap and delete build outputs."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import TYPE_CHECKING

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.content import Content
from textual.widgets import Checkbox, DataTable, Input, Select, Static

from ..api.models import StockItem
from ..format import qty
from ..state.actions import Write
from ..widgets.keyed_table import KeyedTable
from ..widgets.safe import clean, text
from .allocate import location_options, parse_quantity
from .form import BuildDialog, FieldError, FormDialog, field

if TYPE_CHECKING:
    from ..state import BuildDetailModel


def count_serials(expr: str, expected: int) -> int | None:
    """How many serials an InvenTree expression names (``1-5, 7, ~``, ``S+n``); None when it cannot tell."""
    total = 0
    for group in [g for g in re.split(r"[\s,]+", expr.strip()) if g]:
        m = re.fullmatch(r"(\d+)-(\d+)", group)
        if m:
            a, b = int(m.group(1)), int(m.group(2))
            if b <= a:
                return None
            total += b - a + 1
            continue
        m = re.fullmatch(r"(.*?)\+(\d*)", group)
        if m:
            total += int(m.group(2)) + 1 if m.group(2) else max(expected - total, 1)
            continue
        total += 1
    return total


def serial_range(start: str | None, n: int) -> str:
    if not start or n <= 0:
        return "~" if n == 1 else ", ".join("~" * max(n, 1))
    if n == 1:
        return start
    if start.isdigit():
        return f"{start}-{int(start) + n - 1}"
    return f"{start}+{n - 1}"


class CreateOutputDialog(BuildDialog):
    TITLE_TEXT = "Create build outputs"
    SUBMIT_LABEL = "Create"
    INITIAL_FOCUS = "#quantity"
    FIELD_MAP = {"quantity": "quantity", "serial_numbers": "serial_numbers", "batch_code": "batch_code",
                 "location": "location"}

    def __init__(self, model: BuildDetailModel, next_serial: str | None = None) -> None:
        super().__init__(model)
        self.next_serial = next_serial
        self._serials_typed = False

    @property
    def trackable(self) -> bool:
        b = self.model.build
        return bool(b and b.part_detail and b.part_detail.trackable)

    def compose_fields(self) -> ComposeResult:
        b = self.model.build
        assert b is not None
        remaining = max(b.remaining - sum((o.quantity for o in self.model.incomplete_outputs), Decimal(0)), Decimal(1))
        yield from field("Quantity", Input(qty(remaining).replace(",", ""), id="quantity", max_length=12), "quantity")
        hint = "e.g. 101-105, 107, ~ (next free)" + ("" if self.trackable else "; optional for this part")
        serial = serial_range(self.next_serial, int(remaining)) if self.trackable else ""
        yield from field("Serial numbers", Input(serial, id="serial_numbers", max_length=2000), "serial_numbers", hint)
        yield from field("Batch code", Input(b.batch or "", id="batch_code", max_length=100), "batch_code")
        yield from field("Location", Select(location_options(self.model.store),
                                            value=b.destination if b.destination else Select.NULL, id="location"),
                         "location")
        if any(ln.trackable for ln in self.model.lines):
            yield Checkbox(Content("Auto-allocate tracked components with matching serials"), True,
                           id="auto_allocate")

    @on(Input.Changed, "#quantity")
    def _quantity_changed(self, event: Input.Changed) -> None:
        if self.trackable and not self._serials_typed:
            value, err = parse_quantity(event.value)
            if value is not None and not err and value == int(value):
                box = self.query_one("#serial_numbers", Input)
                box.value = serial_range(self.next_serial, int(value))
                self._serials_typed = False
        self._check_serials()

    @on(Input.Changed, "#serial_numbers")
    def _serials_changed(self, event: Input.Changed) -> None:
        if self.focused is event.input:
            self._serials_typed = True
        self._check_serials()

    def _check_serials(self) -> None:
        """Checked as you type; the server's own message is shown if it still refuses."""
        err = self.query_one("#err-serial_numbers", FieldError)
        value, bad = parse_quantity(self.query_one("#quantity", Input).value)
        expr = self.query_one("#serial_numbers", Input).value
        if bad or value is None or not expr.strip():
            err.show([])
            return
        n = count_serials(expr, int(value))
        if n is None:
            err.show(["Check the range: the second number must be larger."])
        elif n != int(value):
            err.show([f"{n} serial(s) for quantity {qty(value)}."])
        else:
            err.show([])

    def validate_local(self) -> dict[str, list[str]]:
        errors: dict[str, list[str]] = {}
        value, err = parse_quantity(self.query_one("#quantity", Input).value)
        if err:
            errors["quantity"] = [err]
        elif value is not None and self.trackable and value != int(value):
            errors["quantity"] = ["Whole numbers only for a tracked part."]
        if self.trackable and not self.query_one("#serial_numbers", Input).value.strip():
            errors["serial_numbers"] = ["Serial numbers are needed for this tracked part."]
        return errors

    def write(self) -> Write[list[StockItem]]:
        value, _ = parse_quantity(self.query_one("#quantity", Input).value)
        assert value is not None
        loc = self.query_one("#location", Select).value
        auto = self.query("#auto_allocate")
        serials = self.query_one("#serial_numbers", Input).value
        expected = (count_serials(serials, int(value)) or int(value)) if serials.strip() else 1

        def done(created: list[StockItem] | None) -> str:
            if created is None:
                return "Outputs created"
            return f"{len(created)} output(s) created ({qty(sum((o.quantity for o in created), Decimal(0)))} in all)"

        return self.actions.create_outputs(
            quantity=value, serial_numbers=serials, batch_code=self.query_one("#batch_code", Input).value,
            location=loc if isinstance(loc, int) else None, auto_allocate=bool(auto and auto.first(Checkbox).value),
            expected=expected, done=done)


class _OutputsDialog(BuildDialog):
    """Shared: a table of incomplete outputs that space marks and ``a`` marks all."""

    BINDINGS = [*FormDialog.BINDINGS, Binding("space", "mark", "Mark"), Binding("a", "mark_all", "Mark all")]
    FIELD_MAP = {"output": "outputs", "quantity": "quantity", "location": "location", "notes": "notes",
                 "outputs": "outputs", "status_custom_key": "status"}

    INITIAL_FOCUS = "#outputs-table"

    def __init__(self, model: BuildDetailModel, preselect: list[int] | None = None) -> None:
        super().__init__(model)
        outs = model.outputs_to_act_on
        if preselect:
            self.marked = {pk for pk in preselect if any(o.pk == pk for o in outs)}
        elif len(outs) == 1:
            self.marked = {outs[0].pk}
        else:
            self.marked = set()

    def outputs_table(self) -> KeyedTable:
        table = KeyedTable(id="outputs-table")
        table.set_columns([("mark", " "), ("out", "Output"), ("qty", "Qty"), ("loc", "Location"), ("alloc", "Tracked")])
        return table

    def on_mount(self) -> None:
        self._paint()

    def _output_rows(self) -> list[tuple[str, tuple[Text, ...]]]:
        rows: list[tuple[str, tuple[Text, ...]]] = []
        for o in self.model.outputs_to_act_on:
            short = self.model.output_unallocated(o)
            rows.append((str(o.pk), (text("✓" if o.pk in self.marked else ""), text(o.serial or o.batch or f"#{o.pk}"),
                                     text(qty(o.quantity)), text(o.location_detail.path if o.location_detail else "-"),
                                     text("short" if short else "ok"))))
        return rows

    def _paint(self) -> None:
        self.query_one("#outputs-table", KeyedTable).sync(self._output_rows())
        self.on_marks_changed()

    def on_marks_changed(self) -> None:
        pass

    def action_mark(self) -> None:
        key = self.query_one("#outputs-table", KeyedTable).current_key
        if key is not None:
            self.marked ^= {int(key)}
            self._paint()

    def action_mark_all(self) -> None:
        outs = {o.pk for o in self.model.outputs_to_act_on}
        self.marked = set() if self.marked == outs else outs
        self._paint()

    @on(DataTable.RowSelected, "#outputs-table")
    def _enter(self) -> None:
        # Enter on an output with none marked means that output
        key = self.query_one("#outputs-table", KeyedTable).current_key
        if not self.marked and key is not None:
            self.marked = {int(key)}
            self._paint()
        self.action_submit()

    def mark_output(self, pk: int) -> bool:
        """A scanned output barcode marks it."""
        if any(o.pk == pk for o in self.model.outputs_to_act_on):
            self.marked.add(pk)
            self._paint()
            return True
        return False

    def chosen(self) -> list[StockItem]:
        return [o for o in self.model.outputs_to_act_on if o.pk in self.marked]

    def quantity_for(self) -> Decimal | None:
        box = self.query("#quantity")
        if not box:
            return None
        value, _ = parse_quantity(box.first(Input).value, allow_blank=True)
        return value

    def validate_outputs(self) -> dict[str, list[str]]:
        errors: dict[str, list[str]] = {}
        chosen = self.chosen()
        if not chosen:
            errors["outputs"] = ["Mark at least one output (space marks, a marks all)."]
        box = self.query("#quantity")
        if box and box.first(Input).value.strip():
            value, err = parse_quantity(box.first(Input).value, allow_blank=True)
            if err:
                errors["quantity"] = [err]
            elif len(chosen) != 1:
                errors["quantity"] = ["A partial quantity applies to one marked output only."]
            elif value is not None and value > chosen[0].quantity:
                errors["quantity"] = [f"The output holds only {qty(chosen[0].quantity)}."]
        loc = self.query_one("#location", Select).value
        if not isinstance(loc, int):
            errors["location"] = ["Choose a location."]
        return errors

    def _pairs(self) -> list[tuple[int, Decimal | None]]:
        q = self.quantity_for()
        return [(o.pk, q if q is not None and q != o.quantity else None) for o in self.chosen()]


class CompleteOutputsDialog(_OutputsDialog):
    TITLE_TEXT = "Complete build outputs"
    SUBMIT_LABEL = "Complete"

    def compose_fields(self) -> ComposeResult:
        b = self.model.build
        assert b is not None
        yield self.outputs_table()
        yield FieldError(id="err-outputs")
        yield from field("Quantity (blank: whole output)", Input(id="quantity", max_length=12), "quantity")
        yield from field("Location", Select(location_options(self.model.store), value=b.destination or Select.NULL,
                                            id="location"), "location")
        codes = self.model.store.stock_status
        opts = [(Text(clean(c.label)), c.key) for c in (codes.values.values() if codes else [])] or [(Text("OK"), 10)]
        yield from field("Stock status", Select(opts, value=10, allow_blank=False, id="status"), "status")
        yield from field("Notes", Input(id="notes", max_length=1000), "notes")
        yield Static("", id="short-list", classes="muted")
        yield Checkbox(Content("Accept incomplete allocation"), False, id="accept_incomplete")

    def on_marks_changed(self) -> None:
        short = [(o, self.model.output_unallocated(o)) for o in self.chosen()]
        short = [(o, lines) for o, lines in short if lines]
        note = self.query_one("#short-list", Static)
        box = self.query_one("#accept_incomplete", Checkbox)
        if short:
            lines = [f"{clean(o.serial or o.batch or o.pk)}: missing {', '.join(clean(ln.part_label) for ln in ls)}"
                     for o, ls in short]
            note.update(Content("Not fully allocated:\n" + "\n".join(lines)))
        note.display = bool(short)
        box.display = bool(short)

    def validate_local(self) -> dict[str, list[str]]:
        return self.validate_outputs()

    def write(self) -> Write[None]:
        loc = self.query_one("#location", Select).value
        assert isinstance(loc, int)
        status = self.query_one("#status", Select).value
        accept = self.query_one("#accept_incomplete", Checkbox)
        pairs = self._pairs()
        return self.actions.complete_outputs(
            pairs, location=loc, status=status if isinstance(status, int) else 10,
            notes=self.query_one("#notes", Input).value, accept_incomplete_allocation=accept.display and accept.value,
            done=f"{len(pairs)} output(s) completed into {clean(self.model.store.location_name(loc))}")


class ScrapOutputsDialog(_OutputsDialog):
    TITLE_TEXT = "Scrap build outputs"
    SUBMIT_LABEL = "Scrap"
    SUBMIT_VARIANT = "error"

    def compose_fields(self) -> ComposeResult:
        yield self.outputs_table()
        yield FieldError(id="err-outputs")
        yield from field("Quantity (blank: whole output)", Input(id="quantity", max_length=12), "quantity")
        yield from field("Location", Select(location_options(self.model.store), id="location"), "location")
        yield from field("Reason (required)", Input(id="notes", max_length=1000), "notes")
        yield Checkbox(Content("Discard allocations (do not install tracked parts)"), False, id="discard")

    def validate_local(self) -> dict[str, list[str]]:
        errors = self.validate_outputs()
        if not self.query_one("#notes", Input).value.strip():
            errors["notes"] = ["Say why these outputs are scrapped."]
        return errors

    def write(self) -> Write[None]:
        loc = self.query_one("#location", Select).value
        assert isinstance(loc, int)
        pairs = self._pairs()
        return self.actions.scrap_outputs(
            pairs, location=loc, notes=self.query_one("#notes", Input).value,
            discard_allocations=self.query_one("#discard", Checkbox).value,
            done=f"{len(pairs)} output(s) scrapped into {clean(self.model.store.location_name(loc))}")


class DeleteOutputsDialog(BuildDialog):
    """Lists exactly what will be deleted; the safe choice (Cancel) has the focus."""

    TITLE_TEXT = "Delete build outputs"
    SUBMIT_VARIANT = "error"
    INITIAL_FOCUS = "#cancel"

    def __init__(self, model: BuildDetailModel, outputs: list[StockItem]) -> None:
        self.outputs = outputs
        self.SUBMIT_LABEL = f"Delete {len(outputs)} output(s)"
        super().__init__(model)

    def compose_fields(self) -> ComposeResult:
        lines = [f"• {clean(o.serial or o.batch or f'output {o.pk}')} — quantity {qty(o.quantity)}"
                 for o in self.outputs]
        yield Static(Content("These incomplete outputs will be deleted, with their tracked allocations:\n"
                             + "\n".join(lines)), id="delete-list")

    def validate_local(self) -> dict[str, list[str]]:
        return {} if self.outputs else {"form": ["There is nothing to delete."]}

    def write(self) -> Write[None]:
        return self.actions.delete_outputs([o.pk for o in self.outputs], f"{len(self.outputs)} output(s) deleted")
