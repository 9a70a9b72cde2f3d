"""A theme for terminals with 16 colours (``TERM=xterm``, ``TEXTUAL_COLOR_SYSTEM=standard``).

In 16 colours every colour of a true-colour theme becomes the nearest of the 16, which the terminal paints
from its own palette: textual-dark's footer keys came out red on grey (1.0:1 in xterm's palette) and its
cursor row white on cyan (2.0:1). This theme is made of the 16 colours themselves (Rich's values, so
nothing is rounded elsewhere), paired so that text reads: white on a blue band (headers, footer, status
line), yellow key letters on that band, black on a light grey cursor, dialog title and default button.
The app picks it in 16 colours unless the operator chose another theme.
"""

from __future__ import annotations

from textual.theme import Theme

BLACK = "#000000"
BLUE = "#0000AA"  # xterm: (0, 0, 238)
GREY = "#AAAAAA"  # xterm "white": (229, 229, 229)
WHITE = "#FFFFFF"
YELLOW = "#FFFF55"  # xterm bright yellow: (255, 255, 0)
RED = "#FF5555"  # xterm bright red: (255, 0, 0)
GREEN = "#55FF55"
CYAN = "#55FFFF"

FLOOR_16 = Theme(
    name="floor-16",
    dark=True,
    primary=GREY,
    secondary=CYAN,
    accent=YELLOW,
    warning=YELLOW,
    error=RED,
    success=GREEN,
    foreground=WHITE,
    background=BLACK,
    surface=BLACK,
    panel=BLUE,
    boost="#FFFFFF0A",
    variables={
        "block-cursor-background": GREY,
        "block-cursor-foreground": BLACK,
        "block-cursor-text-style": "bold",
        "block-cursor-blurred-background": GREY,
        "block-cursor-blurred-foreground": BLACK,
        "footer-background": BLUE,
        "footer-key-foreground": YELLOW,
        "footer-description-foreground": WHITE,
        "footer-foreground": WHITE,
        "input-cursor-background": BLACK,  # in a focused field, black on yellow (styles/dialogs.tcss)
        "input-cursor-foreground": YELLOW,
    },
)

#: the colour systems Textual reduces to 16 colours
SIXTEEN = {"standard", "windows"}
