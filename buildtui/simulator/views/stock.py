"""``/api/stock/`` and ``/api/stock/location/``: stock items and locations, read with their filters."""

from __future__ import annotations

from typing import Any

from starlette.responses import JSONResponse

from ...clock import today
from .. import company, rules, version_views
from .. import serializers as ser
from ..actions.transfer import transfer
from ..db import Row
from ..endpoint import body_dict
from ..query import Ctx, Where, list_view, ordering, search_terms
from ..rules import ApiError

STOCK_ORDERING = {
    "part__name": "p.name",
    "quantity": "s.quantity",
    "location": "s.location",
    "batch": "s.batch",
    "serial": "s.serial_int,s.serial",
    "expiry_date": "s.expiry_date",
    "updated": "s.updated",
    "stock": "s.quantity",
    "status": "s.status",
    "pk": "s.id",
}


def stock_where(ctx: Ctx) -> Where:
    db = ctx.db
    w = Where(ctx)
    alloc_sql = "((SELECT COALESCE(SUM(quantity),0) FROM build_item WHERE stock_item = s.id) + s.so_allocated)"
    part = w.fk("part", "part")
    if part is not None:
        parts = [part] + (db.part_descendants(part) if w.boolean("include_variants") is not False else [])
        w.add(f"s.part IN ({','.join('?' * len(parts))})", *parts)
    bom = w.fk("bom_item", "bom_item")
    if bom is not None:
        bom_row = db.get("bom_item", bom)
        valid = rules.valid_parts_for_bom(db, bom_row)  # type: ignore[arg-type]
        w.add(f"s.part IN ({','.join('?' * len(valid))})", *valid)
    build = w.number("build")
    if build is not None:
        w.add("s.build = ?", build)
    for name, col in (("is_building", "s.is_building"),):
        v = w.boolean(name)
        if v is not None:
            w.add(f"{col} = ?", int(v))
    v = w.boolean("in_stock")
    if v is not None:
        w.add(rules.IN_STOCK_SQL if v else f"NOT ({rules.IN_STOCK_SQL})")
    v = w.boolean("available")
    if v is True:
        w.add(f"{rules.IN_STOCK_SQL} AND s.quantity > {alloc_sql}")
    elif v is False:
        w.add(f"s.quantity <= {alloc_sql}")
    loc_raw = ctx.params.get("location")
    if loc_raw is not None:
        cascade = w.boolean("cascade")
        if loc_raw.lower() in ("null", "none", ""):
            w.add("s.location IS NULL")
        else:
            loc = w.fk("location", "location")
            assert loc is not None
            locs = db.location_subtree(loc) if cascade is not False else [loc]
            w.add(f"s.location IN ({','.join('?' * len(locs))})", *locs)
    for name in ("serial", "batch"):
        val = ctx.params.get(name)
        if val is not None:
            w.add(f"s.{name} = ?", val)
    v = w.boolean("serialized")
    if v is not None:
        w.add("(s.serial IS NOT NULL AND s.serial != '')" if v else "(s.serial IS NULL OR s.serial = '')")
    status = w.number("status")
    if status is not None:
        w.add("s.status = ?", status)
    v = w.boolean("expired")
    if v is not None:
        cond = "(s.expiry_date IS NOT NULL AND s.expiry_date < ?)"
        w.add(cond if v else f"NOT {cond}", today().isoformat())
    ancestor = w.fk("ancestor", "stock")
    if ancestor is not None:  # split-off items, and theirs (the item itself not included)
        w.add(
            "s.id IN (WITH RECURSIVE t(id) AS (SELECT id FROM stock WHERE parent = ?"
            " UNION SELECT c.id FROM stock c JOIN t ON c.parent = t.id) SELECT id FROM t)",
            ancestor,
        )
    supplier_part = w.fk("supplier_part", "supplier_part")
    if supplier_part is not None:
        w.add("s.supplier_part = ?", supplier_part)
    for name, condition in (
        ("supplier", "sp.supplier = ?"),
        ("manufacturer_part", "sp.manufacturer_part = ?"),
        ("manufacturer", "mp.manufacturer = ?"),
        ("company", "(sp.supplier = ? OR mp.manufacturer = ?)"),
    ):
        pk = w.fk(name, "manufacturer_part" if name == "manufacturer_part" else "company")
        if pk is not None:
            w.add(
                f"s.supplier_part IN (SELECT sp.id FROM supplier_part sp LEFT JOIN manufacturer_part mp"
                f" ON mp.id = sp.manufacturer_part WHERE {condition})",
                *([pk] * condition.count("?")),
            )
    consumed_by = w.number("consumed_by")
    if consumed_by is not None:
        w.add("s.consumed_by = ?", consumed_by)
    for term in search_terms(ctx):
        w.add(
            "contains(p.name || ' ' || p.IPN || ' ' || p.description || ' ' || COALESCE(s.serial,'') || ' ' ||"
            " s.batch, ?)",
            term,
        )
    return w


def stock_list(ctx: Ctx) -> Any:
    part_detail = version_views.stock_part_detail(ctx)
    location_detail = ctx.flag("location_detail", False)

    supplier_part_detail = ctx.flag("supplier_part_detail", False)

    def rows(items: list[Row]) -> list[Any]:
        out = [ser.stock_row(ctx.db, s, part_detail=part_detail, location_detail=location_detail) for s in items]
        if supplier_part_detail:
            for row in out:
                sp = ctx.db.get("supplier_part", row["supplier_part"]) if row["supplier_part"] else None
                row["supplier_part_detail"] = company.supplier_part_row(ctx.db, sp) if sp else None
        return out

    order = ordering(ctx, STOCK_ORDERING, "p.name, s.quantity, s.location") + ", s.id"
    return list_view(
        ctx,
        select="s.*",
        source="FROM stock s JOIN part p ON p.id = s.part",
        where=stock_where(ctx),
        order=order,
        rows=rows,
    )


def stock_detail(ctx: Ctx) -> Any:
    s = ctx.db.get("stock", ctx.path_params["id"])
    if s is None:
        raise ApiError(404, {"detail": "No StockItem matches the given query."})
    return ser.stock_row(ctx.db, s, part_detail=True, location_detail=True)


def location_list(ctx: Ctx) -> Any:
    w = Where(ctx)
    parent = ctx.params.get("parent")
    if parent is not None:
        if parent.lower() in ("null", "none", ""):
            w.add("parent IS NULL")
        else:
            w.add("parent = ?", w.number("parent"))
    for term in search_terms(ctx):
        w.add("contains(name || ' ' || description || ' ' || pathstring, ?)", term)
    return list_view(
        ctx,
        select="*",
        source="FROM location",
        where=w,
        order=" ORDER BY pathstring",
        rows=lambda locs: [ser.location_row(r, ctx.db) for r in locs],
    )


def location_detail(ctx: Ctx) -> Any:
    loc = ctx.db.get("location", ctx.path_params["id"])
    if loc is None:
        raise ApiError(404, {"detail": "No StockLocation matches the given query."})
    return ser.location_row(loc, ctx.db)


def stock_transfer(ctx: Ctx) -> Any:
    return JSONResponse(transfer(ctx.db, body_dict(ctx)), status_code=201)
