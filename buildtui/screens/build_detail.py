"""Build detail: header, lines with allocations, pick list, outputs, child builds, notes."""

from __future__ import annotations

import logging
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.widgets import DataTable, TabbedContent, TabPane

from ..api import ApiError
from ..api.errors import AuthenticationRequired, NotFound
from ..api.models import Build, BuildItem, BuildLine, StockItem
from ..clock import today
from ..format import bar, date, qty
from ..state import BuildDetailModel
from ..state.actions import BuildActions, Result, Running, Write
from ..state.build_detail import PARTS
from ..widgets.fit import Row, fit, fit_rows, join_fitting
from ..widgets.keyed_table import Cells, KeyedTable
from ..widgets.quiet import QuietFooter, QuietStatic
from ..widgets.safe import clean, clean_lines
from ..widgets.status_line import StatusLine
from .base import LiveScreen

if TYPE_CHECKING:
    from ..scanning import Allocation
from .build_list import status_style

log = logging.getLogger("buildtui.build_detail")

TABS = ["tab-lines", "tab-pick", "tab-outputs", "tab-children", "tab-notes"]
#: what a refresh re-reads while a tab is visible (the header always)
TAB_PARTS = {"tab-lines": ("build", "lines"), "tab-pick": ("build", "lines"), "tab-outputs": ("build", "outputs"),
             "tab-children": ("build", "children"), "tab-notes": ("build",)}
OUTPUT_ACTIONS = {"new_output", "complete_outputs", "scrap_outputs", "delete_outputs"}
ALLOC_ACTIONS = {"allocate", "auto_allocate", "unallocate", "unallocate_all", "consume", "edit_allocation", "mark_line"}


def notes_text(notes: str | None) -> str:
    """The Notes tab: the build's notes line by line (InvenTree keeps Markdown; shown as typed)."""
    shown = clean_lines(notes).strip("\n")
    return shown if shown.strip() else "(no notes)"


#: what the footer offers on each tab, most important first: (key, as printed, label, action checked). At 80
#: columns it shows as many as fit after "? Help"; every key is in the help screen (?) and the palette.
_STATE_KEYS = [("i", "i", "Issue", "issue"), ("F", "F", "Finish", "finish"), ("h", "h", "Hold", "hold"),
               ("C", "C", "Cancel", "cancel_build")]
_LAST_KEYS = [("1", "1-5", "Tabs", "tab"), ("escape", "Esc", "Back", "back")]
FOOTER_PLAN: dict[str, list[tuple[str, str, str, str]]] = {
    "tab-lines": [("a", "a", "Alloc", "allocate"), ("i", "i", "Issue", "issue"), ("A", "A", "Auto", "auto_allocate"),
                  ("u", "u", "Unalloc", "unallocate"), ("e", "e", "Edit", "edit_allocation"),
                  ("x", "x", "Consume", "consume"), ("v", "v", "Mark", "mark_line"),
                  *[k for k in _STATE_KEYS if k[0] != "i"], ("n", "n", "Needed", "toggle_needed"), *_LAST_KEYS],
    "tab-pick": [("u", "u", "Unalloc", "unallocate"), ("e", "e", "Edit", "edit_allocation"),
                 ("x", "x", "Consume", "consume"), *_STATE_KEYS, *_LAST_KEYS],
    "tab-outputs": [("N", "N", "New", "new_output"), ("c", "c", "Complete", "complete_outputs"),
                    ("S", "S", "Scrap", "scrap_outputs"), ("D", "D", "Delete", "delete_outputs"),
                    ("a", "a", "Alloc", "allocate"), *_STATE_KEYS, *_LAST_KEYS],
    "tab-children": [("enter", "Enter", "Open", "tab"), *_STATE_KEYS, *_LAST_KEYS],
    "tab-notes": [*_STATE_KEYS, *_LAST_KEYS],
}


PICK_COLUMNS = [("loc", "Location"), ("part", "Part"), ("lot", "Serial/batch"), ("qty", "Qty"), ("line", "For")]
OUTPUT_COLUMNS = [("state", "State"), ("out", "Serial/batch"), ("qty", "Qty"), ("loc", "Location"), ("status", "Status")]
CHILD_COLUMNS = [("rel", " "), ("ref", "Reference"), ("part", "Part"), ("progress", "Progress"), ("status", "Status")]


class BuildDetailScreen(LiveScreen):
    BINDINGS = [
        Binding("escape", "back", "Back"),
        Binding("a", "allocate", "Allocate"),
        Binding("A", "auto_allocate", "Auto-alloc"),
        Binding("c", "complete_outputs", "Complete"),
        Binding("N", "new_output", "New output"),
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
        Binding("v", "mark_line", "Mark line (a allocates all marked)", show=False),
        Binding("1", "tab(0)", "Lines tab", show=False),
        Binding("2", "tab(1)", "Pick list tab", show=False),
        Binding("3", "tab(2)", "Outputs tab", show=False),
        Binding("4", "tab(3)", "Children tab", show=False),
        Binding("5", "tab(4)", "Notes tab", show=False),
        Binding("ctrl+r,f5", "refresh", "Refresh", show=False),
    ]

    def __init__(self, pk: int) -> None:
        super().__init__()
        self.pk = pk
        self.model: BuildDetailModel | None = None
        self.expanded: set[int] = set()
        self.only_needed = False
        self._binding_signature: tuple[int, bool, tuple[str, ...]] | None = None
        self.marked_lines: set[int] = set()
        self._line_columns: list[tuple[str, str]] = []
        #: the parent build (its reference for the header and the children tab), read once when there is one
        self.parent_build: Build | None = None

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
    def refresh_data(self, parts: tuple[str, ...] = PARTS) -> None:
        """Re-read ``parts`` now, or once the read in flight has answered (merged with whatever else is asked)."""
        self.request_read(*parts)

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
            self.parent_build = await self.tui.store.call(lambda: self.tui.client.get_build(pk))
        except NotFound:
            self.parent_build = None
        except ApiError:
            pass  # said by the status line; the header keeps "parent build #pk" until it is read

    def has_data(self) -> bool:
        return self.model is not None and self.model.build is not None

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
                self._paint()  # the pick list's flexible columns follow the width
            return
        compact = self._compact
        lines = [("tick", " "), ("part", "Part"), ("req", "Req"), ("alloc", "Alloc"), ("cons", "Used"),
                 ("avail", "Avail"), ("bar", "Progress"), ("flags", "Flags")]
        if not compact:
            lines[2:2] = [("ref", "BOM ref")]
            lines += [("order", "On order"), ("prod", "In prod")]
        self._line_columns = lines
        self.query_one("#lines", KeyedTable).set_columns(lines)
        self.query_one("#picks", KeyedTable).set_columns(PICK_COLUMNS)
        self.query_one("#outputs", KeyedTable).set_columns(OUTPUT_COLUMNS)
        self.query_one("#children", KeyedTable).set_columns(CHILD_COLUMNS)
        if self.has_data():
            self._paint()

    def _paint(self) -> None:
        assert self.model is not None and self.model.build is not None
        self._render_header()
        self.query_one("#lines", KeyedTable).sync(self._line_rows())
        self.query_one("#picks", KeyedTable).sync(self._pick_rows())
        self.query_one("#outputs", KeyedTable).sync(self._output_rows())
        self.query_one("#children", KeyedTable).sync(self._child_rows())
        self.query_one("#detail-notes", QuietStatic).show(notes_text(self.model.build.notes))
        b = self.model.build
        signature = (b.status, bool(self.model.outputs_to_act_on), tuple(r.write.kind for r in self.model.running))
        if signature != self._binding_signature:  # the footer repaints only when what is offered changes
            self._binding_signature = signature
            self.refresh_bindings()

    def _render_header(self) -> None:
        assert self.model is not None and self.model.build is not None
        b = self.model.build
        store = self.tui.store
        code = store.status_code(b.status_key)
        label = code.label if code else (b.status_text or str(b.status))
        part = b.part_detail.label if b.part_detail else (b.part_name or "")
        overdue = b.overdue_on(today())
        warn = f"bold {self.app.current_theme.warning}"
        header = self.query_one("#detail-header", QuietStatic)
        width = max(self.size.width - 2, 20)  # the header spans the screen, less its padding (the screen's
        # size is already the new one when a resize repaints; the header's own is not laid out yet)
        first = Text(no_wrap=True)
        first.append(fit(clean(b.reference), 40), "bold")
        first.append("  ")
        first.append(f" {fit(clean(label), 20)} ", status_style(self.app, code.color if code else None) + " reverse")
        first.append(f"  {clean(part)}")
        if b.title:
            first.append(f" — {clean(b.title)}")
        first.truncate(width, overflow="ellipsis")  # one line, however long the part or title: cut with …
        t = Text(no_wrap=False)
        t.append_text(first)
        t.append("\n")
        target = Text(date(b.target_date) + (" OVERDUE" if overdue else ""), warn if overdue else "")
        facts = [Text(f"Qty {qty(b.quantity)}"), Text(f"done {qty(b.completed)}"),
                 Text(f"left {qty(b.remaining)} ") + Text(bar(b.completed, b.quantity, 10))]
        if b.start_date:
            facts.append(Text(f"start {date(b.start_date)}"))
        facts.append(Text("target ") + target)
        if b.priority:  # 0 is InvenTree's default: said only when someone set one
            facts.append(Text(f"priority {b.priority}"))
        t.append_text(join_fitting(facts, width))
        t.append("\n")
        source = clean(store.location_name(b.take_from) if b.take_from else "anywhere")
        where = [Text(fit(f"From {source} → to {clean(store.location_name(b.destination))}", width)),
                 Text(fit(f"batch {clean(b.batch or '-')}", width)),
                 Text(fit(f"responsible {clean(b.responsible_detail.name if b.responsible_detail else '-')}", width))]
        if b.parent:
            parent = self.parent_build
            where.append(Text(f"parent {fit(clean(parent.reference), 24)}" if parent and parent.pk == b.parent
                              else f"parent build #{b.parent}"))
        if self.only_needed:
            where.append(Text("showing only lines needing stock", "italic"))
        t.append_text(join_fitting(where, width))
        for running in self.model.running:  # changes the server accepted and is still carrying out
            t.append("\n")
            t.append(f"Server still working: {running.describe()}", "bold reverse")
        header.show(t)

    def _line_rows(self) -> list[tuple[str, Cells]]:
        """A row per line, with its allocations under it when expanded; the part takes what the figures leave."""
        assert self.model is not None
        rows: list[Row] = []
        for ln in self.model.lines:
            if self.only_needed and ln.fully_allocated:
                continue
            flags = ("O" if ln.optional else "") + ("C" if ln.consumable else "") + ("T" if ln.trackable else "")
            tick = "✓" if ln.fully_allocated else ("▸" if ln.pk not in self.expanded else "▾")
            if ln.pk in self.marked_lines:
                tick = "●"
            if self.model.pending(f"l{ln.pk}") is not None:
                tick = "…"  # the server is still changing this line (auto-allocating, consuming)
            avail_txt = qty(ln.available_total)
            if ln.available_substitute_stock or ln.available_variant_stock:
                avail_txt += "*"
            rows.append((f"l{ln.pk}", {
                "tick": (tick, "bold"), "part": (clean(ln.part_label), ""), "ref": (clean(ln.reference or ""), ""),
                "req": (qty(ln.quantity), ""), "alloc": (qty(ln.allocated), ""), "cons": (qty(ln.consumed), ""),
                "avail": (avail_txt, ""), "bar": (bar(ln.allocated + ln.consumed, ln.quantity, 6), ""),
                "flags": (flags, ""), "order": (qty(ln.on_order), ""), "prod": (qty(ln.in_production), "")}))
            if ln.pk in self.expanded:
                for a in ln.allocations or []:
                    src = a.stock_item_detail.label if a.stock_item_detail else f"item {a.stock_item}"
                    where = a.location_detail.path if a.location_detail else "-"
                    out = f" → output {a.install_into}" if a.install_into else ""
                    sub = {key: ("", "") for key, _ in self._line_columns}
                    sub["part"] = (clean(f"  └ {src} @ {where}{out}"), "")
                    sub["alloc"] = (qty(a.quantity), "")
                    rows.append((f"a{a.pk}", sub))
        return fit_rows(self._line_columns, rows, self.size.width, {"part": 1}, minimum=12, limits={"ref": 16})

    def _pick_rows(self) -> list[tuple[str, Cells]]:
        assert self.model is not None
        items = []
        for ln in self.model.lines:
            for a in ln.allocations or []:
                where = a.location_detail.path if a.location_detail else "(no location)"
                items.append((where, ln, a))
        items.sort(key=lambda x: (x[0], x[1].part_label))
        rows = []
        last = None
        for where, ln, a in items:
            s = a.stock_item_detail
            lot = (f"#{s.serial}" if s.serial else (s.batch or "")) if s else ""
            rows.append((f"a{a.pk}", {"loc": (clean(where) if where != last else "", "bold"),
                                      "part": (clean(ln.part_label), ""), "lot": (clean(lot), ""),
                                      "qty": (qty(a.quantity), ""), "line": (clean(ln.reference or ""), "")}))
            last = where
        self._laid_out_for = self.size.width
        return fit_rows(PICK_COLUMNS, rows, self.size.width, {"loc": 40, "part": 45, "line": 15}, minimum=4)

    def _output_rows(self) -> list[tuple[str, Cells]]:
        assert self.model is not None
        rows: list[Row] = []
        for o in sorted(self.model.outputs, key=lambda o: (not o.is_building, o.pk)):
            state = "building" if o.is_building else ("scrapped" if o.status == 65 else "complete")
            if o.is_building and self.model.output_unallocated(o):
                state += " (short)"
            running = self.model.pending(f"o{o.pk}") if o.is_building else None
            if running is not None:  # "completing…": the server has it in hand
                state = (running.write.pending.split(" ")[0] or "pending") + "…"
            rows.append((f"o{o.pk}", {
                "state": (state, ""), "out": (clean(o.serial or o.batch or f"#{o.pk}"), ""), "qty": (qty(o.quantity), ""),
                "loc": (clean(o.location_detail.path if o.location_detail else "-"), ""),
                "status": (clean(o.status_text or ""), "")}))
        return fit_rows(OUTPUT_COLUMNS, rows, self.size.width, {"out": 40, "loc": 60}, limits={"status": 14})

    def _child_rows(self) -> list[tuple[str, Cells]]:
        """The parent (when there is one) first, then the child builds; Enter opens the one selected."""
        assert self.model is not None
        rows: list[Row] = []
        parent = self.parent_build
        builds = ([("↑ parent", parent)] if parent is not None else []) + [("", c) for c in self.model.children]
        for rel, c in builds:
            code = self.tui.store.status_code(c.status_key)
            label = code.label if code else (c.status_text or "")
            rows.append((f"b{c.pk}", {
                "rel": (rel, "italic"), "ref": (clean(c.reference), "bold"),
                "part": (clean(c.part_detail.label if c.part_detail else ""), ""),
                "progress": (f"{bar(c.completed, c.quantity, 6)} {qty(c.completed)}/{qty(c.quantity)}", ""),
                "status": (clean(label), "")}))
        return fit_rows(CHILD_COLUMNS, rows, self.size.width, {"part": 1}, limits={"status": 14})

    def footer_keys(self) -> list[tuple[str, str, str]]:
        """The keys that matter on the tab shown, in ``FOOTER_PLAN``'s order, those not offered now left out."""
        keys = [("question_mark", "?", "Help")]
        for key, shown, label, action in FOOTER_PLAN.get(self._active_tab(), []):
            if self.check_action(action, ()):
                keys.append((key, shown, label))
        return keys

    # -- selection helpers -----------------------------------------------------------------------
    def _active_tab(self) -> str:
        return self.query_one("#detail-tabs", TabbedContent).active or "tab-lines"

    def selected_line(self) -> BuildLine | None:
        assert self.model is not None
        key = self.query_one("#lines", KeyedTable).current_key
        if key and key.startswith("l"):
            return self.model.line(int(key[1:]))
        alloc = self.selected_allocation()
        return self.model.line_of(alloc) if alloc else None

    def selected_allocation(self) -> BuildItem | None:
        assert self.model is not None
        table_id = "#picks" if self._active_tab() == "tab-pick" else "#lines"
        key = self.query_one(table_id, KeyedTable).current_key
        if key and key.startswith("a"):
            return self.model.allocation(int(key[1:]))
        return None

    def selected_output(self) -> StockItem | None:
        assert self.model is not None
        key = self.query_one("#outputs", KeyedTable).current_key
        if self._active_tab() == "tab-outputs" and key:
            return next((o for o in self.model.outputs if f"o{o.pk}" == key), None)
        return None

    # -- availability of actions -------------------------------------------------------------------
    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        model = self.model
        if model is None or model.build is None:
            return action in ("back", "refresh", "tab", "toggle_needed", "expand") or None
        b = model.build
        can_add = self.tui.store.can("add")
        change = {"issue", "hold", "finish", "cancel_build", *ALLOC_ACTIONS, *OUTPUT_ACTIONS}
        if action in change and not can_add:
            return False  # the user's roles do not allow it: not offered at all
        if model.running_kind(action) or (action in change and model.pending("build") is not None):
            return False  # the server is still doing it (or finishing/cancelling the build): not twice
        if action == "issue":
            return b.status in (10, 25)
        if action == "hold":
            return b.status in (10, 20)
        if action == "finish":
            return b.status == 20
        if action == "cancel_build":
            return b.is_active
        if action in ALLOC_ACTIONS or action == "new_output":
            return b.is_active
        if action in ("complete_outputs", "scrap_outputs", "delete_outputs"):
            return bool(model.outputs_to_act_on)
        return True

    # -- actions ---------------------------------------------------------------------------------------
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
        self.only_needed = not self.only_needed
        if self.model and self.model.build:
            self._paint()

    def action_expand(self) -> None:
        line = self.selected_line()
        if line is None:
            return
        self.expanded ^= {line.pk}
        self._paint()

    @on(DataTable.RowSelected, "#lines")
    def _line_enter(self) -> None:
        self.action_expand()

    @on(DataTable.RowSelected, "#children")
    def _child_enter(self, event: DataTable.RowSelected) -> None:
        key = event.row_key.value or ""
        if key.startswith("b") and int(key[1:]) > 0:  # not an unreadable row (api/client.py _models)
            self.tui.open_build(int(key[1:]))

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
            outcome = await self.actions.run(write)
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
                self.tui.notify(f"{outcome.message} Press the key again to retry.", title="Not done",
                                severity="warning", markup=False, timeout=10)
            elif outcome.result is Result.UNKNOWN:
                self.tui.notify(outcome.message, title="Not known whether it was done", severity="warning",
                                markup=False, timeout=15)
            elif outcome.error is not None:
                self.tui.report(outcome.error, what=write.what)
        finally:
            self.busy = False
        self.refresh_data()

    def _dialog(self, dialog: Any, *, info_title: str | None = None) -> None:
        def after(result: str | Running | None) -> None:
            if isinstance(result, Running):
                self.follow(result, info_title=info_title)
            elif result:
                self._tell_done(result, info_title)
            self.refresh_data()

        self.app.push_screen(dialog, after)

    def _tell_done(self, message: str, info_title: str | None) -> None:
        if info_title:
            from ..dialogs.allocate import InfoDialog

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
            outcome = await self.actions.follow(running, tick=self._paint_running)
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
            self.tui.notify(outcome.message, title="Not known whether it was done", severity="warning",
                            markup=False, timeout=15)
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
        undo = ("h puts it on hold again" if b.status == 25 else
                "it cannot go back to Pending; h puts it on hold")
        self._dialog(ConfirmDialog(
            self.model, "Issue build order",
            f"Issue {ref}: it goes into production, and its outputs can be built and completed. ({undo}.)",
            self.actions.issue(f"{b.reference} issued: in production"), confirm="Issue"))

    def action_hold(self) -> None:
        from ..dialogs.build_actions import ConfirmDialog

        assert self.model and self.model.build
        b = self.model.build
        ref = clean(b.reference)
        self._dialog(ConfirmDialog(
            self.model, "Put build order on hold",
            f"Put {ref} on hold: it leaves production and cannot be finished until it is issued again. "
            "Allocations and outputs stay as they are. (i issues it again.)",
            self.actions.hold(f"{b.reference} is on hold"), confirm="Hold"))

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
            choice = await self.app.push_screen_wait(ChooserDialog(
                f"Allocate to output {output.serial or output.pk}: which component?",
                [ln.part_label for ln in tracked]))
            if choice is None:
                return
            line = tracked[choice]
        self._dialog(AllocateDialog(self.model, line, output=output.pk))

    def action_mark_line(self) -> None:
        line = self.selected_line()
        if line is not None:
            self.marked_lines ^= {line.pk}
            self._paint()
            self.query_one("#lines", KeyedTable).action_cursor_down()

    def action_allocate(self, output: int | None = None) -> None:
        from ..dialogs.allocate import AllocateDialog, MultiAllocateDialog

        assert self.model
        output_row = self.selected_output()
        if output_row is not None and output_row.is_building and output is None:
            self._allocate_to_output(output_row)  # from the outputs tab: a tracked component for this output
            return
        marked = [ln for ln in self.model.lines if ln.pk in self.marked_lines]
        if marked:
            self.marked_lines.clear()
            self._dialog(MultiAllocateDialog(self.model, marked))
            return
        line = self.selected_line()
        if line is None:
            self.tui.notify("Select a line on the Lines tab first.", markup=False, severity="warning")
            return
        if line.consumable:
            self.tui.notify("Consumable lines are not allocated.", markup=False, severity="warning")
            return
        self._dialog(AllocateDialog(self.model, line, output=output))

    def action_auto_allocate(self) -> None:
        from ..dialogs.allocate import AutoAllocateDialog

        assert self.model
        self._dialog(AutoAllocateDialog(self.model), info_title="Auto-allocation")

    def action_unallocate(self) -> None:
        from ..dialogs.build_actions import ConfirmDialog

        assert self.model
        alloc = self.selected_allocation()
        if alloc is not None:
            self._run(self.actions.remove_allocations([alloc.pk], f"Allocation of {qty(alloc.quantity)} removed"))
            return
        line = self.selected_line()
        if line is None:
            return
        pks = [a.pk for a in line.allocations or []]
        if not pks:
            self.tui.notify("Nothing is allocated to this line.", markup=False)
            return
        name = clean(line.part_label)
        self._dialog(ConfirmDialog(self.model, "Unallocate line", f"Remove all {len(pks)} allocation(s) of {name}?",
                                   self.actions.remove_allocations(pks, f"{len(pks)} allocation(s) of {name} removed"),
                                   confirm="Remove"))

    def action_unallocate_all(self) -> None:
        from ..dialogs.build_actions import ConfirmDialog

        assert self.model
        pks = [a.pk for a in self.model.allocations]
        if not pks:
            self.tui.notify("Nothing is allocated to this build.", markup=False)
            return
        self._dialog(ConfirmDialog(self.model, "Unallocate everything",
                                   f"Remove all {len(pks)} allocations of this build?",
                                   self.actions.remove_allocations(pks, f"All {len(pks)} allocation(s) removed"),
                                   confirm="Remove all", danger=True))

    def action_edit_allocation(self) -> None:
        from ..dialogs.allocate import EditAllocationDialog

        assert self.model
        alloc = self.selected_allocation()
        if alloc is None:
            self.tui.notify("Select an allocation (expand a line, or use the pick list).", markup=False)
            return
        self._dialog(EditAllocationDialog(self.model, alloc))

    def action_consume(self) -> None:
        from ..dialogs.allocate import ConsumeDialog

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
        nxt = None
        b = self.model.build
        if b.part_detail and b.part_detail.trackable:
            try:
                nxt = (await self.tui.client.next_serials(b.part)).next
            except ApiError:
                nxt = None
        self._dialog(CreateOutputDialog(self.model, nxt))

    # -- scanning ----------------------------------------------------------------------------------
    async def allocate_scanned(self, item: StockItem) -> Allocation:
        """Allocate a scanned stock item to the line it matches (called by the scan handler, in a worker).

        quantity = min(what the line still needs, what the item has free); 1 for serialised stock; the
        selected or only output for tracked lines. Raises ``ScanRefused`` with the reason otherwise.
        """
        from ..dialogs.chooser import ChooserDialog
        from ..scanning import Allocation, ScanRefused

        model = self.model
        if model is None or model.build is None:
            raise ScanRefused("The build is still loading.")
        name = clean(item.part_detail.label if item.part_detail else f"part {item.part}")
        if not self.tui.store.can("add"):
            raise ScanRefused("You are not allowed to allocate stock.")
        why = item.unavailable_reason
        if why:
            raise ScanRefused(f"{name} {clean(item.label)} {clean(why)}: it cannot be allocated.")
        matches = await self._lines_for(item)
        if not matches:
            raise ScanRefused(f"Wrong part: {name} is not on the BOM of {clean(model.build.reference)}.")
        needing = [ln for ln in matches if ln.still_needed > 0]
        candidates = needing or matches
        line = candidates[0]
        if len(candidates) > 1:
            choice = await self.app.push_screen_wait(ChooserDialog(
                f"{name} fits several lines: which one?",
                [f"{ln.part_label} {ln.reference or ''} (needs {qty(ln.still_needed)})" for ln in candidates]))
            if choice is None:
                raise ScanRefused("Scan not allocated: no line chosen.")
            line = candidates[choice]
        if item.free <= 0:
            raise ScanRefused(f"{name} {clean(item.label)} is already allocated elsewhere "
                              f"(all {qty(item.quantity)} allocated).")
        if line.still_needed <= 0 and not line.trackable:
            raise ScanRefused(f"{clean(line.part_label)} is already fully allocated.")
        quantity = Decimal(1) if item.is_serialized else min(line.still_needed, item.free)
        output = None
        if line.trackable:
            output = await self._output_for_scan()
            quantity = Decimal(1) if item.is_serialized else min(line.quantity / max(model.build.quantity, Decimal(1)),
                                                                  item.free)
        outcome = await self.actions.run(self.actions.allocate(
            [{"build_line": line.pk, "stock_item": item.pk, "quantity": quantity, "output": output}],
            lambda _: "allocated"))
        if not outcome.done:
            reason = outcome.message
            if outcome.result is Result.REFUSED and ("Available quantity" in reason or "over-allocated" in reason):
                reason = f"the stock was allocated elsewhere meanwhile ({reason})"
            self.refresh_data()
            raise ScanRefused(f"Not allocated: {reason}")
        await self.fresh("lines")
        self.query_one("#lines", KeyedTable).select_key(f"l{line.pk}")
        return Allocation(self.pk, line.pk, item.pk, output, quantity,
                          f"{line.part_label}" + (f" for output {output}" if output else ""))

    async def _lines_for(self, item: StockItem) -> list[BuildLine]:
        """Lines whose part, substitute or (where allowed) variant the item is; trackable flags must agree."""
        assert self.model is not None
        lines = [ln for ln in self.model.lines if not ln.consumable]
        direct = [ln for ln in lines if ln.part == item.part or item.part in ln.substitute_parts]
        if not direct:  # a substitute: real servers keep them apart from the line (/api/bom/substitute/)
            allowing = await self.tui.store.bom_items_allowing(item.part)
            direct = [ln for ln in lines if ln.bom_item in allowing]
        if direct or not any(ln.allow_variants for ln in lines):
            return direct
        ancestors: list[int] = []
        pk: int | None = item.part
        while pk is not None and len(ancestors) < 5:  # walk up the variant tree, rarely more than one step
            part = await self.tui.client.get_part(pk)
            pk = part.variant_of
            if pk is not None:
                ancestors.append(pk)
        return [ln for ln in lines if ln.allow_variants and ln.part in ancestors]

    async def _output_for_scan(self) -> int:
        from ..dialogs.chooser import ChooserDialog
        from ..scanning import ScanRefused

        assert self.model is not None
        selected = self.selected_output()
        if selected is not None and selected.is_building:
            return selected.pk
        outs = self.model.incomplete_outputs
        if not outs:
            raise ScanRefused("A tracked part needs an output in production: create one first (N).")
        if len(outs) == 1:
            return outs[0].pk
        choice = await self.app.push_screen_wait(ChooserDialog(
            "Which output does this part go into?", [o.serial or o.batch or f"output {o.pk}" for o in outs]))
        if choice is None:
            raise ScanRefused("Scan not allocated: no output chosen.")
        return outs[choice].pk

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
