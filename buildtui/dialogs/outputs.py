"""Output dialogs: create, complete, scrap and delete build outputs."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.content import Content
from textual.widgets import Checkbox, DataTable, Input, Select, Static

from ..api.models import SerialNumbers, StockItem
from ..format import output_name, qty
from ..rules import serials
from ..state.actions import Write
from ..state.scan import Scanned, ScanRefused, ScanReply, StockScanned
from ..widgets.keyed_table import KeyedTable
from ..widgets.safe import clean, text
from ..widgets.tick_box import FieldSelect, TickBox
from .build_dialog import BuildDialog
from .fields import MarkingTable, location_options, parse_quantity
from .form import FieldError, field
from .serial_scan import SerialScanDialog

if TYPE_CHECKING:
    from ..state.build_detail import BuildDetailModel


class CreateOutputDialog(SerialScanDialog):
    """Quantity, serial numbers (prefilled; or scanned one by one: serial_scan.py), batch, location."""

    TITLE_TEXT = "Create build outputs"
    SUBMIT_LABEL = "Create"
    INITIAL_FOCUS = "#quantity"
    FIELD_MAP = {
        "quantity": "quantity",
        "serial_numbers": "serial_numbers",
        "batch_code": "batch_code",
        "location": "location",
    }

    def __init__(self, model: BuildDetailModel, serial_numbers: SerialNumbers | None = None) -> None:
        super().__init__(model)
        #: the part's latest serial and the next one (``GET /api/part/<pk>/serial-numbers/``), when tracked
        self.next_serial = serial_numbers.next if serial_numbers else None
        self.latest_serial = serial_numbers.latest if serial_numbers else None
        self._serials_typed = False

    def compose_fields(self) -> ComposeResult:
        b = self.model.build
        assert b is not None
        remaining = b.remaining - sum((o.quantity for o in self.model.incomplete_outputs), Decimal(0))
        if remaining <= 0:
            # nothing is left to make: no quantity (or serial) is proposed, and the operator is told why
            yield Static(
                Content(
                    f"All {qty(b.quantity)} of {clean(b.reference)} are in outputs or completed already: "
                    "another output makes more than the order asks."
                ),
                id="nothing-left",
                classes="muted",
            )
        proposed = qty(remaining).replace(",", "") if remaining > 0 else ""
        yield from field("Quantity", Input(proposed, id="quantity", max_length=12), "quantity")
        hint = "e.g. 101-105, 107, ~ (next free)" + ("" if self.trackable else "; optional for this part")
        serial = serials.prefill(self.next_serial, int(remaining)) if self.trackable and remaining > 0 else ""
        yield from field("Serial numbers", Input(serial, id="serial_numbers", max_length=20000), "serial_numbers", hint)
        yield from self.compose_serial_scan()
        yield from field("Batch code", Input(b.batch or "", id="batch_code", max_length=100), "batch_code")
        yield from field(
            "Location",
            FieldSelect(
                location_options(self.model.store), value=b.destination if b.destination else Select.NULL, id="location"
            ),
            "location",
        )
        if any(ln.trackable for ln in self.model.lines):
            yield TickBox(Content("Auto-allocate tracked components with matching serials"), True, id="auto_allocate")

    @on(Input.Changed, "#quantity")
    def _quantity_changed(self, event: Input.Changed) -> None:
        if self.trackable and not self._serials_typed and not self.scanned.serials:
            value, err = parse_quantity(event.value)
            if value is not None and not err and value == int(value):
                box = self.query_one("#serial_numbers", Input)
                box.value = serials.prefill(self.next_serial, int(value))
                self._serials_typed = False
        self._check_serials()

    @on(Input.Changed, "#serial_numbers")
    def _serials_changed(self, event: Input.Changed) -> None:
        if self.focused is event.input:
            self._serials_typed = True
        self._check_serials()

    def _expanded(self) -> serials.Serials | None:
        """The serials the server will read from the field (rules/serials.py), or None when there is nothing
        to read yet."""
        value, bad = parse_quantity(self.query_one("#quantity", Input).value)
        expr = self.query_one("#serial_numbers", Input).value
        if bad or value is None or value != int(value) or not expr.strip():
            return None
        return serials.expand(expr, int(value), self.latest_serial)

    def _check_serials(self) -> None:
        """Read as the server reads it, as you type: its own messages, or which serials it will make; the
        server's answer still decides (a serial in use elsewhere)."""
        err = self.query_one("#err-serial_numbers", FieldError)
        if self.scanned.serials:
            err.show([self.scanned_note()], note=True)
            return
        got = self._expanded()
        if got is None:
            err.show([])
            return
        if not got.ok:
            err.show(got.errors)
            return
        value = len(got.serials)
        warning = serials.literal_warning(self.query_one("#serial_numbers", Input).value, value)
        shown = ", ".join(got.serials[:6]) + (f" … ({value} in all)" if value > 6 else "")
        if warning:
            err.show([warning])
        else:
            err.show([f"Will make: {shown}"], note=True)

    def clear_errors(self) -> None:
        """The preview of the serials it will make is no error: it stays through a send (it went after a failed
        one, though the field had not changed)."""
        super().clear_errors()
        self._check_serials()

    def serials_cleared(self) -> None:
        """No scanned serial left: the proposal for the quantity comes back."""
        self._serials_typed = False
        value, err = parse_quantity(self.query_one("#quantity", Input).value)
        if value is not None and not err and value == int(value):
            self.query_one("#serial_numbers", Input).value = serials.prefill(self.next_serial, int(value))
        self._check_serials()

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
        expression = self.query_one("#serial_numbers", Input).value
        got = self._expanded()
        expected = len(got.serials) if got is not None and got.ok else (int(value) if expression.strip() else 1)

        def done(created: list[StockItem] | None) -> str:
            if created is None:
                return "Outputs created"
            return f"{len(created)} output(s) created ({qty(sum((o.quantity for o in created), Decimal(0)))} in all)"

        return self.actions.create_outputs(
            quantity=value,
            serial_numbers=expression,
            batch_code=self.query_one("#batch_code", Input).value,
            location=loc if isinstance(loc, int) else None,
            auto_allocate=bool(auto and auto.first(Checkbox).value),
            expected=expected,
            done=done,
        )


class OutputsTable(MarkingTable):
    """The outputs to act on: Space marks one, ``a`` marks all (only while the list has the focus)."""

    BINDINGS = [Binding("a", "screen.mark_all", "Mark all", show=False)]


class _OutputsDialog(BuildDialog):
    """Shared: a table of incomplete outputs that Space marks and ``a`` marks all (while the list has the focus).

    It opens on the list when no output is marked yet, otherwise on the first field to fill."""

    FIELD_MAP = {
        "output": "outputs",
        "quantity": "quantity",
        "location": "location",
        "notes": "notes",
        "outputs": "outputs",
        "status_custom_key": "status",
    }
    #: where the focus goes when outputs are already marked
    FIRST_FIELD = "#quantity"

    def __init__(self, model: BuildDetailModel, preselect: list[int] | None = None) -> None:
        super().__init__(model)
        outs = model.outputs_to_act_on
        if preselect:
            self.marked = {pk for pk in preselect if any(o.pk == pk for o in outs)}
        elif len(outs) == 1:
            self.marked = {outs[0].pk}
        else:
            self.marked = set()

    def initial_focus(self) -> str:
        return self.FIRST_FIELD if self.marked else "#outputs-table"

    def outputs_table(self) -> KeyedTable:
        table = OutputsTable(id="outputs-table")
        table.set_columns([("mark", " "), ("out", "Output"), ("qty", "Qty"), ("loc", "Location"), ("alloc", "Tracked")])
        return table

    def on_mount(self) -> None:
        self._paint()

    def _output_rows(self) -> list[tuple[str, tuple[Text, ...]]]:
        rows: list[tuple[str, tuple[Text, ...]]] = []
        for o in self.model.outputs_to_act_on:
            short = self.model.output_unallocated(o)
            rows.append(
                (
                    str(o.pk),
                    (
                        text("✓" if o.pk in self.marked else ""),
                        text(output_name(o)),
                        text(qty(o.quantity)),
                        text(o.location_detail.path if o.location_detail else "-"),
                        text("short" if short else "ok"),
                    ),
                )
            )
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

    async def take_scan(self, scanned: Scanned) -> ScanReply | None:
        """A scanned output is marked; a scanned location fills the location field."""
        if not isinstance(scanned, StockScanned):
            return await super().take_scan(scanned)
        item = scanned.item
        if self.mark_output(item.pk):
            return ScanReply(f"Output {clean(output_name(item))} marked.")
        raise ScanRefused(f"{clean(scanned.name)} {clean(item.label)} is not an incomplete output of this build.")

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
        yield from field(
            "Location",
            FieldSelect(location_options(self.model.store), value=b.destination or Select.NULL, id="location"),
            "location",
        )
        codes = self.model.store.stock_status
        opts = [(Text(clean(c.label)), c.key) for c in (codes.values.values() if codes else [])] or [(Text("OK"), 10)]
        yield from field("Stock status", FieldSelect(opts, value=10, allow_blank=False, id="status"), "status")
        yield from field("Notes", Input(id="notes", max_length=1000), "notes")
        yield Static("", id="short-list", classes="muted")
        yield TickBox(Content("Accept incomplete allocation"), False, id="accept_incomplete")

    def on_marks_changed(self) -> None:
        short = [(o, self.model.output_unallocated(o)) for o in self.chosen()]
        short = [(o, lines) for o, lines in short if lines]
        note = self.query_one("#short-list", Static)
        box = self.query_one("#accept_incomplete", Checkbox)
        if short:
            lines = [
                f"{clean(o.serial or o.batch or o.pk)}: missing {', '.join(clean(ln.part_label) for ln in ls)}"
                for o, ls in short
            ]
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
            pairs,
            location=loc,
            status=status if isinstance(status, int) else 10,
            notes=self.query_one("#notes", Input).value,
            accept_incomplete_allocation=accept.display and accept.value,
            done=f"{len(pairs)} output(s) completed into {clean(self.model.store.location_name(loc))}",
        )


class ScrapOutputsDialog(_OutputsDialog):
    TITLE_TEXT = "Scrap build outputs"
    SUBMIT_LABEL = "Scrap"
    SUBMIT_VARIANT = "error"
    DESTRUCTIVE = GUARD_TYPING = True
    DOES = "scraps them"
    FIRST_FIELD = "#notes"  # the reason is required; the rest can stay as it is

    def compose_fields(self) -> ComposeResult:
        yield self.outputs_table()
        yield FieldError(id="err-outputs")
        yield from field("Quantity (blank: whole output)", Input(id="quantity", max_length=12), "quantity")
        yield from field("Location", FieldSelect(location_options(self.model.store), id="location"), "location")
        yield from field("Reason (required)", Input(id="notes", max_length=1000), "notes")
        yield TickBox(Content("Discard allocations (do not install tracked parts)"), False, id="discard")

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
            pairs,
            location=loc,
            notes=self.query_one("#notes", Input).value,
            discard_allocations=self.query_one("#discard", Checkbox).value,
            done=f"{len(pairs)} output(s) scrapped into {clean(self.model.store.location_name(loc))}",
        )


class DeleteOutputsDialog(BuildDialog):
    """Lists exactly what will be deleted. When the operator chose the output (``chosen``: selected on the
    outputs tab) the focus opens on the Delete button; otherwise (every incomplete output) on Cancel."""

    TITLE_TEXT = "Delete build outputs"
    SUBMIT_VARIANT = "error"
    DESTRUCTIVE = GUARD_TYPING = True
    DOES = "deletes them"

    def __init__(self, model: BuildDetailModel, outputs: list[StockItem], *, chosen: bool = False) -> None:
        self.outputs = outputs
        self.chosen = chosen
        self.SUBMIT_LABEL = f"Delete {len(outputs)} output(s)"
        super().__init__(model)

    def initial_focus(self) -> str:
        return "#submit" if self.chosen else "#cancel"

    def compose_fields(self) -> ComposeResult:
        lines = [f"• output {clean(output_name(o))} — quantity {qty(o.quantity)}" for o in self.outputs]
        yield Static(
            Content("These incomplete outputs will be deleted, with their tracked allocations:\n" + "\n".join(lines)),
            id="delete-list",
        )

    def validate_local(self) -> dict[str, list[str]]:
        return {} if self.outputs else {"form": ["There is nothing to delete."]}

    def write(self) -> Write[None]:
        return self.actions.delete_outputs([o.pk for o in self.outputs], f"{len(self.outputs)} output(s) deleted")
