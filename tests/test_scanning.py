"""Barcode scanners: bursts with scanner timing become scans; human timing stays typing.

Keys are made by Textual's own input parser from the bytes a wedge sends, stamped with explicit read times
(``events.Key.time``) and posted to the app as the driver does; Pilot's ``press`` is never used for timing.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Awaitable, Callable

import httpx
import pytest
from textual import events
from textual._xterm_parser import XTermParser
from textual.pilot import Pilot
from textual.widgets import Checkbox, DataTable, Input, Select

from buildtui.app import BuildTUI
from buildtui.config import Config
from buildtui.dialogs.build_actions import CancelBuildDialog
from buildtui.dialogs.chooser import ChooserDialog
from buildtui.dialogs.goto import GotoBuildDialog
from buildtui.dialogs.outputs import CompleteOutputsDialog
from buildtui.dialogs.scan import ScanDialog
from buildtui.scanning import ScanEntry
from buildtui.screens.build_detail import BuildDetailScreen
from buildtui.screens.build_list import BuildListScreen
from buildtui.screens.help import HelpScreen
from buildtui.simulator import SimulatorServer
from tests.conftest import make_app, open_build, settle
from tests.test_scan_detector import DIGIKEY, MOUSER

SCANNER = 0.005  # 5 ms between keys
HUMAN = 0.12  # 120 ms between keys: the person, never a scan


def parse(data: str) -> list[events.Key]:
    parser = XTermParser()
    return [e for e in [*parser.feed(data), *parser.tick()] if isinstance(e, events.Key)]


async def send(pilot: Pilot[None], data: str, per_key: float) -> None:
    """The keys of ``data`` as the driver delivers them, read ``per_key`` seconds apart.

    Faster than the gap, they are all posted at once with their future read times (as after a busy spell);
    slower, each is posted when its time comes, as a person's keys are."""
    app = pilot.app
    assert isinstance(app, BuildTUI)
    at = app.clock()
    for event in parse(data):
        if per_key >= app.scanner.gap:
            await asyncio.sleep(max(at - app.clock(), 0))
        event.time = at
        event.set_sender(app)
        app.post_message(event)
        at += per_key


async def quiet(pilot: Pilot[None]) -> None:
    """Until no key is held any more (a held burst is decided at most one gap after its last key)."""
    app = pilot.app
    assert isinstance(app, BuildTUI)
    calm = 0
    for _ in range(300):
        await pilot.pause(0.01)
        idle = not app.scanner.held and app._flush_timer is None and not app._draining
        calm = calm + 1 if idle else 0
        if calm >= 2:
            return
    raise AssertionError("keys still held after 3 s")


async def feed(pilot: Pilot[None], text: str, per_key: float, *, enter: bool = True, wait: bool = True) -> None:
    """Type ``text`` (and Enter) at ``per_key``; wait until it is decided and, unless told not to, resolved."""
    await send(pilot, text + ("\r" if enter else ""), per_key)
    await quiet(pilot)
    if wait:
        await settle(pilot)


async def press(pilot: Pilot[None], *keys: str) -> None:
    """Pilot's press, then wait until a held key has been handed on."""
    await pilot.press(*keys)
    await quiet(pilot)
    await settle(pilot)


@pytest.fixture
def scan_app(server: SimulatorServer, token: str) -> BuildTUI:
    return make_app(server.url, token, scan_gap_ms=Config().scan_gap_ms)  # the default gap


def api(app: BuildTUI) -> httpx.Client:
    return httpx.Client(
        verify=False, base_url=app.config.server, headers={"Authorization": f"Token {app.config.token}"}
    )


def last_log(app: BuildTUI) -> ScanEntry:
    return app.scans.log[-1]


def spy_scans(app: BuildTUI, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The codes the app hands to its scan handler (what is sent to POST /api/barcode/)."""
    codes: list[str] = []
    original = app.scans.handle

    def handle(code: str, typed: Callable[[str], bool] | None = None) -> Awaitable[None]:
        codes.append(code)
        return original(code, typed)

    monkeypatch.setattr(app.scans, "handle", handle)
    return codes


class TestAnywhere:
    async def test_build_barcode_opens_build(self, scan_app: BuildTUI) -> None:
        """A burst of '{"build": 3}' + Enter with scanner timing opens BO-0003 from the list."""
        async with scan_app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            await feed(pilot, '{"build": 3}', SCANNER)
            assert isinstance(scan_app.screen, BuildDetailScreen) and scan_app.screen.pk == 3
            assert last_log(scan_app).ok

    async def test_reference_as_text_and_short_form(self, scan_app: BuildTUI) -> None:
        """A scanned build reference (BO-0004) or its short form (INV-BO5) opens that build."""
        async with scan_app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            await feed(pilot, "BO-0004", SCANNER)
            assert isinstance(scan_app.screen, BuildDetailScreen) and scan_app.screen.pk == 4
            await pilot.press("escape")
            await settle(pilot)
            await feed(pilot, "INV-BO5", SCANNER)
            shown = scan_app.screen
            assert isinstance(shown, BuildDetailScreen) and shown.pk == 5

    async def test_human_typing_is_not_swallowed(self, scan_app: BuildTUI) -> None:
        """The same keys at human speed are typing: shortcuts work and the search box gets the text."""
        async with scan_app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            await feed(pilot, "a", HUMAN, enter=False)
            listed = scan_app.screen
            assert isinstance(listed, BuildListScreen) and listed.model is not None
            assert listed.model.query.outstanding is None  # 'a' = all builds
            await feed(pilot, "/Pump", HUMAN, enter=False)
            assert scan_app.screen.query_one("#search", Input).value == "Pump"
            assert isinstance(scan_app.screen, BuildListScreen)

    async def test_scan_into_focused_input_is_intercepted(self, scan_app: BuildTUI) -> None:
        """A scan while the search box has the focus opens the build and leaves the search box empty."""
        async with scan_app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            await press(pilot, "slash")
            assert scan_app.screen.query_one("#search", Input).has_focus
            await feed(pilot, "INV-BO3", SCANNER)
            assert isinstance(scan_app.screen, BuildDetailScreen) and scan_app.screen.pk == 3
            assert scan_app.screen_stack[-2].query_one("#search", Input).value == ""

    async def test_unknown_code_fails_with_bell(self, scan_app: BuildTUI, monkeypatch: pytest.MonkeyPatch) -> None:
        """An unknown code rings the bell once and the scan log says "No match"."""
        rings: list[int] = []
        monkeypatch.setattr(scan_app, "bell", lambda: rings.append(1))
        scan_app.config = scan_app.config.__class__(**{**scan_app.config.__dict__, "bell": True})
        async with scan_app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            await feed(pilot, "NOTHING-KNOWN-123x", SCANNER)
            entry = last_log(scan_app)
            assert not entry.ok and "No match" in entry.outcome and rings == [1]

    async def test_fast_typing_the_server_does_not_know_stays_in_the_field(
        self, scan_app: BuildTUI, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """ "sensor" typed into the search box faster than the scan gap (a quick typist, or a paste) is not a
        code the server knows: it lands in the search box, without a bell or a "Scan failed"; the same keys
        with no field focused still fail as a scan."""
        rings: list[int] = []
        monkeypatch.setattr(scan_app, "bell", lambda: rings.append(1))
        scan_app.config = scan_app.config.__class__(**{**scan_app.config.__dict__, "bell": True})
        async with scan_app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            await press(pilot, "slash")
            search = scan_app.screen.query_one("#search", Input)
            await feed(pilot, "sensor", 0.03, enter=False)
            assert search.value == "sensor" and search.has_focus and rings == []
            assert not scan_app.scans.log or scan_app.scans.log[-1].code != "sensor"
            await press(pilot, "escape", "escape")
            assert not search.has_focus
            await feed(pilot, "sensor", 0.03, enter=False)
            entry = last_log(scan_app)
            assert not entry.ok and "No match" in entry.outcome and rings == [1]

    async def test_an_unknown_code_never_goes_into_a_quantity(self, scan_app: BuildTUI) -> None:
        """An unknown label scanned while the allocate dialog's quantity has the focus is a failed scan ("No
        match"), not digits typed into the quantity one Enter away from being sent."""
        async with scan_app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            await open_build(pilot, 11)
            await press(pilot, *["down"] * 6, "a")
            quantity = scan_app.screen.query_one("#quantity", Input)
            assert quantity.has_focus
            was = quantity.value
            await feed(pilot, "XYZ1000", SCANNER)
            assert quantity.value == was
            entry = last_log(scan_app)
            assert not entry.ok and "No match" in entry.outcome

    async def test_stock_on_list_says_open_a_build(self, scan_app: BuildTUI) -> None:
        """Stock scanned on the build list is not allocated: the scan log says to open a build."""
        async with scan_app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            await feed(pilot, "INV-SI1", SCANNER)
            assert "open a build" in last_log(scan_app).outcome

    async def test_stock_scanned_over_a_dialog_on_a_build_says_close_it(self, scan_app: BuildTUI) -> None:
        """Stock scanned while the go-to dialog is open over BO-0011 says to close the dialog and scan again (it
        said "open a build" with a build open); over the list it still says to open a build."""
        async with scan_app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            await press(pilot, "ctrl+g")
            await feed(pilot, "INV-SI1", SCANNER)
            assert "open a build to allocate it" in last_log(scan_app).outcome
            await press(pilot, "escape")
            await open_build(pilot, 11)
            await press(pilot, "ctrl+g")
            await feed(pilot, "INV-SI1", SCANNER)
            assert "close the dialog (Esc) and scan it again to allocate it" in last_log(scan_app).outcome


class TestOnABuild:
    async def test_stock_allocated_to_its_line_and_undo(self, scan_app: BuildTUI) -> None:
        """Scanning the PCB stock on BO-0011 allocates min(still needed, free) to the PCB line; ctrl+z undoes."""
        async with scan_app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            screen = await open_build(pilot, 11)
            assert screen.model is not None
            before = scan_app.client.request_count
            await feed(pilot, "INV-SI13", SCANNER)  # PCB-C-01 stock
            assert scan_app.client.request_count - before <= 3  # scan, allocate, lines
            pcb = next(ln for ln in screen.model.lines if ln.part_detail and ln.part_detail.IPN == "PCB-SB-C")
            assert pcb.allocated == 5 and last_log(scan_app).ok
            await pilot.press("ctrl+z")
            await settle(pilot)
            pcb = next(ln for ln in screen.model.lines if ln.part_detail and ln.part_detail.IPN == "PCB-SB-C")
            assert pcb.allocated == 0

    async def test_undo_after_another_build_was_scanned_names_its_build(self, scan_app: BuildTUI) -> None:
        """Stock scanned on BO-0011, then BO-0012's traveller scanned (it opens), then ctrl+z: the allocation on
        BO-0011 is undone and the message says BO-0011, not only the part (the screen shows BO-0012)."""
        async with scan_app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            await open_build(pilot, 11)
            await feed(pilot, "INV-SI13", SCANNER)
            assert last_log(scan_app).ok
            await feed(pilot, "BO-0012", SCANNER)
            assert isinstance(scan_app.screen, BuildDetailScreen) and scan_app.screen.pk == 12
            await pilot.press("ctrl+z")
            await settle(pilot)
            entry = last_log(scan_app)
            assert entry.ok and entry.outcome.startswith("Undone on BO-0011: 5 no longer allocated to PCB-SB-C")

    async def test_substitute_and_custom_barcode(self, scan_app: BuildTUI) -> None:
        """A substitute's stock and a supplier barcode linked to stock each allocate to the line they belong to."""
        async with scan_app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            screen = await open_build(pilot, 11)
            assert screen.model is not None
            await feed(pilot, "INV-SI4", SCANNER)  # Yageo 4k7: substitute for R-0603-4K7
            r4k7 = next(ln for ln in screen.model.lines if ln.part_detail and ln.part_detail.IPN == "R-0603-4K7")
            assert r4k7.allocated == 10
            await feed(pilot, "YAGEO-RC0603-10K-REEL-7", SCANNER)  # supplier barcode linked to stock item 1
            r10k = next(ln for ln in screen.model.lines if ln.part_detail and ln.part_detail.IPN == "R-0603-10K")
            assert r10k.allocated == 20

    async def test_variant_allowed(self, scan_app: BuildTUI) -> None:
        """Stock of a variant allocates to a line whose template part allows variants."""
        async with scan_app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            screen = await open_build(pilot, 11)
            assert screen.model is not None
            await feed(pilot, "INV-SI6", SCANNER)  # 100nF 0603: a variant of the template on the BOM
            cap = next(ln for ln in screen.model.lines if ln.part_detail and ln.part_detail.IPN == "C-100N")
            assert cap.allocated == 30

    async def test_ambiguous_asks_with_one_key(self, scan_app: BuildTUI) -> None:
        """R-0603-10K is on the pump BOM twice: a one-key chooser asks which line."""
        async with scan_app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            screen = await open_build(pilot, 13)
            assert screen.model is not None
            await feed(pilot, "INV-SI1", SCANNER, wait=False)
            await pilot.pause(0.3)  # the operator reads the question (a key right behind a scan is taken as part of it)
            assert isinstance(scan_app.screen, ChooserDialog)
            await press(pilot, "2")
            await settle(pilot)
            lines = [ln for ln in screen.model.lines if ln.part_detail and ln.part_detail.IPN == "R-0603-10K"]
            assert [ln.allocated for ln in lines] == [0, 6]

    async def test_failures_say_why(self, scan_app: BuildTUI) -> None:
        """Wrong part, quarantined, used-up and allocated-elsewhere stock are refused, each saying why."""
        async with scan_app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            await open_build(pilot, 13)  # pump: no LEDs on its BOM
            await feed(pilot, "INV-SI11", SCANNER)  # LED stock
            assert "Wrong part" in last_log(scan_app).outcome
            quarantined = api(scan_app).get("/api/stock/", params={"status": 75}).json()[0]["pk"]
            await feed(pilot, f"INV-SI{quarantined}", SCANNER)
            assert "is not in stock (status: Quarantined)" in last_log(scan_app).outcome
            used = (
                api(scan_app).get("/api/stock/", params={"search": "C100-OLD"}).json()[0]["pk"]
            )  # consumed by BO-0001
            await feed(pilot, f"INV-SI{used}", SCANNER)
            assert "C100-OLD was used up by a build: it cannot be allocated" in last_log(scan_app).outcome
            # all of the fuse stock allocated to another build: nothing free
            fuse = api(scan_app).get("/api/stock/", params={"search": "F-2A", "in_stock": "true"}).json()[0]
            line = api(scan_app).get("/api/build/line/", params={"build": 9, "part_detail": "true"}).json()
            fline = next(ln for ln in line if ln["part_detail"]["IPN"] == "F-2A")
            free = fuse["quantity"] - fuse["allocated"]
            r = api(scan_app).post(
                "/api/build/9/allocate/",
                json={"items": [{"build_line": fline["pk"], "stock_item": fuse["pk"], "quantity": free}]},
            )
            assert r.status_code == 201
            await feed(pilot, f"INV-SI{fuse['pk']}", SCANNER)
            assert "allocated elsewhere" in last_log(scan_app).outcome
            assert not any(e.ok for e in list(scan_app.scans.log)[-3:])


class TestInDialogs:
    async def test_location_and_output_in_complete_dialog(self, scan_app: BuildTUI) -> None:
        """In Complete outputs, a scanned output is marked and a scanned location fills Location."""
        async with scan_app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            scan_app.open_build(3)
            await settle(pilot)
            await press(pilot, "c")
            await settle(pilot)
            dialog = scan_app.screen
            assert isinstance(dialog, CompleteOutputsDialog) and dialog.marked == set()
            output = dialog.model.incomplete_outputs[0].pk
            await feed(pilot, f'{{"stockitem": {output}}}', SCANNER)
            assert dialog.marked == {output}
            await feed(pilot, '{"stocklocation": 8}', SCANNER)
            assert dialog.query_one("#location", Select).value == 8
            await feed(pilot, "LOC-FG", SCANNER)  # custom barcode linked to Finished Goods
            assert dialog.query_one("#location", Select).value == 7

    async def test_scan_field_accepts_manual_entry(self, scan_app: BuildTUI) -> None:
        """F2 takes a code typed by hand, which opens the build; F3 lists it in the scan log."""
        async with scan_app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            await pilot.press("f2")
            await settle(pilot)
            scan_app.screen.query_one("#code", Input).value = "BO-0003"
            await pilot.press("enter")
            await settle(pilot)
            assert isinstance(scan_app.screen, BuildDetailScreen) and scan_app.screen.pk == 3
            await pilot.press("f3")
            await settle(pilot)
            assert scan_app.screen.query_one("#scan-log", DataTable).row_count == 1


class TestTrackedLines:
    async def test_tracked_component_goes_to_the_chosen_output(self, scan_app: BuildTUI) -> None:
        """On a tracked build with two outputs, a serialised component asks which output (one key)."""
        async with scan_app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            scan_app.open_build(5)  # CU-200: outputs 101 and 102 already have their Wi-Fi modules
            await settle(pilot)
            screen = scan_app.screen
            assert isinstance(screen, BuildDetailScreen) and screen.model is not None
            wifi = api(scan_app).get("/api/stock/", params={"serial": "110"}).json()[0]["pk"]
            await feed(pilot, f"INV-SI{wifi}", SCANNER, wait=False)
            await pilot.pause(0.3)  # the operator reads the question (a key right behind a scan is taken as part of it)
            assert isinstance(scan_app.screen, ChooserDialog)
            await press(pilot, "2")
            await settle(pilot)
            line = next(ln for ln in screen.model.lines if ln.trackable)
            second = screen.model.incomplete_outputs[1].pk
            assert any(
                a.stock_item == wifi and a.install_into == second and a.quantity == 1 for a in line.allocations or []
            )


class TestSupplierLabels:
    WITHOUT_CONTROLS = "".join(ch for ch in MOUSER if ch.isprintable())

    @pytest.mark.parametrize(
        "typed, sent",
        [
            (DIGIKEY, DIGIKEY),  # ctrl+^ / ctrl+] / ctrl+d: EOT ends the scan
            (MOUSER + "\r", MOUSER),  # ... and a wedge that adds Enter after EOT
            (WITHOUT_CONTROLS, WITHOUT_CONTROLS),  # control characters dropped, no terminator
            (WITHOUT_CONTROLS + "\r", WITHOUT_CONTROLS),
            (MOUSER.replace("\x1e", "^^").replace("\x1d", "^]").replace("\x04", "^D") + "\r", MOUSER),
        ],
        ids=["digikey", "mouser-enter", "dropped", "dropped-enter", "caret-substitutes"],
    )
    async def test_label_is_one_scan_and_no_shortcut(
        self, scan_app: BuildTUI, monkeypatch: pytest.MonkeyPatch, typed: str, sent: str
    ) -> None:
        """A linked Digi-Key/Mouser label scanned on a build allocates its reel; none of A, C, D, N, F... acts."""
        label = DIGIKEY if sent.startswith("[)>\x1e06\x1dP296") else MOUSER
        r = api(scan_app).post("/api/barcode/link/", json={"barcode": label, "stockitem": 13})  # the PCB reel
        assert r.status_code == 200, r.text
        codes = spy_scans(scan_app, monkeypatch)
        async with scan_app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            screen = await open_build(pilot, 11)
            assert screen.model is not None
            depth = len(scan_app.screen_stack)
            await feed(pilot, typed, SCANNER, enter=False)
            assert codes == [sent]
            assert scan_app.screen is screen and len(scan_app.screen_stack) == depth  # no dialog opened
            pcb = next(ln for ln in screen.model.lines if ln.part_detail and ln.part_detail.IPN == "PCB-SB-C")
            assert pcb.allocated == 5 and last_log(scan_app).ok and len(scan_app.scans.log) == 1


class TestTiming:
    async def test_scanner_at_50_ms_per_key(self, scan_app: BuildTUI, monkeypatch: pytest.MonkeyPatch) -> None:
        """A slow scanner (50 ms per key) typing INV-SI13 on a build allocates; N and S do not act."""
        codes = spy_scans(scan_app, monkeypatch)
        async with scan_app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            screen = await open_build(pilot, 11)
            assert screen.model is not None
            await feed(pilot, "INV-SI13", 0.05)
            assert codes == ["INV-SI13"] and scan_app.screen is screen
            pcb = next(ln for ln in screen.model.lines if ln.part_detail and ln.part_detail.IPN == "PCB-SB-C")
            assert pcb.allocated == 5

    @pytest.mark.parametrize("terminator", ["\r", ""])
    async def test_scan_while_the_loop_is_busy(
        self, scan_app: BuildTUI, monkeypatch: pytest.MonkeyPatch, terminator: str
    ) -> None:
        """A scan read while a callback blocks the loop for 300 ms is still one scan (with or without Enter)."""
        codes = spy_scans(scan_app, monkeypatch)
        async with scan_app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            screen = await open_build(pilot, 11)
            assert screen.model is not None
            first, *rest = parse("INV-SI13" + terminator)
            t0 = scan_app.clock()
            first.time = t0
            scan_app.post_message(first)
            await pilot.pause()  # 'I' is held; its quiet timer is due at t0 + gap
            assert scan_app.scanner.held

            driver = scan_app._driver
            assert driver is not None

            def driver_thread() -> None:  # the input thread reads the rest on time; the loop cannot take them
                for i, event in enumerate(rest, start=1):
                    event.time = t0 + i * SCANNER
                    driver.send_message(event)

            def busy() -> None:
                reader = threading.Thread(target=driver_thread)
                reader.start()
                time.sleep(0.3)  # a blocking callback: the timer is overdue when the loop comes back
                reader.join()

            scan_app.call_later(busy)
            await quiet(pilot)
            await settle(pilot)
            assert codes == ["INV-SI13"] and scan_app.screen is screen
            pcb = next(ln for ln in screen.model.lines if ln.part_detail and ln.part_detail.IPN == "PCB-SB-C")
            assert pcb.allocated == 5

    async def test_person_at_120_ms_is_never_a_scan(self, scan_app: BuildTUI, monkeypatch: pytest.MonkeyPatch) -> None:
        """A person typing at 120 ms per key types into the search box and uses shortcuts; nothing is scanned."""
        codes = spy_scans(scan_app, monkeypatch)
        async with scan_app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            await feed(pilot, "/INV-SI13", HUMAN, enter=False)
            assert scan_app.screen.query_one("#search", Input).value == "INV-SI13"
            await pilot.press("escape")
            await open_build(pilot, 11)
            await feed(pilot, "C", HUMAN, enter=False)
            assert isinstance(scan_app.screen, CancelBuildDialog)  # the shortcut works, one gap late at most
            assert codes == [] and not scan_app.scans.log

    async def test_fast_typist_keys_land_where_the_first_one_sent_them(self, scan_app: BuildTUI) -> None:
        """'/Pu' typed 50 ms apart (a short burst, not a scan): '/' opens the search box and it gets 'Pu'."""
        async with scan_app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            await feed(pilot, "/Pu", 0.05, enter=False)
            assert scan_app.screen.query_one("#search", Input).value == "Pu" and not scan_app.scans.log

    async def test_keys_read_all_at_once_act_in_their_order(self, scan_app: BuildTUI) -> None:
        """Keys typed during a stall of a slow SSH link arrive together: ⌫⌫⌫1⏎ in the allocate dialog's quantity
        still allocates 1 (the backspaces reached the field after the 1 and left it empty: "Enter a quantity")."""
        from buildtui.dialogs.allocate import AllocateDialog

        async with scan_app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            screen = await open_build(pilot, 11)
            await press(pilot, *["down"] * 6, "a")
            dialog = scan_app.screen
            assert isinstance(dialog, AllocateDialog)
            line = dialog.line.pk
            await send(pilot, "\x7f\x7f\x7f1\r", 0.0)
            await quiet(pilot)
            await settle(pilot)
            assert scan_app.screen is screen and screen.model is not None
            assert next(ln for ln in screen.model.lines if ln.pk == line).allocated == 1

    async def test_a_shortcut_key_waits_one_gap(self, scan_app: BuildTUI, monkeypatch: pytest.MonkeyPatch) -> None:
        """A lone '?' reaches the screen one gap after it was read (a scan could still have followed), no later."""
        from textual.app import App

        waited: list[float] = []
        original = App.on_event

        async def on_event(app: BuildTUI, event: events.Event) -> None:
            if isinstance(event, events.Key) and not event.is_forwarded and event.key == "question_mark":
                waited.append(app.clock() - event.time)
            await original(app, event)

        monkeypatch.setattr(App, "on_event", on_event)
        async with scan_app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            for _ in range(10):
                await send(pilot, "?", SCANNER)
                await quiet(pilot)
                assert isinstance(scan_app.screen, HelpScreen)
                await pilot.press("escape")
                await pilot.pause()
        gap = scan_app.scanner.gap
        assert min(waited) >= gap and sorted(waited)[len(waited) // 2] <= gap + 0.03, waited


class TestDialogs:
    async def test_scan_in_open_by_reference_opens_the_build(self, scan_app: BuildTUI) -> None:
        """ctrl+g, then a scanned build reference: the dialog closes and the build opens."""
        async with scan_app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            await pilot.press("ctrl+g")
            await settle(pilot)
            assert isinstance(scan_app.screen, GotoBuildDialog)
            await feed(pilot, "BO-0004", SCANNER)
            assert isinstance(scan_app.screen, BuildDetailScreen) and scan_app.screen.pk == 4
            assert not any(isinstance(s, GotoBuildDialog) for s in scan_app.screen_stack)
            assert last_log(scan_app).ok and last_log(scan_app).outcome == "Opened BO-0004."

    async def test_held_keys_never_toggle_a_box_or_press_a_button(self, scan_app: BuildTUI) -> None:
        """A scan (with spaces and Enter) into the cancel dialog, a checkbox focused: nothing ticked or pressed."""
        async with scan_app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            await open_build(pilot, 11)
            await feed(pilot, "C", HUMAN, enter=False)
            dialog = scan_app.screen
            assert isinstance(dialog, CancelBuildDialog)
            box = dialog.query_one("#remove_allocated_stock", Checkbox)
            box.focus()
            await pilot.pause()
            await feed(pilot, "QTY:1 PN:WBP-302 PO:19361337/1 MPN:WBP-302 RoHS", SCANNER)
            assert scan_app.screen is dialog and not box.value
            assert not dialog.query_one("#remove_incomplete_outputs", Checkbox).value
            assert api(scan_app).get("/api/build/11/").json()["status"] != 30  # not cancelled
            assert not last_log(scan_app).ok

    async def test_f2_field_closes_when_a_scanner_is_used(self, scan_app: BuildTUI) -> None:
        """With the F2 field open, a scanner burst is a scan as anywhere else: the field closes, the build opens."""
        async with scan_app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            await pilot.press("f2")
            await settle(pilot)
            assert isinstance(scan_app.screen, ScanDialog)
            await feed(pilot, "INV-BO3", SCANNER)
            assert isinstance(scan_app.screen, BuildDetailScreen) and scan_app.screen.pk == 3
            assert len(scan_app.scans.log) == 1


class TestDetectionOff:
    async def test_gap_zero_passes_keys_at_once_and_f2_still_scans(self, server: SimulatorServer, token: str) -> None:
        """scan_gap_ms = 0: every key reaches the screen at once (no hold); the F2 field resolves a typed code."""
        app = make_app(server.url, token, scan_gap_ms=0.0)
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            await send(pilot, "/Pump", HUMAN)
            await pilot.pause()
            assert app.screen.query_one("#search", Input).value == "Pump" and not app.scanner.held
            await pilot.press("escape", "f2")
            await settle(pilot)
            await pilot.press(*"INV-BO3", "enter")
            await settle(pilot)
            assert isinstance(app.screen, BuildDetailScreen) and app.screen.pk == 3


class TestSecrets:
    async def test_a_password_typed_fast_is_never_a_scan(self, scan_app: BuildTUI) -> None:
        """In the sign-in dialog's password field, keys at scanner speed (a password manager's auto-type) go
        into the field: nothing is looked up as a barcode and nothing lands in the scan log."""
        from buildtui.dialogs.login import LoginDialog

        async with scan_app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            dialog = LoginDialog(scan_app.store, reason="test", server="simulator")
            scan_app.push_screen(dialog)
            await settle(pilot)
            dialog.query_one("#password", Input).focus()
            await pilot.pause()
            await send(pilot, "s3cret-Pa55word", SCANNER)
            await quiet(pilot)
            assert dialog.query_one("#password", Input).value == "s3cret-Pa55word"
            assert not scan_app.scans.log
