"""A supplier label scanned on a build: the state layer plans it (state/supplier_scan.py), this screen asks where
a choice is needed, allocates in one request, and then (once the allocation is shown and undoable, before the
next scan) offers once to link the label to the item it came from."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from decimal import Decimal

from ..clock import today
from ..state import supplier_scan
from ..state.actions import Result
from ..state.scan import ScanAllocation, ScanRefused, ScanReply
from ..state.supplier_scan import SupplierScanned
from ..widgets.keyed_table import KeyedTable
from ..widgets.safe import clean
from .detail_kit import DetailKit


class DetailLabels(DetailKit):
    async def _allocate_label(self, scanned: SupplierScanned, output_for: Callable[[], Awaitable[int]]) -> ScanReply:
        """The label's line and item (rules/label_stock.py), what the line still needs from that item, then
        the link offer; ``ScanRefused`` with the reason otherwise."""
        from ..dialogs.build_actions import ConfirmDialog
        from ..dialogs.chooser import ChooserDialog

        model, store = self.model, self.tui.store
        if model is None or model.build is None:
            raise ScanRefused("The build is still loading.")
        if not store.can("add"):
            raise ScanRefused("You are not allowed to allocate stock.")

        async def ask(title: str, options: list[str]) -> int | None:
            return await self.app.push_screen_wait(ChooserDialog(title, options))

        plan = await supplier_scan.plan(store, model, scanned, today=today(), ask=ask, output_for=output_for)
        outcome = await self.acts.run(self.acts.allocate([plan.row()], lambda _: "allocated"))
        if not outcome.done:
            reason = outcome.message
            if outcome.result is Result.REFUSED and ("Available quantity" in reason or "over-allocated" in reason):
                reason = f"the stock was allocated elsewhere meanwhile ({reason})"
            self.refresh_data()
            raise ScanRefused(f"Not allocated: {clean(reason)}")
        await self.fresh("lines")
        self.query_one("#lines", KeyedTable).select_key(f"l{plan.line.pk}")
        target = clean(plan.target)
        allocation = ScanAllocation(
            self.pk, plan.line.pk, plan.item.pk, plan.output, Decimal(plan.quantity), target, self.reference()
        )
        question = supplier_scan.link_offer(store, scanned, plan.item)

        async def offer() -> str | None:
            """Once per label: link it to the item it came from (ConfirmDialog: Enter links, Esc does not)."""
            assert question is not None and model is not None
            linked = await self.app.push_screen_wait(
                ConfirmDialog(
                    model,
                    "Link the label to its stock item?",
                    clean(question),
                    supplier_scan.link_write(store, scanned.code, plan.item),
                    confirm="Link",
                )
            )
            return clean(linked) if isinstance(linked, str) else None

        return ScanReply(clean(plan.message()), allocation, then=offer if question is not None else None)
