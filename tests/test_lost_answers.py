"""The network misbehaves (the simulator's fault injection): a lost answer never doubles a change, a bad
answer ends in a message within the deadline, and the app always quits."""

from __future__ import annotations

import signal
import sys
import time
from decimal import Decimal
from typing import Any

import pytest
from textual.widgets import Input

from buildtui.app import BuildTUI
from buildtui.dialogs.allocate import AllocateDialog
from buildtui.dialogs.outputs import CompleteOutputsDialog, CreateOutputDialog
from buildtui.screens.build_detail import BuildDetailScreen
from buildtui.screens.build_list import BuildListScreen
from buildtui.simulator import SimulatorServer
from buildtui.simulator.faults import DropHow, FaultKind
from tests import web
from tests.conftest import make_app, open_allocate, open_build, open_dialog, outstanding, settle
from tests.screen_text import on_top


def notes(app: BuildTUI) -> list[str]:
    return [n.message for n in app._notifications]


def posts(server: SimulatorServer, path: str) -> int:
    return len([p for m, p in server.sim.log if m == "POST" and p.endswith(path)])


def api(server: SimulatorServer, token: str, path: str, **params: str | int) -> Any:
    """The server's JSON answer to GET ``path`` (read as the operator's user)."""
    r = web.get(server.url + path, headers={"Authorization": f"Token {token}"}, params=params)
    r.raise_for_status()
    return r.json()


class TestDroppedAnswers:
    """The server carries the change out, then the connection is cut before the answer arrives."""

    @pytest.mark.parametrize("how", ["close", "reset", "partial"])
    async def test_dropped_allocation_took_effect_once(self, server: SimulatorServer, token: str, how: DropHow) -> None:
        """Enter in the allocate dialog, answer lost: the operator reads "it took effect", the dialog closes,
        and the server holds exactly one new allocation of that quantity."""
        app = make_app(server.url, token)
        async with app.run_test(size=(120, 40), notifications=True) as pilot:
            await settle(pilot)
            dialog = await open_allocate(pilot)
            line = dialog.line
            dialog.query_one("#quantity", Input).value = "3"
            server.sim.faults.add("drop", method="POST", path=r"/allocate/$", times=1, how=how)
            await pilot.press("enter")
            await settle(pilot)
            assert isinstance(app.screen, BuildDetailScreen), str(dialog.query_one("#err-form").render())
            assert any("answer was lost, but it took effect" in m for m in notes(app)), notes(app)
            assert posts(server, "/allocate/") == 1 and server.sim.faults.count("drop") == 1
            allocs = api(server, token, "/api/build/item/", build_line=line.pk)
            assert sum(Decimal(str(a["quantity"])) for a in allocs) == line.allocated + 3
            assert app.screen.model is not None
            after = app.screen.model.line(line.pk)
            assert after is not None and after.allocated == line.allocated + 3

    async def test_dropped_auto_allocation_took_effect_once(self, server: SimulatorServer, token: str) -> None:
        """A on BO-0022, Enter, answer lost: the lines changing shows it was done, so the operator reads "it took
        effect" (it said it could not be checked while the lines were allocated); one request sent."""
        from buildtui.dialogs.auto_allocate import AutoAllocateDialog

        app = make_app(server.url, token)
        async with app.run_test(size=(80, 24), notifications=True) as pilot:
            await settle(pilot)
            screen = await open_build(pilot, 22)
            assert screen.model is not None
            before = sum(ln.allocated for ln in screen.model.lines)
            await pilot.press("A")
            await settle(pilot)
            assert isinstance(app.screen, AutoAllocateDialog)
            server.sim.faults.add("drop", method="POST", path=r"/auto-allocate/$", times=1)
            await pilot.press("ctrl+s")
            await settle(pilot)
            said = " ".join(notes(app)) + " ".join(str(w.render()) for w in app.screen.query("Static"))
            assert "took effect" in said, said
            assert posts(server, "/auto-allocate/") == 1 and server.sim.faults.count("drop") == 1
            assert sum(ln.allocated for ln in screen.model.lines) > before

    async def test_dropped_output_creation_took_effect_once(self, server: SimulatorServer, token: str) -> None:
        """N, Enter, answer lost: "it took effect", one output of 5 on the server, none created twice."""
        app = make_app(server.url, token)
        async with app.run_test(size=(120, 40), notifications=True) as pilot:
            await settle(pilot)
            screen = await open_build(pilot, 11)
            await pilot.press("N")
            await settle(pilot)
            dialog = app.screen
            assert isinstance(dialog, CreateOutputDialog)
            server.sim.faults.add("drop", method="POST", path=r"/create-output/$", times=1)
            await pilot.press("enter")
            await settle(pilot)
            assert app.screen is screen
            assert any("answer was lost, but it took effect" in m for m in notes(app)), notes(app)
            assert posts(server, "/create-output/") == 1
            outputs = api(server, token, "/api/stock/", build=11, is_building="true")
            assert [Decimal(str(o["quantity"])) for o in outputs] == [5]

    async def test_dropped_output_completion_took_effect_once(self, server: SimulatorServer, token: str) -> None:
        """c, Enter with a partial quantity, answer lost: "it took effect"; 2 of 5 completed, 3 still building."""
        app = make_app(server.url, token)
        async with app.run_test(size=(120, 40), notifications=True) as pilot:
            await settle(pilot)
            screen = await open_build(pilot, 11)
            await app.client.create_outputs(11, quantity=5)
            await pilot.press("ctrl+r")
            await settle(pilot)
            await pilot.press("c")
            await settle(pilot)
            dialog = app.screen
            assert isinstance(dialog, CompleteOutputsDialog)
            dialog.query_one("#quantity", Input).value = "2"
            server.sim.faults.add("drop", method="POST", path=r"/complete/$", times=1, how="reset")
            await pilot.press("ctrl+s")
            await settle(pilot)
            assert app.screen is screen
            assert any("answer was lost, but it took effect" in m for m in notes(app)), notes(app)
            assert posts(server, "/complete/") == 1
            assert api(server, token, "/api/build/11/")["completed"] == 2
            assert [
                Decimal(str(o["quantity"])) for o in api(server, token, "/api/stock/", build=11, is_building="true")
            ] == [3]

    async def test_lost_write_is_not_done_and_enter_retries_once(self, server: SimulatorServer, token: str) -> None:
        """A proxy's 504 after holding the write (not carried out): "it did NOT allocate", input kept; Enter
        sends it once more and it is allocated once."""
        app = make_app(server.url, token)
        async with app.run_test(size=(120, 40), notifications=True) as pilot:
            await settle(pilot)
            dialog = await open_allocate(pilot)
            line = dialog.line
            dialog.query_one("#quantity", Input).value = "2"
            server.sim.faults.add("lost", method="POST", path=r"/allocate/$", times=1, delay_s=0.1)
            await pilot.press("enter")
            await settle(pilot)
            assert app.screen is dialog and dialog.query_one("#quantity", Input).value == "2"
            assert "it did NOT" in str(dialog.query_one("#err-form").render())
            await pilot.press("enter")
            await settle(pilot)
            assert isinstance(on_top(app), BuildDetailScreen)
            allocs = api(server, token, "/api/build/item/", build_line=line.pk)
            assert sum(Decimal(str(a["quantity"])) for a in allocs) == line.allocated + 2
            assert posts(server, "/allocate/") == 2

    async def test_a_stale_screen_never_reads_a_lost_allocation_as_not_done(
        self, server: SimulatorServer, token: str
    ) -> None:
        """Another terminal removed the allocation the screen still shows; the operator allocates the same
        stock again and the answer is lost: the dialog says it cannot tell (never "it did NOT"), and Enter does
        not send it a second time. The server holds the one new allocation."""
        app = make_app(server.url, token)
        async with app.run_test(size=(120, 40), notifications=True) as pilot:
            await settle(pilot)
            dialog = await open_allocate(pilot)
            line, item = dialog.line, dialog.current()
            assert item is not None
            await app.client.allocate(11, [{"build_line": line.pk, "stock_item": item.pk, "quantity": "3"}])
            await pilot.press("escape", "ctrl+r")
            await settle(pilot)
            theirs = [a["pk"] for a in api(server, token, "/api/build/item/", build_line=line.pk)]
            for pk in theirs:  # another terminal removes them; this screen still shows them
                web.delete(f"{server.url}/api/build/item/{pk}/", headers={"Authorization": f"Token {token}"})
            await pilot.press("a")
            await settle(pilot)
            again = app.screen
            assert isinstance(again, AllocateDialog)
            again.query_one("#quantity", Input).value = "3"
            server.sim.faults.add("drop", method="POST", path=r"/allocate/$", times=1)
            await pilot.press("enter")
            await settle(pilot)
            assert app.screen is again
            said = str(again.query_one("#err-form").render())
            assert "did NOT" not in said and "could not be checked" in said, said
            await pilot.press("enter")
            await settle(pilot)
            assert posts(server, "/allocate/") == 2  # the other terminal's, then the operator's, once
            allocs = api(server, token, "/api/build/item/", build_line=line.pk)
            assert [Decimal(str(a["quantity"])) for a in allocs] == [3]

    async def test_unknown_outcome_is_never_sent_again(
        self, server: SimulatorServer, token: str, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """The answer is lost and the check itself fails: the dialog says it cannot tell, and Enter does not
        send the allocation a second time."""
        app = make_app(server.url, token)
        async with app.run_test(size=(120, 40), notifications=True) as pilot:
            await settle(pilot)
            dialog = await open_allocate(pilot)
            server.sim.faults.add("drop", method="POST", path=r"/allocate/$", times=1)
            server.sim.faults.add("error", method="GET", path=r"/api/build/item/$", times=1, status=502)
            app.client.get_retries = 0
            await pilot.press("enter")
            await settle(pilot)
            assert app.screen is dialog
            said = str(dialog.query_one("#err-form").render())
            assert "could not be checked" in said and "Esc closes this dialog" in said
            await pilot.press("enter")
            await settle(pilot)
            assert app.screen is dialog and posts(server, "/allocate/") == 1

    async def test_a_lost_output_creation_keeps_the_serials_preview(self, server: SimulatorServer, token: str) -> None:
        """N on BO-0026, Enter, the server answering 504 without doing it: the dialog stays with the reason, and
        the serials it will make are still said under the field (the preview went with the failure)."""
        app = make_app(server.url, token)
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            dialog = await open_dialog(pilot, 26, "N", CreateOutputDialog)
            assert "Will make: " in str(dialog.query_one("#err-serial_numbers").render())
            server.sim.faults.add("lost", method="POST", path=r"/create-output/$", times=1, delay_s=0.1)
            await pilot.press("enter")
            await settle(pilot)
            assert id(app.screen) == id(dialog) and str(dialog.query_one("#err-form").render())
            assert "Will make: " in str(dialog.query_one("#err-serial_numbers").render())


class TestBadAnswers:
    async def test_trickled_answer_ends_in_a_message_within_the_deadline(
        self, server: SimulatorServer, token: str
    ) -> None:
        """A build read trickling one byte a second: after the 1 s deadline the screen says the server did
        not answer in time, instead of "Loading…" for minutes."""
        app = make_app(server.url, token, timeout=1.0)
        app.client.get_retries = 0
        async with app.run_test(size=(80, 24), notifications=True) as pilot:
            await settle(pilot)
            server.sim.faults.add("trickle", method="GET", path=r"^/api/build/11/$", interval_s=1.0)
            start = time.monotonic()
            app.open_build(11)
            await settle(pilot)
            assert time.monotonic() - start < 4
            header = str(app.screen.query_one("#detail-header").render())
            assert "did not answer within 1 s" in header and "Retrying" in header
            assert "OFFLINE" in str(app.screen.query_one("#status-line").render())

    async def test_oversized_answer_ends_in_a_message(self, server: SimulatorServer, token: str) -> None:
        """A list answer announcing 2 GB: refused at once with its size, the list keeps its rows."""
        app = make_app(server.url, token)
        app.client.get_retries = 0
        async with app.run_test(size=(80, 24), notifications=True) as pilot:
            await settle(pilot)
            server.sim.faults.add("oversize", method="GET", path=r"^/api/build/$", times=1)
            await pilot.press("a")
            await settle(pilot)
            assert "buildtui reads at most" in str(app.store.last_error)
            assert isinstance(app.screen, BuildListScreen) and app.screen.model is not None
            assert len(app.screen.model.rows) == outstanding(server.url)

    async def test_nested_answer_ends_in_a_message(self, server: SimulatorServer, token: str) -> None:
        """A reply nested 200,000 levels deep at start-up: a sentence on screen, a retry after the back-off,
        not a flood of requests."""
        server.sim.faults.add("nested", method="GET", path=r"^/api/build/$")
        app = make_app(server.url, token)
        app.client.get_retries = 0
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            await pilot.pause(1.0)
            message = str(app.screen.query_one("#list-message").render())
            assert "nested too deeply" in message and "Retrying" in message
            assert len([p for m, p in server.sim.log if p.startswith("/api/build/?")]) == 1

    async def test_redirect_names_the_address(self, server: SimulatorServer, token: str) -> None:
        """An http address answering with a redirect to https: the list says which address to use."""
        server.sim.faults.add("redirect", to="https://inventree.example")
        app = make_app(server.url, token)
        app.client.get_retries = 0
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            message = str(app.screen.query_one("#list-message").render())
            assert "redirects to https://inventree.example" in message
            assert "--server https://inventree.example" in message


class TestAlwaysQuits:
    """ctrl+q and ctrl+c end the app within a second, whatever the network is doing (as a real process)."""

    @pytest.mark.parametrize(
        "fault,key",
        [("trickle", b"\x11"), ("oversize", b"\x11"), ("trickle", b"\x03")],
        ids=["trickle-ctrl+q", "oversize-ctrl+q", "trickle-ctrl+c"],
    )
    def test_quits_within_a_second_during_a_bad_answer(
        self, server: SimulatorServer, token: str, fault: FaultKind, key: bytes
    ) -> None:
        """ctrl+q or ctrl+c ends the app within a second while an answer trickles in or announces 2 GB."""
        from bench.harness import PtyApp

        server.sim.faults.add(fault, method="GET", path=r"^/api/build/$", interval_s=2.0, size=2 * 1024**3, commit=True)
        app = PtyApp([sys.executable, "-m", "buildtui", "--server", server.url, "--token", token, "--timeout", "60"])
        try:
            app.wait_for(b"Loading", timeout=30)
            time.sleep(0.5)  # the first page is on its way, trickling or streaming
            start = time.monotonic()
            app.send(key)
            app.proc.wait(timeout=10)
            assert time.monotonic() - start < 1.0
        finally:
            if app.proc.poll() is None:
                app.proc.send_signal(signal.SIGKILL)
            app.close()
