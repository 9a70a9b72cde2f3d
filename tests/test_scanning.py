"""Barcode scanners: bursts with scanner timing become scans; human timing stays typing (fake clock)."""

from __future__ import annotations

import httpx
import pytest
from textual import events
from textual.keys import _character_to_key
from textual.widgets import Input, Select

from buildtui.dialogs.chooser import ChooserDialog
from buildtui.dialogs.outputs import CompleteOutputsDialog
from buildtui.scan_detector import ScanDetector
from buildtui.screens.build_detail import BuildDetailScreen
from buildtui.screens.build_list import BuildListScreen
from tests.conftest import make_app, open_build, settle

SCANNER = 0.005  # 5 ms between keys
HUMAN = 0.15  # 150 ms between keys


class Clock:
    def __init__(self) -> None:
        self.t = 1000.0

    def __call__(self) -> float:
        return self.t


async def feed(pilot, text: str, gap: float, *, enter: bool = True, wait: bool = True) -> None:
    """Keys as a wedge scanner (or a person) would send them, with the fake clock advanced between keys."""
    app = pilot.app
    for ch in text:
        app.clock.t += gap
        await app.on_event(events.Key(_character_to_key(ch), ch))
        if gap >= 0.05:
            await pilot.pause()  # a person's keys arrive after the previous one was handled
    if enter:
        app.clock.t += gap
        await app.on_event(events.Key("enter", "\r"))
    await pilot.pause(0.1)  # let held keys of a slow burst replay
    if wait:
        await settle(pilot)


@pytest.fixture
def scan_app(server, token):
    app = make_app(server.url, token, scan_gap_ms=30.0)
    app.clock = Clock()
    return app


def api(app) -> httpx.Client:
    return httpx.Client(base_url=app.config.server, headers={"Authorization": f"Token {app.config.token}"})


def last_log(app):
    return app.scans.log[-1]


class TestDetector:
    def test_burst_and_gap(self):
        d: ScanDetector[str] = ScanDetector(gap=0.03, min_length=4)
        for i, ch in enumerate("ABCD"):
            assert not d.stale(i * 0.01)
            d.hold(ch, ch, i * 0.01)
        assert d.is_scan(0.04) and d.take_code() == "ABCD"
        d.hold("x", "x", 1.0)
        assert d.stale(1.2) and not d.is_scan(1.01)  # too short and too slow

    def test_disabled_with_zero_gap(self):
        assert not ScanDetector(gap=0).enabled


class TestAnywhere:
    async def test_build_barcode_opens_build(self, scan_app):
        """A burst of '{"build": 3}' + Enter with scanner timing opens BO-0003 from the list."""
        async with scan_app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            await feed(pilot, '{"build": 3}', SCANNER)
            assert isinstance(scan_app.screen, BuildDetailScreen) and scan_app.screen.pk == 3
            assert last_log(scan_app).ok

    async def test_reference_as_text_and_short_form(self, scan_app):
        async with scan_app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            await feed(pilot, "BO-0004", SCANNER)
            assert scan_app.screen.pk == 4
            await pilot.press("escape")
            await settle(pilot)
            await feed(pilot, "INV-BO5", SCANNER)
            assert scan_app.screen.pk == 5

    async def test_human_typing_is_not_swallowed(self, scan_app):
        """The same keys at human speed are typing: shortcuts work and the search box gets the text."""
        async with scan_app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            await feed(pilot, "a", HUMAN, enter=False)
            assert scan_app.screen.model.query.outstanding is None  # 'a' = all builds
            await feed(pilot, "/Pump", HUMAN, enter=False)
            assert scan_app.screen.query_one("#search", Input).value == "Pump"
            assert isinstance(scan_app.screen, BuildListScreen)

    async def test_scan_into_focused_input_is_intercepted(self, scan_app):
        async with scan_app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            await pilot.press("slash")
            await pilot.pause(0.1)
            scan_app.clock.t += 2  # the operator picks up the scanner
            assert scan_app.screen.query_one("#search", Input).has_focus
            await feed(pilot, "INV-BO3", SCANNER)
            assert isinstance(scan_app.screen, BuildDetailScreen) and scan_app.screen.pk == 3
            assert scan_app.screen_stack[-2].query_one("#search", Input).value == ""

    async def test_unknown_code_fails_with_bell(self, scan_app):
        rings = []
        scan_app.bell = lambda: rings.append(1)  # type: ignore[method-assign]
        scan_app.config = scan_app.config.__class__(**{**scan_app.config.__dict__, "bell": True})
        async with scan_app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            await feed(pilot, "NOTHING-KNOWN-123x", SCANNER)
            entry = last_log(scan_app)
            assert not entry.ok and "No match" in entry.outcome and rings == [1]

    async def test_stock_on_list_says_open_a_build(self, scan_app):
        async with scan_app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            await feed(pilot, "INV-SI1", SCANNER)
            assert "open a build" in last_log(scan_app).outcome


class TestOnABuild:
    async def test_stock_allocated_to_its_line_and_undo(self, scan_app):
        """Scanning the PCB stock on BO-0011 allocates min(still needed, free) to the PCB line; ctrl+z undoes."""
        async with scan_app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            screen = await open_build(pilot, 11)
            before = scan_app.client.request_count
            await feed(pilot, "INV-SI13", SCANNER)  # PCB-C-01 stock
            assert scan_app.client.request_count - before <= 3  # scan, allocate, lines
            pcb = next(ln for ln in screen.model.lines if ln.part_detail.IPN == "PCB-SB-C")
            assert pcb.allocated == 5 and last_log(scan_app).ok
            await pilot.press("ctrl+z")
            await settle(pilot)
            pcb = next(ln for ln in screen.model.lines if ln.part_detail.IPN == "PCB-SB-C")
            assert pcb.allocated == 0

    async def test_substitute_and_custom_barcode(self, scan_app):
        async with scan_app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            screen = await open_build(pilot, 11)
            await feed(pilot, "INV-SI4", SCANNER)  # Yageo 4k7: substitute for R-0603-4K7
            r4k7 = next(ln for ln in screen.model.lines if ln.part_detail.IPN == "R-0603-4K7")
            assert r4k7.allocated == 10
            await feed(pilot, "YAGEO-RC0603-10K-REEL-7", SCANNER)  # supplier barcode linked to stock item 1
            r10k = next(ln for ln in screen.model.lines if ln.part_detail.IPN == "R-0603-10K")
            assert r10k.allocated == 20

    async def test_variant_allowed(self, scan_app):
        async with scan_app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            screen = await open_build(pilot, 11)
            await feed(pilot, "INV-SI6", SCANNER)  # 100nF 0603: a variant of the template on the BOM
            cap = next(ln for ln in screen.model.lines if ln.part_detail.IPN == "C-100N")
            assert cap.allocated == 30

    async def test_ambiguous_asks_with_one_key(self, scan_app):
        """R-0603-10K is on the pump BOM twice: a one-key chooser asks which line."""
        async with scan_app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            screen = await open_build(pilot, 13)
            await feed(pilot, "INV-SI1", SCANNER, wait=False)
            await pilot.pause(0.3)
            assert isinstance(scan_app.screen, ChooserDialog)
            await pilot.press("2")
            await settle(pilot)
            lines = [ln for ln in screen.model.lines if ln.part_detail.IPN == "R-0603-10K"]
            assert [ln.allocated for ln in lines] == [0, 6]

    async def test_failures_say_why(self, scan_app):
        async with scan_app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            await open_build(pilot, 13)  # pump: no LEDs on its BOM
            await feed(pilot, "INV-SI11", SCANNER)  # LED stock
            assert "Wrong part" in last_log(scan_app).outcome
            quarantined = api(scan_app).get("/api/stock/", params={"status": 75}).json()[0]["pk"]
            await feed(pilot, f"INV-SI{quarantined}", SCANNER)
            assert "is not in stock (status: Quarantined)" in last_log(scan_app).outcome
            used = api(scan_app).get("/api/stock/", params={"search": "C100-OLD"}).json()[0]["pk"]  # consumed by BO-0001
            await feed(pilot, f"INV-SI{used}", SCANNER)
            assert "C100-OLD was used up by a build: it cannot be allocated" in last_log(scan_app).outcome
            # all of the fuse stock allocated to another build: nothing free
            fuse = api(scan_app).get("/api/stock/", params={"search": "F-2A", "in_stock": "true"}).json()[0]
            line = api(scan_app).get("/api/build/line/", params={"build": 9, "part_detail": "true"}).json()
            fline = next(ln for ln in line if ln["part_detail"]["IPN"] == "F-2A")
            free = fuse["quantity"] - fuse["allocated"]
            r = api(scan_app).post("/api/build/9/allocate/", json={"items": [
                {"build_line": fline["pk"], "stock_item": fuse["pk"], "quantity": free}]})
            assert r.status_code == 201
            await feed(pilot, f"INV-SI{fuse['pk']}", SCANNER)
            assert "allocated elsewhere" in last_log(scan_app).outcome
            assert not any(e.ok for e in list(scan_app.scans.log)[-3:])


class TestInDialogs:
    async def test_location_and_output_in_complete_dialog(self, scan_app):
        async with scan_app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            scan_app.open_build(3)
            await settle(pilot)
            await pilot.press("c")
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

    async def test_scan_field_accepts_manual_entry(self, scan_app):
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
            assert scan_app.screen.query_one("#scan-log").row_count == 1


class TestTrackedLines:
    async def test_tracked_component_goes_to_the_chosen_output(self, scan_app):
        """On a tracked build with two outputs, a serialised component asks which output (one key)."""
        async with scan_app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            scan_app.open_build(5)  # CU-200: outputs 101 and 102 already have their Wi-Fi modules
            await settle(pilot)
            screen = scan_app.screen
            wifi = api(scan_app).get("/api/stock/", params={"serial": "110"}).json()[0]["pk"]
            await feed(pilot, f"INV-SI{wifi}", SCANNER, wait=False)
            await pilot.pause(0.3)
            assert isinstance(scan_app.screen, ChooserDialog)
            await pilot.press("2")
            await settle(pilot)
            line = next(ln for ln in screen.model.lines if ln.trackable)
            second = screen.model.incomplete_outputs[1].pk
            assert any(a.stock_item == wifi and a.install_into == second and a.quantity == 1
                       for a in line.allocations)
