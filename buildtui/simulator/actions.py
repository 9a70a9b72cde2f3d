"""Build order writes: create, save, and every POST action of §3.6.

Each function runs inside the caller's transaction and raises ``ApiError``
with InvenTree's body on refusal, so a refused request changes nothing.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from typing import Any

from ..clock import today
from . import rules
from .db import Database, Row
from .rules import EPS, ApiError, D, echo_decimal, non_field, norm

REFERENCE_PATTERN = "BO-{ref:04d}"


# -- helpers ---------------------------------------------------------------
def _now() -> str:
    return dt.datetime.now().strftime("%Y-%m-%d %H:%M")


def get_build_for_action(db: Database, build_id: int) -> Row:
    b = db.get("build", build_id)
    if b is None:
        # quirk §3.6: the real server answers 500 (KeyError) for an unknown build on an action
        raise ApiError(500, {"error": "KeyError", "error_class": "<class 'KeyError'>",
                             "detail": "Error details can be found in the admin panel",
                             "path": f"/api/build/{build_id}/", "status_code": 500})
    return b


def _raise(errors: dict[str, Any]) -> None:
    if errors:
        raise ApiError(400, errors)


def _list_field(data: dict[str, Any], key: str, errors: dict[str, Any], *, required: bool = True) -> list[Any] | None:
    if key not in data:
        if required:
            errors[key] = ["This field is required."]
        return None
    value = data[key]
    if not isinstance(value, list):
        errors[key] = [f'Expected a list of items but got type "{type(value).__name__}".']
        return None
    return value


def reference_regex() -> re.Pattern[str]:
    pat = re.escape(REFERENCE_PATTERN).replace(r"\{ref:04d\}", r"(?P<ref>\d+)")
    return re.compile(f"^{pat}$")


def validate_reference(db: Database, reference: Any, exclude: int | None = None) -> tuple[str, int]:
    ref = str(reference or "").strip()
    if not ref:
        raise ApiError(400, {"reference": ["Reference field cannot be empty"]})
    m = reference_regex().match(ref)
    if m is None:
        raise ApiError(400, {"reference": [f"Reference must match required pattern: {REFERENCE_PATTERN}"]})
    ref_int = int(m.group("ref"))
    if ref_int > 0x7FFFFFFF:
        raise ApiError(400, {"reference": ["Reference number is too large"]})
    clash = db.one("SELECT id FROM build WHERE reference = ? AND id != ?", (ref, exclude or -1))
    if clash:
        raise ApiError(400, {"reference": ["Build Order with this Reference already exists."]})
    return ref, ref_int


def next_reference(db: Database) -> str:
    top = db.scalar("SELECT MAX(reference_int) FROM build") or 0
    return f"BO-{int(top) + 1:04d}"


def recompute_lines(db: Database, build: Row) -> None:
    """Every save of a build recomputes its lines' quantities from the BOM (§3.2)."""
    n = D(build["quantity"])
    for bom in db.all("SELECT b.*, bl.id AS line_id FROM build_line bl JOIN bom_item b ON b.id = bl.bom_item"
                      " WHERE bl.build = ?", (build["id"],)):
        db.conn.execute("UPDATE build_line SET quantity = ? WHERE id = ?",
                        (float(rules.required_quantity(bom, n)), bom["line_id"]))


def save_build(db: Database, build_id: int, **values: Any) -> Row:
    if "status" in values:
        values.setdefault("status_custom_key", None)  # a transition leaves any custom state
    if values:
        db.update("build", build_id, **values)
    b = db.get("build", build_id)
    assert b is not None
    recompute_lines(db, b)
    return b


# -- create / patch ----------------------------------------------------------
WRITABLE = ("title", "batch", "parent", "sales_order", "take_from", "destination", "external", "start_date",
            "target_date", "issued_by", "responsible", "priority", "project_code", "link", "notes",
            "completion_date", "quantity", "reference", "part")


def _validate_build_fields(db: Database, data: dict[str, Any], existing: Row | None) -> dict[str, Any]:
    errors: dict[str, Any] = {}
    values: dict[str, Any] = {}
    if "part" in data or existing is None:
        part = rules.parse_pk(db, data, "part", "part", errors, where="AND assembly = 1")
        if part is not None:
            if existing is not None and part["id"] != existing["part"]:
                errors["part"] = ["Build order part cannot be changed"]
            values["part"] = part["id"]
    if "quantity" in data or existing is None:
        if existing is None and "quantity" not in data:
            q: Decimal | None = Decimal(1)
        else:
            q = rules.parse_decimal(data, "quantity", errors, min_value=None)
        if q is not None:
            if q < 1:
                errors["quantity"] = ["Ensure this value is greater than or equal to 1."]
            else:
                values["quantity"] = float(int(q))  # quirk: fractions truncated silently
    if "title" in data:
        title = str(data["title"] or "")
        if len(title) > 100:
            errors["title"] = ["Ensure this field has no more than 100 characters."]
        values["title"] = title
    for fk, table in (("parent", "build"), ("take_from", "location"), ("destination", "location"),
                      ("issued_by", "user"), ("responsible", "owner"), ("project_code", "project_code")):
        if fk in data:
            if data[fk] in (None, ""):
                values[fk] = None
            else:
                row = rules.parse_pk(db, data, fk, table, errors)
                if row is not None:
                    values[fk] = row["id"]
    if "priority" in data:
        try:
            pr = int(data["priority"])
            if pr < 0:
                errors["priority"] = ["Ensure this value is greater than or equal to 0."]
            values["priority"] = pr
        except (TypeError, ValueError):
            errors["priority"] = ["A valid integer is required."]
    for date_field in ("start_date", "target_date", "completion_date"):
        if date_field in data:
            raw = data[date_field]
            if raw in (None, ""):
                values[date_field] = None
            else:
                try:
                    values[date_field] = dt.date.fromisoformat(str(raw)).isoformat()
                except ValueError:
                    errors[date_field] = ["Date has wrong format. Use one of these formats instead: YYYY-MM-DD."]
    for text_field in ("batch", "link", "notes"):
        if text_field in data:
            values[text_field] = None if data[text_field] is None else str(data[text_field])
    if "external" in data:
        values["external"] = int(rules.parse_bool(data, "external", False, errors))
    _raise(errors)
    # reference (pattern → empty → too large → duplicate)
    if "reference" in data:
        ref, ref_int = validate_reference(db, data["reference"], existing["id"] if existing else None)
        values["reference"], values["reference_int"] = ref, ref_int
    elif existing is None:
        ref = next_reference(db)
        values["reference"], values["reference_int"] = ref, int(ref.split("-")[1])
    start = values.get("start_date", existing["start_date"] if existing else None)
    target = values.get("target_date", existing["target_date"] if existing else None)
    if start and target and target < start:
        raise ApiError(400, {"target_date": ["Target date must be after start date"]})
    if values.get("external"):
        part = db.get("part", values.get("part") or (existing["part"] if existing else None))
        if part and not part["purchaseable"]:
            raise ApiError(400, {"external": ["Build orders can only be externally fulfilled for purchaseable parts"]})
    return values


def create_build(db: Database, data: dict[str, Any], user_id: int) -> Row:
    values = _validate_build_fields(db, data, None)
    part = db.get("part", values["part"])
    assert part is not None
    if part["active"] == 0:
        raise ApiError(400, {"part": ["Build order cannot be created for an inactive part"]})
    if "destination" not in values:
        values["destination"] = part["default_location"]
    level = 0
    if values.get("parent"):
        parent = db.get("build", values["parent"])
        level = (parent["level"] + 1) if parent else 0
    values.setdefault("issued_by", user_id)
    pk = db.insert("build", status=10, creation_date=today().isoformat(), level=level, completed=0, **values)
    build = db.get("build", pk)
    assert build is not None
    n = D(build["quantity"])
    for bom in rules.bom_items_for_assembly(db, build["part"]):
        db.insert("build_line", build=pk, bom_item=bom["id"], quantity=float(rules.required_quantity(bom, n)),
                  consumed=0)
    return build


def patch_build(db: Database, build: Row, data: dict[str, Any]) -> Row:
    values = _validate_build_fields(db, {k: v for k, v in data.items() if k in WRITABLE}, build)
    values.pop("part", None)
    return save_build(db, build["id"], **values)


def delete_build(db: Database, build: Row) -> None:
    if build["status"] != 30:
        raise non_field("Build must be cancelled before it can be deleted")
    pk = build["id"]
    db.conn.execute("DELETE FROM build_item WHERE build_line IN (SELECT id FROM build_line WHERE build = ?)", (pk,))
    db.conn.execute("DELETE FROM build_line WHERE build = ?", (pk,))
    db.conn.execute("DELETE FROM stock WHERE consumed_by = ?", (pk,))
    db.conn.execute("UPDATE stock SET build = NULL WHERE build = ?", (pk,))
    db.conn.execute("UPDATE build SET parent = NULL WHERE parent = ?", (pk,))
    db.conn.execute("DELETE FROM build WHERE id = ?", (pk,))


# -- allocation model checks (§3.4) ------------------------------------------
def clean_build_item(db: Database, item: Row) -> None:
    stock = db.get("stock", item["stock_item"])
    line = db.get("build_line", item["build_line"])
    assert stock is not None and line is not None
    bom = db.get("bom_item", line["bom_item"])
    assert bom is not None
    part = db.get("part", stock["part"])
    assert part is not None
    if item["install_into"] is not None:
        dup = db.one("SELECT id FROM build_item WHERE build_line = ? AND stock_item = ? AND install_into = ? AND id != ?",
                     (item["build_line"], item["stock_item"], item["install_into"], item["id"]))
        if dup:
            raise non_field("The fields build_line, stock_item, install_into must make a unique set.")
    if part["trackable"] and item["install_into"] is None:
        raise non_field("Build item must specify a build output, as master part is marked as trackable")
    q = D(item["quantity"])
    if q > D(stock["quantity"]) + EPS:
        raise ApiError(400, {"quantity": [
            f"Allocated quantity ({norm(q)}) must not exceed available stock quantity ({norm(stock['quantity'])})"]})
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
    items = _list_field(data, "items", errors)
    _raise(errors)
    assert items is not None
    if not items:
        raise non_field("Allocation items must be provided")
    item_errors: list[dict[str, Any]] = []
    parsed: list[tuple[Row, Row, Decimal, Row | None]] = []
    for raw in items:
        e: dict[str, Any] = {}
        if not isinstance(raw, dict):
            item_errors.append({"non_field_errors": [f"Invalid data. Expected a dictionary, but got {type(raw).__name__}."]})
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
        echo.append({"build_line": line["id"], "stock_item": stock["id"], "quantity": echo_decimal(qty),
                     "output": output["id"] if output else None})
        bom = db.get("bom_item", line["bom_item"])
        assert bom is not None
        if bom["consumable"]:
            continue  # consumable lines are skipped silently (§3.6)
        out_id = output["id"] if output else None
        existing = db.one("SELECT * FROM build_item WHERE build_line = ? AND stock_item = ? AND install_into IS ?",
                          (line["id"], stock["id"], out_id))
        if existing:
            db.conn.execute("UPDATE build_item SET quantity = ? WHERE id = ?",
                            (float(D(existing["quantity"]) + qty), existing["id"]))
            pk = existing["id"]
        else:
            pk = db.insert("build_item", build_line=line["id"], stock_item=stock["id"], quantity=float(qty),
                           install_into=out_id)
        item = db.get("build_item", pk)
        assert item is not None
        clean_build_item(db, item)
    return {"items": echo}


def unallocate(db: Database, build: Row, data: dict[str, Any]) -> dict[str, Any]:
    errors: dict[str, Any] = {}
    line = rules.parse_pk(db, data, "build_line", "build_line", errors, required=False)
    output = rules.parse_pk(db, data, "output", "stock", errors, required=False, where="AND is_building = 1")
    _raise(errors)
    if output is not None and output["build"] != build["id"]:
        raise ApiError(400, {"output": ["Build output must point to the same build"]})
    sql = ("DELETE FROM build_item WHERE build_line IN (SELECT id FROM build_line WHERE build = ?)"
           " AND install_into IS ?")
    params: list[Any] = [build["id"], output["id"] if output else None]
    if line is not None:
        sql += " AND build_line = ?"
        params.append(line["id"])
    db.conn.execute(sql, params)
    return {"build_line": line["id"] if line else None, "output": output["id"] if output else None}


# -- consuming stock -----------------------------------------------------------
def _split_stock(db: Database, stock: Row, quantity: Decimal, **changes: Any) -> int:
    """Split ``quantity`` off a stock item into a child item with ``changes``; returns the item that moved."""
    if quantity >= D(stock["quantity"]) - EPS:
        db.update("stock", stock["id"], updated=_now(), **changes)
        return int(stock["id"])
    db.update("stock", stock["id"], quantity=float(D(stock["quantity"]) - quantity), updated=_now())
    base = {k: v for k, v in stock.items() if k not in ("id",)}
    base.update(quantity=float(quantity), parent=stock["id"], barcode_hash="", barcode_data="", so_allocated=0,
                updated=_now())
    base.update(changes)
    return db.insert("stock", **base)


def consume_build_item(db: Database, build: Row, item: Row, quantity: Decimal | None = None,
                       install_into: int | None = None) -> None:
    """Carry out an allocation: split off and consume (or install) the stock (§3.6 consume/complete)."""
    stock = db.get("stock", item["stock_item"])
    assert stock is not None
    q = D(item["quantity"]) if quantity is None else quantity
    q = min(q, D(stock["quantity"]))
    changes: dict[str, Any] = {"consumed_by": build["id"], "location": None}
    if install_into is not None:
        changes["belongs_to"] = install_into
    if q > 0:
        _split_stock(db, stock, q, **changes)
        db.conn.execute("UPDATE build_line SET consumed = consumed + ? WHERE id = ?", (float(q), item["build_line"]))
    remaining = D(item["quantity"]) - q
    if remaining <= EPS or quantity is None:
        db.conn.execute("DELETE FROM build_item WHERE id = ?", (item["id"],))
    else:
        db.conn.execute("UPDATE build_item SET quantity = ? WHERE id = ?", (float(remaining), item["id"]))


def _build_items(db: Database, build_id: int, where: str = "", params: tuple[Any, ...] = ()) -> list[Row]:
    return db.all("SELECT bi.* FROM build_item bi JOIN build_line bl ON bl.id = bi.build_line WHERE bl.build = ?"
                  f" {where} ORDER BY bi.id", (build_id, *params))


def complete_allocations(db: Database, build: Row) -> None:
    """finish/ step 3: consume every untracked allocation, then delete all that remain (§3.6)."""
    for item in _build_items(db, build["id"], "AND bi.install_into IS NULL"):
        consume_build_item(db, build, item)
    db.conn.execute("DELETE FROM build_item WHERE build_line IN (SELECT id FROM build_line WHERE build = ?)",
                    (build["id"],))


def consume(db: Database, build: Row, data: dict[str, Any]) -> dict[str, Any]:
    errors: dict[str, Any] = {}
    items = _list_field(data, "items", errors, required=False) or []
    lines = _list_field(data, "lines", errors, required=False) or []
    _raise(errors)
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
        for bi in db.all("SELECT * FROM build_item WHERE build_line = ? AND install_into IS NULL ORDER BY id", (ln["id"],)):
            consume_build_item(db, build, bi)
    # the 201 echo (API 425); later versions answer with a TaskDetail (build_actions.py)
    return {"items": [{"build_item": bi["id"], "quantity": echo_decimal(q)} for bi, q in parsed_items],
            "lines": [{"build_line": ln["id"]} for ln in parsed_lines], "notes": str(data.get("notes") or "")}


# -- auto-allocate (§3.6) --------------------------------------------------------
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
    _raise(errors)
    include_locs = set(db.location_subtree(location["id"])) if location else None
    exclude_locs = set(db.location_subtree(exclude["id"])) if exclude else set()
    new_items: list[tuple[int, int, Decimal, int | None]] = []
    pending: dict[int, Decimal] = {}
    lines = db.all("SELECT bl.*, b.sub_part, b.consumable, b.optional, b.allow_variants, b.id AS bom_id"
                   " FROM build_line bl JOIN bom_item b ON b.id = bl.bom_item WHERE bl.build = ? ORDER BY bl.id",
                   (build["id"],))
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
                for s in db.all(f"SELECT * FROM stock s WHERE s.part = ? AND {rules.IN_STOCK_SQL}"
                                " AND (s.serial IS NULL OR s.serial = '') ORDER BY s.id", (pid,)):
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
        for out in db.all("SELECT * FROM stock WHERE build = ? AND is_building = 1 AND serial IS NOT NULL"
                          " AND serial != '' ORDER BY id", (build["id"],)):
            new_items += _tracked_serial_matches(db, build, out)
    for line_id, stock_id, q, install in new_items:
        db.insert("build_item", build_line=line_id, stock_item=stock_id, quantity=float(q), install_into=install)
    # the 201 echo of the options (API 425); later versions answer with a TaskDetail (build_actions.py)
    return {"location": location["id"] if location else None, "exclude_location": exclude["id"] if exclude else None,
            "interchangeable": interchangeable, "substitutes": substitutes, "optional_items": optional_items}


def _tracked_serial_matches(db: Database, build: Row, output: Row) -> list[tuple[int, int, Decimal, int | None]]:
    """create-output auto_allocate: a tracked component with the output's serial (§3.6)."""
    found: list[tuple[int, int, Decimal, int | None]] = []
    for ln in db.all("SELECT bl.*, b.sub_part FROM build_line bl JOIN bom_item b ON b.id = bl.bom_item"
                     " WHERE bl.build = ? ORDER BY bl.id", (build["id"],)):
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
            " AND s.sales_order IS NULL AND s.customer IS NULL", (*parts, output["serial"]))
        matches = [m for m in matches if rules.unallocated_quantity(db, m) >= 1]
        if len(matches) == 1:
            found.append((ln["id"], matches[0]["id"], Decimal(1), output["id"]))
    return found


# -- outputs -----------------------------------------------------------------
def _bom_has_trackable(db: Database, part_id: int) -> bool:
    return any(db.get("part", b["sub_part"])["trackable"] for b in rules.bom_items_for_assembly(db, part_id))  # type: ignore[index]


def create_output(db: Database, build: Row, data: dict[str, Any]) -> list[int]:
    errors: dict[str, Any] = {}
    qty = rules.parse_decimal(data, "quantity", errors)
    if qty is not None and qty == 0:
        errors["quantity"] = ["Quantity must be greater than zero"]
    location = rules.parse_pk(db, data, "location", "location", errors, required=False)
    auto = rules.parse_bool(data, "auto_allocate", False, errors)
    part = db.get("part", build["part"])
    assert part is not None
    if qty is not None and "quantity" not in errors and qty != int(qty):
        if part["trackable"]:
            errors["quantity"] = ["Integer quantity required for trackable parts"]
        elif _bom_has_trackable(db, part["id"]):
            errors["quantity"] = ["Integer quantity required, as the bill of materials contains trackable parts"]
    serial_text = data.get("serial_numbers")
    serial_text = "" if serial_text is None else str(serial_text)
    serials: list[str] = []
    if qty is not None and "quantity" not in errors:
        if part["trackable"] and not serial_text.strip():
            errors["serial_numbers"] = ["Serial numbers must be provided for trackable parts"]
        elif serial_text.strip():
            if int(qty) > 1000:
                errors["quantity"] = ["Cannot serialize more than 1000 items at once"]
            else:
                try:
                    serials = rules.extract_serial_numbers(serial_text, int(qty), rules.latest_serial(db, part["id"]))
                except ValueError as exc:
                    errors["serial_numbers"] = list(exc.args[0])
    _raise(errors)
    assert qty is not None
    if serials:
        tree = rules.part_tree(db, part["id"])
        marks = ",".join("?" * len(tree))
        taken = {r["serial"] for r in db.all(f"SELECT serial FROM stock WHERE part IN ({marks}) AND serial IS NOT NULL",
                                              tree)}
        clash = [s for s in serials if s in taken]
        if clash:
            raise ApiError(400, {"serial_numbers": [
                f"The following serial numbers already exist or are invalid : {','.join(clash)}"]})
    batch = data.get("batch_code")
    batch = "" if batch is None else str(batch)
    loc_id = location["id"] if location else (build["destination"] or part["default_location"])
    created: list[int] = []
    common = {"part": part["id"], "location": loc_id, "batch": batch, "build": build["id"], "is_building": 1,
              "status": 10, "updated": _now()}
    if serials:
        for s in serials:
            created.append(db.insert("stock", quantity=1, serial=s, serial_int=rules.serial_int(s), **common))
    else:
        created.append(db.insert("stock", quantity=float(qty), **common))
    if auto and serials:
        for out_id in created:
            out = db.get("stock", out_id)
            assert out is not None
            for line_id, stock_id, q, install in _tracked_serial_matches(db, build, out):
                db.insert("build_item", build_line=line_id, stock_item=stock_id, quantity=float(q), install_into=install)
    if build["status"] == 10:
        save_build(db, build["id"], status=20)
    return created


def _parse_outputs(db: Database, build: Row, data: dict[str, Any], errors: dict[str, Any], *,
                   check_allocation: bool, accept_incomplete: bool, with_quantity: bool) -> list[tuple[Row, Decimal]]:
    outputs = _list_field(data, "outputs", errors)
    if outputs is None:
        return []
    if not outputs:
        errors["non_field_errors"] = ["A list of build outputs must be provided"]
        return []
    out_errors: list[dict[str, Any]] = []
    parsed: list[tuple[Row, Decimal]] = []
    for raw in outputs:
        e: dict[str, Any] = {}
        raw = raw if isinstance(raw, dict) else {}
        out = rules.parse_pk(db, raw, "output", "stock", e)
        q: Decimal | None = None
        if with_quantity and raw.get("quantity") not in (None, ""):
            q = rules.parse_decimal(raw, "quantity", e)
        if out is not None and "output" not in e:
            if out["build"] != build["id"]:
                e["output"] = ["Build output does not match the parent build"]
            elif out["part"] != build["part"]:
                e["output"] = ["Output part does not match BuildOrder part"]
            elif not out["is_building"]:
                e["output"] = ["This build output has already been completed"]
            elif check_allocation and not accept_incomplete and not output_fully_allocated(db, build, out):
                e["output"] = ["This build output is not fully allocated"]
        if out is not None and q is not None and "quantity" not in e:
            if q <= 0:
                e["quantity"] = ["Quantity must be greater than zero"]
            elif q > D(out["quantity"]) + EPS:
                e["quantity"] = ["Quantity cannot be greater than the output quantity"]
        if out is not None and not e:
            parsed.append((out, q if q is not None else D(out["quantity"])))
        out_errors.append(e)
    if any(out_errors):
        errors["outputs"] = out_errors
    return parsed


def output_fully_allocated(db: Database, build: Row, output: Row) -> bool:
    """For each tracked, non-consumable line: allocated to this output >= per-unit BOM quantity (§3.6)."""
    for ln in db.all("SELECT bl.id, b.quantity AS unit, b.consumable, b.sub_part FROM build_line bl"
                     " JOIN bom_item b ON b.id = bl.bom_item WHERE bl.build = ?", (build["id"],)):
        sub = db.get("part", ln["sub_part"])
        if sub is None or not sub["trackable"] or ln["consumable"]:
            continue
        got = D(db.scalar("SELECT COALESCE(SUM(quantity),0) FROM build_item WHERE build_line = ? AND install_into = ?",
                          (ln["id"], output["id"])))
        if got < D(ln["unit"]):
            return False
    return True


def _split_output(db: Database, output: Row, quantity: Decimal) -> Row:
    if quantity >= D(output["quantity"]) - EPS:
        return output
    if db.one("SELECT id FROM build_item WHERE install_into = ?", (output["id"],)):
        raise non_field("Cannot partially complete a build output with allocated items")
    child = _split_stock(db, output, quantity)
    row = db.get("stock", child)
    assert row is not None
    return row


def _install_tracked(db: Database, build: Row, output: Row) -> None:
    for item in db.all("SELECT * FROM build_item WHERE install_into = ? ORDER BY id", (output["id"],)):
        consume_build_item(db, build, item, install_into=output["id"])


def complete_outputs(db: Database, build: Row, data: dict[str, Any]) -> dict[str, Any]:
    errors: dict[str, Any] = {}
    accept = rules.parse_bool(data, "accept_incomplete_allocation", False, errors)
    location = rules.parse_pk(db, data, "location", "location", errors)
    status = data.get("status_custom_key", 10)
    try:
        status = int(status if status is not None else 10)
        if status not in rules.STOCK_STATUS:
            raise ValueError
    except (TypeError, ValueError):
        errors["status_custom_key"] = [f'"{data.get("status_custom_key")}" is not a valid choice.']
    parsed = _parse_outputs(db, build, data, errors, check_allocation=True, accept_incomplete=accept,
                            with_quantity=True)
    _raise(errors)
    assert location is not None
    completed = Decimal(0)
    for out, q in parsed:
        item = _split_output(db, db.get("stock", out["id"]) or out, q)
        _install_tracked(db, build, item)
        db.update("stock", item["id"], is_building=0, location=location["id"], status=status, build=build["id"],
                  notes=str(data.get("notes") or item["notes"] or ""), updated=_now())
        completed += D(item["quantity"])
    b = db.get("build", build["id"])
    assert b is not None
    save_build(db, build["id"], completed=float(D(b["completed"]) + completed))
    return {"outputs": [{"output": o["id"], "quantity": echo_decimal(q)} for o, q in parsed],
            "location": location["id"], "status_custom_key": status, "accept_incomplete_allocation": accept,
            "notes": str(data.get("notes") or "")}


def scrap_outputs(db: Database, build: Row, data: dict[str, Any]) -> dict[str, Any]:
    errors: dict[str, Any] = {}
    location = rules.parse_pk(db, data, "location", "location", errors)
    notes = data.get("notes")
    if notes is None:
        errors["notes"] = ["This field is required."]
    elif not str(notes).strip():
        errors["notes"] = ["This field may not be blank."]
    discard = rules.parse_bool(data, "discard_allocations", False, errors)
    parsed = _parse_outputs(db, build, data, errors, check_allocation=False, accept_incomplete=True,
                            with_quantity=True)
    _raise(errors)
    assert location is not None
    for out, q in parsed:
        item = _split_output(db, db.get("stock", out["id"]) or out, q)
        if discard:
            db.conn.execute("DELETE FROM build_item WHERE install_into = ?", (item["id"],))
        else:
            _install_tracked(db, build, item)
        db.update("stock", item["id"], is_building=0, status=65, location=location["id"], notes=str(notes),
                  updated=_now())
    save_build(db, build["id"])
    return {"outputs": [{"output": o["id"], "quantity": echo_decimal(q)} for o, q in parsed],
            "location": location["id"], "notes": str(notes), "discard_allocations": discard}


def delete_outputs(db: Database, build: Row, data: dict[str, Any]) -> dict[str, Any]:
    errors: dict[str, Any] = {}
    parsed = _parse_outputs(db, build, data, errors, check_allocation=False, accept_incomplete=True,
                            with_quantity=False)
    _raise(errors)
    for out, _ in parsed:
        db.conn.execute("DELETE FROM build_item WHERE install_into = ?", (out["id"],))
        db.conn.execute("DELETE FROM stock WHERE id = ?", (out["id"],))
    return {"outputs": [{"output": None} for _ in parsed]}


# -- status moves --------------------------------------------------------------
def issue(db: Database, build: Row) -> dict[str, Any]:
    if build["status"] in (10, 25):
        save_build(db, build["id"], status=20)
    return {}


def hold(db: Database, build: Row) -> dict[str, Any]:
    if build["status"] in (10, 20):
        save_build(db, build["id"], status=25)
    return {}


def check_cancel(data: dict[str, Any]) -> dict[str, Any]:
    """cancel/'s options (its 201 echo), or ApiError."""
    errors: dict[str, Any] = {}
    remove_alloc = rules.parse_bool(data, "remove_allocated_stock", False, errors)
    remove_outputs = rules.parse_bool(data, "remove_incomplete_outputs", False, errors)
    _raise(errors)
    return {"remove_allocated_stock": remove_alloc, "remove_incomplete_outputs": remove_outputs}


def release_allocations(db: Database, build: Row, consume: bool) -> None:
    """cancel/'s allocations: carried out as in finish/ (``consume``), or all deleted with the stock untouched."""
    if consume:
        complete_allocations(db, build)
    else:
        db.conn.execute("DELETE FROM build_item WHERE build_line IN (SELECT id FROM build_line WHERE build = ?)",
                        (build["id"],))


def remove_building_outputs(db: Database, build: Row) -> None:
    for out in db.all("SELECT id FROM stock WHERE build = ? AND is_building = 1", (build["id"],)):
        db.conn.execute("DELETE FROM build_item WHERE install_into = ?", (out["id"],))
        db.conn.execute("DELETE FROM stock WHERE id = ?", (out["id"],))


def mark_cancelled(db: Database, build: Row, user_id: int) -> None:
    save_build(db, build["id"], status=30, completion_date=today().isoformat(), completed_by=user_id)


def cancel(db: Database, build: Row, data: dict[str, Any], user_id: int) -> dict[str, Any]:
    """cancel/ with no worker: everything before the answer (API 425, §3.6)."""
    echo = check_cancel(data)
    release_allocations(db, build, echo["remove_allocated_stock"])
    if echo["remove_incomplete_outputs"]:
        remove_building_outputs(db, build)
    mark_cancelled(db, build, user_id)
    return echo


def line_state(db: Database, build_id: int) -> list[dict[str, Any]]:
    rows = db.all("SELECT bl.id, bl.quantity, bl.consumed, b.consumable, b.optional, p.trackable,"
                  " (SELECT COALESCE(SUM(quantity),0) FROM build_item WHERE build_line = bl.id) AS allocated"
                  " FROM build_line bl JOIN bom_item b ON b.id = bl.bom_item JOIN part p ON p.id = b.sub_part"
                  " WHERE bl.build = ? ORDER BY bl.id", (build_id,))
    return rows


def check_finish(db: Database, build: Row, data: dict[str, Any]) -> dict[str, Any]:
    """finish/'s two phases of checks (§3.6); its 201 echo, or ApiError."""
    errors: dict[str, Any] = {}
    over = data.get("accept_overallocated", "reject")
    if over is None:
        over = "reject"
    if over not in ("reject", "accept", "trim"):
        errors["accept_overallocated"] = [f'"{over}" is not a valid choice.']
    accept_unalloc = rules.parse_bool(data, "accept_unallocated", False, errors)
    accept_incomplete = rules.parse_bool(data, "accept_incomplete", False, errors)
    _raise(errors)
    lines = line_state(db, build["id"])
    if over == "reject" and any(
            not ln["consumable"] and D(ln["allocated"]) > max(Decimal(0), D(ln["quantity"]) - D(ln["consumed"])) + EPS
            for ln in lines):
        errors["accept_overallocated"] = ["Some stock items have been overallocated"]
    if not accept_unalloc and any(
            not ln["consumable"] and not ln["trackable"]
            and D(ln["allocated"]) < max(D(ln["quantity"]) - D(ln["consumed"]), Decimal(0)) - EPS
            for ln in lines):
        errors["accept_unallocated"] = ["Required stock has not been fully allocated"]
    if not accept_incomplete and D(build["completed"]) < D(build["quantity"]):
        errors["accept_incomplete"] = ["Required build quantity has not been completed"]
    _raise(errors)
    if build["status"] != 20:
        raise non_field("Build order must be in production state")
    if db.one("SELECT id FROM stock WHERE build = ? AND is_building = 1", (build["id"],)):
        raise non_field("Build order has incomplete outputs")
    return {"accept_overallocated": over, "accept_unallocated": accept_unalloc, "accept_incomplete": accept_incomplete}


def close_build(db: Database, build: Row, over: str, user_id: int) -> None:
    """finish/ steps 1 and 2: the optional trim, then COMPLETE with today's date."""
    lines = line_state(db, build["id"])
    if over == "trim":
        for ln in lines:
            if ln["consumable"] or ln["trackable"]:
                continue
            excess = D(ln["allocated"]) - D(ln["quantity"])  # quirk: ignores consumed (§3.6)
            for bi in db.all("SELECT * FROM build_item WHERE build_line = ? ORDER BY id", (ln["id"],)):
                if excess <= 0:
                    break
                q = D(bi["quantity"])
                if q <= excess:
                    db.conn.execute("DELETE FROM build_item WHERE id = ?", (bi["id"],))
                    excess -= q
                else:
                    db.conn.execute("UPDATE build_item SET quantity = ? WHERE id = ?", (float(q - excess), bi["id"]))
                    excess = Decimal(0)
    save_build(db, build["id"], status=40, completion_date=today().isoformat(), completed_by=user_id)


def finish(db: Database, build: Row, data: dict[str, Any], user_id: int) -> dict[str, Any]:
    """finish/ with no worker: everything before the answer (API 425, §3.6)."""
    echo = check_finish(db, build, data)
    close_build(db, build, echo["accept_overallocated"], user_id)
    complete_allocations(db, build)
    return echo

