"""A checkbox whose state reads without colour.

Textual's ``Checkbox`` always draws an X and tells ticked from unticked by colour alone, so under
``NO_COLOR`` (and on some 16-colour palettes) a destructive option looks ticked whether it is or not.
``TickBox`` draws the X only when ticked.
"""

from __future__ import annotations

from textual.widgets import Checkbox


class TickBox(Checkbox):
    # Textual reads the class attribute BUTTON_INNER at each render; here it follows the value
    @property
    def BUTTON_INNER(self) -> str:  # type: ignore[override]
        return "X" if self.value else " "
