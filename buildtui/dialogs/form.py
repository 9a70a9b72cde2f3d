"""The base of every dialog that sends something to the server.

A dialog owns its input: it validates locally, sends once, and on refusal stays open with every field as
typed and the server's messages beside the fields they concern. A second Enter while the request is in
flight does nothing, and nothing is ever re-sent by itself. A dialog acting on a build (``build_dialog.py``)
describes its change as a ``Write`` and the state layer's ``BuildActions`` sends it and decides, when the
answer is lost, whether it took effect (state/actions.py); only "it did NOT take effect" lets Enter send it
again.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any, Generic, TypeVar, cast

from textual import _time, events, on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen
from textual.widget import Widget
from textual.widgets import Button, Checkbox, Input, Label, Select, Static

from ..api import ApiError, AuthenticationRequired, NotFound, ValidationFailed
from ..state.actions import Outcome, Result
from ..state.scan import LocationScanned, Scanned, ScanReply
from ..widgets.safe import clean

if TYPE_CHECKING:
    from ..app import BuildTUI

R = TypeVar("R")
log = logging.getLogger("buildtui.dialogs")


class FieldError(Static):
    """The line under a field that shows its messages."""

    DEFAULT_CSS = """
    FieldError { color: $error; height: auto; display: none; padding: 0 0 0 1; }
    FieldError.-note { color: $text-muted; }
    """

    _shown: tuple[str, bool] = ("", False)  # made empty and hidden

    def show(self, messages: Iterable[str], *, note: bool = False) -> None:
        """Show ``messages`` as a refusal, or with ``note`` as a plain remark (what the field will do). The same
        again changes nothing: clearing a dialog's empty lines laid the dialog out again (~10 ms each time)."""
        text = "\n".join(clean(m) for m in messages)
        if (text, note) == self._shown:
            return
        self._shown = (text, note)
        self.update(Content(text))
        self.set_class(note, "-note")
        self.display = bool(text)


class DialogBody(VerticalScroll):
    """A dialog's fields and text. A stop for Tab only where the arrows are needed to read it: a body of text alone
    (a summary, the outputs to delete), or one whose content runs past its height (a kit's plan below its fields,
    a finish dialog's blockers above its boxes). Otherwise it was an invisible stop before the first field, and
    as the first thing that could take the focus it took it at every opening before the field did, restyling the
    whole body twice (~35 ms of each dialog opened). Not laid out yet when Textual picks the first focus, it
    never takes it then."""

    def __init__(self, *, id: str) -> None:
        super().__init__(id=id)
        self._always = False  # the dialog says so once its fields are mounted: text alone

    @property
    def can_focus(self) -> bool:
        return self._always or self.max_scroll_y > 0

    @can_focus.setter
    def can_focus(self, always: bool) -> None:
        self._always = always


class FormDialog(ModalScreen[R], Generic[R]):
    """Subclasses yield their fields in ``compose_fields`` and implement ``send``.

    One rule for every dialog, said in its hint line: Enter submits from any field (a box or a list
    never takes Enter: Space ticks a box or opens a list), Esc closes. A destructive dialog (``DESTRUCTIVE``)
    does it only from its confirming button: Enter in a field first checks what was typed and moves there,
    and typing while a button has the focus moves it to "Close" (keys meant for another screen never
    confirm). Focus opens on the first thing the operator has to fill (``INITIAL_FOCUS``), never on a box;
    after a refusal it goes to the field the server named.
    """

    TITLE_TEXT = "Dialog"
    SUBMIT_LABEL = "OK"
    SUBMIT_VARIANT = "primary"
    #: what the submit button does, for the hint line ("scraps the marked outputs"); "" says the label
    DOES = ""
    #: only Enter on the submit button carries it out (cancel build, delete outputs, unallocate all, scrap)
    DESTRUCTIVE = False
    #: typing while the submit button has the focus moves it to Close (destructive dialogs, confirmations)
    GUARD_TYPING = False
    #: server field name -> id of the FieldError to show it in (without "err-")
    FIELD_MAP: dict[str, str] = {}
    #: the widget focused when the dialog opens (``initial_focus()`` may choose at run time)
    INITIAL_FOCUS: str | None = None
    #: a "Close (Esc)" button beside the submit button (not where submitting is itself closing: InfoDialog)
    CLOSE_BUTTON = True
    BINDINGS = [
        Binding("escape", "cancel", "Cancel"),
        Binding("ctrl+s", "submit", "Submit"),
        Binding("enter", "submit", "Submit", show=False),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.busy = False
        self.locked = False  # the outcome of the last send is unknown: never send it again from here
        self.sent_count = 0
        self._focus_before: Widget | None = None
        self._shown_at = float("inf")  # until mounted, no key is an answer to this dialog
        self._disarmed = False  # typing moved the focus to Close and the hint says Enter closes

    @property
    def tui(self) -> BuildTUI:
        return cast("BuildTUI", self.app)

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog", classes="dialog"):
            yield Label(Content(self.TITLE_TEXT), id="dialog-title")
            with DialogBody(id="dialog-body"):
                yield from self.compose_fields()
            yield FieldError(id="err-form")
            with Horizontal(id="dialog-buttons"):
                yield Button(self.SUBMIT_LABEL, id="submit", variant=self.SUBMIT_VARIANT)  # type: ignore[arg-type]
                if self.CLOSE_BUTTON:
                    yield Button("Close (Esc)", id="cancel")
            yield Static(Content(self.hint()), id="dialog-hint")

    def compose_fields(self) -> ComposeResult:
        yield from ()

    def hint(self) -> str:
        """The dialog's one rule, in a line under its buttons."""
        if self.DESTRUCTIVE:
            return f"Only Enter on «{self.SUBMIT_LABEL}» {self.DOES or 'does it'} · Esc: nothing changes"
        return f"Enter: {self.DOES or self.SUBMIT_LABEL} · Tab: next field · Esc: close"

    def initial_focus(self) -> str | None:
        return self.INITIAL_FOCUS

    def on_mount(self) -> None:
        self._shown_at = _time.get_time()  # keys read before this were not typed at this dialog
        body = self.query_one("#dialog-body", DialogBody)
        body.can_focus = not any(widget.can_focus for widget in body.query("*"))
        target = self.initial_focus()
        if target:
            self.query_one(target).focus()

    # -- validation ---------------------------------------------------------------------
    def validate_local(self) -> dict[str, list[str]]:
        """Errors that make the request pointless (field id -> messages); nothing is sent when any."""
        return {}

    async def send(self) -> R:
        raise NotImplementedError

    async def attempt(self) -> Outcome[R]:
        """Send once and say what became of it. Dialogs that change a build go through ``BuildActions``."""
        try:
            value = await self.send()
        except AuthenticationRequired as exc:
            return Outcome(Result.SIGN_IN, str(exc), exc)
        except (ValidationFailed, NotFound) as exc:
            return Outcome(Result.REFUSED, str(exc), exc)
        except ApiError as exc:
            result = Result.UNKNOWN if exc.outcome_unknown else Result.FAILED
            return Outcome(result, str(exc), exc)
        return Outcome(Result.DONE, "", value=value)

    def result_of(self, outcome: Outcome[Any]) -> R:
        """What the dialog answers with when the action was carried out."""
        return cast(R, outcome.value)

    # -- plumbing ---------------------------------------------------------------------------
    def clear_errors(self) -> None:
        for err in self.query(FieldError):
            err.show([])

    def show_errors(self, errors: dict[str, list[str]]) -> None:
        self._show_errors(errors)
        if not self.busy:  # a local check: to the first field named (after a send, _restore_focus does it)
            named = self._named_field()
            if named is not None:
                named.focus()

    def _show_errors(self, errors: dict[str, list[str]]) -> None:
        general: list[str] = []
        for key, messages in errors.items():
            target = self.FIELD_MAP.get(key, key)
            found = self.query(f"#err-{target}") if target != "form" else None
            if found:
                found.first(FieldError).show(messages)
            else:
                general += [
                    m if key in ("form", "non_field_errors") else f"{key.replace('_', ' ')}: {m}" for m in messages
                ]
        self.query_one("#err-form", FieldError).show(general)

    async def explain_refusal(self, exc: ApiError) -> list[str]:
        """After a refusal: re-read what the dialog shows; sentences saying what changed meanwhile, if anything."""
        return []

    def show_failure(self, exc: ApiError, meanwhile: Sequence[str] = ()) -> None:
        if isinstance(exc, ValidationFailed):
            errors: dict[str, list[str]] = {}
            for key, messages in exc.fields.items():
                base = key
                if key not in self.FIELD_MAP:
                    base = key.split(".")[-1] if "." in key else key
                    if base not in self.FIELD_MAP and not self.query(f"#err-{base}"):
                        base = key
                errors.setdefault(base, []).extend(messages)
            if exc.non_field:
                errors.setdefault("form", []).extend(exc.non_field)
            if meanwhile:
                errors["form"] = [*meanwhile, *errors.get("form", [])]
            self.show_errors(errors)
        else:
            self.show_errors({"form": [*meanwhile, f"{exc.title}: {exc}"]})

    # -- scans ---------------------------------------------------------------------------------
    async def take_scan(self, scanned: Scanned) -> ScanReply | None:
        """A scanned location fills the dialog's location field, if it has one (scanning.py ``ScanTarget``)."""
        if isinstance(scanned, LocationScanned):
            found = self.query("#location")
            if found and isinstance(found.first(), Select):
                found.first(Select).value = scanned.pk
                return ScanReply(f"Location set to {clean(scanned.name)}.")
        return None

    @on(Select.Changed, "#location")
    def _location_chosen(self) -> None:
        """A location chosen or scanned answers what was said about it ("Choose a location." stayed under the
        location a scan had just filled in)."""
        for err in self.query("#err-location"):
            if isinstance(err, FieldError):
                err.show([])

    def action_cancel(self) -> None:
        if not self.busy:
            self.dismiss(None)

    @on(Button.Pressed, "#cancel")
    def _cancel_pressed(self) -> None:
        self.action_cancel()

    @on(Button.Pressed, "#submit")
    def _submit_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.confirm()

    @on(Input.Submitted)
    def _input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_submit()

    def action_submit(self) -> None:
        """Enter in a field (or ctrl+s): carry it out; in a destructive dialog, go to its button first."""
        if self.DESTRUCTIVE and not self.busy and not self.locked:
            self.clear_errors()
            errors = self.validate_local()
            if errors:
                self.show_errors(errors)
                return
            self.query_one("#submit", Button).focus()
            self.query_one("#err-form", FieldError).show(
                [f"Enter again on «{self.SUBMIT_LABEL}» to do it; Esc closes and nothing changes."]
            )
            return
        self.confirm()

    def confirm(self) -> None:
        """Carry it out: check locally, send once."""
        if self.busy:
            return  # no double submits: the first request is still in flight
        if self.locked:
            self.show_errors(
                {
                    "form": [
                        "It is not known whether the last request was carried out, so it is not "
                        "sent again. Esc closes this dialog; look at the build first."
                    ]
                }
            )
            return
        self.clear_errors()
        errors = self.validate_local()
        if errors:
            self.show_errors(errors)
            return
        self.busy = True
        self._set_working(True)
        self._send()

    def on_key(self, event: events.Key) -> None:
        """Keys meant for something else never confirm a destructive dialog or a confirmation. Typing while
        its button has the focus (a search typed on the screen below) moves the focus to Close, so that the
        Enter that follows changes nothing; and a key pressed before the dialog was on screen (a burst typed
        or pasted, read in one go: "/harness" + Enter) is not taken as an answer to it at all."""
        if not self.GUARD_TYPING:
            return
        if event.time < self._shown_at:
            event.stop()
            event.prevent_default()
            self.disarm()
            return
        if (
            event.is_printable
            and event.character not in (" ", None)
            and isinstance(self.focused, Button)
            and self.focused.id == "submit"
        ):
            self.disarm()

    def disarm(self) -> None:
        """The focus to Close, and say why: keys meant for something else reached this dialog."""
        self.query_one("#cancel", Button).focus()
        self.query_one("#err-form", FieldError).show(
            [
                f"Typed keys do nothing here, so Enter now closes this dialog and nothing changes. Tab to "
                f"«{self.SUBMIT_LABEL}» and press Enter to do it."
            ]
        )
        # the line under the buttons said "Enter: <submit>": not true while Close has the focus
        self._disarmed = True
        self.query_one("#dialog-hint", Static).update(
            Content(f"Enter: close, nothing changes · Tab: «{self.SUBMIT_LABEL}» · Esc: close")
        )

    @on(events.DescendantFocus, "#submit")
    def _armed_again(self) -> None:
        """Tabbed back to the submit button after a disarm: the line under the buttons says what Enter does."""
        if self._disarmed:
            self._disarmed = False
            self.query_one("#dialog-hint", Static).update(Content(self.hint()))

    def _set_working(self, working: bool) -> None:
        button = self.query_one("#submit", Button)
        if working:
            self._focus_before = self.focused  # disabling the button moves the focus on: it comes back after
        button.disabled = working
        button.label = "Working…" if working else self.SUBMIT_LABEL
        if not working:
            self._restore_focus()

    def _restore_focus(self) -> None:
        """After an answer that leaves the dialog open: the field the server named, or where the operator was
        (never a box the operator did not move to)."""
        named = self._named_field()
        if named is not None:
            named.focus()
            return
        before = self._focus_before
        if before is not None and before.is_attached and before.focusable:
            before.focus()

    def _named_field(self) -> Widget | None:
        """The first field (in the dialog's order) whose error line shows a message, if the operator types there."""
        for err in self.query(FieldError):
            if not err.display or not err.id or err.id == "err-form":
                continue
            name = err.id[len("err-") :]
            found = self.query(f"#{name}") or self.query(f"#{name}-table")
            widget = found.first() if found else None
            if isinstance(widget, Checkbox) or widget is None or not widget.focusable:
                continue  # a box is never focused for the operator: typed text would toggle it
            return widget
        return None

    @work(group="dialog-submit", exit_on_error=False)
    async def _send(self) -> None:
        try:
            self.sent_count += 1
            outcome = await self.attempt()
            if outcome.result in (Result.DONE, Result.PENDING):
                if outcome.error is not None:  # carried out, though its answer was lost on the way
                    self.app.notify(outcome.message, markup=False)
                self.busy = False
                self.dismiss(self.result_of(outcome))
                return
            await self._show_outcome(outcome)
        except Exception:  # noqa: BLE001 - a bug: logged, told in a sentence, the dialog stays usable
            log.exception("%s: sending failed", type(self).__name__)
            self.show_errors(
                {
                    "form": [
                        "Something went wrong before the server's answer could be read; the "
                        "details are in the log. Look at the build before trying again."
                    ]
                }
            )
            self.tui.unexpected("send this")
            self.locked = True
        self.busy = False
        self._set_working(False)

    async def _show_outcome(self, outcome: Outcome[Any]) -> None:
        exc = outcome.error
        if outcome.result is Result.SIGN_IN and exc is not None:
            self.show_failure(exc)
            self.tui.request_login(exc)
        elif outcome.result is Result.REFUSED and exc is not None:
            # refused: perhaps because someone else changed the data; say so, with the figures re-read
            try:
                meanwhile = await self.explain_refusal(exc)
            except ApiError:
                meanwhile = []
            self.show_failure(exc, meanwhile)
        elif outcome.result is Result.NOT_DONE:
            self.show_errors({"form": [f"{outcome.message} Press Enter to try again."]})
        elif outcome.result is Result.UNKNOWN:
            self.locked = True  # sending it again might do it twice
            self.show_errors(
                {
                    "form": [
                        outcome.message,
                        "Esc closes this dialog; look at the build, then start again if it is still needed.",
                    ]
                }
            )
        elif exc is not None:
            self.show_failure(exc)
        else:
            self.show_errors({"form": [outcome.message]})


def field(label: str, widget: Any, name: str, hint: str = "") -> ComposeResult:
    """A labelled field with its error line."""
    with Vertical(classes="field"):
        yield Label(Content(label), classes="field-label")
        yield widget
        if hint:
            yield Static(Content(hint), classes="field-hint muted")
        yield FieldError(id=f"err-{name}")
