"""Telling a keyboard-wedge barcode scanner from a person: no Textual here.

A scanner "types" a code as a burst of printable keys, each arriving within a
few milliseconds of the last, and ends it with Enter (or Tab). The app holds
printable keys while they keep arriving within ``gap`` seconds; a burst of at
least ``min_length`` keys ended by Enter is a scan, anything else is replayed
to the screen unchanged, so typing and one-letter shortcuts keep working.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Generic, TypeVar

E = TypeVar("E")

TERMINATORS = ("enter", "tab")


@dataclass
class ScanDetector(Generic[E]):
    gap: float = 0.03
    min_length: int = 4
    clock: Callable[[], float] | None = None
    held: list[tuple[E, str]] = field(default_factory=list)
    last: float = 0.0

    @property
    def enabled(self) -> bool:
        return self.gap > 0

    def stale(self, now: float) -> bool:
        """The held keys are too old to belong to the key arriving now: replay them first."""
        return bool(self.held) and now - self.last > self.gap

    def hold(self, event: E, character: str, now: float) -> None:
        self.held.append((event, character))
        self.last = now

    def is_scan(self, now: float) -> bool:
        return len(self.held) >= self.min_length and now - self.last <= self.gap

    def take(self) -> list[E]:
        events = [e for e, _ in self.held]
        self.held = []
        return events

    def take_code(self) -> str:
        code = "".join(ch for _, ch in self.held)
        self.held = []
        return code


def holdable(character: str | None) -> bool:
    """A key a scanner could have typed as part of a code."""
    return character is not None and len(character) == 1 and character.isprintable()
