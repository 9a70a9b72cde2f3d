"""Supplier labels scanned on a build: the label's supplier part, its line, its stock (lot first, oldest first),
one allocation, and a link offered once. Against the simulator over real HTTP, with the demo's own labels
(buildtui/simulator/seed_suppliers.py); every allocation is checked in the simulator's database."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import pytest
from textual import events
from textual._xterm_parser import XTermParser
from textual.pilot import Pilot
from textual.screen import Screen

from buildtui.app import BuildTUI
from buildtui.dialogs.build_actions import ConfirmDialog
from buildtui.dialogs.chooser import ChooserDialog
from buildtui.simulator import SimulatorServer, build_simulator
from buildtui.simulator.seed_suppliers import (
    DIGIKEY_MCU,
    DIGIKEY_R10K,
    LCSC_LED,
    LCSC_R4K7,
    MOUSER_MCU,
    without_controls,
)
from tests import web
from tests.conftest import get_token, make_app, open_build, settle, wait_for

BO11_MCU_LINE, BO11_LED_LINE = 55, 56  # BO-0011 (5 sensor boards): 1 ATmega328P and 2 green LEDs per board
BO13_R10K_LINES = (68, 71)  # BO-0013 has the 10k resistor on two lines: R1-R8 and R20 R21
DIGIKEY_ITEM, MOUSER_ITEM, LED_ITEM = 8, 9, 11  # lot ATM-2404 (DigiKey), lot ATM-2311 (Mouser), LCSC reel


@pytest.fixture
def plain_server() -> Iterator[SimulatorServer]:
    """A server with its supplier plugins off (InvenTree's default)."""
    srv = SimulatorServer(build_simulator(supplier_plugins=[])).start()
    yield srv
    srv.stop()


def allocated(server: SimulatorServer, line: int) -> list[tuple[int, float]]:
    """(stock item, quantity) allocated to ``line``, read from the server's database."""
    rows = server.sim.db.all("SELECT stock_item, quantity FROM build_item WHERE build_line = ? ORDER BY id", (line,))
    return [(int(r["stock_item"]), float(r["quantity"])) for r in rows]


def posts(server: SimulatorServer, mark: int) -> list[str]:
    return [path for method, path in server.sim.log[mark:] if method == "POST"]


def server_answer(server: SimulatorServer, code: str) -> int:
    """The status of the server's own answer to the label (400: it cannot read it)."""
    token = get_token(server.url)
    r = web.post(server.url + "/api/barcode/", json={"barcode": code}, headers={"Authorization": f"Token {token}"})
    return r.status_code


async def scan(pilot: Pilot[Any], code: str, *, until: type[Screen[Any]] | None = None) -> None:
    """Hand ``code`` to the app as a scan; wait until its outcome is logged (and the screen has caught up), or,
    with ``until``, until that dialog opens (the link offer, a chooser)."""
    app = pilot.app
    assert isinstance(app, BuildTUI)
    before = len(app.scans.log)
    app.scan(code)
    if until is not None:
        await wait_for(pilot, lambda: isinstance(app.screen, until))
        return
    await wait_for(pilot, lambda: len(app.scans.log) > before)
    await settle(pilot)


async def answer(pilot: Pilot[Any], key: str, dialog: type[Screen[Any]] = ConfirmDialog) -> None:
    """Press ``key`` in the open ``dialog`` once it is on screen (keys read before it showed are not answers)."""
    await wait_for(pilot, lambda: isinstance(pilot.app.screen, dialog) and pilot.app.screen.is_mounted)
    await pilot.pause(0.05)
    await pilot.press(key)


async def closed(pilot: Pilot[Any]) -> None:
    """Until the link offer has gone and the screen has caught up."""
    await wait_for(pilot, lambda: not isinstance(pilot.app.screen, ConfirmDialog))
    await settle(pilot)


def last(app: BuildTUI) -> tuple[str, bool]:
    entry = app.scans.log[-1]
    return entry.outcome, entry.ok


class TestAllocates:
    async def test_digikey_label_through_the_scanner_keys(self, server: SimulatorServer, token: str) -> None:
        """A Digi-Key label typed by a wedge with its control characters allocates 5 of its lot ATM-2404."""
        app = make_app(server.url, token, scan_gap_ms=20.0)
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            await open_build(pilot, 11)
            parser, at = XTermParser(), app.clock()
            for key in [e for e in [*parser.feed(DIGIKEY_MCU), *parser.tick()] if isinstance(e, events.Key)]:
                key.time, at = at, at + 0.004  # scanner timing: 4 ms a key
                key.set_sender(app)
                app.post_message(key)
            await wait_for(pilot, lambda: isinstance(app.screen, ConfirmDialog))
            assert "stock item 8 (batch ATM-2404" in app.screen.question  # type: ignore[attr-defined]
            await answer(pilot, "escape")  # not linked
            await closed(pilot)
            outcome, ok = last(app)
            assert ok and "Allocated 5 × U-ATM328" in outcome and "DigiKey ATMEGA328P-AU-ND" in outcome
            assert allocated(server, BO11_MCU_LINE) == [(DIGIKEY_ITEM, 5.0)]

    async def test_wedge_that_drops_control_characters(self, server: SimulatorServer, app: BuildTUI) -> None:
        """The same label without RS/GS/EOT (the server cannot read it) still allocates lot ATM-2404."""
        wedge = without_controls(DIGIKEY_MCU)
        assert server_answer(server, wedge) == 400
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            await open_build(pilot, 11)
            await scan(pilot, wedge, until=ConfirmDialog)
            await answer(pilot, "escape")
            await closed(pilot)
            assert last(app)[1] and allocated(server, BO11_MCU_LINE) == [(DIGIKEY_ITEM, 5.0)]

    async def test_lcsc_qr(self, server: SimulatorServer, app: BuildTUI) -> None:
        """An LCSC QR on the green LEDs allocates the 10 the line needs from its reel."""
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            await open_build(pilot, 11)
            await scan(pilot, LCSC_LED, until=ConfirmDialog)
            await answer(pilot, "escape")
            await closed(pilot)
            assert "LCSC Electronics C72043" in last(app)[0]
            assert allocated(server, BO11_LED_LINE) == [(LED_ITEM, 10.0)]

    async def test_mouser_label_the_digikey_plugin_claims(self, server: SimulatorServer, app: BuildTUI) -> None:
        """A Mouser label the server's Digi-Key plugin answers for is allocated from Mouser's lot, and says so."""
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            await open_build(pilot, 11)
            await scan(pilot, MOUSER_MCU, until=ConfirmDialog)
            await answer(pilot, "escape")
            await closed(pilot)
            outcome, ok = last(app)
            assert ok and "Mouser Electronics 556-ATMEGA328P-AU" in outcome and "DigiKey plugin" in outcome
            assert allocated(server, BO11_MCU_LINE) == [(MOUSER_ITEM, 5.0)]

    async def test_plugins_off_the_client_reads_the_labels(self, plain_server: SimulatorServer) -> None:
        """With the server's supplier plugins off, Digi-Key, Mouser and LCSC labels still allocate."""
        assert server_answer(plain_server, DIGIKEY_MCU) == 400
        app = make_app(plain_server.url, get_token(plain_server.url))
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            await open_build(pilot, 11)
            for code in (MOUSER_MCU, LCSC_LED):
                await scan(pilot, code, until=ConfirmDialog)
                await answer(pilot, "escape")
                await closed(pilot)
            assert allocated(plain_server, BO11_MCU_LINE) == [(MOUSER_ITEM, 5.0)]
            assert allocated(plain_server, BO11_LED_LINE) == [(LED_ITEM, 10.0)]
            assert "DigiKey plugin" not in app.scans.log[0].outcome  # nobody claimed it: nothing to say
            app.action_undo_scan()  # the LEDs
            await settle(pilot)
            await scan(pilot, DIGIKEY_MCU)  # the MCU line is full (Mouser's 5): a reason, no allocation
            outcome, ok = last(app)
            assert not ok and "already fully allocated" in outcome
            assert allocated(plain_server, BO11_MCU_LINE) == [(MOUSER_ITEM, 5.0)]


class TestLinking:
    async def test_offered_once_accepted_then_found_directly(self, server: SimulatorServer, app: BuildTUI) -> None:
        """Link accepted: the label (and its wedge form) then finds stock item 8 itself, and is never offered again."""
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            await open_build(pilot, 11)
            await scan(pilot, DIGIKEY_MCU, until=ConfirmDialog)
            assert len(app.scans.log) == 1 and app.scans.last_allocation is not None  # shown and undoable already
            await answer(pilot, "enter")  # Link
            await closed(pilot)
            assert len(app.scans.log) == 2
            outcome, ok = last(app)
            assert ok and "Linked: the next scan of this label finds stock item 8" in outcome
            assert server.sim.db.scalar("SELECT barcode_data FROM stock WHERE id = 8") == DIGIKEY_MCU
            app.action_undo_scan()
            await settle(pilot)
            assert allocated(server, BO11_MCU_LINE) == []
            mark = len(server.sim.log)
            await scan(pilot, without_controls(DIGIKEY_MCU))  # no dialog: the item itself, by the link
            outcome, ok = last(app)
            assert ok and outcome.startswith("Allocated 5 × U-ATM328") and "(batch ATM-2404)" in outcome
            assert not any("supplier_part=" in p for _, p in server.sim.log[mark:])  # no stock looked up by label
            assert allocated(server, BO11_MCU_LINE) == [(DIGIKEY_ITEM, 5.0)]

    async def test_declined_is_not_asked_again(self, server: SimulatorServer, app: BuildTUI) -> None:
        """Link declined: the next scan of the same label allocates without asking, and nothing is linked."""
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            await open_build(pilot, 11)
            await scan(pilot, LCSC_LED, until=ConfirmDialog)
            await answer(pilot, "escape")
            await closed(pilot)
            assert len(app.scans.log) == 1 and last(app)[0].startswith("Allocated 10 × D-LED-G")
            app.action_undo_scan()
            await settle(pilot)
            await scan(pilot, LCSC_LED)
            assert last(app)[1] and len(app.scans.log) == 3 and not isinstance(app.screen, ConfirmDialog)
            assert allocated(server, BO11_LED_LINE) == [(LED_ITEM, 10.0)]
            assert server.sim.db.scalar("SELECT barcode_hash FROM stock WHERE id = ?", (LED_ITEM,)) in ("", None)


class TestReasons:
    async def test_no_stock_and_wrong_part(self, server: SimulatorServer, app: BuildTUI) -> None:
        """A label whose supplier part has no stock, and one whose part is not on the BOM: a reason each."""
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            await open_build(pilot, 11)
            await scan(pilot, LCSC_R4K7)
            outcome, ok = last(app)
            assert not ok and "No R-0603-4K7 Resistor 4k7 0603 received as LCSC Electronics C105871" in outcome
            await pilot.press("escape")
            await settle(pilot)
            await open_build(pilot, 13)
            await scan(pilot, LCSC_LED)
            outcome, ok = last(app)
            assert not ok and outcome.startswith("Wrong part: D-LED-G") and "BO-0013" in outcome
            assert all(allocated(server, line) == [] for line in range(68, 73))  # BO-0013's lines: nothing

    async def test_several_lines_chooser(self, server: SimulatorServer, app: BuildTUI) -> None:
        """A 10k reel on BO-0013, which has the resistor on two lines: one key picks the second line."""
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            await open_build(pilot, 13)
            await scan(pilot, DIGIKEY_R10K, until=ChooserDialog)
            await answer(pilot, "2", ChooserDialog)
            await answer(pilot, "escape")
            await closed(pilot)
            assert allocated(server, BO13_R10K_LINES[0]) == []
            assert allocated(server, BO13_R10K_LINES[1]) == [(1, 6.0)]  # lot R10K-2401 (item 1), 2 x 3 boards


class TestSlowServer:
    async def test_one_allocation_and_no_duplicate_post(self, server: SimulatorServer, app: BuildTUI) -> None:
        """Answers 300 ms late and the label scanned twice: one allocation, one allocate POST, then a reason."""
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            await open_build(pilot, 11)
            server.sim.latency_ms = 300
            mark = len(server.sim.log)
            app.scan(DIGIKEY_MCU)
            await asyncio.sleep(0.1)
            app.scan(DIGIKEY_MCU)  # the operator scans again before the first shows
            await wait_for(pilot, lambda: isinstance(app.screen, ConfirmDialog), timeout=20)
            await answer(pilot, "escape")
            await wait_for(pilot, lambda: len(app.scans.log) == 2, timeout=20)
            server.sim.latency_ms = 0
            await settle(pilot)
            first, second = app.scans.log[0], app.scans.log[1]
            assert first.ok and "Allocated 5" in first.outcome
            assert not second.ok and "already fully allocated" in second.outcome
            assert posts(server, mark).count("/api/build/11/allocate/") == 1
            assert posts(server, mark).count("/api/barcode/") == 2  # one per scan, none repeated
            assert allocated(server, BO11_MCU_LINE) == [(DIGIKEY_ITEM, 5.0)]
