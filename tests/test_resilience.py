"""Resilience: hostile text stays inert, random JSON never crashes the models, the server may vanish and
come back, double submits and bad input send nothing extra."""

from __future__ import annotations

import unicodedata

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rich.console import Console
from textual.widgets import Input

from buildtui.api import BadResponse, InvenTreeClient, RequestTimeout, ValidationFailed
from buildtui.api.models import Build, BuildItem, BuildLine, StockItem
from buildtui.app import BuildTUI
from buildtui.screens.build_detail import BuildDetailScreen
from buildtui.screens.build_list import BuildListScreen
from buildtui.simulator import SimulatorServer
from buildtui.widgets.keyed_table import KeyedTable
from buildtui.widgets.safe import clean, text
from tests import web
from tests.conftest import make_app, open_allocate, outstanding_in, settle
from tests.screen_text import on_top

HOSTILE = [
    "[@click=app.quit]x",
    "[b]bold[/b]",
    "[$error @click=app.quit]y[/]",
    "\x1b[31mred\x1b[0m",
    "\x1b]52;c;aGVsbG8=\x07",
    "bell\x07",
    "tab\there",
    "\u202eevil",
]

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | st.text(max_size=20),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=6),
    max_leaves=20,
)
build_like = st.fixed_dictionaries(
    {
        "pk": st.integers() | st.text(max_size=3) | st.none(),
        "reference": st.text(max_size=10) | st.none(),
        "part": st.integers() | st.none(),
        "status": st.integers() | st.text(max_size=3),
        "quantity": st.floats() | st.text(max_size=5) | st.none(),
        "target_date": st.text(max_size=12) | st.none(),
    },
    optional={"part_detail": json_values, "responsible_detail": json_values},
)


class TestHostileText:
    @given(st.text())
    def test_clean_leaves_no_control_characters(self, s: str) -> None:
        """Whatever text the server sends, what reaches the screen has no escape, BEL or other control character."""
        out = clean(s)
        assert "\x1b" not in out and "\x07" not in out and "\x9b" not in out
        assert not [ch for ch in out if unicodedata.category(ch) in ("Cc", "Cf") and ch != "\u200d"]

    @given(st.text() | st.sampled_from(HOSTILE))
    def test_cells_render_literally(self, s: str) -> None:
        """A DataTable cell renders the text itself: no markup applied, no escape sequence written."""
        console = Console(width=200, color_system=None, record=True, file=open("/dev/null", "w"))
        console.print(text(s))
        rendered = console.export_text()
        assert "\x1b" not in rendered and "\x07" not in rendered
        if "[" in s and s.isprintable():
            assert s.split("[", 1)[1][:3] in rendered

    async def test_hostile_names_shown_literally_everywhere(self, server: SimulatorServer, token: str) -> None:
        """Titles with markup, OSC 52 and BEL: literal in the list, the header and a notification; app keeps running."""
        http = httpx.Client(verify=False, base_url=server.url, headers={"Authorization": f"Token {token}"})
        title = "[@click=app.quit]Q \x1b]52;c;aGk=\x07 [b]B[/b]"
        assert http.patch("/api/build/4/", json={"title": title}).status_code == 200
        app = make_app(server.url, token)
        async with app.run_test(size=(160, 40), notifications=True) as pilot:
            await pilot.app.workers.wait_for_complete()
            await pilot.pause()
            cells = " ".join(c.plain for c in app.screen.query_one("#builds", KeyedTable)._cells["4"])
            assert "[@click=app.quit]Q" in cells and "^[]52" in cells and "\x1b" not in cells
            assert "Bracket [b]Part[/b] [@click" in cells  # the seeded part name, literal too
            app.open_build(4)
            await pilot.app.workers.wait_for_complete()
            await pilot.pause()
            header = str(app.screen.query_one("#detail-header").render())
            assert "[@click=app.quit]Q" in header and "^[]52" in header and "\x1b" not in header
            app.notify(clean(title), markup=False)
            await pilot.pause()
            assert app.is_running


class TestRandomJson:
    @settings(max_examples=200, suppress_health_check=[HealthCheck.too_slow])
    @given(st.one_of(json_values, build_like))
    def test_models_raise_only_bad_response(self, data: object) -> None:
        """Any JSON in place of a build, line, allocation or stock item is a readable bad answer, never a crash."""
        for model in (Build, BuildLine, BuildItem, StockItem):
            try:
                InvenTreeClient._model(model, data)
            except BadResponse:
                pass

    @given(json_values)
    def test_any_error_body_gives_a_sentence(self, body: object) -> None:
        """Any JSON error body turns into a non-empty sentence for the operator."""
        exc = ValidationFailed(body)
        assert isinstance(str(exc), str) and str(exc)


class TestServerFaults:
    async def test_server_stops_and_returns(self, server: SimulatorServer, token: str) -> None:
        """Rows stay (marked stale) and the status line says offline; on return everything refreshes."""
        app = make_app(server.url, token)
        app.client.get_retries = 0
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            table = app.screen.query_one("#builds", KeyedTable)
            n = outstanding_in(server.sim)
            assert len(table.row_keys) == n
            server.stop()
            await pilot.press("ctrl+r")
            await settle(pilot)
            assert "OFFLINE" in str(app.screen.query_one("#status-line").render())
            assert len(table.row_keys) == n and table.has_class("-stale")
            again = SimulatorServer(server.sim, port=server.port).start()
            try:
                app.store._next_poll_at = 0  # the back-off would wait; the operator presses refresh
                await pilot.press("ctrl+r")
                await settle(pilot)
                assert "up to date" in str(app.screen.query_one("#status-line").render())
                assert not table.has_class("-stale")
            finally:
                again.stop()

    async def test_no_double_submit(self, server: SimulatorServer, token: str) -> None:
        """A second Enter while the allocation is in flight sends nothing."""
        app = make_app(server.url, token)
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            dialog = await open_allocate(pilot)
            server.sim.latency_ms = 400
            dialog.action_submit()
            dialog.action_submit()
            await pilot.press("enter")
            await settle(pilot)
            server.sim.latency_ms = 0
            posts = [p for m, p in server.sim.log if m == "POST"]
            assert len(posts) == 1 and dialog.sent_count == 1
            assert isinstance(app.screen, BuildDetailScreen)

    @pytest.mark.parametrize(
        "value",
        ["-5", "0", "abc", "1e99", "9" * 30, "5" * 10_000],
        ids=["negative", "zero", "text", "exponent", "enormous", "paste-10k"],
    )
    async def test_bad_quantity_is_never_sent(self, server: SimulatorServer, token: str, value: str) -> None:
        """A negative, zero, non-numeric or absurd quantity is refused beside the field and never sent."""
        app = make_app(server.url, token)
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            dialog = await open_allocate(pilot)
            box = dialog.query_one("#quantity", Input)
            box.value = value
            before = len(server.sim.log)
            await pilot.press("ctrl+s")
            await settle(pilot)
            assert app.screen is dialog
            assert str(dialog.query_one("#err-quantity").render()).strip()
            assert not [m for m, _ in server.sim.log[before:] if m == "POST"]


class TestAuthentication:
    async def test_401_login_then_back_where_you_were(self, server: SimulatorServer) -> None:
        """A wrong token opens the sign-in dialog over the list; after signing in, the list loads in place."""
        from buildtui.dialogs.login import LoginDialog
        from buildtui.screens.build_list import BuildListScreen

        app = make_app(server.url, "inv-revoked-token")
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            dialog = app.screen
            assert isinstance(dialog, LoginDialog)
            dialog.query_one("#username", Input).value = "admin"
            dialog.query_one("#password", Input).value = "wrong"
            await pilot.press("enter")
            await settle(pilot)
            assert app.screen is dialog and "Invalid username/password" in str(dialog.query_one("#err-form").render())
            dialog.query_one("#password", Input).value = "inventree"
            await pilot.press("enter")
            await settle(pilot)
            assert isinstance(app.screen, BuildListScreen)
            assert len(app.screen.query_one("#builds", KeyedTable).row_keys) == outstanding_in(server.sim)
            assert app.client.has_token and "revoked" not in repr(app.client)


def notes(app: BuildTUI) -> list[str]:
    return [n.message for n in app._notifications]


def posts(server: SimulatorServer) -> list[str]:
    return [p for m, p in server.sim.log if m in ("POST", "PUT", "PATCH", "DELETE")]


class TestWriteTimeouts:
    """A write that times out is never re-sent by itself; the app re-reads and says whether it took effect."""

    async def test_client_never_retries_a_post(self, server: SimulatorServer, token: str) -> None:
        """A write that timed out is not sent again and is said to have maybe been carried out."""
        server.sim.late_answer_ms = 800
        async with InvenTreeClient(server.url, token, timeout=0.3, get_retries=2) as c:
            with pytest.raises(RequestTimeout) as caught:
                await c.hold(11)
            assert caught.value.outcome_unknown and "may or may not" in str(caught.value)
            assert len(posts(server)) == 1
            server.sim.late_answer_ms = 0
            assert (await c.get_build(11)).status == 25  # it was carried out, only the answer was late

    async def test_late_answer_that_took_effect_closes_the_dialog(self, server: SimulatorServer, token: str) -> None:
        """A late answer to an allocation that took effect: the dialog closes, "it took effect", allocated once."""
        app = make_app(server.url, token, timeout=0.4)
        async with app.run_test(size=(120, 40), notifications=True) as pilot:
            await settle(pilot)
            dialog = await open_allocate(pilot)
            line = dialog.line
            server.sim.late_answer_ms = 1200
            await pilot.press("enter")
            await settle(pilot)
            server.sim.late_answer_ms = 0
            assert isinstance(app.screen, BuildDetailScreen)
            assert any("answer was lost, but it took effect" in m for m in notes(app))
            assert len(posts(server)) == 1 and dialog.sent_count == 1
            assert app.screen.model is not None
            after = app.screen.model.line(line.pk)
            assert after is not None and after.allocated == line.allocated + 5

    async def test_lost_write_keeps_the_dialog_and_says_not_done(self, server: SimulatorServer, token: str) -> None:
        """A lost allocation: the dialog stays with the input and says it was NOT done; Enter then allocates once."""
        app = make_app(server.url, token, timeout=0.4)
        async with app.run_test(size=(120, 40), notifications=True) as pilot:
            await settle(pilot)
            dialog = await open_allocate(pilot)
            line = dialog.line
            dialog.query_one("#quantity", Input).value = "3"
            server.sim.lost_write_ms = 1200
            await pilot.press("enter")
            await settle(pilot)
            assert app.screen is dialog
            assert "it did NOT allocate the stock" in str(dialog.query_one("#err-form").render())
            assert dialog.query_one("#quantity", Input).value == "3"  # the input is still there
            assert len(posts(server)) == 1
            # the operator decides to try again: now it goes through, once
            server.sim.lost_write_ms = 0
            await pilot.press("enter")
            await settle(pilot)
            assert isinstance(on_top(app), BuildDetailScreen)
            assert len(posts(server)) == 2
            allocs = web.get(
                server.url + "/api/build/item/",
                headers={"Authorization": f"Token {token}"},
                params={"build_line": line.pk},
            ).json()
            assert sum(float(a["quantity"]) for a in allocs) == float(line.allocated) + 3

    @pytest.mark.parametrize("lost", [False, True], ids=["late-answer", "lost"])
    async def test_one_key_action_rechecks(self, server: SimulatorServer, token: str, lost: bool) -> None:
        """Hold (h, Enter on its confirmation): after a timeout the operator is told whether the build is on hold
        (not done: in the confirmation, which stays open for Enter to retry; done: in a notification)."""
        app = make_app(server.url, token, timeout=0.4)
        async with app.run_test(size=(120, 40), notifications=True) as pilot:
            await settle(pilot)
            app.open_build(3)  # in production
            await settle(pilot)
            if lost:
                server.sim.lost_write_ms = 1200
            else:
                server.sim.late_answer_ms = 1200
            screen = app.screen
            assert isinstance(screen, BuildDetailScreen) and screen.model is not None
            await pilot.press("h", "enter")
            await settle(pilot)
            server.sim.lost_write_ms = server.sim.late_answer_ms = 0
            said = " | ".join(notes(app))
            if lost:
                said += str(app.screen.query_one("#err-form").render())
                assert "it did NOT put the build on hold" in said
                assert screen.model.build is not None and screen.model.build.status == 20
            else:
                assert "answer was lost, but it took effect" in said
                await pilot.press("ctrl+r")
                await settle(pilot)
                shown = app.screen
                assert isinstance(shown, BuildDetailScreen) and shown.model is not None
                assert shown.model.build is not None and shown.model.build.status == 25
            assert len(posts(server)) == 1


class TestUnexpectedErrors:
    """A bug (an exception nobody planned for) is logged with its traceback, told in one sentence, and leaves
    the screen or dialog usable."""

    async def test_a_read_that_breaks_is_told_and_logged(
        self, server: SimulatorServer, token: str, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """The list's refresh raises: the operator reads one sentence naming the log; the traceback is in the
        log file; once the cause is gone, the next refresh works and Enter still opens a build."""
        from buildtui.logs import log_path, setup_logging
        from buildtui.state import BuildListModel

        setup_logging()

        async def broken(self: BuildListModel, *args: object) -> None:
            raise RuntimeError("boom in refresh")

        app = make_app(server.url, token)
        async with app.run_test(size=(80, 24), notifications=True) as pilot:
            await settle(pilot)
            monkeypatch.setattr(BuildListModel, "refresh", broken)
            await pilot.press("ctrl+r")
            await settle(pilot)
            said = " | ".join(notes(app))
            assert "Something went wrong while trying to show the latest data" in said and log_path() in said
            logged = open(log_path(), encoding="utf-8").read()
            assert "Traceback" in logged and "RuntimeError: boom in refresh" in logged
            monkeypatch.undo()
            listed = app.screen
            assert isinstance(listed, BuildListScreen)
            before = listed.reads_done
            await pilot.press("ctrl+r")
            await settle(pilot)
            assert listed.reads_done == before + 1
            await pilot.press("enter")
            await settle(pilot)
            assert isinstance(app.screen, BuildDetailScreen)

    async def test_a_dialog_whose_send_breaks_stays_editable(
        self, server: SimulatorServer, token: str, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """The allocation request raises something unexpected: the dialog says so, keeps what was typed, takes
        input again and Esc closes it."""
        from buildtui.logs import log_path, setup_logging

        setup_logging()
        app = make_app(server.url, token)
        async with app.run_test(size=(120, 40), notifications=True) as pilot:
            await settle(pilot)
            dialog = await open_allocate(pilot)
            dialog.query_one("#quantity", Input).value = "3"

            async def broken(*args: object, **kwargs: object) -> None:
                raise RecursionError("maximum recursion depth exceeded")

            monkeypatch.setattr(app.client, "allocate", broken)
            await pilot.press("enter")
            await settle(pilot)
            assert app.screen is dialog and not dialog.busy
            assert "Something went wrong" in str(dialog.query_one("#err-form").render())
            assert dialog.query_one("#quantity", Input).value == "3"
            assert "RecursionError" in open(log_path(), encoding="utf-8").read()
            await pilot.press("escape")
            await settle(pilot)
            assert isinstance(on_top(app), BuildDetailScreen)
