"""Session-wide state between the API client and the screens: who is signed in, what they may do, the
server's status codes and locations, and the connection's health (answered, failing, or waiting).

Every request a screen makes goes through ``Store.call``, so the status line can say "offline" or "waiting
for the server, 4 s" truthfully. No Textual here.
"""

from __future__ import annotations

import asyncio
import itertools
import time
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from ..api import ApiError, BuildQuery, InvenTreeClient, Unreachable
from ..api.errors import BadResponse, ServerError
from ..api.models import Build, CurrentUser, Page, Part, Roles, StatusCode, StatusCodes, StockLocation
from .events import ConnectionChanged, Events, SessionStarted

T = TypeVar("T")
PAGE = 50

# InvenTree's own build states, until the server's list (with any custom states) arrives. Built with
# model_construct: these literals need no validation, and validating them here would build the
# models' validators during start-up, on the main thread, before anything is on screen.
BUILD_STATUS_FALLBACK = StatusCodes.model_construct(
    status_class="BuildStatus",
    values={
        name: StatusCode.model_construct(key=key, name=name, label=label, color=color, logical_key=None, custom=False)
        for key, name, label, color in [
            (10, "PENDING", "Pending", "secondary"),
            (20, "PRODUCTION", "Production", "primary"),
            (25, "ON_HOLD", "On Hold", "warning"),
            (30, "CANCELLED", "Cancelled", "danger"),
            (40, "COMPLETE", "Complete", "success"),
        ]
    },
)


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
        self.events = Events()  # what happened, for screens (as messages) and tests (``events.history``)
        self._next_poll_at = 0.0
        self._boot: asyncio.Future[None] | None = None
        self._prefetched: tuple[BuildQuery, asyncio.Future[Page[Build]]] | None = None
        self._fetching: dict[str, asyncio.Future[Any]] = {}
        self._substitutes: dict[int, set[int]] = {}  # part -> BOM items allowing it as a substitute
        self.labels_offered: set[str] = set()  # supplier labels whose link to a stock item was offered once
        self._in_flight: dict[int, float] = {}  # call number -> when it was sent
        self._numbers = itertools.count()
        self._written_at: int | None = None  # the call number when a write last finished, until a read after it

    # -- connection health ------------------------------------------------------
    async def call(self, factory: Callable[[], Awaitable[T]]) -> T:
        """Run one client call (one request, or several sent together) and record whether the server answered."""
        number = next(self._numbers)
        self._in_flight[number] = time.monotonic()
        try:
            result = await factory()
        except (Unreachable, ServerError, BadResponse) as exc:
            self._failed(exc)
            raise
        except ApiError:
            self._answered()
            raise
        finally:
            del self._in_flight[number]
        self._answered()
        if self._written_at is not None and number > self._written_at:
            self._written_at = None  # a read sent after the write has answered: what is shown includes it
        return result

    def note_write(self) -> None:
        """A write just finished: what screens show is out of date until a read sent after it answers."""
        self._written_at = next(self._numbers)

    @property
    def updating(self) -> bool:
        """A write finished and no read sent since has answered yet (the screen still shows the old figures)."""
        return self._written_at is not None

    def waiting_for(self) -> float | None:
        """How long the oldest request still in flight has been waiting for its answer (None: none is)."""
        if not self._in_flight:
            return None
        return time.monotonic() - min(self._in_flight.values())

    def _answered(self) -> None:
        if not self.online:
            self.events.publish(ConnectionChanged(online=True))
        self.online = True
        self.failures = 0
        self.last_ok = time.monotonic()
        self.last_error = None
        self._next_poll_at = 0.0

    def _failed(self, exc: ApiError) -> None:
        if self.online:
            self.events.publish(ConnectionChanged(online=False, reason=str(exc)))
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
            results = await asyncio.gather(
                c.connect(), c.me(), c.roles(), c.build_status_codes(), return_exceptions=True
            )
            for r in results:
                if isinstance(r, BaseException):
                    raise r
            return tuple(results)

        info, user, roles, codes = await self.call(all_four)
        self.user, self.roles, self.build_status = user, roles, codes
        self.ready = True
        self.events.publish(SessionStarted(user.username, info.apiVersion))

    def prefetch(self, query: BuildQuery) -> None:
        """At app load, before any screen exists: start the session requests and the first page of
        ``query`` so that they travel while the screens are built. ``take_prefetched`` hands the page over."""
        self._boot = asyncio.ensure_future(self._bootstrap())
        page = asyncio.ensure_future(self.call(lambda: self.client.list_builds(query, limit=PAGE, offset=0)))
        for fut in (self._boot, page):  # if nobody awaits them (quit at once), their errors are not "unretrieved"
            fut.add_done_callback(lambda f: f.cancelled() or f.exception())
        self._prefetched = (query, page)

    def take_prefetched(self, query: BuildQuery) -> asyncio.Future[Page[Build]] | None:
        held, self._prefetched = self._prefetched, None
        if held is None:
            return None
        if held[0] != query:
            held[1].cancel()
            return None
        return held[1]

    async def _once(self, name: str, factory: Callable[[], Awaitable[T]]) -> T:
        """One request for a session fact, however many screens and dialogs ask for it at the same time."""
        running = self._fetching.get(name)
        if running is None or running.done():
            running = self._fetching[name] = asyncio.ensure_future(self.call(factory))
            running.add_done_callback(lambda f: f.cancelled() or f.exception())
        result: T = await asyncio.shield(running)
        return result

    async def ensure_locations(self) -> list[StockLocation]:
        if self.locations is None:
            self.locations = await self._once("locations", self.client.list_locations)
        return self.locations

    async def ensure_stock_status(self) -> StatusCodes:
        if self.stock_status is None:
            self.stock_status = await self._once("stock_status", self.client.stock_status_codes)
        return self.stock_status

    async def bom_items_allowing(self, part: int) -> set[int]:
        """BOM items that take ``part`` as a substitute (asked once per part and session)."""
        if part not in self._substitutes:
            subs = await self.call(lambda: self.client.substitutes_for_part(part))
            self._substitutes[part] = {s.bom_item for s in subs}
        return self._substitutes[part]

    @property
    def timeout(self) -> float:
        """The deadline of one request (a read not answered in it is asked again)."""
        return self.client.timeout

    @property
    def base_url(self) -> str:
        """The server's address (shown when it asks the operator to sign in)."""
        return self.client.base_url

    async def sign_in(self, username: str, password: str, token_name: str) -> str:
        """A token for these credentials (the client is not given it: the caller decides what to keep)."""
        return await self.call(lambda: self.client.get_token(username, password, name=token_name))

    async def read_part(self, pk: int) -> Part:
        return await self.call(lambda: self.client.get_part(pk))

    async def find_build(self, reference: str) -> Build | None:
        """The build with this reference (as typed or scanned), or None."""
        return await self.call(lambda: self.client.find_build(reference))

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
