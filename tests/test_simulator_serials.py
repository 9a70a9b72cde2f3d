"""Serial numbers as InvenTree 425 reads them (scanning doc §6): the grammar with its surprises, create-output's
checks against the part's existing serials, and ``GET /api/part/<pk>/serial-numbers/``."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import httpx
import pytest

from buildtui.simulator import SimulatorServer, build_simulator
from buildtui.simulator.serials import extract_serial_numbers, increment, serial_int

CONTROLLER_BUILD, SENSOR_BUILD = 5, 11


def serials(text: str, quantity: int, latest: str | None = None) -> Sequence[object]:
    """The serials the simulator makes of ``text``, or ["error", its messages]."""
    try:
        return extract_serial_numbers(text, quantity, latest)
    except ValueError as exc:
        return ["error", list(exc.args[0])]


@pytest.fixture
def http() -> Iterator[httpx.Client]:
    srv = SimulatorServer(build_simulator(api=425)).start()
    client = httpx.Client(verify=False, base_url=srv.url, auth=("admin", "inventree"))
    yield client
    client.close()
    srv.stop()


def create(http: httpx.Client, build: int, quantity: object, text: str) -> httpx.Response:
    return http.post(f"/api/build/{build}/create-output/", json={"quantity": quantity, "serial_numbers": text})


class TestGrammar:
    @pytest.mark.parametrize(
        "text, quantity, latest, expected",
        [
            ("10+3", 4, None, ["10", "11", "12", "13"]),  # start+n is n + 1 serials
            ("1-5", 1, None, ["1-5"]),  # groups = quantity: taken literally
            ("5-5", 1, None, ["5-5"]),
            ("~,~,~", 3, "1008", ["1009", "1010", "1011"]),
            ("~", 1, None, ["2"]),  # no serials yet: the first ~ is 2
            ("0009-0011", 3, None, ["0009", "0010", "0011"]),
            ("A01-A03", 3, None, ["A01", "A02", "A03"]),
            ("5+", 3, None, ["5", "6", "7"]),
            ("1 2, 3", 3, None, ["1", "2", "3"]),
            ("a-b-c 7", 2, None, ["a-b-c", "7"]),  # two hyphens: one literal serial
            ("abc", 1, None, ["abc"]),
            ("1,2,", 3, None, ["1", "2"]),  # three groups for three outputs, the blank one dropped
        ],
    )
    def test_expressions(self, text: str, quantity: int, latest: str | None, expected: list[str]) -> None:
        """Each documented expression gives the documented serials."""
        assert serials(text, quantity, latest) == expected

    @pytest.mark.parametrize(
        "text, quantity, message",
        [
            ("3-1", 3, "Group range 3-1 exceeds allowed quantity (3)"),
            ("1-10", 3, "Group range 1-10 exceeds allowed quantity (3)"),
            ("5-5 6", 3, "Invalid group: 5-5"),
            ("1+x 4", 3, "Invalid group: 1+x"),
            ("1+2+3 9", 3, "Invalid group: 1+2+3"),
            ("1 1 2 3", 3, "Duplicate serial: 1"),
            ("10+3", 2, "Number of unique serial numbers (4) must match quantity (2)"),
            ("", 1, "Empty serial number string"),
            ("1", 1001, "Cannot serialize more than 1000 items at once"),
            (", ,", 1, "No serial numbers found"),
        ],
    )
    def test_errors(self, text: str, quantity: int, message: str) -> None:
        """Each documented error has InvenTree's wording."""
        assert serials(text, quantity) == ["error", [message]]

    def test_increment_and_serial_int(self) -> None:
        """AB01 -> AB02 keeps the padding, QQQ does not change; serial_int takes leading, else trailing digits."""
        assert (increment("AB01"), increment("A99"), increment("QQQ"), increment(None)) == ("AB02", "A100", "QQQ", "1")
        assert (serial_int("1008"), serial_int("12AB34"), serial_int("AB34"), serial_int("QQQ")) == (1008, 12, 34, 0)

    def test_a_huge_sequence_answers_at_once(self) -> None:
        """1+99999999 for 3 outputs is the count mismatch, answered without making a hundred million serials."""
        assert serials("1+99999999", 3) == ["error", ["Number of unique serial numbers (100000000) must match "
                                                      "quantity (3)"]]  # fmt: skip


class TestSerialNumbersEndpoint:
    def test_latest_and_next(self, http: httpx.Client) -> None:
        """The modules' latest is 112 and next 113; a part with no serials says latest null, next "1"."""
        parts = {p["IPN"]: p["pk"] for p in http.get("/api/part/").json()}
        assert http.get(f"/api/part/{parts['MOD-WIFI']}/serial-numbers/").json() == {"latest": "112", "next": "113"}
        assert http.get(f"/api/part/{parts['R-0603-10K']}/serial-numbers/").json() == {"latest": None, "next": "1"}
        r = http.get("/api/part/99999/serial-numbers/")
        assert r.status_code == 404 and r.json() == {"detail": "No Part matches the given query."}


class TestCreateOutput:
    def test_plus_n_makes_n_plus_one_outputs(self, http: httpx.Client) -> None:
        """10+3 for 4 controllers creates serials 10-13, one output each; the next serial is then 14."""
        r = create(http, CONTROLLER_BUILD, 4, "10+3")
        assert r.status_code == 201 and [o["serial"] for o in r.json()] == ["10", "11", "12", "13"]
        assert all(o["quantity"] == 1 and o["is_building"] for o in r.json())
        part = r.json()[0]["part"]
        assert http.get(f"/api/part/{part}/serial-numbers/").json()["next"] == "103"  # 101/102 exist already

    def test_literal_range(self, http: httpx.Client) -> None:
        """1-5 with quantity 1 is one output with the serial "1-5"."""
        r = create(http, CONTROLLER_BUILD, 1, "1-5")
        assert r.status_code == 201 and [o["serial"] for o in r.json()] == ["1-5"]

    def test_existing_serials_are_refused(self, http: httpx.Client) -> None:
        """101 is taken (an output of the build): refused with InvenTree's message, space before the colon."""
        r = create(http, CONTROLLER_BUILD, 2, "101,150")
        assert r.status_code == 400
        assert r.json() == {"serial_numbers": ["The following serial numbers already exist or are invalid : 101"]}

    def test_tilde_continues_from_the_latest(self, http: httpx.Client) -> None:
        """~,~ after 101/102 gives 103 and 104; on a tree with no serials the first ~ is 2 while next says 1."""
        r = create(http, CONTROLLER_BUILD, 2, "~,~")
        assert [o["serial"] for o in r.json()] == ["103", "104"]
        r = create(http, SENSOR_BUILD, 1, "~")
        assert r.status_code == 201 and [o["serial"] for o in r.json()] == ["2"]

    def test_grammar_errors_under_serial_numbers(self, http: httpx.Client) -> None:
        """Grammar errors and the 1000 limit come back under serial_numbers; trackable parts need serials."""
        assert create(http, CONTROLLER_BUILD, 3, "3-1").json() == {
            "serial_numbers": ["Group range 3-1 exceeds allowed quantity (3)"]
        }
        assert create(http, CONTROLLER_BUILD, 1001, "1+").json() == {
            "serial_numbers": ["Cannot serialize more than 1000 items at once"]
        }
        r = http.post(f"/api/build/{CONTROLLER_BUILD}/create-output/", json={"quantity": 1})
        assert r.json() == {"serial_numbers": ["Serial numbers must be provided for trackable parts"]}
