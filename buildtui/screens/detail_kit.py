"""The kit move on the build detail screen: ``k``, or a location scanned on the pick list, opens the kit dialog
(dialogs/kitting.py) for the marked lines or the whole build; ``v`` on the pick list marks the line of the row
under the cursor."""

from __future__ import annotations

from ..state.scan import LocationScanned, ScanRefused, ScanReply
from ..widgets.keyed_table import KeyedTable
from ..widgets.safe import clean
from .detail_actions import DetailActions


class DetailKit(DetailActions):
    def kit_offered(self) -> bool:
        """Offered when something is allocated, the roles allow moving stock, and no kit move is running."""
        model = self.model
        return (
            model is not None
            and bool(model.allocations)
            and self.tui.store.can("add", "stock")
            and not model.running_kind("kit")
        )

    def action_kit(self) -> None:
        self._open_kit(None)

    def kit_scanned(self, scanned: LocationScanned) -> ScanReply:
        """On the pick list, a scanned location opens the kit move to it; elsewhere it says where to scan."""
        name = clean(scanned.name)
        if self._active_tab() != "tab-pick":
            raise ScanRefused(f"Scanned location {name}: on the pick list (2), a scanned location moves the kit there.")
        if not self.tui.store.can("add", "stock"):
            raise ScanRefused("You are not allowed to move stock.")
        if self.model is None or not self.model.allocations:
            raise ScanRefused("Nothing is allocated to this build: there is no kit to move.")
        self._open_kit(scanned.pk)
        return ScanReply(f"Kit location {name}: check what moves, then Enter on «Move».")

    def _open_kit(self, location: int | None) -> None:
        from ..dialogs.kitting import KitDialog

        if self.busy or self.model is None:
            return
        alloc = self.selected_allocation() if self._active_tab() == "tab-pick" else None
        dialog = KitDialog(
            self.model,
            location=location,
            marked=sorted(self.view.marked),
            line=alloc.build_line if alloc is not None else None,
        )

        def after(result: object) -> None:
            if isinstance(result, str) and result:
                self.view.marked.clear()  # those lines are kitted: the marks have done their job
                self._tell_done(result, "Kit move")
            self.refresh_data()

        self.app.push_screen(dialog, after)

    def action_mark_line(self) -> None:
        """On the pick list, the line of the row under the cursor (its allocations all show the mark)."""
        if self._active_tab() != "tab-pick":
            super().action_mark_line()
            return
        alloc = self.selected_allocation()
        if alloc is None or alloc.build_line is None:
            return
        self.view.marked ^= {alloc.build_line}
        self._paint()
        self.query_one("#picks", KeyedTable).action_cursor_down()
