"""What the screens that show server data share: one read at a time, polling while visible, refresh on
return, narrow layout.

Reads suit a slow server: a screen has at most one read in flight; asking again while it runs (a poll, a
tab change, a filter) is remembered and sent once the answer is in, merged with anything else asked
meanwhile; nothing in flight is ever cancelled and sent again. The next poll is timed from when the last
answer arrived, so a server answering in 1.2 s with a 5 s interval is asked once every 6.2 s.
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import TYPE_CHECKING, cast

from textual import events, work
from textual.binding import Binding
from textual.screen import Screen

if TYPE_CHECKING:
    from ..app import BuildTUI

log = logging.getLogger("buildtui.screens")

WIDE = 110  # below this many columns, the least important columns drop out


class LiveScreen(Screen[None]):
    """Subclasses implement ``has_data``, ``read`` (one read of what was asked; True when it answered),
    ``poll_parts`` (what a poll re-reads) and ``update_columns``."""

    # first in the footer, so that it is still there at 80 columns when the actions fill the line
    BINDINGS = [Binding("question_mark,f1", "app.help", "Help", key_display="?")]

    def __init__(self) -> None:
        super().__init__()
        self.busy = False  # an action is in flight: do not poll over it
        self.reading = False  # a read is in flight
        self.reads_done = 0  # reads that got an answer (tests and benchmarks wait on this)
        self._asked: set[str] = set()  # what was asked while a read ran: the next read sends it
        self._waiters: list[asyncio.Future[bool]] = []  # ``fresh`` callers waiting for the next read
        self._last_answer = 0.0  # when the last read ended (answered or failed)
        self._compact: bool | None = None
        self._laid_out_for = 0  # the width the tables were last fitted to
        self._left = False  # another screen was on top: refresh when it goes

    @property
    def tui(self) -> BuildTUI:
        return cast("BuildTUI", self.app)

    def has_data(self) -> bool:
        raise NotImplementedError

    async def read(self, parts: set[str]) -> bool:
        raise NotImplementedError

    def poll_parts(self) -> set[str]:
        raise NotImplementedError

    def update_columns(self) -> None:
        raise NotImplementedError

    def on_mount(self) -> None:
        self.set_interval(0.5, self._poll_tick)

    # -- reads -------------------------------------------------------------------------------
    def request_read(self, *parts: str) -> None:
        """Read ``parts`` now, or as soon as the read in flight has answered (merged with what else is asked)."""
        self._asked.update(parts)
        if not self.reading:
            self.reading = True
            self._read_loop()

    async def fresh(self, *parts: str) -> bool:
        """Read ``parts`` and wait for an answer sent after this call (not one already on its way, which may
        predate a change just made); True when it answered. The read paints the screen as usual."""
        waiter: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
        self._waiters.append(waiter)
        self.request_read(*parts)
        return await waiter

    def poll(self) -> None:
        self.request_read(*self.poll_parts())

    @work(group="screen-read", exit_on_error=False)
    async def _read_loop(self) -> None:
        waiting: list[asyncio.Future[bool]] = []
        answered = False
        try:
            while self._asked:
                parts, self._asked = self._asked, set()
                waiting, self._waiters = self._waiters, []
                answered = await self.read(parts)
                if not answered:
                    self._asked |= parts  # no answer: asked again when the back-off allows, not at once
                    break
                self.reads_done += 1
                self._settle(waiting, True)
        except Exception:  # noqa: BLE001 - a bug must not leave the screen silently on "Loading…"
            if self not in self.app.screen_stack:
                # closed (Esc, another build scanned) while its answer was on the way: the answer found its
                # widgets gone; nothing is wrong and nothing is left to show it on
                log.info("%s closed while reading", type(self).__name__, exc_info=True)
            else:
                log.exception("reading %s failed", type(self).__name__)
                self.tui.unexpected("show the latest data")
        finally:
            self._settle(waiting + self._waiters, False)
            self._waiters = []
            self.reading = False
            self._last_answer = time.monotonic()

    @staticmethod
    def _settle(waiters: list[asyncio.Future[bool]], answered: bool) -> None:
        for waiter in waiters:
            if not waiter.done():
                waiter.set_result(answered)

    def _poll_tick(self) -> None:
        """Poll only while this screen is on top and no read is in flight, ``poll_interval`` after the last
        answer; when offline, at the back-off. ``is_current`` is also true for screens kept behind the top
        one, which would poll unseen."""
        if not self.is_active or self.busy or self.reading:
            return
        store = self.tui.store
        if not store.poll_due():
            return
        wait = store.poll_interval if self.has_data() and not self._asked else store.retry_delay()
        if time.monotonic() - self._last_answer < wait:
            return
        self.poll()

    def on_screen_suspend(self) -> None:
        self._left = True

    def on_screen_resume(self) -> None:
        """Back from a screen or dialog on top: show what changed meanwhile at once. The first resume (the
        screen being shown at all) is not a return: it can arrive after the first rows, which are fresh."""
        if self._left and self.has_data():
            self.poll()
        self._left = False

    def on_resize(self) -> None:
        self.update_columns()

    def on_key(self, event: events.Key) -> None:
        """Mark a key with the screen it was typed at, on its way up to the app (``BuildTUI.on_key`` drops it
        when another screen went on top meanwhile)."""
        event.typed_at_screen = self  # type: ignore[attr-defined]

    def narrow_changed(self) -> bool:
        """True once when the width crosses ``WIDE`` (and on the first call); sets ``self._compact``."""
        compact = self.size.width < WIDE if self.size.width else True
        if compact == self._compact:
            return False
        self._compact = compact
        return True
