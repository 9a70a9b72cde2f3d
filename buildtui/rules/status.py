"""InvenTree's build and stock states, and what each build state allows (build/status_codes.py).

A build's ``status`` is always one of InvenTree's own states; a custom state (``status_custom_key``, e.g. the
demo's "Awaiting QA") is shown by its label but behaves as its logical state, which ``status`` holds.
No Textual, no I/O.
"""

from __future__ import annotations

from enum import IntEnum


class BuildStatus(IntEnum):
    PENDING = 10
    PRODUCTION = 20
    ON_HOLD = 25
    CANCELLED = 30
    COMPLETE = 40

    @classmethod
    def of(cls, value: int) -> BuildStatus | None:
        try:
            return cls(value)
        except ValueError:
            return None

    @property
    def active(self) -> bool:
        """Still to be built: stock may be allocated and outputs made."""
        return self in (BuildStatus.PENDING, BuildStatus.PRODUCTION, BuildStatus.ON_HOLD)

    @property
    def can_issue(self) -> bool:
        return self in (BuildStatus.PENDING, BuildStatus.ON_HOLD)

    @property
    def can_hold(self) -> bool:
        return self in (BuildStatus.PENDING, BuildStatus.PRODUCTION)

    @property
    def can_finish(self) -> bool:
        return self is BuildStatus.PRODUCTION


class StockStatus(IntEnum):
    OK = 10
    ATTENTION = 50
    DAMAGED = 55
    DESTROYED = 60
    REJECTED = 65  # what scrapping an output sets
    LOST = 70
    QUARANTINED = 75
    RETURNED = 85
