"""Kitting (issue 20, item 4): on the pick list a scanned location (or k and a chosen one) moves the build's
allocated stock there with one ``POST /api/stock/transfer/``; allocations left behind by a split are re-pointed
to the new item. Checked on the simulator's database, over real HTTP."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest
from textual.pilot import Pilot
from textual.widgets import Select

from buildtui.app import BuildTUI
from buildtui.dialogs.info import InfoDialog
from buildtui.dialogs.kitting import KitDialog
from buildtui.screens.build_detail import BuildDetailScreen
from buildtui.simulator import SimulatorServer
from buildtui.simulator.faults import DropHow
from buildtui.widgets.keyed_table import KeyedTable
from tests.conftest import make_app, open_build, settle

BUILD = 29  # BO-0029: PCB, LED, 1k resistor (its reel also allocated to BO-0022), pin header
LINE_1, LINE_2, SHELF_C = 6, 13, 4
LINE_1_CODE = '{"stocklocation": 6}'


def seeded_allocations() -> dict[tuple[int, str], int]:
    """(build, part IPN) -> allocation pk in the demo data, read from a freshly seeded database (pks are never
    reused, so they follow from the seed's history, not from a count)."""
    from buildtui.simulator.db import Database
    from buildtui.simulator.seed import seed_demo

    db = Database(":memory:")
    seed_demo(db)
    sql = (
        "SELECT bi.id, bl.build, p.IPN FROM build_item bi JOIN build_line bl ON bl.id = bi.build_line"
        " JOIN bom_item b ON b.id = bl.bom_item JOIN part p ON p.id = b.sub_part"
    )
    return {(int(r["build"]), str(r["IPN"])): int(r["id"]) for r in db.all(sql)}


_SEEDED = seeded_allocations()
#: BO-0029's allocations: the PCB, the red LEDs, the 1k resistors (from a reel BO-0022 also draws on), the header
PCB, LED, RES, HDR = (_SEEDED[(BUILD, ipn)] for ipn in ("PCB-LIP8-A", "D-LED-R", "R-0603-1K", "J-HDR-1X10"))
SHARED = _SEEDED[(22, "R-0603-1K")]  # BO-0022's 100 on the same 1k reel


def api(server: SimulatorServer) -> httpx.Client:
    return httpx.Client(verify=False, base_url=server.url, auth=("admin", "inventree"))


def rows(server: SimulatorServer, sql: str, *args: object) -> list[dict[str, Any]]:
    return [dict(r) for r in server.sim.db.all(sql, args)]


def build_items(server: SimulatorServer, build: int) -> list[dict[str, Any]]:
    """The build's allocations with their stock items, straight from the server's database."""
    return rows(
        server,
        "SELECT bi.id, bi.build_line, bi.quantity, bi.stock_item, s.location, s.quantity AS held, s.parent"
        " FROM build_item bi JOIN build_line bl ON bl.id = bi.build_line JOIN stock s ON s.id = bi.stock_item"
        " WHERE bl.build = ? ORDER BY bi.id",
        build,
    )


def part_totals(server: SimulatorServer) -> dict[int, float]:
    """Stock held per part, everywhere: a move changes none of it."""
    return {r["part"]: r["total"] for r in rows(server, "SELECT part, SUM(quantity) AS total FROM stock GROUP BY part")}


def transfers(server: SimulatorServer) -> int:
    return len([p for m, p in server.sim.log if m == "POST" and p.startswith("/api/stock/transfer/")])


def whole_pcb(server: SimulatorServer) -> int:
    """Make BO-0029's PCB allocation cover a whole item: one PCB split off to Shelf C, the allocation moved to
    it (so the kit has an item that moves whole next to the splits)."""
    http = api(server)
    r = http.post("/api/stock/transfer/", json={"items": [{"pk": 117, "quantity": 1}], "location": SHELF_C})
    assert r.status_code == 201
    pcb = http.get("/api/stock/", params={"ancestor": 117}).json()[0]["pk"]
    assert http.patch(f"/api/build/item/{PCB}/", json={"stock_item": pcb}).status_code == 200
    return int(pcb)


async def scan(pilot: Pilot[None], code: str) -> None:
    """A scan, as the scanner's burst reaches the app."""
    app = pilot.app
    assert isinstance(app, BuildTUI)
    await app.scans.handle(code)
    await settle(pilot)


async def kit_dialog(pilot: Pilot[None], code: str = LINE_1_CODE) -> KitDialog:
    """On the pick list, scan the kit location: the dialog opens with the plan read."""
    await pilot.press("2")
    await scan(pilot, code)
    dialog = pilot.app.screen
    assert isinstance(dialog, KitDialog) and dialog.plan is not None
    return dialog


def result_text(pilot: Pilot[None]) -> str:
    info = pilot.app.screen
    assert isinstance(info, InfoDialog), type(info)
    return info.body


class TestWholeBuild:
    async def test_whole_pick_list_moves_with_every_allocation(self, server: SimulatorServer, token: str) -> None:
        """Scan Line 1 on BO-0029's pick list, Enter: one transfer; the PCB moves whole, the LED, resistor and
        header are split and their allocations re-pointed; every allocation ends on stock at Line 1."""
        pcb = whole_pcb(server)
        before = build_items(server, BUILD)
        totals = part_totals(server)
        shared = rows(server, "SELECT * FROM build_item WHERE id = ?", SHARED)[0]  # BO-0022's 100 on the same 1k reel
        app = make_app(server.url, token)
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            await open_build(pilot, BUILD)
            dialog = await kit_dialog(pilot)
            assert dialog.plan is not None
            assert dialog.plan.counts() == "1 whole, 3 split"
            assert dialog.focused is not None and dialog.focused.id == "submit"
            await pilot.press("enter")
            await settle(pilot)
            text = result_text(pilot)
            assert (
                "1 item whole, 3 split off as new items" in text
                and "All 4 allocations are on stock at Production/Line 1" in text
            )
        after = build_items(server, BUILD)
        assert [a["location"] for a in after] == [LINE_1] * 4
        assert [(a["id"], a["build_line"], a["quantity"]) for a in after] == [
            (b["id"], b["build_line"], b["quantity"]) for b in before
        ]
        moved = {a["id"]: a for a in after}
        assert moved[PCB]["stock_item"] == pcb  # whole: same pk
        for b in before:
            if b["stock_item"] != pcb:  # split: a new item holding exactly the allocation, the original the rest
                new = moved[b["id"]]
                assert new["parent"] == b["stock_item"] and new["held"] == b["quantity"]
                left = rows(server, "SELECT quantity, location FROM stock WHERE id = ?", b["stock_item"])[0]
                assert (left["quantity"], left["location"]) == (b["held"] - b["quantity"], b["location"])
                assert len(rows(server, "SELECT id FROM stock WHERE parent = ?", b["stock_item"])) == 1
        assert part_totals(server) == totals  # nothing made, nothing lost
        assert transfers(server) == 2  # the set-up's and the kit's: sent once
        assert rows(server, "SELECT * FROM build_item WHERE id = ?", SHARED)[0] == shared  # BO-0022's stays on the reel

    async def test_k_and_a_chosen_location_on_marked_lines(self, server: SimulatorServer, token: str) -> None:
        """v marks the LED and resistor lines on the pick list, k opens the move for the marked lines, the location
        is chosen in the list: only those two allocations move; the PCB and header stay."""
        before = {a["id"]: a for a in build_items(server, BUILD)}
        app = make_app(server.url, token)
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            screen = await open_build(pilot, BUILD)
            await pilot.press("2")
            await settle(pilot)
            keys = screen.query_one("#picks", KeyedTable).row_keys
            assert keys == [
                f"a{LED}",
                f"a{RES}",
                f"a{PCB}",
                f"a{HDR}",
            ]  # Shelf A: LED, resistor; Shelf B: PCB; Shelf D: header
            await pilot.press("v", "v", "k")
            await settle(pilot)
            dialog = pilot.app.screen
            assert isinstance(dialog, KitDialog)
            assert dialog.query_one("#scope", Select).value == "marked" and dialog.lines() == [237, 238]
            dialog.query_one("#location", Select).value = LINE_2
            await settle(pilot)
            assert dialog.plan is not None and dialog.plan.counts() == "2 split"
            await pilot.press("enter")  # from the list: to «Move» first (only Enter there moves the stock)
            assert dialog.focused is not None and dialog.focused.id == "submit"
            await pilot.press("enter")
            await settle(pilot)
            assert "All 2 allocations are on stock at Production/Line 2" in result_text(pilot)
            assert not screen.view.marked
        after = {a["id"]: a for a in build_items(server, BUILD)}
        assert after[LED]["location"] == after[RES]["location"] == LINE_2
        assert after[PCB] == before[PCB] and after[HDR] == before[HDR]

    async def test_items_already_there_are_skipped(self, server: SimulatorServer, token: str) -> None:
        """A second kit move to the same place finds everything there: nothing to move, nothing sent."""
        app = make_app(server.url, token)
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            await open_build(pilot, BUILD)
            await kit_dialog(pilot)
            await pilot.press("enter")
            await settle(pilot)
            await pilot.press("escape")
            await settle(pilot)
            again = await kit_dialog(pilot)
            assert again.plan is not None and again.plan.counts() == "nothing to move, 4 already there"
            await pilot.press("enter")
            await settle(pilot)
            assert pilot.app.screen is again and "Nothing to move" in str(again.query_one("#err-form").render())
        assert transfers(server) == 1


class TestWhatCannotFollow:
    async def test_refused_repoint_and_quarantined_stock_are_reported(
        self, server: SimulatorServer, token: str
    ) -> None:
        """The header is quarantined: held back, with the reason. Someone allocates the resistor's split to
        BO-0022 before the re-point lands: the server refuses it, and the result names both, with why."""
        server.sim.db.conn.execute("UPDATE stock SET status = 75 WHERE id = 118")
        app = make_app(server.url, token)
        original: Callable[..., Any] = app.client.repoint_allocation

        async def raced(pk: int, stock_item: int) -> Any:
            if pk == RES:  # another terminal allocates the freshly split resistors first
                r = api(server).post(
                    "/api/build/22/allocate/",
                    json={"items": [{"build_line": 112, "stock_item": stock_item, "quantity": 8}]},
                )
                assert r.status_code == 201, r.text
            return await original(pk, stock_item)

        app.client.repoint_allocation = raced  # type: ignore[method-assign]
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            await open_build(pilot, BUILD)
            dialog = await kit_dialog(pilot)
            assert dialog.plan is not None and dialog.plan.counts() == "3 split, 1 held back"
            await pilot.press("enter")
            await settle(pilot)
            text = result_text(pilot)
        assert "2 of 4 allocations are on stock at Production/Line 1" in text
        assert "Resistor 1k 0603 (batch R1K-2405, 8): the server refused to re-point it" in text
        assert "Stock item is over-allocated" in text
        assert "Pin header 1x10 2.54mm (item 118, 1): not moved (quarantined, not in stock)" in text
        after = {a["id"]: a for a in build_items(server, BUILD)}
        assert after[RES]["stock_item"] == 63 and after[HDR]["stock_item"] == 118  # both stay where they were
        assert after[PCB]["location"] == after[LED]["location"] == LINE_1


class TestFailures:
    async def test_refused_transfer_keeps_the_choice(self, server: SimulatorServer, token: str) -> None:
        """The LED reel is used up by another build while the dialog is open: the server refuses and moves
        nothing; the dialog stays with Line 2 and the marked lines, names the LED, and the plan is read
        again (the LED held back); Enter on «Move» then moves the rest."""
        app = make_app(server.url, token)
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            await open_build(pilot, BUILD)
            await pilot.press("2", "v", "v")
            await scan(pilot, '{"stocklocation": 13}')
            dialog = pilot.app.screen
            assert isinstance(dialog, KitDialog)
            server.sim.db.conn.execute("UPDATE stock SET consumed_by = 1 WHERE id = 83")
            await pilot.press("enter")
            await settle(pilot)
            assert id(pilot.app.screen) == id(dialog)  # still open
            assert dialog.query_one("#location", Select).value == LINE_2
            assert dialog.query_one("#scope", Select).value == "marked"
            said = str(dialog.query_one("#err-form").render())
            assert (
                "The server moved nothing" in said
                and "LED red 0603 batch LEDR-2404: Stock item is not in stock" in said
            )
            assert dialog.plan is not None and dialog.plan.counts() == "1 split, 1 held back"
            assert dialog.focused is not None and dialog.focused.id == "submit"
            await pilot.press("enter")
            await settle(pilot)
            assert "1 of 2 allocations are on stock at Production/Line 2" in result_text(pilot)
        assert transfers(server) == 2
        assert {a["id"]: a["location"] for a in build_items(server, BUILD)}[RES] == LINE_2

    @pytest.mark.parametrize("how", ["close", "reset"])
    async def test_lost_answer_is_looked_for_not_sent_again(
        self, server: SimulatorServer, token: str, how: DropHow
    ) -> None:
        """The transfer's answer is lost after the server moved the stock: the items are read, the move is
        found done, the splits are re-pointed, and the transfer was sent once."""
        server.sim.faults.add("drop", method="POST", path=r"/api/stock/transfer/$", times=1, how=how)
        app = make_app(server.url, token)
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            await open_build(pilot, BUILD)
            await kit_dialog(pilot)
            await pilot.press("enter")
            await settle(pilot)
            assert "All 4 allocations are on stock at Production/Line 1" in result_text(pilot)
        assert transfers(server) == 1 and server.sim.faults.count("drop") == 1
        assert [a["location"] for a in build_items(server, BUILD)] == [LINE_1] * 4

    async def test_transfer_not_carried_out_may_be_sent_again(self, server: SimulatorServer, token: str) -> None:
        """A proxy answers 504 and the server did nothing: the items are read, the dialog says it did NOT move
        and keeps Line 1; Enter on «Move» sends it again, and everything moves once."""
        server.sim.faults.add("lost", method="POST", path=r"/api/stock/transfer/$", times=1, delay_s=0.05)
        app = make_app(server.url, token)
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            await open_build(pilot, BUILD)
            dialog = await kit_dialog(pilot)
            await pilot.press("enter")
            await settle(pilot)
            assert id(pilot.app.screen) == id(dialog)
            said = str(dialog.query_one("#err-form").render())
            assert "it did NOT move the stock to the kit location" in said and "Press Enter to try again" in said
            assert dialog.query_one("#location", Select).value == LINE_1
            assert [a["location"] for a in build_items(server, BUILD)] != [LINE_1] * 4
            dialog.query_one("#submit").focus()
            await pilot.press("enter")
            await settle(pilot)
            assert "All 4 allocations are on stock at Production/Line 1" in result_text(pilot)
        assert transfers(server) == 2  # the lost one (not carried out) and the one that did it
        assert [len(rows(server, "SELECT id FROM stock WHERE parent = ?", pk)) for pk in (83, 63, 117, 118)] == [1] * 4

    async def test_lost_repoint_answer_is_decided_by_the_re_read(self, server: SimulatorServer, token: str) -> None:
        """The answer to one re-point is cut after the server made it: the build read again shows it at the kit,
        so nothing is reported missing and nothing is sent twice."""
        server.sim.faults.add("drop", method="PATCH", path=rf"/api/build/item/{RES}/$", times=1)
        app = make_app(server.url, token)
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            await open_build(pilot, BUILD)
            await kit_dialog(pilot)
            await pilot.press("enter")
            await settle(pilot)
            assert "All 4 allocations are on stock at Production/Line 1" in result_text(pilot)
        patches = [p for m, p in server.sim.log if m == "PATCH"]
        assert sorted(patches) == sorted(f"/api/build/item/{pk}/" for pk in (PCB, LED, RES, HDR))

    async def test_location_scan_elsewhere_says_where(self, server: SimulatorServer, token: str) -> None:
        """On the lines tab a scanned location moves nothing and says to use the pick list."""
        app = make_app(server.url, token)
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            await open_build(pilot, BUILD)
            await scan(pilot, LINE_1_CODE)
            assert isinstance(pilot.app.screen, BuildDetailScreen)
            entry = app.scans.log[-1]
            assert not entry.ok and "on the pick list (2)" in entry.outcome
        assert transfers(server) == 0


SIZES = [(80, 24), (120, 40)]


@pytest.mark.parametrize("size", SIZES, ids=["80x24", "120x40"])
@pytest.mark.parametrize("step", ["confirm", "result"])
def test_snapshot(snap_compare: Any, server: SimulatorServer, token: str, step: str, size: tuple[int, int]) -> None:
    """The kit move's plan before Enter, and its result after, at both sizes."""
    whole_pcb(server)
    server.sim.db.conn.execute("UPDATE stock SET status = 75 WHERE id = 118")

    async def run_before(pilot: Pilot[None]) -> None:
        await settle(pilot)
        pilot.app.open_build(BUILD)  # type: ignore[attr-defined]
        await settle(pilot)
        await kit_dialog(pilot)
        if step == "result":
            await pilot.press("enter")
            await settle(pilot)
        await pilot.pause()

    assert snap_compare(make_app(server.url, token), terminal_size=size, run_before=run_before)
