"""Field helpers shared by the dialogs: quantities as typed, location choices, a list the operator marks."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING

from rich.text import Text
from textual.binding import Binding

from ..widgets.keyed_table import KeyedTable
from ..widgets.safe import clean

if TYPE_CHECKING:
    from ..state import Store

MAX_QTY = Decimal("1e9")


def parse_quantity(raw: str, *, allow_blank: bool = False) -> tuple[Decimal | None, str | None]:
    """Operator input to a positive Decimal, or a message for the field."""
    value = raw.strip()
    if not value:
        return (None, None) if allow_blank else (None, "Enter a quantity.")
    if len(value) > 20:
        return None, "That is not a quantity."
    try:
        number = Decimal(value)
    except InvalidOperation:
        return None, "Enter a number, e.g. 5 or 2.5."
    if not number.is_finite():
        return None, "Enter a number, e.g. 5 or 2.5."
    if number <= 0:
        return None, "The quantity must be greater than zero."
    if number >= MAX_QTY:
        return None, "That quantity is too large."
    return number, None


def location_options(store: Store) -> list[tuple[Text, int]]:
    return [(Text(clean(loc.path)), loc.pk) for loc in sorted(store.locations or [], key=lambda x: x.path)]


class MarkingTable(KeyedTable):
    """A dialog's list whose rows the operator marks: Space acts only while the list has the focus, so that
    a space typed in a field never marks anything."""

    BINDINGS = [Binding("space", "screen.mark", "Mark", show=False)]
