"""The Textual application: screens on top of one Store and one client."""

from __future__ import annotations

import logging
import os
from collections import deque
from collections.abc import Callable
from functools import cached_property
from typing import TYPE_CHECKING, Any

from textual import events
from textual._time import get_time
from textual.app import App
from textual.binding import Binding
from textual.theme import Theme
from textual.timer import Timer
from textual.widgets import Input

from . import config as config_mod
from . import startup
from .api import ApiError, BuildQuery, InvenTreeClient
from .commands import ActionCommands
from .config import Config, insecure_warning
from .paths import stylesheets
from .scan_detector import Replay, Scan, ScanDetector, restore_controls
from .state import Store
from .themes import FLOOR_16, SIXTEEN
from .widgets.safe import clean

if TYPE_CHECKING:
    from .scanning import ScanHandler

log = logging.getLogger("buildtui.app")

HIGH_CONTRAST = Theme(
    name="high-contrast",
    dark=True,
    primary="#FFFF00",
    secondary="#00FFFF",
    accent="#00FFFF",
    warning="#FFB000",
    error="#FF3030",
    success="#00FF00",
    foreground="#FFFFFF",
    background="#000000",
    surface="#000000",
    panel="#1A1A1A",
    boost="#262626",
)

STYLESHEETS = ("app", "build_list", "build_detail", "dialogs", "help", "kitting", "scan_session")


#: keys that arrive together (typed during a stall of a slow SSH link, all read at once) are handed on at least
#: this far apart: a key acted on by a binding (Backspace in a field) travels up the widgets before it acts, and a
#: character right behind it went in first ("⌫⌫⌫1⏎" left the field empty instead of "1")
KEY_SETTLE_S = 0.01


def typed_text_goes_in(field: Input) -> bool:
    """Whether a burst the server knows no code for is put into ``field`` as typing: a text field (search,
    notes, a reason, a batch), never a password and never a quantity, where a number read off an unknown label
    would become a quantity one Enter away from being sent."""
    return not field.password and field.id != "quantity" and field.type == "text"


class BuildTUI(App[None]):
    """buildtui: run InvenTree build orders from the keyboard."""

    TITLE = "buildtui"
    CSS_PATH = stylesheets(*STYLESHEETS)
    COMMANDS = App.COMMANDS | {ActionCommands}
    BINDINGS = [
        Binding("question_mark,f1", "help", "Help", key_display="?"),
        Binding("ctrl+q", "quit", "Quit", priority=True),
        # a floor terminal's operator presses ctrl+c to leave, whatever is focused (Textual makes it "copy")
        Binding("ctrl+c", "quit", "Quit", show=False, priority=True),
        Binding("ctrl+g", "goto_build", "Go to build", show=False),
        Binding("f2", "scan_field", "Scan", show=False),
        Binding("f3", "scan_log", "Scan log", show=False),
        Binding("ctrl+z", "undo_scan", "Undo scan", show=False),
    ]

    def __init__(
        self,
        config: Config,
        *,
        client: InvenTreeClient | None = None,
        save_token: bool = True,
        server_label: str | None = None,
    ) -> None:
        super().__init__()
        self.config = config
        self.client = client or InvenTreeClient(
            config.server, config.token or None, timeout=config.timeout, verify=config.verify
        )
        self.store = Store(self.client, poll_interval=config.poll_interval)
        self.server_label = server_label or config.server
        self.save_token = save_token
        self._login_open = False
        self.scanner: ScanDetector[events.Key] = ScanDetector(
            gap=config.scan_gap_ms / 1000, min_length=config.scan_min_length
        )
        self.clock = get_time  # the clock Textual stamps events.Key.time with (perf_counter on Windows)
        self._flush_timer: Timer | None = None
        self._handing_on: deque[Replay[events.Key] | Scan] = deque()
        self._draining = False
        self._handed_at = float("-inf")  # when the last key was handed on (``self.clock``)
        if "TEXTUAL_ANIMATIONS" not in os.environ:
            # no sliding tab underline or smooth scrolling: each animation is ~20 frames of output, which a floor
            # terminal over a slow SSH link draws late, and ~0.3 s of CPU per tab switch on a small machine
            self.animation_level = "none"
        self.register_theme(HIGH_CONTRAST)
        self.register_theme(FLOOR_16)
        #: a theme chosen by the app for the terminal (not by the operator): never saved as their choice
        self._picked_theme: str | None = None
        if self.console.color_system in SIXTEEN and config.theme in ("", "textual-dark"):
            self._picked_theme = FLOOR_16.name  # textual-dark reduced to 16 colours does not read (themes.py)
            self.theme = FLOOR_16.name
        elif config.theme:
            self.theme = config.theme if config.theme in self.available_themes else "textual-dark"

    @cached_property
    def scans(self) -> ScanHandler:
        """What scans do (``scanning.py``, the scan rules and the supplier-label plugins): loaded at the first scan
        (or the first look at the scan log), not before the first rows."""
        from .scanning import ScanHandler

        return ScanHandler(self)

    def on_mount(self) -> None:
        self.set_timer(5, self.startup_done)  # at the latest: a server that never answers must not keep GC off
        warning = insecure_warning(self.config.server)
        if warning:  # printed before start-up too, but the full-screen app covers the terminal
            log.warning("%s", warning)
            self.notify(
                warning[len("warning: ") :], title="Not encrypted", severity="warning", timeout=15, markup=False
            )

    def startup_done(self) -> None:
        """The first rows are on screen (or it is taking long): collect garbage again, as usual."""
        startup.resume_collector()

    def on_load(self) -> None:
        # The session requests and the first page of the list start now, before the stylesheet is read
        # and the screens are built: on a real network the round trip is hidden behind start-up.
        self.store.prefetch(BuildQuery())

    def get_default_screen(self) -> Any:
        from .screens.build_list import BuildListScreen

        return BuildListScreen()

    async def on_unmount(self) -> None:
        await self.client.aclose()

    # -- navigation ---------------------------------------------------------------------
    def open_build(self, pk: int, *, stack: bool = False) -> None:
        """Open build ``pk``. Over another build (a scan, ctrl+g) it takes that build's place, so that Esc is
        always one key back to the list, however many job travellers were scanned; ``stack`` (a child opened
        from its parent's children tab) keeps the build below, and Esc goes back up to it."""
        from .screens.build_detail import BuildDetailScreen

        if isinstance(self.screen, BuildDetailScreen) and not stack:
            self.switch_screen(BuildDetailScreen(pk))
        else:
            self.push_screen(BuildDetailScreen(pk))

    def action_help(self) -> None:
        from .screens.help import HelpScreen

        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen(self.screen))

    def action_goto_build(self) -> None:
        from .dialogs.goto import GotoBuildDialog

        self.push_screen(GotoBuildDialog(self.store), lambda pk: self.open_build(pk) if pk else None)

    def on_key(self, event: events.Key) -> None:
        """A key typed at a screen that is no longer on top is dropped, not looked up on the new one.

        Keys read in one go ("/harness" + Enter typed fast or pasted on the detail screen) all reach that
        screen first; by the time the app sees the Enter, h has opened its confirmation, and Textual would
        look Enter up on the confirmation: the build was put on hold. Such a key now does nothing, and a
        confirmation on top moves its focus to Close and says why."""
        typed_at = getattr(event, "typed_at_screen", None)
        if typed_at is None or typed_at is self.screen:
            return
        event.prevent_default()  # App._on_key would run the binding of the screen now on top
        event.stop()
        from .dialogs.form import FormDialog

        top = self.screen
        if isinstance(top, FormDialog) and top.GUARD_TYPING and top.is_mounted:
            top.disarm()

    def watch_theme(self, theme: str) -> None:
        self.set_class(theme == FLOOR_16.name, "-floor16")  # the few rules a theme's colours cannot say
        if self.config.theme != theme and self.save_token and theme != self._picked_theme:
            try:
                config_mod.save({"theme": theme})
            except OSError:
                pass

    # -- barcode scanners ---------------------------------------------------------------------
    async def on_event(self, event: events.Event) -> None:
        """Hold the keys of a burst that may be a scan; hand them on once it is clear they are typing.

        This is the one hook that sees every key before a focused Input or a one-letter binding. Timing comes
        from ``event.time`` (stamped by the driver's input thread when it read the key), so keys that queued
        up while the loop was busy keep the gaps they arrived with. See ``scan_detector`` for the rule.
        """
        if (
            not self.scanner.enabled
            or not isinstance(event, events.Key)
            or event.is_forwarded
            or (self._typing_a_secret() and not self.scanner.held)
        ):
            # a password typed fast (or by a password manager) is a password, never a barcode to look up
            await super().on_event(event)
            return
        await self._act(self.scanner.key(event, event.key, event.character, event.time))
        self._arm_flush_timer()

    def _typing_a_secret(self) -> bool:
        focused = self.focused
        return isinstance(focused, Input) and focused.password

    async def _act(self, actions: list[Replay[events.Key] | Scan]) -> None:
        self._handing_on.extend(actions)
        if not self._draining:
            await self._hand_on()

    async def _hand_on(self) -> None:
        """Hand on what the detector released, in order and with the spacing the keys were typed with.

        A key's effect often takes a few messages ('/' mounts and focuses the search box): keys handed on
        back to back would overtake it, and "/P" typed fast would lose the P. So each key follows the one
        before as far apart as they were read (at most one gap), as it would have without the hold; keys
        released meanwhile queue up behind, so nothing overtakes."""
        self._draining = waiting = True
        try:
            while self._handing_on:
                action = self._handing_on[0]
                if isinstance(action, Scan):
                    self._handing_on.popleft()
                    self._scanned(action.code)
                    continue
                early = self._handed_at + KEY_SETTLE_S - self.clock()
                if early > 0:  # the key before is still on its way to the widget that acts on it
                    self.set_timer(early, lambda: self.call_later(self._hand_on), name="scan-hand-on")
                    return
                self._handing_on.popleft()
                await super().on_event(action.event)
                self._handed_at = self.clock()
                following = self._handing_on[0] if self._handing_on else None
                if isinstance(following, Replay):
                    spacing = min(following.event.time - action.event.time, self.scanner.gap)
                    if spacing > KEY_SETTLE_S:
                        self.set_timer(spacing, lambda: self.call_later(self._hand_on), name="scan-hand-on")
                        return
            waiting = False
        finally:
            self._draining = waiting

    def _arm_flush_timer(self) -> None:
        """Wake up when the held burst would be over, unless a timer is already set to look before then."""
        deadline = self.scanner.deadline
        if deadline is None or self._flush_timer is not None:
            return
        self._flush_timer = self.set_timer(max(deadline - self.clock(), 0) + 0.001, self._flush_soon, name="scan-quiet")

    def _flush_soon(self) -> None:
        # The timer runs beside the message loop: queue the decision behind the keys that are already waiting
        # (after a busy spell they are, and they may continue the burst), instead of deciding here.
        self._flush_timer = None
        self.call_later(self._replay_held)

    async def _replay_held(self) -> None:
        """The line has been quiet for the gap: the held burst is a scan, or typing handed on now."""
        await self._act(self.scanner.expire(self.clock()))
        self._arm_flush_timer()

    def _scanned(self, code: str) -> None:
        """A burst was a scan: resolve it where the operator is, never as keys."""
        from .dialogs.scan import ScanDialog

        if isinstance(self.screen, ScanDialog):
            self.screen.dismiss(None)  # the F2 field was open: the scanner made it unnecessary
            self.scan(code)
            return
        focused = self.focused
        field = focused if isinstance(focused, Input) and typed_text_goes_in(focused) else None
        self.scan(code, into=field)

    def scan(self, code: str, *, into: Input | None = None) -> None:
        """Resolve a scanned (or typed) code in a worker: it may ask the operator to choose. ``into``: the text
        field that had the focus when the keys came; a code the server does not know is typed into it, where
        the cursor was (keys typed meanwhile went in after it), if the field still has the focus and takes it."""
        at = into.cursor_position if into is not None else 0

        def typed(text: str) -> bool:
            if into is None or not into.has_focus or into.screen is not self.screen:
                return False
            before = into.value
            into.insert(text, min(at, len(before)))
            return into.value != before  # a field full to its max_length took nothing: a failed scan after all

        worker = self.scans.handle(restore_controls(code), typed if into is not None else None)
        self.run_worker(worker, group="scan", exit_on_error=False)

    def action_scan_field(self) -> None:
        from .dialogs.scan import ScanDialog

        self.push_screen(ScanDialog(), lambda code: self.scan(code) if code else None)

    def action_scan_log(self) -> None:
        from .dialogs.scan import ScanLogScreen

        self.push_screen(ScanLogScreen(list(self.scans.log)))

    def action_undo_scan(self) -> None:
        self.run_worker(self.scans.undo(), group="scan", exit_on_error=False)

    # -- errors and sign-in ------------------------------------------------------------------
    def unexpected(self, what: str) -> None:
        """After an exception nobody expected (already logged with its traceback): one plain sentence."""
        from .logs import log_path

        self.notify(
            f"Something went wrong while trying to {what}. The screen is still usable; the details "
            f"are in {log_path()}.",
            title="Unexpected error",
            severity="error",
            markup=False,
            timeout=12,
        )
        if self.config.bell:
            self.bell()

    def report(self, exc: ApiError, *, what: str = "") -> None:
        """One error path: a readable notification, never a traceback."""
        title = exc.title
        message = clean(exc) if not what else f"Could not {what}: {clean(exc)}"
        self.notify(message, title=title, severity="error", markup=False, timeout=8)
        if self.config.bell:
            self.bell()

    def request_login(self, exc: ApiError, then: Callable[[], Any] | None = None) -> None:
        """401: sign in over the current screen; afterwards the operator is where they were.

        With a username and password configured (``INVENTREE_API_USERNAME``/``INVENTREE_API_PASSWORD``) a
        token is got from them first; the dialog opens only when they fail or give back the refused token. The
        dialog is prefilled with the username the app knows. A sign-in as someone else says so on screen, and
        a stored token is always stored with its username (never stored when the password is in the
        environment: ``buildtui/signin.py``).
        """
        if self._login_open:
            return
        import os

        from . import signin
        from .dialogs.login import LoginDialog, SignedIn

        self._login_open = True
        before = self.store.user.username if self.store.user else self.config.username

        def done(result: SignedIn | None) -> None:
            self._login_open = False
            if result is None:
                return
            self.client.set_token(result.token)
            self.config = config_mod.with_overrides(self.config, token=result.token, username=result.username)
            self.store.ready = False
            switched = signin.switched_user(before, result.username)
            if switched:
                log.info("%s", switched)
                self.notify(switched, title="Signed in", severity="warning", timeout=10, markup=False)
            if self.save_token and signin.stores_tokens(os.environ):
                try:
                    config_mod.save({"server": self.config.server, "token": result.token, "username": result.username})
                except OSError as err:
                    log.warning("could not save the token: %s", err.strerror)
            if then is not None:
                then()

        def ask(reason: str) -> None:
            self.push_screen(LoginDialog(self.store, reason=reason, server=self.server_label, username=before), done)

        creds = signin.configured(self.config, os.environ)
        if creds is None:
            ask(str(exc))
            return
        refused = self.config.token

        async def with_credentials() -> None:
            try:
                token = await self.client.get_token(creds.username, creds.password, name=signin.token_name())
            except ApiError as err:
                log.warning("sign-in as %s with %s failed: %s", creds.username, creds.origin, err)
                ask(f"{creds.origin} did not work: {err}")
                return
            except Exception:  # noqa: BLE001 - a bug: logged; the operator can still sign in by hand
                log.exception("sign-in with %s", creds.origin)
                ask(str(exc))
                return
            if token == refused:  # the server refuses the very token these credentials get: no loop
                ask(str(exc))
                return
            done(SignedIn(creds.username, token))

        self.run_worker(with_credentials(), group="sign-in", exit_on_error=False)
