"""Serial numbers: the grammar of create-output's ``serial_numbers``, and a part tree's latest serial (§3.6)."""

from __future__ import annotations

import re

from .db import Database

_TRAILING_DIGITS = re.compile(r"^(.*?)(\d+)$")


def increment_serial(serial: str | None) -> str | None:
    if serial is None or serial == "":
        return "1"
    m = _TRAILING_DIGITS.match(serial)
    if not m:
        return None
    prefix, digits = m.groups()
    return prefix + str(int(digits) + 1).zfill(len(digits))


def serial_int(serial: str | None) -> int | None:
    if not serial:
        return None
    m = re.search(r"(\d+)$", serial)
    if m is None:
        return None
    try:
        return int(m.group(1)) if len(m.group(1)) < 18 else None
    except ValueError:
        return None


def extract_serial_numbers(text: str, expected: int, latest: str | None) -> list[str]:
    """InvenTree's serial-number grammar; raises ``ValueError`` with a list of messages."""
    text = (text or "").strip()
    if not text:
        raise ValueError(["Empty serial number string"])
    # quirk §3.6: with no serials yet, the first "~" becomes 2
    nxt = increment_serial(latest) if latest else "2"
    while "~" in text and nxt:
        text = text.replace("~", nxt, 1)
        nxt = increment_serial(nxt)
    groups = [g for g in re.split(r"[\s,]+", text) if g]
    serials: list[str] = []
    errors: list[str] = []

    def add(s: str) -> None:
        s = s.strip()
        if s in serials:
            errors.append(f"Duplicate serial: {s}")
        else:
            serials.append(s)

    if len(groups) == expected:
        for g in groups:
            add(g)
        if errors:
            raise ValueError(errors)
        return serials

    for group in groups:
        remaining = expected - len(serials)
        if "-" in group and len(group.split("-")) == 2:
            a, b = group.split("-")
            if a == b or not a or not b:
                errors.append(f"Invalid group: {group}")
                continue
            items: list[str] = []
            cur: str | None = a
            reached = False
            while cur is not None and cur not in items:
                items.append(cur)
                if len(items) > remaining:
                    break
                cur = increment_serial(cur)
                if cur == b:
                    items.append(b)
                    reached = True
                    break
                if len(items) > max(remaining, 0) + 1000:
                    break
            if len(items) > remaining:
                errors.append(f"Group range {group} exceeds allowed quantity ({expected})")
            elif reached:
                for it in items:
                    add(it)
            else:
                errors.append(f"Invalid group: {group}")
        elif "+" in group and len(group.split("+")) == 2:
            start, count = group.split("+")
            if count:
                try:
                    n = int(count) + 1
                except ValueError:
                    errors.append(f"Invalid group: {group}")
                    continue
            else:
                n = remaining
            if n > remaining:
                errors.append(f"Group sequence {group} exceeds allowed quantity ({expected})")
                continue
            cur2: str | None = start
            for _ in range(n):
                if cur2 is None:
                    errors.append(f"Invalid group: {group}")
                    break
                add(cur2)
                cur2 = increment_serial(cur2)
        else:
            add(group)
    if errors:
        raise ValueError(errors)
    if not serials:
        raise ValueError(["No serial numbers found"])
    if len(serials) != expected:
        raise ValueError([f"Number of unique serial numbers ({len(serials)}) must match quantity ({expected})"])
    return serials


def part_tree(db: Database, part_id: int) -> list[int]:
    """The whole variant tree a part belongs to (for serial uniqueness)."""
    root = part_id
    anc = db.part_ancestors(part_id)
    if anc:
        root = anc[-1]
    return [root, *db.part_descendants(root)]


def latest_serial(db: Database, part_id: int) -> str | None:
    tree = part_tree(db, part_id)
    marks = ",".join("?" * len(tree))
    row = db.one(
        f"SELECT serial FROM stock WHERE part IN ({marks}) AND serial IS NOT NULL AND serial != ''"
        " ORDER BY serial_int DESC, id DESC LIMIT 1",
        tree,
    )
    return None if row is None else str(row["serial"])
