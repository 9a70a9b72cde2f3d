"""What the keys on the build detail screen do: writes through the state layer's ``BuildActions``, dialogs,
and following what the server still carries out in the background."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from textual import work

from ..api import ApiError
from ..api.models import StockItem
from ..format import output_name, qty
from ..state.actions import BuildActions, Result, Running, Write
from ..widgets.keyed_table import KeyedTable
from ..widgets.safe import clean
from .detail_base import DetailBase

log = logging.getLogger("buildtui.build_detail")


class DetailActions(DetailBase):
    @property
    def acts(self) -> BuildActions:
        assert self.actions is not None
        return self.actions

    def _run(self, write: Write[Any]) -> None:
        """A one-key action (issue, hold, remove an allocation): never twice at once, never re-sent by itself;
        a lost answer is checked by ``BuildActions`` (state/actions.py)."""
        if self.busy:
            return
        self.busy = True
        self._do(write)

    @work(group="detail-action", exit_on_error=False)
    async def _do(self, write: Write[Any]) -> None:
        try:
            outcome = await self.acts.run(write)
        except Exception:  # noqa: BLE001 - a bug: logged, told in a sentence, the screen stays usable
            log.exception("action %r failed", write.what)
            self.tui.unexpected(write.what)
        else:
            if outcome.result is Result.DONE:
                self.tui.notify(outcome.message, markup=False)
            elif outcome.result is Result.PENDING and outcome.running is not None:
                self.follow(outcome.running)
            elif outcome.result is Result.SIGN_IN and outcome.error is not None:
                self.tui.request_login(outcome.error)
            elif outcome.result is Result.NOT_DONE:
                self.tui.notify(
                    f"{outcome.message} Press the key again to retry.",
                    title="Not done",
                    severity="warning",
                    markup=False,
                    timeout=10,
                )
            elif outcome.result is Result.UNKNOWN:
                self.tui.notify(
                    outcome.message, title="Not known whether it was done", severity="warning", markup=False, timeout=15
                )
            elif outcome.error is not None:
                self.tui.report(outcome.error, what=write.what)
        finally:
            self.busy = False
        self.refresh_data()

    def _dialog(self, dialog: Any, *, info_title: str | None = None, sent: Callable[[], None] | None = None) -> None:
        """Open ``dialog``; what it did is said (or followed) when it closes. ``sent``: run when it sent its
        request (not when it was closed without)."""

        def after(result: str | Running | None) -> None:
            if result and sent is not None:
                sent()
            if isinstance(result, Running):
                self.follow(result, info_title=info_title)
            elif result:
                self._tell_done(result, info_title)
            self.refresh_data()

        self.app.push_screen(dialog, after)

    def _tell_done(self, message: str, info_title: str | None) -> None:
        if info_title:
            from ..dialogs.info import InfoDialog

            self.app.push_screen(InfoDialog(info_title, message))
        else:
            self.tui.notify(message, markup=False)

    # -- writes the server is still carrying out ------------------------------------------------
    def follow(self, running: Running, *, info_title: str | None = None) -> None:
        """The server accepted a change and is doing it in the background: show it as pending (the rows it
        changes marked, its action not offered again) until it is done, then say so and re-read. Followed by
        the app, so that leaving the build does not lose the news."""
        self._paint_running()
        self.app.run_worker(self._follow(running, info_title), group="follow", exit_on_error=False)

    async def _follow(self, running: Running, info_title: str | None) -> None:
        try:
            outcome = await self.acts.follow(running, tick=self._paint_running)
        except Exception:  # noqa: BLE001 - a bug: logged, told in a sentence
            log.exception("following %r failed", running.write.what)
            self.tui.unexpected(f"follow up on {running.write.what}")
            return
        finally:
            self._paint_running()
        if outcome.result is Result.DONE:
            if self.is_attached and self.app.screen is self:
                self._tell_done(outcome.message, info_title)
            else:
                self.tui.notify(outcome.message, markup=False)
        elif outcome.result is Result.FAILED:
            self.tui.notify(outcome.message, title="Not done", severity="error", markup=False, timeout=15)
            if self.tui.config.bell:
                self.app.bell()
        else:
            self.tui.notify(
                outcome.message, title="Not known whether it was done", severity="warning", markup=False, timeout=15
            )
        if self.is_attached:
            self.refresh_data()

    def _paint_running(self) -> None:
        if self.is_attached and self.has_data():
            self._paint()

    def action_issue(self) -> None:
        from ..dialogs.build_actions import ConfirmDialog

        assert self.model and self.model.build
        b = self.model.build
        ref = clean(b.reference)
        undo = "h puts it on hold again" if b.status == 25 else "it cannot go back to Pending; h puts it on hold"
        self._dialog(
            ConfirmDialog(
                self.model,
                "Issue build order",
                f"Issue {ref}: it goes into production, and its outputs can be built and completed. ({undo}.)",
                self.acts.issue(f"{b.reference} issued: in production"),
                confirm="Issue",
            )
        )

    def action_hold(self) -> None:
        from ..dialogs.build_actions import ConfirmDialog

        assert self.model and self.model.build
        b = self.model.build
        ref = clean(b.reference)
        self._dialog(
            ConfirmDialog(
                self.model,
                "Put build order on hold",
                f"Put {ref} on hold: it leaves production and cannot be finished until it is issued again. "
                "Allocations and outputs stay as they are. (i issues it again.)",
                self.acts.hold(f"{b.reference} is on hold"),
                confirm="Hold",
            )
        )

    def action_cancel_build(self) -> None:
        from ..dialogs.build_actions import CancelBuildDialog

        assert self.model
        self._dialog(CancelBuildDialog(self.model))

    def action_finish(self) -> None:
        from ..dialogs.build_actions import FinishBuildDialog

        assert self.model
        self._dialog(FinishBuildDialog(self.model))

    @work(group="detail-choose", exit_on_error=False)
    async def _allocate_to_output(self, output: StockItem) -> None:
        from ..dialogs.allocate import AllocateDialog
        from ..dialogs.chooser import ChooserDialog

        assert self.model is not None
        tracked = [ln for ln in self.model.lines if ln.trackable and not ln.consumable]
        if not tracked:
            self.tui.notify("This build has no tracked components to allocate to an output.", markup=False)
            return
        line = tracked[0]
        if len(tracked) > 1:
            choice = await self.app.push_screen_wait(
                ChooserDialog(
                    f"Allocate to output {clean(output_name(output))}: which component?",
                    [ln.part_label for ln in tracked],
                )
            )
            if choice is None:
                return
            line = tracked[choice]
        self._dialog(AllocateDialog(self.model, line, output=output.pk))

    def action_mark_line(self) -> None:
        line = self.selected_line()
        if line is not None:
            self.view.marked ^= {line.pk}
            self._paint()
            self.query_one("#lines", KeyedTable).action_cursor_down()

    def action_allocate(self, output: int | None = None) -> None:
        from ..dialogs.allocate import AllocateDialog
        from ..dialogs.allocate_lines import MultiAllocateDialog

        assert self.model
        output_row = self.selected_output()
        if output_row is not None and output_row.is_building and output is None:
            self._allocate_to_output(output_row)  # from the outputs tab: a tracked component for this output
            return
        marked = [ln for ln in self.model.lines if ln.pk in self.view.marked]
        if marked:
            # the marks stay until the dialog allocates: closed with Esc, the same lines are still marked
            self._dialog(MultiAllocateDialog(self.model, marked), sent=self._unmark)
            return
        line = self.selected_line()
        if line is None:
            self.tui.notify("Select a line on the Lines tab first.", markup=False, severity="warning")
            return
        if line.consumable:
            self.tui.notify("Consumable lines are not allocated.", markup=False, severity="warning")
            return
        if line.trackable and not self.model.incomplete_outputs:
            self.tui.notify(self._no_outputs_yet(line.part_label), markup=False, severity="warning", timeout=10)
            return
        self._dialog(AllocateDialog(self.model, line, output=output))

    def _unmark(self) -> None:
        self.view.marked.clear()
        self._paint()

    def _no_outputs_yet(self, part: str) -> str:
        """Why a tracked line cannot be allocated yet, and what to do: it goes into an output, and there is none."""
        assert self.model is not None and self.model.build is not None
        ref = clean(self.model.build.reference)
        none = "has no outputs yet" if not self.model.outputs else "has no outputs in production"
        return (
            f"{clean(part)} is a tracked part: it is allocated to a build output, and {ref} {none}. "
            "N creates them (here, on any tab); then a allocates."
        )

    def action_auto_allocate(self) -> None:
        from ..dialogs.auto_allocate import AutoAllocateDialog

        assert self.model
        self._dialog(AutoAllocateDialog(self.model), info_title="Auto-allocation")

    def action_unallocate(self) -> None:
        from ..dialogs.build_actions import ConfirmDialog

        assert self.model
        alloc = self.selected_allocation()
        if alloc is not None:
            self._run(self.acts.remove_allocations([alloc.pk], f"Allocation of {qty(alloc.quantity)} removed"))
            return
        line = self.selected_line()
        if line is None:
            return
        pks = [a.pk for a in line.allocations or []]
        if not pks:
            self.tui.notify("Nothing is allocated to this line.", markup=False)
            return
        name = clean(line.part_label)
        self._dialog(
            ConfirmDialog(
                self.model,
                "Unallocate line",
                f"Remove all {len(pks)} allocation(s) of {name}?",
                self.acts.remove_allocations(pks, f"{len(pks)} allocation(s) of {name} removed"),
                confirm="Remove",
            )
        )

    def action_unallocate_all(self) -> None:
        from ..dialogs.build_actions import ConfirmDialog

        assert self.model
        pks = [a.pk for a in self.model.allocations]
        if not pks:
            self.tui.notify("Nothing is allocated to this build.", markup=False)
            return
        self._dialog(
            ConfirmDialog(
                self.model,
                "Unallocate everything",
                f"Remove all {len(pks)} allocations of this build?",
                self.acts.remove_allocations(pks, f"All {len(pks)} allocation(s) removed"),
                confirm="Remove all",
                danger=True,
            )
        )

    def action_edit_allocation(self) -> None:
        from ..dialogs.allocation_edits import EditAllocationDialog

        assert self.model
        alloc = self.selected_allocation()
        if alloc is None:
            self.tui.notify("Select an allocation (expand a line, or use the pick list).", markup=False)
            return
        self._dialog(EditAllocationDialog(self.model, alloc))

    def action_consume(self) -> None:
        from ..dialogs.allocation_edits import ConsumeDialog

        assert self.model
        alloc = self.selected_allocation()
        line = self.model.line_of(alloc) if alloc else self.selected_line()
        if line is None:
            return
        self._dialog(ConsumeDialog(self.model, line, alloc))

    @work(group="detail-serials", exit_on_error=False)
    async def action_new_output(self) -> None:
        from ..dialogs.outputs import CreateOutputDialog

        assert self.model and self.model.build
        try:
            numbers = await self.model.next_serials()
        except ApiError:
            numbers = None  # the field starts with "~" per output; the server still checks
        self._dialog(CreateOutputDialog(self.model, numbers))

    def _marked_outputs(self) -> list[int] | None:
        out = self.selected_output()
        return [out.pk] if out is not None and out.is_building else None

    def action_complete_outputs(self) -> None:
        from ..dialogs.outputs import CompleteOutputsDialog

        assert self.model
        self._dialog(CompleteOutputsDialog(self.model, self._marked_outputs()))

    def action_scrap_outputs(self) -> None:
        from ..dialogs.outputs import ScrapOutputsDialog

        assert self.model
        self._dialog(ScrapOutputsDialog(self.model, self._marked_outputs()))

    def action_delete_outputs(self) -> None:
        from ..dialogs.outputs import DeleteOutputsDialog

        assert self.model
        out = self.selected_output()
        chosen = out is not None and out in self.model.outputs_to_act_on
        outs = [out] if out is not None and chosen else self.model.outputs_to_act_on
        self._dialog(DeleteOutputsDialog(self.model, outs, chosen=chosen))
