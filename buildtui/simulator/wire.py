"""The simulator's "network": an ASGI layer in front of the application that carries out ``faults.py``'s rules.

Some faults need the connection itself (closing it with no answer, trickling the status line byte by byte).
ASGI has no way to say that, so this layer reaches the connection's transport through uvicorn's ``send``
(a bound method of its request cycle, which holds ``transport``); it runs outermost, where ``send`` is
still uvicorn's own.
"""

from __future__ import annotations

import asyncio
import logging
import socket
import struct
from http import HTTPStatus
from typing import TYPE_CHECKING, Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .faults import FaultRule, draw_latency_s

if TYPE_CHECKING:
    from .state import Simulator

log = logging.getLogger("buildtui.simulator")

CHUNK = 64 * 1024


class Captured:
    """An answer kept back from the client: status, headers and body."""

    def __init__(self) -> None:
        self.status = 0
        self.headers: list[tuple[bytes, bytes]] = []
        self.body = bytearray()
        self.complete = False

    async def send(self, message: Message) -> None:
        if message["type"] == "http.response.start":
            self.status = int(message["status"])
            self.headers = [(bytes(k), bytes(v)) for k, v in message.get("headers", [])]
        elif message["type"] == "http.response.body":
            self.body += message.get("body", b"")
            self.complete = not message.get("more_body", False)

    def start(self) -> Message:
        return {"type": "http.response.start", "status": self.status, "headers": self.headers}


def _cycle(send: Send) -> Any:
    """uvicorn's request cycle behind ``send`` (it has ``transport`` and ``disconnected``)."""
    owner = getattr(send, "__self__", None)
    if owner is None or not isinstance(getattr(owner, "transport", None), asyncio.BaseTransport):
        raise RuntimeError("this fault needs the connection: serve the simulator with uvicorn")
    return owner


async def _cut(send: Send, *, reset: bool = False) -> None:
    """Close the connection now; with ``reset``, by a TCP reset instead of an orderly close."""
    cycle = _cycle(send)
    transport: asyncio.Transport = cycle.transport
    if reset:
        sock = transport.get_extra_info("socket")
        if sock is not None:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        transport.abort()
    else:
        transport.close()
    for _ in range(50):  # uvicorn notes the closed connection on a later turn of the loop
        if cycle.disconnected:
            return
        await asyncio.sleep(0.01)
    cycle.disconnected = True  # so that uvicorn does not answer 500 on a connection that is gone


def _closing(send: Send) -> bool:
    return bool(_cycle(send).transport.is_closing())


def _html(status: int) -> bytes:
    phrase = HTTPStatus(status).phrase if status in HTTPStatus._value2member_map_ else "Error"
    return f"<html><body><h1>{status} {phrase}</h1></body></html>".encode()


def _headers(
    content_type: bytes, length: int, extra: list[tuple[bytes, bytes]] | None = None
) -> list[tuple[bytes, bytes]]:
    return [(b"content-type", content_type), (b"content-length", str(length).encode()), *(extra or [])]


async def _drain_request(receive: Receive) -> None:
    """Read the request body we are not going to use (so the connection stays well-formed)."""
    while True:
        message = await receive()
        if message["type"] != "http.request" or not message.get("more_body", False):
            return


class FaultMiddleware:
    """Runs in front of the Starlette app; requests that match no rule pass straight through."""

    def __init__(self, app: ASGIApp, sim: Simulator) -> None:
        self.app = app
        self.sim = sim

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        method, path = str(scope["method"]), str(scope["path"])
        rule = self.sim.faults.match(method, path)
        if rule is None:
            await self.app(scope, receive, send)
            return
        log.info("fault injected: %s on %s %s", rule.kind, method, path)
        if not rule.carries_out:
            self._note(scope)
            latency = draw_latency_s(self.sim.latency_ms)
            if latency:
                await asyncio.sleep(latency)
            await _drain_request(receive)
        else:
            captured = Captured()
            await self.app(scope, receive, captured.send)
            if not captured.complete:
                return  # the client went away meanwhile
            if rule.kind in ("oversize", "nested"):  # carried out, then answered badly
                pass
            elif rule.kind == "drop":
                await self._drop(rule, captured, send)
                return
            elif rule.kind == "trickle":
                await self._trickle(rule, captured, send)
                return
            else:  # late
                await asyncio.sleep(rule.delay_s)
                await send(captured.start())
                await send({"type": "http.response.body", "body": bytes(captured.body)})
                return
        await self._instead(rule, scope, send)

    def _note(self, scope: Scope) -> None:
        """What the app's endpoints do for every request: count it and log (method, path?query)."""
        query = bytes(scope.get("query_string", b"")).decode("latin-1")
        self.sim.request_count += 1
        self.sim.log.append((str(scope["method"]), str(scope["path"]) + ("?" + query if query else "")))

    async def _instead(self, rule: FaultRule, scope: Scope, send: Send) -> None:
        """Answers that replace the application's."""
        if rule.kind == "oversize":
            await self._oversize(rule, send)
            return
        if rule.kind == "nested":
            body = b"[" * rule.depth + b"]" * rule.depth
            await send(
                {"type": "http.response.start", "status": 200, "headers": _headers(b"application/json", len(body))}
            )
            await send({"type": "http.response.body", "body": body})
            return
        if rule.kind == "redirect":
            query = bytes(scope.get("query_string", b"")).decode("latin-1")
            location = rule.to + str(scope["path"]) + ("?" + query if query else "")
            body = _html(rule.status)
            await send(
                {
                    "type": "http.response.start",
                    "status": rule.status,
                    "headers": _headers(b"text/html", len(body), [(b"location", location.encode("latin-1"))]),
                }
            )
            await send({"type": "http.response.body", "body": body})
            return
        status = 504 if rule.kind == "lost" else rule.status
        if rule.kind == "lost":
            await asyncio.sleep(rule.delay_s)
        body = _html(status)
        await send({"type": "http.response.start", "status": status, "headers": _headers(b"text/html", len(body))})
        await send({"type": "http.response.body", "body": body})

    async def _drop(self, rule: FaultRule, captured: Captured, send: Send) -> None:
        if rule.how == "partial":
            await send(captured.start())
            await send(
                {
                    "type": "http.response.body",
                    "body": bytes(captured.body[: len(captured.body) // 2]),
                    "more_body": True,
                }
            )
        await _cut(send, reset=rule.how == "reset")

    async def _trickle(self, rule: FaultRule, captured: Captured, send: Send) -> None:
        if rule.body_only:
            await send(captured.start())
            for byte in bytes(captured.body):
                if _closing(send):
                    return
                await send({"type": "http.response.body", "body": bytes([byte]), "more_body": True})
                await asyncio.sleep(rule.interval_s)
            await send({"type": "http.response.body", "body": b""})
            return
        phrase = HTTPStatus(captured.status).phrase if captured.status in HTTPStatus._value2member_map_ else ""
        head = f"HTTP/1.1 {captured.status} {phrase}\r\n".encode("latin-1")
        for name, value in captured.headers:
            if name.lower() != b"connection":
                head += name + b": " + value + b"\r\n"
        raw = head + b"connection: close\r\n\r\n" + bytes(captured.body)
        transport: asyncio.Transport = _cycle(send).transport
        for byte in raw:
            if transport.is_closing():
                return
            transport.write(bytes([byte]))
            await asyncio.sleep(rule.interval_s)
        await _cut(send)

    async def _oversize(self, rule: FaultRule, send: Send) -> None:
        head = b'{"count": 1, "next": null, "previous": null, "results": ['
        await send({"type": "http.response.start", "status": 200, "headers": _headers(b"application/json", rule.size)})
        sent = 0
        filler = b" " * CHUNK
        while sent < rule.size:
            if _closing(send):
                return
            chunk = head if sent == 0 else filler
            chunk = chunk[: rule.size - sent]
            sent += len(chunk)
            await send({"type": "http.response.body", "body": chunk, "more_body": sent < rule.size})
            await asyncio.sleep(0)
