"""``/api/part/``: parts (list and detail) and ``/api/part/<pk>/serial-numbers/``."""

from __future__ import annotations

from typing import Any

from .. import serializers as ser
from .. import serials
from ..db import Row
from ..query import Ctx, Where, list_view, search_terms
from ..rules import ApiError


def part_list(ctx: Ctx) -> Any:
    w = Where(ctx)
    for name in ("assembly", "trackable", "active", "component", "is_template", "virtual"):
        v = w.boolean(name)
        if v is not None:
            w.add(f"{name} = ?", int(v))
    for term in search_terms(ctx):
        w.add("contains(name || ' ' || IPN || ' ' || description, ?)", term)
    return list_view(
        ctx,
        select="*",
        source="FROM part",
        where=w,
        order=" ORDER BY name",
        rows=lambda parts: [ser.part_brief(r) for r in parts],
    )


def _part_or_404(ctx: Ctx) -> Row:
    p = ctx.db.get("part", ctx.path_params["id"])
    if p is None:
        raise ApiError(404, {"detail": "No Part matches the given query."})
    return p


def part_detail(ctx: Ctx) -> Any:
    return ser.part_brief(_part_or_404(ctx))


def part_serials(ctx: Ctx) -> Any:
    p = _part_or_404(ctx)
    latest = serials.latest_serial(ctx.db, p["id"])
    return {"latest": latest, "next": serials.increment(latest)}
