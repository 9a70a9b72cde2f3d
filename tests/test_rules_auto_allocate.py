"""The auto-allocation summary without a UI: what was allocated, and why each short line stayed short."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from buildtui.api.models import BuildLine, PartBrief
from buildtui.rules.auto_allocate import auto_summary


def line(pk: int, name: str, quantity: int, allocated: int, **kw: Any) -> BuildLine:
    return BuildLine(
        pk=pk,
        build=1,
        bom_item=pk,
        part=pk,
        part_detail=PartBrief(pk=pk, name=name),
        quantity=Decimal(quantity),
        allocated=Decimal(allocated),
        **kw,
    )


def test_summary_names_each_short_line_and_why() -> None:
    """After auto-allocation the summary lists what was allocated and each line still short, with why."""
    before = {1: Decimal(0), 2: Decimal(0), 3: Decimal(0), 4: Decimal(0), 5: Decimal(0)}
    after = [
        line(1, "Resistor", 10, 10),
        line(2, "Sensor", 8, 0, trackable=True),
        line(3, "LED", 5, 0, optional=True, available_stock=Decimal(9)),
        line(4, "Gasket", 6, 0),
        line(5, "Screw", 20, 12, available_stock=Decimal(12)),
    ]
    text = auto_summary(before, after, optional=False, interchangeable=True)
    assert text.splitlines() == [
        "Auto-allocation allocated 2 line(s).",
        "  + 10 Resistor",
        "  + 12 Screw",
        "Still short:",
        "  - Sensor: tracked part: allocate to each output (scan or pick)",
        "  - LED: optional line: not included",
        "  - Gasket: no stock available",
        "  - Screw: not enough stock: short by 8",
    ]


def test_nothing_allocated_says_why() -> None:
    """Auto-allocation that allocated nothing says why when no line is short: every line has its stock, or
    the lines are all consumables (which are not allocated)."""
    assert auto_summary({}, [], optional=False, interchangeable=True) == (
        "Auto-allocation allocated nothing: every line has what it needs already."
    )
    glue = line(1, "Glue", 5, 0, consumable=True)
    assert auto_summary({1: Decimal(0)}, [glue], optional=False, interchangeable=True) == (
        "Auto-allocation allocated nothing: this build's lines are all consumables, which are not allocated."
    )


def test_a_line_that_took_all_the_stock_says_how_short_it_is() -> None:
    """A line that got all the stock there was (24 of 60) says it is short by 36, not "no stock available"."""
    pcb = line(1, "PCB", 60, 24, available_stock=Decimal(0))
    text = auto_summary({1: Decimal(0)}, [pcb], optional=False, interchangeable=True)
    assert text.splitlines()[-1] == "  - PCB: no more stock available: short by 36"
