"""Build detail: header, lines with allocations, pick list, outputs, child builds, notes.

What each tab shows is in detail_view.py (plain functions of the model), what the keys do in
detail_actions.py, what a scan does in detail_scan.py; this module puts them on the screen.
"""

from __future__ import annotations

import time

from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.widgets import DataTable, TabbedContent, TabPane

from ..api import ApiError
from ..api.errors import AuthenticationRequired, NotFound
from ..rules.status import BuildStatus
from ..state.actions import BuildActions
from ..state.build_detail import PARTS, BuildDetailModel
from ..widgets.keyed_table import KeyedTable
from ..widgets.quiet import QuietFooter, QuietStatic
from ..widgets.safe import clean
from ..widgets.status_line import StatusLine
from . import detail_view as show
from .build_list import status_style
from .detail_scan import DetailScans
from .detail_view import ALLOC_ACTIONS, FOOTER_PLAN, LEGEND, OUTPUT_ACTIONS, TAB_PARTS, TABS

#: the actions that change the build: refused to an account that may only look, and while the server is still
#: carrying out a change to the build
CHANGE_ACTIONS = frozenset({"issue", "hold", "finish", "cancel_build", *ALLOC_ACTIONS, *OUTPUT_ACTIONS})
#: how long the reason a key is not offered stays on screen
WHY_NOT_SHOWN_S = 6.0


class BuildDetailScreen(DetailScans):
    BINDINGS = [
        Binding("escape", "back", "Back"),
        Binding("a", "allocate", "Allocate"),
        Binding("A", "auto_allocate", "Auto-alloc"),
        Binding("c", "complete_outputs", "Complete"),
        Binding("N", "new_output", "New output"),
        Binding("s", "scan_session", "Scan session: every scan allocates, Esc ends", show=False),
        Binding("i", "issue", "Issue"),
        Binding("h", "hold", "Hold"),
        Binding("F", "finish", "Finish"),
        Binding("C", "cancel_build", "Cancel build"),
        Binding("u", "unallocate", "Unallocate", show=False),
        Binding("U", "unallocate_all", "Unallocate all", show=False),
        Binding("e", "edit_allocation", "Edit allocation", show=False),
        Binding("x", "consume", "Consume", show=False),
        Binding("S", "scrap_outputs", "Scrap outputs", show=False),
        Binding("D", "delete_outputs", "Delete outputs", show=False),
        Binding("n", "toggle_needed", "Only lines needing stock", show=False),
        Binding("space", "expand", "Expand line", show=False),
        Binding("v", "mark_line", "Mark line, cursor moves down (a allocates all marked)", show=False),
        Binding("k", "kit", "Kit: move allocated stock to a location", show=False),
        Binding("1", "tab(0)", "Lines tab", show=False),
        Binding("2", "tab(1)", "Pick list tab", show=False),
        Binding("3", "tab(2)", "Outputs tab", show=False),
        Binding("4", "tab(3)", "Children tab", show=False),
        Binding("5", "tab(4)", "Notes tab", show=False),
        Binding("ctrl+r,f5", "refresh", "Refresh", show=False),
    ]
    #: the signs on this screen, explained by the help screen after the keys
    LEGEND = LEGEND

    def __init__(self, pk: int) -> None:
        super().__init__(pk)
        self._binding_signature: tuple[int, bool, tuple[str, ...]] | None = None
        self._line_columns: list[tuple[str, str]] = []
        self._told: tuple[str, float] = ("", float("-inf"))  # the last refused key's reason, and when

    def compose(self) -> ComposeResult:
        yield QuietStatic("Loading…", id="detail-header")
        with TabbedContent(id="detail-tabs"):
            with TabPane("1 Lines", id="tab-lines"):
                yield KeyedTable(id="lines")
            with TabPane("2 Pick list", id="tab-pick"):
                yield KeyedTable(id="picks")
            with TabPane("3 Outputs", id="tab-outputs"):
                yield KeyedTable(id="outputs")
            with TabPane("4 Children", id="tab-children"):
                yield KeyedTable(id="children")
                yield QuietStatic("", id="children-none", classes="muted")
            with TabPane("5 Notes", id="tab-notes"), VerticalScroll():
                yield QuietStatic("", id="detail-notes")
        yield StatusLine(self.tui.store, self.tui.server_label, has_data=self.has_data, id="status-line")
        yield QuietFooter()

    def on_mount(self) -> None:
        self.model = BuildDetailModel(self.tui.store, self.pk)
        self.actions = BuildActions(self.model)
        self.update_columns()
        self.query_one("#lines").focus()
        self.refresh_data()

    # -- data -------------------------------------------------------------------------------
    async def read(self, parts: set[str]) -> bool:
        model = self.model
        assert model is not None
        wanted = PARTS if model.build is None else tuple(p for p in PARTS if p in parts)
        try:
            await model.refresh(wanted)
        except AuthenticationRequired as exc:
            self.tui.request_login(exc, then=self.refresh_data)
            return False
        except NotFound:
            self.tui.notify("That build order no longer exists.", severity="error", markup=False)
            self.dismiss()
            return True
        except ApiError as exc:
            self.query_one(StatusLine).tick()
            if model.build is None:
                self.query_one("#detail-header", QuietStatic).show(f"{exc.title}: {clean(exc)}\nRetrying…")
            return False
        await self._read_parent("children" in wanted)
        self.query_one(StatusLine).tick()
        self._paint()
        return True

    async def _read_parent(self, again: bool) -> None:
        """The parent build, for its reference (header, children tab): read once, and with the children."""
        assert self.model is not None and self.model.build is not None
        pk = self.model.build.parent
        if not pk:
            self.parent_build = None
            return
        if self.parent_build is not None and self.parent_build.pk == pk and not again:
            return
        try:
            self.parent_build = await self.model.read_build(pk)
        except NotFound:
            self.parent_build = None
        except ApiError:
            pass  # said by the status line; the header keeps "parent build #pk" until it is read

    def poll_parts(self) -> set[str]:
        return set(TAB_PARTS.get(self._active_tab(), PARTS))

    @on(TabbedContent.TabActivated, "#detail-tabs")
    def _tab_shown(self) -> None:
        self.refresh_bindings()  # the footer offers what matters on this tab
        if self.has_data():
            self.poll()

    # -- rendering ----------------------------------------------------------------------------
    def update_columns(self) -> None:
        if not self.narrow_changed():
            if self.has_data() and self.size.width != self._laid_out_for:
                self._paint()  # the flexible columns follow the width
            return
        self._line_columns = show.line_columns(bool(self._compact))
        self.query_one("#lines", KeyedTable).set_columns(self._line_columns)
        self.query_one("#picks", KeyedTable).set_columns(show.PICK_COLUMNS)
        self.query_one("#outputs", KeyedTable).set_columns(show.OUTPUT_COLUMNS)
        self.query_one("#children", KeyedTable).set_columns(show.CHILD_COLUMNS)
        if self.has_data():
            self._paint()

    def _paint(self) -> None:
        model = self.model
        assert model is not None and model.build is not None
        view = self.view
        view.width = self.size.width
        self._laid_out_for = self.size.width
        theme = self.app.current_theme
        self.query_one("#detail-header", QuietStatic).show(
            show.header(
                model, view, self.parent_build, lambda color: status_style(self.app, color), theme.warning or ""
            )
        )
        self.query_one("#lines", KeyedTable).sync(
            show.line_rows(model, view, self._line_columns), groups=show.line_groups(model)
        )
        self.query_one("#picks", KeyedTable).sync(show.pick_rows(model, view))
        self.query_one("#outputs", KeyedTable).sync(show.output_rows(model, view))
        self.query_one("#children", KeyedTable).sync(show.child_rows(model, view, self.parent_build, model.store))
        alone = not model.children and model.build.parent is None  # read with the build: a header and no rows
        none = f"{clean(model.build.reference)} has no parent build and no child builds." if alone else ""
        self.query_one("#children-none", QuietStatic).show(none, hide_when_empty=True)
        self.query_one("#detail-notes", QuietStatic).show(show.notes_text(model.build.notes))
        signature = (model.build.status, bool(model.outputs_to_act_on), tuple(r.write.kind for r in model.running))
        if signature != self._binding_signature:  # the footer repaints only when what is offered changes
            self._binding_signature = signature
            self.refresh_bindings()

    def footer_keys(self) -> list[tuple[str, str, str]]:
        """The keys that matter on the tab shown, in ``FOOTER_PLAN``'s order, those not offered now left out."""
        keys = [("question_mark", "?", "Help")]
        for key, shown, label, action in FOOTER_PLAN.get(self._active_tab(), []):
            if self.check_action(action, ()):
                keys.append((key, shown, label))
        return keys

    # -- availability of actions -------------------------------------------------------------------
    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        model = self.model
        if model is None or model.build is None:
            return action in ("back", "refresh", "tab", "toggle_needed", "expand") or None
        if action == "kit":
            return self.kit_offered()
        b = model.build
        can_add = self.tui.store.can("add")
        if action in CHANGE_ACTIONS and not can_add:
            return False  # the user's roles do not allow it: not offered at all
        if model.running_kind(action) or (action in CHANGE_ACTIONS and model.pending("build") is not None):
            return False  # the server is still doing it (or finishing/cancelling the build): not twice
        status = BuildStatus.of(b.status)
        if action == "issue":
            return status is not None and status.can_issue
        if action == "hold":
            return status is not None and status.can_hold
        if action == "finish":
            return status is not None and status.can_finish
        if action == "cancel_build":
            return b.is_active
        if action in ALLOC_ACTIONS or action == "new_output":
            return b.is_active
        if action in ("complete_outputs", "scrap_outputs", "delete_outputs"):
            return bool(model.outputs_to_act_on)
        return True

    def why_not(self, action: str) -> str | None:
        """Why ``action`` is not offered now, in a sentence for the operator; None when it is (or when there is
        nothing useful to say). Follows ``check_action``'s reasons, in its order."""
        model = self.model
        if model is None or model.build is None:
            return None  # still loading: the keys are shown disabled (check_action says None), not refused
        b = model.build
        ref = clean(b.reference)
        if action not in CHANGE_ACTIONS:
            return None
        if not self.tui.store.can("add"):
            return "Your InvenTree account may look at builds but not change them."
        if model.running_kind(action) or model.pending("build") is not None:
            return "The server is still carrying out the last change to this build: wait for it."
        status = BuildStatus.of(b.status)
        called = clean(self.tui.store.build_status.label(b.status, str(b.status)))
        if action == "issue":
            if status is BuildStatus.PRODUCTION:
                return f"{ref} is in production already."
            return f"{ref} is {called}: there is nothing to issue."
        if action == "hold":
            return f"{ref} is {called}: it cannot be put on hold."
        if action == "finish":
            if status in (BuildStatus.PENDING, BuildStatus.ON_HOLD):
                return f"{ref} is {called}: i issues it, then F finishes it."
            return f"{ref} is {called}: it cannot be finished."
        if not b.is_active:
            return f"{ref} is {called}: its stock and outputs can no longer change."
        if action in ("complete_outputs", "scrap_outputs", "delete_outputs"):
            if model.incomplete_outputs:
                return f"The server is still working on {ref}'s outputs: wait for it."
            return f"{ref} has no output in production to act on (N creates one)."
        return None

    def on_key(self, event: events.Key) -> None:
        """A key whose action is not offered now says why, instead of doing nothing (an operator pressing F on a
        build on hold learns to issue it first)."""
        super().on_key(event)
        for binding in self.BINDINGS:
            if not isinstance(binding, Binding) or event.key not in binding.key.split(","):
                continue
            action = binding.action.split("(")[0]
            if self.check_action(action, ()) is False:
                reason = self.why_not(action)
                now = time.monotonic()
                # the same reason again while it is still on screen (a key held down, pressed twice): not stacked
                repeat = reason == self._told[0] and now - self._told[1] < WHY_NOT_SHOWN_S
                if reason and not repeat:
                    self._told = (reason, now)
                    self.tui.notify(reason, severity="warning", markup=False, timeout=WHY_NOT_SHOWN_S)
            return

    def action_back(self) -> None:
        self.dismiss()

    def action_tab(self, index: int) -> None:
        self.query_one("#detail-tabs", TabbedContent).active = TABS[index]
        table = {0: "#lines", 1: "#picks", 2: "#outputs", 3: "#children"}.get(index)
        if table:
            self.query_one(table).focus()

    def action_refresh(self) -> None:
        self.refresh_data()

    def action_toggle_needed(self) -> None:
        self.view.only_needed = not self.view.only_needed
        if self.has_data():
            self._paint()

    def action_expand(self) -> None:
        line = self.selected_line()
        if line is None:
            return
        self.view.expanded ^= {line.pk}
        self._paint()

    @on(DataTable.RowSelected, "#lines")
    def _line_enter(self) -> None:
        self.action_expand()

    @on(DataTable.RowSelected, "#children")
    def _child_enter(self, event: DataTable.RowSelected) -> None:
        key = event.row_key.value or ""
        if key.startswith("b") and int(key[1:]) > 0:  # not an unreadable row (api/client.py _models)
            self.tui.open_build(int(key[1:]), stack=True)
