"""Safe defaults (issue 16, item 3): what the dialogs propose and pre-select never costs stock by itself.

Pilot against the simulator over real HTTP; the demo seed has an expired gasket batch next to a fresh box
(build 16, the service kits) and fuses in boxes of 4 for the pump build that needs 8 (build 9).
"""

from __future__ import annotations

from typing import Any

from textual.widget import Widget
from textual.widgets import Checkbox, Input, Select

from buildtui.api import InvenTreeClient
from buildtui.app import BuildTUI
from buildtui.dialogs.allocate_lines import MultiAllocateDialog
from buildtui.dialogs.build_actions import CancelBuildDialog, FinishBuildDialog
from buildtui.screens.build_detail import BuildDetailScreen
from buildtui.simulator import SimulatorServer
from buildtui.widgets.keyed_table import KeyedTable
from tests import web
from tests.conftest import get_token, open_allocate, open_build, open_dialog, settle

SETTING = "/api/settings/global/STOCK_ALLOW_EXPIRED_BUILD/"


def posts(server: SimulatorServer) -> int:
    return sum(1 for method, _ in server.sim.log if method == "POST")


def stock_by_batch(server: SimulatorServer, token: str, batch: str) -> dict[str, Any]:
    rows = web.get(
        server.url + "/api/stock/", params={"batch": batch}, headers={"Authorization": f"Token {token}"}
    ).json()
    assert len(rows) == 1
    return dict(rows[0])


def allow_expired(server: SimulatorServer, token: str, value: bool) -> None:
    r = web.patch(server.url + SETTING, json={"value": value}, headers={"Authorization": f"Token {token}"})
    assert r.status_code == 200, r.text


def text_of(dialog: Widget, selector: str) -> str:
    return str(dialog.query_one(selector).render())


def cells(dialog: Widget, selector: str = "#candidates") -> list[list[str]]:
    table = dialog.query_one(selector, KeyedTable)
    return [[c.plain for c in table._cells[key]] for key in table.row_keys]


class TestQuantityProposed:
    async def test_fully_allocated_line_proposes_nothing(self, server: SimulatorServer, app: BuildTUI) -> None:
        """Build 3's PCB line, 25 of 25 allocated: the picker says so, the quantity is empty, Enter sends
        nothing and says why."""
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            dialog = await open_allocate(pilot, build=3, downs=6)
            part = dialog.line.part_detail
            assert part is not None and part.IPN == "PCB-SB-C" and dialog.line.allocated == 25
            said = text_of(dialog, "#alloc-line")
            assert "fully allocated: nothing more is needed" in said and "needs 0 more" not in said
            assert dialog.query_one("#quantity", Input).value == ""
            before = posts(server)
            await pilot.press("enter")
            await settle(pilot)
            assert app.screen is dialog and posts(server) == before
            assert "needs nothing more" in text_of(dialog, "#err-quantity")
            assert (await app.client.get_line(dialog.line.pk)).allocated == 25

    async def test_proposal_is_what_the_line_needs_not_the_reel(self, app: BuildTUI) -> None:
        """Build 3's 10k line needs 40 more: 40 is proposed from a reel with hundreds free."""
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            dialog = await open_allocate(pilot, build=3, downs=0)
            item = dialog.current()
            assert dialog.line.still_needed == 40 and item is not None and item.free > 40
            assert dialog.query_one("#quantity", Input).value == "40"


class TestExpiredStock:
    async def test_expired_batch_is_never_the_default(self, app: BuildTUI) -> None:
        """The gasket picker starts on the fresh box with its 4 proposed; the expired batch, which expires
        first, is listed last and reads EXPIRED."""
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            dialog = await open_allocate(pilot, build=16, downs=1)
            part, item = dialog.line.part_detail, dialog.current()
            assert part is not None and part.IPN == "MEC-GSK"
            assert item is not None and item.batch == "GSK-2404"
            assert dialog.query_one("#quantity", Input).value == "4"
            rows = cells(dialog)
            assert [r[3] for r in rows] == ["GSK-2404", "GSK-2311"]
            assert rows[1][4] == "EXPIRED 2026-05-16" and "EXPIRED" not in rows[0][4]
            assert not dialog.query_one("#alloc-hint").display

    async def test_expired_batch_refused_when_the_server_forbids_it(
        self, server: SimulatorServer, app: BuildTUI
    ) -> None:
        """Setting off (InvenTree's default): on the expired batch nothing is proposed, a line says why, and
        a quantity typed anyway is refused with that reason; nothing is sent."""
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            dialog = await open_allocate(pilot, build=16, downs=1)
            await pilot.press("down")
            await settle(pilot)
            item = dialog.current()
            assert item is not None and item.batch == "GSK-2311"
            assert dialog.query_one("#quantity", Input).value == ""
            hint = text_of(dialog, "#alloc-hint")
            assert "Batch GSK-2311 expired on 2026-05-16" in hint and "does not allow" in hint
            await pilot.press("shift+tab", "space")  # marking it (on the list) is refused too
            assert not dialog.marked and "does not allow" in text_of(dialog, "#err-candidates")
            before = posts(server)
            await pilot.press("tab", "6", "enter")
            await settle(pilot)
            assert app.screen is dialog and dialog.query_one("#quantity", Input).value == "6"
            assert "STOCK_ALLOW_EXPIRED_BUILD" in text_of(dialog, "#err-candidates")
            assert posts(server) == before and (await app.client.get_line(dialog.line.pk)).allocated == 0

    async def test_expired_batch_allowed_when_the_setting_is_on(
        self, server: SimulatorServer, token: str, app: BuildTUI
    ) -> None:
        """Setting on: the expired batch is still not the default, but a quantity typed for it is allocated."""
        allow_expired(server, token, True)
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            dialog = await open_allocate(pilot, build=16, downs=1)
            item = dialog.current()
            assert item is not None and item.batch == "GSK-2404" and dialog.allow_expired is True
            await pilot.press("down")
            await settle(pilot)
            assert dialog.query_one("#quantity", Input).value == ""
            assert "allows building with expired stock" in text_of(dialog, "#alloc-hint")
            await pilot.press("6", "enter")
            await settle(pilot)
            assert isinstance(app.screen, BuildDetailScreen)
            line = await app.client.get_line(dialog.line.pk)
            assert line.allocated == 6
            assert [a.stock_item_detail.batch if a.stock_item_detail else None for a in line.allocations or []] == [
                "GSK-2311"
            ]


class TestSeveralLines:
    async def test_a_line_needing_8_from_boxes_of_4_gets_8(self, server: SimulatorServer, app: BuildTUI) -> None:
        """Build 9's fuse line needs 8: v + a proposes 8 from several items, oldest first (the 1 left in the
        old box, then the boxes of 4), and Enter allocates the 8 in one request."""
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            screen = await open_build(pilot, 9)
            await pilot.press("down", "down")
            selected = screen.selected_line()
            assert selected is not None and selected.part_detail is not None
            assert selected.part_detail.IPN == "F-2A" and selected.still_needed == 8
            await pilot.press("v", "a")
            await settle(pilot)
            dialog = app.screen
            assert isinstance(dialog, MultiAllocateDialog)
            [proposal] = dialog.proposals
            assert proposal.proposed == 8 and proposal.short == 0
            assert [t.quantity for t in proposal.takes] == [1, 4, 3]
            assert [r[3] for r in cells(dialog, "#proposals")] == ["1", "4", "3"]
            assert "1 of 1 line(s) covered" in text_of(dialog, "#proposal-head")
            before = posts(server)
            await pilot.press("enter")
            await settle(pilot)
            assert isinstance(app.screen, BuildDetailScreen) and posts(server) == before + 1
            assert screen.model is not None
            assert next(ln for ln in screen.model.lines if ln.pk == proposal.line.pk).allocated == 8

    async def test_what_stays_short_is_said_per_line(self, app: BuildTUI) -> None:
        """The kit build's three lines: fuses short by 6, gaskets short by 2 with the expired batch left
        out and said, screws covered; no expired stock is proposed."""
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            await open_build(pilot, 16)
            await pilot.press("v", "v", "v", "a")
            await settle(pilot)
            dialog = app.screen
            assert isinstance(dialog, MultiAllocateDialog)
            assert [p.short for p in dialog.proposals] == [6, 2, 0]
            assert all(t.item.batch != "GSK-2311" for _, t in dialog.takes)
            notes = text_of(dialog, "#proposal-notes")
            assert "Fuse 2A 5x20: short by 6: 9 of 15 proposed, no more free stock" in notes
            assert "Gasket EPDM: short by 2: 4 of 6 proposed, no more free stock (10 expired, not proposed)" in notes
            rows = cells(dialog, "#proposals")
            assert ["", "SHORT by 6", "", ""] in rows and ["", "SHORT by 2", "", ""] in rows
            assert "1 of 3 line(s) covered, 2 short" in text_of(dialog, "#proposal-head")


class TestDestructiveOptions:
    async def test_cancel_options_start_unticked_and_say_what_they_do(
        self, server: SimulatorServer, token: str, app: BuildTUI
    ) -> None:
        """Cancel build 3: consume and delete start unticked, each says what ticking it does; sending the
        defaults removes the allocations without using up stock and keeps the outputs."""
        r10k = stock_by_batch(server, token, "R10K-2312")["quantity"]
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            screen = await open_build(pilot, 3)
            assert screen.model is not None
            outputs = len(screen.model.incomplete_outputs)
            await pilot.press("C")
            await settle(pilot)
            dialog = app.screen
            assert isinstance(dialog, CancelBuildDialog)
            assert dialog.query_one("#remove_allocated_stock", Checkbox).value is False
            assert dialog.query_one("#remove_incomplete_outputs", Checkbox).value is False
            assert "are used up by this build" in text_of(dialog, "#hint-remove_allocated_stock")
            assert "still in production are deleted" in text_of(dialog, "#hint-remove_incomplete_outputs")
            # unticked reads as an empty box, not a grey X: the state does not rest on colour (NO_COLOR)
            box = dialog.query_one("#remove_allocated_stock", Checkbox)
            assert box.render().plain.startswith("▐ ▌")
            box.value = True
            assert box.render().plain.startswith("▐X▌")
            box.value = False
            await pilot.press("enter")  # on «Cancel the build», where the dialog opens
            await settle(pilot)
            assert screen.model.build is not None
            assert screen.model.build.status == 30 and not screen.model.allocations
            assert len(screen.model.incomplete_outputs) == outputs
        assert stock_by_batch(server, token, "R10K-2312")["quantity"] == r10k

    async def test_finish_accept_flags_start_unticked_and_say_what_they_do(self, app: BuildTUI) -> None:
        """Finish build 3: both accept flags start unticked, over-allocation is rejected, and each says what
        ticking it does with this build's figures."""
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            dialog = await open_dialog(pilot, 3, "F", FinishBuildDialog)
            assert dialog.query_one("#accept_unallocated", Checkbox).value is False
            assert dialog.query_one("#accept_incomplete", Checkbox).value is False
            assert dialog.query_one("#accept_overallocated", Select).value == "reject"
            assert "line(s) are not fully allocated; the missing stock is never used" in text_of(
                dialog, "#hint-accept_unallocated"
            )
            assert "finish with 4 of 25 built; the other 21 are never made" in text_of(
                dialog, "#hint-accept_incomplete"
            )


class TestTheSetting:
    def test_reads_as_inventrees_default(self, server: SimulatorServer, token: str) -> None:
        """GET the setting: off ("False"), with InvenTree's name for it."""
        r = web.get(server.url + SETTING, headers={"Authorization": f"Token {token}"})
        assert r.status_code == 200
        assert {k: r.json()[k] for k in ("key", "value", "name", "type")} == {
            "key": "STOCK_ALLOW_EXPIRED_BUILD",
            "value": "False",
            "name": "Build Expired Stock",
            "type": "boolean",
        }

    def test_only_staff_may_change_it(self, server: SimulatorServer, token: str) -> None:
        """An operator reads it but may not change it (403); an admin may, and it stays changed."""
        operator = {"Authorization": f"Token {get_token(server.url, 'operator', 'operator')}"}
        assert web.get(server.url + SETTING, headers=operator).status_code == 200
        refused = web.patch(server.url + SETTING, json={"value": "true"}, headers=operator)
        assert refused.status_code == 403
        allow_expired(server, token, True)
        assert web.get(server.url + SETTING, headers=operator).json()["value"] == "True"

    def test_unknown_setting_is_not_found(self, server: SimulatorServer, token: str) -> None:
        """A key InvenTree does not have: 404."""
        r = web.get(server.url + "/api/settings/global/NO_SUCH_SETTING/", headers={"Authorization": f"Token {token}"})
        assert r.status_code == 404 and r.json() == {"detail": "Not found."}

    def test_server_does_not_enforce_it_on_allocate(self, server: SimulatorServer, token: str) -> None:
        """Like real InvenTree (only its web UI reads the setting), allocate/ takes expired stock with the
        setting off: the client is the only guard."""
        auth = {"Authorization": f"Token {token}"}
        gasket = stock_by_batch(server, token, "GSK-2311")
        line = next(
            ln
            for ln in web.get(server.url + "/api/build/line/", headers=auth, params={"build": 16}).json()
            if ln["part"] == gasket["part"]
        )
        r = web.post(
            server.url + "/api/build/16/allocate/",
            headers=auth,
            json={"items": [{"build_line": line["pk"], "stock_item": gasket["pk"], "quantity": 2}]},
        )
        assert r.status_code == 201, r.text

    async def test_client_reads_it_once_per_session(self, server: SimulatorServer, client: InvenTreeClient) -> None:
        """Asked twice, the client sends one request and answers off both times."""
        assert await client.allow_expired_build() is False
        assert await client.allow_expired_build() is False
        assert sum(1 for _, path in server.sim.log if path.startswith(SETTING)) == 1
