"""Build outputs: create-output/, complete/, scrap-outputs/ and delete-outputs/ (§3.6)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from .. import rules
from ..db import Database, Row
from ..rules import EPS, ApiError, D, echo_decimal, non_field
from ..serials import extract_serial_numbers, latest_serial, serial_int, taken
from .allocation import tracked_serial_matches
from .builds import save_build
from .common import list_field, now, raise_errors
from .consume import consume_build_item, split_stock


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
            try:
                serials = extract_serial_numbers(serial_text, int(qty), latest_serial(db, part["id"]))
            except ValueError as exc:  # over 1000 included: reported under serial_numbers (scanning doc §6.1)
                errors["serial_numbers"] = list(exc.args[0])
    raise_errors(errors)
    assert qty is not None
    clash = taken(db, part["id"], serials)
    if clash:
        message = f"The following serial numbers already exist or are invalid : {','.join(clash)}"
        raise ApiError(400, {"serial_numbers": [message]})
    batch = data.get("batch_code")
    batch = "" if batch is None else str(batch)
    loc_id = location["id"] if location else (build["destination"] or part["default_location"])
    created: list[int] = []
    common = {
        "part": part["id"],
        "location": loc_id,
        "batch": batch,
        "build": build["id"],
        "is_building": 1,
        "status": 10,
        "updated": now(),
    }
    if serials:
        for s in serials:
            created.append(db.insert("stock", quantity=1, serial=s, serial_int=serial_int(s), **common))
    else:
        created.append(db.insert("stock", quantity=float(qty), **common))
    if auto and serials:
        for out_id in created:
            out = db.get("stock", out_id)
            assert out is not None
            for line_id, stock_id, q, install in tracked_serial_matches(db, build, out):
                db.insert(
                    "build_item", build_line=line_id, stock_item=stock_id, quantity=float(q), install_into=install
                )
    if build["status"] == 10:
        save_build(db, build["id"], status=20)
    return created


def _parse_outputs(
    db: Database,
    build: Row,
    data: dict[str, Any],
    errors: dict[str, Any],
    *,
    check_allocation: bool,
    accept_incomplete: bool,
    with_quantity: bool,
) -> list[tuple[Row, Decimal]]:
    outputs = list_field(data, "outputs", errors)
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
    for ln in db.all(
        "SELECT bl.id, b.quantity AS unit, b.consumable, b.sub_part FROM build_line bl"
        " JOIN bom_item b ON b.id = bl.bom_item WHERE bl.build = ?",
        (build["id"],),
    ):
        sub = db.get("part", ln["sub_part"])
        if sub is None or not sub["trackable"] or ln["consumable"]:
            continue
        got = D(
            db.scalar(
                "SELECT COALESCE(SUM(quantity),0) FROM build_item WHERE build_line = ? AND install_into = ?",
                (ln["id"], output["id"]),
            )
        )
        if got < D(ln["unit"]):
            return False
    return True


def _split_output(db: Database, output: Row, quantity: Decimal) -> Row:
    if quantity >= D(output["quantity"]) - EPS:
        return output
    if db.one("SELECT id FROM build_item WHERE install_into = ?", (output["id"],)):
        raise non_field("Cannot partially complete a build output with allocated items")
    child = split_stock(db, output, quantity)
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
    parsed = _parse_outputs(
        db, build, data, errors, check_allocation=True, accept_incomplete=accept, with_quantity=True
    )
    raise_errors(errors)
    assert location is not None
    completed = Decimal(0)
    for out, q in parsed:
        item = _split_output(db, db.get("stock", out["id"]) or out, q)
        _install_tracked(db, build, item)
        db.update(
            "stock",
            item["id"],
            is_building=0,
            location=location["id"],
            status=status,
            build=build["id"],
            notes=str(data.get("notes") or item["notes"] or ""),
            updated=now(),
        )
        completed += D(item["quantity"])
    b = db.get("build", build["id"])
    assert b is not None
    save_build(db, build["id"], completed=float(D(b["completed"]) + completed))
    return {
        "outputs": [{"output": o["id"], "quantity": echo_decimal(q)} for o, q in parsed],
        "location": location["id"],
        "status_custom_key": status,
        "accept_incomplete_allocation": accept,
        "notes": str(data.get("notes") or ""),
    }


def scrap_outputs(db: Database, build: Row, data: dict[str, Any]) -> dict[str, Any]:
    errors: dict[str, Any] = {}
    location = rules.parse_pk(db, data, "location", "location", errors)
    notes = data.get("notes")
    if notes is None:
        errors["notes"] = ["This field is required."]
    elif not str(notes).strip():
        errors["notes"] = ["This field may not be blank."]
    discard = rules.parse_bool(data, "discard_allocations", False, errors)
    parsed = _parse_outputs(db, build, data, errors, check_allocation=False, accept_incomplete=True, with_quantity=True)
    raise_errors(errors)
    assert location is not None
    for out, q in parsed:
        item = _split_output(db, db.get("stock", out["id"]) or out, q)
        if discard:
            db.conn.execute("DELETE FROM build_item WHERE install_into = ?", (item["id"],))
        else:
            _install_tracked(db, build, item)
        db.update(
            "stock", item["id"], is_building=0, status=65, location=location["id"], notes=str(notes), updated=now()
        )
    save_build(db, build["id"])
    return {
        "outputs": [{"output": o["id"], "quantity": echo_decimal(q)} for o, q in parsed],
        "location": location["id"],
        "notes": str(notes),
        "discard_allocations": discard,
    }


def delete_outputs(db: Database, build: Row, data: dict[str, Any]) -> dict[str, Any]:
    errors: dict[str, Any] = {}
    parsed = _parse_outputs(
        db, build, data, errors, check_allocation=False, accept_incomplete=True, with_quantity=False
    )
    raise_errors(errors)
    for out, _ in parsed:
        db.conn.execute("DELETE FROM build_item WHERE install_into = ?", (out["id"],))
        db.conn.execute("DELETE FROM stock WHERE id = ?", (out["id"],))
    return {"outputs": [{"output": None} for _ in parsed]}
