"""What a scan does, depending on where the operator is (resolved with POST /api/barcode/).

- anywhere: a build barcode (or a build reference typed as text, ``BO-0042``) opens that build;
- on a build: a stock item is allocated to the line it matches;
- in a dialog with a location field: a location fills it; in the output dialogs: an output marks it.
Every scan is logged with its result; a failure rings the terminal bell (configurable).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import re
from collections import deque
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING

from textual.widgets import Select

from .api import ApiError, ValidationFailed
from .api.models import BarcodeResult, StockItem
from .widgets.safe import clean

if TYPE_CHECKING:
    from .app import BuildTUI

log = logging.getLogger("buildtui.scanning")
REFERENCE = re.compile(r"^[A-Za-z]{1,10}-?\d{1,10}$")


class ScanRefused(Exception):
    """The scan was understood but cannot be carried out here; the message says why."""


@dataclass
class ScanEntry:
    at: str
    code: str
    outcome: str
    ok: bool


@dataclass
class Allocation:
    """What the last scan allocated, so that one key can undo it."""

    build: int
    line: int
    stock_item: int
    output: int | None
    quantity: Decimal
    label: str


class ScanHandler:
    def __init__(self, app: BuildTUI) -> None:
        self.app = app
        self.log: deque[ScanEntry] = deque(maxlen=50)
        self.last_allocation: Allocation | None = None
        self._one_at_a_time = asyncio.Lock()  # scans are handled in the order they were made

    # -- feedback ---------------------------------------------------------------------------
    def _record(self, code: str, outcome: str, ok: bool) -> None:
        self.log.append(ScanEntry(dt.datetime.now().strftime("%H:%M:%S"), clean(code), clean(outcome), ok))
        if ok:
            self.app.notify(outcome, title="Scan", markup=False)
        else:
            self.app.notify(outcome, title="Scan failed", severity="error", markup=False)
            if self.app.config.bell:
                self.app.bell()  # the terminal's own bell: rings on the operator's terminal, also over SSH

    # -- resolving ----------------------------------------------------------------------------
    async def handle(self, code: str) -> None:
        code = code.strip()
        if not code:
            return
        try:
            async with self._one_at_a_time:
                outcome = await self._handle(code)
        except ScanRefused as refusal:
            self._record(code, str(refusal), ok=False)
        except ApiError as exc:
            self._record(code, f"{exc.title}: {exc}", ok=False)
        except Exception:  # noqa: BLE001 - a bug: logged with its traceback, the scan reported as failed
            log.exception("scan %r failed", code)
            self._record(code, "Something went wrong with this scan; the details are in the log.", ok=False)
        else:
            self._record(code, outcome, ok=True)

    async def _handle(self, code: str) -> str:
        store = self.app.store
        try:
            result: BarcodeResult | None = await store.call(lambda: store.client.scan(code))
        except ValidationFailed:
            result = None
        if result is None:
            if REFERENCE.match(code):
                build = await store.call(lambda: store.client.find_build(code))
                if build is not None:
                    return self._open_build(build.pk, build.reference)
            raise ScanRefused(f"No match for “{clean(code)}”: not a build, stock item or location this server knows.")
        if result.model == "build":
            ref = str((result.instance or {}).get("reference") or f"build {result.pk}")
            return self._open_build(result.pk, ref)
        if result.model == "stocklocation":
            return await self._location(result)
        if result.model == "stockitem":
            item = result.stock_item()
            if item is None:  # the scan answered without the item's details: ask for them
                item = await store.call(lambda: store.client.get_stock(result.pk))
            return await self._stock_item(item)
        raise ScanRefused(f"Scanned a {result.model} (#{result.pk}): nothing to do with it here.")

    def _open_build(self, pk: int, reference: str) -> str:
        from .dialogs.goto import GotoBuildDialog
        from .screens.build_detail import BuildDetailScreen

        screen = self.app.screen
        if isinstance(screen, GotoBuildDialog):
            if screen.busy:  # its own request is in flight and will dismiss it: a second dismiss would pop more
                raise ScanRefused(f"Scanned {clean(reference)}: the dialog is already opening a build.")
            screen.dismiss(pk)  # "Open build by reference" asked for exactly this: its caller opens it
            return f"Opened {clean(reference)}."
        if isinstance(screen, BuildDetailScreen) and screen.pk == pk:
            return f"{clean(reference)} is already open."
        if not self._on_a_screen():
            raise ScanRefused(f"Scanned {clean(reference)}: close the dialog first to open it.")
        self.app.open_build(pk)
        return f"Opened {clean(reference)}."

    def _on_a_screen(self) -> bool:
        from .screens.base import LiveScreen

        return isinstance(self.app.screen, LiveScreen)

    async def _location(self, result: BarcodeResult) -> str:
        store = self.app.store
        locations = await store.ensure_locations()
        name = next((loc.path for loc in locations if loc.pk == result.pk), None)
        if name is None:
            raise ScanRefused(f"Location #{result.pk} is not in the location list.")
        selects = self.app.screen.query("#location")
        if not selects or not isinstance(selects.first(), Select):
            raise ScanRefused(f"Scanned location {clean(name)}: there is no location field here.")
        selects.first(Select).value = result.pk
        return f"Location set to {clean(name)}."

    async def _stock_item(self, item: StockItem) -> str:
        from .dialogs.allocate import AllocateDialog
        from .dialogs.outputs import _OutputsDialog
        from .screens.build_detail import BuildDetailScreen

        screen = self.app.screen
        label = clean(item.part_detail.label if item.part_detail else f"part {item.part}")
        if isinstance(screen, _OutputsDialog):
            if screen.mark_output(item.pk):
                return f"Output {clean(item.serial or item.label)} marked."
            raise ScanRefused(f"{label} {clean(item.label)} is not an incomplete output of this build.")
        if isinstance(screen, AllocateDialog):
            if screen.select_candidate(item.pk):
                return f"Selected {label} {clean(item.label)}: Enter allocates."
            raise ScanRefused(f"{label} {clean(item.label)} is not available for this line.")
        if isinstance(screen, BuildDetailScreen):
            allocation = await screen.allocate_scanned(item)
            self.last_allocation = allocation
            return (f"Allocated {clean(_q(allocation.quantity))} × {label} ({clean(item.label)}) to "
                    f"{clean(allocation.label)}.")
        raise ScanRefused(f"Scanned {label} {clean(item.label)}: open a build to allocate it.")

    # -- undo ---------------------------------------------------------------------------------------
    async def undo(self) -> None:
        last = self.last_allocation
        if last is None:
            self.app.notify("No scan allocation to undo.", markup=False)
            return
        client = self.app.store.client
        try:
            found = [a for a in await client.list_allocations(last.build, build_line=last.line,
                                                              stock_item=last.stock_item)
                     if a.install_into == last.output]
            if not found:
                raise ScanRefused("The allocation is gone already (someone changed it meanwhile).")
            alloc = found[0]
            if alloc.quantity <= last.quantity:
                await client.delete_allocation(alloc.pk)
            else:
                await client.update_allocation(alloc.pk, alloc.quantity - last.quantity)
        except (ScanRefused, ApiError) as exc:
            self._record("undo", f"Undo failed: {exc}", ok=False)
            return
        self.last_allocation = None
        self._record("undo", f"Undone: {_q(last.quantity)} no longer allocated to {clean(last.label)}.", ok=True)
        from .screens.build_detail import BuildDetailScreen

        if isinstance(self.app.screen, BuildDetailScreen) and self.app.screen.pk == last.build:
            self.app.screen.refresh_data()


def _q(value: Decimal) -> str:
    from .format import qty

    return qty(value)
