"""Rows the demo seeds share: a date relative to today, a stock item, a build order (through the simulator's own
actions, so that its lines exist as InvenTree makes them) and the line of a build for a part."""

from __future__ import annotations

import datetime as dt
from typing import Any

from ..clock import today
from . import actions
from .db import Database


def date_in(days: int) -> str:
    return (today() + dt.timedelta(days=days)).isoformat()


def add_stock(db: Database, part: int, qty: float, loc: int | None, **kw: Any) -> int:
    return db.insert("stock", part=part, quantity=qty, location=loc, updated="2026-01-01 08:00", **kw)


def add_build(
    db: Database,
    part: int,
    qty: int,
    title: str,
    *,
    status: int = 10,
    target: int | None = None,
    start: int | None = None,
    responsible: int | None = None,
    priority: int = 0,
    parent: int | None = None,
    take_from: int | None = None,
    batch: str | None = None,
    notes: str | None = None,
) -> dict[str, Any]:
    data: dict[str, Any] = {"part": part, "quantity": qty, "title": title, "priority": priority}
    if target is not None:
        data["target_date"] = date_in(target)
    if start is not None:
        data["start_date"] = date_in(start)
    if responsible is not None:
        data["responsible"] = responsible
    if parent is not None:
        data["parent"] = parent
    if take_from is not None:
        data["take_from"] = take_from
    if batch is not None:
        data["batch"] = batch
    if notes is not None:
        data["notes"] = notes
    b = actions.create_build(db, data, user_id=1)
    if status == 20:
        actions.issue(db, b)
    elif status == 25:
        actions.hold(db, b)
    row = db.get("build", b["id"])
    assert row is not None
    return row


def line_for(db: Database, build: dict[str, Any], sub_part: int) -> int:
    row = db.one(
        "SELECT bl.id FROM build_line bl JOIN bom_item b ON b.id = bl.bom_item WHERE bl.build = ? AND b.sub_part = ?",
        (build["id"], sub_part),
    )
    assert row is not None
    return int(row["id"])
