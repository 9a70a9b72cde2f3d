"""A scan session on one build: every scan allocates, with nothing to press between scans; the session keeps
each scan's outcome (each allocation undoable on its own), a running tally per line, and a summary at the end.

The allocation itself is the ordinary scan path (state/scan.py resolves, the build screen allocates); this
module only remembers what the session did. The tally's "still needed" is the server's own figure, read after
each scan, so what the tally says is what the server has. No Textual here.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from ..api.models import BuildLine
from ..format import qty
from .scan import ScanAllocation, ScanRefused, undo
from .store import Store

ZERO = Decimal(0)


@dataclass
class SessionScan:
    """One scan of the session and what became of it."""

    number: int
    at: str
    code: str
    outcome: str
    ok: bool
    allocation: ScanAllocation | None = None
    undone: bool = False

    @property
    def undoable(self) -> bool:
        return self.allocation is not None and not self.undone


@dataclass(frozen=True)
class LineTally:
    """One line as the session sees it: how many scans went to it and what they allocated (net of undos), and
    what the line still needs on the server."""

    line: int
    label: str
    reference: str
    scans: int
    allocated: Decimal
    still_needed: Decimal
    required: Decimal


@dataclass(frozen=True)
class Summary:
    scans: int
    allocated: int
    refused: int
    undone: int
    lines: tuple[LineTally, ...]  # the lines the session allocated to (net of undos), in BOM order
    refusals: tuple[SessionScan, ...] = ()
    undos: tuple[SessionScan, ...] = ()

    def text(self) -> str:
        """The summary in an operator's words, one fact per line."""
        out = [f"{self.scans} scan(s): {self.allocated} allocated, {self.refused} refused, {self.undone} undone."]
        if self.lines:
            out.append("Allocated by this session:")
            out += [
                f"• {t.label}{f' ({t.reference})' if t.reference else ''}: {qty(t.allocated)}"
                + (f", still needs {qty(t.still_needed)}" if t.still_needed > 0 else ", nothing more needed")
                for t in self.lines
            ]
        else:
            out.append("Nothing stays allocated from this session.")
        if self.refusals:
            out.append("Refused:")
            out += [f"• {s.number} {s.code}: {s.outcome}" for s in self.refusals]
        if self.undos:
            out.append("Undone: " + ", ".join(f"{s.number} {s.code}" for s in self.undos))
        return "\n".join(out)


@dataclass
class ScanSession:
    """What one session on build ``build`` scanned, in order."""

    build: int
    scans: list[SessionScan] = field(default_factory=list)

    def record(self, code: str, outcome: str, ok: bool, allocation: ScanAllocation | None = None) -> SessionScan:
        entry = SessionScan(len(self.scans) + 1, dt.datetime.now().strftime("%H:%M:%S"), code, outcome, ok, allocation)
        self.scans.append(entry)
        return entry

    def entry(self, number: int) -> SessionScan | None:
        return next((s for s in self.scans if s.number == number), None)

    def last_undoable(self) -> SessionScan | None:
        return next((s for s in reversed(self.scans) if s.undoable), None)

    def allocated_to(self, line: int) -> Decimal:
        """What the session's scans allocated to ``line`` and still stands (undone scans left out)."""
        return sum(
            (s.allocation.quantity for s in self.scans if s.undoable and s.allocation and s.allocation.line == line),
            ZERO,
        )

    def scans_to(self, line: int) -> int:
        return sum(1 for s in self.scans if s.allocation is not None and s.allocation.line == line)

    def tally(self, lines: Sequence[BuildLine]) -> list[LineTally]:
        """Every line that takes stock (consumables take none), in BOM order."""
        return [
            LineTally(
                ln.pk,
                ln.part_label,
                ln.reference or "",
                self.scans_to(ln.pk),
                self.allocated_to(ln.pk),
                ln.still_needed,
                ln.quantity,
            )
            for ln in lines
            if not ln.consumable
        ]

    def summary(self, lines: Sequence[BuildLine]) -> Summary:
        return Summary(
            scans=len(self.scans),
            allocated=sum(1 for s in self.scans if s.allocation is not None),
            refused=sum(1 for s in self.scans if not s.ok),
            undone=sum(1 for s in self.scans if s.undone),
            lines=tuple(t for t in self.tally(lines) if t.allocated > 0),
            refusals=tuple(s for s in self.scans if not s.ok),
            undos=tuple(s for s in self.scans if s.undone),
        )

    async def undo(self, store: Store, entry: SessionScan) -> str:
        """Take back what ``entry`` allocated, on the server (that quantity only: the line may hold more)."""
        if entry.undone:
            raise ScanRefused(f"Scan {entry.number} is undone already.")
        if entry.allocation is None:
            raise ScanRefused(f"Scan {entry.number} allocated nothing: there is nothing to undo.")
        message = await undo(store, entry.allocation)
        entry.undone = True
        return message
