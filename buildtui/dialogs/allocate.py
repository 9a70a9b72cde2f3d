"""The stock picker: choose stock for one line (or scan it), with a quantity that never exceeds the need."""

from __future__ import annotations

from decimal import ROUND_CEILING, Decimal
from typing import TYPE_CHECKING

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.widgets import DataTable, Input, Select, Static

from ..api import ApiError
from ..api.models import BuildLine, StockItem
from ..clock import today
from ..format import output_name, qty
from ..rules import allocation as rules
from ..state.actions import Write
from ..state.scan import Scanned, ScanRefused, ScanReply, StockScanned
from ..widgets.fit import fit_rows
from ..widgets.keyed_table import KeyedTable
from ..widgets.quiet import QuietStatic
from ..widgets.safe import clean
from ..widgets.tick_box import FieldSelect
from .build_dialog import BuildDialog
from .fields import MarkingTable, parse_quantity
from .form import FieldError, FormDialog, field

if TYPE_CHECKING:
    from ..state.build_detail import BuildDetailModel

CANDIDATE_COLUMNS = [
    ("mark", " "),
    ("loc", "Location"),
    ("part", "Part"),
    ("lot", "Batch/Serial"),
    ("exp", "Expiry"),
    ("free", "Free"),
]


class AllocateDialog(BuildDialog):
    """Stock picker for one line: valid candidates oldest first, expired ones last and marked; the quantity
    proposed is what the line still needs (nothing for a line that needs nothing, nothing from expired
    stock). Expired stock is refused when the server's STOCK_ALLOW_EXPIRED_BUILD is off.

    With stock items marked (Space on the list) the quantity is the total to allocate, shared by the marked
    items oldest first (``rules.share``): each takes what it has free until the total is covered, and the
    list shows what each mark takes. A mark that would take nothing is refused, and Enter refuses a total
    the marks cannot cover or that leaves a mark idle."""

    TITLE_TEXT = "Allocate stock"
    SUBMIT_LABEL = "Allocate"
    FIELD_MAP = {"quantity": "quantity", "output": "output", "stock_item": "form", "build_line": "form"}
    #: typing a quantity is what the operator does first; ↑/↓ there move through the stock list
    INITIAL_FOCUS = "#quantity"
    BINDINGS = [
        *FormDialog.BINDINGS,
        Binding("up", "stock(-1)", "Previous stock item", show=False),
        Binding("down", "stock(1)", "Next stock item", show=False),
    ]

    def __init__(self, model: BuildDetailModel, line: BuildLine, output: int | None = None) -> None:
        super().__init__(model)
        self.line = line
        self.output = output
        self.candidates: list[StockItem] = []
        #: the stock items marked on the list (pks); they share the quantity, oldest first
        self.marked: set[int] = set()
        self._typed = False
        #: the stock list has not arrived yet: the dialog says so, and Enter says so instead of refusing
        self.awaiting_stock = True
        #: Enter was pressed before the list arrived: once it is there, the hint says nothing was allocated yet
        self._enter_early = False
        #: the server's STOCK_ALLOW_EXPIRED_BUILD; None until read, or when it could not be read
        self.allow_expired: bool | None = None

    def compose_fields(self) -> ComposeResult:
        ln = self.line
        yield Static(self._line_text(), id="alloc-line")
        table = MarkingTable(id="candidates")
        table.set_columns(CANDIDATE_COLUMNS)
        yield table
        hint = QuietStatic(id="alloc-hint", classes="field-hint")
        hint.display = False
        yield hint
        yield FieldError(id="err-candidates")
        with Vertical(classes="field"):
            yield QuietStatic("Quantity", id="quantity-label", classes="field-label")
            yield Input(id="quantity", max_length=20)
            share = QuietStatic(id="alloc-share", classes="field-hint")
            share.display = False
            yield share
            yield FieldError(id="err-quantity")
        if ln.trackable:
            outs = [(Text(clean(output_name(o))), o.pk) for o in self.model.incomplete_outputs]
            yield from field(
                "Output (tracked part: allocate to one output)",
                FieldSelect(outs, value=self.output if self.output else Select.NULL, id="output"),
                "output",
            )

    def _line_text(self) -> Content:
        return Content(clean(rules.need_sentence(self.line)))

    def hint(self) -> str:
        return "Enter: Allocate · ↑↓: stock · Shift+Tab, Space: mark · Esc: close"

    def on_mount(self) -> None:
        self.query_one("#alloc-hint", QuietStatic).show("Loading stock…", hide_when_empty=True)
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
        try:
            items = await self.model.candidate_stock(self.line)
        except ApiError as exc:
            self._loaded()
            self.query_one("#err-candidates", FieldError).show([f"Could not load stock: {exc}"])
            return
        try:
            self.allow_expired = await self.model.allow_expired()
        except ApiError:
            self.allow_expired = None  # unreadable: InvenTree's default (off) applies
        self._loaded()
        self.candidates = rules.fifo(items, today())
        self._paint()
        if not self.candidates:
            where = " in the source location" if self.model.build and self.model.build.take_from else ""
            self.query_one("#err-candidates", FieldError).show([f"No stock of a valid part is available{where}."])
            return
        first = rules.default_candidate(self.line, self.candidates, today())
        if first is not None:
            self.select_candidate(first.pk)
        self._default_quantity()
        self._hint()

    def _loaded(self) -> None:
        """The list has arrived (or failed to): "Loading stock…" goes, and so does what Enter said meanwhile."""
        self.awaiting_stock = False
        self.clear_errors()
        self.query_one("#alloc-hint", QuietStatic).show("", hide_when_empty=True)

    def _paint(self) -> None:
        table = self.query_one("#candidates", KeyedTable)
        now = today()
        shared = self._share()

        def mark(s: StockItem) -> str:
            """✓ and what the mark takes (✓ alone while the total is not a quantity)."""
            if s.pk not in self.marked:
                return ""
            take = shared.of(s.pk) if shared is not None else None
            return "✓" if take is None else f"✓ {qty(take)}"

        rows = [
            (
                str(s.pk),
                {
                    "mark": (mark(s), "bold"),
                    "loc": (clean(s.location_detail.path if s.location_detail else "-"), ""),
                    "part": (clean(s.part_detail.label if s.part_detail else s.part), ""),
                    "lot": (clean(s.serial or s.batch or ""), ""),
                    "exp": (rules.expiry_text(s, now), "bold" if rules.is_expired(s, now) else ""),
                    "free": (qty(s.free), ""),
                },
            )
            for s in self.candidates
        ]
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
        if self.awaiting_stock:
            raise ScanRefused(f"The stock list is still loading: scan {what} again when it shows.")
        if self.select_candidate(scanned.item.pk):
            return ScanReply(f"Selected {what}: Enter allocates.")
        raise ScanRefused(f"{what} is not available for this line.")

    def current(self) -> StockItem | None:
        key = self.query_one("#candidates", KeyedTable).current_key
        return next((s for s in self.candidates if str(s.pk) == key), None)

    def _default_text(self) -> str:
        """The quantity proposed, as typed in the box ("" when nothing is): with marks, the total the line
        still needs; without, what the highlighted item can give of it."""
        if self.marked:
            proposed = self._needed()
        else:
            s = self.current()
            proposed = rules.proposed_quantity(self.line, s, today()) if s is not None else Decimal(0)
            proposed = min(proposed, self._needed())
        return qty(proposed).replace(",", "") if proposed > 0 else ""

    def _needed(self) -> Decimal:
        """What the allocation is for: the chosen output's need on a tracked line, else what the line needs."""
        output = self._chosen_output()
        if output is None or self.model.build is None:
            return self.line.still_needed
        return rules.output_need(self.line, self.model.build.quantity, output)

    def _chosen_output(self) -> StockItem | None:
        pk = self._output() if self.is_mounted else self.output
        return next((o for o in self.model.incomplete_outputs if o.pk == pk), None)

    def _default_quantity(self) -> None:
        if self.current() is not None and not self._typed:
            self.query_one("#quantity", Input).value = self._default_text()

    # -- several marked items: the quantity is their total ------------------------------------------
    def _total(self) -> Decimal | None:
        value, err = parse_quantity(self.query_one("#quantity", Input).value)
        return None if err else value

    def _marked_items(self) -> list[StockItem]:
        return [s for s in self.candidates if s.pk in self.marked]

    def _share(self) -> rules.Share | None:
        """How the total is shared by the marks; None with no marks or no quantity typed."""
        total = self._total()
        if not self.marked or total is None:
            return None
        return rules.share(total, self._marked_items(), today())

    def _show_share(self) -> None:
        """The quantity's label says what it means; under it, how the marks share it (or what is wrong)."""
        marked = len(self.marked)
        label = "Quantity" if not marked else "Quantity: the total, shared by the marked stock oldest first"
        self.query_one("#quantity-label", QuietStatic).show(label)
        shared = self._share()
        if not marked:
            said = ""
        elif shared is None:
            said = f"Type the total to allocate from the {marked} marked item(s)."
        else:
            said = rules.share_summary(shared, self._needed())
        # on every key typed in the quantity: a text that did not change is not laid out again
        self.query_one("#alloc-share", QuietStatic).show(clean(said), hide_when_empty=True)

    def _hint(self) -> None:
        """Under the table: why the highlighted item is not proposed (expired), or nothing."""
        s = self.current()
        said = ""
        if s is not None and rules.is_expired(s, today()):
            said = rules.expired_refusal(s, today=today(), allow_expired=self.allow_expired) or (
                f"{clean(s.label)} has EXPIRED: it is not proposed. This server allows building with expired "
                "stock: type a quantity to use it anyway."
            )
        elif self._enter_early:  # the "still loading" error went with the list's arrival: say what came of Enter
            said = "Nothing allocated yet: the stock is listed now. Enter allocates."
        self.query_one("#alloc-hint", QuietStatic).show(clean(said), hide_when_empty=True)  # each cursor move

    def _refuse(self, reason: str) -> None:
        """The refusal replaces the hint (it says the same, as an error) until the cursor moves."""
        self.query_one("#alloc-hint", QuietStatic).show("", hide_when_empty=True)
        self.query_one("#err-candidates", FieldError).show([reason])

    @on(DataTable.RowHighlighted, "#candidates")
    def _highlight(self) -> None:
        self.query_one("#err-candidates", FieldError).show([])
        self._default_quantity()
        self._hint()

    @on(Select.Changed, "#output")
    def _output_chosen(self) -> None:
        """The output decides what is needed: the proposal follows it (until a quantity is typed)."""
        self.query_one("#err-output", FieldError).show([])
        self._default_quantity()
        if self.marked:
            self._paint()
            self._show_share()

    @on(DataTable.RowSelected, "#candidates")
    def _chosen(self) -> None:
        self.action_submit()

    @on(Input.Changed, "#quantity")
    def _typed_quantity(self, event: Input.Changed) -> None:
        self._typed = self.current() is not None and event.value != self._default_text()
        if self.marked:
            self.query_one("#err-candidates", FieldError).show([])  # said of the total before
            self._paint()
            self._show_share()
        else:
            self._show_over(event.value)

    def _show_over(self, typed: str) -> None:
        """More than the line needs is allowed (as InvenTree allows it), but said before Enter sends it."""
        value, err = parse_quantity(typed)
        need = self._needed()
        said = ""
        if not err and value is not None and value > need and self._chosen_output() is None:
            said = f"{qty(value)} is {qty(value - need)} more than this line needs: it will be over-allocated."
        self.query_one("#alloc-share", QuietStatic).show(said, hide_when_empty=True)

    def action_mark(self) -> None:
        """Space on the list: mark the highlighted item (it takes its share of the total) or unmark it."""
        s = self.current()
        if s is None:
            return
        self.query_one("#err-candidates", FieldError).show([])
        if s.pk in self.marked:
            self._set_marks(self.marked - {s.pk})
            return
        refused = rules.expired_refusal(s, today=today(), allow_expired=self.allow_expired)
        if refused:
            self._refuse(refused)
            return
        self._set_marks(self.marked | {s.pk})
        total = self._total()
        if total is None:
            self._set_marks(self.marked - {s.pk})
            self.show_errors({"quantity": ["Type the total to allocate first, then mark the stock to take it from."]})
            return
        shared = rules.share(total, self._marked_items(), today())
        if shared.of(s.pk) == 0:
            self._set_marks(self.marked - {s.pk})
            self._refuse(
                f"{clean(s.label)} is not marked: the stock marked before it covers the {qty(total)}. To take "
                "from it too, raise the total in Quantity first."
            )
            return
        idle = shared.idle  # an older item marked now covers what a newer one took
        if idle:
            self._set_marks(self.marked - {i.pk for i in idle})
            names = ", ".join(clean(i.label) for i in idle)
            self.query_one("#err-candidates", FieldError).show(
                [f"{names} unmarked: {clean(s.label)} is older and covers the {qty(total)}."], note=True
            )

    def _set_marks(self, marked: set[int]) -> None:
        """Mark exactly ``marked``; an untouched quantity follows (the line's need with marks, the highlighted
        item's share without)."""
        self.marked = set(marked)
        if not self._typed:
            self.query_one("#quantity", Input).value = self._default_text()
        self._paint()
        self._show_share()

    def _items(self) -> list[tuple[StockItem, Decimal]]:
        if self.marked:
            shared = self._share()
            return [(t.item, t.quantity) for t in shared.takes if t.quantity > 0] if shared is not None else []
        s = self.current()
        value, _ = parse_quantity(self.query_one("#quantity", Input).value)
        return [(s, value)] if s is not None and value is not None else []

    def validate_local(self) -> dict[str, list[str]]:
        if self.awaiting_stock:
            self._enter_early = True
            return {"form": ["The stock list is still loading: press Enter again when it shows."]}
        self._enter_early = False
        errors: dict[str, list[str]] = {}
        if self.marked:
            total, err = parse_quantity(self.query_one("#quantity", Input).value)
            if err or total is None:
                errors["quantity"] = [err or "Enter a quantity."]
            else:
                for where, why in rules.share_refusals(rules.share(total, self._marked_items(), today())):
                    errors[where] = [why]
        else:
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
        output = self._chosen_output()
        if output is not None:
            need = self._needed()
            items = self._items()
            if any(s.is_serialized for s, _ in items):
                need = need.to_integral_value(rounding=ROUND_CEILING)  # half a part per unit: one whole item
            total = sum((value for _, value in items), Decimal(0))
            name = clean(output_name(output))
            if need <= 0:  # said instead of "Enter a quantity." when nothing is proposed because none is needed
                errors["quantity"] = [f"{name} already has all the {clean(self.line.part_label)} it takes."]
            elif "quantity" not in errors and total > need:
                errors["quantity"] = [
                    f"{name} takes {qty(need)} more of this part: {qty(total)} would put more into it."
                ]
        if self.line.trackable and self._output() is None:
            errors["output"] = [
                "Choose the output this tracked part goes into."
                if self.model.incomplete_outputs
                else "This build has no outputs in production: Esc, then N creates them."
            ]
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
            lambda _: f"Allocated {qty(total)} × {name} from {len(items)} stock item(s)",
        )

    async def explain_refusal(self, exc: ApiError) -> list[str]:
        """Stock taken or the line allocated from another terminal: say so and show the new figures."""
        said = await super().explain_refusal(exc)
        chosen = self._items()
        line = await self.model.read_line(self.line.pk)
        fresh = {s.pk: s for s in await self.model.candidate_stock(line)}
        for s, _ in chosen:
            now = fresh.get(s.pk)
            free = now.free if now is not None else Decimal(0)
            if free < s.free:
                said.append(
                    f"Someone else allocated {clean(s.label)} meanwhile: {qty(free)} of it is free now "
                    f"(was {qty(s.free)})."
                )
        if line.allocated != self.line.allocated:
            said.append(
                f"This line was allocated elsewhere meanwhile: {qty(line.allocated)} of {qty(line.quantity)} now."
            )
        if said:
            self.line = line
            self.query_one("#alloc-line", Static).update(self._line_text())
            self.candidates = rules.fifo(fresh.values(), today())
            self._paint()
        return said
