"""What a request handler gets (``Ctx``) and the plumbing of list endpoints: paging, filters, search, ordering,
and ``list_view``, the one list endpoint every resource's list is an instance of."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from starlette.requests import Request

from .db import Database, Row
from .rules import ApiError, query_bool
from .state import Simulator

Handler = Callable[["Ctx"], Any]


class Ctx:
    """What a handler needs: the request's data, the user and the database."""

    def __init__(self, request: Request, db: Database, user: Row | None, body: Any, sim: Simulator) -> None:
        self.request = request
        self.sim = sim
        self.db = db
        self.user = user
        self.body = body
        self.params = request.query_params
        self.path_params = request.path_params

    @property
    def user_id(self) -> int:
        assert self.user is not None
        return int(self.user["id"])

    def flag(self, name: str, default: bool) -> bool:
        v = query_bool(self.params.get(name))
        return default if v is None else v


# -- paging --------------------------------------------------------------------
def paginate(ctx: Ctx, count: int, fetch: Callable[[int | None, int], list[Any]]) -> Any:
    """DRF LimitOffset paging: a bare array without ``limit`` (§1.2)."""
    raw_limit = ctx.params.get("limit")
    try:
        limit = int(raw_limit) if raw_limit is not None else 0
    except ValueError:
        limit = 0
    if limit <= 0:
        return fetch(None, 0)
    try:
        offset = max(int(ctx.params.get("offset", "0")), 0)
    except ValueError:
        offset = 0
    results = fetch(limit, offset)
    base = str(ctx.request.url.replace(query=""))
    others = [(k, v) for k, v in ctx.params.multi_items() if k not in ("limit", "offset")]
    nxt = prev = None
    if offset + limit < count:
        nxt = base + "?" + urlencode([("limit", limit), ("offset", offset + limit), *others])
    if offset > 0:
        if offset - limit <= 0:
            prev = base + "?" + urlencode([("limit", limit), *others])
        else:
            prev = base + "?" + urlencode([("limit", limit), ("offset", offset - limit), *others])
    return {"count": count, "next": nxt, "previous": prev, "results": results}


class Where:
    """Collects SQL conditions and their parameters; raises InvenTree's 400 bodies on bad values."""

    def __init__(self, ctx: Ctx) -> None:
        self.ctx = ctx
        self.sql: list[str] = []
        self.params: list[Any] = []

    def add(self, sql: str, *params: Any) -> None:
        self.sql.append(sql)
        self.params.extend(params)

    def number(self, name: str) -> int | None:
        raw = self.ctx.params.get(name)
        if raw is None or raw == "":
            return None
        try:
            return int(raw)
        except ValueError:
            raise ApiError(400, {name: ["Enter a number."]}) from None

    def fk(self, name: str, table: str) -> int | None:
        raw = self.ctx.params.get(name)
        if raw is None or raw == "":
            return None
        try:
            pk = int(raw)
        except ValueError:
            raise ApiError(
                400, {name: ["Select a valid choice. That choice is not one of the available choices."]}
            ) from None
        if self.ctx.db.get(table, pk) is None:
            raise ApiError(400, {name: ["Select a valid choice. That choice is not one of the available choices."]})
        return pk

    def boolean(self, name: str) -> bool | None:
        return query_bool(self.ctx.params.get(name))

    def clause(self) -> str:
        return (" WHERE " + " AND ".join(self.sql)) if self.sql else ""


def search_terms(ctx: Ctx) -> list[str]:
    return [t for t in (ctx.params.get("search") or "").split() if t]


def ordering(ctx: Ctx, fields: dict[str, str], default: str) -> str:
    parts = []
    for term in (ctx.params.get("ordering") or "").split(","):
        term = term.strip()
        desc = term.startswith("-")
        name = term.lstrip("-")
        if name in fields:
            cols = fields[name].split(",")
            parts += [f"{c} {'DESC' if desc else 'ASC'}" for c in cols]
    return " ORDER BY " + (", ".join(parts) if parts else default)


def ints(raw: list[Any], key: str) -> list[int]:
    try:
        return [int(x) for x in raw]
    except (TypeError, ValueError):
        raise ApiError(400, {key: ["Invalid items list provided"]}) from None


def list_view(
    ctx: Ctx,
    *,
    select: str,
    source: str,
    where: Where,
    order: str,
    rows: Callable[[list[Row]], list[Any]],
    keep: Callable[[Any], bool] | None = None,
) -> Any:
    """A list endpoint: ``SELECT <select> <source> WHERE ... <order>``, each page turned into answer rows by ``rows``.

    ``keep``: a filter that only the answer rows can tell (then every row is read, filtered and paged here).
    The count is only worked out when the client pages (``limit``): without it the answer is a bare array."""
    base = source + where.clause()
    if keep is not None:
        kept = [r for r in rows(ctx.db.all(f"SELECT {select} {base}{order}", where.params)) if keep(r)]
        return paginate(ctx, len(kept), lambda limit, offset: kept if limit is None else kept[offset : offset + limit])

    def fetch(limit: int | None, offset: int) -> list[Any]:
        sql = f"SELECT {select} {base}{order}"
        params = list(where.params)
        if limit is not None:
            sql += " LIMIT ? OFFSET ?"
            params += [limit, offset]
        return rows(ctx.db.all(sql, params))

    count = ctx.db.scalar(f"SELECT COUNT(*) {base}", where.params) if ctx.params.get("limit") else 0
    return paginate(ctx, count, fetch)
