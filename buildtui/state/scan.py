"""What a scanned code is, as a typed result: the state layer resolves it, the screen the operator is on
decides what to do with it (``take_scan``; scanning.py), and the scan's allocation can be undone here.

Resolved with ``POST /api/barcode/`` (InvenTree labels, linked custom or supplier labels) and, for text that
looks like a build reference (``BO-0042``), by looking the reference up. No Textual here.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from ..api import ValidationFailed
from ..api.models import BarcodeResult, BuildLine, StockItem
from ..format import qty
from ..rules import scan as scan_rules
from .store import Store

REFERENCE = re.compile(r"^[A-Za-z]{1,10}-?\d{1,10}$")


class ScanRefused(Exception):
    """The scan was understood but cannot be carried out here; the message says why. ``bell=False``: say it
    without ringing (the same label read twice in a row by the scanner: one bell was enough)."""

    def __init__(self, message: str, *, bell: bool = True) -> None:
        super().__init__(message)
        self.bell = bell


@dataclass(frozen=True)
class Scanned:
    """A code that resolved to something the server knows."""

    code: str


@dataclass(frozen=True)
class BuildScanned(Scanned):
    pk: int
    reference: str


@dataclass(frozen=True)
class StockScanned(Scanned):
    item: StockItem

    @property
    def name(self) -> str:
        return self.item.part_detail.label if self.item.part_detail else f"part {self.item.part}"


@dataclass(frozen=True)
class LocationScanned(Scanned):
    pk: int
    name: str


@dataclass(frozen=True)
class OtherScanned(Scanned):
    """Something the server knows that buildtui does nothing with (a part, a sales order…)."""

    model: str
    pk: int


@dataclass(frozen=True)
class ScanAllocation:
    """What a scan allocated, so that one key can undo it."""

    build: int
    line: int
    stock_item: int
    output: int | None
    quantity: Decimal
    label: str
    #: the build's reference, for the undo to say which build it changed (the operator may be on another now)
    reference: str = ""


@dataclass(frozen=True)
class ScanReply:
    """What taking a scan did: a sentence for the operator, and the allocation it made (if any)."""

    message: str
    allocation: ScanAllocation | None = None
    #: asked once the reply is shown and undoable, before the next scan is taken (a supplier label's offer to
    #: link it to its stock item); answers with a sentence for the scan log, or None
    then: Callable[[], Awaitable[str | None]] | None = None


class UnknownCode(ScanRefused):
    """Nothing on the server has this code: not a build, stock item or location it knows."""


async def resolve(store: Store, code: str) -> Scanned:
    """What ``code`` names on this server; ``ScanRefused`` when nothing."""
    try:
        result: BarcodeResult | None = await store.call(lambda: store.client.scan(code))
    except ValidationFailed:
        result = None
    if result is None:
        if REFERENCE.match(code):
            build = await store.call(lambda: store.client.find_build(code))
            if build is not None:
                return BuildScanned(code, build.pk, build.reference)
        raise UnknownCode(f"No match for “{code}”: not a build, stock item or location this server knows.")
    return await interpret(store, code, result)


async def interpret(store: Store, code: str, result: BarcodeResult) -> Scanned:
    """What the server's answer to ``code`` names, as a typed result."""
    if result.model == "build":
        return BuildScanned(code, result.pk, str((result.instance or {}).get("reference") or f"build {result.pk}"))
    if result.model == "stocklocation":
        locations = await store.ensure_locations()
        name = next((loc.path for loc in locations if loc.pk == result.pk), None)
        if name is None:
            raise ScanRefused(f"Location #{result.pk} is not in the location list.")
        return LocationScanned(code, result.pk, name)
    if result.model == "stockitem":
        item = result.stock_item()
        if item is None:  # the scan answered without the item's details: ask for them
            item = await store.call(lambda: store.client.get_stock(result.pk))
        return StockScanned(code, item)
    return OtherScanned(code, result.model, result.pk)


async def undo(store: Store, last: ScanAllocation) -> str:
    """Take back what a scan allocated (only that quantity: the line may have more from elsewhere)."""
    client = store.client
    found = [
        a
        for a in await store.call(
            lambda: client.list_allocations(last.build, build_line=last.line, stock_item=last.stock_item)
        )
        if a.install_into == last.output
    ]
    if not found:
        raise ScanRefused("The allocation is gone already (someone changed it meanwhile).")
    alloc = found[0]
    if alloc.quantity <= last.quantity:
        await store.call(lambda: client.delete_allocation(alloc.pk))
    else:
        await store.call(lambda: client.update_allocation(alloc.pk, alloc.quantity - last.quantity))
    on = f" on {last.reference}" if last.reference else ""
    return f"Undone{on}: {qty(last.quantity)} no longer allocated to {last.label}."


async def lines_for_part(store: Store, lines: Sequence[BuildLine], part: int) -> list[BuildLine]:
    """Lines whose part, substitute or (where allowed) variant ``part`` is: none, one or two requests. Used for a
    scanned stock item and for a supplier label's part alike."""
    direct = scan_rules.direct_lines(lines, part)
    if not direct:  # a substitute: real servers keep them apart from the line (/api/bom/substitute/)
        direct = scan_rules.direct_lines(lines, part, await store.bom_items_allowing(part))
    if direct or not scan_rules.may_be_a_variant(lines):
        return direct
    ancestors: list[int] = []
    pk: int | None = part
    while pk is not None and len(ancestors) < 5:  # up the variant tree, rarely more than one step
        found = await store.read_part(pk)
        pk = found.variant_of
        if pk is not None:
            ancestors.append(pk)
    return scan_rules.variant_lines(lines, ancestors)
