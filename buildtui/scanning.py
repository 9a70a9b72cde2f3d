"""A scan, from code to outcome: resolved by the state layer (state/scan.py), then offered to the screen or
dialog on top through ``take_scan`` (the ``ScanTarget`` protocol); what none takes, the app does itself.

- anywhere: a build opens (a build reference typed as text, ``BO-0042``, too);
- on a build: a stock item is allocated to the line it fits (screens/build_detail.py), and so is a supplier's own
  label, through its supplier part's stock (state/supplier_scan.py);
- in a dialog with a location field: a location fills it; in the output dialogs an output is marked; in the
  stock picker an item is chosen; in "Open build by reference" the build opens.
Every scan is logged with its outcome; a failure rings the terminal bell (configurable).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections import deque
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol, runtime_checkable

from textual.screen import ModalScreen

from .api import ApiError
from .state.scan import (
    BuildScanned,
    LocationScanned,
    OtherScanned,
    ScanAllocation,
    Scanned,
    ScanRefused,
    ScanReply,
    StockScanned,
    undo,
)
from .state.supplier_scan import SupplierScanned, resolve
from .widgets.safe import clean

if TYPE_CHECKING:
    from .app import BuildTUI

log = logging.getLogger("buildtui.scanning")

__all__ = ["ScanEntry", "ScanHandler", "ScanRefused", "ScanReply", "ScanTarget"]


@runtime_checkable
class ScanTarget(Protocol):
    """A screen or dialog that does something with scans. ``None``: not this one (the app's default
    applies); ``ScanRefused``: this one, but not now, with the reason."""

    async def take_scan(self, scanned: Scanned) -> ScanReply | None: ...


@dataclass
class ScanEntry:
    at: str
    code: str
    outcome: str
    ok: bool


class ScanHandler:
    def __init__(self, app: BuildTUI) -> None:
        self.app = app
        self.log: deque[ScanEntry] = deque(maxlen=50)
        self.last_allocation: ScanAllocation | None = None
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
        async with self._one_at_a_time:
            try:
                reply = await self._handle(code)
            except ScanRefused as refusal:
                self._record(code, str(refusal), ok=False)
                return
            except ApiError as exc:
                self._record(code, f"{exc.title}: {exc}", ok=False)
                return
            except Exception:  # noqa: BLE001 - a bug: logged with its traceback, the scan reported as failed
                log.exception("scan %r failed", code)
                self._record(code, "Something went wrong with this scan; the details are in the log.", ok=False)
                return
            if reply.allocation is not None:
                self.last_allocation = reply.allocation
            self._record(code, reply.message, ok=True)
            if reply.then is not None:  # shown and undoable already; the next scan waits for this
                try:
                    followed = await reply.then()
                except Exception:  # noqa: BLE001 - the scan itself was done: only the follow-up failed
                    log.exception("after scan %r", code)
                    followed = None
                if followed:
                    self._record(code, followed, ok=True)

    async def _handle(self, code: str) -> ScanReply:
        scanned = await resolve(self.app.store, code)
        target = self.app.screen
        if isinstance(target, ScanTarget):
            reply = await target.take_scan(scanned)
            if reply is not None:
                return reply
        return self._default(scanned, in_dialog=isinstance(target, ModalScreen))

    def _default(self, scanned: Scanned, *, in_dialog: bool) -> ScanReply:
        """What a scan does where nothing on screen took it."""
        if isinstance(scanned, BuildScanned):
            if in_dialog:
                raise ScanRefused(f"Scanned {scanned.reference}: close the dialog first to open it.")
            self.app.open_build(scanned.pk)
            return ScanReply(f"Opened {scanned.reference}.")
        if isinstance(scanned, LocationScanned):
            raise ScanRefused(f"Scanned location {scanned.name}: there is no location field here.")
        if isinstance(scanned, StockScanned):
            raise ScanRefused(f"Scanned {scanned.name} {scanned.item.label}: open a build to allocate it.")
        if isinstance(scanned, SupplierScanned):
            raise ScanRefused(
                f"Scanned the {scanned.parts[0].label} label of {scanned.name}: open a build to allocate it."
            )
        assert isinstance(scanned, OtherScanned)
        raise ScanRefused(f"Scanned a {scanned.model} (#{scanned.pk}): nothing to do with it here.")

    # -- undo ---------------------------------------------------------------------------------------
    async def undo(self) -> None:
        last = self.last_allocation
        if last is None:
            self.app.notify("No scan allocation to undo.", markup=False)
            return
        try:
            message = await undo(self.app.store, last)
        except (ScanRefused, ApiError) as exc:
            self._record("undo", f"Undo failed: {exc}", ok=False)
            return
        self.last_allocation = None
        self._record("undo", message, ok=True)
        screen = self.app.screen
        if getattr(screen, "pk", None) == last.build and hasattr(screen, "refresh_data"):
            screen.refresh_data()
