"""What an operator sees: the screen's text as rendered, line by line (top layer of every dialog included)."""

from __future__ import annotations

from typing import Any

from textual.app import App
from textual.screen import Screen


def screen_lines(app: App[Any]) -> list[str]:
    """The terminal's lines as the operator sees them now (the composed screen, modal dialogs on top)."""
    strips = app.screen._compositor.render_strips()
    return ["".join(segment.text for segment in strip).rstrip() for strip in strips]


def screen_text(app: App[Any]) -> str:
    return "\n".join(screen_lines(app))


def flat_text(app: App[Any]) -> str:
    """The screen's words as one line (borders dropped, wrapped lines joined): for sentences a dialog wraps."""
    words = " ".join(line.strip(" │╭╮╰╯─") for line in screen_lines(app))
    return " ".join(words.split())


def on_top(app: App[Any]) -> Screen[Any]:
    """The screen the operator sees now. A call, not ``app.screen``: mypy keeps an earlier narrowing of
    ``app.screen`` (``is dialog``, ``isinstance``) past the keys pressed since, and would skip what follows."""
    return app.screen
