"""The scan session (s on a build): every scan allocates with no key between scans, a tally per line that
matches the server, a bell per scan and two for a refusal, each scan undoable, and a summary at the end."""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from collections.abc import Callable
from decimal import Decimal

import httpx
from textual.pilot import Pilot

from buildtui.app import BuildTUI
from buildtui.dialogs.chooser import ChooserDialog
from buildtui.dialogs.info import InfoDialog
from buildtui.screens.build_detail import BuildDetailScreen
from buildtui.screens.scan_session import ScanSessionScreen
from buildtui.simulator import SimulatorServer
from buildtui.widgets.keyed_table import KeyedTable
from tests.conftest import open_build, settle

#: ten scans on BO-0019 (15 sensor boards, nothing allocated yet): the screws of INV-SI14 are undone after the
#: eighth and taken from INV-SI15 instead; INV-SI5 is refused (used up by BO-0001)
SESSION = [
    "INV-SI1",  # 10k reel: 60 to the 10k line
    "INV-SI4",  # Yageo 4k7, a substitute: 30 to the 4k7 line
    "INV-SI6",  # 100nF 0603, a variant of the template on the BOM: 90
    "INV-SI9",  # ATmega328P, 12 of the 15 needed
    "INV-SI8",  # ATmega328P, the 3 still needed
    "INV-SI11",  # LEDs: 30
    "INV-SI13",  # PCBs: 15
    "INV-SI14",  # screws from the 1940 box: 70 (then undone)
    "INV-SI5",  # refused: used up by a build
    "INV-SI15",  # screws from the 100 box: 70
]


def api(app: BuildTUI) -> httpx.Client:
    return httpx.Client(
        verify=False, base_url=app.config.server, headers={"Authorization": f"Token {app.config.token}"}
    )


def server_allocations(app: BuildTUI, build: int) -> dict[int, Decimal]:
    """What the server has allocated to each line of ``build`` (GET /api/build/item/)."""
    rows = api(app).get("/api/build/item/", params={"build": build}).json()
    totals: dict[int, Decimal] = defaultdict(Decimal)
    for row in rows if isinstance(rows, list) else rows["results"]:
        totals[int(row["build_line"])] += Decimal(str(row["quantity"]))
    return dict(totals)


def server_lines(app: BuildTUI, build: int) -> dict[int, dict[str, object]]:
    rows = api(app).get("/api/build/line/", params={"build": build}).json()
    return {int(r["pk"]): r for r in (rows if isinstance(rows, list) else rows["results"])}


async def until(pilot: Pilot[None], done: Callable[[], bool], what: str) -> None:
    """Wait (on the app's own loop) until ``done()``; at most 5 s."""
    for _ in range(500):
        if done():
            return
        await pilot.pause(0.01)
    raise AssertionError(f"still not {what}")


async def start_session(pilot: Pilot[None], build: int) -> ScanSessionScreen:
    await settle(pilot)
    await open_build(pilot, build)
    await pilot.press("s")
    await settle(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, ScanSessionScreen)
    return screen


async def scan(pilot: Pilot[None], code: str) -> None:
    app = pilot.app
    assert isinstance(app, BuildTUI)
    app.scan(code)
    await settle(pilot)


def ring_counter(app: BuildTUI) -> list[int]:
    """Turn the bell on and count its rings."""
    app.config = dataclasses.replace(app.config, bell=True)
    rings: list[int] = []
    app.bell = lambda: rings.append(1)  # type: ignore[method-assign]
    return rings


class TestScanSession:
    async def test_ten_scans_one_refusal_one_undo_tally_matches_the_server(self, app: BuildTUI) -> None:
        """Ten scans on BO-0019 with no key between them: nine allocated, one refused (two bells), one undone;
        the tally's allocated and still-needed figures are the server's own."""
        async with app.run_test(size=(80, 24)) as pilot:
            session = await start_session(pilot, 19)
            rings = ring_counter(app)
            requests = app.client.request_count
            for code in SESSION[:8]:
                await scan(pilot, code)
            # undo the screws of INV-SI14: select scan 8 in the list, u
            session.query_one("#session-scans", KeyedTable).select_key("8")
            await pilot.press("u")
            await settle(pilot)
            for code in SESSION[8:]:
                await scan(pilot, code)
            assert app.client.request_count - requests <= 40  # about 3 per scan (bench/scan_session.py)
            await until(pilot, lambda: len(rings) >= 11, "nine bells and two for the refusal")
            await settle(pilot)
            assert len(rings) == 11
            entries = session.session.scans
            assert [e.ok for e in entries] == [True] * 8 + [False, True]
            assert "used up by a build" in entries[8].outcome
            assert [e.number for e in entries if e.undone] == [8]
            assert not isinstance(app.screen, ChooserDialog)

            allocated = server_allocations(app, 19)
            lines = server_lines(app, 19)
            tally = {t.line: t for t in session.session.tally(session.detail.model.lines)}  # type: ignore[union-attr]
            assert {pk for pk, t in tally.items() if t.allocated} == set(allocated)
            for pk, t in tally.items():
                assert t.allocated == allocated.get(pk, Decimal(0)), lines[pk]
                required = Decimal(str(lines[pk]["quantity"]))
                assert t.still_needed == max(required - allocated.get(pk, Decimal(0)), Decimal(0))
            screws = next(t for t in tally.values() if t.label.startswith("HW-M3X6"))
            assert (screws.scans, screws.allocated, screws.still_needed) == (2, Decimal(70), Decimal(0))
            # the one undone is the item of INV-SI14: the screws on the line come from INV-SI15
            items = api(app).get("/api/build/item/", params={"build": 19, "build_line": screws.line}).json()
            assert [(i["stock_item"], i["quantity"]) for i in items] == [(15, 70)]

    async def test_esc_ends_with_the_summary(self, app: BuildTUI) -> None:
        """Esc ends the session: the summary says the scans, what each line got, the refusal and the undo."""
        async with app.run_test(size=(80, 24)) as pilot:
            session = await start_session(pilot, 19)
            for code in ("INV-SI1", "INV-SI5", "INV-SI13"):
                await scan(pilot, code)
            await pilot.press("ctrl+z")  # undoes the last scan: the PCBs
            await settle(pilot)
            assert session.session.scans[2].undone
            await pilot.press("escape")
            await settle(pilot)
            dialog = app.screen
            assert isinstance(dialog, InfoDialog)
            body = dialog.body
            assert body.startswith("3 scan(s): 2 allocated, 1 refused, 1 undone.")
            assert "R-0603-10K Resistor 10k 0603 (R1 R2 R3 R4): 60, nothing more needed" in body
            assert "PCB-SB-C" not in body.split("Refused:")[0]  # undone: nothing stays allocated to it
            assert "• 2 INV-SI5: " in body and "Undone: 3 INV-SI13" in body
            await pilot.press("escape")
            await settle(pilot)
            assert isinstance(app.screen, BuildDetailScreen)
            assert server_allocations(app, 19) == {session.session.scans[0].allocation.line: Decimal(60)}  # type: ignore[union-attr]

    async def test_a_choice_never_waits_for_a_key(self, app: BuildTUI) -> None:
        """On BO-0013 the 10k reel fits two lines: the session refuses it with the reason instead of asking,
        and the next scan is allocated at once."""
        async with app.run_test(size=(80, 24)) as pilot:
            session = await start_session(pilot, 13)
            await scan(pilot, "INV-SI1")
            await scan(pilot, "INV-SI9")  # ATmega328P
            assert isinstance(app.screen, ScanSessionScreen)
            first, second = session.session.scans
            assert not first.ok and "fits 2 lines" in first.outcome and "allocate it with a" in first.outcome
            assert second.ok and second.allocation is not None and second.allocation.quantity == 3
            assert server_allocations(app, 13) == {second.allocation.line: Decimal(3)}

    async def test_other_codes_are_refused_in_the_list(self, app: BuildTUI, server: SimulatorServer) -> None:
        """A build, a location and an unknown code do not leave the session: each is a refusal in its list."""
        async with app.run_test(size=(80, 24)) as pilot:
            session = await start_session(pilot, 19)
            for code in ("BO-0003", "LOC-FG", "NOT-A-CODE-42"):
                await scan(pilot, code)
            assert isinstance(app.screen, ScanSessionScreen)
            outcomes = [(e.ok, e.outcome) for e in session.session.scans]
            assert [ok for ok, _ in outcomes] == [False, False, False]
            assert "end the session (Esc) to open another build" in outcomes[0][1]
            assert "a session allocates stock items only" in outcomes[1][1]
            assert "No match" in outcomes[2][1]

    async def test_several_outputs_refuse_a_tracked_part_instead_of_asking(self, app: BuildTUI) -> None:
        """On BO-0005 (two outputs in production, none selected) a tracked Wi-Fi module is refused with the
        reason: which output is not asked in a session."""
        async with app.run_test(size=(80, 24)) as pilot:
            session = await start_session(pilot, 5)
            wifi = api(app).get("/api/stock/", params={"serial": "110"}).json()[0]["pk"]
            await scan(pilot, f"INV-SI{wifi}")
            assert isinstance(app.screen, ScanSessionScreen)
            (entry,) = session.session.scans
            assert not entry.ok and "2 outputs are in production" in entry.outcome

    async def test_esc_waits_for_the_scan_in_flight(self, app: BuildTUI, server: SimulatorServer) -> None:
        """Esc pressed while a scan is still with a slow server: the summary comes once it is done, and
        counts it."""
        async with app.run_test(size=(80, 24)) as pilot:
            await start_session(pilot, 19)
            server.sim.latency_ms = 300
            app.scan("INV-SI13")
            await until(pilot, lambda: app.scans.in_flight == 1, "the scan sent")
            await pilot.press("escape")
            await until(pilot, lambda: isinstance(app.screen, InfoDialog), "the summary")
            server.sim.latency_ms = 0
            await settle(pilot)
            assert isinstance(app.screen, InfoDialog)
            assert app.screen.body.startswith("1 scan(s): 1 allocated, 0 refused, 0 undone.")
