"""A supplier label scanned on a build: the state layer plans it (state/supplier_scan.py), this screen asks where
a choice is needed, allocates in one request, and offers once to link the label to the item it came from."""

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
from .detail_actions import DetailActions


class DetailLabels(DetailActions):
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
        message = clean(plan.message())
        question = supplier_scan.link_offer(store, scanned, plan.item)
        if question is not None:
            linked = await self.app.push_screen_wait(
                ConfirmDialog(
                    model,
                    "Link the label to its stock item?",
                    f"{message}\n\n{clean(question)}",
                    supplier_scan.link_write(store, scanned.code, plan.item),
                    confirm="Link",
                )
            )
            message += f" {clean(linked)}" if isinstance(linked, str) else " (Label not linked.)"
        target = clean(plan.target)
        return ScanReply(
            message, ScanAllocation(self.pk, plan.line.pk, plan.item.pk, plan.output, Decimal(plan.quantity), target)
        )
