"""Build orders themselves: references, create, edit (PATCH/PUT), delete, and what every save recomputes."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from typing import Any

from ...clock import today
from .. import rules
from ..db import Database, Row
from ..rules import ApiError, D, non_field
from .common import raise_errors

REFERENCE_PATTERN = "BO-{ref:04d}"


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
    for bom in db.all(
        "SELECT b.*, bl.id AS line_id FROM build_line bl JOIN bom_item b ON b.id = bl.bom_item WHERE bl.build = ?",
        (build["id"],),
    ):
        db.conn.execute(
            "UPDATE build_line SET quantity = ? WHERE id = ?", (float(rules.required_quantity(bom, n)), bom["line_id"])
        )


def save_build(db: Database, build_id: int, **values: Any) -> Row:
    if "status" in values:
        values.setdefault("status_custom_key", None)  # a transition leaves any custom state
    if values:
        db.update("build", build_id, **values)
    b = db.get("build", build_id)
    assert b is not None
    recompute_lines(db, b)
    return b


WRITABLE = (
    "title",
    "batch",
    "parent",
    "sales_order",
    "take_from",
    "destination",
    "external",
    "start_date",
    "target_date",
    "issued_by",
    "responsible",
    "priority",
    "project_code",
    "link",
    "notes",
    "completion_date",
    "quantity",
    "reference",
    "part",
)


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
    for fk, table in (
        ("parent", "build"),
        ("take_from", "location"),
        ("destination", "location"),
        ("issued_by", "user"),
        ("responsible", "owner"),
        ("project_code", "project_code"),
    ):
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
    raise_errors(errors)
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
        db.insert(
            "build_line", build=pk, bom_item=bom["id"], quantity=float(rules.required_quantity(bom, n)), consumed=0
        )
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
