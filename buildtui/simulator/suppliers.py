"""The four supplier barcode plugins as InvenTree 425 runs them (scanning doc §2; plugin/base/barcodes/mixins.py).

Each reads its label format into fields, then looks for a purchase order, a supplier part and a manufacturer
part (never a stock item). Quirks kept: first-prefix-wins ECIA identifiers, the exact ``[)>RS06GS`` header (a
label whose control characters were dropped is not read), a SKU-less label narrowed by MPN only when more than
one candidate remains (so the DigiKey plugin, asked first, claims a Mouser label for a part DigiKey also
supplies), the TME plugin that never reads ECIA labels, and a supplier found by name when none is set.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .db import Database, Row

CUSTOMER_ORDER = "customer_order_number"
SUPPLIER_ORDER = "supplier_order_number"
SKU = "supplier_part_number"
MPN = "manufacturer_part_number"
QUANTITY = "quantity"
LOT = "lot_code"

#: ECIA identifiers in the order they are tried; the first prefix that matches a field wins
ECIA_FIELDS: list[tuple[str, str]] = [
    ("K", CUSTOMER_ORDER),
    ("1K", SUPPLIER_ORDER),
    ("11K", "packing_list_number"),
    ("6D", "ship_date"),
    ("9D", "date_code"),
    ("10D", "date_code"),
    ("4K", "purchase_order_line"),
    ("14K", "purchase_order_line"),
    ("P", SKU),
    ("1P", MPN),
    ("30P", SKU),
    ("1T", LOT),
    ("4L", "country_of_origin"),
    ("1V", "manufacturer"),
    ("Q", QUANTITY),
]
HEADER = "[)>\x1e06\x1d"
OLD_MOUSER_HEADER = ">[)>06\x1d"
TRAILER = "\x1e\x04"
LCSC_REGEX = re.compile(r"^{((?:[^:,]+:[^:,]*,)*(?:[^:,]+:[^:,]*))}$")
LCSC_FIELDS = {"pm": MPN, "pc": SKU, "qty": QUANTITY, "on": SUPPLIER_ORDER}
TME_QR_REGEX = re.compile(r"([^\s:]+:[^\s:]+\s+)+(\S+(\s|$)+)+")
TME_OLD_REGEX = re.compile(r"(([^\s]+)(\s+|$))+")
TME_QR_FIELDS = {"PN": SKU, "CPO": CUSTOMER_ORDER, "PO": SUPPLIER_ORDER, "MPN": MPN, "QTY": QUANTITY}


class PluginFailed(Exception):
    """A plugin raised while reading a label: InvenTree logs it and asks the next plugin."""


def parse_ecia(text: str) -> dict[str, str]:
    """ISO/IEC 15434 "Format 06" fields (``parse_ecia_barcode2d``)."""
    if text.startswith(OLD_MOUSER_HEADER):
        text = text.replace(OLD_MOUSER_HEADER, HEADER, 1)
    if not text.startswith(HEADER):
        return {}
    text = text[len(HEADER) :]
    if text.endswith(TRAILER):
        text = text[: -len(TRAILER)]
    fields: dict[str, str] = {}
    for field in text.split("\x1d"):
        for identifier, name in ECIA_FIELDS:
            if field.startswith(identifier):
                fields[name] = field[len(identifier) :]
                break
    return fields


def parse_mouser(text: str) -> dict[str, str]:
    fields = parse_ecia(text)
    if fields.get(CUSTOMER_ORDER) and SUPPLIER_ORDER not in fields:
        fields[SUPPLIER_ORDER] = fields[CUSTOMER_ORDER]
    return fields


def parse_lcsc(text: str) -> dict[str, str]:
    """``{key:value,...}``; only ``pc``, ``pm``, ``qty`` and ``on`` are used."""
    if not LCSC_REGEX.fullmatch(text):
        return {}
    pairs = dict(pair.split(":") for pair in text[1:-1].split(","))
    return {name: pairs[key] for key, name in LCSC_FIELDS.items() if key in pairs}


def parse_tme(text: str) -> dict[str, str]:
    """TME's QR (``KEY:VALUE`` tokens) or its old DataMatrix (space-separated ECIA identifiers, no first-wins)."""
    fields: dict[str, str] = {}
    if TME_QR_REGEX.fullmatch(text):
        for item in text.split(" "):
            if ":" in item:
                parts = item.split(":")
                if len(parts) != 2:
                    raise PluginFailed(f"too many values to unpack in {item!r}")
                key, value = parts
                if key in TME_QR_FIELDS:
                    fields[TME_QR_FIELDS[key]] = value
    elif TME_OLD_REGEX.fullmatch(text):
        for item in text.split(" "):
            for identifier, name in ECIA_FIELDS:
                if item.startswith(identifier):
                    fields[name] = item[len(identifier) :]
    else:
        fields = parse_ecia(text)
    if SUPPLIER_ORDER in fields:
        fields[SUPPLIER_ORDER] = fields[SUPPLIER_ORDER].split("/")[0]
    return fields


@dataclass(frozen=True)
class SupplierPlugin:
    key: str  # what the --supplier-plugins option and Simulator.supplier_plugins name it
    name: str  # the scan answer's "plugin"
    slug: str  # /api/plugins/<slug>/activate/
    supplier_name: str  # DEFAULT_SUPPLIER_NAME: how it finds its supplier when SUPPLIER_ID is not set
    extract: Callable[[str], dict[str, str]]


#: registry order (module names sorted): DigiKey, LCSC, Mouser, TME
PLUGINS: list[SupplierPlugin] = [
    SupplierPlugin("digikey", "DigiKeyBarcodePlugin", "digikeyplugin", "DigiKey", parse_ecia),
    SupplierPlugin("lcsc", "LCSCBarcodePlugin", "lcscplugin", "LCSC", parse_lcsc),
    SupplierPlugin("mouser", "MouserBarcodePlugin", "mouserplugin", "Mouser", parse_mouser),
    SupplierPlugin("tme", "TMEBarcodePlugin", "tmeplugin", "TME", parse_tme),
]
BY_KEY = {p.key: p for p in PLUGINS}
BY_SLUG = {p.slug: p for p in PLUGINS}


def supplier_of(db: Database, plugin: SupplierPlugin) -> Row | None:
    """The plugin's supplier: its SUPPLIER_ID setting, else the one supplier whose name contains the default
    name (then remembered as SUPPLIER_ID); None when zero or several match, and then nothing is filtered by it."""
    key = f"plugin:{plugin.slug}:SUPPLIER_ID"
    chosen = db.setting(key)
    if chosen:
        return db.get("company", chosen)
    needle = plugin.supplier_name.casefold()
    found = [c for c in db.all("SELECT * FROM company WHERE is_supplier = 1") if needle in c["name"].casefold()]
    if len(found) != 1:
        return None
    db.conn.execute(
        "INSERT INTO setting (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
        (key, str(found[0]["id"])),
    )
    return found[0]


def _one(rows: list[Row]) -> Row | None:
    return rows[0] if len(rows) == 1 else None


def find_supplier_part(db: Database, fields: dict[str, str], supplier: Row | None) -> Row | None:
    sku, mpn = fields.get(SKU), fields.get(MPN)
    if not sku and not mpn:
        return None
    rows = db.all("SELECT * FROM supplier_part ORDER BY id")
    if supplier is not None:
        rows = [r for r in rows if r["supplier"] == supplier["id"]]
    if sku:
        rows = [r for r in rows if r["SKU"] == sku]
    if mpn and len(rows) > 1:  # only then is the MPN used
        by_mpn = {r["id"] for r in db.all("SELECT id FROM manufacturer_part WHERE MPN = ?", (mpn,))}
        if by_mpn:
            rows = [r for r in rows if r["manufacturer_part"] in by_mpn]
    return _one(rows)


def find_manufacturer_part(db: Database, fields: dict[str, str], supplier: Row | None) -> Row | None:
    mpn = fields.get(MPN)
    if not mpn:
        return None
    rows = db.all("SELECT * FROM manufacturer_part WHERE MPN = ? ORDER BY id", (mpn,))
    if supplier is not None:
        supplied = {
            r["manufacturer_part"]
            for r in db.all("SELECT manufacturer_part FROM supplier_part WHERE supplier = ?", (supplier["id"],))
        }
        rows = [r for r in rows if r["manufacturer"] == supplier["id"] or r["id"] in supplied]
    return _one(rows)


def find_purchase_order(db: Database, fields: dict[str, str], supplier: Row | None) -> Row | None:
    customer, theirs = fields.get(CUSTOMER_ORDER), fields.get(SUPPLIER_ORDER)
    if customer:
        rows = db.all("SELECT * FROM purchase_order WHERE reference = ?", (customer,))
    elif theirs:
        rows = db.all("SELECT * FROM purchase_order WHERE supplier_reference = ?", (theirs,))
    else:
        return None
    if supplier is not None:
        rows = [r for r in rows if r["supplier"] == supplier["id"]]
    return _one(rows)


def scan(
    db: Database, plugin: SupplierPlugin, text: str, matched: Callable[[str, Row], dict[str, Any]]
) -> dict[str, Any] | None:
    """What ``plugin`` answers for ``text``: one entry per matched model (``matched`` renders it), plus the
    supplier as ``company``; None when nothing matched (the next plugin is asked)."""
    fields = plugin.extract(text.strip())
    supplier = supplier_of(db, plugin)
    found = [
        ("purchaseorder", find_purchase_order(db, fields, supplier)),
        ("supplierpart", find_supplier_part(db, fields, supplier)),
        ("manufacturerpart", find_manufacturer_part(db, fields, supplier)),
    ]
    data: dict[str, Any] = {label: matched(label, row) for label, row in found if row is not None}
    if not data:
        return None
    if supplier is not None:
        data["company"] = {"pk": supplier["id"]}
    data["success"] = "Found matching item"
    return data
