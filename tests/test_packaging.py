"""A plain wheel install finds its stylesheets and launches the app."""

from __future__ import annotations

import shutil
import subprocess
import sys
import textwrap
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_package_list_names_every_package_folder() -> None:
    """pyproject lists its packages (styles/ lives outside buildtui/); a new subpackage must be listed too."""
    listed = set(tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"])
    found = {".".join(init.parent.relative_to(ROOT).parts) for init in (ROOT / "buildtui").rglob("__init__.py")}
    assert listed - {"buildtui.styles"} == found


def test_wheel_install_has_styles_and_launches(tmp_path: Path) -> None:
    """A wheel built from a fresh clone installs every module and stylesheet and opens on the build list."""
    # Built from a copy as a fresh clone has it: a build/ folder left in the checkout hid a missing styles/.
    source = tmp_path / "source"
    shutil.copytree(
        ROOT,
        source,
        ignore=shutil.ignore_patterns(
            "build", "*.egg-info", ".git", "__pycache__", ".venv", ".mypy_cache", ".ruff_cache", ".pytest_cache"
        ),
    )
    wheels = tmp_path / "wheels"
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(wheels), str(source)],
        check=True,
        timeout=300,
        capture_output=True,
    )
    wheel = next(wheels.glob("buildtui-*.whl"))
    site = tmp_path / "site"
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--no-deps", "-q", "--target", str(site), str(wheel)],
        check=True,
        timeout=300,
        capture_output=True,
    )
    styles = sorted(path.name for path in (site / "buildtui" / "styles").glob("*.tcss"))
    assert styles == sorted(path.name for path in (ROOT / "styles").glob("*.tcss"))
    modules = {path.relative_to(site).as_posix() for path in (site / "buildtui").rglob("*.py")}
    assert modules == {path.relative_to(ROOT).as_posix() for path in (ROOT / "buildtui").rglob("*.py")}
    script = textwrap.dedent(f"""
        import asyncio, sys
        sys.path.insert(0, {str(site)!r})
        import buildtui.paths
        assert str(buildtui.paths.styles_dir()).startswith({str(site)!r}), buildtui.paths.styles_dir()
        from buildtui.app import BuildTUI
        from buildtui.config import Config
        async def main():
            app = BuildTUI(Config(server="http://127.0.0.1:9", token="x"), save_token=False)
            async with app.run_test(size=(80, 24)) as pilot:
                await pilot.pause(0.5)
                print(type(app.screen).__name__)
        asyncio.run(main())
    """)
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    assert "BuildListScreen" in out.stdout
