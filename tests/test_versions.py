"""The main flows on the InvenTree versions in use: API 425 (synchronous answers) and API 530 (complete,
scrap, delete, auto-allocate and consume done by a background task; finish set by the worker)."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

import pytest
from textual.pilot import Pilot
from textual.widgets import Checkbox, Input, Select

from buildtui.app import BuildTUI
from buildtui.dialogs.allocate import AllocateDialog
from buildtui.dialogs.build_actions import FinishBuildDialog
from buildtui.dialogs.info import InfoDialog
from buildtui.dialogs.outputs import CompleteOutputsDialog, DeleteOutputsDialog, ScrapOutputsDialog
from buildtui.screens.build_detail import BuildDetailScreen
from buildtui.simulator import SimulatorServer, build_simulator
from buildtui.widgets.keyed_table import KeyedTable
from tests.conftest import get_token, make_app, open_build, settle, wait_for


@pytest.fixture(params=[425, 530], ids=["api425", "api530"])
def versioned(request: pytest.FixtureRequest) -> Iterator[SimulatorServer]:
    """The simulator as API 425 or 530; on 530 a task takes 0.3 s (a test that looks at it running holds it)."""
    srv = SimulatorServer(build_simulator(api=request.param, task_delay_s=0.3)).start()
    yield srv
    srv.stop()


def notes(app: BuildTUI) -> list[str]:
    return [n.message for n in app._notifications]


def header(app: BuildTUI) -> str:
    return str(app.screen.query_one("#detail-header").render())


def output_state(screen: BuildDetailScreen, pk: int) -> str:
    return str(screen.query_one("#outputs", KeyedTable).get_row(f"o{pk}")[0])


async def an_output(
    app: BuildTUI, pilot: Pilot[None], server: SimulatorServer, quantity: int = 5
) -> tuple[BuildDetailScreen, int]:
    """Build 11 open on its outputs tab with one output in production (made as another terminal would)."""
    import asyncio

    screen = await open_build(pilot, 11)
    out = (await app.client.create_outputs(11, quantity=quantity))[0]
    await asyncio.to_thread(server.sim.tasks.wait_idle, 10)
    await pilot.press("3", "ctrl+r")
    await settle(pilot)
    return screen, out.pk


class TestOutputsOnEachVersion:
    async def test_complete_is_never_shown_done_early(self, versioned: SimulatorServer) -> None:
        """c, Enter: on 530 the output is shown as "completing…", Complete is not offered again and nothing says
        "completed" until the server's task succeeded; then it says so and the output is complete (425: at once)."""
        app = make_app(versioned.url, get_token(versioned.url))
        async with app.run_test(size=(120, 40), notifications=True) as pilot:
            await settle(pilot)
            screen, pk = await an_output(app, pilot, versioned)
            model = screen.model
            assert model is not None
            await pilot.press("c")
            await settle(pilot)
            dialog = app.screen
            assert isinstance(dialog, CompleteOutputsDialog)
            versioned.sim.tasks.hold()  # the server's worker waits until the screen has been looked at
            await pilot.press("enter")
            await wait_for(pilot, lambda: app.screen is screen)
            if versioned.sim.api.version >= 494:
                await wait_for(pilot, lambda: bool(model.running))
                assert "Server still working: completing 1 output" in header(app)
                assert output_state(screen, pk) == "completing…"
                assert screen.check_action("complete_outputs", ()) is False
                assert not any("completed" in m for m in notes(app))
            versioned.sim.tasks.release()
            await wait_for(pilot, lambda: not model.running)
            await settle(pilot)
            assert any("1 output(s) completed into" in m for m in notes(app)), notes(app)
            assert model.build is not None and model.build.completed == 5 and not model.incomplete_outputs
            assert "Server still working" not in header(app)

    async def test_a_failing_task_is_reported_and_nothing_shown_done(self, versioned: SimulatorServer) -> None:
        """The server's task fails (530): the operator reads that it was not done, with the bell; the output is
        still in production and can be completed again. 425 has no task: the same flow just completes."""
        app = make_app(versioned.url, get_token(versioned.url))
        async with app.run_test(size=(120, 40), notifications=True) as pilot:
            await settle(pilot)
            screen, pk = await an_output(app, pilot, versioned)
            model = screen.model
            assert model is not None
            versioned.sim.fail_next_tasks = 1
            await pilot.press("c")
            await settle(pilot)
            await pilot.press("enter")
            await wait_for(pilot, lambda: app.screen is screen and not model.running)
            await settle(pilot)
            if versioned.sim.api.version >= 494:
                assert any("background task failed" in m for m in notes(app)), notes(app)
                assert not any("completed into" in m for m in notes(app))
                assert [o.pk for o in model.incomplete_outputs] == [pk]
                assert screen.check_action("complete_outputs", ()) is True
            else:
                assert model.build is not None and model.build.completed == 5

    @pytest.mark.parametrize("dialog", [ScrapOutputsDialog, DeleteOutputsDialog], ids=["scrap", "delete"])
    async def test_scrap_and_delete_followed_to_the_end(
        self, versioned: SimulatorServer, dialog: type[ScrapOutputsDialog | DeleteOutputsDialog]
    ) -> None:
        """S (with a reason) and D: done only when the server is done; the output leaves production once."""
        app = make_app(versioned.url, get_token(versioned.url))
        async with app.run_test(size=(120, 40), notifications=True) as pilot:
            await settle(pilot)
            screen, pk = await an_output(app, pilot, versioned)
            model = screen.model
            assert model is not None
            await pilot.press("S" if dialog is ScrapOutputsDialog else "D")
            await settle(pilot)
            shown = app.screen
            assert isinstance(shown, dialog)
            if dialog is ScrapOutputsDialog:
                shown.query_one("#notes", Input).value = "cracked"
                shown.query_one("#location", Select).value = 8
                await pilot.press("ctrl+s", "enter")  # to «Scrap», then Enter there
            else:
                shown.query_one("#submit").focus()
                await pilot.press("enter")
            await wait_for(pilot, lambda: app.screen is screen and not model.running)
            await settle(pilot)
            word = "scrapped" if dialog is ScrapOutputsDialog else "deleted"
            assert any(f"1 output(s) {word}" in m for m in notes(app)), notes(app)
            assert not model.incomplete_outputs


class TestBuildOnEachVersion:
    async def test_finish_is_followed_until_the_build_is_complete(self, versioned: SimulatorServer) -> None:
        """F, Enter on a build with everything made: "finished" is said once the build reads Complete (530 sets
        it in its worker, a moment after answering); Finish is not offered meanwhile."""
        import asyncio

        app = make_app(versioned.url, get_token(versioned.url))
        async with app.run_test(size=(120, 40), notifications=True) as pilot:
            await settle(pilot)
            await app.client.issue(3)
            outs = await app.client.list_outputs(3, is_building=True)
            await app.client.complete_outputs(3, [(o.pk, None) for o in outs], location=7)
            await asyncio.to_thread(versioned.sim.tasks.wait_idle, 10)
            build = await app.client.get_build(3)
            if build.remaining:
                new = await app.client.create_outputs(3, quantity=build.remaining)
                await app.client.complete_outputs(3, [(o.pk, None) for o in new], location=7)
                await asyncio.to_thread(versioned.sim.tasks.wait_idle, 10)
            screen = await open_build(pilot, 3)
            model = screen.model
            assert model is not None
            await pilot.press("F")
            await settle(pilot)
            dialog = app.screen
            assert isinstance(dialog, FinishBuildDialog)
            dialog.query_one("#accept_unallocated", Checkbox).value = True
            versioned.sim.tasks.hold()  # the server's worker waits until the screen has been looked at
            await pilot.press("ctrl+s")
            await wait_for(pilot, lambda: app.screen is screen)
            if versioned.sim.api.version >= 494:
                await wait_for(pilot, lambda: bool(model.running))
                assert "finishing" in header(app)
                assert screen.check_action("finish", ()) is False
                assert not any("finished" in m for m in notes(app))
            versioned.sim.tasks.release()
            await wait_for(pilot, lambda: not model.running)
            await settle(pilot)
            assert any("finished" in m for m in notes(app)), notes(app)
            assert model.build is not None and model.build.status == 40

    async def test_auto_allocate_summary_after_the_task(self, versioned: SimulatorServer) -> None:
        """A, Enter: the summary of what was allocated appears once the server's task is done."""
        app = make_app(versioned.url, get_token(versioned.url))
        async with app.run_test(size=(120, 40), notifications=True) as pilot:
            await settle(pilot)
            screen = await open_build(pilot, 11)
            await pilot.press("A")
            await settle(pilot)
            await pilot.press("ctrl+s")
            # the dialog on top, and composed (its body is queried right after)
            await wait_for(
                pilot, lambda: isinstance(app.screen, InfoDialog) and bool(app.screen.query("#info-body")), timeout=20
            )
            body = str(app.screen.query_one("#info-body").render())
            assert "Auto-allocation allocated" in body and "allocated nothing" not in body, body
            await settle(pilot)
            assert screen.model is not None and any(ln.allocated > 0 for ln in screen.model.lines)

    async def test_picker_allocation(self, versioned: SimulatorServer) -> None:
        """a on the PCB line, Enter: allocated at once on every version (allocation is never a task)."""
        app = make_app(versioned.url, get_token(versioned.url))
        async with app.run_test(size=(120, 40), notifications=True) as pilot:
            await settle(pilot)
            screen = await open_build(pilot, 11)
            await pilot.press(*["down"] * 6, "a")
            await settle(pilot)
            dialog = app.screen
            assert isinstance(dialog, AllocateDialog)
            line = dialog.line
            await pilot.press("enter")
            await settle(pilot)
            assert app.screen is screen and screen.model is not None
            after = screen.model.line(line.pk)
            assert after is not None and after.allocated == line.allocated + Decimal(5)

    async def test_scanned_substitute_allocates(self, versioned: SimulatorServer) -> None:
        """A substitute's stock scanned on the build goes to the line it substitutes, though real servers (and
        the simulator as 425 and 530) never list substitutes on the build line."""
        app = make_app(versioned.url, get_token(versioned.url))
        async with app.run_test(size=(120, 40), notifications=True) as pilot:
            await settle(pilot)
            screen = await open_build(pilot, 11)
            assert screen.model is not None
            line = next(ln for ln in screen.model.lines if ln.part_detail and ln.part_detail.IPN == "R-0603-4K7")
            assert not line.substitute_parts  # not in bom_item_detail, as on a real server
            app.scan("INV-SI4")  # Yageo 4k7, a substitute for R-0603-4K7
            await settle(pilot)
            after = screen.model.line(line.pk)
            assert after is not None and after.allocated == line.quantity, notes(app)
            assert any("Allocated" in m for m in notes(app))
