"""``buildtui web``: textual-serve's ``Server``, made to take keys only from its own page.

textual-serve starts one app process per websocket and accepts that websocket from any web page: a page
from another site open in the kiosk's browser could open ``ws://127.0.0.1:8566/ws`` and drive the
operator's session with the stored token. Here:

- a websocket is refused (403) unless its ``Origin`` is the origin of the page itself: ``--public-url``
  when given, else the scheme and ``Host`` of the request (the exact host:port the browser used);
- that ``Host`` must be a name this machine answers to (on loopback: only loopback names; on another
  address: IP literals, ``localhost`` and the machine's own names), so that a site whose name is made to
  resolve to this machine ("DNS rebinding") is refused too; other names need ``--public-url``;
- the page's websocket and static URLs are built from the same origin, so that a page served on
  ``--host 0.0.0.0`` works from a remote browser (textual-serve would point it at ``ws://0.0.0.0:PORT``);
- a non-loopback ``--host`` is refused unless ``--allow-remote`` is given, with a warning saying the risk.

Only public parts of textual-serve are used: the ``handle_index``/``handle_websocket`` handlers (called
through), the ``public_url`` attribute and the ``on_startup`` hook. ``tests/test_web.py`` checks the
served page and the refusals, so a textual-serve that changes under them fails the tests.
"""

from __future__ import annotations

import ipaddress
import logging
import re
import socket
from collections.abc import Iterable
from contextvars import ContextVar
from typing import Any
from urllib.parse import urlsplit

from aiohttp import web
from textual_serve.server import Server

log = logging.getLogger("buildtui.web")

# The origin of the page being served, while textual-serve's index handler reads ``public_url``.
_page_origin: ContextVar[str | None] = ContextVar("buildtui_page_origin", default=None)

# A Host header: a name or IPv4 address, or a bracketed IPv6 address, with an optional port.
_HOST = re.compile(
    r"^(?P<name>\[[0-9a-fA-F:.%a-zA-Z]+\]|[A-Za-z0-9](?:[A-Za-z0-9.-]{0,251}[A-Za-z0-9.])?)"
    r"(?::(?P<port>\d{1,5}))?$"
)
_DEFAULT_PORTS = {"http": 80, "https": 443}


def _ip(name: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(name.strip("[]").split("%")[0])
    except ValueError:
        return None


def is_loopback(host: str) -> bool:
    """True for 127.0.0.0/8, ::1 and ``localhost``: addresses only this machine can reach."""
    ip = _ip(host)
    if ip is not None:
        return ip.is_loopback
    return host.lower().rstrip(".") == "localhost"


def remote_risk(host: str, port: int) -> str:
    """The warning for a non-loopback ``--host``: what anyone who can reach the port can do."""
    return (
        f"warning: buildtui web on {host}:{port} can be reached from other machines. It has no sign-in of "
        "its own: anyone who can open its page drives this session with the stored token (as the user it "
        "signs in as), and plain http carries the screen and every key unencrypted. Use it only on a network "
        "you trust, behind a firewall, or behind an HTTPS reverse proxy with its own sign-in (--public-url)."
    )


def check_host(host: str, allow_remote: bool, port: int) -> tuple[str | None, str | None]:
    """(a one-line refusal, a warning) for ``--host``: a non-loopback host needs ``--allow-remote``."""
    if is_loopback(host):
        return None, None
    if not allow_remote:
        where = host or "every interface"
        return (
            f"refusing to serve on {where}: anyone who can reach it would drive this session with the stored "
            "token, with no sign-in. Add --allow-remote if that is what you want (README: Browser)."
        ), None
    return None, remote_risk(host or "every interface", port)


def origin_of(url: str) -> str:
    """``scheme://host[:port]`` as a browser sends it in ``Origin``: lower case, no default port, no path."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    if ":" in host:
        host = f"[{host}]"
    port = parts.port
    return f"{scheme}://{host}" + (f":{port}" if port and port != _DEFAULT_PORTS.get(scheme) else "")


def check_public_url(url: str) -> str | None:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.query or parts.fragment:
        return f"--public-url must be an http(s) URL such as https://kiosk.example.com, got {url[:80]!r}"
    return None


class GuardedServer(Server):
    """textual-serve's ``Server`` that serves its page to, and takes keys from, its own origin only."""

    def __init__(
        self,
        command: str,
        *,
        host: str = "127.0.0.1",
        port: int = 8566,
        public_url: str | None = None,
        title: str = "buildtui",
        names: Iterable[str] | None = None,
    ) -> None:
        self._listen_url = f"http://{'[' + host + ']' if ':' in host else host}:{port}"
        super().__init__(
            command, host=host, port=port, title=title, public_url=public_url.rstrip("/") if public_url else None
        )
        self.fixed_origin = origin_of(public_url) if public_url else None
        self.loopback_only = is_loopback(host)
        self.names = {n.lower().rstrip(".") for n in (names if names is not None else own_names(host))}

    # textual-serve reads ``public_url`` when it renders the page: during a request it is the page's origin
    @property
    def public_url(self) -> str:
        return _page_origin.get() or self._public_url

    @public_url.setter
    def public_url(self, value: str) -> None:
        self._public_url = value

    def trusted_host(self, name: str) -> bool:
        """Whether a ``Host`` name is one a browser uses for this machine (not a name someone else controls)."""
        name = name.lower().rstrip(".")
        if is_loopback(name):
            return True
        if self.loopback_only:
            return False
        return _ip(name) is not None or name in self.names

    def page_origin(self, request: web.Request) -> str | None:
        """The origin the page is served from for this request, or None when its Host is not trusted."""
        if self.fixed_origin is not None:
            return self.fixed_origin
        match = _HOST.match(request.host or "")
        if match is None or not self.trusted_host(match["name"]):
            return None
        return f"{request.scheme}://{request.host.lower()}"

    async def handle_index(self, request: web.Request) -> Any:
        origin = self.page_origin(request)
        if origin is None:
            log.warning("refused the page to Host %r", (request.host or "")[:100])
            raise web.HTTPForbidden(text="buildtui web does not answer to this host name; see --public-url.\n")
        token = _page_origin.set(None if self.fixed_origin else origin)
        try:
            return await super().handle_index(request)
        finally:
            _page_origin.reset(token)

    async def handle_websocket(self, request: web.Request) -> web.WebSocketResponse:
        origin = request.headers.get("Origin", "")
        expected = self.page_origin(request)
        if expected is None or origin.lower() != expected:
            log.warning("refused a websocket from origin %r for %r", origin[:100], (request.host or "")[:100])
            raise web.HTTPForbidden(text="buildtui web takes keys only from its own page.\n")
        return await super().handle_websocket(request)

    async def on_startup(self, app: web.Application) -> None:
        where = (self._public_url if self.fixed_origin else self._listen_url) + "/"
        ip = _ip(self.host)
        if not self.fixed_origin and (not self.host or (ip is not None and ip.is_unspecified)):
            where = (
                f"port {self.port} of every address of this machine, e.g. http://{socket.gethostname()}:{self.port}/"
            )
        self.console.print(f"buildtui web on {where}  (Ctrl+C stops it)", highlight=False, markup=False)


def own_names(host: str) -> set[str]:
    """The names of this machine a browser may use: its host name, its FQDN, ``NAME.local``, and ``host``."""
    names = {"localhost", host}
    try:
        short = socket.gethostname()
        names |= {short, f"{short}.local", socket.getfqdn()}
    except OSError:
        pass
    return {n for n in names if n}
