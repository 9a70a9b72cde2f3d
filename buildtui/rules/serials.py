"""InvenTree's serial-number expressions, exactly as the server reads them (create-output's ``serial_numbers``).

From docs/inventree-scanning-semantics.md §6.1 (InvenTree/helpers.py ``extract_serial_numbers``), surprises
included: ``10+3`` is four serials; when the number of groups equals the quantity every group is taken
literally, so ``1-5`` with quantity 1 is the one serial "1-5"; with no serials yet, the first ``~`` is "2".
The client uses this to show, as the operator types, which serials the server will make; the server's own
answer still decides. No Textual, no I/O.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

_Add = Callable[[str], None]
MAX_SERIALS = 1000
_TRAILING_DIGITS = re.compile(r"^(.*?)(\d+)$")


def increment(value: str) -> str:
    """The serial after ``value``: its trailing digits plus one, zero padding kept (``AB01`` -> ``AB02``,
    ``A99`` -> ``A100``); a value without trailing digits does not change (``QQQ`` -> ``QQQ``)."""
    value = value.strip()
    if not value:
        return "1"
    match = _TRAILING_DIGITS.match(value)
    if match is None:
        return value
    head, digits = match.groups()
    return head + str(int(digits) + 1).zfill(len(digits))


@dataclass
class Serials:
    """What an expression gives: the serials in order, or the server's messages (never both)."""

    serials: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


def expand(text: str, quantity: int, latest: str | None = None) -> Serials:
    """The serials ``text`` names for ``quantity`` outputs, given the part's ``latest`` serial (None: none yet)."""
    out = Serials()

    def error(message: str) -> None:
        if message not in out.errors:
            out.errors.append(message)

    def add(serial: str) -> None:
        serial = serial.strip()
        if serial in out.serials:
            error(f"Duplicate serial: {serial}")
        else:
            out.serials.append(serial)

    if quantity > MAX_SERIALS:
        return Serials(errors=[f"Cannot serialize more than {MAX_SERIALS} items at once"])
    text = text.strip()
    if not text:
        return Serials(errors=["Empty serial number string"])
    following = increment(latest or "1")
    while "~" in text:
        text = text.replace("~", following, 1)
        following = increment(following)
    groups = [g for g in re.split(r"[\s,]+", text) if g]
    if len(groups) == quantity:  # the literal shortcut: every group is one serial, as typed
        for group in groups:
            add(group)
        return _final(out, quantity, check_count=False)
    for group in groups:
        remaining = quantity - len(out.serials)
        if "-" in group:
            _range(group, remaining, quantity, add, error)
        elif "+" in group:
            _plus(group, remaining, add, error)
        else:
            add(group)
    return _final(out, quantity, check_count=True)


def _range(group: str, remaining: int, quantity: int, add: _Add, error: _Add) -> None:
    parts = group.split("-")
    if len(parts) != 2:  # two or more hyphens: the group is one serial
        add(group)
        return
    start, end = parts
    if start == end:
        error(f"Invalid group: {group}")
        return
    items = [start]
    while items[-1] != end and len(items) <= remaining:
        nxt = increment(items[-1])
        if nxt == items[-1]:  # does not increment: never reaches the end
            break
        items.append(nxt)
    if items[-1] != end or len(items) > remaining:
        error(f"Group range {group} exceeds allowed quantity ({quantity})")
        return
    for item in items:
        add(item)


def _plus(group: str, remaining: int, add: _Add, error: _Add) -> None:
    parts = group.split("+")
    if len(parts) != 2 or (parts[1] and not parts[1].isdigit()):
        error(f"Invalid group: {group}")
        return
    start, count = parts
    n = int(count) + 1 if count else remaining  # "10+3" is 10, 11, 12, 13; "5+" fills what is left
    value = start
    for _ in range(n):
        add(value)
        value = increment(value)


def _final(out: Serials, quantity: int, *, check_count: bool) -> Serials:
    if out.errors:
        return Serials(errors=out.errors)
    if not out.serials:
        return Serials(errors=["No serial numbers found"])
    if check_count and len(out.serials) != quantity:
        return Serials(errors=[f"Number of unique serial numbers ({len(out.serials)}) must match quantity "
                               f"({quantity})"])
    return out


def literal_warning(text: str, quantity: int) -> str | None:
    """Rule 6's trap, in words: as many groups as outputs, one of them a range or a count, which the server
    takes as one serial (``1-5`` for one output is the serial "1-5")."""
    groups = [g for g in re.split(r"[\s,]+", text.strip()) if g]
    if len(groups) == quantity and any("-" in g or "+" in g for g in groups):
        odd = next(g for g in groups if "-" in g or "+" in g)
        return (f"“{odd}” will be one serial, literally: with {quantity} output(s) and {len(groups)} group(s) the "
                "server reads each group as it is.")
    return None


def suggest(next_serial: str | None, quantity: int) -> str:
    """What to pre-fill for ``quantity`` outputs: ``<next>+`` fills exactly that many (§6.3), or the serial
    itself for one output."""
    start = next_serial or "1"
    return start if quantity == 1 else f"{start}+"
