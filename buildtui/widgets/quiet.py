"""A one-line (or few-line) text widget that writes to the terminal only when its text changes.

``Static.update`` refreshes (and may re-lay out) even with the same content; on a floor terminal over
SSH every unchanged refresh would then repaint. Strings are shown literally (Content), never parsed as markup; callers clean server text first.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any, Protocol

from rich.text import Text
from textual.app import ComposeResult
from textual.content import Content
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Footer, Static
from textual.widgets._footer import FooterKey

#: a key the footer shows: (key pressed, as printed, what it does)
FooterEntry = tuple[str, str, str]


class PlansFooter(Protocol):
    def footer_keys(self) -> Sequence[FooterEntry]:
        """The keys that matter now, most important first (``?`` first of all); the footer shows as many as fit."""
        ...


def entry_width(entry: FooterEntry, *, compact: bool) -> int:
    """Cells a key takes in Textual's footer: compact "k Label" and a space; roomy " k " "Label "."""
    _, shown, label = entry
    return len(shown) + len(label) + (2 if compact else 3)


def fitting(entries: Sequence[FooterEntry], width: int, *, compact: bool) -> Iterator[FooterEntry]:
    """The entries, in their order, up to the first that does not fit in ``width`` cells: a fixed priority, so
    the same keys are in the same places whatever the labels' lengths."""
    used = 0
    for entry in entries:
        used += entry_width(entry, compact=compact)
        if used > width:
            return
        yield entry


class QuietStatic(Static):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._shown: str | Text | None = None

    def show(self, value: str | Text, *, hide_when_empty: bool = False) -> None:
        if value == self._shown:
            return
        self._shown = value
        self.update(value if isinstance(value, Text) else Content(value))
        if hide_when_empty:
            self.display = bool(value if isinstance(value, str) else value.plain)


def footer_key(key: str, shown: str, label: str, action: str, *, compact: bool, classes: str = "") -> FooterKey:
    """A footer key made with its final look. Textual's footer binds each key's ``compact`` to its own, so that every
    new key, once mounted, changed a class and had its style worked out a second time (~0.8 ms a key, ~10 ms per
    rebuild of the footer: each tab switch and each build opened). A rebuilt footer makes new keys anyway (a change
    of ``compact`` rebuilds it), so each is made as it will stay."""
    made = FooterKey(key, shown, label, action, classes=f"{classes} -compact" if compact else classes)
    made.set_reactive(FooterKey.compact, compact)
    return made


class QuietFooter(Footer):
    """Textual's footer, rebuilt at most once per refresh and only when what it shows changes.

    The stock footer recomposes all its keys (~12 ms at 80 columns) on every bindings signal: a focus
    change, a screen refresh of the bindings, a check_action result that did not change, each scheduling
    its own rebuild. At start-up that was five rebuilds around the first rows; over SSH each rebuild also
    repaints the line.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._shown_keys: tuple[object, ...] | None = None
        self._rebuild_pending = False

    def _fit_width(self) -> bool:
        """At 80 columns the roomy layout pushed Quit and Help off the line: compact, and no palette key (ctrl+p
        still opens it; the help screen lists it). True when that changed."""
        narrow = self._width() < 100
        if (self.compact, self.show_command_palette) == (narrow, not narrow):
            return False
        self.compact = narrow
        self.show_command_palette = not narrow
        return True

    def on_resize(self) -> None:
        if self._fit_width():
            self.bindings_changed(self.screen)  # rebuild: the keys shown depend on both
        elif self._plan() is not None:
            self.bindings_changed(self.screen)  # as many keys as the new width holds (unchanged: no rebuild)

    def _plan(self) -> Sequence[FooterEntry] | None:
        planner = getattr(self.screen, "footer_keys", None)
        return planner() if callable(planner) else None

    def _width(self) -> int:
        return self.size.width or self.app.size.width  # before the first layout: the terminal's

    def _keys(self) -> tuple[object, ...]:
        plan = self._plan()
        if plan is not None:
            return (self.show_command_palette, self.compact, self._width(), *plan)
        return (
            self.show_command_palette,
            self.compact,
            *(
                (binding.key, binding.description, binding.group, enabled, tooltip)
                for (_, binding, enabled, tooltip) in self.screen.active_bindings.values()
                if binding.show
            ),
        )

    def compose(self) -> ComposeResult:
        """The screen's plan when it has one (the keys that matter on its tab, most important first, as many as
        fit: ``?`` is always there); Textual's footer otherwise.

        Like Textual's, it shows no key until the screen's first bindings signal (which comes after the first
        frame: the first rows are drawn without waiting for the footer). Compact or not is settled at once, from
        the terminal's width: settled at the first resize, it rebuilt the keys once more."""
        self._fit_width()
        plan = self._plan() if self._bindings_ready else None
        if plan is None:
            yield from super().compose()
            return
        width = self._width()
        keys: list[Widget] = []
        if self.show_command_palette:
            palette = ("ctrl+p", "^p", "palette")
            width -= entry_width(palette, compact=self.compact) + 1
            keys.append(footer_key(*palette, "command_palette", compact=True, classes="-command-palette"))
        for key, shown, label in fitting(plan, width, compact=self.compact):
            keys.insert(
                -1 if self.show_command_palette else len(keys), footer_key(key, shown, label, key, compact=self.compact)
            )
        yield from keys

    def bindings_changed(self, screen: Screen[Any]) -> None:
        self._bindings_ready = True
        if not screen.app.app_focus or not self.is_attached or screen is not self.screen:
            return
        if not self._rebuild_pending:
            self._rebuild_pending = True
            self.call_after_refresh(self._rebuild)

    async def _rebuild(self) -> None:
        self._rebuild_pending = False
        if not self.is_attached:
            return
        keys = self._keys()
        if keys == self._shown_keys:
            return
        self._shown_keys = keys
        await self.recompose()
