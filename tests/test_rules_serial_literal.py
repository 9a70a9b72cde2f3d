"""Scanned serials sent as a list: the server reads each one as it is (rules/serials.py ``literal``), checked
against the client's grammar and the simulator's (which follows InvenTree's ``extract_serial_numbers``)."""

from __future__ import annotations

import pytest

from buildtui.rules import serials
from buildtui.simulator.serials import extract_serial_numbers

AWKWARD = [
    ["1-5"],  # alone with quantity 1 it is already literal; in a list it must stay so
    ["10+3", "7"],  # "10+3" alone with quantity 4 would be 10, 11, 12, 13
    ["5+", "A-1-2", "0009-0011"],  # a fill, two hyphens, a zero-padded range
    ["1001", "SN-07", "QQQ", "abc"],
]


@pytest.mark.parametrize("scanned", AWKWARD, ids=lambda s: ",".join(s))
def test_each_serial_is_made_as_scanned(scanned: list[str]) -> None:
    """The list makes exactly the serials scanned, in order, by the client's grammar and the simulator's."""
    text = serials.literal(scanned)
    assert serials.expand(text, len(scanned), latest="1008").serials == scanned
    assert extract_serial_numbers(text, len(scanned), "1008") == scanned


def test_without_the_list_they_would_not_be() -> None:
    """The trap that ``literal`` avoids: the same text with another quantity is read as ranges and counts."""
    assert serials.expand("10+3", 4).serials == ["10", "11", "12", "13"]
    assert serials.expand("1-5", 5).serials == ["1", "2", "3", "4", "5"]


@pytest.mark.parametrize(
    ("serial", "reason"),
    [
        ("SN 7", "space or a comma"),
        ("7,8", "space or a comma"),
        ("A\t1", "space or a comma"),
        ("~", "has a ~"),
        ("SN~1", "has a ~"),
        ("  ", "empty"),
    ],
)
def test_serials_the_server_would_split_are_refused(serial: str, reason: str) -> None:
    """A serial the server would split (whitespace, comma) or rewrite (~) cannot be sent as itself."""
    why = serials.literal_refusal(serial)
    assert why is not None and reason in why


def test_plain_serials_are_not_refused() -> None:
    """Hyphens, plus signs, letters and padding are fine: the list keeps them as they are."""
    assert all(serials.literal_refusal(s) is None for s in ("1-5", "10+3", "0009", "PSU/24#7", "Ω-3"))
