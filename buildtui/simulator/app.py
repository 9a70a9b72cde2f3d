"""The Starlette application: InvenTree's URLs, auth, filters, paging and error bodies."""

from __future__ import annotations

import asyncio
import base64
import datetime as dt
import hashlib
import json
import random
import secrets
from collections.abc import Awaitable, Callable
from typing import Any

from starlette.applications import Starlette
from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp

from ..clock import today
from . import actions, build_actions, rules, settings, version_views
from . import serializers as ser
from .db import Database, Row
from .query import Ctx, Handler, Where, _ints, _ordering, _search_terms, paginate
from .rules import ApiError, query_bool
from .state import Simulator
from .wire import FaultMiddleware


# -- auth --------------------------------------------------------------------
def _auth_error(detail: str) -> ApiError:
    return ApiError(401, {"detail": detail})


def authenticate(db: Database, request: Request) -> Row:
    header = request.headers.get("authorization", "")
    if not header:
        raise _auth_error("Authentication credentials were not provided.")
    keyword, _, value = header.partition(" ")
    keyword = keyword.lower()
    value = value.strip()
    if keyword == "token":
        tok = db.one("SELECT * FROM token WHERE key = ?", (value,))
        if tok is None:
            raise _auth_error("Invalid token.")
        if tok["revoked"]:
            raise _auth_error("Token has been revoked")
        if tok["expiry"] and tok["expiry"] < today().isoformat():
            raise _auth_error("Token has expired")
        user = db.get("user", tok["user"])
    elif keyword == "basic":
        try:
            username, _, password = base64.b64decode(value).decode("utf-8").partition(":")
        except (ValueError, UnicodeDecodeError):
            raise _auth_error("Invalid basic header. Credentials not correctly base64 encoded.") from None
        user = db.one("SELECT * FROM user WHERE username = ?", (username,))
        if user is None or not secrets.compare_digest(user["password"], password):
            raise _auth_error("Invalid username/password.")
    else:
        raise _auth_error("Authentication credentials were not provided.")
    if user is None or not user["is_active"]:
        raise _auth_error("User inactive or deleted.")
    return user


def user_roles(db: Database, user: Row) -> dict[str, list[str] | None]:
    rulesets = ("admin", "part_category", "part", "stocktake", "stock_location", "stock", "build",
                "purchase_order", "sales_order", "return_order")
    if user["is_superuser"]:
        return {r: ["view", "add", "change", "delete"] for r in rulesets}
    out: dict[str, list[str] | None] = {r: None for r in rulesets}
    for row in db.all("SELECT ruleset, perm FROM role WHERE user = ?", (user["id"],)):
        out.setdefault(row["ruleset"], [])
        perms = out[row["ruleset"]] or []
        perms.append(row["perm"])
        out[row["ruleset"]] = perms
    return out


METHOD_PERM = {"GET": "view", "HEAD": "view", "OPTIONS": "view", "POST": "add", "PUT": "change",
               "PATCH": "change", "DELETE": "delete"}


def check_permission(db: Database, user: Row, rulesets: tuple[str, ...], method: str) -> None:
    if user["is_superuser"] or not rulesets:
        return
    perm = METHOD_PERM.get(method, "view")
    roles = user_roles(db, user)
    if any(perm in (roles.get(r) or []) for r in rulesets):
        return
    raise ApiError(403, {"detail": "You do not have permission to perform this action."})


# -- builds --------------------------------------------------------------------
BUILD_ORDERING = {
    "reference": "b.reference_int,b.reference", "part__name": "p.name", "status": "b.status",
    "creation_date": "b.creation_date", "start_date": "b.start_date", "target_date": "b.target_date",
    "completion_date": "b.completion_date", "quantity": "b.quantity", "completed": "b.completed",
    "issued_by": "b.issued_by", "responsible": "b.responsible", "project_code": "b.project_code",
    "priority": "b.priority", "level": "b.level", "external": "b.external",
}


def owners_of(db: Database, user_id: int) -> list[int]:
    rows = db.all("SELECT id FROM owner WHERE user = ? OR grp IN (SELECT grp FROM user_group WHERE user = ?)",
                  (user_id, user_id))
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
        owners = owners_of(db, ctx.user_id) or [-1]
        marks = ",".join("?" * len(owners))
        w.add(f"b.responsible IN ({marks})" if v else f"(b.responsible IS NULL OR b.responsible NOT IN ({marks}))",
              *owners)
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
    for name, col, op in (("created_before", "creation_date", "<"), ("created_after", "creation_date", ">"),
                          ("start_date_before", "start_date", "<"), ("start_date_after", "start_date", ">"),
                          ("target_date_before", "target_date", "<"), ("target_date_after", "target_date", ">"),
                          ("completed_before", "completion_date", "<"), ("completed_after", "completion_date", ">")):
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
    for term in _search_terms(ctx):
        w.add("contains(b.reference || ' ' || b.title || ' ' || p.name || ' ' || p.IPN || ' ' || p.description"
              " || ' ' || b.priority, ?)", term)
    return w


def build_list(ctx: Ctx) -> Any:
    db = ctx.db
    w = build_where(ctx)
    base = "FROM build b JOIN part p ON p.id = b.part" + w.clause()
    order = _ordering(ctx, BUILD_ORDERING, "b.reference_int DESC, b.reference DESC")
    part_detail = ctx.flag("part_detail", True)
    user_detail = ctx.flag("user_detail", True)
    cache: dict[int, Row | None] = {}

    def fetch(limit: int | None, offset: int) -> list[Any]:
        sql = f"SELECT b.* {base}{order}, b.id DESC"
        params = list(w.params)
        if limit is not None:
            sql += " LIMIT ? OFFSET ?"
            params += [limit, offset]
        return [version_views.build_parameters(ctx, ser.build_row(db, b, part_detail=part_detail,
                                                                  user_detail_flag=user_detail, cache=cache))
                for b in db.all(sql, params)]

    count = db.scalar(f"SELECT COUNT(*) {base}", w.params) if ctx.params.get("limit") else 0
    return paginate(ctx, count, fetch)


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
        b = actions.patch_build(ctx.db, b, _body_dict(ctx))
        row = version_views.build_parameters(ctx, ser.build_row(ctx.db, b, detail=True))
        row.pop("overdue", None)  # PATCH responses leave it out (§3.1)
        return row
    actions.delete_build(ctx.db, b)
    return Response(status_code=204)


def build_create(ctx: Ctx) -> Any:
    b = actions.create_build(ctx.db, _body_dict(ctx), ctx.user_id)
    return JSONResponse(ser.build_row(ctx.db, b, detail=True), status_code=201)


def build_options(ctx: Ctx) -> Any:
    return {"name": "Build List", "description": "API endpoint for accessing a list of Build objects.",
            "actions": {"POST": {"reference": {"type": "string", "required": True, "read_only": False,
                                               "label": "Reference", "default": actions.next_reference(ctx.db)}}}}


def _body_dict(ctx: Ctx) -> dict[str, Any]:
    if isinstance(ctx.body, dict):
        return ctx.body
    if isinstance(ctx.body, list):
        # quirk §3.6: a JSON array body gives 500 AttributeError
        raise ApiError(500, {"error": "AttributeError", "error_class": "<class 'AttributeError'>",
                             "detail": "Error details can be found in the admin panel",
                             "path": ctx.request.url.path, "status_code": 500})
    return {}


def build_action(ctx: Ctx) -> Any:
    name = ctx.path_params["action"]
    if name not in build_actions.NAMES:
        raise _not_found(ctx.request)
    body = _body_dict(ctx)
    return build_actions.run(ctx.sim, name, int(ctx.path_params["id"]), body, ctx.user_id)


# -- lines -------------------------------------------------------------------------
LINE_ORDERING = {
    "part": "p.name", "reference": "bom.reference", "quantity": "bl.quantity", "consumed": "bl.consumed",
    "consumable": "bom.consumable", "optional": "bom.optional", "unit_quantity": "bom.quantity",
    "trackable": "p.trackable", "allow_variants": "bom.allow_variants", "inherited": "bom.inherited",
    "allocated": "(SELECT COALESCE(SUM(quantity),0) FROM build_item WHERE build_line = bl.id)",
    "category": "p.category",
}


def line_list(ctx: Ctx) -> Any:
    db = ctx.db
    w = Where(ctx)
    build = w.fk("build", "build")
    if build is not None:
        w.add("bl.build = ?", build)
    bom = w.number("bom_item")
    if bom is not None:
        w.add("bl.bom_item = ?", bom)
    part = w.number("part")
    if part is not None:
        w.add("bom.sub_part = ?", part)
    for name, col in (("consumable", "bom.consumable"), ("optional", "bom.optional"), ("tracked", "p.trackable"),
                      ("testable", "p.testable"), ("assembly", "p.assembly")):
        v = w.boolean(name)
        if v is not None:
            w.add(f"{col} = ?", int(v))
    v = w.boolean("order_outstanding")
    if v is not None:
        w.add(f"b.status {'IN' if v else 'NOT IN'} (10, 20, 25)")
    alloc_sql = "(SELECT COALESCE(SUM(quantity),0) FROM build_item WHERE build_line = bl.id)"
    v = w.boolean("allocated")
    if v is not None:
        w.add(f"{alloc_sql} {'>=' if v else '<'} bl.quantity - bl.consumed - 0.0000001")
    v = w.boolean("consumed")
    if v is not None:
        w.add(f"bl.consumed {'>=' if v else '<'} bl.quantity")
    v = w.boolean("on_order")
    if v is True:
        w.add("0")
    for term in _search_terms(ctx):
        w.add("contains(p.name || ' ' || p.IPN || ' ' || p.description || ' ' || bom.reference, ?)", term)
    base = ("FROM build_line bl JOIN bom_item bom ON bom.id = bl.bom_item JOIN part p ON p.id = bom.sub_part"
            " JOIN build b ON b.id = bl.build" + w.clause())
    order = _ordering(ctx, LINE_ORDERING, "bl.id")
    opts: dict[str, Any] = dict(build_filter=build, **version_views.line_options(ctx))
    available = w.boolean("available")

    def fetch(limit: int | None, offset: int) -> list[Any]:
        sql = f"SELECT bl.* {base}{order}"
        params = list(w.params)
        if available is None and limit is not None:
            sql += " LIMIT ? OFFSET ?"
            params += [limit, offset]
        rows = version_views.unrequested_out(ctx, ser.line_rows(db, db.all(sql, params), **opts))
        if available is not None:
            rows = [r for r in rows if _line_available(r) == available]
            if limit is not None:
                rows = rows[offset:offset + limit]
        return rows

    if ctx.params.get("limit"):
        if available is None:
            count = db.scalar(f"SELECT COUNT(*) {base}", w.params)
        else:
            count = len([r for r in ser.line_rows(db, db.all(f"SELECT bl.* {base}", w.params), **opts)
                         if _line_available(r) == available])
    else:
        count = 0
    return paginate(ctx, count, fetch)


def _line_available(r: dict[str, Any]) -> bool:
    return bool(r["quantity"] <= (r["allocated"] + r["consumed"] + r["available_stock"]
                                  + r["available_substitute_stock"] + r["available_variant_stock"]) + 1e-9)


def line_detail(ctx: Ctx) -> Any:
    db = ctx.db
    ln = db.get("build_line", ctx.path_params["id"])
    if ln is None:
        raise ApiError(404, {"detail": "No BuildLine matches the given query."})
    method = ctx.request.method
    if method == "DELETE":
        db.conn.execute("DELETE FROM build_item WHERE build_line = ?", (ln["id"],))
        db.conn.execute("DELETE FROM build_line WHERE id = ?", (ln["id"],))
        return Response(status_code=204)
    if method in ("PATCH", "PUT"):
        body = _body_dict(ctx)
        errors: dict[str, Any] = {}
        values = {}
        for key in ("quantity", "consumed"):
            if key in body:
                q = rules.parse_decimal(body, key, errors)
                if q is not None:
                    values[key] = float(q)
        if errors:
            raise ApiError(400, errors)
        if values:
            db.update("build_line", ln["id"], **values)
        ln = db.get("build_line", ln["id"])
    rows = ser.line_rows(db, [ln], build_filter=None, **version_views.line_options(ctx))  # type: ignore[list-item]
    return version_views.unrequested_out(ctx, rows)[0]


# -- build items ---------------------------------------------------------------------
def item_where(ctx: Ctx, params: Any | None = None) -> Where:
    w = Where(ctx)
    if params is not None:
        w.ctx = _ParamsCtx(ctx, params)  # type: ignore[assignment]
    db = ctx.db
    build = w.number("build")
    if build is not None:
        w.add("bl.build = ?", build)
    for name, col in (("build_line", "bi.build_line"), ("stock_item", "bi.stock_item"),
                      ("install_into", "bi.install_into")):
        n = w.number(name)
        if n is not None:
            w.add(f"{col} = ?", n)
    part = w.number("part")
    if part is not None:
        parts = [part] + (db.part_descendants(part) if w.boolean("include_variants") else [])
        w.add(f"s.part IN ({','.join('?' * len(parts))})", *parts)
    v = w.boolean("tracked")
    if v is not None:
        w.add(f"bi.install_into IS {'NOT ' if v else ''}NULL")
    out = w.ctx.params.get("output")
    if out is not None:
        if out.lower() in ("null", "none", ""):
            w.add("bi.install_into IS NULL")
        else:
            w.add("bi.install_into = ?", w.number("output"))
    loc = w.number("location")
    if loc is not None:
        locs = db.location_subtree(loc)
        w.add(f"s.location IN ({','.join('?' * len(locs))})", *locs)
    for term in _search_terms(w.ctx):
        w.add("contains(p.name || ' ' || p.IPN || ' ' || bom.reference, ?)", term)
    return w


class _ParamsCtx:
    def __init__(self, ctx: Ctx, params: dict[str, Any]) -> None:
        self.db = ctx.db
        self.params = {k: str(v) for k, v in params.items()}


ITEM_BASE = ("FROM build_item bi JOIN build_line bl ON bl.id = bi.build_line JOIN stock s ON s.id = bi.stock_item"
             " JOIN part p ON p.id = s.part JOIN bom_item bom ON bom.id = bl.bom_item")
ITEM_ORDERING = {"part": "p.name", "quantity": "bi.quantity", "location": "s.location", "reference": "bom.reference",
                 "IPN": "p.IPN", "sku": "bi.id"}


def item_list(ctx: Ctx) -> Any:
    db = ctx.db
    if ctx.request.method == "POST":
        return item_create(ctx)
    if ctx.request.method == "DELETE":
        return item_bulk_delete(ctx)
    w = item_where(ctx)
    base = ITEM_BASE + w.clause()
    order = _ordering(ctx, ITEM_ORDERING, "bi.id")
    opts = version_views.item_options(ctx)

    def fetch(limit: int | None, offset: int) -> list[Any]:
        sql = f"SELECT bi.* {base}{order}"
        params = list(w.params)
        if limit is not None:
            sql += " LIMIT ? OFFSET ?"
            params += [limit, offset]
        return version_views.unrequested_out(ctx, [ser.build_item_row(db, r, **opts) for r in db.all(sql, params)],
                                             items=True)

    count = db.scalar(f"SELECT COUNT(*) {base}", w.params) if ctx.params.get("limit") else 0
    return paginate(ctx, count, fetch)


def item_create(ctx: Ctx) -> Any:
    db = ctx.db
    body = _body_dict(ctx)
    errors: dict[str, Any] = {}
    line = rules.parse_pk(db, body, "build_line", "build_line", errors)
    stock = rules.parse_pk(db, body, "stock_item", "stock", errors)
    q = rules.parse_decimal(body, "quantity", errors)
    out = rules.parse_pk(db, body, "install_into", "stock", errors, required=False)
    if errors:
        raise ApiError(400, errors)
    assert line and stock and q is not None
    pk = db.insert("build_item", build_line=line["id"], stock_item=stock["id"], quantity=float(q),
                   install_into=out["id"] if out else None)
    item = db.get("build_item", pk)
    assert item is not None
    actions.clean_build_item(db, item)
    return JSONResponse(ser.build_item_row(db, item), status_code=201)


def item_bulk_delete(ctx: Ctx) -> Any:
    db = ctx.db
    body = ctx.body if isinstance(ctx.body, dict) else {}
    items = body.get("items")
    filters = body.get("filters")
    all_flag = ctx.params.get("all")
    if items is None and filters is None and all_flag is None:
        raise ApiError(400, {"non_field_errors": "List of items or filters must be provided for bulk operation"})
    if all_flag is not None and query_bool(all_flag) is not True:
        raise ApiError(400, {"non_field_errors": "All filter must only be used with true"})
    ids: list[int]
    if all_flag is not None:
        ids = [r["id"] for r in db.all("SELECT id FROM build_item")]
    elif items is not None:
        if not isinstance(items, list):
            raise ApiError(400, {"non_field_errors": "Items must be provided as a list"})
        ids = _ints(items, "non_field_errors")
    else:
        if not isinstance(filters, dict):
            raise ApiError(400, {"non_field_errors": "Filters must be provided as a dict"})
        try:
            w = item_where(ctx, filters)
        except ApiError:
            raise ApiError(400, {"non_field_errors": "Invalid filters provided"}) from None
        ids = [r["id"] for r in db.all(f"SELECT bi.id {ITEM_BASE}{w.clause()}", w.params)]
    existing = [r["id"] for r in db.all(f"SELECT id FROM build_item WHERE id IN ({','.join('?' * len(ids))})", ids)] if ids else []
    if not existing:
        raise ApiError(400, {"non_field_errors": "No items match the provided criteria"})
    db.conn.execute(f"DELETE FROM build_item WHERE id IN ({','.join('?' * len(existing))})", existing)
    return {"success": f"Deleted {len(existing)} items"}


def item_detail(ctx: Ctx) -> Any:
    db = ctx.db
    bi = db.get("build_item", ctx.path_params["id"])
    if bi is None:
        raise ApiError(404, {"detail": "No BuildItem matches the given query."})
    method = ctx.request.method
    if method == "DELETE":
        db.conn.execute("DELETE FROM build_item WHERE id = ?", (bi["id"],))
        return Response(status_code=204)
    if method in ("PATCH", "PUT"):
        body = _body_dict(ctx)
        errors: dict[str, Any] = {}
        if "quantity" in body:
            q = rules.parse_decimal(body, "quantity", errors, min_value=None)
            if errors:
                raise ApiError(400, errors)
            assert q is not None
            db.update("build_item", bi["id"], quantity=float(q))
        bi = db.get("build_item", bi["id"])
        assert bi is not None
        actions.clean_build_item(db, bi)
    return ser.build_item_row(db, bi, part_detail=True, location_detail=True, stock_detail=True, build_detail=True)


# -- stock, locations, parts ---------------------------------------------------------------
STOCK_ORDERING = {"part__name": "p.name", "quantity": "s.quantity", "location": "s.location", "batch": "s.batch",
                  "serial": "s.serial_int,s.serial", "expiry_date": "s.expiry_date", "updated": "s.updated",
                  "stock": "s.quantity", "status": "s.status", "pk": "s.id"}


def stock_list(ctx: Ctx) -> Any:
    db = ctx.db
    w = Where(ctx)
    alloc_sql = "((SELECT COALESCE(SUM(quantity),0) FROM build_item WHERE stock_item = s.id) + s.so_allocated)"
    part = w.fk("part", "part")
    if part is not None:
        parts = [part] + (db.part_descendants(part) if w.boolean("include_variants") is not False else [])
        w.add(f"s.part IN ({','.join('?' * len(parts))})", *parts)
    bom = w.fk("bom_item", "bom_item")
    if bom is not None:
        bom_row = db.get("bom_item", bom)
        valid = rules.valid_parts_for_bom(db, bom_row)  # type: ignore[arg-type]
        w.add(f"s.part IN ({','.join('?' * len(valid))})", *valid)
    build = w.number("build")
    if build is not None:
        w.add("s.build = ?", build)
    for name, col in (("is_building", "s.is_building"),):
        v = w.boolean(name)
        if v is not None:
            w.add(f"{col} = ?", int(v))
    v = w.boolean("in_stock")
    if v is not None:
        w.add(rules.IN_STOCK_SQL if v else f"NOT ({rules.IN_STOCK_SQL})")
    v = w.boolean("available")
    if v is True:
        w.add(f"{rules.IN_STOCK_SQL} AND s.quantity > {alloc_sql}")
    elif v is False:
        w.add(f"s.quantity <= {alloc_sql}")
    loc_raw = ctx.params.get("location")
    if loc_raw is not None:
        cascade = w.boolean("cascade")
        if loc_raw.lower() in ("null", "none", ""):
            w.add("s.location IS NULL")
        else:
            loc = w.fk("location", "location")
            assert loc is not None
            locs = db.location_subtree(loc) if cascade is not False else [loc]
            w.add(f"s.location IN ({','.join('?' * len(locs))})", *locs)
    for name in ("serial", "batch"):
        val = ctx.params.get(name)
        if val is not None:
            w.add(f"s.{name} = ?", val)
    v = w.boolean("serialized")
    if v is not None:
        w.add("(s.serial IS NOT NULL AND s.serial != '')" if v else "(s.serial IS NULL OR s.serial = '')")
    status = w.number("status")
    if status is not None:
        w.add("s.status = ?", status)
    v = w.boolean("expired")
    if v is not None:
        cond = "(s.expiry_date IS NOT NULL AND s.expiry_date < ?)"
        w.add(cond if v else f"NOT {cond}", today().isoformat())
    consumed_by = w.number("consumed_by")
    if consumed_by is not None:
        w.add("s.consumed_by = ?", consumed_by)
    for term in _search_terms(ctx):
        w.add("contains(p.name || ' ' || p.IPN || ' ' || p.description || ' ' || COALESCE(s.serial,'') || ' ' ||"
              " s.batch, ?)", term)
    base = "FROM stock s JOIN part p ON p.id = s.part" + w.clause()
    order = _ordering(ctx, STOCK_ORDERING, "p.name, s.quantity, s.location")
    part_detail = version_views.stock_part_detail(ctx)
    location_detail = ctx.flag("location_detail", False)

    def fetch(limit: int | None, offset: int) -> list[Any]:
        sql = f"SELECT s.* {base}{order}, s.id"
        params = list(w.params)
        if limit is not None:
            sql += " LIMIT ? OFFSET ?"
            params += [limit, offset]
        return [ser.stock_row(db, s, part_detail=part_detail, location_detail=location_detail)
                for s in db.all(sql, params)]

    count = db.scalar(f"SELECT COUNT(*) {base}", w.params) if ctx.params.get("limit") else 0
    return paginate(ctx, count, fetch)


def stock_detail(ctx: Ctx) -> Any:
    s = ctx.db.get("stock", ctx.path_params["id"])
    if s is None:
        raise ApiError(404, {"detail": "No StockItem matches the given query."})
    return ser.stock_row(ctx.db, s, part_detail=True, location_detail=True)


def location_list(ctx: Ctx) -> Any:
    db = ctx.db
    w = Where(ctx)
    parent = ctx.params.get("parent")
    if parent is not None:
        if parent.lower() in ("null", "none", ""):
            w.add("parent IS NULL")
        else:
            w.add("parent = ?", w.number("parent"))
    for term in _search_terms(ctx):
        w.add("contains(name || ' ' || description || ' ' || pathstring, ?)", term)
    base = "FROM location" + w.clause()

    def fetch(limit: int | None, offset: int) -> list[Any]:
        sql = f"SELECT * {base} ORDER BY pathstring"
        params = list(w.params)
        if limit is not None:
            sql += " LIMIT ? OFFSET ?"
            params += [limit, offset]
        return [ser.location_row(r, db) for r in db.all(sql, params)]

    return paginate(ctx, db.scalar(f"SELECT COUNT(*) {base}", w.params), fetch)


def location_detail(ctx: Ctx) -> Any:
    loc = ctx.db.get("location", ctx.path_params["id"])
    if loc is None:
        raise ApiError(404, {"detail": "No StockLocation matches the given query."})
    return ser.location_row(loc, ctx.db)


def part_list(ctx: Ctx) -> Any:
    db = ctx.db
    w = Where(ctx)
    for name in ("assembly", "trackable", "active", "component", "is_template", "virtual"):
        v = w.boolean(name)
        if v is not None:
            w.add(f"{name} = ?", int(v))
    for term in _search_terms(ctx):
        w.add("contains(name || ' ' || IPN || ' ' || description, ?)", term)
    base = "FROM part" + w.clause()

    def fetch(limit: int | None, offset: int) -> list[Any]:
        sql = f"SELECT * {base} ORDER BY name"
        params = list(w.params)
        if limit is not None:
            sql += " LIMIT ? OFFSET ?"
            params += [limit, offset]
        return [ser.part_brief(r) for r in db.all(sql, params)]

    return paginate(ctx, db.scalar(f"SELECT COUNT(*) {base}", w.params), fetch)


def part_detail(ctx: Ctx) -> Any:
    p = ctx.db.get("part", ctx.path_params["id"])
    if p is None:
        raise ApiError(404, {"detail": "No Part matches the given query."})
    return ser.part_brief(p)


def part_serials(ctx: Ctx) -> Any:
    p = ctx.db.get("part", ctx.path_params["id"])
    if p is None:
        raise ApiError(404, {"detail": "No Part matches the given query."})
    latest = rules.latest_serial(ctx.db, p["id"])
    return {"latest": latest, "next": rules.increment_serial(latest) if latest else "1"}


# -- status, users, info -----------------------------------------------------------------------
def _status_body(cls: str, table: dict[int, tuple[str, str, str]]) -> dict[str, Any]:
    return {"status_class": cls, "values": {
        name: {"key": key, "name": name, "label": label, "color": color}
        for key, (name, label, color) in table.items()}}


def build_status(ctx: Ctx) -> Any:
    body = _status_body("BuildStatus", rules.BUILD_STATUS)
    for row in ctx.db.all("SELECT key, value FROM setting WHERE key LIKE 'custom_build_status:%'"):
        custom = json.loads(row["value"])
        body["values"][custom["name"]] = {**custom, "custom": True}
    return body


def stock_status(ctx: Ctx) -> Any:
    return _status_body("StockStatus", rules.STOCK_STATUS)


def generic_status(ctx: Ctx) -> Any:
    return {"BuildStatus": build_status(ctx), "StockStatus": stock_status(ctx)}


def info(ctx: Ctx) -> Any:
    api = ctx.sim.api
    return {"server": "InvenTree", "id": None, "version": api.server_version, "instance": "buildtui simulator",
            "apiVersion": api.version, "worker_running": api.worker, "worker_count": 1 if api.worker else 0,
            "worker_pending_tasks": ctx.sim.tasks.pending_count(),
            "plugins_enabled": False, "plugins_install_disabled": False, "email_configured": False,
            "debug_mode": False, "docker_mode": False, "default_locale": "en-us",
            "customize": {"logo": None, "splash": None, "login_message": None, "navbar_message": None},
            "active_plugins": [], "system_health": None, "database": None, "platform": None, "installer": None,
            "target": None, "django_admin": None,
            "settings": {"sso_registration": False, "registration_enabled": False, "password_forgotten_enabled": True}}


def user_token(ctx: Ctx) -> Any:
    db = ctx.db
    name = ctx.params.get("name", "")
    existing = db.one("SELECT * FROM token WHERE user = ? AND name = ? AND revoked = 0 AND expiry >= ?",
                      (ctx.user_id, name, today().isoformat()))
    if existing:
        return {"token": existing["key"], "name": name, "expiry": existing["expiry"]}
    key = f"inv-{secrets.token_hex(20)}-{today().strftime('%Y%m%d')}"
    expiry = (today() + dt.timedelta(days=365)).isoformat()
    db.insert("token", user=ctx.user_id, key=key, name=name, expiry=expiry)
    return {"token": key, "name": name, "expiry": expiry}


def user_me(ctx: Ctx) -> Any:
    u = ctx.user
    assert u is not None
    groups = [{"pk": g["id"], "name": g["name"]} for g in ctx.db.all(
        "SELECT g.* FROM grp g JOIN user_group ug ON ug.grp = g.id WHERE ug.user = ?", (u["id"],))]
    return {**ser.user_detail(u), "groups": groups, "is_staff": bool(u["is_staff"]),  # type: ignore[dict-item]
            "is_superuser": bool(u["is_superuser"]), "is_active": bool(u["is_active"]), "profile": {}}


def user_roles_view(ctx: Ctx) -> Any:
    u = ctx.user
    assert u is not None
    return {"user": u["id"], "username": u["username"], "roles": user_roles(ctx.db, u),
            "permissions": {}, "is_staff": bool(u["is_staff"]), "is_superuser": bool(u["is_superuser"])}


# -- barcodes (§5) ------------------------------------------------------------------------------
SHORT_CODES = {"SI": ("stockitem", "stock"), "SL": ("stocklocation", "location"), "PA": ("part", "part"),
               "BO": ("build", "build")}
JSON_MODELS = {"stockitem": "stock", "stocklocation": "location", "part": "part", "build": "build"}
WEB_URL = {"stockitem": "/web/stock/item/{}", "stocklocation": "/web/stock/location/{}", "part": "/web/part/{}",
           "build": "/web/manufacturing/build-order/{}"}
API_URL = {"stockitem": "/api/stock/{}/", "stocklocation": "/api/stock/location/{}/", "part": "/api/part/{}/",
           "build": "/api/build/{}/"}


def barcode_hash(data: str) -> str:
    clean = "".join(ch for ch in data if ch.isprintable()).strip()
    return hashlib.md5(clean.encode("utf-8")).hexdigest()


def _barcode_instance(db: Database, model: str, row: Row) -> dict[str, Any] | None:
    if model == "stockitem":
        return ser.stock_row(db, row, part_detail=True, location_detail=True)
    if model == "stocklocation":
        return ser.location_row(row, db)
    if model == "part":
        return ser.part_brief(row)
    return ser.build_row(db, row, detail=True)


def resolve_barcode(db: Database, data: str) -> tuple[str, Row] | None:
    prefix = db.setting("SHORT_BARCODE_PREFIX", "INV-")
    text = data.strip()
    if text.startswith(prefix) and len(text) > len(prefix) + 2:
        code, rest = text[len(prefix):len(prefix) + 2], text[len(prefix) + 2:]
        if code in SHORT_CODES and rest.isdigit():
            model, table = SHORT_CODES[code]
            row = db.get(table, int(rest))
            return (model, row) if row else None
    try:
        parsed = json.loads(text)
    except (ValueError, RecursionError):
        parsed = None
    if isinstance(parsed, dict):
        for model, table in JSON_MODELS.items():
            if model in parsed:
                try:
                    pk = int(parsed[model])
                except (TypeError, ValueError):
                    return None
                row = db.get(table, pk)
                return (model, row) if row else None
    h = barcode_hash(data)
    for model, table in JSON_MODELS.items():
        row = db.one(f"SELECT * FROM {table} WHERE barcode_hash = ?", (h,))
        if row:
            return model, row
    return None


def barcode_scan(ctx: Ctx) -> Any:
    body = _body_dict(ctx)
    if "barcode" not in body:
        raise ApiError(400, {"barcode": ["This field is required."]})
    data = body["barcode"]
    if not isinstance(data, str) or not data.strip():
        raise ApiError(400, {"barcode": ["This field may not be blank."]})
    if len(data) > 4095:
        raise ApiError(400, {"barcode": ["Ensure this field has no more than 4095 characters."]})
    found = resolve_barcode(ctx.db, data)
    h = barcode_hash(data)
    if found is None:
        raise ApiError(400, {"plugin": "None", "barcode_data": data, "barcode_hash": h,
                             "error": "No match found for barcode data"})
    model, row = found
    return JSONResponse({model: {"pk": row["id"], "api_url": API_URL[model].format(row["id"]),
                                 "instance": _barcode_instance(ctx.db, model, row),
                                 "web_url": WEB_URL[model].format(row["id"])},
                         "success": "Match found for barcode data", "plugin": "InvenTreeBarcode",
                         "barcode_data": data, "barcode_hash": h}, status_code=200)


def barcode_link(ctx: Ctx) -> Any:
    body = _body_dict(ctx)
    data = body.get("barcode")
    if not isinstance(data, str) or not data.strip():
        raise ApiError(400, {"barcode": ["This field is required."]})
    if resolve_barcode(ctx.db, data) is not None:
        raise ApiError(400, {"error": "Barcode matches existing item", "barcode_data": data})
    for model, table in JSON_MODELS.items():
        if model in body:
            row = ctx.db.get(table, body[model])
            if row is None:
                raise ApiError(400, {model: [f'Invalid pk "{body[model]}" - object does not exist.']})
            h = barcode_hash(data)
            ctx.db.update(table, row["id"], barcode_hash=h, barcode_data=data)
            return {"success": f"Assigned barcode to {model} instance", model: {"pk": row["id"]},
                    "barcode_data": data, "barcode_hash": h}
    raise ApiError(400, {"error": "Missing data: provide one of 'stockitem', 'stocklocation', 'part', 'build'"})


def barcode_unlink(ctx: Ctx) -> Any:
    body = _body_dict(ctx)
    for model, table in JSON_MODELS.items():
        if model in body:
            ctx.db.update(table, int(body[model]), barcode_hash="", barcode_data="")
            return {"success": f"Barcode unlinked from {model}"}
    raise ApiError(400, {"error": "Missing data: provide one of 'stockitem', 'stocklocation', 'part', 'build'"})


# -- plumbing --------------------------------------------------------------------------------------
def _not_found(request: Request) -> ApiError:
    return ApiError(404, {"detail": "API endpoint not found", "url": str(request.url)})


def make_app(sim: Simulator) -> ASGIApp:
    """The simulator's ASGI application: the Starlette app behind the fault-injection layer."""
    def endpoint(handler: Handler, rulesets: tuple[str, ...] = ("build",), *, auth: bool = True,
                 write: bool = False) -> Callable[[Request], Awaitable[Response]]:
        async def run(request: Request) -> Response:
            method, path = request.method, request.url.path
            sim.request_count += 1
            sim.log.append((method, path + ("?" + request.url.query if request.url.query else "")))
            latency = sim.latency_s()
            if latency:
                await asyncio.sleep(latency)
            is_write = method not in ("GET", "HEAD", "OPTIONS")
            if is_write and sim.lost_write_ms:
                sim.faults.note("lost", method, path)
                await asyncio.sleep(sim.lost_write_ms / 1000)
                return Response("<html><body><h1>504 Gateway Time-out</h1></body></html>", status_code=504,
                                media_type="text/html")
            if sim.down or (sim.fail_rate and random.random() < sim.fail_rate):
                sim.faults.note("error", method, path)
                return Response("<html><body><h1>502 Bad Gateway</h1></body></html>", status_code=502,
                                media_type="text/html")
            try:
                raw = await request.body()
                body: Any = None
                if raw:
                    ctype = request.headers.get("content-type", "")
                    if "json" in ctype or raw[:1] in (b"{", b"["):
                        try:
                            body = json.loads(raw)
                        except ValueError as exc:
                            return JSONResponse({"detail": f"JSON parse error - {exc}"}, status_code=400)
                    else:
                        form = await request.form()
                        body = {k: v for k, v in form.items()}
            except ClientDisconnect:
                # the client went away (while the latency ran, say): nothing to carry out, nobody to answer
                return Response(status_code=499)
            try:
                with sim.db.transaction():
                    user = authenticate(sim.db, request) if auth else None
                    if user is not None:
                        check_permission(sim.db, user, rulesets, request.method)
                    result = handler(Ctx(request, sim.db, user, body, sim))
            except ApiError as err:
                result = err
            if is_write and sim.late_answer_ms:
                sim.faults.note("late", method, path)
                await asyncio.sleep(sim.late_answer_ms / 1000)
            if isinstance(result, ApiError):
                headers = {"WWW-Authenticate": "Token"} if result.status == 401 else None
                return JSONResponse(result.body, status_code=result.status, headers=headers)
            if isinstance(result, Response):
                return result
            return JSONResponse(result)

        return run

    async def not_found(request: Request) -> Response:
        err = _not_found(request)
        return JSONResponse(err.body, status_code=404)

    stock_roles = ("stock", "build", "part", "stock_location")
    b = ("build",)
    routes = [
        Route("/api/", endpoint(info, auth=False), methods=["GET"]),
        Route("/api/user/token/", endpoint(user_token, ()), methods=["GET"]),
        Route("/api/user/me/", endpoint(user_me, ()), methods=["GET"]),
        Route("/api/user/roles/", endpoint(user_roles_view, ()), methods=["GET"]),
        Route("/api/build/status/", endpoint(build_status, ()), methods=["GET"]),
        Route("/api/stock/status/", endpoint(stock_status, ()), methods=["GET"]),
        Route("/api/generic/status/", endpoint(generic_status, ()), methods=["GET"]),
        Route("/api/build/", endpoint(build_list, b), methods=["GET"]),
        Route("/api/build/", endpoint(build_create, b), methods=["POST"]),
        Route("/api/build/", endpoint(build_options, b), methods=["OPTIONS"]),
        Route("/api/build/line/", endpoint(line_list, b), methods=["GET"]),
        Route("/api/build/line/{id:int}/", endpoint(line_detail, b), methods=["GET", "PATCH", "PUT", "DELETE"]),
        Route("/api/build/item/", endpoint(item_list, b), methods=["GET", "POST", "DELETE"]),
        Route("/api/build/item/{id:int}/", endpoint(item_detail, b), methods=["GET", "PATCH", "PUT", "DELETE"]),
        Route("/api/build/{id:int}/", endpoint(build_detail, b), methods=["GET", "PATCH", "PUT", "DELETE"]),
        Route("/api/build/{id:int}/{action}/", endpoint(build_action, b), methods=["POST"]),
        Route("/api/stock/", endpoint(stock_list, stock_roles), methods=["GET"]),
        Route("/api/stock/{id:int}/", endpoint(stock_detail, stock_roles), methods=["GET"]),
        Route("/api/stock/location/", endpoint(location_list, stock_roles), methods=["GET"]),
        Route("/api/stock/location/{id:int}/", endpoint(location_detail, stock_roles), methods=["GET"]),
        Route("/api/part/", endpoint(part_list, stock_roles), methods=["GET"]),
        Route("/api/part/{id:int}/", endpoint(part_detail, stock_roles), methods=["GET"]),
        Route("/api/part/{id:int}/serial-numbers/", endpoint(part_serials, stock_roles), methods=["GET"]),
        Route("/api/barcode/", endpoint(barcode_scan, ()), methods=["POST"]),
        Route("/api/barcode/link/", endpoint(barcode_link, ("stock",)), methods=["POST"]),
        Route("/api/barcode/unlink/", endpoint(barcode_unlink, ("stock",)), methods=["POST"]),
        Route("/api/background-task/", endpoint(version_views.task_overview, ()), methods=["GET"]),
        Route("/api/background-task/{task_id}/", endpoint(version_views.task_detail, ()), methods=["GET"]),
        Route("/api/bom/substitute/", endpoint(version_views.substitute_list, stock_roles), methods=["GET"]),
        Route("/api/bom/substitute/{id:int}/", endpoint(version_views.substitute_detail, stock_roles),
              methods=["GET"]),
        Route("/api/settings/global/{key}/", endpoint(settings.global_setting, ()), methods=["GET", "PATCH", "PUT"]),
        Route("/api/{rest:path}", not_found, methods=["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]),
    ]
    app = Starlette(routes=routes)
    app.state.sim = sim
    return FaultMiddleware(app, sim)
