"""The client's writes: build actions, outputs, allocations and scans (POST/PATCH/DELETE, never retried)."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from pydantic import ValidationError

from .base import ClientBase, _dec
from .errors import BadResponse
from .models import BarcodeResult, BuildItem, StockItem, TaskDetail


class ClientWrites(ClientBase):
    """What changes the server. Each answers with what the server made, a background task, or nothing."""

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

    async def repoint_allocation(self, pk: int, stock_item: int) -> BuildItem:
        """``PATCH /api/build/item/<pk>/ {"stock_item": …}``: the allocation moves to another stock item (the
        item a transfer split off); the server runs every allocation check again (build doc §3.4)."""
        return self._model(
            BuildItem,
            await self._call(
                "PATCH",
                f"/api/build/item/{pk}/",
                json_body={"stock_item": stock_item},
                action="re-point this allocation",
            ),
        )

    async def transfer_stock(self, items: Sequence[tuple[int, Decimal]], location: int, *, notes: str = "") -> None:
        """``POST /api/stock/transfer/``: one request, all or nothing. A quantity below the item's splits it
        (the new item's pk is not returned, and the item's allocations stay on the original); never send more
        than the item holds: the server would move it whole without a word (scanning doc §5)."""
        body: dict[str, Any] = {"items": [{"pk": pk, "quantity": _dec(q)} for pk, q in items], "location": location}
        if notes:
            body["notes"] = notes
        await self._call("POST", "/api/stock/transfer/", json_body=body, action="move the stock")

    async def scan(self, barcode: str) -> BarcodeResult:
        """Resolve a barcode with ``POST /api/barcode/``; a non-match raises ``ValidationFailed``."""
        body = await self._call("POST", "/api/barcode/", json_body={"barcode": barcode}, action="scan", lookup=True)
        result = BarcodeResult.from_response(body if isinstance(body, dict) else {})
        if result is None:
            raise BadResponse("The server matched the barcode to something buildtui does not know.")
        return result

    async def link_barcode(self, barcode: str, *, stockitem: int) -> None:
        """``POST /api/barcode/link/``: the label's text (control characters and all) now finds the stock item.
        400 "Barcode matches existing item" when the text already finds something (scanning doc §3.1)."""
        await self._call(
            "POST",
            "/api/barcode/link/",
            json_body={"barcode": barcode, "stockitem": stockitem},
            action="link the label to the stock item",
        )
