"""The build list's poll re-reads what the operator sees, not every loaded row (state layer, no UI)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from buildtui.api import BuildQuery, InvenTreeClient
from buildtui.simulator import SimulatorServer, build_simulator
from buildtui.state import BuildListModel, Store
from tests import web
from tests.conftest import get_token


@pytest.fixture(scope="module")
def many() -> Iterator[SimulatorServer]:
    """The demo with 300 generated builds (all of them listed: outstanding or not)."""
    srv = SimulatorServer(build_simulator(builds=300)).start()
    yield srv
    srv.stop()


def list_reads(server: SimulatorServer, since: int) -> list[str]:
    return [p for m, p in server.sim.log[since:] if m == "GET" and p.startswith("/api/build/?")]


async def loaded(server: SimulatorServer, rows: int) -> BuildListModel:
    client = InvenTreeClient(server.url, get_token(server.url), get_retries=0)
    model = BuildListModel(Store(client), BuildQuery(outstanding=None))
    await model.reload()
    while len(model.rows) < rows:
        await model.load_more()
    return model


class TestListPolls:
    async def test_poll_reads_the_visible_page_only(self, many: SimulatorServer) -> None:
        """With 250 rows loaded and rows 120-140 on screen, a poll asks for one page of 50 (offset 100), not 250."""
        model = await loaded(many, 250)
        mark = len(many.sim.log)
        assert await model.refresh(120, 140) == 1
        asked = list_reads(many, mark)
        assert len(asked) == 1 and "limit=50" in asked[0] and "offset=100" in asked[0]
        assert len(model.rows) == 250
        await model.store.client.aclose()

    async def test_a_change_on_screen_is_shown(self, many: SimulatorServer) -> None:
        """Another terminal changes a build on screen: the next poll shows it, still with one request."""
        model = await loaded(many, 100)
        target = model.rows[60]
        token = get_token(many.url)
        web.patch(
            f"{many.url}/api/build/{target.pk}/",
            json={"title": "changed elsewhere"},
            headers={"Authorization": f"Token {token}"},
        ).raise_for_status()
        mark = len(many.sim.log)
        assert await model.refresh(55, 75) == 1
        assert len(list_reads(many, mark)) == 1
        assert next(b for b in model.rows if b.pk == target.pk).title == "changed elsewhere"
        await model.store.client.aclose()

    async def test_a_moved_list_is_read_again_whole(self, many: SimulatorServer) -> None:
        """A build added elsewhere shifts every row: the count differs, so everything loaded is read again
        (two requests), and the new build is in the list."""
        model = await loaded(many, 100)
        before = model.count
        token = get_token(many.url)
        r = web.post(
            f"{many.url}/api/build/",
            json={"part": model.rows[0].part, "quantity": 1, "title": "new from another terminal"},
            headers={"Authorization": f"Token {token}"},
        )
        r.raise_for_status()
        mark = len(many.sim.log)
        assert await model.refresh(60, 80) == 2
        assert len(list_reads(many, mark)) == 2
        assert any(b.title == "new from another terminal" for b in model.rows)
        assert len(model.rows) == 100 and model.count == before + 1
        await model.store.client.aclose()

    async def test_rows_scrolled_into_view_are_stale_after_an_interval(self, many: SimulatorServer) -> None:
        """Rows read long ago count as stale (the screen re-reads them when scrolled to); fresh ones do not."""
        model = await loaded(many, 150)
        assert not model.stale_pages(0, 20, older_than=60)
        assert model.stale_pages(0, 20, older_than=0)
        await model.store.client.aclose()
