"""A build's state: issue/, hold/, cancel/ and finish/ (with the checks and steps a worker may run later)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from ...clock import today
from .. import rules
from ..db import Database, Row
from ..rules import EPS, D, non_field
from .builds import save_build
from .common import raise_errors
from .consume import complete_allocations


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
    raise_errors(errors)
    return {"remove_allocated_stock": remove_alloc, "remove_incomplete_outputs": remove_outputs}


def release_allocations(db: Database, build: Row, consume: bool) -> None:
    """cancel/'s allocations: carried out as in finish/ (``consume``), or all deleted with the stock untouched."""
    if consume:
        complete_allocations(db, build)
    else:
        db.conn.execute(
            "DELETE FROM build_item WHERE build_line IN (SELECT id FROM build_line WHERE build = ?)", (build["id"],)
        )


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
    rows = db.all(
        "SELECT bl.id, bl.quantity, bl.consumed, b.consumable, b.optional, p.trackable,"
        " (SELECT COALESCE(SUM(quantity),0) FROM build_item WHERE build_line = bl.id) AS allocated"
        " FROM build_line bl JOIN bom_item b ON b.id = bl.bom_item JOIN part p ON p.id = b.sub_part"
        " WHERE bl.build = ? ORDER BY bl.id",
        (build_id,),
    )
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
    raise_errors(errors)
    lines = line_state(db, build["id"])
    if over == "reject" and any(
        not ln["consumable"] and D(ln["allocated"]) > max(Decimal(0), D(ln["quantity"]) - D(ln["consumed"])) + EPS
        for ln in lines
    ):
        errors["accept_overallocated"] = ["Some stock items have been overallocated"]
    if not accept_unalloc and any(
        not ln["consumable"]
        and not ln["trackable"]
        and D(ln["allocated"]) < max(D(ln["quantity"]) - D(ln["consumed"]), Decimal(0)) - EPS
        for ln in lines
    ):
        errors["accept_unallocated"] = ["Required stock has not been fully allocated"]
    if not accept_incomplete and D(build["completed"]) < D(build["quantity"]):
        errors["accept_incomplete"] = ["Required build quantity has not been completed"]
    raise_errors(errors)
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
