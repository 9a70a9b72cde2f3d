"""How the client's requests travel: one pooled ``httpx.AsyncClient``, with bounds on every request.

Every request has an overall deadline (not only httpx's per-read timeout, which a server trickling one byte
every few seconds never trips) and a cap on the size of the answer read. A failure says whether the
request may have reached the server (``SendFailed.maybe_sent``): a write whose answer was lost may have
been carried out, and the caller must find out before offering to send it again.
"""

from __future__ import annotations

import asyncio
import base64
import functools
import json
import os
import ssl
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import httpx

#: the largest answer read (a page of 1,000 build lines with their allocations is a few MB)
MAX_ANSWER_BYTES = 32 * 1024 * 1024


class SendTimeout(Exception):
    """No complete answer within the deadline. ``maybe_sent``: the request may have reached the server."""

    def __init__(self, message: str, *, maybe_sent: bool) -> None:
        super().__init__(message)
        self.maybe_sent = maybe_sent


class SendFailed(Exception):
    """No answer (DNS, refused, TLS, connection dropped); ``__cause__`` is the original error.
    ``maybe_sent``: the request may have reached the server (the connection broke after it was written)."""

    def __init__(self, message: str, *, maybe_sent: bool) -> None:
        super().__init__(message)
        self.maybe_sent = maybe_sent


class AnswerTooLarge(Exception):
    """The answer is larger than ``MAX_ANSWER_BYTES``; it was not read."""

    def __init__(self, size: int | None, limit: int) -> None:
        shown = f"{size / 1e6:,.0f} MB" if size else "more than the limit"
        super().__init__(
            f"The server's answer is {shown}; buildtui reads at most {limit // 1_000_000} MB from one request."
        )
        self.size = size


class Answer:
    """What the client reads of an HTTP answer: status, headers (lower-case names) and the body's bytes."""

    __slots__ = ("content", "headers", "status_code")

    def __init__(self, status_code: int, content: bytes, headers: Mapping[str, str]) -> None:
        self.status_code = status_code
        self.content = content
        self.headers = headers

    def json(self) -> Any:
        return json.loads(self.content)


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
    """The TLS settings for ``base_url`` from ``verify`` (True: certifi's bundle, or ``SSL_CERT_FILE``/
    ``SSL_CERT_DIR``; a path: that bundle or directory; False: no verification). One context per setting
    is made and shared, so the CA bundle is read once per process."""
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
        # ever made with it (a redirect is not followed), it would fail closed, not go unverified.
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


def transport_for(base_url: str, ssl_context: ssl.SSLContext) -> httpx.AsyncBaseTransport | None:
    """The transport for requests to ``base_url`` (start-up work, ``startup.py`` item 3): ``http11``'s, or None
    for httpx's own where ``http11`` does not go (the start-up switch off; a proxy named in the environment for
    that scheme, which httpx reads and ``http11`` does not)."""
    from .. import startup

    if not startup.enabled():
        return None
    import urllib.request  # httpx has imported it already

    proxies = urllib.request.getproxies()
    if base_url.split(":", 1)[0].lower() in proxies or "all" in proxies:
        return None
    from .http11 import AsyncioTransport

    return AsyncioTransport(ssl_context)


class HttpxSender:
    """The client's sender: one pooled ``httpx.AsyncClient`` (keep-alive, HTTP/1.1), made at the first request,
    over ``http11.AsyncioTransport`` unless a transport is given (tests) or ``transport_for`` says not.

    ``timeout`` is the overall deadline of one request, from sending to the last byte of the answer.
    """

    def __init__(
        self,
        base_url: str,
        *,
        headers: Mapping[str, str],
        timeout: float,
        verify: bool | str | ssl.SSLContext,
        transport: httpx.AsyncBaseTransport | None = None,
        max_bytes: int = MAX_ANSWER_BYTES,
    ) -> None:
        import httpx

        self._httpx = httpx
        self.timeout = timeout
        self.max_bytes = max_bytes
        context = tls_context(verify, base_url)
        self._client = httpx.AsyncClient(
            base_url=base_url,
            headers=dict(headers),
            timeout=timeout,
            verify=context,
            transport=transport or transport_for(base_url, context),
        )

    async def send(
        self, method: str, path: str, *, params: Mapping[str, Any] | None, json_body: Any, headers: Mapping[str, str]
    ) -> Answer:
        httpx = self._httpx
        request = self._client.build_request(method, path, params=params, json=json_body, headers=dict(headers))

        async def exchange() -> Answer:
            response = await self._client.send(request, stream=True)
            try:
                return Answer(response.status_code, await self._read(response), response.headers)
            finally:
                await response.aclose()

        try:
            async with asyncio.timeout(self.timeout):
                return await exchange()
        except TimeoutError as exc:  # the overall deadline: the request may well have been written
            raise SendTimeout(f"no complete answer within {self.timeout:g} s", maybe_sent=True) from exc
        except httpx.TimeoutException as exc:
            raise SendTimeout(
                str(exc) or "timed out", maybe_sent=not isinstance(exc, (httpx.ConnectTimeout, httpx.PoolTimeout))
            ) from exc
        except httpx.HTTPError as exc:
            # refused, DNS, TLS handshake: nothing reached the server. Anything later (reset, closed
            # mid-answer, a stale keep-alive connection) may have come after the server acted on it.
            not_sent = isinstance(exc, (httpx.ConnectError, httpx.UnsupportedProtocol, httpx.ProxyError))
            raise SendFailed(str(exc) or exc.__class__.__name__, maybe_sent=not not_sent) from exc

    async def _read(self, response: httpx.Response) -> bytes:
        length = response.headers.get("content-length", "")
        if length.isdigit() and int(length) > self.max_bytes:
            raise AnswerTooLarge(int(length), self.max_bytes)
        body = bytearray()
        async for chunk in response.aiter_bytes():
            body += chunk
            if len(body) > self.max_bytes:
                raise AnswerTooLarge(None, self.max_bytes)
        return bytes(body)

    async def aclose(self) -> None:
        await self._client.aclose()
