"""The screen as a floor terminal shows it: with NO_COLOR, or reduced to the 16 ANSI colours in xterm's palette.

Textual renders in true colour; a terminal with 16 colours gets each colour replaced by the nearest of the 16
(Rich's ``Color.downgrade``, what the app writes when ``TEXTUAL_COLOR_SYSTEM=standard`` or ``TERM=xterm``),
which the terminal then paints from its own palette. ``runs`` measures the contrast of every piece of text as
painted (WCAG ratio), and ``export_svg`` draws it for the snapshots.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from rich.color import Color, ColorSystem
from rich.console import Console
from rich.segment import Segment, Segments
from rich.style import Style
from rich.terminal_theme import TerminalTheme
from textual.app import App

RGB = tuple[int, int, int]
#: xterm's default palette for the 16 ANSI colours (what the tryout measured with)
XTERM: list[RGB] = [
    (0, 0, 0),
    (205, 0, 0),
    (0, 205, 0),
    (205, 205, 0),
    (0, 0, 238),
    (205, 0, 205),
    (0, 205, 205),
    (229, 229, 229),
    (127, 127, 127),
    (255, 0, 0),
    (0, 255, 0),
    (255, 255, 0),
    (92, 92, 255),
    (255, 0, 255),
    (0, 255, 255),
    (255, 255, 255),
]
XTERM_THEME = TerminalTheme((0, 0, 0), (229, 229, 229), XTERM[:8], XTERM[8:])
#: glyphs that draw lines, bars and scrollbars rather than text
DRAWING = set("▔▁▊▎━╸╺─│╭╮╰╯▐▌░█▆▇▅▄▃▂▀▕▏╴╶┃ ")


def _segments(app: App[object], colours16: bool) -> list[Segment]:
    """The whole screen (with the screens under a dialog) as segments, reduced to 16 colours if asked."""
    width, height = app.size
    update = app.screen._compositor.render_update(full=True, screen_stack=app._background_screens)
    console = Console(
        width=width,
        height=height,
        file=io.StringIO(),
        force_terminal=True,
        color_system="truecolor",
        legacy_windows=False,
    )
    assert update is not None
    out: list[Segment] = []
    for seg in console.render(update):
        if seg.control:
            continue
        style = seg.style
        if colours16 and style is not None:
            fg = style.color.downgrade(ColorSystem.STANDARD) if style.color else None
            bg = style.bgcolor.downgrade(ColorSystem.STANDARD) if style.bgcolor else None
            style = style + Style(color=fg, bgcolor=bg)
        out.append(Segment(seg.text, style))
    return out


def _rgb(color: Color | None, *, foreground: bool) -> RGB:
    if color is None or color.is_default:
        default = XTERM_THEME.foreground_color if foreground else XTERM_THEME.background_color
        return (default.red, default.green, default.blue)
    triplet = color.get_truecolor(XTERM_THEME, foreground=foreground)
    return (triplet.red, triplet.green, triplet.blue)


def _luminance(c: RGB) -> float:
    def channel(v: int) -> float:
        x = v / 255
        return x / 12.92 if x <= 0.03928 else ((x + 0.055) / 1.055) ** 2.4

    r, g, b = map(channel, c)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: RGB, b: RGB) -> float:
    hi, lo = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


@dataclass(frozen=True)
class Run:
    line: int
    text: str
    fg: RGB
    bg: RGB

    @property
    def ratio(self) -> float:
        return contrast(self.fg, self.bg)

    def __str__(self) -> str:
        return f"line {self.line}: {self.ratio:.2f}:1 fg{self.fg} bg{self.bg} {self.text!r}"


def runs(app: App[Any], *, colours16: bool = False) -> Iterator[Run]:
    """Every piece of text on screen with the colours it is painted in (reverse applied)."""
    for number, line in enumerate(Segment.split_lines(_segments(app, colours16)), 1):
        for seg in line:
            text = seg.text.strip()
            if not text or all(ch in DRAWING for ch in text):
                continue
            style = seg.style or Style()
            fg, bg = _rgb(style.color, foreground=True), _rgb(style.bgcolor, foreground=False)
            if style.reverse:
                fg, bg = bg, fg
            yield Run(number, text, fg, bg)


def export_svg(app: App[Any], *, title: str | None = None, simplify: bool = False) -> str:
    """The screen in 16 colours as xterm paints them (``App.export_screenshot``'s signature, for snap_compare)."""
    width, height = app.size
    console = Console(
        width=width, height=height, file=io.StringIO(), force_terminal=True, color_system="standard", record=True
    )
    console.print(Segments(_segments(app, True)), end="")
    return console.export_svg(title=title or app.title, theme=XTERM_THEME)
