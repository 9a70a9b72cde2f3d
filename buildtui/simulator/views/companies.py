"""``/api/company/``, ``/api/company/part/`` (supplier parts), ``/api/company/part/manufacturer/`` and
``/api/order/po/``: lists with InvenTree's filters, and details (scanning doc §4)."""

from __future__ import annotations

from typing import Any

from .. import company as rows
from ..db import Row
from ..query import Ctx, Where, list_view, ordering, search_terms
from ..rules import IN_STOCK_SQL, ApiError

INVALID_CHOICE = ["Select a valid choice. That choice is not one of the available choices."]
SP_SOURCE = (
    "FROM supplier_part sp JOIN part p ON p.id = sp.part JOIN company sup ON sup.id = sp.supplier"
    " LEFT JOIN manufacturer_part mp ON mp.id = sp.manufacturer_part"
    " LEFT JOIN company man ON man.id = mp.manufacturer"
)
SP_IN_STOCK = f"(SELECT COALESCE(SUM(s.quantity), 0) FROM stock s WHERE s.supplier_part = sp.id AND {IN_STOCK_SQL})"
SP_ORDERING = {
    "SKU": "sp.SKU", "part": "p.name", "supplier": "sup.name", "manufacturer": "man.name", "active": "sp.active",
    "MPN": "mp.MPN", "packaging": "sp.packaging", "pack_quantity": "sp.pack_quantity", "in_stock": SP_IN_STOCK,
    "updated": "sp.updated",
}  # fmt: skip


def _company(w: Where, name: str, condition: str = "") -> int | None:
    """A company filter: unknown ids (or ones that are not a supplier, say) are InvenTree's 400."""
    raw = w.ctx.params.get(name)
    if raw is None or raw == "":
        return None
    try:
        pk = int(raw)
    except ValueError:
        raise ApiError(400, {name: INVALID_CHOICE}) from None
    if w.ctx.db.one(f"SELECT id FROM company WHERE id = ? {condition}", (pk,)) is None:
        raise ApiError(400, {name: INVALID_CHOICE})
    return pk


def _detail(ctx: Ctx, table: str, name: str) -> Row:
    row = ctx.db.get(table, ctx.path_params["id"])
    if row is None:
        raise ApiError(404, {"detail": f"No {name} matches the given query."})
    return row


# -- companies -------------------------------------------------------------------
def company_list(ctx: Ctx) -> Any:
    w = Where(ctx)
    for name in ("is_customer", "is_manufacturer", "is_supplier", "active"):
        v = w.boolean(name)
        if v is not None:
            w.add(f"{name} = ?", int(v))
    exact = ctx.params.get("name")
    if exact is not None:
        w.add("name = ?", exact)
    for term in search_terms(ctx):
        w.add("contains(name || ' ' || description || ' ' || website || ' ' || tax_id, ?)", term)
    order = ordering(ctx, {"name": "name", "website": "website"}, "name") + ", id"
    return list_view(ctx, select="*", source="FROM company", where=w, order=order,
                     rows=lambda found: [rows.company_row(ctx.db, c) for c in found])  # fmt: skip


def company_detail(ctx: Ctx) -> Any:
    return rows.company_row(ctx.db, _detail(ctx, "company", "Company"))


# -- supplier parts ----------------------------------------------------------------
def _supplier_part_options(ctx: Ctx) -> dict[str, bool]:
    return {
        "part_detail": ctx.flag("part_detail", False),
        "supplier_detail": ctx.flag("supplier_detail", True),
        "manufacturer_detail": ctx.flag("manufacturer_detail", False),
        "pretty": ctx.flag("pretty", False),
    }


def supplier_part_where(ctx: Ctx) -> Where:
    w = Where(ctx)
    sku = ctx.params.get("SKU")
    if sku is not None:
        w.add("sp.SKU = ?", sku)  # exact and case-sensitive
    mpn = ctx.params.get("MPN")
    if mpn is not None:
        w.add("lower(mp.MPN) = lower(?)", mpn)
    supplier = _company(w, "supplier", "AND is_supplier = 1")
    if supplier is not None:
        w.add("sp.supplier = ?", supplier)
    manufacturer = _company(w, "manufacturer", "AND is_manufacturer = 1")
    if manufacturer is not None:
        w.add("mp.manufacturer = ?", manufacturer)
    either = _company(w, "company")
    if either is not None:
        w.add("(sp.supplier = ? OR mp.manufacturer = ?)", either, either)
    part = w.fk("part", "part")
    if part is not None:
        w.add("sp.part = ?", part)
    mp_id = w.fk("manufacturer_part", "manufacturer_part")
    if mp_id is not None:
        w.add("sp.manufacturer_part = ?", mp_id)
    for name, col in (("active", "sp.active"), ("part_active", "p.active"), ("supplier_active", "sup.active")):
        v = w.boolean(name)
        if v is not None:
            w.add(f"{col} = ?", int(v))
    v = w.boolean("has_stock")
    if v is not None:
        w.add(f"{SP_IN_STOCK} {'>' if v else '<='} 0")
    for term in search_terms(ctx):
        w.add(
            "contains(sp.SKU || ' ' || sup.name || ' ' || COALESCE(man.name, '') || ' ' || COALESCE(sp.description, '')"
            " || ' ' || COALESCE(mp.MPN, '') || ' ' || p.IPN || ' ' || p.name || ' ' || p.description, ?)",
            term,
        )
    return w


def supplier_part_list(ctx: Ctx) -> Any:
    opts = _supplier_part_options(ctx)
    return list_view(ctx, select="sp.*", source=SP_SOURCE, where=supplier_part_where(ctx),
                     order=ordering(ctx, SP_ORDERING, "sp.id") + ", sp.id",
                     rows=lambda found: [rows.supplier_part_row(ctx.db, sp, **opts) for sp in found])  # fmt: skip


def supplier_part_detail(ctx: Ctx) -> Any:
    sp = _detail(ctx, "supplier_part", "SupplierPart")
    return rows.supplier_part_row(ctx.db, sp, **_supplier_part_options(ctx))


# -- manufacturer parts --------------------------------------------------------------
def manufacturer_part_list(ctx: Ctx) -> Any:
    w = Where(ctx)
    manufacturer = _company(w, "manufacturer", "AND is_manufacturer = 1")
    if manufacturer is not None:
        w.add("mp.manufacturer = ?", manufacturer)
    mpn = ctx.params.get("MPN")
    if mpn is not None:
        w.add("mp.MPN = ?", mpn)
    part = w.fk("part", "part")
    if part is not None:
        w.add("mp.part = ?", part)
    for name, col in (("part_active", "p.active"), ("manufacturer_active", "man.active")):
        v = w.boolean(name)
        if v is not None:
            w.add(f"{col} = ?", int(v))
    for term in search_terms(ctx):
        w.add("contains(mp.MPN || ' ' || man.name || ' ' || p.name || ' ' || p.IPN || ' ' || mp.description, ?)", term)
    opts = {
        "part_detail": ctx.flag("part_detail", False),
        "manufacturer_detail": ctx.flag("manufacturer_detail", False),
    }
    source = "FROM manufacturer_part mp JOIN part p ON p.id = mp.part JOIN company man ON man.id = mp.manufacturer"
    return list_view(ctx, select="mp.*", source=source, where=w, order=" ORDER BY mp.id",
                     rows=lambda found: [rows.manufacturer_part_row(ctx.db, mp, **opts) for mp in found])  # fmt: skip


def manufacturer_part_detail(ctx: Ctx) -> Any:
    mp = _detail(ctx, "manufacturer_part", "ManufacturerPart")
    opts = {
        "part_detail": ctx.flag("part_detail", False),
        "manufacturer_detail": ctx.flag("manufacturer_detail", False),
    }
    return rows.manufacturer_part_row(ctx.db, mp, **opts)


# -- purchase orders ---------------------------------------------------------------------
def purchase_order_list(ctx: Ctx) -> Any:
    w = Where(ctx)
    supplier = _company(w, "supplier", "AND is_supplier = 1")
    if supplier is not None:
        w.add("supplier = ?", supplier)
    for name in ("reference", "supplier_reference"):
        val = ctx.params.get(name)
        if val is not None:
            w.add(f"{name} = ?", val)
    for term in search_terms(ctx):
        w.add("contains(reference || ' ' || supplier_reference || ' ' || description, ?)", term)
    return list_view(ctx, select="*", source="FROM purchase_order", where=w, order=" ORDER BY id",
                     rows=lambda found: [rows.purchase_order_row(ctx.db, po) for po in found])  # fmt: skip


def purchase_order_detail(ctx: Ctx) -> Any:
    return rows.purchase_order_row(ctx.db, _detail(ctx, "purchase_order", "PurchaseOrder"))
