"""Dialog fields that only change when the operator is on them and means it.

Textual's ``Checkbox`` always draws an X and tells ticked from unticked by colour alone, so under
``NO_COLOR`` (and on some 16-colour palettes) a destructive option looks ticked whether it is or not.
``TickBox`` draws the X only when ticked, and only Space toggles it: Enter submits the dialog from any
field (dialogs/form.py), it never flips a box on the way.

``FieldSelect`` is a ``Select`` that opens its list with Space or ↓/↑, not Enter, for the same reason.
"""

from __future__ import annotations

from typing import ClassVar

from textual.binding import Binding, BindingType
from textual.widgets import Checkbox, Select
from textual.widgets._select import SelectType


class TickBox(Checkbox, inherit_bindings=False):
    BINDINGS: ClassVar[list[BindingType]] = [Binding("space", "toggle_button", "Toggle", show=False)]

    # Textual reads the class attribute BUTTON_INNER at each render; here it follows the value
    @property
    def BUTTON_INNER(self) -> str:  # type: ignore[override]
        return "X" if self.value else " "


class FieldSelect(Select[SelectType], inherit_bindings=False):
    BINDINGS: ClassVar[list[BindingType]] = [Binding("space,down,up", "show_overlay", "Show menu", show=False)]
