"""Help: every key of the screen below, and the app's own keys."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen, Screen
from textual.widgets import DataTable, Label, Static

from ..widgets.keyed_table import KeyedTable

GENERAL = [
    ("?  F1", "This help"),
    ("ctrl+p", "Command palette: actions by name"),
    ("ctrl+g", "Open a build by reference"),
    ("F2", "Scan field: type a code by hand"),
    ("F3", "Scan log: recent scans and results"),
    ("ctrl+z", "Undo the last allocation made by a scan"),
    ("Home  End", "First / last row of a table (PgUp PgDn: a page)"),
    ("ctrl+q", "Quit"),
    ("(scan)", "Build: open · stock: allocate · location: fill/kit"),
]


KEY_NAMES = {
    "slash": "/",
    "question_mark": "?",
    "enter": "Enter",
    "escape": "Esc",
    "space": "Space",
    "plus": "+",
    "minus": "-",
    "tab": "Tab",
    "delete": "Del",
    "backspace": "Backspace",
    "pageup": "PgUp",
    "pagedown": "PgDn",
    "home": "Home",
    "end": "End",
    "up": "↑",
    "down": "↓",
    "left": "←",
    "right": "→",
}


def _key_name(key: str) -> str:
    """A key as printed on the keyboard: "/" not "slash", "F5" not "f5"; modifiers stay as written."""
    *mods, name = key.strip().split("+")
    name = KEY_NAMES.get(name, name.upper() if len(name) > 1 and name[0] == "f" and name[1:].isdigit() else name)
    return "+".join([*mods, name])


def keys_as_printed(binding: Binding) -> str:
    """A binding's keys as printed on the keyboard ("Esc", "ctrl+r, F5"), for the help and the palette."""
    return binding.key_display or ", ".join(_key_name(k) for k in binding.key.split(","))


class HelpTable(DataTable[Text]):
    """The keys and signs: Home/End go to the first/last row here too."""

    BINDINGS = KeyedTable.BINDINGS


class HelpScreen(ModalScreen[None]):
    BINDINGS = [Binding("escape,q,question_mark,f1", "close", "Close")]

    def __init__(self, target: Screen[object]) -> None:
        super().__init__()
        self.target = target

    def compose(self) -> ComposeResult:
        with Vertical(classes="help-box"):
            legend: list[tuple[str, str]] = list(getattr(self.target, "LEGEND", []))
            yield Label(Content("Keys and signs" if legend else "Keys"), classes="help-title")
            table = HelpTable(id="help-table", cursor_type="row")
            table.add_columns("Key", "Action")
            seen: set[str] = set()
            for binding in list(getattr(self.target, "BINDINGS", [])):
                if isinstance(binding, Binding) and binding.description and binding.description not in seen:
                    seen.add(binding.description)
                    table.add_row(Text(keys_as_printed(binding)), Text(binding.description))
            for key, desc in GENERAL:
                table.add_row(Text(key), Text(desc))
            if legend:  # what the signs in the tables mean, after the keys
                table.add_row(Text(""), Text(""))
                table.add_row(Text("Sign", "bold"), Text("Meaning", "bold"))
                for sign, meaning in legend:
                    table.add_row(Text(sign), Text(meaning))
            yield table
            more = " The signs on this screen are explained after the keys (↓, PgDn)." if legend else ""
            yield Static(Content("Esc closes this help." + more), classes="muted")

    def action_close(self) -> None:
        self.dismiss(None)
