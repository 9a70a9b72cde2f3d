"""A one-line (or few-line) text widget that writes to the terminal only when its text changes.

``Static.update`` refreshes (and may re-lay out) even with the same content; on a floor terminal over
SSH every unchanged refresh would then repaint. Strings are shown literally (Content), never parsed as markup; callers clean server text first.
"""

from __future__ import annotations

from rich.text import Text
from textual.content import Content
from textual.widgets import Static


class QuietStatic(Static):
    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self._shown: str | Text | None = None

    def show(self, value: str | Text, *, hide_when_empty: bool = False) -> None:
        if value == self._shown:
            return
        self._shown = value
        self.update(value if isinstance(value, Text) else Content(value))
        if hide_when_empty:
            self.display = bool(value if isinstance(value, str) else value.plain)
