"""The build list's data: a query and the rows loaded so far, re-read without re-reading every row."""

from __future__ import annotations

import time
from dataclasses import dataclass, field, replace
from typing import Any

from ..api import BuildQuery
from ..api.models import Build
from .events import ListLoaded
from .store import PAGE, Store


@dataclass
class BuildListModel:
    """The build list: a query and the rows loaded so far (pages of ``PAGE``, fetched as the operator scrolls).

    A poll re-reads the page(s) the operator can see, not every loaded row: on a list scrolled to row 1,850
    that is 50 rows instead of 1,850. When what comes back says the list itself changed (the count, or which
    builds sit at those places), everything loaded is re-read once.
    """

    store: Store
    query: BuildQuery = field(default_factory=BuildQuery)
    rows: list[Build] = field(default_factory=list)
    count: int = 0
    loaded_once: bool = False
    #: the query the rows were read for (``query`` may have changed since, its answer not in yet)
    loaded_query: BuildQuery | None = None
    #: page number -> when its rows were last read (monotonic)
    read_at: dict[int, float] = field(default_factory=dict)

    @property
    def has_more(self) -> bool:
        return len(self.rows) < self.count

    def _read(self, query: BuildQuery, limit: int, offset: int) -> Any:
        return self.store.call(lambda: self.store.client.list_builds(query, limit=limit, offset=offset))

    def _mark_read(self, offset: int, count: int) -> None:
        now = time.monotonic()
        for page in range(offset // PAGE, (offset + max(count, 1) - 1) // PAGE + 1):
            self.read_at[page] = now

    async def reload(self) -> None:
        """A new query: the first page only (at start-up, the page the store began fetching at load)."""
        query = replace(self.query, extra=dict(self.query.extra))
        pending = self.store.take_prefetched(query)
        page = await pending if pending is not None else await self._read(query, PAGE, 0)
        self.rows, self.count, self.loaded_once = list(page.results), page.count, True
        self.loaded_query = query
        self.read_at.clear()
        self._mark_read(0, len(self.rows))
        self.store.events.publish(ListLoaded(len(self.rows), self.count))

    async def load_more(self) -> int:
        if not self.has_more:
            return 0
        offset = len(self.rows)
        page = await self._read(self.query, PAGE, offset)
        known = {b.pk for b in self.rows}
        new = [b for b in page.results if b.pk not in known]
        self.rows += new
        self.count = page.count
        self._mark_read(offset, len(page.results))
        self.store.events.publish(ListLoaded(len(self.rows), self.count))
        return len(new)

    def stale_pages(self, first: int, last: int, older_than: float) -> bool:
        """Were any of the rows ``first``..``last`` read more than ``older_than`` seconds ago?"""
        now = time.monotonic()
        return any(
            now - self.read_at.get(page, 0.0) > older_than
            for page in range(max(first, 0) // PAGE, max(last, first, 0) // PAGE + 1)
        )

    async def refresh(self, first: int = 0, last: int = 0) -> int:
        """Re-read the pages holding rows ``first``..``last`` (what the operator sees); returns the requests made.

        If the answer shows the list moved (another count, other builds at those places), everything loaded
        is re-read in one request.
        """
        if not self.loaded_once:
            await self.reload()
            return 1
        offset = (max(first, 0) // PAGE) * PAGE
        limit = (max(last, first, 0) // PAGE + 1) * PAGE - offset
        page = await self._read(self.query, limit, offset)
        got = list(page.results)
        mine = self.rows[offset : offset + limit]
        if page.count == self.count and [b.pk for b in got[: len(mine)]] == [b.pk for b in mine]:
            self.rows[offset : offset + len(mine)] = got  # rows past what was loaded join the list
            self._mark_read(offset, len(got))
            self.store.events.publish(ListLoaded(len(self.rows), self.count))
            return 1
        everything = await self._read(self.query, max(len(self.rows), PAGE), 0)
        self.rows, self.count = list(everything.results), everything.count
        self.read_at.clear()
        self._mark_read(0, len(self.rows))
        self.store.events.publish(ListLoaded(len(self.rows), self.count, requests=2))
        return 2
