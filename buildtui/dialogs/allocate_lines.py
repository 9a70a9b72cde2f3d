"""Several marked lines allocated in one request (``v`` marks lines, ``a`` opens this)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual import on, work
from textual.app import ComposeResult
from textual.content import Content
from textual.widgets import DataTable, Static

from ..api import ApiError
from ..api.models import BuildLine, StockItem
from ..clock import today
from ..format import qty
from ..rules import allocation as rules
from ..state.actions import Write
from ..widgets.fit import fit_rows
from ..widgets.keyed_table import KeyedTable
from ..widgets.safe import clean
from .build_dialog import BuildDialog

if TYPE_CHECKING:
    from ..state.build_detail import BuildDetailModel

PROPOSAL_COLUMNS = [("line", "Line"), ("stock", "Stock"), ("loc", "Location"), ("qty", "Qty")]


class MultiAllocateDialog(BuildDialog):
    """Each marked line covered from as many free stock items as it takes, oldest first, never from expired
    stock; what stays short is said per line. Enter allocates everything proposed in one request."""

    TITLE_TEXT = "Allocate marked lines"
    SUBMIT_LABEL = "Allocate all"
    INITIAL_FOCUS = "#proposals"
    FIELD_MAP = {"quantity": "form", "stock_item": "form", "build_line": "form", "output": "form"}

    def __init__(self, model: BuildDetailModel, lines: list[BuildLine]) -> None:
        super().__init__(model)
        self.lines = lines
        self.proposals: list[rules.LineProposal] = []

    def compose_fields(self) -> ComposeResult:
        yield Static(
            Content("Proposing the oldest free stock for each line (never expired stock)…"), id="proposal-head"
        )
        table = KeyedTable(id="proposals")
        table.set_columns(PROPOSAL_COLUMNS)
        yield table
        notes = Static(id="proposal-notes")
        notes.display = False
        yield notes

    def on_mount(self) -> None:
        super().on_mount()
        self.propose()

    @property
    def takes(self) -> list[tuple[BuildLine, rules.Take]]:
        """Every allocation the dialog will send, line by line."""
        return [(p.line, t) for p in self.proposals for t in p.takes]

    @work(group="proposals", exit_on_error=False)
    async def propose(self) -> None:
        candidates: dict[int, list[StockItem]] = {}
        failed: dict[int, str] = {}
        for ln in self.lines:
            if rules.skip_reason(ln):
                continue
            try:
                candidates[ln.pk] = await self.model.candidate_stock(ln)
            except ApiError as exc:
                failed[ln.pk] = f"could not load its stock: {exc}"
        self.proposals = rules.propose_lines([ln for ln in self.lines if ln.pk not in failed], candidates, today())
        self._paint(failed)

    def _paint(self, failed: dict[int, str]) -> None:
        rows = []
        notes = []
        for p in self.proposals:
            label = clean(p.line.part_label)
            for i, t in enumerate(p.takes):
                s = t.item
                rows.append(
                    (
                        f"l{p.line.pk}-s{s.pk}",
                        {
                            "line": (label if i == 0 else "", ""),
                            "stock": (clean(s.serial or s.batch or s.label), ""),
                            "loc": (clean(s.location_detail.path if s.location_detail else "-"), ""),
                            "qty": (qty(t.quantity), ""),
                        },
                    )
                )
            if p.skipped:
                rows.append(
                    (
                        f"l{p.line.pk}-skip",
                        {"line": (label, ""), "stock": ("not proposed", "italic"), "loc": ("", ""), "qty": ("", "")},
                    )
                )
                notes.append(f"{label}: not proposed ({p.skipped})")
            elif p.short > 0:
                rows.append(
                    (
                        f"l{p.line.pk}-short",
                        {
                            "line": ("" if p.takes else label, ""),
                            "stock": (f"SHORT by {qty(p.short)}", "bold"),
                            "loc": ("", ""),
                            "qty": ("", ""),
                        },
                    )
                )
                notes.append(f"{label}: {p.shortfall()}")
        notes += [
            f"{clean(ln.part_label)}: not proposed ({clean(failed[ln.pk])})" for ln in self.lines if ln.pk in failed
        ]
        table = self.query_one("#proposals", KeyedTable)
        width = table.size.width or self.app.size.width - 10
        table.sync(fit_rows(PROPOSAL_COLUMNS, rows, width, {"line": 40, "stock": 30, "loc": 30}))
        covered = sum(1 for p in self.proposals if p.takes and p.short <= 0)
        short = sum(1 for p in self.proposals if p.short > 0) + len(failed)
        head = (
            f"{len(self.takes)} stock item(s) proposed, oldest first and never expired: {covered} of "
            f"{len(self.lines)} line(s) covered"
            + (f", {short} short" if short else "")
            + ". Enter allocates them all in one request."
        )
        self.query_one("#proposal-head", Static).update(Content(head))
        box = self.query_one("#proposal-notes", Static)
        box.update(Content("\n".join(notes)))
        box.display = bool(notes)

    @on(DataTable.RowSelected, "#proposals")
    def _enter(self) -> None:
        self.action_submit()

    def validate_local(self) -> dict[str, list[str]]:
        return {} if self.takes else {"form": ["Nothing to allocate: no line has free stock proposed."]}

    def write(self) -> Write[None]:
        takes = self.takes
        lines = len({ln.pk for ln, _ in takes})
        return self.actions.allocate(
            [{"build_line": ln.pk, "stock_item": t.item.pk, "quantity": t.quantity, "output": None} for ln, t in takes],
            lambda _: f"Allocated {lines} line(s) from {len(takes)} stock item(s) in one request",
        )
