"""The simulator's URL table: which view answers which path, for whom (the rule sets allowed), behind the faults."""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp

from . import settings, version_views
from .endpoint import endpoint, not_found
from .query import Handler
from .state import Simulator
from .views import barcodes, builds, companies, items, lines, parts, stock, users
from .wire import FaultMiddleware

ANY = ("GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")
READ_WRITE = ["GET", "PATCH", "PUT", "DELETE"]


def make_app(sim: Simulator) -> ASGIApp:
    """The simulator's ASGI application: the Starlette app behind the fault-injection layer."""

    async def unknown(request: Request) -> Response:
        return JSONResponse(not_found(request).body, status_code=404)

    def route(path: str, view: Handler, rulesets: tuple[str, ...], methods: list[str], *, auth: bool = True) -> Route:
        return Route(path, endpoint(sim, view, rulesets, auth=auth), methods=methods)

    everyone: tuple[str, ...] = ()  # any signed-in user
    b = ("build",)
    stock_roles = ("stock", "build", "part", "stock_location")
    stock_items = ("stock", "build")  # the rule sets that hold the StockItem model
    supplier_parts = ("part", "purchase_order")  # ... SupplierPart and ManufacturerPart
    companies_roles = ("purchase_order", "sales_order", "return_order")  # ... Company
    po = ("purchase_order",)
    routes = [
        route("/api/", users.info, everyone, ["GET"], auth=False),
        route("/api/user/token/", users.user_token, everyone, ["GET"]),
        route("/api/user/me/", users.user_me, everyone, ["GET"]),
        route("/api/user/roles/", users.user_roles_view, everyone, ["GET"]),
        route("/api/build/status/", users.build_status, everyone, ["GET"]),
        route("/api/stock/status/", users.stock_status, everyone, ["GET"]),
        route("/api/generic/status/", users.generic_status, everyone, ["GET"]),
        route("/api/build/", builds.build_list, b, ["GET"]),
        route("/api/build/", builds.build_create, b, ["POST"]),
        route("/api/build/", builds.build_options, b, ["OPTIONS"]),
        route("/api/build/line/", lines.line_list, b, ["GET"]),
        route("/api/build/line/{id:int}/", lines.line_detail, b, READ_WRITE),
        route("/api/build/item/", items.item_list, b, ["GET", "POST", "DELETE"]),
        route("/api/build/item/{id:int}/", items.item_detail, b, READ_WRITE),
        route("/api/build/{id:int}/", builds.build_detail, b, READ_WRITE),
        route("/api/build/{id:int}/{action}/", builds.build_action, b, ["POST"]),
        route("/api/stock/", stock.stock_list, stock_roles, ["GET"]),
        route("/api/stock/{id:int}/", stock.stock_detail, stock_roles, ["GET"]),
        route("/api/stock/transfer/", stock.stock_transfer, stock_items, ["POST"]),
        route("/api/stock/location/", stock.location_list, stock_roles, ["GET"]),
        route("/api/stock/location/{id:int}/", stock.location_detail, stock_roles, ["GET"]),
        route("/api/part/", parts.part_list, stock_roles, ["GET"]),
        route("/api/part/{id:int}/", parts.part_detail, stock_roles, ["GET"]),
        route("/api/part/{id:int}/serial-numbers/", parts.part_serials, stock_roles, ["GET"]),
        route("/api/barcode/", barcodes.barcode_scan, everyone, ["POST"]),
        route("/api/barcode/link/", barcodes.barcode_link, everyone, ["POST"]),
        route("/api/barcode/unlink/", barcodes.barcode_unlink, everyone, ["POST"]),
        route("/api/plugins/{slug}/activate/", barcodes.plugin_activate, everyone, ["PATCH", "PUT"]),
        route("/api/company/", companies.company_list, companies_roles, ["GET"]),
        route("/api/company/{id:int}/", companies.company_detail, companies_roles, ["GET"]),
        route("/api/company/part/", companies.supplier_part_list, supplier_parts, ["GET"]),
        route("/api/company/part/{id:int}/", companies.supplier_part_detail, supplier_parts, ["GET"]),
        route("/api/company/part/manufacturer/", companies.manufacturer_part_list, supplier_parts, ["GET"]),
        route("/api/company/part/manufacturer/{id:int}/", companies.manufacturer_part_detail, supplier_parts, ["GET"]),
        route("/api/order/po/", companies.purchase_order_list, po, ["GET"]),
        route("/api/order/po/{id:int}/", companies.purchase_order_detail, po, ["GET"]),
        route("/api/background-task/", version_views.task_overview, everyone, ["GET"]),
        route("/api/background-task/{task_id}/", version_views.task_detail, everyone, ["GET"]),
        route("/api/bom/substitute/", version_views.substitute_list, stock_roles, ["GET"]),
        route("/api/bom/substitute/{id:int}/", version_views.substitute_detail, stock_roles, ["GET"]),
        route("/api/settings/global/{key}/", settings.global_setting, everyone, ["GET", "PATCH", "PUT"]),
        Route("/api/{rest:path}", unknown, methods=list(ANY)),
    ]
    app = Starlette(routes=routes)
    app.state.sim = sim
    return FaultMiddleware(app, sim)
