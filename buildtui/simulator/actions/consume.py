"""Carrying allocations out: splitting stock, consuming it into the build, and consume/ (§3.6)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from .. import rules
from ..db import Database, Row
from ..rules import EPS, ApiError, D, echo_decimal, non_field
from .common import list_field, now, raise_errors


def split_stock(db: Database, stock: Row, quantity: Decimal, **changes: Any) -> int:
    """Split ``quantity`` off a stock item into a child item with ``changes``; returns the item that moved."""
    if quantity >= D(stock["quantity"]) - EPS:
        db.update("stock", stock["id"], updated=now(), **changes)
        return int(stock["id"])
    db.update("stock", stock["id"], quantity=float(D(stock["quantity"]) - quantity), updated=now())
    base = {k: v for k, v in stock.items() if k not in ("id",)}
    base.update(
        quantity=float(quantity), parent=stock["id"], barcode_hash="", barcode_data="", so_allocated=0, updated=now()
    )
    base.update(changes)
    return db.insert("stock", **base)


def consume_build_item(
    db: Database, build: Row, item: Row, quantity: Decimal | None = None, install_into: int | None = None
) -> None:
    """Carry out an allocation: split off and consume (or install) the stock (§3.6 consume/complete)."""
    stock = db.get("stock", item["stock_item"])
    assert stock is not None
    q = D(item["quantity"]) if quantity is None else quantity
    q = min(q, D(stock["quantity"]))
    changes: dict[str, Any] = {"consumed_by": build["id"], "location": None}
    if install_into is not None:
        changes["belongs_to"] = install_into
    if q > 0:
        split_stock(db, stock, q, **changes)
        db.conn.execute("UPDATE build_line SET consumed = consumed + ? WHERE id = ?", (float(q), item["build_line"]))
    remaining = D(item["quantity"]) - q
    if remaining <= EPS or quantity is None:
        db.conn.execute("DELETE FROM build_item WHERE id = ?", (item["id"],))
    else:
        db.conn.execute("UPDATE build_item SET quantity = ? WHERE id = ?", (float(remaining), item["id"]))


def _build_items(db: Database, build_id: int, where: str = "", params: tuple[Any, ...] = ()) -> list[Row]:
    return db.all(
        "SELECT bi.* FROM build_item bi JOIN build_line bl ON bl.id = bi.build_line WHERE bl.build = ?"
        f" {where} ORDER BY bi.id",
        (build_id, *params),
    )


def complete_allocations(db: Database, build: Row) -> None:
    """finish/ step 3: consume every untracked allocation, then delete all that remain (§3.6)."""
    for item in _build_items(db, build["id"], "AND bi.install_into IS NULL"):
        consume_build_item(db, build, item)
    db.conn.execute(
        "DELETE FROM build_item WHERE build_line IN (SELECT id FROM build_line WHERE build = ?)", (build["id"],)
    )


def consume(db: Database, build: Row, data: dict[str, Any]) -> dict[str, Any]:
    errors: dict[str, Any] = {}
    items = list_field(data, "items", errors, required=False) or []
    lines = list_field(data, "lines", errors, required=False) or []
    raise_errors(errors)
    if not items and not lines:
        raise non_field("At least one item or line must be provided")
    parsed_items: list[tuple[Row, Decimal]] = []
    item_errors: list[dict[str, Any]] = []
    for raw in items:
        e: dict[str, Any] = {}
        raw = raw if isinstance(raw, dict) else {}
        bi = rules.parse_pk(db, raw, "build_item", "build_item", e)
        q = rules.parse_decimal(raw, "quantity", e)
        if q is not None and q == 0 and "quantity" not in e:
            e["quantity"] = ["Quantity must be greater than zero"]
        if bi is not None and q is not None and not e and q > D(bi["quantity"]) + EPS:
            e["quantity"] = ["Consumed quantity exceeds allocated quantity"]
        if not e and bi is not None and q is not None:
            parsed_items.append((bi, q))
        item_errors.append(e)
    if any(item_errors):
        raise ApiError(400, {"items": item_errors})
    ids = [bi["id"] for bi, _ in parsed_items]
    if len(set(ids)) != len(ids):
        raise ApiError(400, {"items": ["Duplicate build item allocation"]})
    for bi, _ in parsed_items:
        ln = db.get("build_line", bi["build_line"])
        if ln is None or ln["build"] != build["id"]:
            raise ApiError(400, {"items": ["Build item must point to the correct build order"]})
    parsed_lines: list[Row] = []
    line_errors: list[dict[str, Any]] = []
    for raw in lines:
        e = {}
        raw = raw if isinstance(raw, dict) else {}
        ln = rules.parse_pk(db, raw, "build_line", "build_line", e)
        if ln is not None:
            parsed_lines.append(ln)
        line_errors.append(e)
    if any(line_errors):
        raise ApiError(400, {"lines": line_errors})
    line_ids = [ln["id"] for ln in parsed_lines]
    if len(set(line_ids)) != len(line_ids):
        raise ApiError(400, {"lines": ["Duplicate build line allocation"]})
    if any(ln["build"] != build["id"] for ln in parsed_lines):
        raise ApiError(400, {"lines": ["Build line must point to the correct build order"]})
    for bi, q in parsed_items:
        if bi["install_into"] is not None:
            continue  # tracked allocations are skipped silently
        current = db.get("build_item", bi["id"])
        if current is not None:
            consume_build_item(db, build, current, q)
    for ln in parsed_lines:
        for bi in db.all(
            "SELECT * FROM build_item WHERE build_line = ? AND install_into IS NULL ORDER BY id", (ln["id"],)
        ):
            consume_build_item(db, build, bi)
    # the 201 echo (API 425); later versions answer with a TaskDetail (build_actions.py)
    return {
        "items": [{"build_item": bi["id"], "quantity": echo_decimal(q)} for bi, q in parsed_items],
        "lines": [{"build_line": ln["id"]} for ln in parsed_lines],
        "notes": str(data.get("notes") or ""),
    }
