"""From a supplier label to the stock it allocates: whose supplier part it is, and which item to take.

- **Whose label.** The server's supplier plugins may answer for another supplier's label: a Mouser label carries
  no SKU, and the Digi-Key plugin, asked first, claims it for Digi-Key's supplier part of the same MPN (scanning
  doc §2.5). An answer fits the label only when it has the label's SKU, or (no SKU on the label) the label's
  supplier and MPN. The client's own lookup (by SKU, else by MPN) is narrowed the same way.
- **A label that lost its control characters** (a wedge that drops them) cannot be split into fields; a known
  SKU, MPN or lot can still be found in it (``labels.mentions``), and a few search terms taken after its ``1P``
  identifiers find the candidates.
- **Which item.** Only stock that may be allocated (in stock, something free, not expired unless the server
  allows it, as for any scan: ``rules.scan.item_refusal``). The label's lot first; then the oldest (first to
  expire, then the lowest pk: ``allocation.fifo``). When the label names a lot that has nothing to allocate,
  the operator chooses among the other lots (traceability is not switched silently).

No Textual, no I/O.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from ..api.models import StockItem
from ..api.supplier_models import SupplierPart
from .allocation import fifo
from .labels import Label, mentions, supplier_matches
from .scan import item_refusal

#: how many characters of a damaged label, after an MPN identifier, to search for (MPNs are rarely shorter)
TERM_LENGTH = 5


# -- whose supplier part ----------------------------------------------------------------------------
def _same_mpn(a: str | None, b: str) -> bool:
    return bool(a) and bool(b) and (a or "").lower() == b.lower()


def answer_fits(label: Label, part: SupplierPart) -> bool:
    """Is the server's supplier part the one ``label`` names? Its SKU when the label has one; otherwise the
    label's supplier, and its MPN when the label has one."""
    if label.damaged:
        return True  # nothing to check against (and no plugin reads such a label)
    if label.sku:
        return part.SKU == label.sku
    return supplier_matches(label, part.supplier_name) and (not label.mpn or _same_mpn(part.MPN, label.mpn))


def named_parts(label: Label, found: Sequence[SupplierPart]) -> list[SupplierPart]:
    """Of the supplier parts a lookup by SKU or MPN found, those ``label`` names: its exact SKU (of its
    supplier, when several suppliers use that SKU); else its MPN from its supplier."""
    if label.sku:
        exact = [p for p in found if p.SKU == label.sku]
        if len(exact) > 1:
            exact = [p for p in exact if supplier_matches(label, p.supplier_name)] or exact
        if exact:
            return exact
    if not label.mpn:
        return []
    return [p for p in found if _same_mpn(p.MPN, label.mpn) and supplier_matches(label, p.supplier_name)]


def not_named(label: Label, found: Sequence[SupplierPart]) -> str:
    """Why no supplier part fits ``label``, in an operator's words."""
    what = describe(label)
    keys = ", ".join(x for x in (f"SKU {label.sku}" if label.sku else "", f"MPN {label.mpn}" if label.mpn else "") if x)
    others = [p for p in found if label.mpn and _same_mpn(p.MPN, label.mpn)]
    if others and label.looks_like:
        listed = ", ".join(p.label for p in others[:3])
        return (
            f"{what} ({keys}): the server has no {label.looks_like} supplier part for it (only {listed}). "
            "Scan the stock item's own label, or allocate with a."
        )
    return f"{what} ({keys or 'no SKU or MPN on it'}): no supplier part on the server has it."


def describe(label: Label) -> str:
    """``This Mouser label``, ``This LCSC label``, ``This label (its control characters were lost)``."""
    if label.damaged:
        return "This label (its control characters were lost on the way)"
    return f"This {label.looks_like or 'supplier'} label"


# -- a label without its control characters --------------------------------------------------------------
def search_terms(code: str) -> list[str]:
    """What to search the supplier parts for, from a label whose fields ran together: the first characters
    after each ``1P`` (MPN) identifier, and after a leading ``P`` or ``30P`` (SKU, as Digi-Key puts first)."""
    body = re.sub(r"^\[\)>0?6?", "", code.strip())
    starts = [m.end() for m in re.finditer("1P", body)]
    for ident in ("30P", "P"):
        if body.startswith(ident):
            starts.insert(0, len(ident))
            break
    terms: list[str] = []
    for start in starts:
        term = body[start : start + TERM_LENGTH]
        if len(term) == TERM_LENGTH and term not in terms:
            terms.append(term)
    return terms[:3]


def _sku_mentioned(code: str, sku: str) -> bool:
    """``P<sku>`` or ``30P<sku>`` in the text, not merely as the tail of ``1P<mpn>`` (TME's SKU is its MPN)."""
    if not sku:
        return False
    if f"30P{sku}" in code:
        return True
    return any(code[i - 1 : i] != "1" for i in _find_all(code, f"P{sku}"))


def _find_all(text: str, needle: str) -> list[int]:
    return [m.start() for m in re.finditer(re.escape(needle), text)]


def mentioned_parts(code: str, found: Sequence[SupplierPart]) -> list[SupplierPart]:
    """Of ``found``, those a damaged label names: by SKU when any SKU is in it, else by MPN."""
    by_sku = [p for p in found if _sku_mentioned(code, p.SKU)]
    if by_sku:
        return by_sku
    return [p for p in found if mentions(code, p.MPN or "", ("1P",))]


def lot_in(code: str, batches: Sequence[str]) -> str:
    """The batch (of ``batches``) a damaged label names after its ``1T`` identifier; the longest if several."""
    named = [b for b in batches if b and mentions(code, b, ("1T",))]
    return max(named, key=len) if named else ""


# -- which item ----------------------------------------------------------------------------------------
@dataclass(frozen=True)
class StockChoice:
    """``take``: the items to allocate from, best first. Empty: ``others`` (the operator chooses: the label's
    lot has nothing to allocate) or, when that is empty too, ``reason``."""

    take: list[StockItem] = field(default_factory=list)
    others: list[StockItem] = field(default_factory=list)
    reason: str = ""


def choose_stock(
    items: Sequence[StockItem], name: str, source: str, *, lot: str, today: dt.date, allow_expired: bool | None
) -> StockChoice:
    """The label's lot first, oldest first; never stock that cannot be allocated (``item_refusal``). ``name``
    is the part's label, ``source`` the supplier part's ("DigiKey ATMEGA328P-AU-ND"), for the reasons."""
    refusals = {i.pk: item_refusal(i, name, today=today, allow_expired=allow_expired) for i in items}
    usable = fifo([i for i in items if refusals[i.pk] is None], today)
    if lot:
        of_lot = [i for i in usable if i.batch == lot]
        if of_lot:
            return StockChoice(take=of_lot)
        why = [r for i in items if i.batch == lot and (r := refusals[i.pk])]
        reason = why[0] if why else f"No {name} of lot {lot} is in stock."
        return StockChoice(others=usable, reason=reason)
    if usable:
        return StockChoice(take=usable)
    if not items:
        return StockChoice(reason=f"No {name} received as {source} is in stock.")
    shown = [r for i in items if (r := refusals[i.pk])][:2]
    more = f" (and {len(items) - 2} more)" if len(items) > 2 else ""
    return StockChoice(reason=f"No {name} received as {source} can be allocated: {' '.join(shown)}{more}")
