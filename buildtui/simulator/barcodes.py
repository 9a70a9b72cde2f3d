"""Resolving a scanned text as ``POST /api/barcode/`` does (scanning doc §1): InvenTree's own plugin first
(short code, JSON, then the hash of a linked label), then the active supplier plugins in registry order.

The ten barcode models, in InvenTree's fixed order, are ``MODELS``; the simulator stores rows for seven of them
(sales orders, their shipments and return orders never match).
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from . import company, suppliers
from . import serializers as ser
from .db import Database, Row
from .suppliers import PluginFailed

INVENTREE_PLUGIN = "InvenTreeBarcode"
FOUND = "Found matching item"


@dataclass(frozen=True)
class BarcodeModel:
    label: str  # the key in bodies and answers
    code: str  # the short format's two letters
    table: str | None  # None: the simulator has no such objects
    api_url: str
    web_url: str | None
    cls: str  # how InvenTree names the class in a permission refusal
    rulesets: tuple[str, ...]  # the roles whose "change" right covers the model


MODELS: list[BarcodeModel] = [
    BarcodeModel("build", "BO", "build", "/api/build/{}/", "/web/manufacturing/build-order/{}",
                 "build.models.Build", ("build",)),
    BarcodeModel("supplierpart", "SP", "supplier_part", "/api/company/part/{}/", "/web/purchasing/supplier-part/{}",
                 "company.models.SupplierPart", ("part", "purchase_order")),
    BarcodeModel("manufacturerpart", "MP", "manufacturer_part", "/api/company/part/manufacturer/{}/", None,
                 "company.models.ManufacturerPart", ("part", "purchase_order")),
    BarcodeModel("purchaseorder", "PO", "purchase_order", "/api/order/po/{}/", "/web/purchasing/purchase-order/{}",
                 "order.models.PurchaseOrder", ("purchase_order",)),
    BarcodeModel("salesorder", "SO", None, "/api/order/so/{}/", "/web/sales/sales-order/{}",
                 "order.models.SalesOrder", ("sales_order",)),
    BarcodeModel("salesordershipment", "SS", None, "/api/order/so/shipment/{}/", None,
                 "order.models.SalesOrderShipment", ("sales_order",)),
    BarcodeModel("returnorder", "RO", None, "/api/order/ro/{}/", "/web/sales/return-order/{}",
                 "order.models.ReturnOrder", ("return_order",)),
    BarcodeModel("part", "PA", "part", "/api/part/{}/", "/web/part/{}", "part.models.Part", ("part", "build")),
    BarcodeModel("stockitem", "SI", "stock", "/api/stock/{}/", "/web/stock/item/{}", "stock.models.StockItem",
                 ("stock", "build")),
    BarcodeModel("stocklocation", "SL", "location", "/api/stock/location/{}/", "/web/stock/location/{}",
                 "stock.models.StockLocation", ("stock_location", "build")),
]  # fmt: skip
BY_LABEL = {m.label: m for m in MODELS}
BY_CODE = {m.code: m for m in MODELS}
LABELS = [m.label for m in MODELS]

_UNPRINTABLE = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e]")


def barcode_hash(data: str) -> str:
    """``hash_barcode``: md5 of the stripped text without its control characters (so a label whose GS/RS/EOT
    were dropped hashes as the original)."""
    clean = _UNPRINTABLE.sub("", str(data).strip()).replace("\n", "")
    return hashlib.md5(clean.encode("utf-8")).hexdigest()


def get_row(db: Database, model: BarcodeModel, pk: Any) -> Row | None:
    return db.get(model.table, pk) if model.table else None


def instance(db: Database, model: BarcodeModel, row: Row) -> dict[str, Any] | None:
    """The matched object as the answer's ``instance`` shows it: the detail serializer with its own defaults."""
    if model.label == "stockitem":
        return ser.stock_row(db, row, part_detail=True, location_detail=True)
    if model.label == "stocklocation":
        return ser.location_row(row, db)
    if model.label == "part":
        return ser.part_brief(row)
    if model.label == "supplierpart":
        return company.supplier_part_row(db, row, part_detail=True, manufacturer_detail=True, in_stock=False)
    if model.label == "manufacturerpart":
        return company.manufacturer_part_row(db, row, part_detail=True, manufacturer_detail=True)
    if model.label == "purchaseorder":
        return company.purchase_order_row(db, row)
    return ser.build_row(db, row, detail=True)


def matched(db: Database, model: BarcodeModel, row: Row) -> dict[str, Any]:
    """``format_matched_response``: pk, api_url, instance and (when the model has a page) web_url."""
    out: dict[str, Any] = {"pk": row["id"], "api_url": model.api_url.format(row["id"]),
                           "instance": instance(db, model, row)}  # fmt: skip
    if model.web_url:
        out["web_url"] = model.web_url.format(row["id"])
    return out


def inventree_scan(db: Database, text: str) -> dict[str, Any] | None:
    """``InvenTreeBarcode.scan``; raises PluginFailed where the real plugin raises (a JSON value ``int()`` rejects
    with a TypeError, JSON nested too deep)."""
    prefix = db.setting("SHORT_BARCODE_PREFIX", "INV-")
    short = re.match(f"^{re.escape(prefix)}([0-9A-Z $%*+-.\\/:]{{2}})(\\d+)$", text)
    if short:
        model = BY_CODE.get(short.group(1))
        if model is None:
            return None  # an unknown code ends the plugin: no JSON, no hash lookup
        row = get_row(db, model, int(short.group(2)))
        if row is not None:
            return {model.label: matched(db, model, row)}
    try:
        parsed = json.loads(text)
    except ValueError:
        parsed = None
    except RecursionError:
        raise PluginFailed("JSON nested too deep") from None
    if type(parsed) is dict:
        for model in MODELS:
            if model.label in parsed:
                try:
                    pk = int(parsed[model.label])
                except ValueError:
                    continue
                except (TypeError, OverflowError) as exc:
                    raise PluginFailed(str(exc)) from None
                row = get_row(db, model, pk)
                if row is not None:
                    return {model.label: matched(db, model, row), "success": FOUND}
    digest = barcode_hash(text)
    for model in MODELS:
        if model.table:
            row = db.one(f"SELECT * FROM {model.table} WHERE barcode_hash = ? ORDER BY id LIMIT 1", (digest,))
            if row is not None:
                return {model.label: matched(db, model, row), "success": FOUND}
    return None


def scan(db: Database, text: str, active: Iterable[str]) -> tuple[str | None, dict[str, Any]]:
    """(plugin name, its answer) for the first plugin that matches, asking InvenTree's own plugin and then the
    ``active`` supplier plugins in registry order; (None, {}) when none does. A plugin that raises is skipped."""
    keys = set(active)

    def render(label: str, row: Row) -> dict[str, Any]:
        return matched(db, BY_LABEL[label], row)

    try:
        result = inventree_scan(db, text)
    except PluginFailed:
        result = None
    if result:
        return INVENTREE_PLUGIN, result
    for plugin in suppliers.PLUGINS:
        if plugin.key not in keys:
            continue
        try:
            result = suppliers.scan(db, plugin, text, render)
        except PluginFailed:
            continue
        if result:
            return plugin.name, result
    return None, {}


def stringify(value: Any) -> Any:
    """How DRF renders a ValidationError's body: every leaf a string (None -> "None", True -> "True")."""
    if isinstance(value, dict):
        return {k: stringify(v) for k, v in value.items()}
    if isinstance(value, list):
        return [stringify(v) for v in value]
    return value if isinstance(value, str) else str(value)
