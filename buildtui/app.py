"""The Textual application: screens on top of one Store and one client."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from textual.app import App
from textual.binding import Binding

from . import config as config_mod
from .api import ApiError, InvenTreeClient
from .config import Config
from .paths import stylesheets
from .state import Store
from .widgets.safe import clean

log = logging.getLogger("buildtui.app")

STYLESHEETS = ("app", "build_list", "build_detail", "dialogs", "help")


class BuildTUI(App[None]):
    """buildtui: run InvenTree build orders from the keyboard."""

    TITLE = "buildtui"
    CSS_PATH = stylesheets(*STYLESHEETS)
    BINDINGS = [
        Binding("question_mark,f1", "help", "Help", key_display="?"),
        Binding("ctrl+q", "quit", "Quit", priority=True),
        Binding("ctrl+g", "goto_build", "Go to build", show=False),
    ]

    def __init__(self, config: Config, *, client: InvenTreeClient | None = None, save_token: bool = True,
                 server_label: str | None = None) -> None:
        super().__init__()
        self.config = config
        self.client = client or InvenTreeClient(config.server, config.token or None, timeout=config.timeout,
                                                verify=config.verify)
        self.store = Store(self.client, poll_interval=config.poll_interval)
        self.server_label = server_label or config.server
        self.save_token = save_token
        self._login_open = False
        if config.theme:
            self.theme = config.theme if config.theme in self.available_themes else "textual-dark"

    def get_default_screen(self) -> Any:
        from .screens.build_list import BuildListScreen

        return BuildListScreen()

    async def on_unmount(self) -> None:
        await self.client.aclose()

    # -- navigation ---------------------------------------------------------------------
    def open_build(self, pk: int) -> None:
        from .screens.build_detail import BuildDetailScreen

        self.push_screen(BuildDetailScreen(pk))

    def action_help(self) -> None:
        from .screens.help import HelpScreen

        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen(self.screen))

    def action_goto_build(self) -> None:
        from .dialogs.goto import GotoBuildDialog

        self.push_screen(GotoBuildDialog(), lambda pk: self.open_build(pk) if pk else None)

    def watch_theme(self, theme: str) -> None:
        if self.config.theme != theme and self.save_token:
            try:
                config_mod.save({"theme": theme})
            except OSError:
                pass

    # -- errors and sign-in ------------------------------------------------------------------
    def report(self, exc: ApiError, *, what: str = "") -> None:
        """One error path: a readable notification, never a traceback."""
        title = exc.title
        message = clean(exc) if not what else f"Could not {what}: {clean(exc)}"
        self.notify(message, title=title, severity="error", markup=False, timeout=8)
        if self.config.bell:
            self.bell()

    def request_login(self, exc: ApiError, then: Callable[[], Any] | None = None) -> None:
        """401: sign in over the current screen; afterwards the operator is where they were."""
        if self._login_open:
            return
        from .dialogs.login import LoginDialog

        self._login_open = True

        def done(token: str | None) -> None:
            self._login_open = False
            if token:
                self.client.set_token(token)
                self.store.ready = False
                if self.save_token:
                    try:
                        config_mod.save({"server": self.config.server, "token": token})
                    except OSError as err:
                        log.warning("could not save the token: %s", err.strerror)
                if then is not None:
                    then()

        self.push_screen(LoginDialog(self.client, reason=str(exc), server=self.server_label), done)
