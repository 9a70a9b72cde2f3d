"""A supplier's own label (Digi-Key or Mouser ECIA DataMatrix, LCSC or TME QR) scanned on a build: resolved to
the supplier part it names, then to the BOM line and the stock item it allocates, and linked to that item once
so that the next scan finds the item directly. No Textual here: where the operator must choose, the screen's
``ask`` is called.

Resolving (``resolve``): ``POST /api/barcode/`` and, in the same round trip, the client's own lookup of the
label's SKU or MPN (``/api/company/part/?SKU=…``), because the server answers with a stock item only for a
linked label, with a supplier part only when its supplier plugins are on and the label kept its control
characters, and sometimes for the wrong supplier (scanning doc §2.5, §2.6, §2.8). A label that lost its control
characters is searched for by the MPN that follows its ``1P`` identifiers.

On a build (``plan``): the line for the supplier part's part (direct, substitute, variant, as for stock scans),
that supplier part's stock (``/api/stock/?supplier_part=…``), the label's lot first, the oldest first, never
stock that cannot be allocated (rules/label_stock.py); what the line still needs, from that one item.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from ..api import ApiError, ValidationFailed
from ..api.models import BarcodeResult, BuildLine, StockItem
from ..api.supplier_models import SupplierPart
from ..format import qty
from ..rules import label_stock as rules
from ..rules import labels
from ..rules import scan as scan_rules
from ..rules.allocation import is_expired
from . import scan
from .build_detail import BuildDetailModel
from .scan import OtherScanned, Scanned, ScanRefused
from .store import Store
from .writes import Write

#: answers of the supplier plugins (never a stock item: scanning doc §0)
SUPPLIER_MODELS = frozenset({"supplierpart", "manufacturerpart", "purchaseorder"})
#: the operator's choice among options: the index chosen, or None (Esc)
Ask = Callable[[str, list[str]], Awaitable[int | None]]


@dataclass(frozen=True)
class SupplierScanned(OtherScanned):
    """A supplier label and the supplier parts it names (one, unless a damaged label fits several)."""

    label: labels.Label
    parts: tuple[SupplierPart, ...]
    #: the server's plugin answered for another supplier part: said with the outcome
    note: str = ""

    @property
    def name(self) -> str:
        return self.parts[0].part_label if self.parts else "this part"


def label_key(code: str) -> str:
    """The label as the server's link hash sees it: control characters dropped (the wedge form is the same)."""
    return "".join(ch for ch in code if ch.isprintable()).strip()


# -- resolving -----------------------------------------------------------------------------------------
async def resolve(store: Store, code: str) -> Scanned:
    """What ``code`` names: a supplier label becomes ``SupplierScanned`` (unless linked: then what it is linked
    to); anything else is resolved as before (state/scan.py)."""
    label = labels.parse(code)
    if label is None:
        return await scan.resolve(store, code)
    client = store.client

    async def answer() -> BarcodeResult | None:
        try:
            return await client.scan(code)
        except ValidationFailed:
            return None  # no match: no plugin read it, or the plugins are off

    async def lookup() -> list[SupplierPart] | ApiError:
        try:
            if label.damaged:
                found: list[SupplierPart] = []
                for batch in await asyncio.gather(*(client.supplier_parts(search=t) for t in rules.search_terms(code))):
                    found += [p for p in batch if p.pk not in {f.pk for f in found}]
                return found
            if label.sku:
                found = await client.supplier_parts(SKU=label.sku)
                if found or not label.mpn:
                    return found
            return await client.supplier_parts(MPN=label.mpn) if label.mpn else []
        except ApiError as exc:  # a user without the purchasing role may not list supplier parts
            return exc

    async def both() -> tuple[BarcodeResult | None, list[SupplierPart] | ApiError]:
        return await asyncio.gather(answer(), lookup())

    result, found = await store.call(both)
    if result is not None and result.model not in SUPPLIER_MODELS:
        return await scan.interpret(store, code, result)  # a linked label: the item it is linked to
    note = ""
    if result is not None and result.model == "supplierpart":
        server_part = await _server_part(store, result)
        if rules.answer_fits(label, server_part):
            return SupplierScanned(code, "supplierpart", server_part.pk, label, (server_part,))
        plugin = result.plugin.replace("BarcodePlugin", "") or "supplier"
        note = f"(The server's {plugin} plugin read this label as {server_part.label}, which it is not.)"
    if isinstance(found, ApiError):
        raise ScanRefused(f"{rules.describe(label)} could not be looked up: {found}")
    parts = rules.mentioned_parts(code, found) if label.damaged else rules.named_parts(label, found)
    if not parts:
        if label.damaged:
            raise ScanRefused(
                f"{rules.describe(label)}: the server cannot read it, and no supplier part was found in it. "
                "Set the scanner to send control characters, or allocate with a and link the label."
            )
        raise ScanRefused(" ".join(x for x in (rules.not_named(label, found), note) if x))
    return SupplierScanned(code, "supplierpart", parts[0].pk, label, tuple(parts), note)


async def _server_part(store: Store, result: BarcodeResult) -> SupplierPart:
    """The supplier part of a plugin's answer (its ``instance`` carries the supplier's name; re-read if not)."""
    instance: dict[str, Any] = {**(result.instance or {}), "pk": result.pk}
    if instance.get("part") is not None and isinstance(instance.get("supplier_detail"), dict):
        return SupplierPart.model_validate(instance)
    return await store.call(lambda: store.client.get_supplier_part(result.pk))


# -- on a build ----------------------------------------------------------------------------------------
@dataclass(frozen=True)
class LabelPlan:
    """What a supplier label allocates: ``quantity`` of ``item`` to ``line`` (for ``output`` on a tracked line)."""

    part: SupplierPart
    line: BuildLine
    item: StockItem
    quantity: Decimal
    output: int | None
    note: str = ""

    def row(self) -> dict[str, Any]:
        return {
            "build_line": self.line.pk,
            "stock_item": self.item.pk,
            "quantity": self.quantity,
            "output": self.output,
        }

    @property
    def target(self) -> str:
        return self.line.part_label + (f" for output {self.output}" if self.output else "")

    def message(self) -> str:
        to = "its line" if self.line.part == self.part.part else f"the {self.line.part_label} line"
        said = (
            f"Allocated {qty(self.quantity)} × {self.part.part_label} ({self.item.label}, {self.part.label}) "
            f"to {to}{f' for output {self.output}' if self.output else ''}."
        )
        rest = self.line.still_needed - self.quantity
        if rest > 0 and not self.line.trackable:
            said += f" The line still needs {qty(rest)}."
        return f"{said} {self.note}".strip()


def _item_option(item: StockItem, store: Store) -> str:
    where = store.location_name(item.location) if item.location else "no location"
    return f"{item.label}: {qty(item.free)} free, {where}"


async def plan(
    store: Store,
    model: BuildDetailModel,
    scanned: SupplierScanned,
    *,
    today: dt.date,
    ask: Ask,
    output_for: Callable[[], Awaitable[int]],
) -> LabelPlan:
    """Which line, item and quantity the label allocates; ``ScanRefused`` with the reason when none."""
    assert model.build is not None
    reference = model.build.reference
    on_bom: list[tuple[SupplierPart, list[BuildLine]]] = []
    for part in scanned.parts:
        found = await scan.lines_for_part(store, model.lines, part.part)
        if found:
            on_bom.append((part, found))
    if not on_bom:
        first = scanned.parts[0]
        raise ScanRefused(f"Wrong part: {first.part_label} ({first.label}) is not on the BOM of {reference}.")
    stock = await _stock_of(store, [p for p, _ in on_bom])
    label = scanned.label
    lot = label.lot
    if label.damaged:
        lot = rules.lot_in(scanned.code, [i.batch or "" for items in stock.values() for i in items])
    if len(on_bom) > 1 and lot:
        on_bom = [(p, ln) for p, ln in on_bom if any(i.batch == lot for i in stock[p.pk])] or on_bom
    part, lines = on_bom[0]
    if len(on_bom) > 1:
        choice = await ask(
            f"This label fits {len(on_bom)} supplier parts: which one?",
            [f"{p.label} ({p.part_label}, {qty(sum(i.free for i in stock[p.pk]))} free)" for p, _ in on_bom],
        )
        if choice is None:
            raise ScanRefused("Scan not allocated: no supplier part chosen.")
        part, lines = on_bom[choice]
    candidates = scan_rules.candidates(lines)
    line = candidates[0]
    if len(candidates) > 1:
        choice = await ask(
            f"{part.part_label} fits several lines: which one?",
            [f"{ln.part_label} {ln.reference or ''} (needs {qty(ln.still_needed)})" for ln in candidates],
        )
        if choice is None:
            raise ScanRefused("Scan not allocated: no line chosen.")
        line = candidates[choice]
    refused = scan_rules.line_refusal(line)
    if refused:
        raise ScanRefused(refused)
    items = stock[part.pk]
    allow_expired: bool | None = None
    if any(is_expired(i, today) for i in items):  # the server's setting decides, asked only when it matters
        try:
            allow_expired = await store.call(store.client.allow_expired_build)
        except ApiError:
            allow_expired = None
    chosen = rules.choose_stock(items, part.part_label, part.label, lot=lot, today=today, allow_expired=allow_expired)
    if chosen.take:
        item = chosen.take[0]
    elif chosen.others:
        choice = await ask(
            f"{chosen.reason} Allocate {part.label} of another lot?", [_item_option(i, store) for i in chosen.others]
        )
        if choice is None:
            raise ScanRefused(f"Scan not allocated: {chosen.reason}")
        item = chosen.others[choice]
    else:
        raise ScanRefused(chosen.reason)
    quantity = scan_rules.quantity(line, item, model.build.quantity)
    output = await output_for() if line.trackable else None
    return LabelPlan(part, line, item, Decimal(quantity), output, scanned.note)


async def _stock_of(store: Store, parts: Sequence[SupplierPart]) -> dict[int, list[StockItem]]:
    """In-stock items received as each supplier part: one request each, all in one round trip."""
    client = store.client

    async def every() -> list[list[StockItem]]:
        return await asyncio.gather(*(client.find_stock(supplier_part=p.pk, in_stock="true") for p in parts))

    found = await store.call(every)
    return {p.pk: items for p, items in zip(parts, found, strict=True)}


# -- linking -------------------------------------------------------------------------------------------
def link_offer(store: Store, scanned: SupplierScanned, item: StockItem) -> str | None:
    """The question offering to link the label to ``item``; None when not to ask: asked once per label and
    session, and only of someone who may change stock."""
    key = label_key(scanned.code)
    if key in store.labels_offered or not store.can("change", "stock"):
        return None
    store.labels_offered.add(key)
    where = f" at {store.location_name(item.location)}" if item.location else ""
    question = (
        f"Link this {scanned.parts[0].label} label to stock item {item.pk} ({item.label}{where}), so that the "
        "next scan of it finds that item directly? Only if the label is on that item."
    )
    if item.barcode_hash:
        question += " That item carries another label now: linking replaces it."
    return question


def link_write(store: Store, code: str, item: StockItem) -> Write[None]:
    """``POST /api/barcode/link/``; after a lost answer, a scan of the label tells whether it took."""
    client = store.client

    async def took() -> bool | None:
        try:
            found = await client.scan(code)
        except ValidationFailed:
            return False
        return found.model == "stockitem" and found.pk == item.pk

    return Write(
        "link the label to the stock item",
        lambda: client.link_barcode(code, stockitem=item.pk),
        lambda _: f"Linked: the next scan of this label finds stock item {item.pk} ({item.label}) directly.",
        took,
        kind="link_label",
    )
