"""The status line: server, user, freshness, "waiting for the server, 4 s" while an answer is late, and
"offline — retrying" when requests fail."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from textual.content import Content
from textual.widgets import Static

from ..format import ago
from .safe import clean

if TYPE_CHECKING:
    from ..state import Store


class StatusLine(Static):
    DEFAULT_CSS = """
    StatusLine { height: 1; padding: 0 1; background: $panel; color: $text-muted; }
    StatusLine.-offline { background: $error 40%; color: $text; text-style: bold; }
    """

    def __init__(self, store: Store, server: str, *, has_data: Callable[[], bool] | None = None, **kwargs: Any) -> None:
        super().__init__("", **kwargs)
        self.store = store
        self.server = server
        self.has_data = has_data  # the screen's own data: until it is there, nothing on it is "up to date"
        self._shown = ""

    def on_mount(self) -> None:
        self.tick()
        self.set_interval(0.5, self.tick)

    def tick(self) -> None:
        store = self.store
        user = store.user.username if store.user else "not signed in"
        waiting = store.waiting_for()
        loading = self.has_data is not None and not self.has_data()
        if store.online and waiting is not None and (waiting >= 0.5 or loading):
            # an answer is late: say so, whatever the last answer was
            line = f"{clean(self.server)} · {clean(user)} · waiting for the server, {waiting:.0f} s"
            if waiting > store.timeout:  # a read not answered within the deadline is asked again
                line += f" (asked again: no answer in {store.timeout:g} s)"
        elif store.online and loading:
            line = f"{clean(self.server)} · {clean(user)} · loading…"
        elif store.online and store.updating:  # after a write, until the figures shown include it
            line = f"{clean(self.server)} · {clean(user)} · updating…"
        elif store.online:
            since = store.seconds_since_ok()
            if since is None:
                state = "connecting…"
            elif since < store.poll_interval * 1.5 + 1:
                state = "up to date"  # refreshed on schedule: the line stays the same, nothing is sent
            else:
                state = "updated " + ago(since)
            line = f"{clean(self.server)} · {clean(user)} · {state}"
        else:
            # the reason first (it is what an operator needs at 80 columns), naming "the server", not its address
            reason = str(store.last_error) if store.last_error else "No answer."
            reason = clean(reason.replace(store.base_url, "the server")).rstrip(".")
            line = f"OFFLINE: {reason} · retrying · data shown is stale · {clean(self.server)}"
        if line != self._shown:
            self._shown = line
            self.set_class(not store.online, "-offline")
            self.update(Content(line))
