"""Serial numbers by scan, for create-outputs on a tracked assembly (dialogs/outputs.py ``CreateOutputDialog``).

Each scanned label, or serial typed in the "Add a serial" field followed by Enter, joins the list at once:
refused with the reason when it is in the list already, when the part has that serial on the server, or when
the server could not read it as one serial (a space, a comma, a ~). The quantity follows the count, the serial
field shows the list, and both are locked while the list has serials; Backspace in the empty "Add a serial"
field takes the last one off. Enter creates every output in one request, the list sent so that the server
reads each serial as it is (rules/serials.py ``literal``: "1-5" stays one serial).

A scanned code is asked of the server as a barcode and as a serial at once (one round trip): a location's
label still fills the location field, another item's label is refused, and anything the server does not know
is a serial. Scans reach the dialog unresolved through ``take_code`` (scanning.py ``CodeTarget``).
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING

from textual import events, on, work
from textual.app import ComposeResult
from textual.widgets import Input

from ..api import ApiError
from ..api.models import StockItem
from ..state.output_serials import ScannedSerials, in_use_message
from ..state.scan import (
    BuildScanned,
    LocationScanned,
    OtherScanned,
    ScanAllocation,
    Scanned,
    ScanRefused,
    ScanReply,
    StockScanned,
    resolve,
)
from ..widgets.safe import clean
from .build_dialog import BuildDialog
from .form import FieldError, field

if TYPE_CHECKING:
    from ..state.build_detail import BuildDetailModel

log = logging.getLogger("buildtui.dialogs")


class SerialScanDialog(BuildDialog):
    """The part of create-outputs that collects scanned serials; the subclass composes the other fields and
    puts ``compose_serial_scan`` after its serial-numbers field."""

    #: scanning.py ``ScanWatcher``: every scan's outcome is said under "Add a serial" (no toasts over the
    #: dialog); no bell for a serial added, one for a refusal (none for the same label read twice in a row)
    SCAN_BELLS = (0, 1)

    def __init__(self, model: BuildDetailModel) -> None:
        super().__init__(model)
        self.scanned = ScannedSerials(model.build.part if model.build else 0)
        self._adding = asyncio.Lock()  # one serial at a time, scanned or typed: the list is checked in order
        self._last_code: str | None = None
        self._quantity_before = ""

    @property
    def trackable(self) -> bool:
        b = self.model.build
        return bool(b and b.part_detail and b.part_detail.trackable)

    def compose_serial_scan(self) -> ComposeResult:
        if self.trackable:
            yield from field(
                "Add a serial: scan its label, or type it and press Enter",
                Input(id="add_serial", max_length=200),
                "add_serial",
            )

    # -- the list -------------------------------------------------------------------------------
    def scanned_note(self) -> str:
        return (
            f"{len(self.scanned)} scanned, each made as it is · Backspace in the empty field below takes the "
            "last one off"
        )

    def _apply(self) -> None:
        """The quantity and the serial field follow the list (locked while it has serials)."""
        quantity = self.query_one("#quantity", Input)
        serial_box = self.query_one("#serial_numbers", Input)
        n = len(self.scanned)
        was = self.focused
        if n and not quantity.disabled:
            self._quantity_before = quantity.value  # put back when the list is empty again
        if n:
            quantity.value = str(n)
            serial_box.value = self.scanned.expression()
        quantity.disabled = serial_box.disabled = bool(n)
        if not n:
            quantity.value = self._quantity_before
            self.serials_cleared()
        if was is quantity or was is serial_box or self.focused is None:
            self.query_one("#add_serial", Input).focus()

    def serials_cleared(self) -> None:
        """The last scanned serial was taken off: the subclass puts its own proposal back."""

    def _say(self, message: str, *, error: bool) -> None:
        self.query_one("#err-add_serial", FieldError).show([message], note=not error)

    def scan_finished(self, code: str, message: str, ok: bool, allocation: ScanAllocation | None) -> None:
        """Said already under "Add a serial" (or by the location field) when it concerned this dialog."""
        if not self.query("#add_serial"):
            self.notify(
                message, title="Scan" if ok else "Scan failed", severity="information" if ok else "error", markup=False
            )
        elif not ok and code != self._last_code:
            self._say(message, error=True)  # refused before reaching the dialog (a build's label, say)

    # -- scans and typed serials ---------------------------------------------------------------------
    async def take_code(self, code: str) -> ScanReply | None:
        """A scan, before the server is asked what it is (scanning.py ``CodeTarget``)."""
        if not self.trackable:
            return None
        return await self.add_serial(code, scanned=True)

    async def add_serial(self, code: str, *, scanned: bool) -> ScanReply:
        async with self._adding:
            repeat = code == self._last_code  # the same label read twice in a row: one bell was enough
            self._last_code = code
            try:
                reply = await self._take(code, scanned=scanned)
            except ScanRefused as refusal:
                self._say(str(refusal), error=True)
                raise ScanRefused(str(refusal), bell=refusal.bell and not repeat) from None
            self._say(reply.message, error=False)
            return reply

    async def _take(self, code: str, *, scanned: bool) -> ScanReply:
        if self.busy or self.locked:
            raise ScanRefused("The outputs are being created: nothing is added meanwhile.")
        why = self.scanned.refusal(code)
        if code in self.scanned.serials or (why and not scanned):
            raise ScanRefused(clean(why or ""))
        known: Scanned | None = None
        if scanned:
            known, used = await asyncio.gather(self._known(code), self._in_use(code, why))
        else:
            used = await self._in_use(code, why)
        if isinstance(known, LocationScanned):
            reply = await self.take_scan(known)
            if reply is not None:
                return reply
        if used is not None:
            raise ScanRefused(clean(in_use_message(code, used)))
        if known is not None:
            raise ScanRefused(f"“{clean(code)}” is {_what(known)}, not a serial number.")
        if why:
            raise ScanRefused(clean(why))
        self.scanned.add(code)
        self._apply()
        return ScanReply(f"Serial {clean(code)} added: {len(self.scanned)} output(s) to create.")

    async def _known(self, code: str) -> Scanned | None:
        """What the code is as a barcode (a location, another item's label), or None: a serial."""
        try:
            return await resolve(self.model.store, code)
        except (ScanRefused, ApiError):
            return None

    async def _in_use(self, code: str, why: str | None) -> StockItem | None:
        if why:
            return None  # it cannot be sent as one serial anyway: nothing to ask
        try:
            return await self.scanned.in_use(self.model.store, code)
        except ApiError as exc:
            why = f"{exc.title}: {clean(exc)}"
            raise ScanRefused(f"Serial {clean(code)} could not be checked ({why}); scan it again.") from exc

    @on(Input.Submitted, "#add_serial")
    def _add_typed(self, event: Input.Submitted) -> None:
        """Enter in "Add a serial": the serial typed joins the list; in the empty field, create the outputs."""
        event.stop()
        event.prevent_default()  # not the dialog's own Enter (FormDialog._input_submitted)
        value = event.value.strip()
        if not value:
            self.action_submit()
            return
        self._typed(value)

    @work(group="serial-typed", exit_on_error=False)
    async def _typed(self, value: str) -> None:
        try:
            await self.add_serial(value, scanned=False)
        except ScanRefused:
            return  # said under the field, the serial left there to correct
        except Exception:  # noqa: BLE001 - a bug: logged, told in a sentence, the dialog stays usable
            log.exception("adding serial %r failed", value)
            self._say("Something went wrong adding this serial; the details are in the log.", error=True)
            return
        box = self.query_one("#add_serial", Input)
        if box.value.strip() == value:
            box.value = ""

    def on_key(self, event: events.Key) -> None:
        """Backspace in the empty "Add a serial" field takes the last serial off the list."""
        box = self.focused
        if event.key != "backspace" or not isinstance(box, Input) or box.id != "add_serial" or box.value:
            return
        event.stop()
        if self.busy or self.locked:
            return
        gone = self.scanned.drop_last()
        if gone is None:
            self._say("No scanned serial to take off.", error=False)
            return
        self._last_code = None
        self._apply()
        self._say(f"Serial {gone} taken off: {len(self.scanned)} left.", error=False)


def _what(scanned: Scanned) -> str:
    if isinstance(scanned, BuildScanned):
        return f"the label of build {clean(scanned.reference)}"
    if isinstance(scanned, OtherScanned):
        return f"the label of a {clean(scanned.model)} (#{scanned.pk})"
    if isinstance(scanned, StockScanned):
        item = scanned.item
        return f"the label of stock item #{item.pk} ({clean(scanned.name)} {clean(item.label)})"
    return "a label the server knows"
