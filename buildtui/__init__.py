"""buildtui: a keyboard-first terminal UI for InvenTree build orders."""

from .startup import prepare_imports

__version__ = "0.1.0"

prepare_imports()  # before httpx and pydantic are imported: see startup.py
