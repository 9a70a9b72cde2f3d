"""httpx's transport for buildtui: HTTP/1.1 on asyncio's own sockets, with h11 for the protocol.

Why not httpx's default transport (httpcore): under asyncio, httpcore runs its sockets, locks and events
through anyio, and importing anyio's asyncio backend with httpcore takes 30-45 ms of CPU at the first request,
a tenth of a launch on a two-CPU floor terminal (docs/benchmarks.md). This transport is what buildtui asks
of httpcore and no more:

- keep-alive connections, reused per scheme, host and port, at most ``max_idle`` kept and none kept longer
  than ``keepalive_expiry`` (httpx's defaults); a connection the server closed while idle is never reused
  (asyncio reads idle sockets, so the close is seen as it arrives);
- TLS with the client's context (the caller's trust settings; ALPN offers http/1.1 only);
- connect, write and read timeouts from the request (httpx's ``Timeout``), raised as httpx's exceptions so the
  client's classification (sent or not, why) holds unchanged;
- a connection whose exchange did not finish (cancelled, failed, answer not read to the end, the server
  asking to close) is closed, never returned to the pool.

Not done here: HTTP/2, proxies and Unix sockets; a limit on connections (httpx's is 100: buildtui has at most a
few requests out at once); write flow control and the write timeout (requests are small JSON: the overall
deadline of ``HttpxSender`` bounds them). With a proxy set in the environment the client uses httpx's
own transport (``startup.transport_for``), as does ``BUILDTUI_PLAIN_START=1``.
"""

from __future__ import annotations

import asyncio
import select
import ssl
import time
from collections.abc import AsyncIterator

import h11
import httpx

#: the largest answer head read (h11's default is 16 KiB; httpcore's, and this, 100 KiB: proxies add headers)
MAX_HEAD = 100 * 1024
#: reading from the socket pauses while this much is received and not yet taken (a large answer read slowly)
HIGH_WATER = 1024 * 1024

Key = tuple[str, str, int]


class _Connection(asyncio.Protocol):
    """One socket and its h11 state. asyncio pushes what arrives; ``receive`` waits for it."""

    def __init__(self) -> None:
        self.h11 = h11.Connection(h11.CLIENT, max_incomplete_event_size=MAX_HEAD)
        self.transport: asyncio.Transport | None = None
        self.idle_since = 0.0
        self._received = bytearray()
        self._ended = False  # the server closed its side, or the connection was lost
        self._lost: BaseException | None = None
        self._waiter: asyncio.Future[None] | None = None
        self._paused = False

    # -- asyncio.Protocol
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        self._received += data
        if len(self._received) > HIGH_WATER and not self._paused and self.transport is not None:
            self.transport.pause_reading()
            self._paused = True
        self._wake()

    def eof_received(self) -> bool:
        self._ended = True
        self._wake()
        return False  # close the socket

    def connection_lost(self, exc: Exception | None) -> None:
        self._ended = True
        self._lost = exc
        self._wake()

    def _wake(self) -> None:
        if self._waiter is not None and not self._waiter.done():
            self._waiter.set_result(None)

    # -- used by the transport
    @property
    def reusable(self) -> bool:
        """Idle, open, and nothing unasked-for arrived on it, not even what asyncio has not read yet: a close that
        came while the loop was busy (drawing, validating a page) is still on the socket, and a request written
        into it would be lost with "may or may not have been carried out" (httpcore checks the same way)."""
        return (
            not self._ended
            and not self._received
            and self.transport is not None
            and not self.transport.is_closing()
            and self.h11.our_state is h11.IDLE
            and self.h11.their_state is h11.IDLE
            and not self.h11.trailing_data[0]
            and not _readable(self.transport.get_extra_info("socket"))
        )

    def write(self, data: bytes) -> None:
        if self._ended or self.transport is None or self.transport.is_closing():
            raise httpx.WriteError("the connection was closed before the request was written")
        self.transport.write(data)

    async def receive(self, timeout: float | None) -> bytes:
        """What has arrived, waiting for something (at most ``timeout`` s); b"" once the server closed."""
        if not self._received and not self._ended:
            self._waiter = asyncio.get_running_loop().create_future()
            try:
                async with asyncio.timeout(timeout):
                    await self._waiter
            except TimeoutError as exc:
                raise httpx.ReadTimeout(f"no data within {timeout} s") from exc
            finally:
                self._waiter = None
        if self._received:
            data = bytes(self._received)
            self._received.clear()
            if self._paused and self.transport is not None:
                self._paused = False
                self.transport.resume_reading()
            return data
        if self._lost is not None:
            raise httpx.ReadError(str(self._lost) or self._lost.__class__.__name__) from self._lost
        return b""

    async def next_event(self, timeout: float | None) -> object:
        while True:
            try:
                event = self.h11.next_event()
            except h11.RemoteProtocolError as exc:
                raise httpx.RemoteProtocolError(str(exc)) from exc
            if event is not h11.NEED_DATA:
                return event
            data = await self.receive(timeout)
            if not data and self.h11.their_state is h11.SEND_RESPONSE:
                raise httpx.RemoteProtocolError("Server disconnected without sending a response.")
            self.h11.receive_data(data)

    def close(self) -> None:
        if self.transport is not None:
            self.transport.close()
        self._ended = True


def _readable(sock: object) -> bool:
    """Whether the socket has something to read (or is closed) this moment, without reading it."""
    fileno = getattr(sock, "fileno", None)
    fd = fileno() if fileno is not None else -1
    if fd < 0:
        return True
    if hasattr(select, "poll"):
        poller = select.poll()
        poller.register(fd, select.POLLIN | select.POLLPRI | select.POLLHUP | select.POLLERR)
        return bool(poller.poll(0))
    readable, _, _ = select.select([fd], [], [], 0)  # Windows
    return bool(readable)


class _Body(httpx.AsyncByteStream):
    """The answer's body as it arrives. Read to its end, the connection goes back to the pool."""

    def __init__(self, pool: AsyncioTransport, key: Key, conn: _Connection, timeout: float | None) -> None:
        self._pool = pool
        self._key = key
        self._conn = conn
        self._timeout = timeout
        self._done = False

    async def __aiter__(self) -> AsyncIterator[bytes]:
        if self._done:
            return
        try:
            while True:
                event = await self._conn.next_event(self._timeout)
                if isinstance(event, h11.Data):
                    yield bytes(event.data)
                elif isinstance(event, (h11.EndOfMessage, h11.ConnectionClosed)):
                    break
        except BaseException:
            self._done = True
            self._conn.close()
            raise
        self._done = True
        self._pool.release(self._key, self._conn)

    async def aclose(self) -> None:
        if not self._done:  # not read to the end: what is left on the socket would be the next answer's start
            self._done = True
            self._conn.close()


class AsyncioTransport(httpx.AsyncBaseTransport):
    """See the module's docstring."""

    def __init__(self, ssl_context: ssl.SSLContext, *, max_idle: int = 20, keepalive_expiry: float = 5.0) -> None:
        self._ssl = ssl_context
        self._max_idle = max_idle
        self._expiry = keepalive_expiry
        self._idle: dict[Key, list[_Connection]] = {}
        self._alpn_set = False
        self._closed = False

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        url = request.url
        if url.scheme not in ("http", "https"):
            raise httpx.UnsupportedProtocol(f"Request URL has an unsupported protocol '{url.scheme}://'.")
        key: Key = (url.scheme, url.raw_host.decode("ascii"), url.port or (443 if url.scheme == "https" else 80))
        timeouts = request.extensions.get("timeout", {})
        conn = self._reuse(key) or await self._connect(key, timeouts.get("connect"))
        try:
            head = await self._exchange(conn, request, timeouts.get("read"))
        except h11.LocalProtocolError as exc:
            conn.close()
            raise httpx.LocalProtocolError(str(exc)) from exc
        except BaseException:
            conn.close()
            raise
        return httpx.Response(
            status_code=head.status_code,
            headers=head.headers.raw_items(),
            stream=_Body(self, key, conn, timeouts.get("read")),
            extensions={"http_version": b"HTTP/" + head.http_version, "reason_phrase": head.reason},
        )

    @staticmethod
    async def _exchange(
        conn: _Connection, request: httpx.Request, timeout: float | None
    ) -> h11.Response | h11.InformationalResponse:
        """Send the request; the answer's head (its body is read by ``_Body``)."""
        body = await request.aread()
        out = [
            conn.h11.send(h11.Request(method=request.method, target=request.url.raw_path, headers=request.headers.raw))
        ]
        if body:
            out.append(conn.h11.send(h11.Data(data=body)))
        out.append(conn.h11.send(h11.EndOfMessage()))
        conn.write(b"".join(part for part in out if part))
        while True:
            event = await conn.next_event(timeout)
            if isinstance(event, h11.Response):
                return event
            if isinstance(event, h11.InformationalResponse) and event.status_code == 101:
                return event

    def _reuse(self, key: Key) -> _Connection | None:
        idle = self._idle.get(key)
        now = time.monotonic()
        while idle:
            conn = idle.pop()
            if conn.reusable and now - conn.idle_since < self._expiry:
                return conn
            conn.close()
        return None

    async def _connect(self, key: Key, timeout: float | None) -> _Connection:
        scheme, host, port = key
        tls = scheme == "https"
        if tls and not self._alpn_set:
            self._ssl.set_alpn_protocols(["http/1.1"])
            self._alpn_set = True
        loop = asyncio.get_running_loop()
        try:
            async with asyncio.timeout(timeout):
                _, conn = await loop.create_connection(
                    _Connection,
                    host,
                    port,
                    ssl=self._ssl if tls else None,
                    server_hostname=host if tls else None,
                    happy_eyeballs_delay=0.25,
                )
        except TimeoutError as exc:
            raise httpx.ConnectTimeout(f"no connection within {timeout} s") from exc
        except OSError as exc:  # refused, DNS, TLS (ssl.SSLError is an OSError)
            raise httpx.ConnectError(str(exc) or exc.__class__.__name__) from exc
        return conn

    def release(self, key: Key, conn: _Connection) -> None:
        """An exchange read to its end: the connection is kept for the next request, if it can be."""
        if conn.h11.our_state is h11.DONE and conn.h11.their_state is h11.DONE:
            conn.h11.start_next_cycle()
        idle = self._idle.setdefault(key, [])
        if conn.reusable and len(idle) < self._max_idle and not self._closed:
            conn.idle_since = time.monotonic()
            idle.append(conn)
        else:
            conn.close()

    async def aclose(self) -> None:
        self._closed = True  # a request still running closes its connection when it ends
        for idle in self._idle.values():
            for conn in idle:
                conn.close()
        self._idle.clear()
