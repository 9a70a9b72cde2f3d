"""InvenTree's serial-number expressions, exactly as the server reads them (create-output's ``serial_numbers``).

From docs/inventree-scanning-semantics.md §6.1 (InvenTree/helpers.py ``extract_serial_numbers``), surprises
included: ``10+3`` is four serials; when the number of groups equals the quantity every group is taken
literally, so ``1-5`` with quantity 1 is the one serial "1-5"; with no serials yet, the first ``~`` is "2".
The client uses this to show, as the operator types, which serials the server will make; the server's own
answer still decides. No Textual, no I/O.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

MAX_SERIALS = 1000
SEQUENCE_CAP = 100_000
_TRAILING_DIGITS = re.compile(r"^(.*?)(\d+)$")


def increment(value: str | None) -> str:
    """The serial after ``value``: its trailing digits plus one, zero padding kept (``AB01`` -> ``AB02``,
    ``A99`` -> ``A100``); a value without trailing digits does not change (``QQQ`` -> ``QQQ``); none: "1"."""
    if not value:
        return "1"
    text = value.strip()
    match = _TRAILING_DIGITS.match(text)
    if match is None:
        return text
    head, digits = match.groups()
    return head + str(int(digits) + 1).zfill(len(digits))


@dataclass
class Serials:
    """What an expression gives: the serials in order, or the server's messages (never both)."""

    serials: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    uncounted: int = 0  # serials of a huge sequence counted, not listed (it can only end in "must match")
    _seen: set[str] = field(default_factory=set, repr=False, compare=False)

    @property
    def ok(self) -> bool:
        return not self.errors

    def count(self) -> int:
        return len(self.serials) + self.uncounted

    def error(self, message: str) -> None:
        if message not in self.errors:
            self.errors.append(message)

    def add(self, serial: str) -> None:
        serial = serial.strip()
        if not serial:
            return  # the server ignores blank serials
        if serial in self._seen:
            self.error(f"Duplicate serial: {serial}")
        else:
            self._seen.add(serial)
            self.serials.append(serial)


def expand(text: str, quantity: int, latest: str | None = None) -> Serials:
    """The serials ``text`` names for ``quantity`` outputs, given the part's ``latest`` serial (None: none yet)."""
    if quantity > MAX_SERIALS:
        return Serials(errors=[f"Cannot serialize more than {MAX_SERIALS} items at once"])
    text = text.strip()
    if not text:
        return Serials(errors=["Empty serial number string"])
    following = increment(latest if latest is not None else increment(None))  # none yet: the first ~ is "2"
    while "~" in text:
        text = text.replace("~", following, 1)
        following = increment(following)
    groups = re.split(r"[\s,]+", text)
    out = Serials()
    if len(groups) == quantity:  # the literal shortcut: every group is one serial, as typed
        for group in groups:
            out.add(group)
        return Serials(errors=out.errors) if out.errors else out
    for group in groups:
        remaining = quantity - out.count()
        group = group.strip()
        if "-" in group:
            _range(group, remaining, quantity, out)
        elif "+" in group:
            _sequence(group, remaining, out)
        else:
            out.add(group)
    if out.errors:
        return Serials(errors=out.errors)
    if not out.count():
        return Serials(errors=["No serial numbers found"])
    if out.count() != quantity:
        return Serials(errors=[f"Number of unique serial numbers ({out.count()}) must match quantity ({quantity})"])
    return out


def _range(group: str, remaining: int, quantity: int, out: Serials) -> None:
    parts = group.split("-")
    if len(parts) != 2:  # two or more hyphens: the group is one serial
        out.add(group)
        return
    start, end = parts
    if start == end:
        out.error(f"Invalid group: {group}")
        return
    steps: list[str] = []
    value = start
    while value not in steps:
        steps.append(value)
        value = increment(value)
        if value == end:
            steps.append(end)
            break
        if len(steps) > remaining:
            break
    if len(steps) > remaining:
        out.error(f"Group range {group} exceeds allowed quantity ({quantity})")
    elif steps and steps[0] == start and steps[-1] == end:
        for item in steps:
            out.add(item)
    else:
        out.error(f"Invalid group: {group}")


def _sequence(group: str, remaining: int, out: Serials) -> None:
    parts = group.split("+")
    if len(parts) > 2:
        out.error(f"Invalid group: {group}")
        return
    count = max(0, remaining)
    if parts[1]:
        try:
            count = int(parts[1]) + 1  # "10+3" is 10, 11, 12, 13; "5+" fills what is left
        except ValueError:
            out.error(f"Invalid group: {group}")
            return
    steps: dict[str, None] = {}
    value = parts[0]
    while value not in steps and len(steps) < min(count, SEQUENCE_CAP):
        steps[value] = None
        value = increment(value)
    if len(steps) == SEQUENCE_CAP < count and value not in steps:
        for item in steps:  # so long a sequence can only end in "must match quantity": count the rest
            out.add(item)
        out.uncounted += count - SEQUENCE_CAP
    elif len(steps) == count:
        for item in steps:
            out.add(item)
    else:
        out.error(f"Invalid group: {group}")


def literal_warning(text: str, quantity: int) -> str | None:
    """Rule 6's trap, in words: as many groups as outputs, one of them a range or a count, which the server
    takes as one serial (``1-5`` for one output is the serial "1-5")."""
    groups = [g for g in re.split(r"[\s,]+", text.strip()) if g]
    if len(groups) == quantity and any("-" in g or "+" in g for g in groups):
        odd = next(g for g in groups if "-" in g or "+" in g)
        return (
            f"“{odd}” will be one serial, literally: with {quantity} output(s) and {len(groups)} group(s) the "
            "server reads each group as it is."
        )
    return None


def prefill(next_serial: str | None, quantity: int) -> str:
    """What to pre-fill for ``quantity`` outputs: the range the server will make, written out
    (``1029-1030``, ``0099-0101``: its end reached by the server's own increment), each serial listed when
    they contain a hyphen (``SN-07, SN-08``: a range of them would be read as one literal serial), the serial
    itself for one output, or ``~`` per output when the next serial is unknown or cannot be counted up."""
    if quantity <= 0:
        return ""
    if not next_serial or not _TRAILING_DIGITS.match(next_serial.strip()):
        return ", ".join(["~"] * quantity)
    serials = [next_serial.strip()]
    while len(serials) < quantity:
        serials.append(increment(serials[-1]))
    if quantity == 1 or "-" in serials[0]:  # a hyphenated serial cannot head a range: list them (one group each)
        return ", ".join(serials)
    return f"{serials[0]}-{serials[-1]}"


_SPLIT_AT = re.compile(r"[\s,]")


def literal_refusal(serial: str) -> str | None:
    """Why ``serial`` cannot be sent as one serial of a list (``literal``), in an operator's words: the server
    splits an expression at whitespace and commas, and replaces every ``~`` before it reads anything (§6.1
    rules 4 and 5), so such a serial would become others. None when it can be sent as it is."""
    if not serial.strip():
        return "An empty serial number."
    if _SPLIT_AT.search(serial):
        return f"“{serial}” has a space or a comma: the server would read it as several serial numbers."
    if "~" in serial:
        return f"“{serial}” has a ~, which the server replaces with the next free serial number."
    return None


def literal(serials: Sequence[str]) -> str:
    """The expression that makes exactly ``serials`` (none refused by ``literal_refusal``), sent with quantity
    ``len(serials)``: one group per serial, so every group is taken as it is (§6.1 rule 6). "1-5" stays the
    serial "1-5" and "10+3" stays "10+3", where alone with another quantity they would be five and four."""
    return ", ".join(serials)
