"""Which line of a build a scanned stock item goes to, how much of it, and why not.

A scanned item fits a line whose part it is, whose substitute it is (real servers list substitutes at
``/api/bom/substitute/``, not on the line: the caller passes the BOM items that allow the item's part), or,
on a line that allows variants, whose variant it is (the caller passes the item's part's ancestors).
Consumable lines take no allocations. The quantity is what the line still needs, at most what the item has
free; one for serialised stock; for a tracked line, one output's share. No Textual, no I/O.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Sequence
from decimal import Decimal

from ..api.models import BuildLine, StockItem
from .allocation import expired_refusal

ONE = Decimal(1)


def item_refusal(item: StockItem, name: str, *, today: dt.date, allow_expired: bool | None) -> str | None:
    """Why this item cannot be allocated at all, in an operator's words (``name`` is its part's label)."""
    why = item.unavailable_reason
    if why:
        return f"{name} {item.label} {why}: it cannot be allocated."
    expired = expired_refusal(item, today=today, allow_expired=allow_expired)
    if expired:
        return expired
    if item.free <= 0:
        return f"{name} {item.label} is already allocated elsewhere (all of it)."
    return None


def direct_lines(lines: Sequence[BuildLine], part: int, substitute_bom_items: Collection[int] = ()) -> list[BuildLine]:
    """Lines (not consumable) for ``part`` itself or for which it is a substitute."""
    return [
        ln
        for ln in lines
        if not ln.consumable and (ln.part == part or part in ln.substitute_parts or ln.bom_item in substitute_bom_items)
    ]


def variant_lines(lines: Sequence[BuildLine], ancestors: Collection[int]) -> list[BuildLine]:
    """Lines that allow variants of a part among ``ancestors`` (the scanned part's template, its template…)."""
    return [ln for ln in lines if not ln.consumable and ln.allow_variants and ln.part in ancestors]


def may_be_a_variant(lines: Sequence[BuildLine]) -> bool:
    """Worth walking up the scanned part's templates (one request per step)?"""
    return any(ln.allow_variants and not ln.consumable for ln in lines)


def candidates(matches: Sequence[BuildLine]) -> list[BuildLine]:
    """Of the lines an item fits, those still needing stock (all of them when none does)."""
    needing = [ln for ln in matches if ln.still_needed > 0]
    return needing or list(matches)


def line_refusal(line: BuildLine) -> str | None:
    if line.still_needed <= 0 and not line.trackable:
        return f"{line.part_label} is already fully allocated."
    return None


def per_output(line: BuildLine, build_quantity: Decimal) -> Decimal:
    """What one output of the build takes of a line."""
    return line.quantity / max(build_quantity, ONE)


def quantity(line: BuildLine, item: StockItem, build_quantity: Decimal) -> Decimal:
    """How much of the scanned item to allocate to ``line``."""
    if item.is_serialized:
        return ONE
    wanted = per_output(line, build_quantity) if line.trackable else line.still_needed
    return min(wanted, item.free)
