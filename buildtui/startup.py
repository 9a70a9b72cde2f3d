"""Start-up work in one place: what makes `buildtui` draw its first rows sooner, each part measured, and one
switch that turns all of it off (``BUILDTUI_PLAIN_START=1``, for comparing and for ruling it out).

1. httpx imports its command-line client (click, rich.syntax, pygments: ~17 ms) whenever click is installed,
   as it is beside uvicorn. A ``None`` entry in ``sys.modules`` makes that optional import fail at once, as
   where click is missing (httpx then defines a stub ``httpx.main``).
2. pydantic looks for plugins when it builds its first validator, through ``importlib.metadata`` (17 modules,
   ~8 ms, then a scan of every installed package). buildtui uses none: its loader is answered with "none".
3. httpx's own transport (httpcore) runs its sockets, locks and events through anyio under asyncio: importing
   anyio's asyncio backend and httpcore takes 30-45 ms at the first request. The client's requests go through
   ``api/http11.py`` instead (h11 on asyncio's sockets), except through a proxy set in the environment
   (``api/transport.py``, ``transport_for``).
4. Importing creates ~50,000 objects that live as long as the app; the cyclic garbage collector rescanned them
   while they were made (25-70 ms). It is paused until the first rows are drawn, then they are frozen out of
   later collections (``gc.freeze``).

With the switch off, httpx's own transport carries every request (``api.transport.transport_for`` answers None).
1 and 2 lean on the libraries' internals, so pyproject pins httpx and pydantic exactly and
``tests/test_startup.py`` fails when either changes under them.
"""

from __future__ import annotations

import gc
import importlib
import os
import sys
import types
from typing import Any

PYDANTIC_LOADER = "pydantic.plugin._loader"


def enabled() -> bool:
    return os.environ.get("BUILDTUI_PLAIN_START", "") not in ("1", "true", "yes")


def prepare_imports() -> None:
    """Before httpx and pydantic are imported (``buildtui/__init__.py`` calls this)."""
    if not enabled():
        return
    sys.modules.setdefault("httpx._main", None)  # type: ignore[arg-type]
    _without_pydantic_plugins()


def _without_pydantic_plugins() -> None:
    """pydantic's plugin loader answers "none" (as ``PYDANTIC_DISABLE_PLUGINS=__all__`` does, but without first
    importing ``importlib.metadata``). Should pydantic ask it for anything else, the real one is loaded."""
    if PYDANTIC_LOADER in sys.modules:
        return
    stub = types.ModuleType(PYDANTIC_LOADER)

    def get_plugins() -> tuple[()]:
        return ()

    def __getattr__(attr: str) -> Any:
        if attr.startswith("__"):  # the import system probing (__path__, ...): a plain module has none
            raise AttributeError(attr)
        sys.modules.pop(PYDANTIC_LOADER, None)
        return getattr(importlib.import_module(PYDANTIC_LOADER), attr)

    stub.get_plugins = get_plugins  # type: ignore[attr-defined]
    stub.__getattr__ = __getattr__  # type: ignore[method-assign]
    sys.modules[PYDANTIC_LOADER] = stub


def pause_collector() -> None:
    """At launch, before the UI is imported and built."""
    if enabled():
        gc.disable()


def resume_collector() -> None:
    """Once the first rows are on screen (or at the latest a few seconds in)."""
    if not gc.isenabled():
        gc.freeze()  # what start-up made lives as long as the app: keep it out of every later scan
        gc.enable()
