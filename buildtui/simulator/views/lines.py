"""``/api/build/line/``: a build's BOM lines with their allocation and availability annotations (§3.3)."""

from __future__ import annotations

from typing import Any

from starlette.responses import Response

from .. import rules, version_views
from .. import serializers as ser
from ..db import Row
from ..endpoint import body_dict
from ..query import Ctx, Where, list_view, ordering, search_terms
from ..rules import ApiError

LINE_ORDERING = {
    "part": "p.name",
    "reference": "bom.reference",
    "quantity": "bl.quantity",
    "consumed": "bl.consumed",
    "consumable": "bom.consumable",
    "optional": "bom.optional",
    "unit_quantity": "bom.quantity",
    "trackable": "p.trackable",
    "allow_variants": "bom.allow_variants",
    "inherited": "bom.inherited",
    "allocated": "(SELECT COALESCE(SUM(quantity),0) FROM build_item WHERE build_line = bl.id)",
    "category": "p.category",
}
LINE_SOURCE = (
    "FROM build_line bl JOIN bom_item bom ON bom.id = bl.bom_item JOIN part p ON p.id = bom.sub_part"
    " JOIN build b ON b.id = bl.build"
)


def line_where(ctx: Ctx) -> Where:
    w = Where(ctx)
    build = w.fk("build", "build")
    if build is not None:
        w.add("bl.build = ?", build)
    bom = w.number("bom_item")
    if bom is not None:
        w.add("bl.bom_item = ?", bom)
    part = w.number("part")
    if part is not None:
        w.add("bom.sub_part = ?", part)
    for name, col in (
        ("consumable", "bom.consumable"),
        ("optional", "bom.optional"),
        ("tracked", "p.trackable"),
        ("testable", "p.testable"),
        ("assembly", "p.assembly"),
    ):
        v = w.boolean(name)
        if v is not None:
            w.add(f"{col} = ?", int(v))
    v = w.boolean("order_outstanding")
    if v is not None:
        w.add(f"b.status {'IN' if v else 'NOT IN'} (10, 20, 25)")
    alloc_sql = "(SELECT COALESCE(SUM(quantity),0) FROM build_item WHERE build_line = bl.id)"
    v = w.boolean("allocated")
    if v is not None:
        w.add(f"{alloc_sql} {'>=' if v else '<'} bl.quantity - bl.consumed - 0.0000001")
    v = w.boolean("consumed")
    if v is not None:
        w.add(f"bl.consumed {'>=' if v else '<'} bl.quantity")
    v = w.boolean("on_order")
    if v is True:
        w.add("0")
    for term in search_terms(ctx):
        w.add("contains(p.name || ' ' || p.IPN || ' ' || p.description || ' ' || bom.reference, ?)", term)
    return w


def line_list(ctx: Ctx) -> Any:
    w = line_where(ctx)
    build = w.number("build")
    opts: dict[str, Any] = dict(build_filter=build, **version_views.line_options(ctx))
    available = w.boolean("available")

    def rows(lines: list[Row]) -> list[Any]:
        with ctx.db.remembering():
            return version_views.unrequested_out(ctx, ser.line_rows(ctx.db, lines, **opts))

    keep = None if available is None else (lambda r: _line_available(r) == available)
    return list_view(
        ctx,
        select="bl.*",
        source=LINE_SOURCE,
        where=w,
        order=ordering(ctx, LINE_ORDERING, "bl.id"),
        rows=rows,
        keep=keep,
    )


def _line_available(r: dict[str, Any]) -> bool:
    return bool(
        r["quantity"]
        <= (
            r["allocated"]
            + r["consumed"]
            + r["available_stock"]
            + r["available_substitute_stock"]
            + r["available_variant_stock"]
        )
        + 1e-9
    )


def line_detail(ctx: Ctx) -> Any:
    db = ctx.db
    ln = db.get("build_line", ctx.path_params["id"])
    if ln is None:
        raise ApiError(404, {"detail": "No BuildLine matches the given query."})
    method = ctx.request.method
    if method == "DELETE":
        db.conn.execute("DELETE FROM build_item WHERE build_line = ?", (ln["id"],))
        db.conn.execute("DELETE FROM build_line WHERE id = ?", (ln["id"],))
        return Response(status_code=204)
    if method in ("PATCH", "PUT"):
        body = body_dict(ctx)
        errors: dict[str, Any] = {}
        values = {}
        for key in ("quantity", "consumed"):
            if key in body:
                q = rules.parse_decimal(body, key, errors)
                if q is not None:
                    values[key] = float(q)
        if errors:
            raise ApiError(400, errors)
        if values:
            db.update("build_line", ln["id"], **values)
        ln = db.get("build_line", ln["id"])
    rows = ser.line_rows(db, [ln], build_filter=None, **version_views.line_options(ctx))  # type: ignore[list-item]
    return version_views.unrequested_out(ctx, rows)[0]
