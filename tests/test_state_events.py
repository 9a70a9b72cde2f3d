"""The state layer publishes what happened, in order: tests (and screens) observe it without privates."""

from __future__ import annotations

from decimal import Decimal

from buildtui.api import BuildQuery, InvenTreeClient
from buildtui.simulator import SimulatorServer
from buildtui.state import BuildListModel, Store
from buildtui.state.actions import BuildActions, Result
from buildtui.state.build_detail import BuildDetailModel
from buildtui.state.events import (
    BuildLoaded,
    ConnectionChanged,
    ListLoaded,
    SessionStarted,
    TaskFinished,
    WriteFinished,
    WriteSent,
)
from tests.conftest import get_token


class TestEvents:
    async def test_session_list_and_build_reads_are_published(self, server: SimulatorServer) -> None:
        """Signing in, the first page and opening a build: SessionStarted, ListLoaded, BuildLoaded, in order."""
        store = Store(InvenTreeClient(server.url, get_token(server.url), get_retries=0))
        await store.bootstrap()
        await BuildListModel(store, BuildQuery()).reload()
        await BuildDetailModel(store, 11).refresh()
        kinds = [type(e) for e in store.events.history]
        assert kinds == [SessionStarted, ListLoaded, BuildLoaded]
        assert store.events.history[0] == SessionStarted("admin", 530)
        assert store.events.history[2] == BuildLoaded(11, ("build", "lines", "outputs", "children"))
        await store.client.aclose()

    async def test_a_background_write_is_sent_pending_then_finished(self, server: SimulatorServer) -> None:
        """Completing an output on API 530: WriteSent, WriteFinished (pending), TaskFinished (done)."""
        store = Store(InvenTreeClient(server.url, get_token(server.url), get_retries=0))
        model = BuildDetailModel(store, 11)
        out = (await store.client.create_outputs(11, quantity=5))[0]
        await model.refresh()
        actions = BuildActions(model)
        outcome = await actions.run(
            actions.complete_outputs(
                [(out.pk, Decimal(2))],
                location=7,
                status=10,
                notes="",
                accept_incomplete_allocation=False,
                done="1 output completed",
            )
        )
        assert outcome.result is Result.PENDING and outcome.running is not None
        assert model.pending(f"o{out.pk}") is outcome.running
        done = await actions.follow(outcome.running)
        assert done.result is Result.DONE and not model.running
        writes = [e for e in store.events.history if isinstance(e, WriteSent | WriteFinished | TaskFinished)]
        assert writes == [
            WriteSent(11, "complete the outputs"),
            WriteFinished(11, "complete the outputs", "pending", outcome.message),
            TaskFinished(11, "complete the outputs", "done", "1 output completed"),
        ]
        await store.client.aclose()

    async def test_going_offline_and_back_is_published_once_each(self, server: SimulatorServer) -> None:
        """Two failures in a row are one ConnectionChanged(offline); the next answer is one (online)."""
        store = Store(InvenTreeClient(server.url, get_token(server.url), get_retries=0))
        model = BuildListModel(store, BuildQuery())
        server.sim.down = True
        for _ in range(2):
            try:
                await model.reload()
            except Exception:  # noqa: BLE001 - the failure is what is being published
                pass
        server.sim.down = False
        await model.reload()
        changes = store.events.of(ConnectionChanged)
        assert [c.online for c in changes] == [False, True]
        await store.client.aclose()
