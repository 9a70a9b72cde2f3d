"""The build list: which build orders need work now."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.timer import Timer
from textual.widgets import DataTable, Input

from ..api import ApiError, BuildQuery
from ..api.errors import AuthenticationRequired
from ..api.models import Build
from ..clock import today
from ..format import bar, date, qty
from ..state import BuildListModel
from ..widgets.fit import fit, fit_rows
from ..widgets.keyed_table import Cells, KeyedTable
from ..widgets.quiet import QuietFooter, QuietStatic
from ..widgets.safe import clean
from ..widgets.status_line import StatusLine
from .base import LiveScreen

log = logging.getLogger("buildtui.build_list")

#: what r steps through, in order (R reverses the one shown)
SORTS = ["-reference", "reference", "target_date", "-priority", "status"]
#: how the title says each ordering, either way round
SORT_LABELS = {
    "-reference": "newest first",
    "reference": "oldest first",
    "target_date": "target date, soonest first",
    "-target_date": "target date, latest first",
    "-priority": "priority, highest first",
    "priority": "priority, lowest first",
    "status": "status",
    "-status": "status, reversed",
}


def nothing_matches(q: BuildQuery) -> str:
    """What to say over an empty list: the ways out that would show more (none that is already taken)."""
    ways = []
    narrowed = any(v is not None for v in (q.outstanding, q.status, q.overdue, q.assigned_to_me))
    if narrowed:
        ways.append("a for all builds")
    if q.search.strip():
        ways.append("Esc to clear the search")
    if not ways:
        return "No build orders on this server yet."
    return f"No build orders match. Press {' or '.join(ways)}."


def next_sort(ordering: str) -> str:
    """The sort after ``ordering`` (reversed or not) in the order r steps through."""
    if ordering in SORTS:
        here = SORTS.index(ordering)
    else:  # reversed with R: the step it was reversed from
        here = next((i for i, key in enumerate(SORTS) if key.lstrip("-") == ordering.lstrip("-")), -1)
    return SORTS[(here + 1) % len(SORTS)]


WIDE_COLUMNS = [
    ("ref", "Reference"),
    ("part", "Part"),
    ("title", "Title"),
    ("progress", "Progress"),
    ("status", "Status"),
    ("priority", "Pri"),
    ("target", "Target"),
    ("responsible", "Responsible"),
]
NARROW_COLUMNS = [
    ("ref", "Reference"),
    ("part", "Part"),
    ("progress", "Progress"),
    ("status", "Status"),
    ("target", "Target"),
]
STATUS_MAX = 14  # a custom state's label longer than this is cut (with …)
COLOR_STYLES = {
    "primary": "primary",
    "secondary": "foreground",
    "warning": "warning",
    "danger": "error",
    "success": "success",
    "info": "accent",
    "dark": "foreground",
}


def status_style(app: Any, color: str | None) -> str:
    """A Rich style for InvenTree's status colour name, from the current theme's colours. With NO_COLOR a
    colour would only become a grey (Production: 2.5:1 on the list): coloured states are bold instead, in
    the foreground's own grey (the word says which state it is)."""
    theme = app.current_theme
    name = COLOR_STYLES.get(color or "", "foreground")
    if getattr(app, "no_color", False):
        return "bold" if name != "foreground" else ""
    value = getattr(theme, name, None) or theme.foreground or ""
    return f"bold {value}" if name != "foreground" else ""


class BuildListScreen(LiveScreen):
    """Outstanding builds by default; filter, search, sort; Enter opens one."""

    BINDINGS = [
        Binding("enter", "open", "Open", show=True),
        Binding("slash", "search", "Search"),
        Binding("o", "view('outstanding')", "Outstanding"),
        Binding("a", "view('all')", "All"),
        Binding("d", "toggle_overdue", "Overdue"),
        Binding("m", "toggle_mine", "Mine"),
        Binding("s", "cycle_status", "Status"),
        Binding("r", "cycle_sort", "Sort"),
        Binding("R", "reverse_sort", "Reverse", show=False),
        Binding("ctrl+r,f5", "refresh", "Refresh", show=False),
        Binding("escape", "clear_search", "Clear search", show=False),
    ]
    #: the signs on this screen, explained by the help screen after the keys
    LEGEND = [("! date", "Target date passed: the build is overdue")]

    FOOTER = [
        ("question_mark", "?", "Help"),
        ("slash", "/", "Search"),
        ("o", "o", "Outstanding"),
        ("a", "a", "All"),
        ("d", "d", "Overdue"),
        ("m", "m", "Mine"),
        ("s", "s", "Status"),
        ("r", "r", "Sort"),
        ("ctrl+q", "^q", "Quit"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.model: BuildListModel | None = None
        self._search_timer: Timer | None = None

    def compose(self) -> ComposeResult:
        with Vertical(id="list-body"):
            yield QuietStatic("", id="list-filters")
            yield KeyedTable(id="builds")
            yield QuietStatic("", id="list-message")
        yield StatusLine(self.tui.store, self.tui.server_label, has_data=self.has_data, id="status-line")
        yield QuietFooter()

    def on_mount(self) -> None:
        self.model = BuildListModel(self.tui.store, BuildQuery())
        self.update_columns()
        self._show_filters()
        self.query_one("#builds", KeyedTable).focus()
        self.reload()

    # -- data ------------------------------------------------------------------------
    def reload(self) -> None:
        """The query changed: its first page (after the read in flight, whose rows are then not shown)."""
        self.request_read("reload")

    async def read(self, parts: set[str]) -> bool:
        model = self.model
        assert model is not None
        if not model.loaded_once:
            self._message("Loading…")
        table = self.query_one("#builds", KeyedTable)
        try:
            if not self.tui.store.ready:
                # session facts and the first page in parallel: the rows appear one round trip sooner
                await asyncio.gather(self.tui.store.bootstrap(), model.reload())
                parts = {"reload"}
            elif "reload" in parts or not model.loaded_once:
                await model.reload()
                parts = {"reload"}
            else:
                if "refresh" in parts:
                    first, last = self._visible_rows()
                    await model.refresh(first, last)
                if "more" in parts:
                    await model.load_more()
        except ApiError as exc:
            self._failed(exc)
            return False
        if "reload" in self._asked:
            return True  # the query changed while this was in flight: its rows are not the ones wanted
        self._apply()
        if "reload" in parts:
            log.info("build list drawn: %d of %d builds", len(model.rows), model.count)
            self.call_after_refresh(self.tui.startup_done)
            if model.rows:
                table.move_cursor(row=0, animate=False)
        return True

    def _visible_rows(self) -> tuple[int, int]:
        table = self.query_one("#builds", KeyedTable)
        top = int(table.scroll_y)
        height = max(table.size.height - 1, 1)  # less the header
        return top, top + height

    def refresh_rows(self) -> None:
        self.request_read("refresh")

    def load_more(self) -> None:
        self.request_read("more")

    def _failed(self, exc: ApiError) -> None:
        self.query_one(StatusLine).tick()
        if isinstance(exc, AuthenticationRequired):
            self.tui.request_login(exc, then=self.refresh_rows)
            return
        assert self.model is not None
        if self.model.loaded_once:
            self._message("")  # the status line says offline; the rows stay, marked stale
            self.query_one("#builds").add_class("-stale")
        else:
            delay = self.tui.store.retry_delay()
            self._message(
                f"{exc.title}: {clean(exc)}\nRetrying in {delay:.0f} s — nothing to do, it continues by itself."
            )

    def has_data(self) -> bool:
        return self.model is not None and self.model.loaded_once

    def poll_parts(self) -> set[str]:
        return {"refresh"}

    # -- rendering ---------------------------------------------------------------------
    def update_columns(self) -> None:
        changed = self.narrow_changed()
        if changed:
            self.query_one("#builds", KeyedTable).set_columns(NARROW_COLUMNS if self._compact else WIDE_COLUMNS)
        if self.has_data() and (changed or self.size.width != self._laid_out_for):
            self._apply()

    def _fields(self, b: Build) -> dict[str, tuple[str, str]]:
        """Each column's text and style for one build (server text cleaned, long labels cut)."""
        if b.pk < 0:  # a row the server sent that could not be read (api/client.py _models)
            blank = ("", "")
            return {
                "ref": (clean(b.reference), "bold"),
                "part": (clean(b.title) if self._compact else "", "italic"),
                "title": (clean(b.title), "italic"),
                "progress": blank,
                "status": ("unreadable row", "bold"),
                "priority": blank,
                "target": blank,
                "responsible": blank,
            }
        store = self.tui.store
        code = store.status_code(b.status_key)
        label = code.label if code else clean(b.status_text) or str(b.status)
        overdue = b.overdue_on(today())
        return {
            "ref": (clean(b.reference), "bold"),
            "part": (clean(b.part_detail.label if b.part_detail else (b.part_name or "")), ""),
            "title": (clean(b.title or ""), ""),
            "progress": (f"{bar(b.completed, b.quantity, 6)} {qty(b.completed)}/{qty(b.quantity)}", ""),
            "status": (fit(clean(label), STATUS_MAX), status_style(self.app, code.color if code else None)),
            "priority": (str(b.priority or 0), ""),
            "target": (
                ("! " if overdue else "") + date(b.target_date),
                f"bold {self.app.current_theme.warning}" if overdue else "",
            ),
            "responsible": (fit(clean(b.responsible_detail.name if b.responsible_detail else ""), 14), ""),
        }

    def _rows(self) -> list[tuple[str, Cells]]:
        """Rows that fit the width: part and title share what the other columns leave."""
        assert self.model is not None
        columns = NARROW_COLUMNS if self._compact else WIDE_COLUMNS
        self._laid_out_for = self.size.width
        return fit_rows(
            columns,
            [(str(b.pk), self._fields(b)) for b in self.model.rows],
            self.size.width,
            {"part": 55, "title": 45},
            minimum=8,
            limits={"ref": 16},
        )

    def _apply(self) -> None:
        assert self.model is not None
        self.query_one(StatusLine).tick()
        table = self.query_one("#builds", KeyedTable)
        table.set_class(False, "-stale")
        table.sync(self._rows())
        self._show_filters()
        if not self.model.rows:
            self._message(nothing_matches(self.model.query))
        else:
            self._message("")

    def _message(self, message: str) -> None:
        self.query_one("#list-message", QuietStatic).show(message, hide_when_empty=True)

    def _describe(self, q: BuildQuery) -> str:
        parts = ["Outstanding" if q.outstanding else "All builds"]
        if q.status is not None:
            parts.append("status " + self.tui.store.build_status.label(q.status))
        if q.overdue:
            parts.append("overdue")
        if q.assigned_to_me:
            parts.append("assigned to me")
        if q.search.strip():
            parts.append(f"search “{clean(q.search.strip())}”")
        sort = SORT_LABELS.get(q.ordering, q.ordering)
        return f"{' · '.join(parts)} · sorted by {sort}"

    def _show_filters(self) -> None:
        """What the rows on screen are (the query they were read for), and what is being asked for instead
        while a new query has not been answered: never the new filter over the old rows."""
        model = self.model
        assert model is not None
        shown = model.loaded_query
        if shown is None:
            line = f"{self._describe(model.query)} · … builds"
        else:
            line = f"{self._describe(shown)} · {len(model.rows):,} of {model.count:,} builds"
            unreadable = sum(1 for b in model.rows if b.pk < 0)
            if unreadable:
                line += f" ({unreadable} unreadable)"
            if shown != model.query:
                line += f"\nAsking for: {self._describe(model.query)}…"
        self.query_one("#list-filters", QuietStatic).show(line)

    def footer_keys(self) -> list[tuple[str, str, str]]:
        """The footer, most important first (as many as fit: at 80 columns all of them)."""
        return list(self.FOOTER)

    # -- actions -------------------------------------------------------------------------
    def _requery(self, **changes: Any) -> None:
        assert self.model is not None
        for key, value in changes.items():
            setattr(self.model.query, key, value)
        self._show_filters()
        self.reload()

    def action_view(self, view: str) -> None:
        if view == "all":
            self._requery(outstanding=None, status=None, overdue=None, assigned_to_me=None)
        else:
            self._requery(outstanding=True, status=None)

    def action_toggle_overdue(self) -> None:
        assert self.model is not None
        self._requery(overdue=None if self.model.query.overdue else True)

    def action_toggle_mine(self) -> None:
        assert self.model is not None
        self._requery(assigned_to_me=None if self.model.query.assigned_to_me else True)

    def action_cycle_status(self) -> None:
        assert self.model is not None
        keys: list[int | None] = [None, *sorted(self.tui.store.build_status.by_key())]
        current = self.model.query.status
        nxt = keys[(keys.index(current) + 1) % len(keys)] if current in keys else None
        self._requery(status=nxt, outstanding=None if nxt is not None else True)

    def action_cycle_sort(self) -> None:
        assert self.model is not None
        self._requery(ordering=next_sort(self.model.query.ordering))

    def action_reverse_sort(self) -> None:
        assert self.model is not None
        o = self.model.query.ordering
        self._requery(ordering=o[1:] if o.startswith("-") else "-" + o)

    def action_refresh(self) -> None:
        self.refresh_rows()

    def _search_box(self) -> Input | None:
        found = self.query("#search")
        return found.first(Input) if found else None

    async def action_search(self) -> None:
        box = self._search_box()
        if box is None:  # made at first use: most sessions never search, and a hidden box costs its mount
            box = Input(placeholder="Search reference, part, title…  (Enter: done, Esc: clear)", id="search")
            await self.query_one("#list-body").mount(box, after="#list-filters")
        box.display = True
        box.focus()

    def action_clear_search(self) -> None:
        box = self._search_box()
        assert self.model is not None
        if (box is not None and box.value) or self.model.query.search:
            if box is not None:
                box.value = ""
            self._requery(search="")
        if box is not None:
            box.display = False
        self.query_one("#builds").focus()

    @on(Input.Changed, "#search")
    def _search_changed(self, event: Input.Changed) -> None:
        if self._search_timer is not None:
            self._search_timer.stop()
        value = event.value
        self._search_timer = self.set_timer(0.3, lambda: self._apply_search(value))

    def _apply_search(self, value: str) -> None:
        assert self.model is not None
        if value.strip() != self.model.query.search.strip():
            self._requery(search=value)

    @on(Input.Submitted, "#search")
    def _search_done(self, event: Input.Submitted) -> None:
        self._apply_search(event.value)
        self.query_one("#builds").focus()

    def on_key(self, event: Any) -> None:
        if event.key == "escape" and self.focused is not None and self.focused is self._search_box():
            self.action_clear_search()
            event.stop()

    @on(DataTable.RowHighlighted, "#builds")
    def _highlighted(self, event: DataTable.RowHighlighted) -> None:
        model = self.model
        if model is None or not model.loaded_once:
            return
        if model.has_more and event.cursor_row >= len(model.rows) - 10:
            self.load_more()
        elif not self.reading and model.stale_pages(*self._visible_rows(), self.tui.store.poll_interval):
            self.refresh_rows()  # scrolled to rows last read more than one interval ago

    @on(DataTable.RowSelected, "#builds")
    def _selected(self, event: DataTable.RowSelected) -> None:
        self.action_open()

    def action_open(self) -> None:
        key = self.query_one("#builds", KeyedTable).current_key
        if key is None:
            return
        if int(key) < 0:
            build = self.current_build()
            self.tui.notify(
                f"This row could not be read ({clean(build.title) if build else 'unreadable'}); the "
                "details are in the log.",
                severity="warning",
                markup=False,
            )
            return
        self.tui.open_build(int(key))

    def current_build(self) -> Build | None:
        key = self.query_one("#builds", KeyedTable).current_key
        if key is None or self.model is None:
            return None
        return next((b for b in self.model.rows if str(b.pk) == key), None)
