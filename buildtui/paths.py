"""Where buildtui finds its stylesheets and keeps its files."""

from __future__ import annotations

import os
from pathlib import Path, PurePath

import platformdirs

_PACKAGE = Path(__file__).resolve().parent


def styles_dir() -> Path:
    """``buildtui/styles`` in a wheel install, the top-level ``styles/`` in a source checkout."""
    for candidate in (_PACKAGE / "styles", _PACKAGE.parent / "styles"):
        if (candidate / "app.tcss").is_file():
            return candidate
    raise FileNotFoundError("buildtui's stylesheets are missing: reinstall the package")


def stylesheets(*names: str) -> list[str | PurePath]:
    base = styles_dir()
    return [base / f"{name}.tcss" for name in names]


def config_path() -> Path:
    override = os.environ.get("BUILDTUI_CONFIG")
    if override:
        return Path(override)
    return Path(platformdirs.user_config_dir("buildtui")) / "config.toml"


def log_dir() -> Path:
    override = os.environ.get("BUILDTUI_LOG_DIR")
    if override:
        return Path(override)
    return Path(platformdirs.user_log_dir("buildtui"))
