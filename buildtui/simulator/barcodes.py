"""What InvenTree's own barcode plugin (``InvenTreeBarcode``) reads: short codes, JSON and linked labels (§5)."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from . import serializers as ser
from .db import Database, Row

SHORT_CODES = {
    "SI": ("stockitem", "stock"),
    "SL": ("stocklocation", "location"),
    "PA": ("part", "part"),
    "BO": ("build", "build"),
}
JSON_MODELS = {"stockitem": "stock", "stocklocation": "location", "part": "part", "build": "build"}
WEB_URL = {
    "stockitem": "/web/stock/item/{}",
    "stocklocation": "/web/stock/location/{}",
    "part": "/web/part/{}",
    "build": "/web/manufacturing/build-order/{}",
}
API_URL = {
    "stockitem": "/api/stock/{}/",
    "stocklocation": "/api/stock/location/{}/",
    "part": "/api/part/{}/",
    "build": "/api/build/{}/",
}


def barcode_hash(data: str) -> str:
    clean = "".join(ch for ch in data if ch.isprintable()).strip()
    return hashlib.md5(clean.encode("utf-8")).hexdigest()


def instance(db: Database, model: str, row: Row) -> dict[str, Any] | None:
    """The matched object as the scan answer's ``instance`` shows it."""
    if model == "stockitem":
        return ser.stock_row(db, row, part_detail=True, location_detail=True)
    if model == "stocklocation":
        return ser.location_row(row, db)
    if model == "part":
        return ser.part_brief(row)
    return ser.build_row(db, row, detail=True)


def resolve(db: Database, data: str) -> tuple[str, Row] | None:
    """The (model, row) a scanned text names, or None."""
    prefix = db.setting("SHORT_BARCODE_PREFIX", "INV-")
    text = data.strip()
    if text.startswith(prefix) and len(text) > len(prefix) + 2:
        code, rest = text[len(prefix) : len(prefix) + 2], text[len(prefix) + 2 :]
        if code in SHORT_CODES and rest.isdigit():
            model, table = SHORT_CODES[code]
            row = db.get(table, int(rest))
            return (model, row) if row else None
    try:
        parsed = json.loads(text)
    except (ValueError, RecursionError):
        parsed = None
    if isinstance(parsed, dict):
        for model, table in JSON_MODELS.items():
            if model in parsed:
                try:
                    pk = int(parsed[model])
                except (TypeError, ValueError):
                    return None
                row = db.get(table, pk)
                return (model, row) if row else None
    h = barcode_hash(data)
    for model, table in JSON_MODELS.items():
        row = db.one(f"SELECT * FROM {table} WHERE barcode_hash = ?", (h,))
        if row:
            return model, row
    return None
