"""Companies, manufacturer parts, supplier parts and purchase orders as the API renders them (scanning doc §4).

Rows follow ``company/serializers.py`` at API 425: optional detail fields are left out unless asked for, and
``in_stock`` counts only stock received as (or edited to) that supplier part.
"""

from __future__ import annotations

from typing import Any

from . import rules
from . import serializers as ser
from .db import Database, Row
from .rules import fnum

THUMBNAIL = "/static/img/blank_image.thumbnail.png"
PO_STATUS = {10: "Pending", 20: "Placed", 25: "On Hold", 30: "Complete", 40: "Cancelled", 50: "Lost", 60: "Returned"}


def company_brief(c: Row | None) -> dict[str, Any] | None:
    """``CompanyBriefSerializer``: what ``supplier_detail`` and ``manufacturer_detail`` hold."""
    if c is None:
        return None
    return {
        "pk": c["id"],
        "active": bool(c["active"]),
        "name": c["name"],
        "description": c["description"],
        "image": None,
        "thumbnail": THUMBNAIL,
        "currency": c["currency"],
        "tax_id": c["tax_id"],
    }


def company_row(db: Database, c: Row) -> dict[str, Any]:
    return {
        "pk": c["id"],
        "name": c["name"],
        "description": c["description"],
        "website": c["website"],
        "phone": c["phone"],
        "address": None,
        "email": c["email"],
        "currency": c["currency"],
        "contact": c["contact"],
        "link": c["link"],
        "image": None,
        "active": bool(c["active"]),
        "is_customer": bool(c["is_customer"]),
        "is_manufacturer": bool(c["is_manufacturer"]),
        "is_supplier": bool(c["is_supplier"]),
        "notes": c["notes"],
        "parts_supplied": db.scalar("SELECT COUNT(*) FROM supplier_part WHERE supplier = ?", (c["id"],)),
        "parts_manufactured": db.scalar("SELECT COUNT(*) FROM manufacturer_part WHERE manufacturer = ?", (c["id"],)),
        "address_count": 0,
        "primary_address": None,
        "tax_id": c["tax_id"],
    }


def manufacturer_part_row(
    db: Database, mp: Row, *, part_detail: bool = False, manufacturer_detail: bool = False
) -> dict[str, Any]:
    row: dict[str, Any] = {
        "pk": mp["id"],
        "part": mp["part"],
        "manufacturer": mp["manufacturer"],
        "MPN": mp["MPN"],
        "description": mp["description"],
        "link": mp["link"],
        "barcode_hash": mp["barcode_hash"] or "",
        "notes": mp["notes"],
        "tags": [],
    }
    if part_detail:
        row["part_detail"] = ser.part_brief(db.get("part", mp["part"]))
    if manufacturer_detail:
        row["manufacturer_detail"] = company_brief(db.get("company", mp["manufacturer"]))
    return row


def supplier_in_stock(db: Database, sp_id: int) -> float:
    """The quantity in stock of items whose supplier part is this one (stock entered without one is not counted)."""
    total = db.scalar(
        f"SELECT COALESCE(SUM(s.quantity), 0) FROM stock s WHERE s.supplier_part = ? AND {rules.IN_STOCK_SQL}",
        (sp_id,),
    )
    return fnum(total)


def supplier_part_row(
    db: Database,
    sp: Row,
    *,
    part_detail: bool = False,
    supplier_detail: bool = True,
    manufacturer_detail: bool = False,
    pretty: bool = False,
    in_stock: bool = True,
) -> dict[str, Any]:
    """A SupplierPart row; ``manufacturer_detail`` adds both ``manufacturer_detail`` and
    ``manufacturer_part_detail``; ``in_stock=False`` leaves the annotation null (as in a scan's ``instance``)."""
    mp = db.get("manufacturer_part", sp["manufacturer_part"]) if sp["manufacturer_part"] else None
    row: dict[str, Any] = {
        "pk": sp["id"],
        "part": sp["part"],
        "supplier": sp["supplier"],
        "SKU": sp["SKU"],
        "manufacturer_part": sp["manufacturer_part"],
        "MPN": mp["MPN"] if mp else None,
        "description": sp["description"],
        "link": sp["link"],
        "note": sp["note"],
        "active": bool(sp["active"]),
        "packaging": sp["packaging"],
        "pack_quantity": sp["pack_quantity"],
        "pack_quantity_native": float(sp["pack_quantity"] or 1),
        "in_stock": supplier_in_stock(db, sp["id"]) if in_stock else None,
        "on_order": 0.0,
        "available": fnum(sp["available"]),
        "availability_updated": sp["availability_updated"],
        "barcode_hash": sp["barcode_hash"] or "",
        "updated": sp["updated"],
        "notes": sp["notes"],
        "tags": [],
    }
    if part_detail:
        row["part_detail"] = ser.part_brief(db.get("part", sp["part"]))
    if supplier_detail:
        row["supplier_detail"] = company_brief(db.get("company", sp["supplier"]))
    if manufacturer_detail:
        row["manufacturer_detail"] = company_brief(db.get("company", mp["manufacturer"])) if mp else None
        row["manufacturer_part_detail"] = manufacturer_part_row(db, mp) if mp else None
    if pretty:
        supplier = db.get("company", sp["supplier"])
        name = f"{supplier['name']} | {sp['SKU']}" if supplier else sp["SKU"]
        row["pretty_name"] = f"{name} | {mp['MPN']}" if mp else name
    return row


def purchase_order_row(db: Database, po: Row) -> dict[str, Any]:
    return {
        "pk": po["id"],
        "reference": po["reference"],
        "description": po["description"],
        "supplier": po["supplier"],
        "supplier_detail": company_brief(db.get("company", po["supplier"])),
        "supplier_reference": po["supplier_reference"],
        "status": po["status"],
        "status_text": PO_STATUS.get(po["status"], str(po["status"])),
        "status_custom_key": po["status"],
        "creation_date": po["creation_date"],
        "issue_date": po["issue_date"],
        "target_date": po["target_date"],
        "complete_date": po["complete_date"],
        "destination": po["destination"],
        "barcode_hash": po["barcode_hash"] or "",
        "line_items": 0,
        "completed_lines": 0,
        "notes": None,
    }
