"""A scan, from code to outcome: resolved by the state layer (state/scan.py), then offered to the screen or
dialog on top through ``take_scan`` (the ``ScanTarget`` protocol); what none takes, the app does itself.

- anywhere: a build opens (a build reference typed as text, ``BO-0042``, too);
- on a build: a stock item is allocated to the line it fits (screens/build_detail.py), and so is a supplier's own
  label, through its supplier part's stock (state/supplier_scan.py);
- in a dialog with a location field: a location fills it; in the output dialogs an output is marked; in the
  stock picker an item is chosen; in "Open build by reference" the build opens.
Every scan is logged with its outcome; a failure rings the terminal bell (configurable). A screen that shows
every outcome itself (the scan session, ``ScanWatcher``) is told of each instead of a toast, and says how often
the bell rings: in the session once for every scan carried out, twice for a refusal. A dialog that wants the scanned text itself, before
it is resolved (serial labels in create-outputs), implements ``CodeTarget``.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol, TypeVar, runtime_checkable

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
    UnknownCode,
    undo,
)
from .state.supplier_scan import SupplierScanned, resolve
from .widgets.safe import clean

if TYPE_CHECKING:
    from .app import BuildTUI

log = logging.getLogger("buildtui.scanning")
T = TypeVar("T")

__all__ = ["CodeTarget", "ScanEntry", "ScanHandler", "ScanRefused", "ScanReply", "ScanTarget", "ScanWatcher"]

#: seconds between the two bells of a refusal in a scan session (closer, a terminal may sound them as one)
SECOND_BELL_S = 0.25


@runtime_checkable
class ScanTarget(Protocol):
    """A screen or dialog that does something with scans. ``None``: not this one (the app's default
    applies); ``ScanRefused``: this one, but not now, with the reason."""

    async def take_scan(self, scanned: Scanned) -> ScanReply | None: ...


@runtime_checkable
class CodeTarget(Protocol):
    """A screen or dialog that takes the scanned text itself, before it is resolved (a serial number's label
    means nothing to the server). ``None``: resolve it as usual; ``ScanRefused``: taken, and refused."""

    async def take_code(self, code: str) -> ScanReply | None: ...


@runtime_checkable
class ScanWatcher(Protocol):
    """A screen or dialog that shows the outcome of every scan made while it is on top, refusals included (the
    scan session's list, create-outputs' serial field), so no toast covers it. ``SCAN_BELLS``: how many times
    the bell rings for a scan carried out and for a refusal (the session: once and twice, so that the operator
    hears which without looking)."""

    SCAN_BELLS: tuple[int, int]

    def scan_finished(self, code: str, message: str, ok: bool, allocation: ScanAllocation | None) -> None: ...


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
        self.in_flight = 0  # scans received and not finished yet
        self._idle = asyncio.Event()
        self._idle.set()

    # -- feedback ---------------------------------------------------------------------------
    def _record(
        self,
        code: str,
        outcome: str,
        ok: bool,
        *,
        bell: bool = True,
        watcher: ScanWatcher | None = None,
        allocation: ScanAllocation | None = None,
    ) -> None:
        self.log.append(ScanEntry(dt.datetime.now().strftime("%H:%M:%S"), clean(code), clean(outcome), ok))
        if watcher is not None:
            watcher.scan_finished(clean(code), clean(outcome), ok, allocation)
            if bell:
                self.ring(watcher.SCAN_BELLS[0 if ok else 1])
            return
        if ok:
            self.app.notify(outcome, title="Scan", markup=False)
        else:
            self.app.notify(outcome, title="Scan failed", severity="error", markup=False)
            if bell:
                self.ring(1)

    def ring(self, times: int) -> None:
        """The terminal's own bell (rings on the operator's terminal, also over SSH), ``times`` times."""
        if not self.app.config.bell or times <= 0:
            return
        self.app.bell()
        for n in range(1, times):
            self.app.set_timer(SECOND_BELL_S * n, self.app.bell, name="scan-bell")

    # -- resolving ----------------------------------------------------------------------------
    async def handle(self, code: str, typed: Callable[[str], bool] | None = None) -> None:
        """Resolve ``code`` and do what it says. ``typed``: the keys were read while a text field had the focus;
        a code the server does not know is put into that field (``typed`` says whether it could be), as the
        fast typing it most likely was, instead of being lost as a failed scan."""
        code = code.strip()
        if not code:
            return
        self.in_flight += 1
        self._idle.clear()
        try:
            async with self._one_at_a_time:
                try:
                    reply = await self._handle(code)
                except UnknownCode as refusal:
                    if typed is None or not typed(code):
                        self._record(code, str(refusal), ok=False, bell=refusal.bell, watcher=self._watcher())
                    else:
                        log.info("%r: no such code on the server, typed into the focused field", code)
                except ScanRefused as refusal:
                    watcher = self._watcher()
                    self._record(code, str(refusal), ok=False, bell=refusal.bell, watcher=watcher)
                except ApiError as exc:
                    self._record(code, f"{exc.title}: {exc}", ok=False, watcher=self._watcher())
                except Exception:  # noqa: BLE001 - a bug: logged with its traceback, the scan reported as failed
                    log.exception("scan %r failed", code)
                    self._record(
                        code,
                        "Something went wrong with this scan; the details are in the log.",
                        False,
                        watcher=self._watcher(),
                    )
                else:
                    if reply.allocation is not None:
                        self.last_allocation = reply.allocation
                    self._record(code, reply.message, ok=True, watcher=self._watcher(), allocation=reply.allocation)
                    if reply.then is not None:  # shown and undoable already; the next scan waits for this
                        try:
                            followed = await reply.then()
                        except Exception:  # noqa: BLE001 - the scan itself was done: only the follow-up failed
                            log.exception("after scan %r", code)
                            followed = None
                        if followed:
                            self._record(code, followed, ok=True, watcher=self._watcher())
        finally:
            self.in_flight -= 1
            if not self.in_flight:
                self._idle.set()

    async def idle(self) -> None:
        """Until every scan received so far has been handled (the scan session ends only then)."""
        await self._idle.wait()

    async def in_turn(self, work: Callable[[], Awaitable[T]]) -> T:
        """Run ``work`` between two scans, never during one (an undo from the scan session's list)."""
        async with self._one_at_a_time:
            return await work()

    def forget(self, allocation: ScanAllocation) -> None:
        """``allocation`` was undone elsewhere (the scan session): ctrl+z must not undo it again."""
        if self.last_allocation == allocation:
            self.last_allocation = None

    def _watcher(self) -> ScanWatcher | None:
        screen = self.app.screen
        return screen if isinstance(screen, ScanWatcher) else None

    async def _handle(self, code: str) -> ScanReply:
        first = self.app.screen
        if isinstance(first, CodeTarget):
            reply = await first.take_code(code)
            if reply is not None:
                return reply
        scanned = await resolve(self.app.store, code)
        target = self.app.screen  # where the operator is now (a build that the scan before this one opened)
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
        # over a build, a dialog that takes no stock (go-to, help) is in the way; elsewhere, a build is missing
        do = "close the dialog (Esc) and scan it again" if in_dialog and self._over_a_build() else "open a build"
        if isinstance(scanned, StockScanned):
            raise ScanRefused(f"Scanned {scanned.name} {scanned.item.label}: {do} to allocate it.")
        if isinstance(scanned, SupplierScanned):
            raise ScanRefused(f"Scanned the {scanned.parts[0].label} label of {scanned.name}: {do} to allocate it.")
        assert isinstance(scanned, OtherScanned)
        raise ScanRefused(f"Scanned a {scanned.model} (#{scanned.pk}): nothing to do with it here.")

    def _over_a_build(self) -> bool:
        """A build's screen is somewhere under the dialog on top."""
        from .screens.build_detail import BuildDetailScreen

        return any(isinstance(screen, BuildDetailScreen) for screen in self.app.screen_stack[:-1])

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
