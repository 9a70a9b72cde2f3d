"""The app driven as an operator would, with Pilot, against the simulator over real HTTP."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from textual.widgets import Checkbox, Input, Select
from textual.widgets.option_list import Option

from buildtui.api import InvenTreeClient
from buildtui.app import BuildTUI
from buildtui.dialogs.allocate import AllocateDialog
from buildtui.dialogs.build_actions import FinishBuildDialog
from buildtui.dialogs.outputs import CompleteOutputsDialog, CreateOutputDialog
from buildtui.screens.build_detail import BuildDetailScreen
from buildtui.screens.build_list import BuildListScreen
from buildtui.simulator import SimulatorServer
from buildtui.widgets.keyed_table import KeyedTable
from tests import web
from tests.conftest import build_count, make_app, open_build, outstanding, settle, wait_for
from tests.screen_text import on_top


def options(app: BuildTUI) -> list[Option]:
    """What the command palette on top offers now."""
    from textual.command import CommandList

    found = app.screen.query(CommandList)
    if not found:
        return []
    commands = found.first()
    return [commands.get_option_at_index(i) for i in range(commands.option_count)]


def table(app: BuildTUI, selector: str = "#builds") -> KeyedTable:
    return app.screen.query_one(selector, KeyedTable)


class TestBuildList:
    async def test_default_view_is_outstanding(self, server: SimulatorServer, app: BuildTUI) -> None:
        """The list opens on outstanding builds, newest first, with the count visible."""
        n = outstanding(server.url)
        newest = web.get(
            server.url + "/api/build/",
            params={"outstanding": "true", "ordering": "-reference", "limit": 1},
            auth=("admin", "inventree"),
        )
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            rows = table(app).row_keys
            assert len(rows) == n and rows[0] == str(newest.json()["results"][0]["pk"])
            assert f"{n} of {n} builds" in str(app.screen.query_one("#list-filters").render())

    async def test_the_title_says_each_sort_either_way_round(self, app: BuildTUI) -> None:
        """r steps through the sorts and R reverses the one shown: the title says each in words ("target date,
        latest first", never the server's "-target_date"), and r after R goes on to the next sort."""

        def title() -> str:
            return str(app.screen.query_one("#list-filters").render())

        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            assert "sorted by newest first" in title()
            await pilot.press("r", "r")
            await settle(pilot)
            assert "sorted by target date, soonest first" in title()
            await pilot.press("R")
            await settle(pilot)
            assert "sorted by target date, latest first" in title() and "-target" not in title()
            await pilot.press("r")
            await settle(pilot)
            assert "sorted by priority, highest first" in title()
            await pilot.press("R")
            await settle(pilot)
            assert "sorted by priority, lowest first" in title()

    async def test_an_empty_list_offers_only_ways_that_show_more(self, app: BuildTUI) -> None:
        """A search that matches nothing on outstanding builds says a (all builds) and Esc (clear the search);
        on all builds it no longer offers a, which is what the operator is on already."""

        def message() -> str:
            return str(app.screen.query_one("#list-message").render())

        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            await pilot.press("slash", *"zzqx", "enter")
            await settle(pilot)
            assert message() == "No build orders match. Press a for all builds or Esc to clear the search."
            await pilot.press("a")
            await settle(pilot)
            assert message() == "No build orders match. Press Esc to clear the search."

    async def test_start_up_asks_each_thing_once(self, server: SimulatorServer, app: BuildTUI) -> None:
        """Session facts and the first page: five requests, started at load, none repeated."""
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            asked = sorted(p.split("?")[0] for m, p in server.sim.log if m == "GET" and "/token/" not in p)
            assert asked == ["/api/", "/api/build/", "/api/build/status/", "/api/user/me/", "/api/user/roles/"]
            assert len(table(app).row_keys) == outstanding(server.url)

    async def test_session_ready_meanwhile_is_not_asked_again(self, server: SimulatorServer, token: str) -> None:
        """The list saw the session not ready and asked to bootstrap while the load-time requests were still
        on their way: it joins them, and nothing is asked twice."""
        from buildtui.api import BuildQuery
        from buildtui.state.store import Store

        store = Store(make_app(server.url, token).client)
        store.prefetch(BuildQuery())
        asked_late = store.bootstrap()  # made while not ready
        boot = store._boot
        assert boot is not None  # the load-time requests are on their way
        await boot
        assert store.ready
        mark = len(server.sim.log)
        await asked_late
        assert server.sim.log[mark:] == [] and store.ready
        await store.client.aclose()

    async def test_first_resume_is_not_a_return(self, server: SimulatorServer, app: BuildTUI) -> None:
        """The screen's first resume can come after the first rows: it does not re-read them. Coming back
        from a screen on top does."""
        from textual import events

        def list_reads() -> int:
            return len([p for m, p in server.sim.log if m == "GET" and p.startswith("/api/build/?")])

        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            assert list_reads() == 1
            app.screen.post_message(events.ScreenResume())
            await settle(pilot)
            assert list_reads() == 1
            await pilot.press("question_mark")
            await settle(pilot)
            await pilot.press("escape")
            await settle(pilot)
            assert list_reads() == 2

    async def test_revoked_token_opens_sign_in(self, server: SimulatorServer) -> None:
        """A revoked token: the start-up requests answer 401 and the sign-in dialog opens over the list."""
        from buildtui.dialogs.login import LoginDialog

        app = make_app(server.url, "inv-revoked")
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            assert isinstance(app.screen, LoginDialog)

    async def test_garbage_collection_resumes_after_first_rows(self, server: SimulatorServer, app: BuildTUI) -> None:
        """`buildtui` pauses the cyclic GC while it starts; the first rows drawn turn it back on."""
        import gc

        gc.disable()
        try:
            async with app.run_test(size=(80, 24)) as pilot:
                await settle(pilot)
                assert len(table(app).row_keys) == outstanding(server.url)
                assert gc.isenabled()
        finally:
            gc.enable()
            gc.unfreeze()

    async def test_plain_http_to_another_host_is_flagged_on_screen(self) -> None:
        """A plain-http server on another host is flagged in a notification: reached over plain http."""
        app = make_app("http://192.0.2.1:9", "x", timeout=0.2)
        app.client.get_retries = 0
        async with app.run_test(size=(80, 24), notifications=True) as pilot:
            await settle(pilot)
            said = [n.message for n in app._notifications]
            assert any("192.0.2.1 is reached over plain http" in m for m in said)

    async def test_start_up_timeout_is_not_waited_for_twice(self, server: SimulatorServer, token: str) -> None:
        """A server that does not answer in time: the operator sees the timeout; the app does not send the
        same five requests again at once, but after the back-off."""
        server.sim.latency_ms = 600
        app = make_app(server.url, token, timeout=0.2)
        app.client.get_retries = 0
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            message = str(app.screen.query_one("#list-message").render())
            assert "did not answer within 0.2 s" in message and "Retrying" in message
            # at most the five start-up reads (on a loaded machine one may time out before the server logs it)
            assert 1 <= len([p for m, p in server.sim.log if m == "GET" and "/token/" not in p]) <= 5
        server.sim.latency_ms = 0

    async def test_custom_state_shown_by_its_label(self, app: BuildTUI) -> None:
        """A build in a custom state shows the state's own label (Awaiting QA), not its code."""
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            row = table(app).get_row("19")
            assert "Awaiting QA" in [str(c) for c in row]

    async def test_filters_by_key(self, server: SimulatorServer, app: BuildTUI) -> None:
        """a shows all builds, d overdue only, m mine, s cycles status."""
        every = build_count(server.url)
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            await pilot.press("a")
            await settle(pilot)
            assert len(table(app).row_keys) == every
            await pilot.press("d")
            await settle(pilot)
            overdue = table(app).row_keys
            assert 0 < len(overdue) < every
            await pilot.press("o", "s")
            await settle(pilot)
            assert isinstance(app.screen, BuildListScreen)
            model = app.screen.model
            assert model is not None and model.query.status == 10 and all(b.status == 10 for b in model.rows)

    async def test_search_is_server_side_and_debounced(self, server: SimulatorServer, app: BuildTUI) -> None:
        """/ opens the search; typing filters on the server; Esc clears."""
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            await pilot.press("slash", *"Ölpumpe")
            await wait_for(pilot, lambda: set(table(app).row_keys) == {"20", "13", "9"})
            await pilot.press("escape")
            await settle(pilot)
            assert len(table(app).row_keys) == outstanding(server.url)

    async def test_sort_cycles(self, app: BuildTUI) -> None:
        """r changes the sort: the oldest build comes first."""
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            await pilot.press("r")
            await settle(pilot)
            assert table(app).row_keys[0] == "3"  # oldest first

    async def test_open_and_back_keeps_row_and_filters(self, app: BuildTUI) -> None:
        """Enter opens the build; Escape comes back to the same row with the filters intact."""
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            await pilot.press("m")
            await settle(pilot)
            await pilot.press("down", "down")
            key = table(app).current_key
            await pilot.press("enter")
            await settle(pilot)
            detail = app.screen
            assert isinstance(detail, BuildDetailScreen) and str(detail.pk) == key
            await pilot.press("escape")
            await settle(pilot)
            assert isinstance(app.screen, BuildListScreen) and app.screen.model is not None
            assert table(app).current_key == key and app.screen.model.query.assigned_to_me

    async def test_cursor_stays_when_rows_are_added_above(
        self, server: SimulatorServer, app: BuildTUI, client: InvenTreeClient
    ) -> None:
        """A refresh in which new builds appear above keeps the cursor on the same build."""
        before = outstanding(server.url)
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            await pilot.press("down", "down", "down")
            key = table(app).current_key

            for _ in range(2):
                web.post(
                    app.config.server + "/api/build/",
                    json={"part": 24, "quantity": 1},
                    headers={"Authorization": f"Token {app.config.token}"},
                )
            await pilot.press("ctrl+r")
            await settle(pilot)
            assert len(table(app).row_keys) == before + 2
            assert table(app).current_key == key
            assert table(app).cursor_row == 5

    async def test_paging_fetches_as_you_scroll(self, server: SimulatorServer, token: str) -> None:
        """With many builds the list fetches pages of 50 as the cursor nears the end, never everything."""
        from buildtui.simulator.seed import seed_large

        seed_large(server.sim.db, 300)
        app = make_app(server.url, token)
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            assert isinstance(app.screen, BuildListScreen) and app.screen.model is not None
            assert len(table(app).row_keys) == 50 and app.screen.model.count > 100
            await pilot.press("pagedown", "pagedown", "pagedown")
            await settle(pilot)
            assert len(table(app).row_keys) == 100
            logged = [p for m, p in server.sim.log if p.startswith("/api/build/?")]
            assert all("limit=" in p for p in logged)

    async def test_unreachable_server_says_so(self, tmp_path: Path) -> None:
        """--server http://127.0.0.1:9: no crash; a plain sentence says the server cannot be reached."""
        app = make_app("http://127.0.0.1:9", "x")
        app.client.get_retries = 0
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            message = str(app.screen.query_one("#list-message").render())
            assert "Cannot reach http://127.0.0.1:9" in message and "Retrying" in message
            line = str(app.screen.query_one("#status-line").render())
            # the reason first, the address once: at 80 columns the operator reads why
            assert line.startswith("OFFLINE: Cannot reach the server") and line.count("127.0.0.1:9") <= 1, line


class TestBuildDetail:
    async def test_shows_lines_picks_outputs(self, app: BuildTUI) -> None:
        """A build shows its lines, pick list and outputs; space expands a line's allocations; n shows only lines needing stock."""
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            screen = await open_build(pilot, 3)
            assert len(table(app, "#lines").row_keys) == 8
            assert len(table(app, "#picks").row_keys) == 3
            assert len(table(app, "#outputs").row_keys) == 3
            await pilot.press("space")  # expand the first line: its allocation appears under it
            assert screen.model is not None
            first = screen.model.lines[0]
            assert first.allocations
            assert table(app, "#lines").row_keys[:2] == [f"l{first.pk}", f"a{first.allocations[0].pk}"]
            await pilot.press("n")
            assert len(table(app, "#lines").row_keys) < 9

    async def test_issue_and_hold_offered_by_status(self, app: BuildTUI) -> None:
        """A pending build offers issue, not finish; i then Enter issues it, h then Enter holds it."""
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            screen = await open_build(pilot, 11)  # pending
            assert screen.model is not None
            assert screen.check_action("issue", ()) is True and screen.check_action("finish", ()) is False
            await pilot.press("i", "enter")
            await settle(pilot)
            assert screen.model.build is not None and screen.model.build.status == 20
            await pilot.press("h", "enter")
            await settle(pilot)
            assert screen.model.build is not None and screen.model.build.status == 25

    async def test_reader_is_not_offered_actions(self, server: SimulatorServer) -> None:
        """A read-only user is offered neither issue nor allocate on a build."""
        from tests.conftest import get_token

        app = make_app(server.url, get_token(server.url, "reader", "readonly"))
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            screen = await open_build(pilot, 11)
            assert screen.check_action("issue", ()) is False and screen.check_action("allocate", ()) is False

    async def test_allocate_from_picker(self, app: BuildTUI) -> None:
        """a on a line opens the stock picker; Enter allocates the default quantity."""
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            screen = await open_build(pilot, 11)
            await pilot.press("down", "down", "down", "down", "down", "down")  # PCB line
            line = screen.selected_line()
            assert line is not None and line.part_detail is not None and line.part_detail.IPN == "PCB-SB-C"
            await pilot.press("a")
            await settle(pilot)
            dialog = app.screen
            assert isinstance(dialog, AllocateDialog)
            assert dialog.query_one("#quantity", Input).value == "5"
            await pilot.press("enter")
            await settle(pilot)
            assert isinstance(app.screen, BuildDetailScreen)
            line = screen.selected_line()
            assert line is not None and line.allocated == 5

    async def test_refusal_keeps_input(self, app: BuildTUI) -> None:
        """A quantity the server refuses leaves the dialog open with the input and the reason beside it."""
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            screen = await open_build(pilot, 11)
            await pilot.press("down", "down", "down", "down", "down", "down", "a")
            await settle(pilot)
            assert isinstance(app.screen, AllocateDialog)
            dialog = app.screen
            box = dialog.query_one("#quantity", Input)
            box.value = "7"
            # someone else takes the stock meanwhile: the server refuses
            cand = dialog.current()
            assert cand is not None

            auth = {"Authorization": f"Token {app.config.token}"}
            pcb_line = next(
                ln["pk"]
                for ln in web.get(
                    app.config.server + "/api/build/line/", headers=auth, params={"build": 3, "part": cand.part}
                ).json()
            )
            other = web.post(
                app.config.server + "/api/build/3/allocate/",
                headers=auth,
                json={"items": [{"build_line": pcb_line, "stock_item": cand.pk, "quantity": float(cand.free) - 2}]},
            )
            assert other.status_code == 201, other.text
            await pilot.press("enter")
            await settle(pilot)
            assert app.screen is dialog and box.value == "7"
            assert "Available quantity (2) exceeded" in str(dialog.query_one("#err-quantity").render())
            # said in those words, with the figures re-read: the picker now shows what is left
            said = str(dialog.query_one("#err-form").render())
            assert "Someone else allocated" in said and "meanwhile: 2 of it is free now" in said
            now = dialog.current()
            assert now is not None and now.free == 2
            assert dialog.sent_count == 1
            assert screen.model is not None and screen.model.lines[6].allocated == 0

    async def test_enter_on_an_output_completes_that_one(self, app: BuildTUI) -> None:
        """Two outputs, none marked: Enter on the second completes the second only."""
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            screen = await open_build(pilot, 3)
            assert screen.model is not None
            first, second = screen.model.incomplete_outputs
            await pilot.press("c")
            await settle(pilot)
            dialog = app.screen
            assert isinstance(dialog, CompleteOutputsDialog) and not dialog.marked
            await pilot.press("down", "enter")
            await settle(pilot)
            assert isinstance(app.screen, BuildDetailScreen)
            assert [o.pk for o in screen.model.incomplete_outputs] == [first.pk]
            assert screen.model.build is not None and screen.model.build.completed == 4 + second.quantity

    async def test_complete_one_output_in_two_keys(self, app: BuildTUI) -> None:
        """c, Enter: the only incomplete output is completed into the build's destination."""
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
            assert dialog.query_one("#location", Select).value == 7
            await pilot.press("enter")
            await settle(pilot)
            assert isinstance(app.screen, BuildDetailScreen) and screen.model is not None
            assert screen.model.build is not None
            assert screen.model.build.completed == 5 and not screen.model.incomplete_outputs

    async def test_output_completed_elsewhere_meanwhile(self, app: BuildTUI, server: SimulatorServer) -> None:
        """Another terminal completes the output while this one has the dialog open: refused, said so."""
        import asyncio
        from decimal import Decimal

        async with app.run_test(size=(120, 40), notifications=True) as pilot:
            await settle(pilot)
            await open_build(pilot, 11)
            out = (await app.client.create_outputs(11, quantity=5))[0]
            await pilot.press("ctrl+r")
            await settle(pilot)
            await pilot.press("c")
            await settle(pilot)
            dialog = app.screen
            assert isinstance(dialog, CompleteOutputsDialog)
            await app.client.complete_outputs(11, [(out.pk, Decimal(5))], location=7)  # the other terminal
            await asyncio.to_thread(server.sim.tasks.wait_idle, 10)  # its server worker is done
            await pilot.press("enter")
            await settle(pilot)
            assert app.screen is dialog
            said = str(dialog.query_one("#err-form").render())
            assert "Someone else changed this build meanwhile" in said and "5 of 5 completed" in said
            await pilot.press("escape")
            await settle(pilot)
            detail = on_top(app)
            assert isinstance(detail, BuildDetailScreen) and detail.model is not None and detail.model.build is not None
            assert detail.model.build.completed == 5 and not detail.model.incomplete_outputs

    async def test_create_serialised_outputs_prefilled(self, app: BuildTUI) -> None:
        """N on a serialised build proposes the next serials; taken ones are refused beside the field, then created."""
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            screen = await open_build(pilot, 17)  # controller, pending, quantity 2
            await pilot.press("N")
            await settle(pilot)
            dialog = app.screen
            assert isinstance(dialog, CreateOutputDialog)
            assert dialog.query_one("#serial_numbers", Input).value == "103-104"
            dialog.query_one("#serial_numbers", Input).value = "101-102"
            await pilot.press("enter")
            await settle(pilot)
            assert app.screen is dialog
            assert "already exist" in str(dialog.query_one("#err-serial_numbers").render())
            dialog.query_one("#serial_numbers", Input).value = "103-104"
            await pilot.press("enter")
            await settle(pilot)
            assert isinstance(on_top(app), BuildDetailScreen) and screen.model is not None
            assert sorted(o.serial or "" for o in screen.model.incomplete_outputs) == ["103", "104"]

    async def test_finish_dialog_lists_blockers(self, app: BuildTUI) -> None:
        """F lists what blocks finishing; submitting anyway is refused with the reason shown."""
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            await open_build(pilot, 3)
            await pilot.press("F")
            await settle(pilot)
            text = str(app.screen.query_one("#blockers").render())
            assert "output(s) still in production" in text and "Not fully allocated" in text
            await pilot.press("ctrl+s")
            await settle(pilot)
            assert (
                "incomplete outputs" in str(app.screen.query_one("#err-form").render())
                or app.screen.query_one("#err-accept_unallocated").display
            )


class TestMoreActions:
    async def test_scrap_requires_reason_then_scraps(self, app: BuildTUI) -> None:
        """S asks for a reason before scrapping; with one, ctrl+s moves to Scrap and Enter scraps the output."""
        from buildtui.dialogs.outputs import ScrapOutputsDialog

        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            screen = await open_build(pilot, 3)
            await pilot.press("3", "S")
            await settle(pilot)
            dialog = app.screen
            assert isinstance(dialog, ScrapOutputsDialog) and len(dialog.marked) == 1
            dialog.query_one("#location", Select).value = 8
            await pilot.press("ctrl+s")
            await settle(pilot)
            assert app.screen is dialog and "Say why" in str(dialog.query_one("#err-notes").render())
            dialog.query_one("#notes", Input).value = "Cracked PCB"
            await pilot.press("ctrl+s")  # destructive: to the Scrap button first, then Enter there
            await settle(pilot)
            assert app.screen is dialog and dialog.focused is not None and dialog.focused.id == "submit"
            await pilot.press("enter")
            await settle(pilot)
            assert isinstance(app.screen, BuildDetailScreen) and screen.model is not None
            assert len(screen.model.incomplete_outputs) == 1

    async def test_delete_defaults_to_keep(self, app: BuildTUI) -> None:
        """D without an output chosen (every incomplete output) opens on Cancel: Enter keeps them. D on an output
        selected on the outputs tab opens on its Delete button: Enter deletes that one."""
        from buildtui.dialogs.outputs import DeleteOutputsDialog

        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            screen = await open_build(pilot, 3)
            assert screen.model is not None
            await pilot.press("D")
            await settle(pilot)
            dialog = app.screen
            assert isinstance(dialog, DeleteOutputsDialog) and len(dialog.outputs) == 2
            await pilot.press("enter")  # the focused button is Cancel: nothing deleted
            await settle(pilot)
            assert len(screen.model.incomplete_outputs) == 2
            await pilot.press("3", "D")
            await settle(pilot)
            dialog = app.screen
            assert isinstance(dialog, DeleteOutputsDialog)
            assert len(dialog.outputs) == 1 and dialog.focused is not None and dialog.focused.id == "submit"
            await pilot.press("enter")
            await settle(pilot)
            assert len(screen.model.incomplete_outputs) == 1

    async def test_unallocate_line_and_cancel_build(self, app: BuildTUI) -> None:
        """u, confirmed, unallocates the line; C then Enter cancels the build and removes its allocations."""
        from buildtui.dialogs.build_actions import CancelBuildDialog, ConfirmDialog

        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            screen = await open_build(pilot, 3)
            assert screen.model is not None
            assert screen.model.lines[0].allocated == 60
            await pilot.press("u")
            await settle(pilot)
            assert isinstance(app.screen, ConfirmDialog)
            await pilot.press("ctrl+s")
            await settle(pilot)
            assert screen.model.lines[0].allocated == 0
            await pilot.press("C")
            await settle(pilot)
            assert isinstance(app.screen, CancelBuildDialog)
            await pilot.press("enter")  # the operator pressed C: the focus is on «Cancel the build»
            await settle(pilot)
            assert screen.model.build is not None
            assert screen.model.build.status == 30 and not screen.model.allocations

    async def test_auto_allocate_shows_summary(self, app: BuildTUI) -> None:
        """A, ctrl+s: a summary says what was allocated and why optional lines were left out."""
        from buildtui.dialogs.auto_allocate import AutoAllocateDialog
        from buildtui.dialogs.info import InfoDialog

        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            screen = await open_build(pilot, 11)
            await pilot.press("A")
            await settle(pilot)
            assert isinstance(app.screen, AutoAllocateDialog)
            await pilot.press("ctrl+s")
            await settle(pilot)
            assert isinstance(app.screen, InfoDialog)
            body = str(app.screen.query_one("#info-body").render())
            assert "Auto-allocation allocated" in body and "optional line: not included" in body
            await pilot.press("enter")
            await settle(pilot)
            assert screen.model is not None and any(ln.allocated > 0 for ln in screen.model.lines)


class TestErgonomics:
    async def test_palette_offers_actions_by_name(self, app: BuildTUI) -> None:
        """ctrl+p, 'auto', Enter: the auto-allocate dialog of the open build."""
        from buildtui.dialogs.auto_allocate import AutoAllocateDialog

        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            app.open_build(11)
            await settle(pilot)
            await pilot.press("ctrl+p", *"Auto-alloc")
            await wait_for(pilot, lambda: any("Auto-alloc" in str(o.prompt) for o in options(app)))
            await pilot.press("enter")
            await settle(pilot)
            assert isinstance(app.screen, AutoAllocateDialog)

    async def test_theme_choice_is_remembered(
        self, server: SimulatorServer, token: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """A theme chosen in the app is saved to the config file for next time."""
        from buildtui import config as config_mod
        from buildtui.app import BuildTUI

        path = tmp_path / "theme.toml"
        monkeypatch.setenv("BUILDTUI_CONFIG", str(path))
        app = BuildTUI(config_mod.Config(server=server.url, token=token, poll_interval=3600), save_token=True)
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            app.theme = "high-contrast"
            await pilot.pause()
        assert config_mod.load({}, path, {}).theme == "high-contrast"


class TestOutputsAndAllocations:
    async def test_create_untracked_then_complete_partially(self, app: BuildTUI) -> None:
        """N creates the remaining quantity as one output; c with a quantity completes part of it."""
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            screen = await open_build(pilot, 11)
            assert screen.model is not None
            await pilot.press("N")
            await settle(pilot)
            dialog = app.screen
            assert isinstance(dialog, CreateOutputDialog) and dialog.query_one("#quantity", Input).value == "5"
            await pilot.press("enter")
            await settle(pilot)
            assert [o.quantity for o in screen.model.incomplete_outputs] == [5]
            await pilot.press("c")
            await settle(pilot)
            app.screen.query_one("#quantity", Input).value = "2"
            await pilot.press("ctrl+s")
            await settle(pilot)
            assert screen.model.build is not None and screen.model.build.completed == 2
            assert [o.quantity for o in screen.model.incomplete_outputs] == [3]

    async def test_over_quantity_refused_with_input_kept(self, app: BuildTUI) -> None:
        """Completing more than an output holds is refused ("holds only"), with the typed quantity kept."""
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            await open_build(pilot, 3)
            await pilot.press("3", "c")
            await settle(pilot)
            dialog = app.screen
            dialog.query_one("#quantity", Input).value = "50"
            await pilot.press("ctrl+s")
            await settle(pilot)
            assert app.screen is dialog and dialog.query_one("#quantity", Input).value == "50"
            assert "holds only" in str(dialog.query_one("#err-quantity").render())

    async def test_edit_and_consume_an_allocation(self, app: BuildTUI) -> None:
        """e changes an allocation's quantity and x consumes part of it; the line shows both."""
        from buildtui.dialogs.allocation_edits import ConsumeDialog, EditAllocationDialog

        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            screen = await open_build(pilot, 3)
            assert screen.model is not None
            await pilot.press("space", "down")  # expand the resistor line, select its allocation
            assert screen.selected_allocation() is not None
            await pilot.press("e")
            await settle(pilot)
            edit = app.screen
            assert isinstance(edit, EditAllocationDialog)
            edit.query_one("#quantity", Input).value = "40"
            await pilot.press("ctrl+s")
            await settle(pilot)
            assert screen.model.lines[0].allocated == 40
            await pilot.press("x")
            await settle(pilot)
            consume = app.screen
            assert isinstance(consume, ConsumeDialog)
            consume.query_one("#quantity", Input).value = "15"
            await pilot.press("ctrl+s")
            await settle(pilot)
            assert screen.model.lines[0].consumed == 15 and screen.model.lines[0].allocated == 25


class TestTwoTerminals:
    async def test_change_elsewhere_appears_within_one_interval(self, server: SimulatorServer, token: str) -> None:
        """Another terminal issues a build: this one shows it within one refresh interval (1 s here)."""
        app = make_app(server.url, token, poll_interval=1.0)
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            listed = app.screen
            assert isinstance(listed, BuildListScreen) and listed.model is not None
            assert next(b for b in listed.model.rows if b.pk == 11).status == 10
            other = web.post(server.url + "/api/build/11/issue/", headers={"Authorization": f"Token {token}"})
            assert other.status_code == 201
            model = listed.model
            # one interval (1 s) and the poll's own round trip
            await wait_for(pilot, lambda: next(b for b in model.rows if b.pk == 11).status == 20, timeout=2.0)
            await settle(pilot)
            assert "Production" in table(app)._cells["11"][3].plain


class TestMultiLineAllocation:
    async def test_marked_lines_allocated_in_one_request(self, server: SimulatorServer, app: BuildTUI) -> None:
        """v marks lines; a proposes the oldest free stock for each; Esc keeps the marks (a opens the same
        proposals again); Enter sends one allocate request and the marks go."""
        from buildtui.dialogs.allocate_lines import MultiAllocateDialog

        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            app.open_build(11)
            await settle(pilot)
            screen = app.screen
            assert isinstance(screen, BuildDetailScreen) and screen.model is not None
            await pilot.press("v", "down", "down", "v", "down", "down", "v")  # v moves down: 10k, MCU, PCB
            assert len(screen.marked_lines) == 3
            await pilot.press("a")
            await settle(pilot)
            assert isinstance(app.screen, MultiAllocateDialog)
            await pilot.press("escape")
            await settle(pilot)
            assert id(app.screen) == id(screen) and len(screen.marked_lines) == 3
            await pilot.press("a")
            await settle(pilot)
            dialog = app.screen
            assert isinstance(dialog, MultiAllocateDialog) and len(dialog.proposals) == 3
            before = len([1 for m, _ in server.sim.log if m == "POST"])
            await pilot.press("enter")
            await settle(pilot)
            assert len([1 for m, _ in server.sim.log if m == "POST"]) == before + 1
            assert screen.marked_lines == set()
            done = {ln.part_detail.IPN if ln.part_detail else None: ln.allocated for ln in screen.model.lines}
            assert done["R-0603-10K"] == 20 and done["U-ATM328"] == 5 and done["PCB-SB-C"] == 5


class TestFinishAndTrackedOutputs:
    async def test_finish_from_the_dialog(self, app: BuildTUI, server: SimulatorServer) -> None:
        """F: unallocated lines refused beside the checkbox; ticked, ctrl+s finishes the build (Complete)."""
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            app.open_build(11)
            await settle(pilot)
            screen = app.screen
            assert isinstance(screen, BuildDetailScreen) and screen.model is not None
            await app.client.issue(11)
            out = (await app.client.create_outputs(11, quantity=5))[0]
            from decimal import Decimal

            await app.client.complete_outputs(11, [(out.pk, Decimal(5))], location=7)
            await asyncio.to_thread(server.sim.tasks.wait_idle, 10)  # the server's worker has completed it
            await pilot.press("ctrl+r")
            await settle(pilot)
            await pilot.press("F")
            await settle(pilot)
            dialog = app.screen
            assert isinstance(dialog, FinishBuildDialog)
            await pilot.press("ctrl+s")  # unallocated lines not accepted: refused beside the checkbox
            await settle(pilot)
            assert app.screen is dialog and "not been fully allocated" in str(
                dialog.query_one("#err-accept_unallocated").render()
            )
            dialog.query_one("#accept_unallocated", Checkbox).value = True
            await pilot.press("ctrl+s")
            await settle(pilot)
            assert isinstance(on_top(app), BuildDetailScreen)
            assert screen.model.build is not None and screen.model.build.status == 40

    async def test_tracked_output_from_outputs_tab(self, app: BuildTUI) -> None:
        """On the outputs tab, a allocates a tracked component to the selected output; completing it
        without the component is refused until accepted."""
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            app.open_build(17)  # controller, pending
            await settle(pilot)
            screen = app.screen
            assert isinstance(screen, BuildDetailScreen) and screen.model is not None
            await app.client.create_outputs(17, quantity=1, serial_numbers="200")
            await pilot.press("ctrl+r")
            await settle(pilot)
            await pilot.press("c")
            await settle(pilot)
            await pilot.press("enter")
            await settle(pilot)
            dialog = app.screen
            assert isinstance(dialog, CompleteOutputsDialog)
            assert "missing" in str(dialog.query_one("#short-list").render())
            assert "not fully allocated" in str(dialog.query_one("#err-outputs").render())
            await pilot.press("escape")
            await settle(pilot)
            await pilot.press("3", "a")
            await settle(pilot)
            picker = app.screen
            assert isinstance(picker, AllocateDialog) and picker.output == screen.model.incomplete_outputs[0].pk
            await pilot.press("enter")
            await settle(pilot)
            wifi = next(ln for ln in screen.model.lines if ln.trackable)
            assert (
                wifi.allocated == 1
                and wifi.allocations
                and wifi.allocations[0].install_into == screen.model.incomplete_outputs[0].pk
            )
