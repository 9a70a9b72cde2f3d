"""What InvenTree's auto-allocation did, and why each line it left short stayed short (no Textual, no I/O)."""

from __future__ import annotations

from decimal import Decimal

from ..api.models import BuildLine
from ..format import qty


def auto_summary(before: dict[int, Decimal], after: list[BuildLine], *, optional: bool, interchangeable: bool) -> str:
    added = [(ln, ln.allocated - before.get(ln.pk, Decimal(0))) for ln in after]
    got = [f"  + {qty(d)} {ln.part_label}" for ln, d in added if d > 0]
    short = []
    for ln in after:
        if ln.fully_allocated:
            continue
        if ln.trackable:
            why = "tracked part: allocate to each output (scan or pick)"
        elif ln.optional and not optional:
            why = "optional line: not included"
        elif ln.available_total <= 0:
            # all there was is allocated now (to this build or others): say how much is still missing
            why = (
                f"no more stock available: short by {qty(ln.still_needed)}"
                if ln.allocated > 0
                else "no stock available"
            )
        elif not interchangeable:
            why = "several stock items could be used: allow interchangeable stock"
        else:
            why = f"not enough stock: short by {qty(ln.still_needed)}"
        short.append(f"  - {ln.part_label}: {why}")
    if got:
        head = f"Auto-allocation allocated {len(got)} line(s)."
    elif short:
        head = "Auto-allocation allocated nothing."
    elif after and all(ln.consumable for ln in after):
        head = "Auto-allocation allocated nothing: this build's lines are all consumables, which are not allocated."
    else:
        head = "Auto-allocation allocated nothing: every line has what it needs already."
    body = [head, *got]
    if short:
        body += ["Still short:", *short]
    return "\n".join(body)
