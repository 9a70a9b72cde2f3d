"""One request's way through the simulator: sign-in, permissions, the body, one transaction, the answer.

``endpoint`` wraps a handler (``Ctx`` -> answer) into a Starlette endpoint that also plays the knobs of
``Simulator`` (latency, 502s, late and lost writes). A handler returns JSON-able data (200), a ``Response``,
or raises ``ApiError`` with InvenTree's status and body; a refused request changes nothing.
"""

from __future__ import annotations

import asyncio
import base64
import json
import random
import secrets
from collections.abc import Awaitable, Callable
from typing import Any

from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse, Response

from ..clock import today
from .db import Database, Row
from .query import Ctx, Handler
from .rules import ApiError
from .state import Simulator

RULESETS = (
    "admin",
    "part_category",
    "part",
    "stocktake",
    "stock_location",
    "stock",
    "build",
    "purchase_order",
    "sales_order",
    "return_order",
)
METHOD_PERM = {
    "GET": "view",
    "HEAD": "view",
    "OPTIONS": "view",
    "POST": "add",
    "PUT": "change",
    "PATCH": "change",
    "DELETE": "delete",
}


# -- sign-in -------------------------------------------------------------------
def _auth_error(detail: str) -> ApiError:
    return ApiError(401, {"detail": detail})


def authenticate(db: Database, request: Request) -> Row:
    """The signed-in user (token or basic auth), or 401 with InvenTree's message."""
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


# -- permissions -----------------------------------------------------------------
def user_roles(db: Database, user: Row) -> dict[str, list[str] | None]:
    """``/api/user/roles/``'s ``roles``: a role with no rights is null; a superuser has every right."""
    if user["is_superuser"]:
        return {r: ["view", "add", "change", "delete"] for r in RULESETS}
    out: dict[str, list[str] | None] = {r: None for r in RULESETS}
    for row in db.all("SELECT ruleset, perm FROM role WHERE user = ?", (user["id"],)):
        out.setdefault(row["ruleset"], [])
        perms = out[row["ruleset"]] or []
        perms.append(row["perm"])
        out[row["ruleset"]] = perms
    return out


def has_right(db: Database, user: Row, rulesets: tuple[str, ...], perm: str) -> bool:
    """Whether any of ``rulesets`` gives ``user`` the right ``perm`` (view, add, change, delete)."""
    if user["is_superuser"]:
        return True
    roles = user_roles(db, user)
    return any(perm in (roles.get(r) or []) for r in rulesets)


def check_permission(db: Database, user: Row, rulesets: tuple[str, ...], method: str) -> None:
    """403 unless one of the endpoint's ``rulesets`` allows the method (none given: any signed-in user)."""
    if user["is_superuser"] or not rulesets:
        return
    if has_right(db, user, rulesets, METHOD_PERM.get(method, "view")):
        return
    raise ApiError(403, {"detail": "You do not have permission to perform this action."})


# -- bodies and errors -----------------------------------------------------------
def body_dict(ctx: Ctx) -> dict[str, Any]:
    """The request body as an object (a form or no body: what there is)."""
    if isinstance(ctx.body, dict):
        return ctx.body
    if isinstance(ctx.body, list):
        # quirk §3.6: a JSON array body gives 500 AttributeError
        raise ApiError(
            500,
            {
                "error": "AttributeError",
                "error_class": "<class 'AttributeError'>",
                "detail": "Error details can be found in the admin panel",
                "path": ctx.request.url.path,
                "status_code": 500,
            },
        )
    return {}


def not_found(request: Request) -> ApiError:
    return ApiError(404, {"detail": "API endpoint not found", "url": str(request.url)})


async def _read_body(request: Request) -> Any:
    """The parsed body (JSON, else a form); raises ValueError with the JSON parse message."""
    raw = await request.body()
    if not raw:
        return None
    ctype = request.headers.get("content-type", "")
    if "json" in ctype or raw[:1] in (b"{", b"["):
        return json.loads(raw)
    form = await request.form()
    return {k: v for k, v in form.items()}


# -- the runner --------------------------------------------------------------------
def endpoint(
    sim: Simulator, handler: Handler, rulesets: tuple[str, ...] = ("build",), *, auth: bool = True
) -> Callable[[Request], Awaitable[Response]]:
    """``handler`` as a Starlette endpoint: the knobs, the body, sign-in, ``rulesets``, one transaction."""

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
            return Response(
                "<html><body><h1>504 Gateway Time-out</h1></body></html>", status_code=504, media_type="text/html"
            )
        if sim.down or (sim.fail_rate and random.random() < sim.fail_rate):
            sim.faults.note("error", method, path)
            return Response(
                "<html><body><h1>502 Bad Gateway</h1></body></html>", status_code=502, media_type="text/html"
            )
        try:
            body = await _read_body(request)
        except ValueError as exc:
            return JSONResponse({"detail": f"JSON parse error - {exc}"}, status_code=400)
        except ClientDisconnect:
            # the client went away (while the latency ran, say): nothing to carry out, nobody to answer
            return Response(status_code=499)
        result: Any
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
