"""Rows as InvenTree's serializers render them (field names from the API 477 schema)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from ..clock import today
from . import rules
from .db import Database, Row
from .rules import BUILD_STATUS, STOCK_STATUS, D, fnum


def part_brief(p: Row | None) -> dict[str, Any] | None:
    if p is None:
        return None
    return {
        "pk": p["id"],
        "IPN": p["IPN"],
        "name": p["name"],
        "description": p["description"],
        "full_name": f"{p['IPN']} | {p['name']}" if p["IPN"] else p["name"],
        "image": None,
        "thumbnail": "/static/img/blank_image.thumbnail.png",
        "active": bool(p["active"]),
        "assembly": bool(p["assembly"]),
        "component": bool(p["component"]),
        "is_template": bool(p["is_template"]),
        "purchaseable": bool(p["purchaseable"]),
        "salable": bool(p["salable"]),
        "testable": bool(p["testable"]),
        "trackable": bool(p["trackable"]),
        "virtual": bool(p["virtual"]),
        "units": p["units"],
        "locked": bool(p["locked"]),
        "category": p["category"],
        "variant_of": p["variant_of"],
        "default_location": p["default_location"],
        "barcode_hash": p["barcode_hash"],
    }


def location_row(loc: Row | None, db: Database | None = None) -> dict[str, Any] | None:
    if loc is None:
        return None
    out: dict[str, Any] = {
        "pk": loc["id"],
        "name": loc["name"],
        "description": loc["description"],
        "pathstring": loc["pathstring"],
        "parent": loc["parent"],
        "external": bool(loc["external"]),
        "structural": bool(loc["structural"]),
        "barcode_hash": loc["barcode_hash"],
    }
    if db is not None:
        out["items"] = db.scalar("SELECT COUNT(*) FROM stock WHERE location = ?", (loc["id"],))
        out["sublocations"] = db.scalar("SELECT COUNT(*) FROM location WHERE parent = ?", (loc["id"],))
        out["level"] = loc["pathstring"].count("/")
    return out


def location_brief(loc: Row | None) -> dict[str, Any] | None:
    if loc is None:
        return None
    return {"pk": loc["id"], "name": loc["name"], "pathstring": loc["pathstring"]}


def user_detail(u: Row | None) -> dict[str, Any] | None:
    if u is None:
        return None
    return {
        "pk": u["id"],
        "username": u["username"],
        "first_name": u["first_name"],
        "last_name": u["last_name"],
        "email": u["email"],
    }


def owner_detail(db: Database, owner_id: int | None) -> dict[str, Any] | None:
    if owner_id is None:
        return None
    o = db.get("owner", owner_id)
    if o is None:
        return None
    if o["user"] is not None:
        u = db.get("user", o["user"])
        name = u["username"] if u else "?"
        label = "user"
        oid = o["user"]
    else:
        g = db.get("grp", o["grp"])
        name = g["name"] if g else "?"
        label = "group"
        oid = o["grp"]
    return {"pk": o["id"], "owner_id": oid, "owner_model": label, "name": name, "label": label}


def is_overdue(b: Row) -> bool:
    if b["status"] not in rules.ACTIVE_CODES or not b["target_date"]:
        return False
    return str(b["target_date"]) <= today().isoformat()


def build_row(
    db: Database,
    b: Row,
    *,
    detail: bool = False,
    part_detail: bool = True,
    user_detail_flag: bool = True,
    cache: dict[int, Row | None] | None = None,
) -> dict[str, Any]:
    cache = cache if cache is not None else {}
    if b["part"] not in cache:  # one part row per page, not one per build
        cache[b["part"]] = db.get("part", b["part"])
    part = cache[b["part"]]
    key, label, _ = BUILD_STATUS.get(b["status"], ("", str(b["status"]), ""))
    row: dict[str, Any] = {
        "pk": b["id"],
        "title": b["title"] or "",
        "barcode_hash": b["barcode_hash"] or "",
        "batch": b["batch"],
        "creation_date": b["creation_date"],
        "completed": int(D(b["completed"])),
        "completion_date": b["completion_date"],
        "destination": b["destination"],
        "external": bool(b["external"]),
        "parent": b["parent"],
        "part": b["part"],
        "part_name": part["name"] if part else "",
        "part_detail": part_brief(part) if part_detail else None,
        "project_code": b["project_code"],
        "project_code_label": None,
        "project_code_detail": None,
        # the detail endpoint's overdue is always false (§3.1 quirk)
        "overdue": False if detail else is_overdue(b),
        "reference": b["reference"],
        "sales_order": b["sales_order"],
        "quantity": fnum(b["quantity"]),
        "start_date": b["start_date"],
        "status": b["status"],
        "status_text": label,
        "status_custom_key": b["status_custom_key"] if b["status_custom_key"] is not None else b["status"],
        "target_date": b["target_date"],
        "take_from": b["take_from"],
        "link": b["link"] or "",
        "issued_by": b["issued_by"],
        "responsible": b["responsible"],
        "priority": b["priority"],
        "level": b["level"],
        "parameters": [],
    }
    if user_detail_flag:
        row["issued_by_detail"] = user_detail(db.get("user", b["issued_by"])) if b["issued_by"] else None
        row["responsible_detail"] = owner_detail(db, b["responsible"])
    else:
        row["issued_by_detail"] = None
        row["responsible_detail"] = None
    if b["project_code"]:
        pc = db.get("project_code", b["project_code"])
        if pc:
            row["project_code_label"] = pc["code"]
            row["project_code_detail"] = {"pk": pc["id"], "code": pc["code"], "description": pc["description"]}
    if detail:
        row["notes"] = b["notes"]
    return row


def stock_row(db: Database, s: Row, *, part_detail: bool = False, location_detail: bool = False) -> dict[str, Any]:
    status = s["status"]
    allocated = rules.stock_allocated(db, s)
    expired = bool(s["expiry_date"] and str(s["expiry_date"]) < today().isoformat())
    row: dict[str, Any] = {
        "pk": s["id"],
        "part": s["part"],
        "quantity": fnum(s["quantity"]),
        "serial": s["serial"],
        "serial_numbers": None,
        "batch": s["batch"] or "",
        "location": s["location"],
        "allocated": fnum(allocated),
        "in_stock": rules.in_stock(s),
        "is_building": bool(s["is_building"]),
        "build": s["build"],
        "consumed_by": s["consumed_by"],
        "belongs_to": s["belongs_to"],
        "parent": s["parent"],
        "customer": s["customer"],
        "sales_order": s["sales_order"],
        "sales_order_reference": None,
        "purchase_order": s["purchase_order"],
        "purchase_order_reference": None,
        "status": status,
        "status_text": STOCK_STATUS.get(status, ("", str(status), ""))[1],
        "status_custom_key": status,
        "expiry_date": s["expiry_date"],
        "expired": expired,
        "stale": False,
        "notes": s["notes"] or "",
        "barcode_hash": s["barcode_hash"] or "",
        "updated": s["updated"],
        "stocktake_date": s["stocktake_date"],
        "packaging": s["packaging"] or "",
        "link": "",
        "supplier_part": s["supplier_part"],
        "SKU": None,
        "MPN": None,
        "owner": None,
        "delete_on_deplete": True,
        "use_pack_size": False,
        "tags": [],
        "tracking_items": 0,
        "installed_items": db.scalar("SELECT COUNT(*) FROM stock WHERE belongs_to = ?", (s["id"],)),
        "child_items": db.scalar("SELECT COUNT(*) FROM stock WHERE parent = ?", (s["id"],)),
        "purchase_price": None,
        "purchase_price_currency": "",
        "supplier_part_detail": None,
        "location_path": [],
    }
    if s["supplier_part"]:
        sp = db.one(
            "SELECT sp.SKU, mp.MPN FROM supplier_part sp LEFT JOIN manufacturer_part mp"
            " ON mp.id = sp.manufacturer_part WHERE sp.id = ?",
            (s["supplier_part"],),
        )
        if sp:
            row["SKU"], row["MPN"] = sp["SKU"], sp["MPN"]
    if s["purchase_order"]:
        row["purchase_order_reference"] = db.scalar(
            "SELECT reference FROM purchase_order WHERE id = ?", (s["purchase_order"],)
        )
    row["part_detail"] = part_brief(db.get("part", s["part"])) if part_detail else None
    if location_detail:
        loc = db.get("location", s["location"]) if s["location"] else None
        row["location_detail"] = location_brief(loc)
    else:
        row["location_detail"] = None
    if s["location"]:
        loc = db.get("location", s["location"])
        if loc:
            row["location_path"] = [{"pk": loc["id"], "name": loc["name"]}]
    return row


def build_item_row(
    db: Database,
    bi: Row,
    *,
    part_detail: bool = False,
    location_detail: bool = False,
    stock_detail: bool = False,
    build_detail: bool = False,
    install_into_detail: bool = False,
) -> dict[str, Any]:
    line = db.get("build_line", bi["build_line"])
    stock = db.get("stock", bi["stock_item"])
    assert line is not None and stock is not None
    bom = db.get("bom_item", line["bom_item"])
    row: dict[str, Any] = {
        "pk": bi["id"],
        "build": line["build"],
        "build_line": bi["build_line"],
        "install_into": bi["install_into"],
        "stock_item": bi["stock_item"],
        "quantity": fnum(bi["quantity"]),
        "location": stock["location"],
        "bom_reference": bom["reference"] if bom else "",
        "supplier_part_detail": None,
        "part_detail": part_brief(db.get("part", stock["part"])) if part_detail else None,
        "location_detail": location_brief(db.get("location", stock["location"]))
        if location_detail and stock["location"]
        else None,
        "stock_item_detail": stock_row(db, stock) if stock_detail else None,
        "build_detail": None,
        "install_into_detail": None,
    }
    if build_detail:
        b = db.get("build", line["build"])
        row["build_detail"] = build_row(db, b, detail=True) if b else None
    if install_into_detail and bi["install_into"]:
        out = db.get("stock", bi["install_into"])
        row["install_into_detail"] = stock_row(db, out) if out else None
    return row


def line_rows(
    db: Database,
    lines: list[Row],
    *,
    build_filter: int | None,
    allocations: bool,
    part_detail: bool,
    bom_item_detail: bool,
    assembly_detail: bool,
    build_detail: bool,
    category_detail: bool = False,
    substitutes: bool = True,
) -> list[dict[str, Any]]:
    """BuildLine rows with their annotations, computed in a few grouped queries (§3.3).

    ``substitutes``: put ``substitutes`` in ``bom_item_detail`` (no real server does: they are read from
    ``/api/bom/substitute/``)."""
    if not lines:
        return []
    boms = {
        r["id"]: r
        for r in db.all(
            f"SELECT * FROM bom_item WHERE id IN ({','.join('?' * len(lines))})", [ln["bom_item"] for ln in lines]
        )
    }
    builds: dict[int, Row] = {}
    for ln in lines:
        if ln["build"] not in builds:
            b = db.get("build", ln["build"])
            assert b is not None
            builds[ln["build"]] = b
    # location restriction applies only to the list filtered by ?build= with take_from (§3.3)
    locations: list[int] | None = None
    if build_filter is not None and builds.get(build_filter) and builds[build_filter]["take_from"]:
        locations = db.location_subtree(builds[build_filter]["take_from"])
    sub_parts = {b["sub_part"] for b in boms.values()}
    variants: dict[int, list[int]] = {}
    subs_of: dict[int, list[Row]] = {}
    needed: set[int] = set(sub_parts)
    for bom in boms.values():
        if bom["sub_part"] not in variants:
            variants[bom["sub_part"]] = db.part_descendants(bom["sub_part"])
            needed.update(variants[bom["sub_part"]])
        subs_of[bom["id"]] = db.all("SELECT id, part FROM bom_substitute WHERE bom_item = ? ORDER BY id", (bom["id"],))
        needed.update(r["part"] for r in subs_of[bom["id"]])
    avail = rules.available_by_part(db, sorted(needed), locations)
    external = {
        r["part"]: D(r["q"])
        for r in db.all(
            f"SELECT s.part AS part, SUM(s.quantity) AS q FROM stock s JOIN location l ON l.id = s.location"
            f" WHERE l.external = 1 AND s.part IN ({','.join('?' * len(sub_parts))}) AND {rules.IN_STOCK_SQL}"
            " GROUP BY s.part",
            sorted(sub_parts),
        )
    }
    in_prod = {
        r["part"]: D(r["q"])
        for r in db.all(
            f"SELECT s.part AS part, SUM(s.quantity) AS q FROM stock s JOIN build b ON b.id = s.build"
            f" WHERE s.is_building = 1 AND b.status IN (10, 20, 25) AND s.part IN ({','.join('?' * len(sub_parts))})"
            " GROUP BY s.part",
            sorted(sub_parts),
        )
    }
    scheduled = {
        r["part"]: D(r["q"])
        for r in db.all(
            f"SELECT part, SUM(quantity - completed) AS q FROM build WHERE status IN (10, 20, 25)"
            f" AND part IN ({','.join('?' * len(sub_parts))}) GROUP BY part",
            sorted(sub_parts),
        )
    }
    line_ids = [ln["id"] for ln in lines]
    items_by_line: dict[int, list[Row]] = {}
    for bi in db.all(
        f"SELECT * FROM build_item WHERE build_line IN ({','.join('?' * len(line_ids))}) ORDER BY id", line_ids
    ):
        items_by_line.setdefault(bi["build_line"], []).append(bi)
    parts_cache: dict[int, Row | None] = {}

    def part(pk: int) -> Row | None:
        if pk not in parts_cache:
            parts_cache[pk] = db.get("part", pk)
        return parts_cache[pk]

    out = []
    for ln in lines:
        bom = boms[ln["bom_item"]]
        sub = part(bom["sub_part"])
        assert sub is not None
        build = builds[ln["build"]]
        items = items_by_line.get(ln["id"], [])
        allocated = sum((D(i["quantity"]) for i in items), Decimal(0))
        var_parts = variants[bom["sub_part"]] if bom["allow_variants"] else []
        var_parts = [p for p in var_parts if part(p) and bool(part(p)["trackable"]) == bool(sub["trackable"])]  # type: ignore[index]
        row: dict[str, Any] = {
            "pk": ln["id"],
            "build": ln["build"],
            "bom_item": ln["bom_item"],
            "quantity": fnum(ln["quantity"]),
            "consumed": fnum(ln["consumed"]),
            "part": bom["sub_part"],
            "build_reference": build["reference"],
            "reference": bom["reference"],
            "consumable": bool(bom["consumable"]),
            "optional": bool(bom["optional"]),
            "testable": bool(sub["testable"]),
            "trackable": bool(sub["trackable"]),
            "inherited": bool(bom["inherited"]),
            "allow_variants": bool(bom["allow_variants"]),
            "allocated": fnum(allocated),
            "available_stock": fnum(avail.get(bom["sub_part"], 0)),
            "available_substitute_stock": fnum(
                sum((avail.get(r["part"], Decimal(0)) for r in subs_of[bom["id"]]), Decimal(0))
            ),
            "available_variant_stock": fnum(sum((avail.get(p, Decimal(0)) for p in var_parts), Decimal(0))),
            "external_stock": fnum(external.get(bom["sub_part"], 0)),
            "on_order": 0.0,
            "in_production": fnum(in_prod.get(bom["sub_part"], 0)),
            "scheduled_to_build": fnum(scheduled.get(bom["sub_part"], 0)),
            "allocations": None,
            "part_detail": None,
            "bom_item_detail": None,
            "assembly_detail": None,
            "build_detail": None,
            "category_detail": None,
        }
        if allocations:
            row["allocations"] = [
                build_item_row(db, bi, part_detail=True, location_detail=True, stock_detail=True) for bi in items
            ]
        if part_detail:
            row["part_detail"] = part_brief(sub)
        if assembly_detail:
            row["assembly_detail"] = part_brief(part(bom["part"]))
        if bom_item_detail:
            row["bom_item_detail"] = {
                "pk": bom["id"],
                "part": bom["part"],
                "sub_part": bom["sub_part"],
                "quantity": fnum(bom["quantity"]),
                "reference": bom["reference"],
                "optional": bool(bom["optional"]),
                "consumable": bool(bom["consumable"]),
                "allow_variants": bool(bom["allow_variants"]),
                "inherited": bool(bom["inherited"]),
                "attrition": fnum(bom["attrition"]),
                "setup_quantity": fnum(bom["setup_quantity"]),
                "rounding_multiple": fnum(bom["rounding_multiple"]) if bom["rounding_multiple"] else None,
                "note": bom["note"],
            }
            if substitutes:
                row["bom_item_detail"]["substitutes"] = [{"pk": r["id"], "part": r["part"]} for r in subs_of[bom["id"]]]
        if category_detail and sub["category"] is not None:
            cat = db.get("category", sub["category"])
            row["category_detail"] = (
                {"pk": cat["id"], "name": cat["name"], "parent": cat["parent"], "pathstring": cat["pathstring"]}
                if cat
                else None
            )
        if build_detail:
            row["build_detail"] = build_row(db, build)
        out.append(row)
    return out
