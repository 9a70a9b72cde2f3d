"""Server text is data, never markup.

Every string that came from the server goes through here before it reaches a
widget: ``Text`` for DataTable cells, ``Content`` for labels. Control characters
(ESC, BEL, OSC 52 ...) are replaced by visible escapes so that they are inert.
"""

from __future__ import annotations

import unicodedata
from typing import Any

from rich.text import Text
from textual.content import Content

_CONTROL_NAMES = {0x1B: "^[", 0x07: "^G", 0x08: "^H", 0x7F: "^?", 0x9B: "^[["}


def clean(value: Any) -> str:
    """Replace control characters with visible escapes; ``None`` becomes ``""``."""
    if value is None:
        return ""
    text = str(value)
    if text.isprintable():
        return text
    out = []
    for ch in text:
        code = ord(ch)
        if ch == "\n":
            out.append(" ")
        elif unicodedata.category(ch) in ("Cc", "Cf") and ch not in ("\u200d",):
            out.append(_CONTROL_NAMES.get(code, f"^{chr(code + 64)}" if code < 32 else f"\\u{code:04x}"))
        else:
            out.append(ch)
    return "".join(out)


def clean_lines(value: Any) -> str:
    """Like ``clean`` but keeping line breaks (``\r\n``, ``\r`` and ``\n`` all become ``\n``; tabs four spaces):
    for multi-line server text such as a build's notes."""
    if value is None:
        return ""
    lines = str(value).replace("\r\n", "\n").replace("\r", "\n").split("\n")
    return "\n".join(clean(line.replace("\t", "    ")) for line in lines)


def text(value: Any, style: str = "") -> Text:
    """A DataTable cell (``Text`` widens columns; ``Content`` does not)."""
    return Text(clean(value), style=style, no_wrap=True, overflow="ellipsis")


def content(value: Any) -> Content:
    """A label's content: shown literally, never parsed as markup."""
    return Content(clean(value))
