"""``/api/build/item/``: allocations (BuildItem) listed, created, edited and deleted, one or in bulk."""

from __future__ import annotations

from typing import Any

from starlette.responses import JSONResponse, Response

from .. import actions, rules, version_views
from .. import serializers as ser
from ..db import Row
from ..endpoint import body_dict
from ..query import Ctx, Where, ints, list_view, ordering, search_terms
from ..rules import ApiError, query_bool

ITEM_SOURCE = (
    "FROM build_item bi JOIN build_line bl ON bl.id = bi.build_line JOIN stock s ON s.id = bi.stock_item"
    " JOIN part p ON p.id = s.part JOIN bom_item bom ON bom.id = bl.bom_item"
)
ITEM_ORDERING = {
    "part": "p.name",
    "quantity": "bi.quantity",
    "location": "s.location",
    "reference": "bom.reference",
    "IPN": "p.IPN",
    "sku": "bi.id",
}


class _ParamsCtx:
    """The bulk delete's ``filters`` read as if they were the query string."""

    def __init__(self, ctx: Ctx, params: dict[str, Any]) -> None:
        self.db = ctx.db
        self.params = {k: str(v) for k, v in params.items()}


def item_where(ctx: Ctx, params: Any | None = None) -> Where:
    w = Where(ctx)
    if params is not None:
        w.ctx = _ParamsCtx(ctx, params)  # type: ignore[assignment]
    db = ctx.db
    build = w.number("build")
    if build is not None:
        w.add("bl.build = ?", build)
    for name, col in (
        ("build_line", "bi.build_line"),
        ("stock_item", "bi.stock_item"),
        ("install_into", "bi.install_into"),
    ):
        n = w.number(name)
        if n is not None:
            w.add(f"{col} = ?", n)
    part = w.number("part")
    if part is not None:
        parts = [part] + (db.part_descendants(part) if w.boolean("include_variants") else [])
        w.add(f"s.part IN ({','.join('?' * len(parts))})", *parts)
    v = w.boolean("tracked")
    if v is not None:
        w.add(f"bi.install_into IS {'NOT ' if v else ''}NULL")
    out = w.ctx.params.get("output")
    if out is not None:
        if out.lower() in ("null", "none", ""):
            w.add("bi.install_into IS NULL")
        else:
            w.add("bi.install_into = ?", w.number("output"))
    loc = w.number("location")
    if loc is not None:
        locs = db.location_subtree(loc)
        w.add(f"s.location IN ({','.join('?' * len(locs))})", *locs)
    for term in search_terms(w.ctx):
        w.add("contains(p.name || ' ' || p.IPN || ' ' || bom.reference, ?)", term)
    return w


def item_list(ctx: Ctx) -> Any:
    if ctx.request.method == "POST":
        return item_create(ctx)
    if ctx.request.method == "DELETE":
        return item_bulk_delete(ctx)
    opts = version_views.item_options(ctx)

    def rows(items: list[Row]) -> list[Any]:
        return version_views.unrequested_out(ctx, [ser.build_item_row(ctx.db, r, **opts) for r in items], items=True)

    return list_view(
        ctx,
        select="bi.*",
        source=ITEM_SOURCE,
        where=item_where(ctx),
        order=ordering(ctx, ITEM_ORDERING, "bi.id"),
        rows=rows,
    )


def item_create(ctx: Ctx) -> Any:
    db = ctx.db
    body = body_dict(ctx)
    errors: dict[str, Any] = {}
    line = rules.parse_pk(db, body, "build_line", "build_line", errors)
    stock = rules.parse_pk(db, body, "stock_item", "stock", errors)
    q = rules.parse_decimal(body, "quantity", errors)
    out = rules.parse_pk(db, body, "install_into", "stock", errors, required=False)
    if errors:
        raise ApiError(400, errors)
    assert line and stock and q is not None
    pk = db.insert(
        "build_item",
        build_line=line["id"],
        stock_item=stock["id"],
        quantity=float(q),
        install_into=out["id"] if out else None,
    )
    item = db.get("build_item", pk)
    assert item is not None
    actions.clean_build_item(db, item)
    return JSONResponse(ser.build_item_row(db, item), status_code=201)


def item_bulk_delete(ctx: Ctx) -> Any:
    db = ctx.db
    body = ctx.body if isinstance(ctx.body, dict) else {}
    items = body.get("items")
    filters = body.get("filters")
    all_flag = ctx.params.get("all")
    if items is None and filters is None and all_flag is None:
        raise ApiError(400, {"non_field_errors": "List of items or filters must be provided for bulk operation"})
    if all_flag is not None and query_bool(all_flag) is not True:
        raise ApiError(400, {"non_field_errors": "All filter must only be used with true"})
    ids: list[int]
    if all_flag is not None:
        ids = [r["id"] for r in db.all("SELECT id FROM build_item")]
    elif items is not None:
        if not isinstance(items, list):
            raise ApiError(400, {"non_field_errors": "Items must be provided as a list"})
        ids = ints(items, "non_field_errors")
    else:
        if not isinstance(filters, dict):
            raise ApiError(400, {"non_field_errors": "Filters must be provided as a dict"})
        try:
            w = item_where(ctx, filters)
        except ApiError:
            raise ApiError(400, {"non_field_errors": "Invalid filters provided"}) from None
        ids = [r["id"] for r in db.all(f"SELECT bi.id {ITEM_SOURCE}{w.clause()}", w.params)]
    marks = ",".join("?" * len(ids))
    existing = [r["id"] for r in db.all(f"SELECT id FROM build_item WHERE id IN ({marks})", ids)] if ids else []
    if not existing:
        raise ApiError(400, {"non_field_errors": "No items match the provided criteria"})
    db.conn.execute(f"DELETE FROM build_item WHERE id IN ({','.join('?' * len(existing))})", existing)
    return {"success": f"Deleted {len(existing)} items"}


def _writable(ctx: Ctx, body: dict[str, Any]) -> dict[str, Any]:
    """PATCH/PUT: ``build_line``, ``stock_item`` (re-pointing the allocation), ``install_into`` and ``quantity``;
    the other fields are read-only and ignored. The model checks then run again (``clean_build_item``)."""
    errors: dict[str, Any] = {}
    values: dict[str, Any] = {}
    for key, table in (("build_line", "build_line"), ("stock_item", "stock"), ("install_into", "stock")):
        if key in body:
            if body[key] is None and key == "install_into":
                values[key] = None
                continue
            row = rules.parse_pk(ctx.db, body, key, table, errors)
            if row is not None:
                values[key] = row["id"]
    if "quantity" in body:
        q = rules.parse_decimal(body, "quantity", errors, min_value=None)
        if q is not None:
            values["quantity"] = float(q)
    if errors:
        raise ApiError(400, errors)
    return values


def item_detail(ctx: Ctx) -> Any:
    db = ctx.db
    bi = db.get("build_item", ctx.path_params["id"])
    if bi is None:
        raise ApiError(404, {"detail": "No BuildItem matches the given query."})
    method = ctx.request.method
    if method == "DELETE":
        db.conn.execute("DELETE FROM build_item WHERE id = ?", (bi["id"],))
        return Response(status_code=204)
    if method in ("PATCH", "PUT"):
        values = _writable(ctx, body_dict(ctx))
        if values:
            db.update("build_item", bi["id"], **values)
        bi = db.get("build_item", bi["id"])
        assert bi is not None
        actions.clean_build_item(db, bi)
    return ser.build_item_row(db, bi, part_detail=True, location_detail=True, stock_detail=True, build_detail=True)
