"""buildtui web: the same app in a browser through textual-serve, loaded in headless Chromium."""

from __future__ import annotations

import asyncio
import os
import re
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

import aiohttp
import pytest
from aiohttp.test_utils import TestServer

from .browser import CHROMIUM, chromium_page, required, stop
from .conftest import demo_newest

if TYPE_CHECKING:
    from buildtui.web import GuardedServer

ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]|\x1b\][^\x07\x1b]*(\x07|\x1b\\)|\x1b[()][A-Z0-9]|\x1b[=>]")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_web_binds_loopback_by_default() -> None:
    """`buildtui web` listens on 127.0.0.1 unless told otherwise."""
    from buildtui.cli import build_parser

    args = build_parser().parse_args(["web"])
    assert args.host == "127.0.0.1" and not args.allow_remote


@pytest.mark.parametrize("host", ["0.0.0.0", "::", "192.0.2.7", "kiosk.example.com", ""])
def test_a_host_others_can_reach_is_refused_without_allow_remote(host: str) -> None:
    """`buildtui web --host 0.0.0.0` stops at once with one line saying why and naming --allow-remote."""
    r = subprocess.run(
        [sys.executable, "-m", "buildtui", "web", "--demo", "--host", host, "--port", "1"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert r.returncode == 2 and r.stderr.count("\n") == 1
    assert "refusing to serve" in r.stderr and "--allow-remote" in r.stderr and "Traceback" not in r.stderr


def test_allow_remote_warns_what_the_risk_is() -> None:
    """With --allow-remote the operator is told that anyone reaching the port drives the session."""
    from buildtui.web import check_host

    assert check_host("127.0.0.1", False, 8566) == (None, None)
    assert check_host("localhost", False, 8566) == (None, None)
    refusal, warning = check_host("0.0.0.0", True, 8566)
    assert refusal is None and warning is not None
    assert "no sign-in" in warning and "stored token" in warning and "unencrypted" in warning


def start_web(tmp_path: Path, *flags: str) -> tuple[subprocess.Popen[bytes], int]:
    port = free_port()
    env = dict(os.environ, BUILDTUI_CONFIG=str(tmp_path / "config.toml"), BUILDTUI_LOG_DIR=str(tmp_path / "logs"))
    with (tmp_path / "web.out").open("wb") as out:  # the server's console: what it says it refused
        web = subprocess.Popen(
            [sys.executable, "-m", "buildtui", "web", "--demo", "--port", str(port), *flags],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    wait_listening(port, web)
    return web, port


async def refused(url: str, origin: str | None, headers: dict[str, str] | None = None) -> int:
    """The HTTP status a websocket handshake from ``origin`` gets (0: it was accepted)."""
    async with aiohttp.ClientSession() as session:
        try:
            async with session.ws_connect(url, origin=origin, headers=headers) as ws:
                await ws.close()
                return 0
        except aiohttp.WSServerHandshakeError as exc:
            return exc.status


async def first_frames(url: str, origin: str, wanted: str, timeout: float = 45.0) -> str:
    """What the app draws over the websocket, read until ``wanted`` appears."""
    seen = ""
    async with aiohttp.ClientSession() as session, session.ws_connect(url, origin=origin) as ws:
        async with asyncio.timeout(timeout):
            async for msg in ws:
                if msg.type == aiohttp.WSMsgType.BINARY:
                    seen += msg.data.decode("utf-8", "replace")
                elif msg.type == aiohttp.WSMsgType.TEXT:
                    seen += msg.data
                if wanted in ANSI.sub("", seen):
                    break
    return ANSI.sub("", seen)


async def test_websocket_takes_keys_only_from_its_own_page(tmp_path: Path) -> None:
    """A web page from another site, another local port, or a name rebound to this machine cannot open the
    session's websocket (403); the page's own origin can, and the app's build list arrives over it."""
    web, port = start_web(tmp_path)
    try:
        ws = f"ws://127.0.0.1:{port}/ws"
        assert await refused(ws, "http://evil.example") == 403
        assert await refused(ws, "http://127.0.0.1:1") == 403  # another local web service
        assert await refused(ws, "null") == 403  # a sandboxed frame or a file:// page
        assert await refused(ws, None) == 403
        rebound = {"Host": f"evil.example:{port}"}  # evil.example made to resolve to 127.0.0.1
        assert await refused(ws, f"http://evil.example:{port}", rebound) == 403
        async with aiohttp.ClientSession() as session:
            async with session.get(f"http://127.0.0.1:{port}/", headers=rebound) as page:
                assert page.status == 403
            async with session.get(f"http://127.0.0.1:{port}/") as page:
                html = await page.text()
        assert f'data-session-websocket-url="ws://127.0.0.1:{port}/ws"' in html
        n, newest, _ = demo_newest()
        seen = await first_frames(ws, f"http://127.0.0.1:{port}", f"{n} of {n} builds")
        assert newest in seen
        # localhost is this machine's own name too (a browser opened on http://localhost:PORT/)
        seen = await first_frames(f"ws://localhost:{port}/ws", f"http://localhost:{port}", "builds")
        assert "builds" in seen
    finally:
        stop(web)
    said = (tmp_path / "web.out").read_text()
    assert "refused a websocket from origin 'http://evil.example'" in " ".join(said.split())


async def serve_in_process(server: GuardedServer) -> tuple[TestServer, str]:
    """``GuardedServer``'s aiohttp app on 127.0.0.1, whatever host it was told (nothing listens elsewhere)."""
    test_server = TestServer(await server._make_app(), host="127.0.0.1", port=free_port())
    await test_server.start_server()
    return test_server, f"127.0.0.1:{test_server.port}"


async def test_remote_page_points_its_websocket_where_the_browser_came_from() -> None:
    """Served on 0.0.0.0, the page a tablet loads from http://192.0.2.10:PORT/ opens ws://192.0.2.10:PORT/ws
    (not ws://0.0.0.0:PORT/ws), and takes keys only from that origin; unknown names are refused."""
    from buildtui.web import GuardedServer

    server = GuardedServer("true", host="0.0.0.0", port=8566, names={"kiosk-7"})
    test_server, listen = await serve_in_process(server)
    try:
        async with aiohttp.ClientSession() as session:
            for host in ("192.0.2.10:8566", "kiosk-7:8566", "[2001:db8::5]:8566"):
                async with session.get(f"http://{listen}/", headers={"Host": host}) as page:
                    html = await page.text()
                assert page.status == 200 and f'data-session-websocket-url="ws://{host}/ws"' in html
                assert f'src="http://{host}/static/js/textual.js"' in html
            async with session.get(f"http://{listen}/", headers={"Host": "evil.example:8566"}) as page:
                assert page.status == 403
            async with session.get(f"http://{listen}/", headers={"Host": 'x"><script>:1'}) as page:
                assert page.status in (400, 403)
        ws = f"ws://{listen}/ws"
        tablet = {"Host": "192.0.2.10:8566"}
        assert await refused(ws, "http://evil.example", tablet) == 403
        assert await refused(ws, "http://192.0.2.10:8567", tablet) == 403
        assert await refused(ws, "http://evil.example:8566", {"Host": "evil.example:8566"}) == 403
        assert await refused(ws, "http://192.0.2.10:8566", tablet) == 0  # its own page: accepted
    finally:
        await test_server.close()


async def test_public_url_is_the_only_origin_behind_a_proxy() -> None:
    """Behind an HTTPS proxy (--public-url https://kiosk.example.com/buildtui) the page opens
    wss://kiosk.example.com/buildtui/ws and only https://kiosk.example.com may open it."""
    from buildtui.web import GuardedServer

    server = GuardedServer("true", public_url="https://kiosk.example.com/buildtui/")
    test_server, listen = await serve_in_process(server)
    try:
        async with aiohttp.ClientSession() as session, session.get(f"http://{listen}/") as page:
            html = await page.text()
        assert 'data-session-websocket-url="wss://kiosk.example.com/buildtui/ws"' in html
        ws = f"ws://{listen}/ws"
        assert await refused(ws, "http://kiosk.example.com") == 403  # not https
        assert await refused(ws, f"http://{listen}") == 403
        assert await refused(ws, "https://kiosk.example.com") == 0
    finally:
        await test_server.close()


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
async def test_browser_shows_the_build_list_and_takes_keys(tmp_path: Path) -> None:
    """In a browser, `buildtui web --demo` shows the build list, and Enter typed there opens the build."""
    port = free_port()
    env = dict(os.environ, BUILDTUI_CONFIG=str(tmp_path / "config.toml"), BUILDTUI_LOG_DIR=str(tmp_path / "logs"))
    web = subprocess.Popen(
        [sys.executable, "-m", "buildtui", "web", "--demo", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_listening(port, web)
        async with chromium_page(f"http://127.0.0.1:{port}/") as page:
            n, newest, title = demo_newest()
            seen = ANSI.sub("", await page.wait_for_text(f"{n} of {n} builds", timeout=45))
            # the list's rows and the status line reached the browser
            assert newest in seen and title[:10] in seen
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
        assert f"build list drawn: {n} of {n} builds" in log
    finally:
        stop(web)
