"""Allocation rules: how much to propose for a line, from which stock first, and which stock may be chosen.

- A proposal never exceeds what the line still needs (``quantity − consumed − allocated``, §3.3) nor what the
  item has free (``quantity − allocated``, §4); a fully allocated line gets no proposal at all.
- Stock is used oldest first (FIFO): the first to expire, then the oldest item (lowest pk); expired stock
  comes last and is never proposed or pre-selected.
- InvenTree's global setting ``STOCK_ALLOW_EXPIRED_BUILD`` (default off) decides whether expired stock may be
  chosen at all. The server does not check it on ``allocate/`` (§4: only its web UI reads it), so the
  client is the only guard.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from ..api.models import BuildLine, StockItem
from ..format import date, qty

ZERO = Decimal(0)
ALLOW_EXPIRED_BUILD = "STOCK_ALLOW_EXPIRED_BUILD"


# -- expiry ------------------------------------------------------------------------------------------
def is_expired(item: StockItem, today: dt.date) -> bool:
    """The server's ``expired`` flag, or an expiry date before ``today`` (whichever says so first)."""
    if item.expired:
        return True
    return item.expiry_date is not None and item.expiry_date < today


def expiry_text(item: StockItem, today: dt.date) -> str:
    """The Expiry cell of a stock list: the date, with the word EXPIRED when it is past (readable without
    colour)."""
    if is_expired(item, today):
        return f"EXPIRED {date(item.expiry_date)}" if item.expiry_date else "EXPIRED"
    return date(item.expiry_date)


def expired_refusal(item: StockItem, *, today: dt.date, allow_expired: bool | None) -> str | None:
    """Why ``item`` may not be chosen for a build, or None when it may.

    ``allow_expired`` is the server's STOCK_ALLOW_EXPIRED_BUILD; None when it could not be read (then the
    server's default, off, applies)."""
    if not is_expired(item, today) or allow_expired:
        return None
    when = f" on {date(item.expiry_date)}" if item.expiry_date else ""
    what = f"{_lot(item)} expired{when}"
    if allow_expired is None:
        return (
            f"{what}. The server's setting on building with expired stock could not be read, so expired "
            "stock is refused (InvenTree's default)."
        )
    return (
        f"{what}. This server does not allow building with expired stock (InvenTree setting "
        f'"Build Expired Stock", {ALLOW_EXPIRED_BUILD}, is off).'
    )


def _lot(item: StockItem) -> str:
    if item.serial:
        return f"Serial #{item.serial}"
    if item.batch:
        return f"Batch {item.batch}"
    return f"Stock item {item.pk}"


# -- order and quantities ----------------------------------------------------------------------------
def fifo_key(item: StockItem, today: dt.date) -> tuple[bool, dt.date, int]:
    """Usable stock before expired stock; then the first to expire; then the oldest item (lowest pk)."""
    return (is_expired(item, today), item.expiry_date or dt.date.max, item.pk)


def fifo(items: Iterable[StockItem], today: dt.date) -> list[StockItem]:
    """``items`` in the order they should be used (see ``fifo_key``)."""
    return sorted(items, key=lambda s: fifo_key(s, today))


def proposed_quantity(line: BuildLine, item: StockItem, today: dt.date) -> Decimal:
    """What to propose taking from ``item`` for ``line``: never more than the line still needs or the item
    has free, 1 for serialised stock, and nothing from expired stock or for a line that needs nothing."""
    need = line.still_needed
    if need <= 0 or item.free <= 0 or is_expired(item, today):
        return ZERO
    if item.is_serialized:
        return Decimal(1)
    return min(need, item.free)


def output_need(line: BuildLine, build_quantity: Decimal, output: StockItem) -> Decimal:
    """What a tracked line still needs for one build output: its share per unit built times the output's
    quantity, less what is allocated to that output already (an output of 1 takes 1 transformer, not 24). What the
    output physically takes: the server's own check before completing it asks only for the per-unit quantity,
    whatever the output's quantity (``BuildDetailModel.output_unallocated`` follows that rule)."""
    per_unit = line.quantity / max(build_quantity, Decimal(1))
    there = sum((a.quantity for a in line.allocations or [] if a.install_into == output.pk), ZERO)
    return max(per_unit * output.quantity - there, ZERO)


def default_candidate(line: BuildLine, items: Sequence[StockItem], today: dt.date) -> StockItem | None:
    """The stock item a picker starts on: the first in FIFO order that can be proposed; None when none can
    (every item expired or allocated, or the line needs nothing)."""
    return next((s for s in fifo(items, today) if proposed_quantity(line, s, today) > 0), None)


def need_sentence(line: BuildLine) -> str:
    """The picker's first line: what the line still needs, or that it needs nothing."""
    figures = f"required {qty(line.quantity)}, allocated {qty(line.allocated)}, consumed {qty(line.consumed)}"
    if line.still_needed > 0:
        return f"{line.part_label} · needs {qty(line.still_needed)} more ({figures})"
    over = line.allocated - max(line.quantity - line.consumed, ZERO)
    state = f"over-allocated by {qty(over)}" if over > 0 else "fully allocated"
    return (
        f"{line.part_label} · {state}: nothing more is needed ({figures}). Nothing is proposed; type a "
        "quantity only to allocate more on purpose."
    )


# -- several lines at once ---------------------------------------------------------------------------
@dataclass(frozen=True)
class Take:
    """One allocation of a proposal: ``quantity`` from ``item``."""

    item: StockItem
    quantity: Decimal


@dataclass
class LineProposal:
    """What is proposed for one line: the takes (FIFO), or why nothing is."""

    line: BuildLine
    takes: list[Take] = field(default_factory=list)
    #: why the line is not proposed at all (tracked, consumable, fully allocated), else None
    skipped: str | None = None
    #: free expired stock that fits the line and was left out
    expired_left: Decimal = ZERO

    @property
    def proposed(self) -> Decimal:
        return sum((t.quantity for t in self.takes), ZERO)

    @property
    def short(self) -> Decimal:
        """What the line still needs after the proposal (0 for a skipped line)."""
        return ZERO if self.skipped else max(self.line.still_needed - self.proposed, ZERO)

    def shortfall(self) -> str | None:
        """In words, why the line stays short; None when the proposal covers it."""
        if self.skipped or self.short <= 0:
            return None
        said = f"short by {qty(self.short)}: {qty(self.proposed)} of {qty(self.line.still_needed)} proposed"
        said += ", no more free stock" if self.takes else ", no free stock"
        if self.expired_left > 0:
            said += f" ({qty(self.expired_left)} expired, not proposed)"
        return said


def skip_reason(line: BuildLine) -> str | None:
    """Why a line gets no proposal of its own from several-lines allocation, or None."""
    if line.consumable:
        return "consumable: not allocated"
    if line.trackable:
        return "tracked part: allocate to each output"
    if line.still_needed <= 0:
        return "fully allocated: nothing proposed"
    return None


def propose_lines(
    lines: Sequence[BuildLine], candidates: Mapping[int, Sequence[StockItem]], today: dt.date
) -> list[LineProposal]:
    """A proposal for each line, covering it from as many stock items as it takes, oldest first.

    ``candidates`` maps a line's pk to the stock that may be allocated to it (any order). Stock valid for
    several lines is shared: what one line takes is no longer free for the next. Expired stock is never
    proposed; how much of it was left out is said per line."""
    used: dict[int, Decimal] = {}
    out: list[LineProposal] = []
    for line in lines:
        proposal = LineProposal(line, skipped=skip_reason(line))
        out.append(proposal)
        if proposal.skipped:
            continue
        need = line.still_needed
        for item in fifo(candidates.get(line.pk, ()), today):
            free = item.free - used.get(item.pk, ZERO)
            if free <= 0:
                continue
            if is_expired(item, today):
                proposal.expired_left += free
                continue
            if need <= 0:
                continue
            take = Decimal(1) if item.is_serialized else min(need, free)
            used[item.pk] = used.get(item.pk, ZERO) + take
            proposal.takes.append(Take(item, take))
            need -= take
    return out


# -- several stock items for one line ----------------------------------------------------------------
@dataclass(frozen=True)
class Share:
    """How a total is shared by the stock items marked in a picker: what each takes (FIFO order, one entry per
    item, 0 for an item the ones before it leave nothing to), and what none of them covers."""

    takes: list[Take]
    uncovered: Decimal
    #: the total shared
    asked: Decimal

    @property
    def total(self) -> Decimal:
        return sum((t.quantity for t in self.takes), ZERO)

    @property
    def idle(self) -> list[StockItem]:
        """The items that would take nothing: the ones before them cover the total."""
        return [t.item for t in self.takes if t.quantity <= 0]

    def of(self, pk: int) -> Decimal | None:
        """What item ``pk`` takes, or None when it is not one of the shared items."""
        return next((t.quantity for t in self.takes if t.item.pk == pk), None)


def share(total: Decimal, items: Iterable[StockItem], today: dt.date) -> Share:
    """``total`` shared by ``items`` oldest first (FIFO): each takes min(its free quantity, what is still to
    cover), serialised stock 1 while at least 1 is left to cover. Several marked items therefore cover what
    the line needs once, never the full quantity from each."""
    left = max(total, ZERO)
    takes: list[Take] = []
    for item in fifo(items, today):
        free = max(item.free, ZERO)
        if item.is_serialized:
            take = Decimal(1) if left >= 1 and free >= 1 else ZERO
        else:
            take = min(free, left)
        takes.append(Take(item, take))
        left -= take
    return Share(takes, left, max(total, ZERO))


def share_refusals(shared: Share) -> list[tuple[str, str]]:
    """Why the marks cannot allocate their total, as (field, sentence): "candidates" for a mark left idle,
    "quantity" for a total they cannot cover; nothing when they can."""
    said: list[tuple[str, str]] = []
    if shared.idle:
        names = ", ".join(s.label for s in shared.idle)
        said.append(
            (
                "candidates",
                f"{names} takes nothing: the stock marked before it covers the {qty(shared.asked)}. Unmark it "
                "(Space on the list) or raise the total.",
            )
        )
    if shared.uncovered > 0:
        said.append(
            (
                "quantity",
                f"The marked stock has {qty(shared.total)} free: {qty(shared.uncovered)} of the "
                f"{qty(shared.asked)} are not covered. Mark more stock or lower the total.",
            )
        )
    return said


def share_summary(shared: Share, need: Decimal) -> str:
    """Under the quantity: how the marks share it ("2 marked: 150 + 50 = 200"), and by how much it exceeds
    what the line still needs; or what is wrong with it (``share_refusals``)."""
    refused = share_refusals(shared)
    if refused:
        return " ".join(why for _, why in refused)
    said = ""
    if len(shared.takes) > 1:
        said = f"{len(shared.takes)} marked: {' + '.join(qty(t.quantity) for t in shared.takes)} = {qty(shared.asked)}"
    over = shared.asked - need
    if over > 0:
        said += (" · " if said else "") + f"{qty(over)} more than the line needs"
    return said
