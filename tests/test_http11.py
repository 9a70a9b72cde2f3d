"""The client's HTTP/1.1 transport (api/http11.py) against scripted servers: connections kept and reused only
when safe, a server's close or a cut seen as such, timeouts and large answers, and when httpx's own is used."""

from __future__ import annotations

import asyncio
import gzip
import socket
import socketserver
import ssl
import threading
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

import httpx
import pytest

from buildtui.api import InvenTreeClient, Unreachable
from buildtui.api.client import HEADERS
from buildtui.api.http11 import AsyncioTransport
from buildtui.api.transport import HttpxSender, transport_for

Reply = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[bool]]


class Server:
    """A local server answering each request with ``reply``; counts connections and requests."""

    def __init__(self, reply: Reply) -> None:
        self.reply = reply
        self.connections = 0
        self.requests: list[bytes] = []
        self.url = ""
        self.writers: list[asyncio.StreamWriter] = []

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        self.writers.append(writer)
        try:
            while True:
                try:
                    head = await reader.readuntil(b"\r\n\r\n")
                except (asyncio.IncompleteReadError, ConnectionError):
                    return
                length = 0
                for line in head.split(b"\r\n"):
                    if line.lower().startswith(b"content-length:"):
                        length = int(line.split(b":")[1])
                body = await reader.readexactly(length) if length else b""
                self.requests.append(head + body)
                if not await self.reply(reader, writer):
                    return
        finally:
            writer.close()


def answer(body: bytes, *, status: str = "200 OK", extra: str = "") -> bytes:
    return f"HTTP/1.1 {status}\r\nContent-Length: {len(body)}\r\n{extra}\r\n".encode() + body


async def ok(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> bool:
    writer.write(answer(b'{"ok": 1}', extra="Content-Type: application/json\r\n"))
    await writer.drain()
    return True


@asynccontextmanager
async def serving(reply: Reply) -> AsyncIterator[Server]:
    server = Server(reply)
    listener = await asyncio.start_server(server.handle, "127.0.0.1", 0)
    port = listener.sockets[0].getsockname()[1]
    server.url = f"http://127.0.0.1:{port}"
    try:
        yield server
    finally:
        for writer in server.writers:
            writer.close()
        listener.close()


def client_for(url: str, *, keepalive_expiry: float = 5.0) -> httpx.AsyncClient:
    transport = AsyncioTransport(ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT), keepalive_expiry=keepalive_expiry)
    return httpx.AsyncClient(base_url=url, transport=transport)


async def test_requests_share_one_kept_connection() -> None:
    """Three requests in turn go over one connection; the server sees each (method, path, query, JSON body)."""
    async with serving(ok) as server, client_for(server.url) as client:
        assert (await client.get("/api/build/", params={"limit": 5})).json() == {"ok": 1}
        assert (await client.post("/api/build/1/hold/", json={"a": 1})).status_code == 200
        assert (await client.get("/api/user/me/")).status_code == 200
    assert server.connections == 1
    assert server.requests[0].startswith(b"GET /api/build/?limit=5 HTTP/1.1\r\n")
    assert server.requests[1].startswith(b"POST /api/build/1/hold/ HTTP/1.1\r\n")
    assert server.requests[1].endswith(b'{"a":1}')


async def test_requests_at_once_get_a_connection_each_then_reuse_them() -> None:
    """Five requests at once (as at launch) open five connections; five more reuse them."""
    async with serving(ok) as server, client_for(server.url) as client:
        await asyncio.gather(*(client.get(f"/{i}") for i in range(5)))
        await asyncio.gather(*(client.get(f"/{i}") for i in range(5)))
    assert server.connections == 5
    assert len(server.requests) == 10


async def test_a_connection_the_server_closed_while_idle_is_not_reused() -> None:
    """The server closes the idle connection: the next request opens a new one and gets its answer."""
    async with serving(ok) as server, client_for(server.url) as client:
        await client.get("/1")
        server.writers[0].close()
        await asyncio.sleep(0.05)  # the close reaches the client
        assert (await client.get("/2")).status_code == 200
    assert server.connections == 2


async def test_connection_close_and_expiry_are_kept() -> None:
    """An answer saying "Connection: close" ends the connection; one idle past keepalive_expiry is not reused."""

    async def closing(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> bool:
        writer.write(answer(b"bye", extra="Connection: close\r\n"))
        await writer.drain()
        return False

    async with serving(closing) as server, client_for(server.url) as client:
        assert (await client.get("/1")).text == "bye"
        assert (await client.get("/2")).text == "bye"
    assert server.connections == 2
    async with serving(ok) as server, client_for(server.url, keepalive_expiry=0.05) as client:
        await client.get("/1")
        await asyncio.sleep(0.1)
        await client.get("/2")
    assert server.connections == 2


async def test_an_answer_not_read_to_its_end_closes_the_connection() -> None:
    """A stream closed half-way (the client gave up on it): the rest never becomes the next request's answer."""

    async def big(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> bool:
        writer.write(answer(b"x" * 300_000))
        await writer.drain()
        return True

    async with serving(big) as server, client_for(server.url) as client:
        async with client.stream("GET", "/big") as response:
            async for _chunk in response.aiter_raw():
                break
        again = await client.get("/big")
        assert again.content == b"x" * 300_000
    assert server.connections == 2


async def test_a_large_chunked_gzip_answer_arrives_whole() -> None:
    """5 MB sent chunked and gzipped (reading pauses and resumes on the way): the same bytes come out."""
    payload = bytes(range(256)) * 20_000
    packed = gzip.compress(payload)

    async def chunked(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> bool:
        writer.write(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Encoding: gzip\r\n\r\n")
        for start in range(0, len(packed), 100_000):
            part = packed[start : start + 100_000]
            writer.write(f"{len(part):x}\r\n".encode() + part + b"\r\n")
        writer.write(b"0\r\n\r\n")
        await writer.drain()
        return True

    async with serving(chunked) as server, client_for(server.url) as client:
        response = await client.get("/big")
        assert response.content == payload
        assert (await client.get("/again")).content == payload
    assert server.connections == 1


async def test_server_gone_before_answering_is_a_cut_not_a_refusal() -> None:
    """The server reads the request and closes: httpx's "Server disconnected", which the client says as a break."""

    async def vanish(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> bool:
        return False

    async with serving(vanish) as server:
        async with client_for(server.url) as client:
            with pytest.raises(httpx.RemoteProtocolError, match="Server disconnected without sending a response"):
                await client.get("/1")
        api = InvenTreeClient(server.url, "t", get_retries=0)
        with pytest.raises(Unreachable) as caught:
            await api.me()
        await api.aclose()
    assert caught.value.reason == "cut"
    assert "broke before the answer arrived" in str(caught.value)


async def test_answer_cut_half_way_is_a_read_error() -> None:
    """Content-Length 100, 10 bytes, then the close: an error, not a short answer taken as whole; the client
    says the connection broke (it had said "connection refused (is the server running?)": "connection")."""

    async def short(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> bool:
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n0123456789")
        await writer.drain()
        return False

    async with serving(short) as server:
        async with client_for(server.url) as client:
            with pytest.raises(httpx.RemoteProtocolError):
                await client.get("/1")
        api = InvenTreeClient(server.url, "t", get_retries=0)
        with pytest.raises(Unreachable) as caught:
            await api.me()
        await api.aclose()
    assert caught.value.reason == "cut", str(caught.value)  # "peer closed connection...": not "refused"
    assert "broke before the answer arrived" in str(caught.value)


async def test_slow_answer_is_a_read_timeout_and_the_connection_is_dropped() -> None:
    """No answer within the read timeout: httpx.ReadTimeout; the late answer is not read by the next request."""
    calls = 0

    async def slow_once(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> bool:
        nonlocal calls
        calls += 1
        if calls == 1:
            await asyncio.sleep(0.3)
            writer.write(answer(b"late"))
        else:
            writer.write(answer(b"fresh"))
        await writer.drain()
        return True

    async with serving(slow_once) as server:
        async with httpx.AsyncClient(
            base_url=server.url, timeout=0.1, transport=AsyncioTransport(ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT))
        ) as client:
            with pytest.raises(httpx.ReadTimeout):
                await client.get("/1")
            await asyncio.sleep(0.3)
            assert (await client.get("/2")).text == "fresh"
    assert server.connections == 2


async def test_refused_is_a_connect_error() -> None:
    """Nobody listening: httpx.ConnectError, which the client classifies as not sent."""
    async with client_for("http://127.0.0.1:9") as client:
        with pytest.raises(httpx.ConnectError):
            await client.get("/")


async def test_the_client_uses_it_and_falls_back_where_it_does_not_go(monkeypatch: pytest.MonkeyPatch) -> None:
    """The app's sender goes through http11; a proxy in the environment or the start-up switch: httpx's own."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    for name in ("http_proxy", "https_proxy", "all_proxy", "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY"):
        monkeypatch.delenv(name, raising=False)
    assert isinstance(transport_for("http://inventree.local", context), AsyncioTransport)
    sender = HttpxSender("http://inventree.local", headers=HEADERS, timeout=5, verify=True)
    assert isinstance(sender._client._transport, AsyncioTransport)  # noqa: SLF001
    await sender.aclose()
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.local:3128")
    assert isinstance(transport_for("http://inventree.local", context), AsyncioTransport)
    assert transport_for("https://inventree.local", context) is None
    monkeypatch.delenv("HTTPS_PROXY")
    monkeypatch.setenv("BUILDTUI_PLAIN_START", "1")
    assert transport_for("http://inventree.local", context) is None


class ShortKeepAlive(socketserver.BaseRequestHandler):
    """Answers each request; a connection idle for 50 ms is closed (as gunicorn does after its keep-alive)."""

    requests: list[bytes] = []
    connections = 0
    idle_closed = threading.Event()

    def handle(self) -> None:
        type(self).connections += 1
        self.request.settimeout(0.05)
        data = b""
        while True:
            try:
                chunk = self.request.recv(65536)
            except TimeoutError:  # idle too long: closed
                self.request.shutdown(socket.SHUT_RDWR)
                type(self).idle_closed.set()
                return
            if not chunk:
                return
            data += chunk
            while b"\r\n\r\n" in data:
                head, _, rest = data.partition(b"\r\n\r\n")
                length = next(
                    (
                        int(line.split(b":")[1])
                        for line in head.split(b"\r\n")
                        if line.lower().startswith(b"content-length:")
                    ),
                    0,
                )
                if len(rest) < length:
                    break
                type(self).requests.append(head)
                data = rest[length:]
                self.request.sendall(answer(b'{"ok": 1}', extra="Content-Type: application/json\r\n"))


async def test_a_close_not_yet_read_by_the_loop_is_seen_before_reuse() -> None:
    """The server closes the idle connection while the app is busy (the loop not running, the close unread): the
    POST goes over a new connection and is done, not lost as "may or may not have been carried out"."""
    ShortKeepAlive.requests, ShortKeepAlive.connections = [], 0
    ShortKeepAlive.idle_closed.clear()
    with socketserver.ThreadingTCPServer(("127.0.0.1", 0), ShortKeepAlive) as tcp:
        tcp.daemon_threads = True
        threading.Thread(target=tcp.serve_forever, daemon=True).start()
        api = InvenTreeClient(f"http://127.0.0.1:{tcp.server_address[1]}", "t", get_retries=0)
        await api._call("GET", "/api/user/me/")  # noqa: SLF001
        # drawing a large page (the loop does not run): the server closes meanwhile, and the loop has not seen it
        assert ShortKeepAlive.idle_closed.wait(10)
        time.sleep(0.05)  # its FIN reaches this side
        done = await api._call("POST", "/api/build/1/hold/", json_body={}, action="hold")  # noqa: SLF001
        await api.aclose()
        tcp.shutdown()
    assert done == {"ok": 1}
    assert ShortKeepAlive.connections == 2
    assert sum(request.startswith(b"POST") for request in ShortKeepAlive.requests) == 1


async def test_a_large_answer_head_in_pieces_is_read() -> None:
    """43 KB of headers (a proxy's cookies and links) sent in two parts: read, not "Receive buffer too long"."""

    async def big_head(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> bool:
        head = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n" + b"".join(
            f"X-Link-{i}: {'v' * 200}\r\n".encode() for i in range(200)
        )
        writer.write(head[:20_000])
        await writer.drain()
        await asyncio.sleep(0.02)
        writer.write(head[20_000:] + b"\r\nok")
        await writer.drain()
        return True

    async with serving(big_head) as server, client_for(server.url) as client:
        response = await client.get("/")
    assert response.text == "ok"
    assert response.headers["x-link-199"] == "v" * 200


async def test_a_request_ending_after_the_pool_closed_keeps_no_connection() -> None:
    """The client is closed while a request is out: when it ends, its connection is closed, not kept."""

    async def slow(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> bool:
        await asyncio.sleep(0.1)
        return await ok(reader, writer)

    async with serving(slow) as server:
        transport = AsyncioTransport(ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT))
        client = httpx.AsyncClient(base_url=server.url, transport=transport)
        request = asyncio.create_task(client.get("/"))
        await asyncio.sleep(0.02)
        await transport.aclose()
        assert (await request).status_code == 200
        assert transport._idle == {} or all(not idle for idle in transport._idle.values())  # noqa: SLF001
