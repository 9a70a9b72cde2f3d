"""Kitting: moving a build's allocated stock to one location (the kit) with ``POST /api/stock/transfer/`` while
every allocation stays on the stock that moved (scanning doc §5).

Per stock item, with the allocations of the build being kitted that sit on it:

- already in the kit location (or a location below it): nothing to move;
- held back, with the reason: no longer in stock in the sense the transfer checks (used up, installed, sent to a
  customer, on a sales order: the server would refuse the whole request), nothing left, in a state a kit does not
  take (quarantined, rejected, lost, destroyed: the transfer itself would move it), expired (unless the server
  allows building with expired stock), or in need of a split that a serialised item cannot have;
- the allocations cover the whole item: it moves whole, keeping its pk, and its allocations go with it;
- otherwise the allocated quantity is split off: the server makes a new item at the kit (``parent`` = the
  original) and leaves the allocations on the original, so each is re-pointed to the new item afterwards
  (``PATCH /api/build/item/<id>/ {"stock_item": <new>}``; ``find_split`` recognises the new item).

The quantity sent is never more than the item holds (the server would move the whole item without saying so),
and an item is listed once however many of its allocations move. No Textual, no I/O.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from enum import Enum

from ..api.models import BuildItem, StockItem, StockLocation
from ..format import date, qty
from .allocation import is_expired
from .status import StockStatus

ZERO = Decimal(0)
#: InvenTree's states outside "in stock" (§3.3): the transfer moves such stock, a kit should not take it
NOT_IN_STOCK = frozenset({StockStatus.DESTROYED, StockStatus.REJECTED, StockStatus.LOST, StockStatus.QUARANTINED})


class Move(Enum):
    WHOLE = "whole"  # the item moves, keeping its pk: its allocations follow by themselves
    SPLIT = "split"  # the allocated part moves as a new item: its allocations are re-pointed to it
    THERE = "there"  # already in the kit location
    HELD = "held"  # not moved, for the reason given


@dataclass(frozen=True)
class ItemMove:
    """What happens to one stock item: how it moves, how much is sent, the allocations it carries."""

    stock: StockItem
    move: Move
    allocations: tuple[BuildItem, ...]
    quantity: Decimal = ZERO  # what the transfer sends (WHOLE: all the item holds; SPLIT: what is allocated)
    why: str = ""  # HELD: the reason; otherwise a remark (an over-allocated item), or ""

    @property
    def allocated(self) -> Decimal:
        return sum((a.quantity for a in self.allocations), ZERO)

    @property
    def name(self) -> str:
        """The part's name and the lot: "Resistor 1k 0603 batch R1K-2401" (short enough for one line at 80)."""
        detail = self.stock.part_detail or next((a.part_detail for a in self.allocations if a.part_detail), None)
        part = detail.name if detail is not None and detail.name else f"part {self.stock.part}"
        return f"{part} {self.stock.label}"

    @property
    def source(self) -> str:
        """Where the item is now (its location's name)."""
        loc = self.stock.location_detail or next(
            (a.location_detail for a in self.allocations if a.location_detail), None
        )
        if loc is not None:
            return loc.name or loc.path
        return "no location" if self.stock.location is None else f"location {self.stock.location}"

    def describe(self) -> str:
        """One line of the plan, in an operator's words."""
        if self.move is Move.WHOLE:
            text = f"{self.name}: all {qty(self.quantity)}, from {self.source}"
        elif self.move is Move.SPLIT:
            text = f"{self.name}: {qty(self.quantity)} of {qty(self.stock.quantity)}, from {self.source} (split)"
        elif self.move is Move.THERE:
            return f"{self.name}: there already"
        else:
            return f"{self.name} at {self.source} stays: {self.why}"
        return f"{text}; {self.why}" if self.why else text


@dataclass(frozen=True)
class KitPlan:
    """Every stock item of the allocations being kitted, in the order first met, and what happens to it."""

    destination: int
    moves: tuple[ItemMove, ...]

    def of(self, *kinds: Move) -> list[ItemMove]:
        return [m for m in self.moves if m.move in kinds]

    @property
    def sending(self) -> list[ItemMove]:
        """The items the transfer carries, in the order sent."""
        return self.of(Move.WHOLE, Move.SPLIT)

    def transfer_items(self) -> list[tuple[int, Decimal]]:
        """``(pk, quantity)`` per item moved: each item once, never more than it holds."""
        return [(m.stock.pk, m.quantity) for m in self.sending]

    @property
    def allocation_count(self) -> int:
        return sum(len(m.allocations) for m in self.moves)

    @property
    def repoints(self) -> int:
        return sum(len(m.allocations) for m in self.of(Move.SPLIT))

    def counts(self) -> str:
        """ "1 whole, 2 split, 1 held back": only what is not zero; "nothing to move" when nothing moves."""
        parts = [f"{len(self.of(kind))} {word}" for kind, word in _WORDS if self.of(kind)]
        if not self.sending:
            parts.insert(0, "nothing to move")
        return ", ".join(parts)


_WORDS = ((Move.WHOLE, "whole"), (Move.SPLIT, "split"), (Move.THERE, "already there"), (Move.HELD, "held back"))


def kit_locations(locations: Iterable[StockLocation], root: int) -> set[int]:
    """``root`` and every location below it: stock anywhere in there is in the kit already."""
    children: dict[int | None, list[int]] = {}
    for loc in locations:
        children.setdefault(loc.parent, []).append(loc.pk)
    found = {root}
    todo = [root]
    while todo:
        for child in children.get(todo.pop(), []):
            if child not in found:
                found.add(child)
                todo.append(child)
    return found


def plan_kit(
    allocations: Sequence[BuildItem],
    destination: int,
    *,
    kit: Collection[int] = (),
    today: dt.date,
    allow_expired: bool | None,
) -> KitPlan:
    """What moving ``allocations`` to ``destination`` does, item by item (``kit``: the destination and the
    locations below it; ``allow_expired``: the server's STOCK_ALLOW_EXPIRED_BUILD, None when unknown)."""
    inside = set(kit) | {destination}
    groups: dict[int, list[BuildItem]] = {}
    for a in allocations:
        groups.setdefault(a.stock_item, []).append(a)
    moves = [_move(tuple(allocs), inside, today, allow_expired) for allocs in groups.values()]
    return KitPlan(destination, tuple(moves))


def _move(allocs: tuple[BuildItem, ...], inside: set[int], today: dt.date, allow_expired: bool | None) -> ItemMove:
    first = allocs[0]
    stock = first.stock_item_detail
    if stock is None:  # the server did not describe the item: nothing is sent for it
        stock = StockItem(pk=first.stock_item, part=first.part_detail.pk if first.part_detail else 0)
        stock = stock.model_copy(update={"location": first.location})
        if first.location is not None and first.location in inside:
            return ItemMove(stock, Move.THERE, allocs)
        return ItemMove(stock, Move.HELD, allocs, why="the server did not describe this item; look at it")
    here = sum((a.quantity for a in allocs), ZERO)
    if stock.location is not None and stock.location in inside:
        return ItemMove(stock, Move.THERE, allocs)
    why = _not_movable(stock)
    if why is None and is_expired(stock, today) and not allow_expired:
        when = f" on {date(stock.expiry_date)}" if stock.expiry_date else ""
        why = f"expired{when}; the server does not allow building with expired stock"
    if why is not None:
        return ItemMove(stock, Move.HELD, allocs, why=why)
    if here >= stock.quantity:
        note = ""
        if here > stock.quantity:
            note = f"over-allocated: {qty(here)} allocated, it holds {qty(stock.quantity)}"
        elif stock.allocated > here:
            note = f"it also carries {qty(stock.allocated - here)} allocated elsewhere"
        return ItemMove(stock, Move.WHOLE, allocs, quantity=stock.quantity, why=note)
    if stock.serial:
        return ItemMove(
            stock,
            Move.HELD,
            allocs,
            why=f"only {qty(here)} of it is allocated here; a serialised item cannot be split",
        )
    return ItemMove(stock, Move.SPLIT, allocs, quantity=here)


def _not_movable(stock: StockItem) -> str | None:
    """Why the kit does not take this item, or None."""
    if stock.consumed_by is not None:
        return "used up by a build"
    if stock.belongs_to is not None:
        return "installed in another item"
    if stock.customer is not None:
        return "sent to a customer"
    if stock.sales_order is not None:
        return "assigned to a sales order"
    if stock.quantity <= 0:
        return "nothing left in it"
    if stock.status in NOT_IN_STOCK or stock.in_stock is False:
        return f"{(stock.status_text or 'status ' + str(stock.status)).lower()}, not in stock"
    return None


# -- after the transfer ------------------------------------------------------------------------------------------
def find_split(
    children: Sequence[StockItem], move: ItemMove, destination: int, taken: Collection[int] = ()
) -> StockItem | None:
    """The item the transfer split off ``move``'s stock: a direct child at ``destination`` holding the moved
    quantity and not yet used; the newest if several (an older split of the same item may be there already)."""
    fits = [
        c
        for c in children
        if c.parent == move.stock.pk and c.location == destination and c.quantity == move.quantity and c.pk not in taken
    ]
    return max(fits, key=lambda c: c.pk, default=None)


def left_behind(
    scope: Sequence[BuildItem], after: Sequence[BuildItem], kit: Collection[int]
) -> list[tuple[BuildItem, str]]:
    """The allocations of ``scope`` not on stock in the kit once the build is read again, each with where it is.
    ``after`` is the build's allocations as re-read; ``kit`` the destination and the locations below it."""
    now = {a.pk: a for a in after}
    out: list[tuple[BuildItem, str]] = []
    for a in scope:
        b = now.get(a.pk)
        if b is None:
            out.append((a, "the allocation is no longer there (removed or consumed meanwhile)"))
        elif b.location is None or b.location not in kit:
            where = b.location_detail.path if b.location_detail else ("no location" if b.location is None else "")
            out.append((b, f"still at {where or f'location {b.location}'}"))
    return out


def over_allocated(after: Sequence[BuildItem]) -> list[BuildItem]:
    """The allocations on items that now hold less than is allocated on them here, all together (a split can
    leave an item so, §5 rule 10; the build cannot consume more than the item holds)."""
    totals: dict[int, Decimal] = {}
    for a in after:
        totals[a.stock_item] = totals.get(a.stock_item, ZERO) + a.quantity
    return [a for a in after if a.stock_item_detail is not None and totals[a.stock_item] > a.stock_item_detail.quantity]
