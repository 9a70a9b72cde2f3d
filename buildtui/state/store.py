"""The state layer between the API client and the screens.

``Store`` holds what every screen shares (user, roles, status codes, locations,
connection health) and the polling back-off. ``BuildListModel`` and
``BuildDetailModel`` hold what one screen shows and know how to re-read it;
screens subscribe by asking them to refresh while they are visible.
No Textual here.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any, TypeVar

from ..api import ApiError, BuildQuery, InvenTreeClient, Unreachable
from ..api.errors import BadResponse, ServerError
from ..api.models import (
    Build,
    BuildItem,
    BuildLine,
    CurrentUser,
    Page,
    Roles,
    StatusCode,
    StatusCodes,
    StockItem,
    StockLocation,
)

if TYPE_CHECKING:
    from .early import EarlyFetch

T = TypeVar("T")
PAGE = 50

# InvenTree's own build states, until the server's list (with any custom states) arrives. Built with
# model_construct: these literals need no validation, and validating them here would build the
# models' validators during start-up, on the main thread, before anything is on screen.
BUILD_STATUS_FALLBACK = StatusCodes.model_construct(status_class="BuildStatus", values={
    name: StatusCode.model_construct(key=key, name=name, label=label, color=color, logical_key=None, custom=False)
    for key, name, label, color in [(10, "PENDING", "Pending", "secondary"), (20, "PRODUCTION", "Production", "primary"),
                                    (25, "ON_HOLD", "On Hold", "warning"), (30, "CANCELLED", "Cancelled", "danger"),
                                    (40, "COMPLETE", "Complete", "success")]})


def _replay(exc: BaseException) -> Callable[[], Awaitable[Any]]:
    async def again() -> Any:
        raise exc

    return again


class Store:
    """Session-wide facts and connection health, shared by every screen."""

    def __init__(self, client: InvenTreeClient, *, poll_interval: float = 10.0) -> None:
        self.client = client
        self.poll_interval = poll_interval
        self.user: CurrentUser | None = None
        self.roles: Roles | None = None
        self.build_status: StatusCodes = BUILD_STATUS_FALLBACK
        self.stock_status: StatusCodes | None = None
        self.locations: list[StockLocation] | None = None
        self.online = True
        self.ready = False
        self.last_ok: float | None = None
        self.last_error: ApiError | None = None
        self.failures = 0
        self._next_poll_at = 0.0
        self._boot: asyncio.Future[None] | None = None
        self._prefetched: tuple[BuildQuery, asyncio.Future[Page[Build]]] | None = None

    # -- connection health ------------------------------------------------------
    async def call(self, factory: Callable[[], Awaitable[T]]) -> T:
        """Run one client call and record whether the server answered."""
        try:
            result = await factory()
        except (Unreachable, ServerError, BadResponse) as exc:
            self._failed(exc)
            raise
        except ApiError:
            self._answered()
            raise
        self._answered()
        return result

    def _answered(self) -> None:
        self.online = True
        self.failures = 0
        self.last_ok = time.monotonic()
        self.last_error = None
        self._next_poll_at = 0.0

    def _failed(self, exc: ApiError) -> None:
        self.online = False
        self.failures += 1
        self.last_error = exc
        self._next_poll_at = time.monotonic() + self.retry_delay()

    def retry_delay(self) -> float:
        """Back off while offline: 2, 4, 8 ... up to 60 s (never faster than the poll interval)."""
        if self.online:
            return self.poll_interval
        return min(60.0, max(2.0, 2.0 ** min(self.failures, 6)))

    def poll_due(self) -> bool:
        return time.monotonic() >= self._next_poll_at

    def seconds_since_ok(self) -> float | None:
        return None if self.last_ok is None else time.monotonic() - self.last_ok

    # -- session -------------------------------------------------------------------
    async def bootstrap(self) -> None:
        """Server version, user, roles and status codes: once per session (and after sign-in).

        One round trip: the four requests go out together. A failed version check is reported before
        anything the other three say (an old server may not know them). A bootstrap already under way
        (started by ``prefetch``) is joined, not repeated.
        """
        if self._boot is None or self._boot.done():
            if self.ready:  # done meanwhile (the caller saw it not ready a moment ago): not again
                return
            self._boot = asyncio.ensure_future(self._bootstrap())
        try:
            await asyncio.shield(self._boot)
        finally:
            if self._boot.done():
                self._boot = None

    async def _bootstrap(self) -> None:
        c = self.client

        async def all_four() -> tuple[Any, ...]:
            results = await asyncio.gather(c.connect(), c.me(), c.roles(), c.build_status_codes(),
                                           return_exceptions=True)
            for r in results:
                if isinstance(r, BaseException):
                    raise r
            return tuple(results)

        _, user, roles, codes = await self.call(all_four)
        self.user, self.roles, self.build_status = user, roles, codes
        self.ready = True

    def prefetch(self, query: BuildQuery, early: EarlyFetch | None = None) -> None:
        """At app load, before any screen exists: start the session requests and the first page of
        ``query`` so that they travel while the screens are built. ``take_prefetched`` hands the page over.

        With ``early`` (requests sent before Textual was imported), use its answers; a failure among them
        goes through the normal error handling as if it had just happened (it is not asked again).
        """
        def first() -> Awaitable[Page[Build]]:
            return self.client.list_builds(query, limit=PAGE, offset=0)

        if early is not None and early.query == query:
            self._boot = asyncio.ensure_future(self._bootstrap_from(early))
            page = asyncio.ensure_future(self._page_from(early, first))
        else:
            self._boot = asyncio.ensure_future(self._bootstrap())
            page = asyncio.ensure_future(self.call(first))
        for fut in (self._boot, page):  # if nobody awaits them (quit at once), their errors are not "unretrieved"
            fut.add_done_callback(lambda f: f.cancelled() or f.exception())
        self._prefetched = (query, page)

    async def _bootstrap_from(self, early: EarlyFetch) -> None:
        got = await early.answers()
        failed = got.session_error() if got is not None else None
        if got is None or (failed is not None and not isinstance(failed, ApiError)):
            await self._bootstrap()  # the early attempt itself broke: ask the normal way
            return
        if failed is not None:
            # recorded and raised as if asked just now (sign-in, offline, old server...), without a second
            # wait on a server that did not answer
            await self.call(_replay(failed))
        self.client.server_info = got.info  # type: ignore[assignment]
        self.user, self.roles, self.build_status = got.user, got.roles, got.codes  # type: ignore[assignment]
        self._answered()
        self.ready = True

    async def _page_from(self, early: EarlyFetch, first: Callable[[], Awaitable[Page[Build]]]) -> Page[Build]:
        got = await early.answers()
        if got is None or (isinstance(got.page, BaseException) and not isinstance(got.page, ApiError)):
            return await self.call(first)
        if isinstance(got.page, ApiError):
            return await self.call(_replay(got.page))
        self._answered()
        return got.page

    def take_prefetched(self, query: BuildQuery) -> asyncio.Future[Page[Build]] | None:
        held, self._prefetched = self._prefetched, None
        if held is None:
            return None
        if held[0] != query:
            held[1].cancel()
            return None
        return held[1]

    async def ensure_locations(self) -> list[StockLocation]:
        if self.locations is None:
            self.locations = await self.call(self.client.list_locations)
        return self.locations

    async def ensure_stock_status(self) -> StatusCodes:
        if self.stock_status is None:
            self.stock_status = await self.call(self.client.stock_status_codes)
        return self.stock_status

    def location_name(self, pk: int | None) -> str:
        if pk is None:
            return "-"
        for loc in self.locations or []:
            if loc.pk == pk:
                return loc.path
        return f"location {pk}"

    def can(self, perm: str, ruleset: str = "build") -> bool:
        """Actions are offered only when the roles allow them (unknown roles: assume allowed)."""
        if self.roles is None:
            return True
        return self.roles.allows(ruleset, perm)

    def status_code(self, key: int) -> StatusCode | None:
        return self.build_status.by_key().get(key)


@dataclass
class BuildListModel:
    """The build list: a query and the rows loaded so far (pages of ``PAGE``, fetched as the operator scrolls)."""

    store: Store
    query: BuildQuery = field(default_factory=BuildQuery)
    rows: list[Build] = field(default_factory=list)
    count: int = 0
    loaded_once: bool = False

    @property
    def has_more(self) -> bool:
        return len(self.rows) < self.count

    async def reload(self) -> None:
        """A new query: the first page only (at start-up, the page the store began fetching at load)."""
        pending = self.store.take_prefetched(self.query)
        if pending is not None:
            page = await pending
        else:
            page = await self.store.call(lambda: self.store.client.list_builds(self.query, limit=PAGE, offset=0))
        self.rows, self.count, self.loaded_once = list(page.results), page.count, True

    async def load_more(self) -> int:
        if not self.has_more:
            return 0
        offset = len(self.rows)
        page = await self.store.call(lambda: self.store.client.list_builds(self.query, limit=PAGE, offset=offset))
        known = {b.pk for b in self.rows}
        new = [b for b in page.results if b.pk not in known]
        self.rows += new
        self.count = page.count
        return len(new)

    async def refresh(self) -> None:
        """Re-read what is loaded, in one request."""
        limit = max(len(self.rows), PAGE)
        page = await self.store.call(lambda: self.store.client.list_builds(self.query, limit=limit, offset=0))
        self.rows, self.count, self.loaded_once = list(page.results), page.count, True


@dataclass
class Blockers:
    """What stops a build from finishing (the finish dialog shows these first)."""

    unallocated: list[BuildLine]
    overallocated: list[BuildLine]
    incomplete_outputs: list[StockItem]
    remaining: Decimal
    not_in_production: bool


PARTS = ("build", "lines", "outputs", "children")


@dataclass
class BuildDetailModel:
    """One build with its lines (and their allocations), outputs and child builds: 4 requests."""

    store: Store
    pk: int
    build: Build | None = None
    lines: list[BuildLine] = field(default_factory=list)
    outputs: list[StockItem] = field(default_factory=list)
    children: list[Build] = field(default_factory=list)

    async def refresh(self, parts: Sequence[str] = PARTS) -> None:
        """Re-read ``parts`` (of build, lines, outputs, children) in parallel: one request each.

        Opening reads all four; polling reads only what the visible tab shows; after an allocation
        only the lines change.
        """
        c = self.store.client
        calls: dict[str, Callable[[], Awaitable[Any]]] = {
            "build": lambda: c.get_build(self.pk), "lines": lambda: c.list_lines(self.pk),
            "outputs": lambda: c.list_outputs(self.pk), "children": lambda: c.child_builds(self.pk)}
        wanted = [p for p in PARTS if p in parts]
        results = await self.store.call(lambda: asyncio.gather(*(calls[p]() for p in wanted)))
        for name, value in zip(wanted, results, strict=True):
            setattr(self, name, value)

    @property
    def allocations(self) -> list[BuildItem]:
        return [a for line in self.lines for a in (line.allocations or [])]

    @property
    def incomplete_outputs(self) -> list[StockItem]:
        return [o for o in self.outputs if o.is_building]

    @property
    def completed_outputs(self) -> list[StockItem]:
        return [o for o in self.outputs if not o.is_building]

    def line(self, pk: int) -> BuildLine | None:
        return next((ln for ln in self.lines if ln.pk == pk), None)

    def allocation(self, pk: int) -> BuildItem | None:
        return next((a for a in self.allocations if a.pk == pk), None)

    def line_of(self, allocation: BuildItem) -> BuildLine | None:
        return self.line(allocation.build_line) if allocation.build_line is not None else None

    def output_unallocated(self, output: StockItem) -> list[BuildLine]:
        """Tracked, non-consumable lines whose allocation to this output is below the per-unit quantity (§3.6)."""
        build = self.build
        if build is None or build.quantity <= 0:
            return []
        short = []
        for line in self.lines:
            if not line.trackable or line.consumable:
                continue
            per_unit = line.quantity / build.quantity
            got = sum((a.quantity for a in line.allocations or [] if a.install_into == output.pk), Decimal(0))
            if got < per_unit:
                short.append(line)
        return short

    def blockers(self) -> Blockers:
        build = self.build
        assert build is not None
        return Blockers(
            unallocated=[ln for ln in self.lines if not ln.consumable and not ln.trackable
                         and ln.allocated < max(ln.quantity - ln.consumed, Decimal(0))],
            overallocated=[ln for ln in self.lines if not ln.consumable and ln.over_allocated],
            incomplete_outputs=self.incomplete_outputs,
            remaining=build.remaining,
            not_in_production=build.status != 20,
        )
