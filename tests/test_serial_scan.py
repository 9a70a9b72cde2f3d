"""Serials by scan in create-outputs (N on BO-0026, the tracked PSU-24 whose serials 1001-1028 are taken): each
scanned label joins the list at once, checked against the list and the server; Enter makes them all in one
request, each serial as it was scanned."""

from __future__ import annotations

import dataclasses

import httpx
from textual.pilot import Pilot
from textual.widgets import Input

from buildtui.app import BuildTUI
from buildtui.dialogs.outputs import CreateOutputDialog
from buildtui.screens.build_detail import BuildDetailScreen
from buildtui.simulator import SimulatorServer
from tests.conftest import open_build, settle

#: five labels, two of which the server would read as a range and a count if they were not sent as a list
FIVE = ["2001", "1-5", "10+3", "PSU-2004", "2005"]


def api(app: BuildTUI) -> httpx.Client:
    return httpx.Client(
        verify=False, base_url=app.config.server, headers={"Authorization": f"Token {app.config.token}"}
    )


def output_serials(app: BuildTUI, build: int) -> list[str]:
    rows = api(app).get("/api/stock/", params={"build": build, "is_building": "true"}).json()
    return sorted(str(r["serial"]) for r in (rows if isinstance(rows, list) else rows["results"]))


def create_posts(server: SimulatorServer, since: int) -> list[tuple[str, str]]:
    return [(m, p) for m, p in server.sim.log[since:] if m == "POST" and "create-output" in p]


async def open_create(pilot: Pilot[None]) -> CreateOutputDialog:
    await settle(pilot)
    await open_build(pilot, 26)
    await pilot.press("N")
    await settle(pilot)
    dialog = pilot.app.screen
    assert isinstance(dialog, CreateOutputDialog)
    return dialog


async def scan(pilot: Pilot[None], code: str) -> None:
    app = pilot.app
    assert isinstance(app, BuildTUI)
    app.scan(code)
    await settle(pilot)


class TestSerialsByScan:
    async def test_five_scanned_serials_make_five_outputs_in_one_request(
        self, app: BuildTUI, server: SimulatorServer
    ) -> None:
        """Five labels scanned: quantity 5, the list in the serial field; Enter sends one POST and the server has
        exactly those five outputs ("1-5" and "10+3" each one serial)."""
        async with app.run_test(size=(80, 24)) as pilot:
            dialog = await open_create(pilot)
            for code in FIVE:
                await scan(pilot, code)
            assert all(e.ok for e in app.scans.log)
            assert dialog.query_one("#quantity", Input).value == "5"
            assert dialog.query_one("#serial_numbers", Input).value == "2001, 1-5, 10+3, PSU-2004, 2005"
            assert dialog.query_one("#quantity", Input).disabled  # the quantity follows the count
            before = len(server.sim.log)
            await pilot.press("enter")
            await settle(pilot)
            assert isinstance(app.screen, BuildDetailScreen)
            assert create_posts(server, before) == [("POST", "/api/build/26/create-output/")]
            assert output_serials(app, 26) == sorted(FIVE)

    async def test_a_duplicate_is_refused_with_one_bell_at_most(self, app: BuildTUI) -> None:
        """The same label read twice in a row is refused without a bell; scanned again later, it is refused with
        one bell; the list keeps one of it."""
        async with app.run_test(size=(80, 24)) as pilot:
            app.config = dataclasses.replace(app.config, bell=True)
            rings: list[int] = []
            app.bell = lambda: rings.append(1)  # type: ignore[method-assign]
            dialog = await open_create(pilot)
            for code in ("2001", "2001", "2002", "2001", "2001"):
                await scan(pilot, code)
            outcomes = [(e.ok, e.outcome) for e in app.scans.log]
            assert [ok for ok, _ in outcomes] == [True, False, True, False, False]
            assert "Serial 2001 is in the list already (number 1)." in outcomes[1][1]
            assert len(rings) == 1  # the fourth scan; the second and fifth were the same label again
            assert dialog.scanned.serials == ["2001", "2002"]
            assert dialog.query_one("#quantity", Input).value == "2"

    async def test_a_serial_the_part_has_is_refused_before_sending(
        self, app: BuildTUI, server: SimulatorServer
    ) -> None:
        """1005 is an output of BO-0025: scanned, it is refused with the item that has it, and nothing is sent
        to create-output; typed in "Add a serial", the same, and it stays in the field to correct."""
        async with app.run_test(size=(80, 24)) as pilot:
            dialog = await open_create(pilot)
            before = len(server.sim.log)
            await scan(pilot, "1005")
            last = app.scans.log[-1]
            assert not last.ok and "Serial 1005 is already used: PSU-24" in last.outcome
            box = dialog.query_one("#add_serial", Input)
            box.focus()
            await pilot.press(*"1002", "enter")
            await settle(pilot)
            assert box.value == "1002" and "Serial 1002 is already used" in str(
                dialog.query_one("#err-add_serial").render()
            )
            assert dialog.scanned.serials == [] and not create_posts(server, before)
            assert not dialog.query_one("#quantity", Input).disabled

    async def test_typed_serials_join_and_backspace_takes_the_last_off(self, app: BuildTUI) -> None:
        """A serial typed and Enter joins the list; a serial with a space is refused; Backspace in the empty
        field takes the last one off, and with none left the proposal (quantity 2, 1029-1030) comes back."""
        async with app.run_test(size=(80, 24)) as pilot:
            dialog = await open_create(pilot)
            proposal = dialog.query_one("#serial_numbers", Input).value
            assert proposal == "1029-1030"
            box = dialog.query_one("#add_serial", Input)
            box.focus()
            await pilot.press(*"A-7", "enter")
            await settle(pilot)
            await scan(pilot, "SN 8")
            assert dialog.scanned.serials == ["A-7"] and "has a space or a comma" in app.scans.log[-1].outcome
            assert box.value == "" and dialog.query_one("#quantity", Input).value == "1"
            await pilot.press("backspace")
            await settle(pilot)
            assert dialog.scanned.serials == []
            assert dialog.query_one("#serial_numbers", Input).value == proposal
            assert not dialog.query_one("#serial_numbers", Input).disabled

    async def test_a_location_label_still_fills_the_location(self, app: BuildTUI) -> None:
        """A location's label scanned in create-outputs sets the location, not a serial; another item's label
        is refused as not a serial number."""
        async with app.run_test(size=(80, 24)) as pilot:
            dialog = await open_create(pilot)
            await scan(pilot, "LOC-FG")
            await scan(pilot, "INV-SI13")
            assert dialog.scanned.serials == []
            assert "Location set to" in app.scans.log[-2].outcome
            assert "is the label of stock item #13" in app.scans.log[-1].outcome
