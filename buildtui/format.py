"""Formatting numbers, dates and progress for the terminal (no Textual here)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .api.models import StockItem

BAR_FULL = "█"
BAR_EMPTY = "░"


def qty(value: Decimal | int | float | None) -> str:
    if value is None:
        return "-"
    d = Decimal(str(value))
    if d == d.to_integral_value():
        return f"{int(d):,}"
    text = format(d.normalize(), "f")
    return text


def bar(done: Decimal, total: Decimal, width: int = 8) -> str:
    if total <= 0:
        fraction = Decimal(1) if done > 0 else Decimal(0)
    else:
        fraction = min(max(done / total, Decimal(0)), Decimal(1))
    filled = int((fraction * width).to_integral_value(rounding="ROUND_FLOOR"))
    return BAR_FULL * filled + BAR_EMPTY * (width - filled)


def date(value: dt.date | None) -> str:
    return value.isoformat() if value else "-"


def output_name(output: StockItem) -> str:
    """A build output as named everywhere (tables, dialogs, messages): "serial 1004", "batch LOT-9", or, with
    neither, "item 156" (the stock item's number: never in the "#…" notation of a serial, which it is not)."""
    if output.serial:
        return f"serial {output.serial}"
    if output.batch:
        return f"batch {output.batch}"
    return f"item {output.pk}"


def ago(seconds: float | None) -> str:
    """Coarse on purpose: the label changes rarely, so idle screens send almost nothing over SSH."""
    if seconds is None:
        return "never"
    if seconds < 10:
        return "just now"
    if seconds < 60:
        return f"{int(seconds // 10) * 10} s ago"
    if seconds < 3600:
        return f"{int(seconds // 60)} min ago"
    return f"{int(seconds // 3600)} h ago"
