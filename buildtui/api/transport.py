"""How the client's requests travel: ``HttpxSender`` (the client's own, pooled, async) and
``BlockingSender`` (plain sockets on worker threads, for the start-up requests).

``InvenTreeClient`` reads answers and failures only through what is here, so both senders give the same
results, errors and messages. The blocking sender exists for start-up only: the first page and the session
facts are asked for before httpx (with httpcore and anyio: ~60 ms of imports) is loaded, and httpx is then
loaded in the background after the first rows are drawn (``warm_up``). Anything the blocking sender does
not do the same way (a proxy) means it is not used (``plain_route``).
"""

from __future__ import annotations

import asyncio
import base64
import functools
import json
import os
import socket
import ssl
import sys
import threading
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, Protocol
from urllib.parse import urlencode, urlsplit

if TYPE_CHECKING:
    import httpx


class SendTimeout(Exception):
    """No answer within the timeout."""


class SendFailed(Exception):
    """No answer at all (DNS, refused, TLS, connection dropped); ``__cause__`` is the original error."""


class Answer(Protocol):
    """The parts of an HTTP answer the client reads (``httpx.Response`` has them too)."""

    @property
    def status_code(self) -> int: ...

    @property
    def content(self) -> bytes: ...

    @property
    def headers(self) -> Mapping[str, str]: ...

    def json(self) -> Any: ...


class Sender(Protocol):
    async def send(self, method: str, path: str, *, params: Mapping[str, Any] | None, json_body: Any,
                   headers: Mapping[str, str]) -> Answer: ...

    async def aclose(self) -> None: ...


def basic_auth(username: str, password: str) -> str:
    """The value of an ``Authorization`` header for HTTP basic auth (as httpx encodes it: UTF-8)."""
    return "Basic " + base64.b64encode(f"{username}:{password}".encode()).decode("ascii")


@functools.lru_cache(maxsize=8)
def _verifying_context(cafile: str | None, capath: str | None) -> ssl.SSLContext:
    if cafile is None and capath is None:
        import certifi  # httpx's default trust store

        cafile = certifi.where()
    return ssl.create_default_context(cafile=cafile, capath=capath)


def tls_context(verify: bool | str | ssl.SSLContext, base_url: str) -> ssl.SSLContext:
    """The TLS settings for ``base_url``, as httpx would make them from ``verify`` (True: certifi's bundle,
    or ``SSL_CERT_FILE``/``SSL_CERT_DIR``; a path: that bundle or directory; False: no verification).
    One context per setting is made and shared, so the CA bundle is read once per process."""
    if isinstance(verify, ssl.SSLContext):
        return verify
    if verify is False:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
        return ctx
    if verify is True and base_url.startswith("http://"):
        # Plain http: no certificate is ever checked, so the CA bundle is not loaded (~20 ms at start-up).
        # The context still requires a valid certificate with an empty trust store: were an https request
        # ever made with it, it would fail closed, not go unverified.
        return ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    if verify is True:
        if os.environ.get("SSL_CERT_FILE"):
            return _verifying_context(os.environ["SSL_CERT_FILE"], None)
        if os.environ.get("SSL_CERT_DIR"):
            return _verifying_context(None, os.environ["SSL_CERT_DIR"])
        return _verifying_context(None, None)
    if os.path.isdir(verify):
        return _verifying_context(None, verify)
    return _verifying_context(verify, None)


class HttpxSender:
    """The client's sender: one pooled ``httpx.AsyncClient`` (keep-alive, HTTP/1.1)."""

    def __init__(self, base_url: str, *, headers: Mapping[str, str], timeout: float,
                 verify: bool | str | ssl.SSLContext, transport: httpx.AsyncBaseTransport | None = None) -> None:
        import httpx

        self._httpx = httpx
        self._client = httpx.AsyncClient(base_url=base_url, headers=dict(headers), timeout=timeout,
                                         verify=tls_context(verify, base_url), transport=transport)

    async def send(self, method: str, path: str, *, params: Mapping[str, Any] | None, json_body: Any,
                   headers: Mapping[str, str]) -> Answer:
        httpx = self._httpx
        try:
            return await self._client.request(method, path, params=params, json=json_body, headers=dict(headers))
        except httpx.TimeoutException as exc:
            raise SendTimeout(str(exc)) from exc
        except httpx.HTTPError as exc:
            raise SendFailed(str(exc) or exc.__class__.__name__) from exc

    async def aclose(self) -> None:
        await self._client.aclose()


class UnreadableAnswer(Exception):
    """``BlockingSender`` could not read what came back as HTTP. Not a network failure: the caller asks
    again through httpx (the start-up requests then take the normal path)."""


class _Answer:
    __slots__ = ("content", "headers", "status_code")

    def __init__(self, status_code: int, content: bytes, headers: dict[str, str]) -> None:
        self.status_code = status_code
        self.content = content
        self.headers = headers

    def json(self) -> Any:
        return json.loads(self.content)


class _NeedMore(Exception):
    """The answer is not complete yet, and the connection is still open."""


def read_answer(data: bytes, *, closed: bool = True) -> _Answer:
    """An HTTP/1.1 answer: status, headers and body (by Content-Length, chunked, or up to the close).
    Interim 1xx answers are skipped. ``closed``: the server has closed the connection, so whatever is missing
    never comes (a network failure); while it is open, a missing part raises ``_NeedMore``."""
    def short(why: str) -> Exception:
        return SendFailed(why) if closed else _NeedMore()

    while True:
        head, sep, body = data.partition(b"\r\n\r\n")
        if not sep:
            raise short("the connection closed before the answer was complete")
        lines = head.decode("latin-1").split("\r\n")
        version, _, rest = lines[0].partition(" ")
        code = rest[:3]
        if not version.startswith("HTTP/1.") or not (code.isdigit() and len(code) == 3):
            raise UnreadableAnswer(f"not an HTTP answer: {lines[0][:60]!r}")
        headers: dict[str, str] = {}
        for line in lines[1:]:
            name, colon, value = line.partition(":")
            if not colon or not name.strip():
                raise UnreadableAnswer(f"not an HTTP header: {line[:60]!r}")
            key = name.strip().lower()
            headers[key] = f"{headers[key]}, {value.strip()}" if key in headers else value.strip()
        if not 100 <= int(code) < 200:
            break
        data = body
    status = int(code)
    if status in (204, 304):  # never a body
        return _Answer(status, b"", headers)
    if headers.get("content-encoding", "identity").lower() != "identity":  # none was asked for
        raise UnreadableAnswer(f"an answer encoded as {headers['content-encoding']}")
    if "chunked" in headers.get("transfer-encoding", "").lower():
        body = _dechunk(body, short)
    elif "content-length" in headers:
        length = headers["content-length"].split(",")[0].strip()
        if not length.isdigit():
            raise UnreadableAnswer(f"a Content-Length of {length!r}")
        if len(body) < int(length):
            raise short(f"the connection closed after {len(body)} of {length} bytes of the answer")
        body = body[:int(length)]
    elif not closed:  # the close ends this body
        raise _NeedMore()
    return _Answer(status, body, headers)


def _dechunk(body: bytes, short: Callable[[str], Exception]) -> bytes:
    out = bytearray()
    at = 0
    while True:
        end = body.find(b"\r\n", at)
        if end < 0:
            raise short("the connection closed in the middle of the answer")
        size_text = body[at:end].split(b";")[0].strip()
        try:
            size = int(size_text, 16)
        except ValueError:
            raise UnreadableAnswer(f"a chunk size of {size_text[:20]!r}") from None
        if size == 0:
            return bytes(out)
        start = end + 2
        if len(body) < start + size + 2:
            raise short("the connection closed in the middle of the answer")
        out += body[start:start + size]
        at = start + size + 2


class BlockingSender:
    """Plain sockets on worker threads: one ``Connection: close`` exchange per request, nothing pooled.
    For the handful of GETs at start-up, before httpx is imported (the standard library's http.client
    would import the email package: ~7 ms of start-up). Same TLS context, timeout and headers as
    ``HttpxSender``; anything it cannot read raises ``UnreadableAnswer`` so that httpx is asked instead."""

    def __init__(self, base_url: str, *, headers: Mapping[str, str], timeout: float,
                 verify: bool | str | ssl.SSLContext) -> None:
        parts = urlsplit(base_url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"not an http(s) URL: {base_url!r}")
        self._https = parts.scheme == "https"
        self._host = parts.hostname
        self._port = parts.port or (443 if self._https else 80)
        self._prefix = parts.path.rstrip("/")
        self._base_url = base_url
        self._verify = verify
        self._headers = dict(headers)
        self._timeout = timeout

    async def send(self, method: str, path: str, *, params: Mapping[str, Any] | None, json_body: Any,
                   headers: Mapping[str, str]) -> Answer:
        return await asyncio.to_thread(self._send, method, path, params, json_body, headers)

    def _send(self, method: str, path: str, params: Mapping[str, Any] | None, json_body: Any,
              headers: Mapping[str, str]) -> _Answer:
        target = self._prefix + path + (("?" + urlencode(params, doseq=True)) if params else "")
        body = b"" if json_body is None else json.dumps(json_body).encode()
        sent = {"Host": self._host_header(), **self._headers, **headers, "Connection": "close"}
        if json_body is not None:
            sent["Content-Type"] = "application/json"
        if body or method not in ("GET", "HEAD", "DELETE"):
            sent["Content-Length"] = str(len(body))
        request = f"{method} {target} HTTP/1.1\r\n" + "".join(f"{k}: {v}\r\n" for k, v in sent.items()) + "\r\n"
        try:
            return self._exchange(request.encode("latin-1") + body)
        except TimeoutError as exc:  # socket.timeout is TimeoutError
            raise SendTimeout(str(exc) or "timed out") from exc
        except OSError as exc:  # refused, DNS (gaierror), TLS (SSLError), reset
            raise SendFailed(str(exc) or exc.__class__.__name__) from exc

    def _exchange(self, request: bytes) -> _Answer:
        sock = socket.create_connection((self._host, self._port), timeout=self._timeout)
        try:
            if self._https:
                sock = tls_context(self._verify, self._base_url).wrap_socket(sock, server_hostname=self._host)
            sock.sendall(request)
            received = bytearray()
            while chunk := sock.recv(65536):
                received += chunk
                try:  # complete by its length or last chunk: done, even if the server keeps the connection
                    return read_answer(bytes(received), closed=False)
                except _NeedMore:
                    continue
            return read_answer(bytes(received))
        finally:
            sock.close()

    def _host_header(self) -> str:
        default = 443 if self._https else 80
        host = f"[{self._host}]" if ":" in self._host else self._host
        return host if self._port == default else f"{host}:{self._port}"

    async def aclose(self) -> None:
        return None


def plain_route() -> bool:
    """True when requests go straight to the server: no proxy configured, so ``BlockingSender`` (which
    does not do proxies) reaches it exactly as httpx would."""
    if any(k.lower() in ("http_proxy", "https_proxy", "all_proxy") and v for k, v in os.environ.items()):
        return False
    if sys.platform in ("darwin", "win32"):  # system proxy settings, read the way httpx reads them
        from urllib.request import getproxies

        return not any(k in ("http", "https", "all") for k in getproxies())
    return True


_warmed = threading.Event()


def warm_up() -> threading.Thread | None:
    """Import httpx and its transport on a background thread, so that the first request after start-up
    does not pay for it (~60 ms). Once per process; returns the thread (None when already done/running)."""
    if _warmed.is_set():
        return None
    _warmed.set()

    def run() -> None:
        try:
            import anyio._backends._asyncio  # noqa: F401  (httpcore's locks use it under asyncio)
            import httpcore  # noqa: F401
            import httpx  # noqa: F401
        except Exception:  # noqa: BLE001 - only a head start; the real import reports any problem
            pass

    thread = threading.Thread(target=run, name="buildtui-warm-up")
    thread.start()
    return thread
