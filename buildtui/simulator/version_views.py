"""Read endpoints whose answer depends on the API version, and the endpoints added for it.

- which detail fields lines, allocations and stock rows carry when the client does not ask (``ApiProfile``);
- ``GET /api/background-task/<id>/`` (any signed-in user; 404 for an unknown id) and the admin-only overview;
- ``GET /api/bom/substitute/?bom_item=<pk>``: where a BOM item's substitutes really are
  (``BomItemSubstituteSerializer``: pk, bom_item, part, part_detail).
"""

from __future__ import annotations

from typing import Any

from starlette.responses import JSONResponse

from . import serializers as ser
from .query import Ctx, Where, list_view
from .rules import ApiError
from .tasks import unknown_task

LINE_FLAGS = ("allocations", "part_detail", "bom_item_detail", "assembly_detail", "build_detail", "category_detail")
ITEM_FLAGS = ("part_detail", "location_detail", "stock_detail", "build_detail", "install_into_detail")


def line_options(ctx: Ctx) -> dict[str, bool]:
    """``line_rows`` keyword arguments: the query's flags over the version's defaults."""
    api = ctx.sim.api
    opts = {name: ctx.flag(name, api.line_defaults.get(name, False)) for name in LINE_FLAGS}
    opts["substitutes"] = ctx.sim.substitutes_in_line_detail
    return opts


def item_options(ctx: Ctx) -> dict[str, bool]:
    """``build_item_row`` keyword arguments for the allocation list."""
    api = ctx.sim.api
    return {name: ctx.flag(name, api.item_defaults.get(name, False)) for name in ITEM_FLAGS}


def unrequested_out(ctx: Ctx, rows: list[dict[str, Any]], *, items: bool = False) -> list[dict[str, Any]]:
    """A real server leaves out the detail fields nobody asked for (the "legacy" simulator sends them as null)."""
    if ctx.sim.api.legacy:
        return rows
    opts = item_options(ctx) if items else line_options(ctx)
    for name in ITEM_FLAGS if items else LINE_FLAGS:
        if not opts[name]:
            key = "stock_item_detail" if name == "stock_detail" else name
            for row in rows:
                row.pop(key, None)
    return rows


def stock_part_detail(ctx: Ctx) -> bool:
    return ctx.flag("part_detail", ctx.sim.api.stock_part_detail)


def build_parameters(ctx: Ctx, row: dict[str, Any]) -> dict[str, Any]:
    """A build row's ``parameters``: always there (477), never (425), or only when asked for (530)."""
    mode = ctx.sim.api.build_parameters
    if mode == "never" or (mode == "opt-in" and not ctx.flag("parameters", False)):
        row.pop("parameters", None)
    return row


def _api_not_found(ctx: Ctx) -> ApiError:
    return ApiError(404, {"detail": "API endpoint not found", "url": str(ctx.request.url)})


def task_detail(ctx: Ctx) -> Any:
    if not ctx.sim.api.task_endpoint:
        raise _api_not_found(ctx)
    task_id = str(ctx.path_params["task_id"])
    task = ctx.sim.tasks.get(task_id)
    if task is None:
        return JSONResponse(unknown_task(task_id), status_code=404)
    return task.detail()


def task_overview(ctx: Ctx) -> Any:
    if not ctx.sim.api.task_endpoint:
        raise _api_not_found(ctx)
    assert ctx.user is not None
    if not (ctx.user["is_staff"] or ctx.user["is_superuser"]):
        raise ApiError(403, {"detail": "You do not have permission to perform this action."})
    failed = ctx.sim.tasks.count("failed")
    return {
        "is_running": ctx.sim.api.worker,
        "pending_tasks": ctx.sim.tasks.pending_count(),
        "scheduled_tasks": 0,
        "failed_tasks": failed,
    }


def _substitute_row(ctx: Ctx, row: dict[str, Any]) -> dict[str, Any]:
    return {
        "pk": row["id"],
        "bom_item": row["bom_item"],
        "part": row["part"],
        "part_detail": ser.part_brief(ctx.db.get("part", row["part"])),
    }


def substitute_list(ctx: Ctx) -> Any:
    w = Where(ctx)
    bom_item = w.fk("bom_item", "bom_item")
    if bom_item is not None:
        w.add("bom_item = ?", bom_item)
    part = w.fk("part", "part")
    if part is not None:
        w.add("part = ?", part)
    return list_view(
        ctx,
        select="*",
        source="FROM bom_substitute",
        where=w,
        order=" ORDER BY id",
        rows=lambda subs: [_substitute_row(ctx, r) for r in subs],
    )


def substitute_detail(ctx: Ctx) -> Any:
    row = ctx.db.get("bom_substitute", ctx.path_params["id"])
    if row is None:
        raise ApiError(404, {"detail": "No BOM Item Substitute matches the given query."})
    return _substitute_row(ctx, row)
