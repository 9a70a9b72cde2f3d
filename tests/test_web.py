"""buildtui web: the same app in a browser through textual-serve, loaded in headless Chromium."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from .browser import CHROMIUM, chromium_page, required, stop

ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]|\x1b\][^\x07\x1b]*(\x07|\x1b\\)|\x1b[()][A-Z0-9]|\x1b[=>]")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_web_binds_loopback_by_default():
    from buildtui.cli import build_parser

    args = build_parser().parse_args(["web"])
    assert args.host == "127.0.0.1"


def wait_listening(port: int, proc: subprocess.Popen[bytes], timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"buildtui web exited with {proc.returncode}")
        try:
            socket.create_connection(("127.0.0.1", port), 0.2).close()
            return
        except OSError:
            time.sleep(0.1)
    raise AssertionError(f"buildtui web did not listen on {port} within {timeout} s")


@pytest.mark.skipif(not CHROMIUM and not required(), reason="chromium not installed (.ci/run installs it)")
async def test_browser_shows_the_build_list_and_takes_keys(tmp_path: Path):
    port = free_port()
    env = dict(os.environ, BUILDTUI_CONFIG=str(tmp_path / "config.toml"), BUILDTUI_LOG_DIR=str(tmp_path / "logs"))
    web = subprocess.Popen([sys.executable, "-m", "buildtui", "web", "--demo", "--port", str(port)], env=env,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_listening(port, web)
        async with chromium_page(f"http://127.0.0.1:{port}/") as page:
            seen = ANSI.sub("", await page.wait_for_text("17 of 17 builds", timeout=45))
            # the list's rows and the status line reached the browser
            assert "BO-0021" in seen and "Old harness run" in seen
            assert "demo simulator" in seen
            assert "[@click" in seen  # the hostile part name arrives as text
            await page.screenshot(tmp_path / "list.png")
            assert (tmp_path / "list.png").stat().st_size > 10_000  # a drawn page, not a blank one
            # keys typed in the browser reach the app: Enter opens the highlighted build
            await page.press("Enter", 13, "\r")
            await page.wait_for_text("1 Lines", timeout=20)
            await page.wait_for_text("Pick list", timeout=5)
        # and the app itself (a process textual-serve started for the page) logged what it drew
        log = "\n".join(p.read_text() for p in (tmp_path / "logs").glob("*.log*"))
        assert "build list drawn: 17 of 17 builds" in log
    finally:
        stop(web)
