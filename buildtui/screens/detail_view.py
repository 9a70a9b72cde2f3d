"""What the build detail screen shows, as plain functions of the model: the header and each tab's rows.

Server text goes in through ``clean`` and ``Text`` (never markup); every row is fitted to the width (long
text cut with "…", never sliced). The screen (build_detail.py) only puts these into its widgets.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from rich.text import Text

from ..api.models import Build
from ..clock import today
from ..format import bar, date, output_name, qty
from ..rules.status import StockStatus
from ..state import Store
from ..state.build_detail import BuildDetailModel
from ..widgets.fit import Row, fit, fit_rows, join_fitting
from ..widgets.keyed_table import Cells
from ..widgets.safe import clean, clean_lines

TABS = ["tab-lines", "tab-pick", "tab-outputs", "tab-children", "tab-notes"]
#: what a refresh re-reads while a tab is visible (the header always)
TAB_PARTS = {
    "tab-lines": ("build", "lines"),
    "tab-pick": ("build", "lines"),
    "tab-outputs": ("build", "outputs"),
    "tab-children": ("build", "children"),
    "tab-notes": ("build",),
}
OUTPUT_ACTIONS = {"new_output", "complete_outputs", "scrap_outputs", "delete_outputs"}
ALLOC_ACTIONS = {
    "allocate",
    "auto_allocate",
    "unallocate",
    "unallocate_all",
    "consume",
    "edit_allocation",
    "mark_line",
    "scan_session",
}

#: what the footer offers on each tab, most important first: (key, as printed, label, action checked). At 80
#: columns it shows as many as fit after "? Help"; every key is in the help screen (?) and the palette.
_STATE_KEYS = [
    ("i", "i", "Issue", "issue"),
    ("F", "F", "Finish", "finish"),
    ("h", "h", "Hold", "hold"),
    ("C", "C", "Cancel", "cancel_build"),
]
_LAST_KEYS = [("1", "1-5", "Tabs", "tab"), ("escape", "Esc", "Back", "back")]
FOOTER_PLAN: dict[str, list[tuple[str, str, str, str]]] = {
    "tab-lines": [
        ("a", "a", "Alloc", "allocate"),
        ("i", "i", "Issue", "issue"),
        ("A", "A", "Auto", "auto_allocate"),
        ("s", "s", "Session", "scan_session"),
        ("u", "u", "Unalloc", "unallocate"),
        ("e", "e", "Edit", "edit_allocation"),
        ("x", "x", "Consume", "consume"),
        ("v", "v", "Mark", "mark_line"),
        *[k for k in _STATE_KEYS if k[0] != "i"],
        ("n", "n", "Needed", "toggle_needed"),
        *_LAST_KEYS,
    ],
    "tab-pick": [
        ("k", "k", "Kit", "kit"),
        ("v", "v", "Mark", "mark_line"),
        ("u", "u", "Unalloc", "unallocate"),
        ("e", "e", "Edit", "edit_allocation"),
        ("x", "x", "Consume", "consume"),
        *_STATE_KEYS,
        *_LAST_KEYS,
    ],
    "tab-outputs": [
        ("N", "N", "New", "new_output"),
        ("c", "c", "Complete", "complete_outputs"),
        ("S", "S", "Scrap", "scrap_outputs"),
        ("D", "D", "Delete", "delete_outputs"),
        ("a", "a", "Alloc", "allocate"),
        *_STATE_KEYS,
        *_LAST_KEYS,
    ],
    "tab-children": [("enter", "Enter", "Open", "tab"), *_STATE_KEYS, *_LAST_KEYS],
    "tab-notes": [*_STATE_KEYS, *_LAST_KEYS],
}

PICK_COLUMNS = [("loc", "Location"), ("part", "Part"), ("lot", "Serial/batch"), ("qty", "Qty"), ("line", "For")]
OUTPUT_COLUMNS = [
    ("state", "State"),
    ("out", "Output"),
    ("qty", "Qty"),
    ("loc", "Location"),
    ("status", "Status"),
]
CHILD_COLUMNS = [("rel", " "), ("ref", "Reference"), ("part", "Part"), ("progress", "Progress"), ("status", "Status")]


#: the sign before each line (first column), as the help screen explains it (``LEGEND``)
LINE_MARKS = {
    "collapsed": "▸",
    "expanded": "▾",
    "full": "✓",
    "over": "+",
    "marked": "●",
    "pending": "…",
}
SHORT = " (short)"  # after "building" on an output still missing tracked stock
#: what the signs on the build screen mean: the help screen lists these after the keys
LEGEND = [
    (f"{LINE_MARKS['collapsed']} {LINE_MARKS['expanded']}", "Line needs stock; Space: show (▾)/hide allocations"),
    (LINE_MARKS["full"], "Line fully allocated (consumable lines always)"),
    (LINE_MARKS["over"], "Line over-allocated: more than it still needs"),
    (LINE_MARKS["marked"], "Line marked with v; a allocates all marked lines"),
    (LINE_MARKS["pending"], "The server is still changing this line or output"),
    ("O C T", "Flags: Optional, Consumable (no stock), Tracked"),
    ("195*", "Avail includes substitute or variant stock"),
    (SHORT.strip(), "Output still missing tracked stock allocated to it"),
    ("OVERDUE", "Header: the target date has passed"),
]


def line_columns(compact: bool) -> list[tuple[str, str]]:
    columns = [
        ("tick", " "),
        ("part", "Part"),
        ("req", "Req"),
        ("alloc", "Alloc"),
        ("cons", "Used"),
        ("avail", "Avail"),
        ("bar", "Progress"),
        ("flags", "Flags"),
    ]
    if not compact:
        columns[2:2] = [("ref", "BOM ref")]
        columns += [("order", "On order"), ("prod", "In prod")]
    return columns


def notes_text(notes: str | None) -> str:
    """The Notes tab: the build's notes line by line (InvenTree keeps Markdown; shown as typed)."""
    shown = clean_lines(notes).strip("\n")
    return shown if shown.strip() else "(no notes)"


@dataclass
class View:
    """What the operator chose to see, beside the data: which lines are expanded or marked, only lines needing
    stock, and the width to fit."""

    width: int
    expanded: set[int] = field(default_factory=set)
    marked: set[int] = field(default_factory=set)
    only_needed: bool = False


def header(
    model: BuildDetailModel, view: View, parent: Build | None, status_style: Callable[[str | None], str], warning: str
) -> Text:
    """Reference, status, part and title on one line; then the figures; then where from and to."""
    b = model.build
    assert b is not None
    store = model.store
    code = store.status_code(b.status_key)
    label = code.label if code else (b.status_text or str(b.status))
    part = b.part_detail.label if b.part_detail else (b.part_name or "")
    overdue = b.overdue_on(today())
    width = max(view.width - 2, 20)  # the header spans the screen, less its padding
    first = Text(no_wrap=True)
    first.append(fit(clean(b.reference), 40), "bold")
    first.append("  ")
    first.append(f" {fit(clean(label), 20)} ", status_style(code.color if code else None) + " reverse")
    first.append(f"  {clean(part)}")
    if b.title:
        first.append(f" — {clean(b.title)}")
    first.truncate(width, overflow="ellipsis")  # one line, however long the part or title: cut with …
    t = Text(no_wrap=False)
    t.append_text(first)
    t.append("\n")
    target = Text(date(b.target_date) + (" OVERDUE" if overdue else ""), f"bold {warning}" if overdue else "")
    facts = [
        Text(f"Qty {qty(b.quantity)}"),
        Text(f"done {qty(b.completed)}"),
        Text(f"left {qty(b.remaining)} ") + Text(bar(b.completed, b.quantity, 10)),
    ]
    if b.start_date:
        facts.append(Text(f"start {date(b.start_date)}"))
    facts.append(Text("target ") + target)
    if b.priority:  # 0 is InvenTree's default: said only when someone set one
        facts.append(Text(f"priority {b.priority}"))
    t.append_text(join_fitting(facts, width))
    t.append("\n")
    source = clean(store.location_name(b.take_from) if b.take_from else "anywhere")
    where = [
        Text(fit(f"From {source} → to {clean(store.location_name(b.destination))}", width)),
        Text(fit(f"batch {clean(b.batch or '-')}", width)),
        Text(fit(f"responsible {clean(b.responsible_detail.name if b.responsible_detail else '-')}", width)),
    ]
    if b.parent:
        where.append(
            Text(
                f"parent {fit(clean(parent.reference), 24)}"
                if parent and parent.pk == b.parent
                else f"parent build #{b.parent}"
            )
        )
    if view.only_needed:
        where.append(Text("showing only lines needing stock", "italic"))
    t.append_text(join_fitting(where, width))
    for running in model.running:  # changes the server accepted and is still carrying out
        t.append("\n")
        t.append(f"Server still working: {running.describe()}", "bold reverse")
    return t


def line_rows(model: BuildDetailModel, view: View, columns: list[tuple[str, str]]) -> list[tuple[str, Cells]]:
    """A row per line, with its allocations under it when expanded; the part takes what the figures leave."""
    rows: list[Row] = []
    for ln in model.lines:
        if view.only_needed and ln.fully_allocated:
            continue
        flags = ("O" if ln.optional else "") + ("C" if ln.consumable else "") + ("T" if ln.trackable else "")
        tick = LINE_MARKS["expanded" if ln.pk in view.expanded else "collapsed"]
        if ln.fully_allocated:
            tick = LINE_MARKS["over" if ln.over_allocated else "full"]  # "+" says it without colour
        if ln.pk in view.marked:
            tick = LINE_MARKS["marked"]
        if model.pending(f"l{ln.pk}") is not None:
            tick = LINE_MARKS["pending"]  # the server is still changing this line (auto-allocating, consuming)
        avail_txt = qty(ln.available_total)
        if ln.available_substitute_stock or ln.available_variant_stock:
            avail_txt += "*"
        rows.append(
            (
                f"l{ln.pk}",
                {
                    "tick": (tick, "bold"),
                    "part": (clean(ln.part_label), ""),
                    "ref": (clean(ln.reference or ""), ""),
                    "req": (qty(ln.quantity), ""),
                    "alloc": (qty(ln.allocated), "bold" if ln.over_allocated else ""),
                    "cons": (qty(ln.consumed), ""),
                    "avail": (avail_txt, ""),
                    "bar": (bar(ln.allocated + ln.consumed, ln.quantity, 6), ""),
                    "flags": (flags, ""),
                    "order": (qty(ln.on_order), ""),
                    "prod": (qty(ln.in_production), ""),
                },
            )
        )
        if ln.pk in view.expanded:
            for a in ln.allocations or []:
                src = a.stock_item_detail.label if a.stock_item_detail else f"item {a.stock_item}"
                where = a.location_detail.path if a.location_detail else "-"
                out = f" → output {output_called(model, a.install_into)}" if a.install_into else ""
                sub = {key: ("", "") for key, _ in columns}
                sub["part"] = (clean(f"  └ {src} @ {where}{out}"), "")
                sub["alloc"] = (qty(a.quantity), "")
                rows.append((f"a{a.pk}", sub))
    return fit_rows(columns, rows, view.width, {"part": 1}, minimum=12, limits={"ref": 16})


def output_called(model: BuildDetailModel, pk: int) -> str:
    """Output ``pk`` by its name (``format.output_name``); "item <pk>" when it is not among the build's."""
    found = next((o for o in model.outputs if o.pk == pk), None)
    return output_name(found) if found is not None else f"item {pk}"


def line_groups(model: BuildDetailModel) -> dict[str, str]:
    """Each allocation row's line row: when an allocation goes, the cursor stays with its line."""
    return {f"a{a.pk}": f"l{ln.pk}" for ln in model.lines for a in ln.allocations or []}


def pick_rows(model: BuildDetailModel, view: View) -> list[tuple[str, Cells]]:
    """Every allocation by location, then part: the route through the stores."""
    items = []
    for ln in model.lines:
        for a in ln.allocations or []:
            where = a.location_detail.path if a.location_detail else "(no location)"
            items.append((where, ln, a))
    items.sort(key=lambda x: (x[0], x[1].part_label))
    rows: list[Row] = []
    last = None
    for where, ln, a in items:
        s = a.stock_item_detail
        lot = (f"#{s.serial}" if s.serial else (s.batch or "")) if s else ""
        # the part on the shelf: a variant or substitute, when that is what was allocated (its label is the one
        # to look for), else the line's part
        shelf = a.part_detail or (s.part_detail if s is not None else None)
        part = shelf.label if shelf is not None else ln.part_label
        rows.append(
            (
                f"a{a.pk}",
                {
                    "loc": (clean(where) if where != last else "", "bold"),
                    "part": (("● " if ln.pk in view.marked else "") + clean(part), ""),
                    "lot": (clean(lot), ""),
                    "qty": (qty(a.quantity), ""),
                    "line": (clean(ln.reference or ""), ""),
                },
            )
        )
        last = where
    return fit_rows(PICK_COLUMNS, rows, view.width, {"loc": 40, "part": 45, "line": 15}, minimum=4)


def output_rows(model: BuildDetailModel, view: View) -> list[tuple[str, Cells]]:
    """Outputs in production first; one the server is still completing reads "completing…"."""
    rows: list[Row] = []
    for o in sorted(model.outputs, key=lambda o: (not o.is_building, o.pk)):
        state = "building" if o.is_building else ("scrapped" if o.status == StockStatus.REJECTED else "complete")
        if o.is_building and model.output_unallocated(o):
            state += SHORT
        running = model.pending(f"o{o.pk}") if o.is_building else None
        if running is not None:  # "completing…": the server has it in hand
            state = (running.write.pending.split(" ")[0] or "pending") + "…"
        rows.append(
            (
                f"o{o.pk}",
                {
                    "state": (state, ""),
                    "out": (clean(output_name(o)), ""),
                    "qty": (qty(o.quantity), ""),
                    "loc": (clean(o.location_detail.path if o.location_detail else "-"), ""),
                    "status": (clean(o.status_text or ""), ""),
                },
            )
        )
    return fit_rows(OUTPUT_COLUMNS, rows, view.width, {"out": 40, "loc": 60}, limits={"status": 14})


def child_rows(model: BuildDetailModel, view: View, parent: Build | None, store: Store) -> list[tuple[str, Cells]]:
    """The parent (when there is one) first, then the child builds; Enter opens the one selected."""
    rows: list[Row] = []
    builds = ([("↑ parent", parent)] if parent is not None else []) + [("", c) for c in model.children]
    for rel, c in builds:
        code = store.status_code(c.status_key)
        label = code.label if code else (c.status_text or "")
        rows.append(
            (
                f"b{c.pk}",
                {
                    "rel": (rel, "italic"),
                    "ref": (clean(c.reference), "bold"),
                    "part": (clean(c.part_detail.label if c.part_detail else ""), ""),
                    "progress": (f"{bar(c.completed, c.quantity, 6)} {qty(c.completed)}/{qty(c.quantity)}", ""),
                    "status": (clean(label), ""),
                },
            )
        )
    return fit_rows(CHILD_COLUMNS, rows, view.width, {"part": 1}, limits={"status": 14})
