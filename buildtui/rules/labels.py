"""Supplier labels read by the client itself: Digi-Key and Mouser ECIA DataMatrix, LCSC and TME QR codes.

InvenTree's supplier plugins read these only when they are switched on (they are off by default), and only
when the label's control characters survived the scanner (docs/inventree-scanning-semantics.md §2). The
client reads the same fields the plugins read (SKU, MPN, quantity, lot, order numbers) so that a label still
leads to the right BOM line when the server cannot read it, and so that the server's answer can be checked
against the label (a Mouser label carries no SKU, and the Digi-Key plugin, first in line, claims it by MPN).
No Textual, no I/O.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

RS, GS, EOT = "\x1e", "\x1d", "\x04"
ECIA_HEADER = "[)>" + RS + "06" + GS
OLD_MOUSER_HEADER = ">[)>06" + GS

#: ECIA / ANSI MH10.8.2 data identifiers the plugins read, longest first where one is a prefix of another (§2.2)
_ECIA_FIELDS: list[tuple[str, str]] = [
    ("11K", "packing_list"),
    ("14K", "po_line"),
    ("10D", "date_code"),
    ("30P", "sku"),
    ("1K", "supplier_order"),
    ("4K", "po_line"),
    ("6D", "ship_date"),
    ("9D", "date_code"),
    ("1P", "mpn"),
    ("1T", "lot"),
    ("4L", "country"),
    ("1V", "manufacturer"),
    ("K", "customer_order"),
    ("P", "sku"),
    ("Q", "quantity"),
]
_IGNORED = re.compile(r"^(10K|11Z|12Z|13Z|20Z|\d*Z)")
_LCSC = re.compile(r"^\{((?:[^:,]+:[^:,]*,)*(?:[^:,]+:[^:,]*))\}$")
_TME_QR = re.compile(r"([^\s:]+:[^\s:]+\s+)+(\S+(\s|$)+)+")


@dataclass(frozen=True)
class Label:
    """What a supplier label says. ``kind`` is "ecia", "lcsc" or "tme"; ``supplier`` the supplier the format
    names ("" for ECIA, which Digi-Key and Mouser share: ``looks_like`` tells them apart)."""

    kind: str
    sku: str = ""
    mpn: str = ""
    quantity: Decimal | None = None
    lot: str = ""
    customer_order: str = ""
    supplier_order: str = ""
    supplier: str = ""
    #: the label lost its control characters on the way (a wedge that drops them): fields run together
    damaged: bool = False

    @property
    def looks_like(self) -> str:
        """The supplier this label most likely comes from: Digi-Key labels carry a SKU (P or 30P), Mouser
        labels only an MPN (1P) and the customer's order (K)."""
        if self.supplier:
            return self.supplier
        if self.kind == "ecia":
            return "DigiKey" if self.sku else "Mouser"
        return ""


def is_ecia(code: str) -> bool:
    return code.startswith(("[)>", OLD_MOUSER_HEADER, ">[)>"))


def parse(code: str) -> Label | None:
    """The fields of a supplier label, or None when ``code`` is no supplier label (an InvenTree label, a
    linked text, a build reference…)."""
    text = code.strip(" \t\r\n")
    if text.startswith(OLD_MOUSER_HEADER):
        text = ECIA_HEADER + text[len(OLD_MOUSER_HEADER) :]
    if text.startswith(ECIA_HEADER):
        return _ecia(text[len(ECIA_HEADER) :])
    if text.startswith("[)>06"):  # the header without its RS and GS: a wedge dropped the control characters
        return Label(kind="ecia", damaged=True)
    if _LCSC.match(text) and re.search(r"[{,](pc|pm):", text):  # an InvenTree JSON label matches the pattern too
        return _lcsc(text)
    if _TME_QR.fullmatch(text + " ") and any(t.startswith(("PN:", "MPN:")) for t in text.split()):
        return _tme(text)
    return None


def _ecia(body: str) -> Label:
    if body.endswith(RS + EOT):
        body = body[:-2]
    body = body.rstrip(RS + EOT)
    fields: dict[str, str] = {}
    for chunk in body.split(GS):
        if not chunk or _IGNORED.match(chunk):
            continue
        for ident, name in _ECIA_FIELDS:
            if chunk.startswith(ident):
                fields[name] = chunk[len(ident) :]
                break
    supplier_order = fields.get("supplier_order", "")
    return Label(
        kind="ecia",
        sku=fields.get("sku", ""),
        mpn=fields.get("mpn", ""),
        quantity=_number(fields.get("quantity", "")),
        lot=fields.get("lot", ""),
        customer_order=fields.get("customer_order", ""),
        supplier_order=supplier_order,
    )


def _lcsc(text: str) -> Label:
    pairs = dict(p.split(":", 1) for p in text[1:-1].split(","))
    return Label(
        kind="lcsc",
        sku=pairs.get("pc", ""),
        mpn=pairs.get("pm", ""),
        quantity=_number(pairs.get("qty", "")),
        supplier_order=pairs.get("on", ""),
        supplier="LCSC",
    )


def _tme(text: str) -> Label:
    pairs = dict(t.split(":", 1) for t in text.split(" ") if ":" in t and not t.startswith("http"))
    return Label(
        kind="tme",
        sku=pairs.get("PN", ""),
        mpn=pairs.get("MPN", ""),
        quantity=_number(pairs.get("QTY", "")),
        customer_order=pairs.get("CPO", ""),
        supplier_order=pairs.get("PO", "").split("/")[0],
        supplier="TME",
    )


def _number(text: str) -> Decimal | None:
    try:
        value = Decimal(text)
    except (InvalidOperation, ValueError):
        return None
    return value if value.is_finite() and value > 0 else None


def mentions(code: str, value: str, identifiers: tuple[str, ...]) -> bool:
    """Does a label that lost its control characters carry ``value`` right after one of ``identifiers``?
    (``[)>06P296-LM358BIDDFRCT-ND1PLM358…`` mentions the SKU "296-LM358BIDDFRCT-ND" after "P"). Fields
    run together, so the label alone cannot be split; a known SKU, MPN or lot can still be found in it."""
    return bool(value) and any(f"{ident}{value}" in code for ident in identifiers)


def supplier_matches(label: Label, supplier_name: str) -> bool:
    """Is ``supplier_name`` (the server's answer) the supplier the label comes from? A name that merely
    contains the label's supplier counts ("Mouser Electronics" for Mouser, "Digi-Key" for DigiKey)."""
    expected = label.looks_like.replace("-", "").replace(" ", "").lower()
    got = supplier_name.replace("-", "").replace(" ", "").lower()
    return not expected or expected in got
