"""A plain wheel install finds its stylesheets and launches the app."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_wheel_install_has_styles_and_launches(tmp_path):
    wheels = tmp_path / "wheels"
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(wheels), str(ROOT)],
                   check=True, timeout=300, capture_output=True)
    wheel = next(wheels.glob("buildtui-*.whl"))
    site = tmp_path / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "--no-deps", "-q", "--target", str(site), str(wheel)],
                   check=True, timeout=300, capture_output=True)
    assert (site / "buildtui" / "styles" / "app.tcss").is_file()
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
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120,
                         cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    assert "BuildListScreen" in out.stdout
