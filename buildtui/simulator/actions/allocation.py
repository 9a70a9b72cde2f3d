"""Allocating stock to a build: the BuildItem model checks, allocate/, unallocate/ and auto-allocate/ (§3.4, §3.6)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from .. import rules
from ..db import Database, Row
from ..rules import EPS, ApiError, D, echo_decimal, non_field, norm
from .common import list_field, raise_errors


def clean_build_item(db: Database, item: Row) -> None:
    stock = db.get("stock", item["stock_item"])
    line = db.get("build_line", item["build_line"])
    assert stock is not None and line is not None
    bom = db.get("bom_item", line["bom_item"])
    assert bom is not None
    part = db.get("part", stock["part"])
    assert part is not None
    if item["install_into"] is not None:
        dup = db.one(
            "SELECT id FROM build_item WHERE build_line = ? AND stock_item = ? AND install_into = ? AND id != ?",
            (item["build_line"], item["stock_item"], item["install_into"], item["id"]),
        )
        if dup:
            raise non_field("The fields build_line, stock_item, install_into must make a unique set.")
    if part["trackable"] and item["install_into"] is None:
        raise non_field("Build item must specify a build output, as master part is marked as trackable")
    q = D(item["quantity"])
    if q > D(stock["quantity"]) + EPS:
        raise ApiError(
            400,
            {
                "quantity": [
                    f"Allocated quantity ({norm(q)}) must not exceed available stock quantity ({norm(stock['quantity'])})"
                ]
            },
        )
    others = rules.build_allocated_for_stock(db, stock["id"], exclude_item=item["id"]) + D(stock["so_allocated"])
    if others + q > D(stock["quantity"]) + EPS:
        raise ApiError(400, {"quantity": ["Stock item is over-allocated"]})
    if q <= 0:
        raise ApiError(400, {"quantity": ["Allocation quantity must be greater than zero"]})
    if stock["serial"] and D(stock["quantity"]) == 1 and q != 1:
        raise ApiError(400, {"quantity": ["Quantity must be 1 for serialized stock"]})
    if stock["part"] not in rules.valid_parts_for_bom(db, bom):
        raise ApiError(400, {"stock_item": ["Selected stock item does not match BOM line"]})


def _bom_belongs_to_build(db: Database, bom: Row, build: Row) -> bool:
    if bom["part"] == build["part"]:
        return True
    return bool(bom["inherited"]) and bom["part"] in db.part_ancestors(build["part"])


# -- allocate / unallocate ---------------------------------------------------
def allocate(db: Database, build: Row, data: dict[str, Any]) -> dict[str, Any]:
    errors: dict[str, Any] = {}
    items = list_field(data, "items", errors)
    raise_errors(errors)
    assert items is not None
    if not items:
        raise non_field("Allocation items must be provided")
    item_errors: list[dict[str, Any]] = []
    parsed: list[tuple[Row, Row, Decimal, Row | None]] = []
    for raw in items:
        e: dict[str, Any] = {}
        if not isinstance(raw, dict):
            item_errors.append(
                {"non_field_errors": [f"Invalid data. Expected a dictionary, but got {type(raw).__name__}."]}
            )
            continue
        line = rules.parse_pk(db, raw, "build_line", "build_line", e)
        stock = rules.parse_pk(db, raw, "stock_item", "stock", e)
        qty = rules.parse_decimal(raw, "quantity", e)
        output = rules.parse_pk(db, raw, "output", "stock", e, required=False, where="AND is_building = 1")
        if qty is not None and qty == 0 and "quantity" not in e:
            e["quantity"] = ["Quantity must be greater than zero"]
        if not e and line is not None and stock is not None and qty is not None:
            bom = db.get("bom_item", line["bom_item"])
            sub = db.get("part", bom["sub_part"]) if bom else None
            if bom is None or not _bom_belongs_to_build(db, bom, build):
                e["build_line"] = ["bom_item.part must point to the same part as the build order"]
            elif not rules.in_stock(stock):
                e["stock_item"] = ["Item must be in stock"]
            elif qty > rules.unallocated_quantity(db, stock) + EPS:
                e["quantity"] = [f"Available quantity ({norm(rules.unallocated_quantity(db, stock))}) exceeded"]
            elif sub is not None and sub["trackable"] and output is None:
                e["output"] = ["Build output must be specified for allocation of tracked parts"]
            elif sub is not None and not sub["trackable"] and output is not None:
                e["output"] = ["Build output cannot be specified for allocation of untracked parts"]
            else:
                parsed.append((line, stock, qty, output))
        item_errors.append(e)
    if any(item_errors):
        raise ApiError(400, {"items": item_errors})
    echo = []
    for line, stock, qty, output in parsed:
        echo.append(
            {
                "build_line": line["id"],
                "stock_item": stock["id"],
                "quantity": echo_decimal(qty),
                "output": output["id"] if output else None,
            }
        )
        bom = db.get("bom_item", line["bom_item"])
        assert bom is not None
        if bom["consumable"]:
            continue  # consumable lines are skipped silently (§3.6)
        out_id = output["id"] if output else None
        existing = db.one(
            "SELECT * FROM build_item WHERE build_line = ? AND stock_item = ? AND install_into IS ?",
            (line["id"], stock["id"], out_id),
        )
        if existing:
            db.conn.execute(
                "UPDATE build_item SET quantity = ? WHERE id = ?",
                (float(D(existing["quantity"]) + qty), existing["id"]),
            )
            pk = existing["id"]
        else:
            pk = db.insert(
                "build_item", build_line=line["id"], stock_item=stock["id"], quantity=float(qty), install_into=out_id
            )
        item = db.get("build_item", pk)
        assert item is not None
        clean_build_item(db, item)
    return {"items": echo}


def unallocate(db: Database, build: Row, data: dict[str, Any]) -> dict[str, Any]:
    errors: dict[str, Any] = {}
    line = rules.parse_pk(db, data, "build_line", "build_line", errors, required=False)
    output = rules.parse_pk(db, data, "output", "stock", errors, required=False, where="AND is_building = 1")
    raise_errors(errors)
    if output is not None and output["build"] != build["id"]:
        raise ApiError(400, {"output": ["Build output must point to the same build"]})
    sql = "DELETE FROM build_item WHERE build_line IN (SELECT id FROM build_line WHERE build = ?) AND install_into IS ?"
    params: list[Any] = [build["id"], output["id"] if output else None]
    if line is not None:
        sql += " AND build_line = ?"
        params.append(line["id"])
    db.conn.execute(sql, params)
    return {"build_line": line["id"] if line else None, "output": output["id"] if output else None}


def auto_allocate(db: Database, build: Row, data: dict[str, Any]) -> dict[str, Any]:
    errors: dict[str, Any] = {}
    location = rules.parse_pk(db, data, "location", "location", errors, required=False)
    exclude = rules.parse_pk(db, data, "exclude_location", "location", errors, required=False)
    interchangeable = rules.parse_bool(data, "interchangeable", False, errors)
    substitutes = rules.parse_bool(data, "substitutes", True, errors)
    optional_items = rules.parse_bool(data, "optional_items", False, errors)
    item_type = data.get("item_type") or "untracked"
    if item_type not in ("all", "untracked", "tracked"):
        errors["item_type"] = [f'"{item_type}" is not a valid choice.']
    raise_errors(errors)
    include_locs = set(db.location_subtree(location["id"])) if location else None
    exclude_locs = set(db.location_subtree(exclude["id"])) if exclude else set()
    new_items: list[tuple[int, int, Decimal, int | None]] = []
    pending: dict[int, Decimal] = {}
    lines = db.all(
        "SELECT bl.*, b.sub_part, b.consumable, b.optional, b.allow_variants, b.id AS bom_id"
        " FROM build_line bl JOIN bom_item b ON b.id = bl.bom_item WHERE bl.build = ? ORDER BY bl.id",
        (build["id"],),
    )
    for ln in lines:
        sub = db.get("part", ln["sub_part"])
        assert sub is not None
        bom = db.get("bom_item", ln["bom_item"])
        assert bom is not None
        if sub["trackable"]:
            continue
        if item_type == "tracked":
            continue
        if ln["consumable"] or (ln["optional"] and not optional_items):
            continue
        allocated = D(db.scalar("SELECT COALESCE(SUM(quantity),0) FROM build_item WHERE build_line = ?", (ln["id"],)))
        need = max(D(ln["quantity"]) - D(ln["consumed"]) - allocated, Decimal(0))
        if need <= 0:
            continue
        exact = [sub["id"]]
        variants = db.part_descendants(sub["id"]) if ln["allow_variants"] else []
        subs: list[int] = []
        if substitutes:
            for s in db.all("SELECT part FROM bom_substitute WHERE bom_item = ?", (bom["id"],)):
                subs.append(s["part"])
                if ln["allow_variants"]:
                    subs += db.part_descendants(s["part"])
        candidates: list[Row] = []
        for group in (exact, variants, subs):
            for pid in group:
                p = db.get("part", pid)
                if p is None or bool(p["trackable"]) != bool(sub["trackable"]):
                    continue
                for s in db.all(
                    f"SELECT * FROM stock s WHERE s.part = ? AND {rules.IN_STOCK_SQL}"
                    " AND (s.serial IS NULL OR s.serial = '') ORDER BY s.id",
                    (pid,),
                ):
                    if include_locs is not None and s["location"] not in include_locs:
                        continue
                    if s["location"] in exclude_locs:
                        continue
                    candidates.append(s)
        if not candidates or (len(candidates) > 1 and not interchangeable):
            continue
        for s in candidates:
            p = db.get("part", s["part"])
            if p is None or not p["active"]:
                continue
            free = rules.unallocated_quantity(db, s) - pending.get(s["id"], Decimal(0))
            take = min(need, free)
            if take > 0:
                new_items.append((ln["id"], s["id"], take, None))
                pending[s["id"]] = pending.get(s["id"], Decimal(0)) + take
                need -= take
            if need <= 0:
                break
    if item_type in ("all", "tracked"):
        for out in db.all(
            "SELECT * FROM stock WHERE build = ? AND is_building = 1 AND serial IS NOT NULL"
            " AND serial != '' ORDER BY id",
            (build["id"],),
        ):
            new_items += tracked_serial_matches(db, build, out)
    for line_id, stock_id, q, install in new_items:
        db.insert("build_item", build_line=line_id, stock_item=stock_id, quantity=float(q), install_into=install)
    # the 201 echo of the options (API 425); later versions answer with a TaskDetail (build_actions.py)
    return {
        "location": location["id"] if location else None,
        "exclude_location": exclude["id"] if exclude else None,
        "interchangeable": interchangeable,
        "substitutes": substitutes,
        "optional_items": optional_items,
    }


def tracked_serial_matches(db: Database, build: Row, output: Row) -> list[tuple[int, int, Decimal, int | None]]:
    """create-output auto_allocate: a tracked component with the output's serial (§3.6)."""
    found: list[tuple[int, int, Decimal, int | None]] = []
    for ln in db.all(
        "SELECT bl.*, b.sub_part FROM build_line bl JOIN bom_item b ON b.id = bl.bom_item"
        " WHERE bl.build = ? ORDER BY bl.id",
        (build["id"],),
    ):
        sub = db.get("part", ln["sub_part"])
        bom = db.get("bom_item", ln["bom_item"])
        if sub is None or bom is None or not sub["trackable"]:
            continue
        if db.one("SELECT id FROM build_item WHERE build_line = ? AND install_into = ?", (ln["id"], output["id"])):
            continue
        parts = rules.valid_parts_for_bom(db, bom)
        marks = ",".join("?" * len(parts))
        matches = db.all(
            f"SELECT * FROM stock s WHERE s.part IN ({marks}) AND s.serial = ? AND s.quantity = 1"
            " AND s.belongs_to IS NULL AND s.consumed_by IS NULL AND s.status IN (10, 50, 55, 85)"
            " AND s.sales_order IS NULL AND s.customer IS NULL",
            (*parts, output["serial"]),
        )
        matches = [m for m in matches if rules.unallocated_quantity(db, m) >= 1]
        if len(matches) == 1:
            found.append((ln["id"], matches[0]["id"], Decimal(1), output["id"]))
    return found
