"""``POST /api/stock/transfer/``: moving stock, whole or split (scanning doc §5).

Faithful to API 425: a quantity at or above the item's moves the whole item (no error when larger); a smaller
one splits it, the new item (parent = the original, same batch, supplier part, expiry and barcode) going to the
destination while the original keeps its pk, its place and every allocation (a build allocation can end up
larger than what is left); a serialized item asked to move part of itself does nothing; duplicates are moved
twice; status, quantity and in-production state are not checked; the answer is a 201 echo.
"""

from __future__ import annotations

from decimal import Decimal, DecimalException
from typing import Any

from .. import rules
from ..db import Database, Row
from ..rules import EPS, ApiError, D, echo_decimal, non_field
from .common import now

MAX_DIGITS, DECIMAL_PLACES = 15, 5


def _decimal(raw: Any, errors: dict[str, Any]) -> Decimal | None:
    """DRF's DecimalField(max_digits=15, decimal_places=5, min_value=0), then "greater than zero"."""
    if raw is None:
        errors["quantity"] = ["This field may not be null."]
        return None
    try:
        value = Decimal(str(raw).strip())
    except (DecimalException, ValueError):
        value = None
    if value is None or isinstance(raw, bool) or not value.is_finite():
        errors["quantity"] = ["A valid number is required."]
        return None
    _, digits, exponent = value.as_tuple()
    assert isinstance(exponent, int)
    if exponent >= 0:
        total, places = len(digits) + exponent, 0
    elif len(digits) > -exponent:
        total, places = len(digits), -exponent
    else:
        total = places = -exponent
    if total > MAX_DIGITS:
        errors["quantity"] = [f"Ensure that there are no more than {MAX_DIGITS} digits in total."]
    elif places > DECIMAL_PLACES:
        errors["quantity"] = [f"Ensure that there are no more than {DECIMAL_PLACES} decimal places."]
    elif total - places > MAX_DIGITS - DECIMAL_PLACES:
        errors["quantity"] = [
            f"Ensure that there are no more than {MAX_DIGITS - DECIMAL_PLACES} digits before the decimal point."
        ]
    elif value < 0:
        errors["quantity"] = ["Ensure this value is greater than or equal to 0."]
    elif value == 0:
        errors["quantity"] = ["Quantity must be greater than zero"]
    else:
        return value
    return None


def loosely_in_stock(stock: Row) -> bool:
    """What transfer/ checks: not sold, installed, sent to a customer or consumed (status and quantity are not)."""
    return (
        stock["sales_order"] is None
        and stock["belongs_to"] is None
        and stock["customer"] is None
        and stock["consumed_by"] is None
    )


def _item(db: Database, raw: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    """One element of ``items``: (its echo, its errors)."""
    if not isinstance(raw, dict):
        return {}, {"non_field_errors": [f"Invalid data. Expected a dictionary, but got {type(raw).__name__}."]}
    errors: dict[str, Any] = {}
    stock = rules.parse_pk(db, raw, "pk", "stock", errors)
    if stock is not None and not loosely_in_stock(stock) and not _out_of_stock_allowed(db):
        errors["pk"] = ["Stock item is not in stock"]
    quantity = None
    if "quantity" not in raw:
        errors["quantity"] = ["This field is required."]
    else:
        quantity = _decimal(raw["quantity"], errors)
    echo: dict[str, Any] = {"pk": stock["id"] if stock else None}
    echo["quantity"] = echo_decimal(quantity) if quantity is not None else None
    if "batch" in raw:
        batch = "" if raw["batch"] is None else str(raw["batch"])
        if len(batch) > 100:
            errors["batch"] = ["Ensure this field has no more than 100 characters."]
        echo["batch"] = batch
    status = raw.get("status")
    if status is not None:
        try:
            status = int(status)
        except (TypeError, ValueError):
            status = None
        if status not in rules.STOCK_STATUS:
            errors["status"] = [f'"{raw.get("status")}" is not a valid choice.']
    echo["status"] = status
    if "packaging" in raw:
        echo["packaging"] = "" if raw["packaging"] is None else str(raw["packaging"])
    return echo, errors


def _out_of_stock_allowed(db: Database) -> bool:
    return db.setting("STOCK_ALLOW_OUT_OF_STOCK_TRANSFER", "False").strip().lower() in rules.TRUE_WORDS


def move(db: Database, stock: Row, quantity: Decimal, location: int, changes: dict[str, Any]) -> int | None:
    """``StockItem.move``: the pk of the item now at ``location`` (a new one when split), or None (nothing done)."""
    have = D(stock["quantity"])
    if quantity >= have - EPS:
        db.update("stock", stock["id"], location=location, updated=now(), **changes)
        return int(stock["id"])
    if stock["serial"]:
        return None  # a serialized item cannot be split: 201, and nothing happens
    db.update("stock", stock["id"], quantity=float(have - quantity), updated=now())
    child = {k: v for k, v in stock.items() if k != "id"}
    child.update(quantity=float(quantity), parent=stock["id"], location=location, so_allocated=0, updated=now())
    child.update(changes)
    return db.insert("stock", **child)


def transfer(db: Database, data: dict[str, Any]) -> dict[str, Any]:
    """Validate the whole request (every element's errors together), then move the items in order."""
    errors: dict[str, Any] = {}
    echoes: list[dict[str, Any]] = []
    if "items" not in data:
        errors["items"] = ["This field is required."]
    elif data["items"] is None:
        errors["items"] = ["This field may not be null."]
    elif not isinstance(data["items"], list):
        errors["items"] = {
            "non_field_errors": [f'Expected a list of items but got type "{type(data["items"]).__name__}".']
        }
    else:
        item_errors = []
        for raw in data["items"]:
            echo, e = _item(db, raw)
            echoes.append(echo)
            item_errors.append(e)
        if any(item_errors):
            errors["items"] = item_errors
    location = rules.parse_pk(db, data, "location", "location", errors, where="AND structural = 0")
    notes = data.get("notes")
    if errors:
        raise ApiError(400, errors)
    if not echoes:
        raise non_field("A list of stock items must be provided")
    assert location is not None
    for echo in echoes:
        stock = db.get("stock", echo["pk"])
        assert stock is not None
        changes: dict[str, Any] = {k: echo[k] for k in ("batch", "packaging") if k in echo}
        if echo["status"] is not None:
            changes["status"] = echo["status"]
        move(db, stock, D(echo["quantity"]), int(location["id"]), changes)
    answer: dict[str, Any] = {"items": echoes}
    if "notes" in data:
        answer["notes"] = "" if notes is None else str(notes)
    answer["location"] = location["id"]
    return answer
