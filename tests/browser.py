"""Just enough of the Chrome DevTools Protocol to load a page in headless Chromium and read it.

Debian's ``chromium`` is started with a fresh profile and its debugging port; we talk to the page
over a websocket with aiohttp (which textual-serve already brings). No browser download, no
Node.js. External hosts are mapped to nothing so that the page's web-font link fails at once
instead of waiting for a network the floor (and CI) may not have.
"""

from __future__ import annotations

import asyncio
import base64
import json
import os
import shutil
import subprocess
import tempfile
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1",
]

# Collects what the page receives on its websockets (textual-serve sends the terminal's output
# there), so a test can read what the app drew without OCR of the canvas.
CAPTURE_WEBSOCKETS = r"""
(() => {
  window.__received = '';
  const Native = window.WebSocket;
  const decode = (buf) => { window.__received += new TextDecoder('utf-8').decode(new Uint8Array(buf)); };
  function Capturing(url, protocols) {
    const ws = protocols === undefined ? new Native(url) : new Native(url, protocols);
    ws.addEventListener('message', (ev) => {
      if (typeof ev.data === 'string') window.__received += ev.data;
      else if (ev.data instanceof ArrayBuffer) decode(ev.data);
      else if (ev.data && ev.data.arrayBuffer) ev.data.arrayBuffer().then(decode);
    });
    return ws;
  }
  Capturing.prototype = Native.prototype;
  Object.assign(Capturing, {CONNECTING: 0, OPEN: 1, CLOSING: 2, CLOSED: 3});
  window.WebSocket = Capturing;
})();
"""


class Page:
    def __init__(self, ws: Any) -> None:
        self._ws = ws
        self._next = 0

    async def call(self, method: str, **params: Any) -> dict[str, Any]:
        self._next += 1
        msg_id = self._next
        await self._ws.send_json({"id": msg_id, "method": method, "params": params})
        async for msg in self._ws:
            data = json.loads(msg.data)
            if data.get("id") == msg_id:
                if "error" in data:
                    raise RuntimeError(f"{method}: {data['error']}")
                return dict(data.get("result", {}))
        raise RuntimeError("the browser closed the DevTools connection")

    async def evaluate(self, expression: str) -> Any:
        result = await self.call("Runtime.evaluate", expression=expression, returnByValue=True)
        return result.get("result", {}).get("value")

    async def received(self) -> str:
        return str(await self.evaluate("window.__received || ''"))

    async def wait_for_text(self, text: str, timeout: float = 30.0) -> str:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            seen = await self.received()
            if text in seen:
                return seen
            if loop.time() > deadline:
                raise AssertionError(f"{text!r} did not appear within {timeout} s; received {len(seen)} characters")
            await asyncio.sleep(0.25)

    async def press(self, key: str, code: int, text: str = "") -> None:
        """A key typed into the terminal (xterm.js listens on its hidden textarea, so focus it first)."""
        await self.evaluate("document.querySelector('.xterm-helper-textarea')?.focus()")
        down: dict[str, object] = {
            "type": "keyDown",
            "key": key,
            "code": key,
            "windowsVirtualKeyCode": code,
            "nativeVirtualKeyCode": code,
        }
        if text:
            down["text"] = text
        await self.call("Input.dispatchKeyEvent", **down)
        await self.call(
            "Input.dispatchKeyEvent",
            type="keyUp",
            key=key,
            code=key,
            windowsVirtualKeyCode=code,
            nativeVirtualKeyCode=code,
        )

    async def screenshot(self, path: Path) -> None:
        shot = await self.call("Page.captureScreenshot", format="png")
        path.write_bytes(base64.b64decode(shot["data"]))


@asynccontextmanager
async def chromium_page(url: str, width: int = 1280, height: int = 800) -> AsyncIterator[Page]:
    import aiohttp

    assert CHROMIUM, "chromium is not installed"
    profile = tempfile.mkdtemp(prefix="buildtui-chromium-")
    proc = subprocess.Popen(
        [
            CHROMIUM,
            *FLAGS,
            "--remote-debugging-port=0",
            f"--user-data-dir={profile}",
            f"--window-size={width},{height}",
            "about:blank",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        port_file = Path(profile) / "DevToolsActivePort"
        for _ in range(300):
            if port_file.exists() and port_file.read_text().strip():
                break
            if proc.poll() is not None:
                raise RuntimeError(f"chromium exited with {proc.returncode}")
            await asyncio.sleep(0.1)
        port = port_file.read_text().split()[0]
        async with aiohttp.ClientSession() as session:
            async with session.get(f"http://127.0.0.1:{port}/json/list") as r:
                targets = await r.json()
            target = next(t for t in targets if t["type"] == "page")
            async with session.ws_connect(target["webSocketDebuggerUrl"], max_msg_size=0) as ws:
                page = Page(ws)
                await page.call("Page.enable")
                await page.call("Page.addScriptToEvaluateOnNewDocument", source=CAPTURE_WEBSOCKETS)
                await page.call("Page.navigate", url=url)
                yield page
    finally:
        stop(proc)
        shutil.rmtree(profile, ignore_errors=True)


def stop(proc: subprocess.Popen[bytes]) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()


def required() -> bool:
    """CI sets this: there a missing browser is a failure, not a skip."""
    return os.environ.get("BUILDTUI_REQUIRE_BROWSER") == "1"
