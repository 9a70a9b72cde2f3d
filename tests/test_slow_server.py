"""A slow server is waited for, never flooded: one read at a time per screen, polls timed from the answer."""

from __future__ import annotations

import asyncio

from buildtui.app import BuildTUI
from buildtui.screens.build_detail import BuildDetailScreen
from buildtui.screens.build_list import BuildListScreen
from buildtui.simulator import SimulatorServer
from buildtui.widgets.keyed_table import KeyedTable
from buildtui.widgets.status_line import StatusLine
from tests.conftest import make_app, open_build, outstanding_in, settle, wait_for


def gets(server: SimulatorServer, since: int = 0) -> list[str]:
    """The GET paths the simulator served after ``since`` (token requests left out)."""
    return [p.split("?")[0] for m, p in server.sim.log[since:] if m == "GET" and "/token/" not in p]


def status_line(app: BuildTUI) -> str:
    return str(app.screen.query_one("#status-line").render())


class TestSlowServer:
    async def test_list_loads_when_every_answer_takes_1_2_s(self, server: SimulatorServer, token: str) -> None:
        """Every answer delayed by 1.2 s: the list shows its builds after one round trip of five requests,
        and nothing is asked twice while waiting."""
        server.sim.latency_ms = 1200
        app = make_app(server.url, token, poll_interval=5)
        async with app.run_test(size=(80, 24)) as pilot:
            n = outstanding_in(server.sim)
            await wait_for(pilot, lambda: len(app.screen.query_one("#builds", KeyedTable).row_keys) == n)
            assert sorted(gets(server)) == [
                "/api/",
                "/api/build/",
                "/api/build/status/",
                "/api/user/me/",
                "/api/user/roles/",
            ]

    async def test_build_opens_in_one_round_trip_when_slow(self, server: SimulatorServer, token: str) -> None:
        """A build opened on a server answering in 1.2 s shows its lines; the build, lines, outputs, children,
        locations and stock states go out together, once each."""
        app = make_app(server.url, token, poll_interval=30)
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            server.sim.latency_ms = 1200
            mark = len(server.sim.log)
            app.open_build(11)
            await pilot.pause()
            screen = app.screen
            assert isinstance(screen, BuildDetailScreen)
            await wait_for(pilot, lambda: screen.has_data() and len(screen.query_one("#lines", KeyedTable).row_keys))
            asked = gets(server, mark)
            assert sorted(asked) == [
                "/api/build/",
                "/api/build/11/",
                "/api/build/line/",
                "/api/stock/",
                "/api/stock/location/",
                "/api/stock/status/",
            ], asked

    async def test_idle_detail_polls_from_the_answer(self, server: SimulatorServer, token: str) -> None:
        """Idle on a build, 0.6 s per answer, a 1 s poll: each poll waits for the last answer plus the
        interval (about one poll per 1.6 s, two requests each), never a read on top of a read."""
        app = make_app(server.url, token, poll_interval=1)
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            app.open_build(11)
            await settle(pilot)
            server.sim.latency_ms = 600
            mark = len(server.sim.log)
            await asyncio.sleep(5)
            await pilot.pause()
            asked = gets(server, mark)
            assert 2 <= len(asked) <= 8, asked
            assert set(asked) == {"/api/build/11/", "/api/build/line/"}
            screen = app.screen
            assert isinstance(screen, BuildDetailScreen) and screen.has_data()

    async def test_closing_a_build_while_its_answer_is_late_is_no_error(
        self, server: SimulatorServer, token: str
    ) -> None:
        """The build closed while its read was on the way, the answer finding its widgets gone (seen once on a
        floor terminal at 1 s latency, Esc pressed twice): the list shows no "Unexpected error"; the same
        failure on a screen still open is still reported."""
        from textual.css.query import NoMatches

        from buildtui.screens.build_list import BuildListScreen

        app = make_app(server.url, token)
        async with app.run_test(size=(80, 24), notifications=True) as pilot:
            await settle(pilot)
            detail = await open_build(pilot, 22)

            async def read(parts: set[str]) -> bool:
                # the operator left while the answer was on its way, and it lands before the screen's workers
                # are cancelled: painting finds the widgets gone
                app.pop_screen()
                raise NoMatches("No nodes match '#detail-header'")

            detail.read = read  # type: ignore[method-assign]
            detail.request_read("build")
            await wait_for(pilot, lambda: isinstance(app.screen, BuildListScreen) and not detail.reading)
            said = [f"{n.title} {n.message}" for n in app._notifications]
            assert not any("Unexpected error" in m for m in said), said
            listed = app.screen
            assert isinstance(listed, BuildListScreen)

            async def broken(parts: set[str]) -> bool:
                raise NoMatches("No nodes match '#builds'")

            listed.read = broken  # type: ignore[method-assign]
            listed.request_read("refresh")
            await wait_for(pilot, lambda: not listed.reading)
            assert any("Unexpected error" in f"{n.title}" for n in app._notifications)

    async def test_a_late_answer_is_shown_as_waiting(self, server: SimulatorServer, token: str) -> None:
        """While an answer is late, the status line says so and counts the seconds; never "up to date"."""
        app = make_app(server.url, token, poll_interval=30)
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            server.sim.latency_ms = 2500
            app.open_build(11)
            await wait_for(
                pilot, lambda: app.screen.query("#status-line") and "waiting for the server" in status_line(app)
            )
            line = status_line(app)
            assert "up to date" not in line, line
            detail = app.screen
            assert isinstance(detail, BuildDetailScreen)
            await wait_for(pilot, detail.has_data)
            await wait_for(pilot, lambda: "waiting" not in status_line(app), timeout=2.0)  # it ticks every 0.5 s

    async def test_after_a_write_the_line_says_updating_until_the_figures_include_it(
        self, server: SimulatorServer, token: str
    ) -> None:
        """After an allocation, while the re-read is on its way (answers 1.5 s late), the status line says
        "updating…", not "up to date" next to the old figures; once the lines are re-read it is up to date."""
        from textual.widgets import Input

        from tests.conftest import open_allocate

        app = make_app(server.url, token, poll_interval=30)
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            dialog = await open_allocate(pilot)
            dialog.query_one("#quantity", Input).value = "1"
            server.sim.latency_ms = 1500
            await pilot.press("enter")
            await wait_for(pilot, lambda: isinstance(app.screen, BuildDetailScreen))
            line = app.screen.query_one("#status-line", StatusLine)
            line.tick()  # as its half-second timer does
            assert "updating…" in status_line(app) and "up to date" not in status_line(app), status_line(app)
            await wait_for(pilot, lambda: not app.store.updating)
            line.tick()
            assert "up to date" in status_line(app), status_line(app)
            server.sim.latency_ms = 0

    async def test_a_read_asked_again_says_so(self, server: SimulatorServer, token: str) -> None:
        """A build read trickling its answer past the 0.5 s deadline is asked again, and the status line says
        so ("asked again: no answer in 0.5 s") instead of only counting seconds."""
        app = make_app(server.url, token, timeout=0.5, poll_interval=30)
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            server.sim.faults.add("trickle", method="GET", path=r"^/api/build/11/$", interval_s=1.0, times=2)
            app.open_build(11)

            def says_asked_again() -> bool:
                lines = app.screen.query("#status-line")
                if not lines:
                    return False  # the build's screen is still being put up
                lines.first(StatusLine).tick()  # as its half-second timer does
                return "asked again: no answer in 0.5 s" in status_line(app)

            await wait_for(pilot, says_asked_again, timeout=5)

    async def test_filter_changes_while_slow_never_stack(self, server: SimulatorServer, token: str) -> None:
        """Three filter keys pressed while the first answer is on its way: one read in flight at a time; the
        rows shown are those of the last filter, and the filter line never describes rows it is not showing."""
        app = make_app(server.url, token, poll_interval=30)
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            server.sim.latency_ms = 800
            mark = len(server.sim.log)
            await pilot.press("a")
            await pilot.pause(0.1)
            assert "Asking for: All builds" in str(app.screen.query_one("#list-filters").render())
            await pilot.press("d", "m")
            listed = app.screen
            assert isinstance(listed, BuildListScreen)
            await wait_for(pilot, lambda: not listed.reading and not listed._asked)
            list_reads = [p for p in gets(server, mark) if p == "/api/build/"]
            assert len(list_reads) == 2  # the first, then one for everything asked meanwhile
            model = listed.model
            assert model is not None
            assert model.loaded_query == model.query and model.query.overdue and model.query.assigned_to_me
            assert "Asking for" not in str(app.screen.query_one("#list-filters").render())
