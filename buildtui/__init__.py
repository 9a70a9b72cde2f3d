"""buildtui: a keyboard-first terminal UI for InvenTree build orders."""

__version__ = "0.1.0"
