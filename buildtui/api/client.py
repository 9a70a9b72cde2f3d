"""The one async InvenTree client every screen sits on.

It is the only place that knows URLs and wire field names: the reads are here, the writes in ``writes.py``,
transport and decoding in ``base.py``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .base import ALL_ROWS, HEADERS, MIN_API_VERSION, PAGE_SIZE, _b
from .errors import BadResponse, NotFound, UnsupportedServer
from .models import (
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
)
from .supplier_models import SupplierPart
from .transport import basic_auth
from .writes import ClientWrites

__all__ = ["ALL_ROWS", "HEADERS", "MIN_API_VERSION", "PAGE_SIZE", "BuildQuery", "InvenTreeClient"]


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


class InvenTreeClient(ClientWrites):
    """Async client with InvenTree's token auth. Requests go through one pooled ``httpx.AsyncClient``, made at
    the first request, with an overall deadline and a size cap per request (``api/transport.py``)."""

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

    # -- supplier parts (supplier labels) ------------------------------------------------------
    async def supplier_parts(self, **filters: Any) -> list[SupplierPart]:
        """``GET /api/company/part/`` with the supplier's and the part's names: ``SKU=`` (exact, case-sensitive),
        ``MPN=`` (case-insensitive), ``part=``, ``search=`` (scanning doc §4.1)."""
        params = {"supplier_detail": "true", "part_detail": "true", **filters}
        return await self._all(SupplierPart, "/api/company/part/", params)

    async def get_supplier_part(self, pk: int) -> SupplierPart:
        return self._model(
            SupplierPart,
            await self._call(
                "GET", f"/api/company/part/{pk}/", params={"supplier_detail": "true", "part_detail": "true"}
            ),
        )
