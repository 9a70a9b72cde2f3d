"""``/api/build/``: the list with its filters, one build (read, edit, delete), create, OPTIONS and the actions."""

from __future__ import annotations

import datetime as dt
from typing import Any

from starlette.responses import JSONResponse, Response

from ...clock import today
from .. import actions, build_actions, version_views
from .. import serializers as ser
from ..db import Row
from ..endpoint import body_dict, not_found
from ..query import Ctx, Where, list_view, ordering, search_terms
from ..rules import ApiError

BUILD_ORDERING = {
    "reference": "b.reference_int,b.reference",
    "part__name": "p.name",
    "status": "b.status",
    "creation_date": "b.creation_date",
    "start_date": "b.start_date",
    "target_date": "b.target_date",
    "completion_date": "b.completion_date",
    "quantity": "b.quantity",
    "completed": "b.completed",
    "issued_by": "b.issued_by",
    "responsible": "b.responsible",
    "project_code": "b.project_code",
    "priority": "b.priority",
    "level": "b.level",
    "external": "b.external",
}


def owners_of(ctx: Ctx, user_id: int) -> list[int]:
    rows = ctx.db.all(
        "SELECT id FROM owner WHERE user = ? OR grp IN (SELECT grp FROM user_group WHERE user = ?)", (user_id, user_id)
    )
    return [r["id"] for r in rows]


def build_where(ctx: Ctx) -> Where:
    w = Where(ctx)
    db = ctx.db
    status = w.number("status")
    if status is not None:
        w.add("(b.status = ? OR b.status_custom_key = ?)", status, status)
    for name in ("active", "outstanding"):
        v = w.boolean(name)
        if v is not None:
            w.add("b.status IN (10, 20, 25)" if v else "b.status NOT IN (10, 20, 25)")
    v = w.boolean("overdue")
    if v is not None:
        cond = "(b.status IN (10, 20, 25) AND b.target_date IS NOT NULL AND b.target_date <= ?)"
        w.add(cond if v else f"NOT {cond}", today().isoformat())
    v = w.boolean("assigned_to_me")
    if v is not None and ctx.user is not None:
        owners = owners_of(ctx, ctx.user_id) or [-1]
        marks = ",".join("?" * len(owners))
        w.add(
            f"b.responsible IN ({marks})" if v else f"(b.responsible IS NULL OR b.responsible NOT IN ({marks}))",
            *owners,
        )
    assigned = w.number("assigned_to")
    if assigned is not None:
        w.add("b.responsible = ?", assigned)
    part = w.fk("part", "part")
    if part is not None:
        parts = [part] + (db.part_descendants(part) if w.boolean("include_variants") else [])
        w.add(f"b.part IN ({','.join('?' * len(parts))})", *parts)
    parent = w.fk("parent", "build")
    if parent is not None:
        w.add("b.parent = ?", parent)
    ancestor = w.fk("ancestor", "build")
    if ancestor is not None:
        desc = db.build_descendants(ancestor) or [-1]
        w.add(f"b.id IN ({','.join('?' * len(desc))})", *desc)
    exclude = w.fk("exclude_tree", "build")
    if exclude is not None:
        tree = [exclude, *db.build_descendants(exclude)]
        w.add(f"b.id NOT IN ({','.join('?' * len(tree))})", *tree)
    ref = ctx.params.get("reference")
    if ref:
        w.add("lower(b.reference) = lower(?)", ref)
    for name, col, op in (
        ("created_before", "creation_date", "<"),
        ("created_after", "creation_date", ">"),
        ("start_date_before", "start_date", "<"),
        ("start_date_after", "start_date", ">"),
        ("target_date_before", "target_date", "<"),
        ("target_date_after", "target_date", ">"),
        ("completed_before", "completion_date", "<"),
        ("completed_after", "completion_date", ">"),
    ):
        val = ctx.params.get(name)
        if val:
            try:
                dt.date.fromisoformat(val)
            except ValueError:
                raise ApiError(400, {name: ["Enter a valid date."]}) from None
            w.add(f"b.{col} {op} ?", val)
    for name, col in (("has_start_date", "start_date"), ("has_target_date", "target_date")):
        v = w.boolean(name)
        if v is not None:
            w.add(f"b.{col} IS {'NOT ' if v else ''}NULL")
    v = w.boolean("external")
    if v is not None:
        w.add("b.external = ?", int(v))
    for term in search_terms(ctx):
        w.add(
            "contains(b.reference || ' ' || b.title || ' ' || p.name || ' ' || p.IPN || ' ' || p.description"
            " || ' ' || b.priority, ?)",
            term,
        )
    return w


def build_list(ctx: Ctx) -> Any:
    part_detail = ctx.flag("part_detail", True)
    user_detail = ctx.flag("user_detail", True)
    cache: dict[int, Row | None] = {}

    def rows(builds: list[Row]) -> list[Any]:
        return [
            version_views.build_parameters(
                ctx, ser.build_row(ctx.db, b, part_detail=part_detail, user_detail_flag=user_detail, cache=cache)
            )
            for b in builds
        ]

    order = ordering(ctx, BUILD_ORDERING, "b.reference_int DESC, b.reference DESC") + ", b.id DESC"
    return list_view(
        ctx,
        select="b.*",
        source="FROM build b JOIN part p ON p.id = b.part",
        where=build_where(ctx),
        order=order,
        rows=rows,
    )


def _build_or_404(ctx: Ctx) -> Row:
    b = ctx.db.get("build", ctx.path_params["id"])
    if b is None:
        raise ApiError(404, {"detail": "No Build matches the given query."})
    return b


def build_detail(ctx: Ctx) -> Any:
    method = ctx.request.method
    b = _build_or_404(ctx)
    if method == "GET":
        return version_views.build_parameters(ctx, ser.build_row(ctx.db, b, detail=True))
    if method in ("PATCH", "PUT"):
        b = actions.patch_build(ctx.db, b, body_dict(ctx))
        row = version_views.build_parameters(ctx, ser.build_row(ctx.db, b, detail=True))
        row.pop("overdue", None)  # PATCH responses leave it out (§3.1)
        return row
    actions.delete_build(ctx.db, b)
    return Response(status_code=204)


def build_create(ctx: Ctx) -> Any:
    b = actions.create_build(ctx.db, body_dict(ctx), ctx.user_id)
    return JSONResponse(ser.build_row(ctx.db, b, detail=True), status_code=201)


def build_options(ctx: Ctx) -> Any:
    return {
        "name": "Build List",
        "description": "API endpoint for accessing a list of Build objects.",
        "actions": {
            "POST": {
                "reference": {
                    "type": "string",
                    "required": True,
                    "read_only": False,
                    "label": "Reference",
                    "default": actions.next_reference(ctx.db),
                }
            }
        },
    }


def build_action(ctx: Ctx) -> Any:
    name = ctx.path_params["action"]
    if name not in build_actions.NAMES:
        raise not_found(ctx.request)
    body = body_dict(ctx)
    return build_actions.run(ctx.sim, name, int(ctx.path_params["id"]), body, ctx.user_id)
