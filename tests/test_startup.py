"""The start-up work (buildtui/startup.py) leans on two libraries' internals: these tests fail when a new
httpx or pydantic changes what it relies on, and check that the switch turns it all off."""

from __future__ import annotations

import inspect
import subprocess
import sys


def run(code: str, **env: str) -> str:
    import os

    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, env={**os.environ, **env}
    )
    assert out.returncode == 0, out.stderr
    return out.stdout.strip()


def test_httpx_still_imports_its_cli_optionally() -> None:
    """httpx guards ``from ._main import main`` with ``except ImportError``: a None entry skips the CLI."""
    import httpx

    source = inspect.getsource(httpx)
    assert "from ._main import main\nexcept ImportError:" in source.replace("    ", "")


def test_pydantic_asks_its_loader_for_plugins() -> None:
    """pydantic's schema validator imports ``get_plugins`` from ``pydantic.plugin._loader`` when it builds a
    validator: the module the stub stands in for."""
    from pydantic.plugin import _schema_validator

    assert "from ._loader import get_plugins" in inspect.getsource(_schema_validator)


def test_start_up_skips_the_cli_and_the_metadata_scan() -> None:
    """As `buildtui` starts: models validate, and neither httpx's CLI nor importlib.metadata was imported."""
    got = run(
        "import sys, buildtui.api.models as m, httpx; m.Build.model_validate({'pk': 1, 'reference': 'BO-1', "
        "'part': 1, 'quantity': 1, 'status': 10}); print(sorted(k for k in ('httpx._main', 'click', 'importlib.metadata') "
        "if sys.modules.get(k) is not None), callable(httpx.main))"
    )
    assert got == "[] True"


def test_the_switch_turns_it_all_off() -> None:
    """BUILDTUI_PLAIN_START=1: no stub, no skipped import (what start-up costs without the tweaks)."""
    got = run(
        "import sys, buildtui.api.models; print('httpx._main' in sys.modules, "
        "type(sys.modules.get('pydantic.plugin._loader')).__name__)",
        BUILDTUI_PLAIN_START="1",
    )
    assert got.startswith("False")


def test_textual_internals_the_app_leans_on() -> None:
    """QuietFooter sets Footer's private ``_bindings_ready`` (as Footer.bindings_changed does) and the scanner
    compares key times with ``textual._time.get_time`` (the clock Textual stamps events with): both still there."""
    from textual import _time
    from textual.widgets import Footer

    assert "_bindings_ready" in inspect.getsource(Footer.compose)
    assert "self._bindings_ready = True" in inspect.getsource(Footer.bindings_changed)
    from textual.message import Message

    assert "self.time: float = _time.get_time()" in inspect.getsource(Message.__post_init__)
    assert callable(_time.get_time)
