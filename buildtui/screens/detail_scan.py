"""A scan on a build: the stock item goes to the line it fits (rules/scan.py), in one request."""

from __future__ import annotations

from decimal import Decimal

from ..api import ApiError
from ..clock import today
from ..format import output_name, qty
from ..rules import scan as rules
from ..rules.allocation import is_expired
from ..state.actions import Result
from ..state.scan import (
    BuildScanned,
    LocationScanned,
    ScanAllocation,
    Scanned,
    ScanRefused,
    ScanReply,
    StockScanned,
    lines_for_part,
)
from ..state.supplier_scan import SupplierScanned
from ..widgets.keyed_table import KeyedTable
from ..widgets.safe import clean
from .detail_labels import DetailLabels
from .detail_view import output_called
from .scan_session import ScanSessionScreen


class DetailScans(DetailLabels):
    """Takes scans (the ``ScanTarget`` protocol, scanning.py): stock and supplier labels (detail_labels.py) are
    allocated, a location on the pick list moves the kit there (detail_kit.py), this build is already open;
    anything else is left to the app."""

    def action_scan_session(self) -> None:
        """Scan after scan, each allocated at once (screens/scan_session.py); Esc there ends it with a summary."""
        from ..dialogs.info import InfoDialog

        if self.model is None or self.model.build is None:
            return
        reference = self.model.build.reference
        session = ScanSessionScreen(self)

        def ended(_: None) -> None:
            if session.summary is not None:
                self.app.push_screen(InfoDialog(clean(f"Scan session on {reference} ended"), session.summary))
            self.refresh_data()

        self.app.push_screen(session, ended)

    async def take_scan(self, scanned: Scanned) -> ScanReply | None:
        if isinstance(scanned, BuildScanned) and scanned.pk == self.pk:
            return ScanReply(f"{clean(scanned.reference)} is already open.")
        if isinstance(scanned, StockScanned):
            return await self._allocate_scanned(scanned)
        if isinstance(scanned, LocationScanned):
            return self.kit_scanned(scanned)
        if isinstance(scanned, SupplierScanned):  # a supplier's own label: detail_labels.py
            return await self._allocate_label(scanned, self._output_for_scan)
        return None

    async def allocate_in_session(self, scanned: StockScanned) -> ScanReply:
        """A scan in the scan session: allocated as any scan on this build, but nothing may wait for a key
        (the next scan is coming): where a scan would ask, the session takes the one answer that is not a
        guess, or refuses with the reason."""
        return await self._allocate_scanned(scanned, ask=False)

    async def _allocate_scanned(self, scanned: StockScanned, *, ask: bool = True) -> ScanReply:
        """quantity = min(what the line still needs, what the item has free); 1 for serialised stock; one output's
        share, to the selected or only output, for tracked lines. ``ScanRefused`` with the reason otherwise.
        ``ask=False`` (the scan session): several lines or outputs to choose from is a refusal, not a chooser."""
        from ..dialogs.chooser import ChooserDialog

        model, item = self.model, scanned.item
        if model is None or model.build is None:
            raise ScanRefused("The build is still loading.")
        name = clean(scanned.name)
        if not self.tui.store.can("add"):
            raise ScanRefused("You are not allowed to allocate stock.")
        allow_expired: bool | None = None
        if is_expired(item, today()):  # the server's setting decides, asked only when it matters
            try:
                allow_expired = await model.allow_expired()
            except ApiError:
                allow_expired = None
        why = rules.item_refusal(item, name, today=today(), allow_expired=allow_expired)
        if why:
            raise ScanRefused(clean(why))
        matches = await lines_for_part(self.tui.store, model.lines, item.part)
        if not matches:
            raise ScanRefused(f"Wrong part: {name} is not on the BOM of {clean(model.build.reference)}.")
        candidates = rules.candidates(matches)
        line = candidates[0]
        if len(candidates) > 1 and not ask:
            which = ", ".join(f"{ln.part_label} {ln.reference or ''}".strip() for ln in candidates)
            raise ScanRefused(
                clean(f"{name} fits {len(candidates)} lines ({which}): allocate it with a after the session.")
            )
        if len(candidates) > 1:
            choice = await self.app.push_screen_wait(
                ChooserDialog(
                    f"{name} fits several lines: which one?",
                    [f"{ln.part_label} {ln.reference or ''} (needs {qty(ln.still_needed)})" for ln in candidates],
                )
            )
            if choice is None:
                raise ScanRefused("Scan not allocated: no line chosen.")
            line = candidates[choice]
        refused = rules.line_refusal(line)
        if refused:
            raise ScanRefused(clean(refused))
        quantity = rules.quantity(line, item, model.build.quantity)
        output = await self._output_for_scan(ask) if line.trackable else None
        outcome = await self.acts.run(
            self.acts.allocate(
                [{"build_line": line.pk, "stock_item": item.pk, "quantity": quantity, "output": output}],
                lambda _: "allocated",
            )
        )
        if not outcome.done:
            reason = outcome.message
            if outcome.result is Result.REFUSED and ("Available quantity" in reason or "over-allocated" in reason):
                reason = f"the stock was allocated elsewhere meanwhile ({reason})"
            self.refresh_data()
            raise ScanRefused(f"Not allocated: {clean(reason)}")
        await self.fresh("lines")
        self.query_one("#lines", KeyedTable).select_key(f"l{line.pk}")
        target = line.part_label + (f" for output {output_called(model, output)}" if output else "")
        return ScanReply(
            f"Allocated {qty(quantity)} × {name} ({clean(item.label)}) to {clean(target)}.",
            ScanAllocation(self.pk, line.pk, item.pk, output, Decimal(quantity), clean(target), self.reference()),
        )

    async def _output_for_scan(self, ask: bool = True) -> int:
        from ..dialogs.chooser import ChooserDialog

        assert self.model is not None
        selected = self.selected_output()
        if selected is not None and selected.is_building:
            return selected.pk
        outs = self.model.incomplete_outputs
        if not outs:
            raise ScanRefused("A tracked part needs an output in production: create one first (N).")
        if len(outs) == 1:
            return outs[0].pk
        if not ask:
            raise ScanRefused(
                f"{len(outs)} outputs are in production: select the one this goes into on the outputs tab (3) "
                "before starting the session."
            )
        choice = await self.app.push_screen_wait(
            ChooserDialog("Which output does this part go into?", [output_name(o) for o in outs])
        )
        if choice is None:
            raise ScanRefused("Scan not allocated: no output chosen.")
        return outs[choice].pk
