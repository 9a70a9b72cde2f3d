"""InvenTree's stock and build arithmetic, as described in the semantics document.

Section numbers (§) refer to ``shared/docs/inventree-build-semantics.md``.
"""

from __future__ import annotations

import math
from decimal import Decimal, InvalidOperation
from typing import Any

from .db import Database, Row

ACTIVE_CODES = (10, 20, 25)
IN_STOCK_STATUS = (10, 50, 55, 85)

BUILD_STATUS = {
    10: ("PENDING", "Pending", "secondary"),
    20: ("PRODUCTION", "Production", "primary"),
    25: ("ON_HOLD", "On Hold", "warning"),
    30: ("CANCELLED", "Cancelled", "danger"),
    40: ("COMPLETE", "Complete", "success"),
}
STOCK_STATUS = {
    10: ("OK", "OK", "success"),
    50: ("ATTENTION", "Attention needed", "warning"),
    55: ("DAMAGED", "Damaged", "warning"),
    60: ("DESTROYED", "Destroyed", "danger"),
    65: ("REJECTED", "Rejected", "danger"),
    70: ("LOST", "Lost", "dark"),
    75: ("QUARANTINED", "Quarantined", "info"),
    85: ("RETURNED", "Returned", "warning"),
}

IN_STOCK_SQL = (
    "s.quantity > 0 AND s.sales_order IS NULL AND s.belongs_to IS NULL AND s.customer IS NULL"
    " AND s.consumed_by IS NULL AND s.is_building = 0 AND s.status IN (10, 50, 55, 85)"
)

EPS = Decimal("0.000001")


class ApiError(Exception):
    """An HTTP error answer: status code and the JSON body InvenTree would send."""

    def __init__(self, status: int, body: Any) -> None:
        super().__init__(f"{status}: {body}")
        self.status = status
        self.body = body


def field_error(field: str, message: str, status: int = 400) -> ApiError:
    return ApiError(status, {field: [message]})


def non_field(message: str) -> ApiError:
    return ApiError(400, {"non_field_errors": [message]})


def D(value: Any) -> Decimal:
    if isinstance(value, Decimal):
        return value
    if value is None:
        return Decimal(0)
    return Decimal(str(value))


def fnum(value: Any) -> float:
    """A model decimal as the API renders it: a JSON float (§1.3)."""
    return float(round(D(value), 5))


def norm(value: Any) -> str:
    """A number as InvenTree's messages print it: no trailing zeros."""
    d = D(value).normalize()
    text = format(d, "f")
    return text


def echo_decimal(value: Decimal) -> str:
    """Decimals in action echoes are strings with 5 decimal places (§3.6)."""
    return f"{value:.5f}"


# -- input parsing (DRF-like messages) ------------------------------------
def parse_decimal(
    data: dict[str, Any],
    key: str,
    errors: dict[str, list[str]],
    *,
    required: bool = True,
    min_value: Decimal | None = Decimal(0),
) -> Decimal | None:
    if key not in data or data[key] is None or data[key] == "":
        if required:
            errors[key] = ["This field is required." if key not in data else "A valid number is required."]
        return None
    raw = data[key]
    if isinstance(raw, bool):
        errors[key] = ["A valid number is required."]
        return None
    try:
        value = Decimal(str(raw).strip())
    except (InvalidOperation, ValueError):
        errors[key] = ["A valid number is required."]
        return None
    if not value.is_finite():
        errors[key] = ["A valid number is required."]
        return None
    if abs(value) >= Decimal("1e10"):
        errors[key] = ["Ensure that there are no more than 15 digits in total."]
        return None
    if min_value is not None and value < min_value:
        errors[key] = [f"Ensure this value is greater than or equal to {norm(min_value)}."]
        return None
    return value


def parse_pk(
    db: Database,
    data: dict[str, Any],
    key: str,
    table: str,
    errors: dict[str, list[str]],
    *,
    required: bool = True,
    where: str = "",
) -> Row | None:
    if key not in data:
        if required:
            errors[key] = ["This field is required."]
        return None
    raw = data[key]
    if raw is None or raw == "":
        if required:
            errors[key] = ["This field may not be null."]
        return None
    if isinstance(raw, bool) or not isinstance(raw, (int, str)):
        errors[key] = [f"Incorrect type. Expected pk value, received {type(raw).__name__}."]
        return None
    try:
        pk = int(raw)
    except ValueError:
        errors[key] = [f"Incorrect type. Expected pk value, received {type(raw).__name__}."]
        return None
    row = db.one(f"SELECT * FROM {table} WHERE id = ? {where}", (pk,))
    if row is None:
        errors[key] = [f'Invalid pk "{pk}" - object does not exist.']
    return row


TRUE_WORDS = {"1", "y", "yes", "t", "true", "ok", "on"}
FALSE_WORDS = {"0", "n", "no", "f", "false", "off"}


def parse_bool(data: dict[str, Any], key: str, default: bool, errors: dict[str, list[str]]) -> bool:
    if key not in data or data[key] is None:
        return default
    raw = data[key]
    if isinstance(raw, bool):
        return raw
    if isinstance(raw, int) and raw in (0, 1):
        return bool(raw)
    if isinstance(raw, str):
        low = raw.strip().lower()
        if low in TRUE_WORDS:
            return True
        if low in FALSE_WORDS:
            return False
    errors[key] = ["Must be a valid boolean."]
    return default


def query_bool(value: str | None) -> bool | None:
    """Boolean query filters: unparseable values are ignored (§1.3)."""
    if value is None:
        return None
    low = value.strip().lower()
    if low in TRUE_WORDS:
        return True
    if low in FALSE_WORDS:
        return False
    return None


# -- BOM and stock arithmetic ---------------------------------------------
def required_quantity(bom: Row, n: Decimal) -> Decimal:
    """§3.3: q = ceil(((bom_qty × N)(1 + attrition%) + setup) / multiple) × multiple."""
    r = D(bom["quantity"]) * n
    if bom["attrition"] and D(bom["attrition"]) > 0:
        r = r * (1 + D(bom["attrition"]) / 100)
    if bom["setup_quantity"] and D(bom["setup_quantity"]) > 0:
        r = r + D(bom["setup_quantity"])
    m = D(bom["rounding_multiple"]) if bom["rounding_multiple"] else Decimal(0)
    if m > 0:
        r = Decimal(math.ceil(r / m)) * m
    return r


def bom_items_for_assembly(db: Database, part_id: int) -> list[Row]:
    """Non-virtual BOM items of an assembly, inherited template items included (§8 rule 1)."""
    ancestors = db.part_ancestors(part_id)
    rows = db.all(
        "SELECT b.* FROM bom_item b JOIN part p ON p.id = b.sub_part WHERE b.part = ? AND p.virtual = 0 ORDER BY b.id",
        (part_id,),
    )
    for anc in ancestors:
        rows += db.all(
            "SELECT b.* FROM bom_item b JOIN part p ON p.id = b.sub_part WHERE b.part = ?"
            " AND b.inherited = 1 AND p.virtual = 0 ORDER BY b.id",
            (anc,),
        )
    return rows


def valid_parts_for_bom(db: Database, bom: Row, *, substitutes: bool = True) -> list[int]:
    """§3.4 check 7: sub_part, variants if allowed, substitutes (and their variants), same trackable flag."""
    sub = db.get("part", bom["sub_part"])
    assert sub is not None
    parts = [sub["id"]]
    if bom["allow_variants"]:
        parts += db.part_descendants(sub["id"])
    if substitutes:
        for s in db.all("SELECT part FROM bom_substitute WHERE bom_item = ?", (bom["id"],)):
            parts.append(s["part"])
            if bom["allow_variants"]:
                parts += db.part_descendants(s["part"])
    seen: list[int] = []
    for p in parts:
        if p in seen:
            continue
        row = db.get("part", p)
        if row and bool(row["trackable"]) == bool(sub["trackable"]):
            seen.append(p)
    return seen


def in_stock(stock: Row) -> bool:
    return (
        D(stock["quantity"]) > 0
        and stock["sales_order"] is None
        and stock["belongs_to"] is None
        and stock["customer"] is None
        and stock["consumed_by"] is None
        and not stock["is_building"]
        and stock["status"] in IN_STOCK_STATUS
    )


def build_allocated_for_stock(db: Database, stock_id: int, exclude_item: int | None = None) -> Decimal:
    sql = "SELECT COALESCE(SUM(quantity), 0) AS q FROM build_item WHERE stock_item = ?"
    params: list[Any] = [stock_id]
    if exclude_item is not None:
        sql += " AND id != ?"
        params.append(exclude_item)
    return D(db.scalar(sql, params))


def unallocated_quantity(db: Database, stock: Row) -> Decimal:
    """§4: max(quantity − build allocations − open sales-order allocations, 0)."""
    free = D(stock["quantity"]) - build_allocated_for_stock(db, stock["id"]) - D(stock["so_allocated"])
    return max(free, Decimal(0))


def stock_allocated(db: Database, stock: Row) -> Decimal:
    return build_allocated_for_stock(db, stock["id"]) + D(stock["so_allocated"])


def available_by_part(db: Database, part_ids: list[int], locations: list[int] | None) -> dict[int, Decimal]:
    """In-stock quantity minus allocations to active builds and sales orders, per part (§3.3)."""
    if not part_ids:
        return {}
    marks = ",".join("?" * len(part_ids))
    loc_sql = ""
    params: list[Any] = list(part_ids)
    if locations is not None:
        loc_sql = f" AND s.location IN ({','.join('?' * len(locations))})"
        params += locations
    stock = db.all(
        f"SELECT s.part AS part, SUM(s.quantity) AS q, SUM(s.so_allocated) AS so FROM stock s"
        f" WHERE s.part IN ({marks}) AND {IN_STOCK_SQL}{loc_sql} GROUP BY s.part",
        params,
    )
    alloc = db.all(
        f"SELECT s.part AS part, SUM(bi.quantity) AS q FROM build_item bi JOIN stock s ON s.id = bi.stock_item"
        f" JOIN build_line bl ON bl.id = bi.build_line JOIN build b ON b.id = bl.build"
        f" WHERE s.part IN ({marks}) AND b.status IN (10, 20, 25) AND {IN_STOCK_SQL}{loc_sql} GROUP BY s.part",
        params,
    )
    out = {r["part"]: D(r["q"]) - D(r["so"]) for r in stock}
    for r in alloc:
        out[r["part"]] = out.get(r["part"], Decimal(0)) - D(r["q"])
    return {k: max(v, Decimal(0)) for k, v in out.items()}
