"""The scan session (key s on a build): scan after scan, each allocated at once, with nothing to press between.

Each scan goes the ordinary way (scanning.py resolves it, the build screen's ``allocate_in_session`` allocates
it: detail_scan.py), and this screen keeps the outcome (``ScanWatcher``): a running tally per line (scans,
allocated by the session, still needed on the server), the list of the session's scans (each one undoable: u),
and a bell per scan, two for a refusal. Esc ends it with a summary. The session's state is
state/scan_session.py; this module shows it.
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import TYPE_CHECKING

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding

from ..api import ApiError
from ..format import qty
from ..state.scan import BuildScanned, LocationScanned, ScanAllocation, Scanned, ScanRefused, ScanReply, StockScanned
from ..state.scan_session import ScanSession, SessionScan
from ..widgets.fit import Row, fit, fit_rows
from ..widgets.keyed_table import Cells, KeyedTable
from ..widgets.quiet import FooterEntry, QuietFooter, QuietStatic
from ..widgets.safe import clean
from ..widgets.status_line import StatusLine
from .base import LiveScreen

if TYPE_CHECKING:
    from .detail_scan import DetailScans

log = logging.getLogger("buildtui.scan_session")

TALLY_COLUMNS = [
    ("part", "Line"),
    ("scans", "Scans"),
    ("alloc", "Allocated"),
    ("need", "Still needed"),
    ("req", "Required"),
]
SCAN_COLUMNS = [("n", "#"), ("mark", " "), ("code", "Code"), ("result", "Result")]
MARKS = {"ok": "✓", "refused": "✗", "undone": "↶"}
SCANS_TITLE = "Scans (u undoes the one selected)"


def tally_rows(session: ScanSession, screen: DetailScans, width: int) -> list[tuple[str, Cells]]:
    assert screen.model is not None
    rows: list[Row] = []
    for t in session.tally(screen.model.lines):
        label = t.label + (f" {t.reference}" if t.reference else "")
        rows.append(
            (
                f"l{t.line}",
                {
                    "part": (clean(label), "bold" if t.scans else ""),
                    "scans": (str(t.scans) if t.scans else "", ""),
                    "alloc": (qty(t.allocated) if t.scans else "", ""),
                    "need": (qty(t.still_needed) if t.still_needed > 0 else "✓ none", ""),
                    "req": (qty(t.required), ""),
                },
            )
        )
    return fit_rows(TALLY_COLUMNS, rows, width, {"part": 1}, minimum=12)


def scan_rows(session: ScanSession, width: int, undoing: set[int]) -> list[tuple[str, Cells]]:
    rows: list[Row] = []
    for s in session.scans:
        mark, style = MARKS["ok"], ""
        result = s.outcome
        if not s.ok:
            mark, style = MARKS["refused"], "bold"
        elif s.undone:
            mark, result = MARKS["undone"], "undone: " + s.outcome
        elif s.number in undoing:
            result = "undoing… " + s.outcome
        rows.append(
            (
                str(s.number),
                {"n": (str(s.number), ""), "mark": (mark, "bold"), "code": (s.code, ""), "result": (result, style)},
            )
        )
    return fit_rows(SCAN_COLUMNS, rows, width, {"result": 3, "code": 1}, minimum=8, limits={"n": 4})


class ScanSessionScreen(LiveScreen):
    """Scan after scan on one build. Dismissed with the summary (a few lines) when the operator ends it."""

    SCAN_BELLS = (1, 2)  # scanning.py ScanWatcher: once for a scan carried out, twice for a refusal
    BINDINGS = [
        Binding("escape", "end", "End session"),
        Binding("u,delete", "undo_selected", "Undo the selected scan"),
        Binding("ctrl+z", "undo_last", "Undo the last scan"),
    ]

    def __init__(self, detail: DetailScans) -> None:
        super().__init__()
        self.detail = detail
        self.session = ScanSession(detail.pk)
        self.undoing: set[int] = set()  # scans whose undo is in flight
        self.ending = False
        #: the summary, once the operator has ended the session
        self.summary: str | None = None
        #: what an undo said, shown under the list until the next scan
        self.said: Text | None = None

    @property
    def pk(self) -> int:
        return self.detail.pk

    def compose(self) -> ComposeResult:
        yield QuietStatic("", id="session-header")
        yield QuietStatic("Tally per line", classes="session-title")
        yield KeyedTable(id="session-tally")
        yield QuietStatic(SCANS_TITLE, id="session-scans-title", classes="session-title")
        yield KeyedTable(id="session-scans")
        yield QuietStatic("", id="session-last")
        yield StatusLine(self.tui.store, self.tui.server_label, has_data=self.has_data, id="status-line")
        yield QuietFooter()

    def on_mount(self) -> None:
        super().on_mount()
        self._last_answer = time.monotonic()  # the build screen has just read it: the first poll waits its turn
        tally = self.query_one("#session-tally", KeyedTable)
        tally.can_focus = False
        tally.set_columns(TALLY_COLUMNS)
        # the result takes what the width leaves (fit_rows cuts it), not the tables' usual 50-cell cap
        self.query_one("#session-scans", KeyedTable).set_columns(SCAN_COLUMNS, caps={"result": 1000})
        self.query_one("#session-scans").focus()
        self._paint()
        self.set_interval(0.25, self._show_waiting)

    def _show_waiting(self) -> None:
        """Scans read while the server answers the one before wait their turn: say how many."""
        waiting = self.tui.scans.in_flight
        title = f"{SCANS_TITLE} · {waiting} scan(s) being handled…" if waiting else SCANS_TITLE
        self.query_one("#session-scans-title", QuietStatic).show(title)

    # -- LiveScreen: the session shows the build screen's model, read through that screen -----------------
    def has_data(self) -> bool:
        return self.detail.has_data()

    async def read(self, parts: set[str]) -> bool:
        answered = await self.detail.fresh(*parts)
        self.query_one(StatusLine).tick()
        self._paint()
        return answered

    def poll_parts(self) -> set[str]:
        return {"build", "lines"}

    def update_columns(self) -> None:
        self._paint()

    # -- what is shown ----------------------------------------------------------------------------
    def _header(self) -> str:
        model = self.detail.model
        assert model is not None and model.build is not None
        b = model.build
        part = b.part_detail.label if b.part_detail else f"part {b.part}"
        head = f"SCAN SESSION · {b.reference} · {part} × {qty(b.quantity)}"
        outputs = model.incomplete_outputs
        selected = self.detail.selected_output()
        if any(ln.trackable for ln in model.lines):
            if selected is not None and selected.is_building:
                head += f" · tracked parts go to output {selected.serial or selected.pk}"
            elif len(outputs) == 1:
                head += f" · tracked parts go to output {outputs[0].serial or outputs[0].pk}"
        return clean(head) + "\nScan stock: every scan allocates · u undoes the selected scan · Esc ends"

    def _paint(self) -> None:
        if not self.is_mounted or not self.has_data():
            return
        width = self.size.width or self.app.size.width
        self.query_one("#session-header", QuietStatic).show(self._header())
        self.query_one("#session-tally", KeyedTable).sync(tally_rows(self.session, self.detail, width))
        scans = self.query_one("#session-scans", KeyedTable)
        following = scans.current_key is None or scans.cursor_row >= scans.row_count - 1
        scans.sync(scan_rows(self.session, width, self.undoing))
        if following and scans.row_count:
            scans.move_cursor(row=scans.row_count - 1, animate=False)
        last = self.session.scans[-1] if self.session.scans else None
        shown = self.said if self.said is not None else self._last_text(last, width)
        self.query_one("#session-last", QuietStatic).show(shown)

    def _last_text(self, last: SessionScan | None, width: int) -> Text:
        if last is None:
            return Text("No scans yet: scan the first item.", style="italic")
        mark = MARKS["ok"] if last.ok else MARKS["refused"]
        text = Text(fit(f"{mark} {last.number} {last.code}: {last.outcome}", (width - 2) * 2))
        if not last.ok:
            text.stylize("bold")
        return text

    def footer_keys(self) -> list[FooterEntry]:
        keys: list[FooterEntry] = [("question_mark", "?", "Help"), ("escape", "Esc", "End session")]
        if any(s.undoable for s in self.session.scans):
            keys += [("u", "u", "Undo selected"), ("ctrl+z", "^z", "Undo last")]
        return keys

    # -- scans (scanning.py) ------------------------------------------------------------------------
    async def take_scan(self, scanned: Scanned) -> ScanReply | None:
        """Stock is allocated (never a question: detail_scan.py ``allocate_in_session``); anything else is
        refused with the reason, so that the list says what each scan did."""
        if isinstance(scanned, StockScanned):
            return await self.detail.allocate_in_session(scanned)
        if isinstance(scanned, BuildScanned):
            if scanned.pk == self.pk:
                return ScanReply(f"{clean(scanned.reference)} is this session's build.")
            raise ScanRefused(f"Scanned {clean(scanned.reference)}: end the session (Esc) to open another build.")
        if isinstance(scanned, LocationScanned):
            raise ScanRefused(f"Scanned location {clean(scanned.name)}: a session allocates stock items only.")
        raise ScanRefused("Not a stock item: a session allocates stock items only.")

    def scan_finished(self, code: str, message: str, ok: bool, allocation: ScanAllocation | None) -> None:
        self.session.record(code, message, ok, allocation)
        self.said = None  # the line under the list shows this scan now
        self._paint()
        if allocation is not None:
            self.query_one("#session-tally", KeyedTable).select_key(f"l{allocation.line}")
        self.call_later(self._scan_done)

    def _scan_done(self) -> None:
        """Once the scan's handling has ended (just after this is told): how many still wait, the undo keys
        (which wait for it) and the status line, at once rather than at their next tick."""
        self._show_waiting()
        self.refresh_bindings()
        self.query_one(StatusLine).tick()  # the build was read again after the allocation: no longer "updating…"

    # -- undo -------------------------------------------------------------------------------------
    def _selected(self) -> SessionScan | None:
        key = self.query_one("#session-scans", KeyedTable).current_key
        return self.session.entry(int(key)) if key else None

    def _tell(self, message: str) -> None:
        """A sentence under the list (where the last scan's result is), until the next scan."""
        self.said = Text(message)
        self._paint()

    def action_undo_selected(self) -> None:
        entry = self._selected()
        if entry is None:
            self._tell("No scan selected: there is nothing to undo yet.")
            return
        self._start_undo(entry)

    def action_undo_last(self) -> None:
        entry = self.session.last_undoable()
        if entry is None:
            self._tell("No scan of this session is left to undo.")
            return
        self._start_undo(entry)

    def _start_undo(self, entry: SessionScan) -> None:
        if not entry.undoable:
            why = "was refused: it allocated nothing" if not entry.ok else "allocated nothing"
            self._tell(f"Scan {entry.number} {'is undone already' if entry.undone else why}.")
            return
        if entry.number in self.undoing or self.ending:
            return  # its undo is on its way: never twice
        self.undoing.add(entry.number)
        self._paint()
        self._undo(entry)

    @work(group="session-undo", exit_on_error=False)
    async def _undo(self, entry: SessionScan) -> None:
        scans = self.tui.scans
        try:
            message = await scans.in_turn(lambda: self.session.undo(self.tui.store, entry))
        except (ScanRefused, ApiError) as exc:
            self.said = Text(f"{MARKS['refused']} Scan {entry.number} not undone: {clean(exc)}", style="bold")
            scans.ring(1)
        except Exception:  # noqa: BLE001 - a bug: logged, told in a sentence, the session goes on
            log.exception("undoing scan %s failed", entry.number)
            self.tui.unexpected("undo this scan")
        else:
            assert entry.allocation is not None
            scans.forget(entry.allocation)
            self.said = Text(f"{MARKS['undone']} Scan {entry.number}: {message}")
        finally:
            self.undoing.discard(entry.number)
        await self.detail.fresh("lines")
        self._paint()
        self.refresh_bindings()

    # -- the end ------------------------------------------------------------------------------------
    def action_end(self) -> None:
        if self.ending:
            return
        self.ending = True
        self._end()

    @work(group="session-end", exit_on_error=False)
    async def _end(self) -> None:
        """Once the scans received and the undos asked for are done: the summary (the build screen shows it)."""
        if self.tui.scans.in_flight or self.undoing:
            self.query_one("#session-last", QuietStatic).show(Text("Ending: waiting for the last scan…"))
        await self.tui.scans.idle()
        while self.undoing:
            await asyncio.sleep(0.05)
        model = self.detail.model
        assert model is not None
        self.summary = self.session.summary(model.lines).text()
        self.dismiss()
