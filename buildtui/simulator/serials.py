"""Serial numbers as InvenTree 425 reads them (scanning doc §6; InvenTree/helpers.py ``increment``,
``extract_serial_numbers``, ``extract_int``; part/models.py ``get_latest_serial_number``).

The surprises are kept: when the number of groups equals the quantity every group is one serial, as typed
(``1-5`` with quantity 1 is the serial "1-5"); ``10+3`` is four serials; with no serials yet the first ``~``
is "2" while ``/serial-numbers/`` says ``next: "1"``; a value with no trailing digits does not increment.
"""

from __future__ import annotations

import re

from .db import Database
from .rules import TRUE_WORDS

MAX_SERIALS = 1000
_NUMBER_AT_END = re.compile(r"(.*?)(\d+)?$")
SEQUENCE_CAP = 100_000


def increment(value: str | None) -> str:
    """``AB01`` -> ``AB02``, ``9`` -> ``10``; no trailing digits: unchanged (``QQQ``); empty or None: ``"1"``."""
    if value in ("", None):
        return "1"
    text = str(value).strip()
    match = _NUMBER_AT_END.search(text)
    if match is None:
        return text
    prefix, number = match.groups()
    if not number:
        return prefix
    return prefix + str(int(number) + 1).zfill(len(number))


def serial_int(serial: str | None) -> int:
    """``extract_int``: the leading digits, else the trailing ones, clipped to a 32-bit integer; else 0."""
    text = str(serial or "").strip()
    match = re.match(r"^(\d+)", text) or re.search(r"(\d+)$", text)
    value = int(match.group(1)) if match else 0
    return min(value, 0x7FFFFFFF)


class _Found:
    """The serials so far (in order), the messages, and how many serials of a huge sequence went uncounted."""

    def __init__(self) -> None:
        self.serials: dict[str, None] = {}
        self.errors: list[str] = []
        self.uncounted = 0

    def __len__(self) -> int:
        return len(self.serials) + self.uncounted

    def error(self, message: str) -> None:
        if message not in self.errors:
            self.errors.append(message)

    def add(self, serial: str) -> None:
        serial = serial.strip()
        if not serial:
            return  # blank serials are ignored
        if serial in self.serials:
            self.error(f"Duplicate serial: {serial}")
        else:
            self.serials[serial] = None


def extract_serial_numbers(text: str, expected: int, latest: str | None) -> list[str]:
    """The serials ``text`` names for ``expected`` outputs, after the part's ``latest`` serial; raises
    ``ValueError`` whose first argument is the list of InvenTree's messages."""
    if expected > MAX_SERIALS:
        raise ValueError([f"Cannot serialize more than {MAX_SERIALS} items at once"])
    text = str(text or "").strip()
    if not text:
        raise ValueError(["Empty serial number string"])
    start = latest if latest is not None else increment(None)  # none yet: "1", so the first ~ is "2"
    following = increment(start)
    while "~" in text and following:
        text = text.replace("~", following, 1)
        following = increment(following)
    groups = re.split(r"[\s,]+", text)
    found = _Found()
    if len(groups) == expected:  # as many groups as outputs: each group is one serial, as typed
        for group in groups:
            found.add(group)
        if found.errors:
            raise ValueError(found.errors)
        return list(found.serials)
    for group in groups:
        remaining = expected - len(found)
        group = group.strip()
        if "-" in group:
            _range(group, remaining, expected, found)
        elif "+" in group:
            _sequence(group, remaining, found)
        else:
            found.add(group)
    if found.errors:
        raise ValueError(found.errors)
    if not len(found):
        raise ValueError(["No serial numbers found"])
    if len(found) != expected:
        raise ValueError([f"Number of unique serial numbers ({len(found)}) must match quantity ({expected})"])
    return list(found.serials)


def _range(group: str, remaining: int, expected: int, found: _Found) -> None:
    items = group.split("-")
    if len(items) != 2:
        found.add(group)  # two or more hyphens: the group is one serial
        return
    a, b = items
    if a == b:
        found.error(f"Invalid group: {group}")
        return
    steps: list[str] = []
    nxt = a
    while nxt not in steps:
        steps.append(nxt)
        nxt = increment(nxt)
        if nxt == b:
            steps.append(b)
            break
        if len(steps) > remaining:
            break
    if len(steps) > remaining:
        found.error(f"Group range {group} exceeds allowed quantity ({expected})")
    elif steps and steps[0] == a and steps[-1] == b:
        for item in steps:
            found.add(item)
    else:
        found.error(f"Invalid group: {group}")


def _sequence(group: str, remaining: int, found: _Found) -> None:
    items = group.split("+")
    count = max(0, remaining)
    if len(items) > 2:
        found.error(f"Invalid group: {group}")
        return
    if items[1]:
        try:
            count = int(items[1]) + 1  # start+n is n + 1 serials
        except ValueError:
            found.error(f"Invalid group: {group}")
            return
    steps: dict[str, None] = {}  # ordered, with a set's speed (InvenTree uses a list)
    value = items[0]
    while value not in steps and len(steps) < min(count, SEQUENCE_CAP):
        steps[value] = None
        value = increment(value)
    if len(steps) == SEQUENCE_CAP < count and value not in steps:
        # so long a sequence can only end in "must match quantity": count the rest instead of making it
        for item in steps:
            found.add(item)
        found.uncounted += count - SEQUENCE_CAP
    elif len(steps) == count:
        for item in steps:
            found.add(item)
    else:
        found.error(f"Invalid group: {group}")


def part_tree(db: Database, part_id: int) -> list[int]:
    """The whole variant tree a part belongs to (serials are unique within it)."""
    root = part_id
    anc = db.part_ancestors(part_id)
    if anc:
        root = anc[-1]
    return [root, *db.part_descendants(root)]


def globally_unique(db: Database) -> bool:
    return db.setting("SERIAL_NUMBER_GLOBALLY_UNIQUE", "False").strip().lower() in TRUE_WORDS


def _scope(db: Database, part_id: int) -> tuple[str, list[int]]:
    if globally_unique(db):
        return "", []
    tree = part_tree(db, part_id)
    return f" AND part IN ({','.join('?' * len(tree))})", tree


def latest_serial(db: Database, part_id: int) -> str | None:
    """The serial with the highest ``serial_int``, then serial, then pk, across the part's tree."""
    where, params = _scope(db, part_id)
    row = db.one(
        f"SELECT serial FROM stock WHERE serial IS NOT NULL AND serial != ''{where}"
        " ORDER BY serial_int DESC, serial DESC, id DESC LIMIT 1",
        params,
    )
    return None if row is None else str(row["serial"])


def taken(db: Database, part_id: int, serials: list[str]) -> list[str]:
    """Those of ``serials`` that a stock item of the part's tree (or any part, when globally unique) has."""
    if not serials:
        return []
    where, params = _scope(db, part_id)
    marks = ",".join("?" * len(serials))
    found = {r["serial"] for r in db.all(f"SELECT serial FROM stock WHERE serial IN ({marks}){where}",
                                         [*serials, *params])}  # fmt: skip
    return [s for s in serials if s in found]
