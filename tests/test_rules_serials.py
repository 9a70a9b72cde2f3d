"""Serial-number expressions read as InvenTree reads them (docs/inventree-scanning-semantics.md §6.1)."""

from __future__ import annotations

import pytest

from buildtui.rules.serials import expand, increment, literal_warning, prefill


@pytest.mark.parametrize(
    "value,after",
    [
        ("1", "2"),
        ("9", "10"),
        ("0009", "0010"),
        ("AB01", "AB02"),
        ("A99", "A100"),
        ("QQQ", "QQQ"),
        ("", "1"),
        ("SN-0999", "SN-1000"),
    ],
)
def test_increment_keeps_padding(value: str, after: str) -> None:
    """The next serial after 0009 is 0010 and after A99 is A100: padding and prefix kept."""
    assert increment(value) == after


@pytest.mark.parametrize(
    "text,quantity,latest,serials",
    [
        ("10+3", 4, None, ["10", "11", "12", "13"]),  # n + 1 serials
        ("5+", 3, None, ["5", "6", "7"]),  # fills what is left
        ("1-5", 1, None, ["1-5"]),  # as many groups as outputs: literal
        ("5-5", 1, None, ["5-5"]),
        ("~", 1, None, ["2"]),  # no serials yet: the first ~ is "2"
        ("~,~,~", 3, "1008", ["1009", "1010", "1011"]),
        ("0009-0011", 3, None, ["0009", "0010", "0011"]),
        ("A01-A03", 3, None, ["A01", "A02", "A03"]),
        ("101-103, 107", 4, None, ["101", "102", "103", "107"]),
        ("1 2\t3", 3, None, ["1", "2", "3"]),
        ("a-b-c 7", 2, None, ["a-b-c", "7"]),  # two hyphens: one serial
        ("abc xyz", 2, None, ["abc", "xyz"]),
    ],
)
def test_expressions(text: str, quantity: int, latest: str | None, serials: list[str]) -> None:
    """Each serial expression an operator types gives the serials InvenTree would make."""
    got = expand(text, quantity, latest)
    assert got.ok and got.serials == serials


@pytest.mark.parametrize(
    "text,quantity,message",
    [
        ("", 1, "Empty serial number string"),
        ("3-1", 3, "Group range 3-1 exceeds allowed quantity (3)"),
        ("1-10", 3, "Group range 1-10 exceeds allowed quantity (3)"),
        ("5-5 6", 3, "Invalid group: 5-5"),
        ("1+x 4", 3, "Invalid group: 1+x"),
        ("1+2+3 9", 3, "Invalid group: 1+2+3"),
        ("1, 1", 2, "Duplicate serial: 1"),
        ("1-3", 2, "Group range 1-3 exceeds allowed quantity (2)"),
        ("1-2", 3, "Number of unique serial numbers (2) must match quantity (3)"),
        ("1", 1001, "Cannot serialize more than 1000 items at once"),
    ],
)
def test_refusals_in_the_servers_words(text: str, quantity: int, message: str) -> None:
    """A bad serial expression is refused in InvenTree's own words."""
    got = expand(text, quantity)
    assert not got.ok and message in got.errors and not got.serials


def test_literal_warning() -> None:
    """ "1-5" for one output is warned about as one literal serial; for five outputs it is a range."""
    warning = literal_warning("1-5", 1)
    assert warning is not None and "“1-5” will be one serial" in warning
    assert literal_warning("1-5", 5) is None


@pytest.mark.parametrize(
    "next_serial,quantity,text",
    [
        ("1029", 2, "1029-1030"),
        ("0099", 3, "0099-0101"),
        ("SN-07", 3, "SN-07, SN-08, SN-09"),
        ("1009", 1, "1009"),
        (None, 2, "~, ~"),
        ("ABC", 2, "~, ~"),
    ],
)
def test_prefill_names_what_the_server_will_make(next_serial: str | None, quantity: int, text: str) -> None:
    """The pre-filled range reads back, through the server's grammar, as exactly ``quantity`` serials."""
    assert prefill(next_serial, quantity) == text
    if next_serial and next_serial[-1].isdigit():
        got = expand(text, quantity)
        assert got.ok and len(got.serials) == quantity and got.serials[0] == next_serial


def test_the_client_reads_expressions_as_the_simulated_server_does() -> None:
    """Differential: 3,000 random expressions read by the client and by the simulator (which follows InvenTree's
    own code) give the same serials or the same messages."""
    import random
    import re

    from buildtui.simulator.serials import extract_serial_numbers

    rng = random.Random(20)
    atoms = ["1", "10", "0009", "A01", "B-000910", "x", "~", "+", "-", ",", " ", "3", "5", "99", "abc", "AB01", "0"]
    for _ in range(3000):
        text = "".join(rng.choice(atoms) for _ in range(rng.randint(0, 6)))
        if re.search(r"\+\d{4,}", text):
            continue  # huge sequences: both sides count them up to a cap, slowly (tested once below)
        quantity = rng.randint(1, 6)
        latest = rng.choice([None, "1008", "0099", "QQQ"])
        mine = expand(text, quantity, latest)
        server: tuple[list[str], list[str]]
        try:
            server = (extract_serial_numbers(text, quantity, latest), [])
        except ValueError as exc:
            server = ([], exc.args[0])
        assert (mine.serials, mine.errors) == server, (text, quantity, latest)


def test_a_huge_sequence_is_counted_not_listed() -> None:
    """ "1+99999999" for 3 outputs: refused in the server's words without listing a hundred million serials."""
    got = expand("1+99999999", 3)
    assert got.errors == ["Number of unique serial numbers (100000000) must match quantity (3)"]
