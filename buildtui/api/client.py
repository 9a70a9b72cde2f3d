"""The one async InvenTree client every screen sits on.

It is the only place that knows URLs and wire field names. GETs may retry
with backoff; a POST (or PATCH/DELETE) is never retried automatically, because
most build actions are not idempotent (§7).
"""

from __future__ import annotations

import asyncio
import json
import ssl
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import urljoin, urlsplit

from pydantic import BaseModel, ValidationError

from .. import __version__
from .errors import (
    ApiError,
    AuthenticationRequired,
    BadResponse,
    NotFound,
    PermissionDenied,
    Redirected,
    RequestTimeout,
    ServerError,
    Unreachable,
    UnsupportedServer,
    ValidationFailed,
)
from .models import (
    BarcodeResult,
    BomSubstitute,
    Build,
    BuildItem,
    BuildLine,
    CurrentUser,
    GlobalSetting,
    Page,
    Part,
    Roles,
    SerialNumbers,
    ServerInfo,
    StatusCodes,
    StockItem,
    StockLocation,
    TaskDetail,
)
from .transport import Answer, AnswerTooLarge, HttpxSender, SendFailed, SendTimeout, basic_auth

if TYPE_CHECKING:
    import httpx

HEADERS = {"User-Agent": f"buildtui/{__version__}", "Accept": "application/json"}  # the token: per request
MIN_API_VERSION = 386  # consume/ appeared in 386; everything else the UI uses is older
PAGE_SIZE = 50
ALL_ROWS = 1000  # "fetch everything" still sends a limit and pages (§1.2)
M = TypeVar("M", bound=BaseModel)


@dataclass
class BuildQuery:
    """What the build list asks the server for."""

    outstanding: bool | None = True
    status: int | None = None
    overdue: bool | None = None
    assigned_to_me: bool | None = None
    search: str = ""
    ordering: str = "-reference"
    parent: int | None = None
    part: int | None = None
    extra: dict[str, str] = field(default_factory=dict)

    def params(self) -> dict[str, Any]:
        p: dict[str, Any] = {"ordering": self.ordering}
        if self.outstanding is not None:
            p["outstanding"] = _b(self.outstanding)
        if self.status is not None:
            p["status"] = self.status
        if self.overdue is not None:
            p["overdue"] = _b(self.overdue)
        if self.assigned_to_me is not None:
            p["assigned_to_me"] = _b(self.assigned_to_me)
        if self.search.strip():
            p["search"] = self.search.strip()
        if self.parent is not None:
            p["parent"] = self.parent
        if self.part is not None:
            p["part"] = self.part
        p.update(self.extra)
        return p


def _b(value: bool) -> str:
    return "true" if value else "false"


def _dec(value: Decimal | int | float | str) -> str:
    return str(Decimal(str(value)))


class InvenTreeClient:
    """Async client with InvenTree's token auth. Requests go through one pooled ``httpx.AsyncClient``, made at
    the first request, with an overall deadline and a size cap per request (``api/transport.py``)."""

    def __init__(
        self,
        base_url: str,
        token: str | None = None,
        *,
        timeout: float = 10.0,
        verify: bool | str | ssl.SSLContext = True,
        get_retries: int = 2,
        backoff: float = 0.3,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self._token = token
        self.timeout = timeout
        self.get_retries = get_retries
        self.backoff = backoff
        self.request_count = 0
        self.server_info: ServerInfo | None = None
        self._verify = verify
        self._transport = transport
        self._sender: HttpxSender | None = None

    @property
    def sender(self) -> HttpxSender:
        if self._sender is None:
            self._sender = HttpxSender(
                self.base_url, headers=HEADERS, timeout=self.timeout, verify=self._verify, transport=self._transport
            )
        return self._sender

    # the token is kept out of repr() and logs
    def __repr__(self) -> str:
        return f"InvenTreeClient({self.base_url!r})"

    @property
    def has_token(self) -> bool:
        return bool(self._token)

    def set_token(self, token: str | None) -> None:
        self._token = token

    async def aclose(self) -> None:
        if self._sender is not None:
            await self._sender.aclose()

    async def __aenter__(self) -> InvenTreeClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    # -- transport -------------------------------------------------------------
    async def _call(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, Any] | None = None,
        json_body: Any = None,
        action: str = "",
        authorization: str | None = None,
        anonymous: bool = False,
    ) -> Any:
        """One request; GETs are retried on network failures and 502-504, writes never (§7)."""
        headers = {}
        if authorization is not None:
            headers["Authorization"] = authorization
        elif self._token and not anonymous:
            headers["Authorization"] = f"Token {self._token}"
        write = method not in ("GET", "HEAD", "OPTIONS")
        attempts = 1 + (0 if write else self.get_retries)
        last: ApiError | None = None
        for attempt in range(attempts):
            if attempt:
                await asyncio.sleep(self.backoff * (2 ** (attempt - 1)))
            try:
                self.request_count += 1
                response = await self.sender.send(method, path, params=params, json_body=json_body, headers=headers)
            except SendTimeout as exc:
                last = RequestTimeout(
                    self._timeout_text(method, exc.maybe_sent), method=method, action=action, maybe_sent=exc.maybe_sent
                )
                continue
            except SendFailed as exc:
                last = self._unreachable(exc, action, unknown=write and exc.maybe_sent)
                continue
            except AnswerTooLarge as exc:
                raise BadResponse(str(exc), action=action) from None
            try:
                return self._decode(response, action, write=write)
            except ServerError as exc:
                if exc.status in (502, 503, 504) and not write:
                    last = exc
                    continue
                raise
        assert last is not None
        raise last

    def _timeout_text(self, method: str, maybe_sent: bool) -> str:
        if method == "GET" or not maybe_sent:
            return f"{self.base_url} did not answer within {self.timeout:g} s."
        return (
            f"{self.base_url} did not answer within {self.timeout:g} s; the action may or may not have "
            "been carried out."
        )

    def _unreachable(self, exc: SendFailed, action: str, *, unknown: bool) -> Unreachable:
        text = str(exc) or exc.__class__.__name__
        cause: BaseException | None = exc
        while cause is not None:
            if isinstance(cause, ssl.SSLCertVerificationError):
                why = cause.verify_message or cause.reason or "not trusted"
                return Unreachable(
                    f"TLS failed talking to {self.base_url}: its certificate could not be verified "
                    f"({why}). If your site uses its own certificate authority, set ca_bundle in "
                    "the config.",
                    reason="tls",
                    action=action,
                )
            if isinstance(cause, ssl.SSLError):
                why = (cause.reason or str(cause)).replace("_", " ").lower()
                return Unreachable(
                    f"TLS failed talking to {self.base_url} ({why}). Check that the address is "
                    "https and the certificate, or set ca_bundle in the config.",
                    reason="tls",
                    action=action,
                )
            cause = cause.__cause__ or cause.__context__
        low = text.lower()
        if unknown:  # the request went out and the connection broke before the whole answer came back
            return Unreachable(
                f"The connection to {self.base_url} broke before the answer arrived; the action "
                "may or may not have been carried out.",
                reason="cut",
                action=action,
                outcome_unknown=True,
            )
        if (
            "name or service not known" in low
            or "nodename nor servname" in low
            or "getaddrinfo" in low
            or "name resolution" in low
        ):
            return Unreachable(
                f"Cannot find the server {self.base_url} (DNS lookup failed).", reason="dns", action=action
            )
        if "certificate" in low or "ssl" in low:
            return Unreachable(f"TLS failed talking to {self.base_url}: {text}", reason="tls", action=action)
        if "refused" in low or "connect" in low:
            return Unreachable(
                f"Cannot reach {self.base_url}: connection refused (is the server running?).",
                reason="refused",
                action=action,
            )
        return Unreachable(f"Cannot reach {self.base_url}: {text}", reason="network", action=action)

    def _decode(self, response: Answer, action: str, *, write: bool = False) -> Any:
        status = response.status_code
        if 300 <= status < 400:
            raise self._redirected(response, action)
        body: Any = None
        if response.content:
            try:
                body = response.json()
            except (json.JSONDecodeError, UnicodeDecodeError, ValueError, RecursionError) as exc:
                kind = response.headers.get("content-type", "unknown content").split(";")[0]
                if isinstance(exc, RecursionError):
                    raise BadResponse(
                        f"The server's answer (HTTP {status}) is nested too deeply to be read.",
                        status=status,
                        action=action,
                        outcome_unknown=write,
                    ) from None
                if status < 400:
                    raise BadResponse(
                        f"The server sent {kind} instead of JSON (HTTP {status}); a proxy may be in the way.",
                        status=status,
                        action=action,
                        outcome_unknown=write,
                    ) from None
                body = None
        if status < 400:
            return body
        detail = body.get("detail") if isinstance(body, dict) else None
        if status == 401:
            raise AuthenticationRequired(
                str(detail or "Authentication credentials were not provided."), status=status, body=body, action=action
            )
        if status == 403:
            what = f" {action}" if action else " do that"
            raise PermissionDenied(
                f"You are not allowed to{what}. ({detail or 'permission denied'})",
                status=status,
                body=body,
                action=action,
            )
        if status == 404:
            raise NotFound(str(detail or "Not found."), status=status, body=body, action=action)
        if status == 500 and isinstance(body, dict) and body.get("error") == "KeyError":
            # quirk §3.6: an action on an unknown build id answers 500 KeyError
            raise NotFound("That build order no longer exists on the server.", status=status, body=body, action=action)
        if status >= 500:
            if isinstance(body, dict):
                text = str(body.get("detail") or body.get("error") or "internal error")
            else:
                text = f"HTTP {status}" + (" (the answer was not JSON; a proxy may be failing)" if body is None else "")
            # a proxy's 502/503/504 on a write: the server behind it may have carried it out
            unknown = write and status in (502, 503, 504)
            raise ServerError(
                f"The server failed: {text}."
                + (" The action may or may not have been carried out." if unknown else ""),
                status=status,
                body=body,
                action=action,
                outcome_unknown=unknown,
            )
        if body is None:
            raise BadResponse(
                f"The server refused the request (HTTP {status}) with an unreadable answer.",
                status=status,
                action=action,
            )
        raise ValidationFailed(body, status=status, action=action)

    def _redirected(self, response: Answer, action: str) -> Redirected:
        location = response.headers.get("location", "")
        target = urljoin(self.base_url + "/", location) if location else ""
        where = urlsplit(target)
        suggestion = f"{where.scheme}://{where.netloc}" if where.scheme and where.netloc else ""
        here = urlsplit(self.base_url)
        if suggestion and suggestion != f"{here.scheme}://{here.netloc}":
            advice = f" Use --server {suggestion} (or change server in the config)."
        else:
            advice = " Check the server address (a proxy may be rewriting it)."
        return Redirected(
            f"{self.base_url} redirects to {target or 'another address'} (HTTP "
            f"{response.status_code}); buildtui does not follow redirects.{advice}",
            status=response.status_code,
            location=target,
            action=action,
        )

    @staticmethod
    def _model(model: type[M], data: Any) -> M:
        try:
            return model.model_validate(data)
        except ValidationError as exc:
            raise BadResponse(
                f"The server's answer did not look like a {model.__name__}: {exc.error_count()} field(s) wrong."
            ) from None

    def _models(self, model: type[M], data: Any) -> list[M]:
        """Rows of a list. One build that does not validate does not blank the list: it stands in its place
        as an "unreadable row" (a ``Build`` with a negative pk, its reference if it had one, what was wrong
        in ``title``), so counts and paging offsets stay right. Other rows (lines, stock) fail the answer."""
        if isinstance(data, dict) and "results" in data:
            data = data["results"]
        if not isinstance(data, list):
            raise BadResponse(f"Expected a list of {model.__name__} from the server.")
        if model is not Build:
            return [self._model(model, row) for row in data]
        import logging

        out: list[M] = []
        unreadable = 0
        for row in data:
            try:
                out.append(model.model_validate(row))
            except ValidationError as exc:
                unreadable += 1
                fields = sorted({str(err["loc"][0]) for err in exc.errors() if err.get("loc")})
                pk = row.get("pk") if isinstance(row, dict) else None
                ref = row.get("reference") if isinstance(row, dict) else None
                logging.getLogger("buildtui.api").warning(
                    "unreadable build row (pk %r): %s wrong", pk, ", ".join(fields) or "everything"
                )
                said = f"{len(fields)} field(s) wrong: {', '.join(fields)}" if fields else "not a build"
                out.append(
                    model.model_construct(
                        pk=-unreadable,
                        reference=ref if isinstance(ref, str) and ref.strip() else "?",
                        part=0,
                        status=0,
                        status_text="unreadable row",
                        title=f"unreadable row (pk {pk}): {said}" if isinstance(pk, int) else f"unreadable row: {said}",
                    )
                )
        return out

    def _page(self, model: type[M], data: Any) -> Page[M]:
        if isinstance(data, list):  # a server that ignored limit (§1.2)
            return Page(count=len(data), results=self._models(model, data))
        if not isinstance(data, dict):
            raise BadResponse("Expected a page of results from the server.")
        try:
            count = int(data.get("count", 0))
        except (TypeError, ValueError):
            raise BadResponse("The server's page had no valid count.") from None
        return Page(
            count=count,
            next=data.get("next"),
            previous=data.get("previous"),
            results=self._models(model, data.get("results", [])),
        )

    async def _all(self, model: type[M], path: str, params: dict[str, Any]) -> list[M]:
        """Every row of a list, page by page, always with ``limit``."""
        out: list[M] = []
        offset = 0
        while True:
            page = self._page(
                model, await self._call("GET", path, params={**params, "limit": ALL_ROWS, "offset": offset})
            )
            out += page.results
            offset += len(page.results)
            if not page.results or offset >= page.count or not page.next:
                return out

    # -- server, auth, users ---------------------------------------------------------
    async def get_server_info(self) -> ServerInfo:
        info = self._model(ServerInfo, await self._call("GET", "/api/", anonymous=True))
        self.server_info = info
        return info

    async def connect(self) -> ServerInfo:
        """Check the server speaks a new enough API (``GET /api/``)."""
        info = await self.get_server_info()
        if info.apiVersion < MIN_API_VERSION:
            raise UnsupportedServer(
                f"{self.base_url} runs InvenTree API {info.apiVersion}; buildtui needs API "
                f"{MIN_API_VERSION} or newer (InvenTree 0.17+)."
            )
        return info

    async def get_token(self, username: str, password: str, name: str = "buildtui") -> str:
        body = await self._call(
            "GET",
            "/api/user/token/",
            params={"name": name},
            authorization=basic_auth(username, password),
            action="sign in",
        )
        if not isinstance(body, dict) or not isinstance(body.get("token"), str):
            raise BadResponse("The server did not return a token.")
        token: str = body["token"]
        return token

    async def me(self) -> CurrentUser:
        return self._model(CurrentUser, await self._call("GET", "/api/user/me/"))

    async def roles(self) -> Roles:
        return self._model(Roles, await self._call("GET", "/api/user/roles/"))

    async def build_status_codes(self) -> StatusCodes:
        return self._model(StatusCodes, await self._call("GET", "/api/build/status/"))

    async def stock_status_codes(self) -> StatusCodes:
        try:
            return self._model(StatusCodes, await self._call("GET", "/api/stock/status/"))
        except NotFound:
            data = await self._call("GET", "/api/generic/status/")
            return self._model(StatusCodes, (data or {}).get("StockStatus", {}))

    # -- global settings (read once per session: they change rarely and are asked often) --------------
    _settings: dict[str, GlobalSetting] | None = None

    async def global_setting(self, key: str) -> GlobalSetting:
        """``GET /api/settings/global/<key>/`` (any signed-in user may read), cached for the session."""
        if self._settings is None:
            self._settings = {}
        if key not in self._settings:
            self._settings[key] = self._model(GlobalSetting, await self._call("GET", f"/api/settings/global/{key}/"))
        return self._settings[key]

    async def allow_expired_build(self) -> bool:
        """InvenTree's STOCK_ALLOW_EXPIRED_BUILD (off by default). The server does not enforce it on
        ``allocate/`` (§4); the client must."""
        return (await self.global_setting("STOCK_ALLOW_EXPIRED_BUILD")).enabled

    # -- builds ------------------------------------------------------------------------
    async def list_builds(
        self, query: BuildQuery | None = None, *, limit: int = PAGE_SIZE, offset: int = 0
    ) -> Page[Build]:
        params = {**(query or BuildQuery()).params(), "limit": limit, "offset": offset}
        return self._page(Build, await self._call("GET", "/api/build/", params=params))

    async def get_build(self, pk: int) -> Build:
        return self._model(Build, await self._call("GET", f"/api/build/{pk}/"))

    async def find_build(self, reference: str) -> Build | None:
        page = self._page(
            Build, await self._call("GET", "/api/build/", params={"reference": reference.strip(), "limit": 1})
        )
        return page.results[0] if page.results else None

    async def update_build(self, pk: int, **fields: Any) -> Build:
        return self._model(
            Build, await self._call("PATCH", f"/api/build/{pk}/", json_body=fields, action="edit this build order")
        )

    async def child_builds(self, pk: int) -> list[Build]:
        return await self._all(Build, "/api/build/", {"parent": pk, "ordering": "reference"})

    async def list_lines(self, build: int, *, allocations: bool = True, **filters: Any) -> list[BuildLine]:
        params = {
            "build": build,
            "part_detail": "true",
            "bom_item_detail": "true",
            "allocations": _b(allocations),
            **filters,
        }
        return await self._all(BuildLine, "/api/build/line/", params)

    async def get_line(self, pk: int) -> BuildLine:
        return self._model(
            BuildLine,
            await self._call("GET", f"/api/build/line/{pk}/", params={"part_detail": "true", "allocations": "true"}),
        )

    async def list_allocations(self, build: int, **filters: Any) -> list[BuildItem]:
        params = {"build": build, "part_detail": "true", "location_detail": "true", "stock_detail": "true", **filters}
        return await self._all(BuildItem, "/api/build/item/", params)

    async def list_outputs(self, build: int, *, is_building: bool | None = None) -> list[StockItem]:
        params: dict[str, Any] = {"build": build, "part_detail": "true", "location_detail": "true"}
        if is_building is not None:
            params["is_building"] = _b(is_building)
        return await self._all(StockItem, "/api/stock/", params)

    async def candidate_stock(self, line: BuildLine, *, location: int | None = None) -> list[StockItem]:
        """Stock that may be allocated to a line: ``bom_item`` handles variants and substitutes (§4)."""
        params: dict[str, Any] = {
            "bom_item": line.bom_item,
            "available": "true",
            "part_detail": "true",
            "location_detail": "true",
        }
        if location is not None:
            params.update(location=location, cascade="true")
        return await self._all(StockItem, "/api/stock/", params)

    async def get_stock(self, pk: int) -> StockItem:
        return self._model(
            StockItem,
            await self._call("GET", f"/api/stock/{pk}/", params={"part_detail": "true", "location_detail": "true"}),
        )

    async def find_stock(self, **filters: Any) -> list[StockItem]:
        return await self._all(StockItem, "/api/stock/", {"part_detail": "true", "location_detail": "true", **filters})

    async def list_locations(self) -> list[StockLocation]:
        return await self._all(StockLocation, "/api/stock/location/", {})

    async def substitutes_for_part(self, part: int) -> list[BomSubstitute]:
        """The BOM items that allow ``part`` as a substitute. Build lines never carry their substitutes on a real
        server (``bom_item_detail`` is built without them, in API 425 and 530 alike)."""
        return await self._all(BomSubstitute, "/api/bom/substitute/", {"part": part})

    async def get_part(self, pk: int) -> Part:
        return self._model(Part, await self._call("GET", f"/api/part/{pk}/"))

    async def get_location(self, pk: int) -> StockLocation:
        return self._model(StockLocation, await self._call("GET", f"/api/stock/location/{pk}/"))

    async def next_serials(self, part: int) -> SerialNumbers:
        return self._model(SerialNumbers, await self._call("GET", f"/api/part/{part}/serial-numbers/"))

    # -- actions (POST: never retried) ---------------------------------------------------
    async def _action(self, build: int, name: str, body: dict[str, Any], what: str) -> Any:
        return await self._call("POST", f"/api/build/{build}/{name}/", json_body=body, action=what)

    async def issue(self, build: int) -> None:
        await self._action(build, "issue", {}, "issue this build order")

    async def hold(self, build: int) -> None:
        await self._action(build, "hold", {}, "put this build order on hold")

    async def cancel(
        self, build: int, *, remove_allocated_stock: bool = False, remove_incomplete_outputs: bool = False
    ) -> None:
        await self._action(
            build,
            "cancel",
            {"remove_allocated_stock": remove_allocated_stock, "remove_incomplete_outputs": remove_incomplete_outputs},
            "cancel this build order",
        )

    async def finish(
        self,
        build: int,
        *,
        accept_unallocated: bool = False,
        accept_incomplete: bool = False,
        accept_overallocated: str = "reject",
    ) -> None:
        await self._action(
            build,
            "finish",
            {
                "accept_unallocated": accept_unallocated,
                "accept_incomplete": accept_incomplete,
                "accept_overallocated": accept_overallocated,
            },
            "finish this build order",
        )

    async def allocate(self, build: int, items: Sequence[dict[str, Any]]) -> None:
        """``items``: ``{"build_line", "stock_item", "quantity", "output"?}``; one request, atomic."""
        body = {"items": [{**item, "quantity": _dec(item["quantity"])} for item in items]}
        await self._action(build, "allocate", body, "allocate stock")

    async def auto_allocate(
        self,
        build: int,
        *,
        location: int | None = None,
        exclude_location: int | None = None,
        interchangeable: bool = True,
        substitutes: bool = True,
        optional_items: bool = False,
    ) -> TaskDetail | None:
        """API 477 answers with a task detail; API 425 with an echo (then ``None``)."""
        body = {
            "location": location,
            "exclude_location": exclude_location,
            "interchangeable": interchangeable,
            "substitutes": substitutes,
            "optional_items": optional_items,
        }
        return self._task(await self._action(build, "auto-allocate", body, "auto-allocate stock"))

    async def unallocate(self, build: int, *, build_line: int | None = None, output: int | None = None) -> None:
        await self._action(build, "unallocate", {"build_line": build_line, "output": output}, "remove allocations")

    async def consume(
        self, build: int, *, items: Sequence[tuple[int, Decimal]] = (), lines: Sequence[int] = (), notes: str = ""
    ) -> TaskDetail | None:
        body: dict[str, Any] = {}
        if items:
            body["items"] = [{"build_item": pk, "quantity": _dec(q)} for pk, q in items]
        if lines:
            body["lines"] = [{"build_line": pk} for pk in lines]
        if notes:
            body["notes"] = notes
        return self._task(await self._action(build, "consume", body, "consume stock"))

    @staticmethod
    def _task(body: Any) -> TaskDetail | None:
        """The background task a write answered with (API 464+), or None for an older server's echo."""
        if isinstance(body, dict) and "task_id" in body:
            try:
                return TaskDetail.model_validate(body)
            except ValidationError:
                raise BadResponse(
                    "The server's answer looked like a background task but could not be read; the "
                    "action may or may not have been carried out.",
                    outcome_unknown=True,
                ) from None
        return None

    async def create_outputs(
        self,
        build: int,
        *,
        quantity: Decimal | int,
        serial_numbers: str = "",
        batch_code: str = "",
        location: int | None = None,
        auto_allocate: bool = False,
    ) -> list[StockItem]:
        body: dict[str, Any] = {"quantity": _dec(quantity), "auto_allocate": auto_allocate}
        if serial_numbers.strip():
            body["serial_numbers"] = serial_numbers
        if batch_code:
            body["batch_code"] = batch_code
        if location is not None:
            body["location"] = location
        return self._models(StockItem, await self._action(build, "create-output", body, "create build outputs"))

    async def complete_outputs(
        self,
        build: int,
        outputs: Sequence[tuple[int, Decimal | None]],
        *,
        location: int,
        status: int = 10,
        notes: str = "",
        accept_incomplete_allocation: bool = False,
    ) -> TaskDetail | None:
        """API 494+ answers with a background task (the outputs are completed a moment later)."""
        body = {
            "outputs": [{"output": pk, **({"quantity": _dec(q)} if q is not None else {})} for pk, q in outputs],
            "location": location,
            "status_custom_key": status,
            "notes": notes,
            "accept_incomplete_allocation": accept_incomplete_allocation,
        }
        return self._task(await self._action(build, "complete", body, "complete build outputs"))

    async def scrap_outputs(
        self,
        build: int,
        outputs: Sequence[tuple[int, Decimal | None]],
        *,
        location: int,
        notes: str,
        discard_allocations: bool = False,
    ) -> TaskDetail | None:
        body = {
            "outputs": [{"output": pk, **({"quantity": _dec(q)} if q is not None else {})} for pk, q in outputs],
            "location": location,
            "notes": notes,
            "discard_allocations": discard_allocations,
        }
        return self._task(await self._action(build, "scrap-outputs", body, "scrap build outputs"))

    async def delete_outputs(self, build: int, outputs: Sequence[int]) -> TaskDetail | None:
        return self._task(
            await self._action(
                build, "delete-outputs", {"outputs": [{"output": pk} for pk in outputs]}, "delete build outputs"
            )
        )

    async def get_task(self, task_id: str) -> TaskDetail:
        """``GET /api/background-task/<id>/`` (any signed-in user; 404 for an id the server does not know)."""
        return self._model(TaskDetail, await self._call("GET", f"/api/background-task/{task_id}/"))

    async def delete_allocation(self, pk: int) -> None:
        await self._call("DELETE", f"/api/build/item/{pk}/", action="remove this allocation")

    async def delete_allocations(self, pks: Sequence[int]) -> None:
        await self._call("DELETE", "/api/build/item/", json_body={"items": list(pks)}, action="remove allocations")

    async def update_allocation(self, pk: int, quantity: Decimal) -> BuildItem:
        return self._model(
            BuildItem,
            await self._call(
                "PATCH",
                f"/api/build/item/{pk}/",
                json_body={"quantity": _dec(quantity)},
                action="change this allocation",
            ),
        )

    async def scan(self, barcode: str) -> BarcodeResult:
        """Resolve a barcode with ``POST /api/barcode/``; a non-match raises ``ValidationFailed``."""
        body = await self._call("POST", "/api/barcode/", json_body={"barcode": barcode}, action="scan")
        result = BarcodeResult.from_response(body if isinstance(body, dict) else {})
        if result is None:
            raise BadResponse("The server matched the barcode to something buildtui does not know.")
        return result
