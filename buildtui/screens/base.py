"""What the screens that show server data share: polling while visible, refresh on return, narrow layout."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from textual.binding import Binding
from textual.screen import Screen

if TYPE_CHECKING:
    from ..app import BuildTUI

WIDE = 110  # below this many columns, the least important columns drop out


class LiveScreen(Screen[None]):
    """Subclasses implement ``has_data``, ``poll`` (start a refresh worker) and ``update_columns``."""

    # first in the footer, so that it is still there at 80 columns when the actions fill the line
    BINDINGS = [Binding("question_mark,f1", "app.help", "Help", key_display="?")]

    def __init__(self) -> None:
        super().__init__()
        self.busy = False  # an action is in flight: do not poll over it
        self._last_refresh = 0.0
        self._compact: bool | None = None
        self._laid_out_for = 0  # the width the tables were last fitted to
        self._left = False  # another screen was on top: refresh when it goes

    @property
    def tui(self) -> BuildTUI:
        return self.app  # type: ignore[return-value]

    def has_data(self) -> bool:
        raise NotImplementedError

    def poll(self) -> None:
        raise NotImplementedError

    def update_columns(self) -> None:
        raise NotImplementedError

    def on_mount(self) -> None:
        self.set_interval(0.5, self._poll_tick)

    def mark_refreshed(self) -> None:
        self._last_refresh = time.monotonic()

    def _poll_tick(self) -> None:
        """Poll only while this screen is on top, at the refresh interval; when offline, at the back-off.

        ``is_current`` is also true for screens kept behind the top one, which would poll unseen.
        """
        if not self.is_active or self.busy:
            return
        store = self.tui.store
        if not store.poll_due():
            return
        if store.online and self.has_data() and time.monotonic() - self._last_refresh < store.poll_interval:
            return
        self.mark_refreshed()
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

    def narrow_changed(self) -> bool:
        """True once when the width crosses ``WIDE`` (and on the first call); sets ``self._compact``."""
        compact = self.size.width < WIDE if self.size.width else True
        if compact == self._compact:
            return False
        self._compact = compact
        return True
