"""Allocation dialogs: pick stock for a line, auto-allocate, consume, edit an allocation."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.content import Content
from textual.widgets import Checkbox, DataTable, Input, Select, Static

from ..api import ApiError
from ..api.models import BuildItem, BuildLine, StockItem
from ..clock import today
from ..format import qty
from ..rules import allocation as rules
from ..state.actions import Write
from ..state.scan import Scanned, ScanRefused, ScanReply, StockScanned
from ..widgets.fit import fit_rows
from ..widgets.keyed_table import KeyedTable
from ..widgets.safe import clean
from ..widgets.tick_box import FieldSelect, TickBox
from .allocate_lines import MultiAllocateDialog
from .form import BuildDialog, FieldError, FormDialog, field

if TYPE_CHECKING:
    from ..state import BuildDetailModel, Store

MAX_QTY = Decimal("1e9")


def parse_quantity(raw: str, *, allow_blank: bool = False) -> tuple[Decimal | None, str | None]:
    """Operator input to a positive Decimal, or a message for the field."""
    value = raw.strip()
    if not value:
        return (None, None) if allow_blank else (None, "Enter a quantity.")
    if len(value) > 20:
        return None, "That is not a quantity."
    try:
        number = Decimal(value)
    except InvalidOperation:
        return None, "Enter a number, e.g. 5 or 2.5."
    if not number.is_finite():
        return None, "Enter a number, e.g. 5 or 2.5."
    if number <= 0:
        return None, "The quantity must be greater than zero."
    if number >= MAX_QTY:
        return None, "That quantity is too large."
    return number, None


def location_options(store: Store) -> list[tuple[Text, int]]:
    return [(Text(clean(loc.path)), loc.pk) for loc in sorted(store.locations or [], key=lambda x: x.path)]


class MarkingTable(KeyedTable):
    """A dialog's list whose rows the operator marks: Space acts only while the list has the focus, so that
    a space typed in a field never marks anything."""

    BINDINGS = [Binding("space", "screen.mark", "Mark", show=False)]


__all__ = ["AllocateDialog", "AutoAllocateDialog", "ConsumeDialog", "EditAllocationDialog", "InfoDialog",
           "MarkingTable", "MultiAllocateDialog", "auto_summary", "location_options", "parse_quantity"]


CANDIDATE_COLUMNS = [("mark", " "), ("loc", "Location"), ("part", "Part"), ("lot", "Batch/Serial"),
                     ("exp", "Expiry"), ("free", "Free")]


class AllocateDialog(BuildDialog):
    """Stock picker for one line: valid candidates oldest first, expired ones last and marked; the quantity
    proposed is what the line still needs (nothing for a line that needs nothing, nothing from expired
    stock). Expired stock is refused when the server's STOCK_ALLOW_EXPIRED_BUILD is off."""

    TITLE_TEXT = "Allocate stock"
    SUBMIT_LABEL = "Allocate"
    FIELD_MAP = {"quantity": "quantity", "output": "output", "stock_item": "form", "build_line": "form"}
    #: typing a quantity is what the operator does first; ↑/↓ there move through the stock list
    INITIAL_FOCUS = "#quantity"
    BINDINGS = [*FormDialog.BINDINGS, Binding("up", "stock(-1)", "Previous stock item", show=False),
                Binding("down", "stock(1)", "Next stock item", show=False)]

    def __init__(self, model: BuildDetailModel, line: BuildLine, output: int | None = None) -> None:
        super().__init__(model)
        self.line = line
        self.output = output
        self.candidates: list[StockItem] = []
        self.marked: dict[int, Decimal] = {}
        self._typed = False
        #: the server's STOCK_ALLOW_EXPIRED_BUILD; None until read, or when it could not be read
        self.allow_expired: bool | None = None

    def compose_fields(self) -> ComposeResult:
        ln = self.line
        yield Static(self._line_text(), id="alloc-line")
        table = MarkingTable(id="candidates")
        table.set_columns(CANDIDATE_COLUMNS)
        yield table
        hint = Static(id="alloc-hint", classes="field-hint")
        hint.display = False
        yield hint
        yield FieldError(id="err-candidates")
        yield from field("Quantity", Input(id="quantity", restrict=r"[0-9.]*", max_length=20), "quantity")
        if ln.trackable:
            outs = [(Text(clean(o.serial or o.label)), o.pk) for o in self.model.incomplete_outputs]
            yield from field("Output (tracked part: allocate to one output)",
                             FieldSelect(outs, value=self.output if self.output else Select.NULL, id="output"), "output")

    def _line_text(self) -> Content:
        return Content(clean(rules.need_sentence(self.line)))

    def hint(self) -> str:
        return "Enter: Allocate · ↑↓: stock · Shift+Tab, Space: mark · Esc: close"

    def on_mount(self) -> None:
        self.load()

    def action_stock(self, step: int) -> None:
        """↑/↓ from the quantity (or a button): the stock list's cursor moves, the field keeps the focus."""
        table = self.query_one("#candidates", KeyedTable)
        if step < 0:
            table.action_cursor_up()
        else:
            table.action_cursor_down()

    @work(group="candidates", exit_on_error=False)
    async def load(self) -> None:
        client = self.model.store.client
        b = self.model.build
        try:
            items = await client.candidate_stock(self.line, location=b.take_from if b else None)
        except ApiError as exc:
            self.query_one("#err-candidates", FieldError).show([f"Could not load stock: {exc}"])
            return
        try:
            self.allow_expired = await client.allow_expired_build()
        except ApiError:
            self.allow_expired = None  # unreadable: InvenTree's default (off) applies
        self.candidates = rules.fifo(items, today())
        self._paint()
        if not self.candidates:
            where = " in the source location" if b and b.take_from else ""
            self.query_one("#err-candidates", FieldError).show([f"No stock of a valid part is available{where}."])
            return
        first = rules.default_candidate(self.line, self.candidates, today())
        if first is not None:
            self.select_candidate(first.pk)
        self._default_quantity()
        self._hint()

    def _paint(self) -> None:
        table = self.query_one("#candidates", KeyedTable)
        now = today()
        rows = [(str(s.pk), {
            "mark": ("✓" if s.pk in self.marked else "", ""),
            "loc": (clean(s.location_detail.path if s.location_detail else "-"), ""),
            "part": (clean(s.part_detail.label if s.part_detail else s.part), ""),
            "lot": (clean(s.serial or s.batch or ""), ""),
            "exp": (rules.expiry_text(s, now), "bold" if rules.is_expired(s, now) else ""),
            "free": (qty(s.free), "")}) for s in self.candidates]
        # the free quantity must stay in sight; of location and part, the location (where to pick) matters more
        width = table.size.width or self.app.size.width - 10
        table.sync(fit_rows(CANDIDATE_COLUMNS, rows, width, {"loc": 65, "part": 35}))

    def select_candidate(self, pk: int) -> bool:
        """A scanned stock item moves the cursor to it when it is a candidate."""
        return self.query_one("#candidates", KeyedTable).select_key(str(pk))

    async def take_scan(self, scanned: Scanned) -> ScanReply | None:
        """A scanned stock item is chosen in the list (Enter allocates it)."""
        if not isinstance(scanned, StockScanned):
            return await super().take_scan(scanned)
        what = f"{clean(scanned.name)} {clean(scanned.item.label)}"
        if self.select_candidate(scanned.item.pk):
            return ScanReply(f"Selected {what}: Enter allocates.")
        raise ScanRefused(f"{what} is not available for this line.")

    def current(self) -> StockItem | None:
        key = self.query_one("#candidates", KeyedTable).current_key
        return next((s for s in self.candidates if str(s.pk) == key), None)

    def _default_text(self, s: StockItem) -> str:
        """The quantity proposed for ``s`` as typed in the box; "" when nothing is proposed."""
        proposed = rules.proposed_quantity(self.line, s, today())
        return qty(proposed).replace(",", "") if proposed > 0 else ""

    def _default_quantity(self) -> None:
        s = self.current()
        if s is not None and not self._typed:
            self.query_one("#quantity", Input).value = self._default_text(s)

    def _hint(self) -> None:
        """Under the table: why the highlighted item is not proposed (expired), or nothing."""
        s = self.current()
        said = ""
        if s is not None and rules.is_expired(s, today()):
            said = rules.expired_refusal(s, today=today(), allow_expired=self.allow_expired) or (
                f"{clean(s.label)} has EXPIRED: it is not proposed. This server allows building with expired "
                "stock: type a quantity to use it anyway.")
        hint = self.query_one("#alloc-hint", Static)
        hint.update(Content(clean(said)))
        hint.display = bool(said)

    def _refuse(self, reason: str) -> None:
        """The refusal replaces the hint (it says the same, as an error) until the cursor moves."""
        self.query_one("#alloc-hint", Static).display = False
        self.query_one("#err-candidates", FieldError).show([reason])

    @on(DataTable.RowHighlighted, "#candidates")
    def _highlight(self) -> None:
        self.query_one("#err-candidates", FieldError).show([])
        self._default_quantity()
        self._hint()

    @on(DataTable.RowSelected, "#candidates")
    def _chosen(self) -> None:
        self.action_submit()

    @on(Input.Changed, "#quantity")
    def _typed_quantity(self, event: Input.Changed) -> None:
        s = self.current()
        self._typed = s is not None and event.value != self._default_text(s)

    def action_mark(self) -> None:
        s = self.current()
        if s is None:
            return
        if s.pk in self.marked:
            del self.marked[s.pk]
        else:
            refused = rules.expired_refusal(s, today=today(), allow_expired=self.allow_expired)
            if refused:
                self._refuse(refused)
                return
            value, err = parse_quantity(self.query_one("#quantity", Input).value)
            if err or value is None:
                self.show_errors({"quantity": [err or "Enter a quantity."]})
                return
            self.marked[s.pk] = value
        self._typed = False
        self._paint()

    def _items(self) -> list[tuple[StockItem, Decimal]]:
        if self.marked:
            return [(s, self.marked[s.pk]) for s in self.candidates if s.pk in self.marked]
        s = self.current()
        value, _ = parse_quantity(self.query_one("#quantity", Input).value)
        return [(s, value)] if s is not None and value is not None else []

    def validate_local(self) -> dict[str, list[str]]:
        errors: dict[str, list[str]] = {}
        if not self.marked:
            s = self.current()
            if s is None:
                errors["form"] = ["No stock item chosen."]
            else:
                refused = rules.expired_refusal(s, today=today(), allow_expired=self.allow_expired)
                if refused:
                    self._refuse(refused)
                    errors["candidates"] = [refused]
            _, err = parse_quantity(self.query_one("#quantity", Input).value)
            if err:
                if self.line.still_needed <= 0 and not self.query_one("#quantity", Input).value.strip():
                    err = "This line needs nothing more: nothing is proposed. Type a quantity to over-allocate."
                errors["quantity"] = [err]
        for s, value in self._items():
            if s.is_serialized and value != 1:
                errors["quantity"] = ["Serialised stock is allocated one at a time (quantity 1)."]
            elif value > s.free:
                errors["quantity"] = [f"Only {qty(s.free)} of {clean(s.label)} is free."]
        if self.line.trackable and self._output() is None:
            errors["output"] = ["Choose the output this tracked part goes into."]
        return errors

    def _output(self) -> int | None:
        if not self.line.trackable:
            return None
        value = self.query_one("#output", Select).value
        return value if isinstance(value, int) else None

    def write(self) -> Write[None]:
        items = self._items()
        output = self._output()
        total = sum((q for _, q in items), Decimal(0))
        name = clean(self.line.part_label)
        return self.actions.allocate(
            [{"build_line": self.line.pk, "stock_item": s.pk, "quantity": q, "output": output} for s, q in items],
            lambda _: f"Allocated {qty(total)} × {name} from {len(items)} stock item(s)")

    async def explain_refusal(self, exc: ApiError) -> list[str]:
        """Stock taken or the line allocated from another terminal: say so and show the new figures."""
        said = await super().explain_refusal(exc)
        client = self.model.store.client
        chosen = self._items()
        line = await client.get_line(self.line.pk)
        b = self.model.build
        fresh = {s.pk: s for s in await client.candidate_stock(line, location=b.take_from if b else None)}
        for s, _ in chosen:
            now = fresh.get(s.pk)
            free = now.free if now is not None else Decimal(0)
            if free < s.free:
                said.append(f"Someone else allocated {clean(s.label)} meanwhile: {qty(free)} of it is free now "
                            f"(was {qty(s.free)}).")
        if line.allocated != self.line.allocated:
            said.append(f"This line was allocated elsewhere meanwhile: {qty(line.allocated)} of "
                        f"{qty(line.quantity)} now.")
        if said:
            self.line = line
            self.query_one("#alloc-line", Static).update(self._line_text())
            self.candidates = rules.fifo(fresh.values(), today())
            self._paint()
        return said



class AutoAllocateDialog(BuildDialog):
    """InvenTree's auto-allocation with the web page's defaults (interchangeable and substitutes on)."""

    TITLE_TEXT = "Auto-allocate stock"
    SUBMIT_LABEL = "Auto-allocate"
    INITIAL_FOCUS = "#location"

    def compose_fields(self) -> ComposeResult:
        opts = location_options(self.model.store)
        b = self.model.build
        yield from field("Take from location (blank: anywhere)",
                         FieldSelect(opts, value=b.take_from if b and b.take_from else Select.NULL, id="location"),
                         "location")
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
        options = {"location": self._value("location"), "exclude_location": self._value("exclude_location"),
                   "interchangeable": interchangeable, "substitutes": self.query_one("#substitutes", Checkbox).value,
                   "optional_items": optional}
        return self.actions.auto_allocate(options, lambda lines: auto_summary(
            before, lines, optional=optional, interchangeable=interchangeable))


def auto_summary(before: dict[int, Decimal], after: list[BuildLine], *, optional: bool,
                 interchangeable: bool) -> str:
    added = [(ln, ln.allocated - before.get(ln.pk, Decimal(0))) for ln in after]
    got = [f"  + {qty(d)} {clean(ln.part_label)}" for ln, d in added if d > 0]
    short = []
    for ln in after:
        if ln.fully_allocated:
            continue
        if ln.trackable:
            why = "tracked part: allocate to each output (scan or pick)"
        elif ln.optional and not optional:
            why = "optional line: not included"
        elif ln.available_total <= 0:
            why = "no stock available"
        elif not interchangeable:
            why = "several stock items could be used: allow interchangeable stock"
        else:
            why = f"not enough stock: short by {qty(ln.still_needed)}"
        short.append(f"  - {clean(ln.part_label)}: {why}")
    head = f"Auto-allocation allocated {len(got)} line(s)." if got else "Auto-allocation allocated nothing."
    body = [head, *got]
    if short:
        body += ["Still short:", *short]
    return "\n".join(body)


class ConsumeDialog(BuildDialog):
    """Consume a line's allocations, or part of one allocation."""

    TITLE_TEXT = "Consume stock"
    SUBMIT_LABEL = "Consume"
    FIELD_MAP = {"quantity": "quantity", "items": "form", "lines": "form"}

    def __init__(self, model: BuildDetailModel, line: BuildLine, allocation: BuildItem | None = None) -> None:
        super().__init__(model)
        self.line = line
        self.allocation = allocation

    def initial_focus(self) -> str:
        return "#quantity" if self.allocation is not None else "#notes"

    def compose_fields(self) -> ComposeResult:
        if self.allocation is not None:
            a = self.allocation
            src = a.stock_item_detail.label if a.stock_item_detail else f"item {a.stock_item}"
            yield Static(Content(f"{clean(self.line.part_label)} · {clean(src)} · allocated {qty(a.quantity)}"))
            yield from field("Quantity to consume", Input(qty(a.quantity).replace(",", ""), id="quantity",
                                                          max_length=20), "quantity")
        else:
            n = len([a for a in self.line.allocations or [] if a.install_into is None])
            yield Static(Content(f"Consume all {n} untracked allocation(s) of {clean(self.line.part_label)} "
                                 f"({qty(self.line.allocated)})."))
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
        yield from field("Quantity", Input(qty(a.quantity).replace(",", ""), id="quantity", max_length=20),
                         "quantity")

    def validate_local(self) -> dict[str, list[str]]:
        _, err = parse_quantity(self.query_one("#quantity", Input).value)
        return {"quantity": [err]} if err else {}

    def write(self) -> Write[Any]:
        value, _ = parse_quantity(self.query_one("#quantity", Input).value)
        assert value is not None
        return self.actions.edit_allocation(self.allocation.pk, value, f"Allocation changed to {qty(value)}")


class InfoDialog(FormDialog[str]):
    """Shows a multi-line result (e.g. the auto-allocation summary)."""

    SUBMIT_LABEL = "Close"
    INITIAL_FOCUS = "#submit"

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
