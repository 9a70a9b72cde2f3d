"""Fault rules: which requests the simulator answers badly, and how (the network's misbehaviour, on request).

A rule names a kind of fault, the requests it applies to (method and a path regex), how many times it fires
and with what probability. ``Faults.match`` is asked once per request, as it arrives; the ASGI layer in
``wire.py`` carries the fault out. Everything injected is counted and kept in ``Faults.injected``.

Kinds (what the client sees; whether the request is carried out):

- ``drop``: carried out and committed, then the connection is cut with no answer.
  ``how="close"`` (default) closes it cleanly: httpx raises ``RemoteProtocolError("Server disconnected without
  sending a response.")``. ``how="reset"`` sends a TCP reset: httpx raises ``ReadError`` (connection reset by
  peer) or ``RemoteProtocolError``, depending on timing. ``how="partial"`` sends the status line, the headers and
  half the body, then closes: ``RemoteProtocolError("peer closed connection without sending complete message
  body ...")``.
- ``trickle``: carried out; the answer is sent one byte every ``interval_s`` seconds. By default the whole answer
  (status line and headers too) trickles; ``body_only=True`` sends the headers at once and trickles the body.
- ``oversize``: a 200 JSON answer announcing ``size`` bytes (default 2 GiB) in its Content-Length, streamed fast.
- ``nested``: a 200 JSON answer nested ``depth`` levels deep (default 200,000): ``[[[[...]]]]``.
- ``redirect``: a ``status`` (default 301) redirect to ``to`` + the request's path and query, as an
  http -> https proxy answers.
- ``late``: carried out and committed; the answer comes ``delay_s`` seconds later.
- ``lost``: held ``delay_s`` seconds, then answered 504 by a "proxy"; not carried out.
- ``error``: answered ``status`` (default 502) with a proxy's HTML page; not carried out.

``oversize`` and ``nested`` replace the answer without carrying the request out unless ``commit=True``.
"""

from __future__ import annotations

import logging
import random
import re
import threading
from dataclasses import dataclass, field
from typing import Literal, NamedTuple, TypeAlias, get_args

log = logging.getLogger("buildtui.simulator")

FaultKind = Literal["drop", "trickle", "oversize", "nested", "redirect", "late", "lost", "error"]
DropHow = Literal["close", "reset", "partial"]
KINDS: tuple[str, ...] = get_args(FaultKind)
WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
#: kinds that carry the request out before their misbehaviour (the others replace the answer)
COMMITTING: frozenset[str] = frozenset({"drop", "trickle", "late"})
GIB = 1024**3

Latency: TypeAlias = float | tuple[float, float]
"""Milliseconds: a fixed delay, or ``(low, high)`` for a uniform draw per request."""


class Injection(NamedTuple):
    """One fault carried out: its kind, and the request's method and path (without the query)."""

    kind: str
    method: str
    path: str


@dataclass
class FaultRule:
    """One rule. ``method``: an HTTP method, ``"WRITE"`` (POST, PUT, PATCH, DELETE) or None for any.
    ``path``: a regex searched in the request's path (no query), None for any. ``times``: how many requests
    it fires on (None: every one). ``probability``: the chance it fires on a matching request."""

    kind: FaultKind
    method: str | None = None
    path: re.Pattern[str] | None = None
    times: int | None = None
    probability: float = 1.0
    # what the fault does
    how: DropHow = "close"
    interval_s: float = 2.0
    body_only: bool = False
    size: int = 2 * GIB
    depth: int = 200_000
    to: str = ""
    status: int = 0
    delay_s: float = 1.0
    commit: bool = False
    fired: int = 0

    def matches(self, method: str, path: str) -> bool:
        if self.times is not None and self.fired >= self.times:
            return False
        if self.method is not None:
            wanted = self.method.upper()
            if wanted == "WRITE" and method not in WRITE_METHODS:
                return False
            if wanted != "WRITE" and wanted != method:
                return False
        return self.path is None or self.path.search(path) is not None

    @property
    def carries_out(self) -> bool:
        """Whether the request is carried out (and committed) before the fault."""
        return self.kind in COMMITTING or (self.commit and self.kind in ("oversize", "nested"))


@dataclass
class Faults:
    """The rule list shared by the server's requests (thread-safe: tests add rules from their own thread)."""

    rules: list[FaultRule] = field(default_factory=list)
    injected: list[Injection] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def add(
        self,
        kind: FaultKind,
        *,
        method: str | None = None,
        path: str | None = None,
        times: int | None = None,
        probability: float = 1.0,
        how: DropHow = "close",
        interval_s: float = 2.0,
        body_only: bool = False,
        size: int = 2 * GIB,
        depth: int = 200_000,
        to: str = "",
        status: int = 0,
        delay_s: float = 1.0,
        commit: bool = False,
    ) -> FaultRule:
        """Add a rule (checked before the rules added earlier) and return it. Raises ValueError on a bad one."""
        if kind not in KINDS:
            raise ValueError(f"unknown fault kind {kind!r} (one of {', '.join(KINDS)})")
        if how not in ("close", "reset", "partial"):
            raise ValueError(f"unknown way to drop {how!r} (close, reset or partial)")
        if not 0.0 <= probability <= 1.0:
            raise ValueError("probability must be between 0 and 1")
        if times is not None and times < 0:
            raise ValueError("times must be 0 or more")
        if kind == "redirect" and not to.startswith(("http://", "https://")):
            raise ValueError("a redirect needs to='http(s)://host[:port]'")
        if min(interval_s, delay_s) < 0 or size < 0 or depth < 1:
            raise ValueError("interval_s, delay_s and size must be 0 or more, depth 1 or more")
        if not status:
            status = {"redirect": 301, "error": 502}.get(kind, 0)
        rule = FaultRule(
            kind,
            method=method.upper() if method else None,
            path=re.compile(path) if path is not None else None,
            times=times,
            probability=probability,
            how=how,
            interval_s=interval_s,
            body_only=body_only,
            size=size,
            depth=depth,
            to=to.rstrip("/"),
            status=status,
            delay_s=delay_s,
            commit=commit,
        )
        with self._lock:
            self.rules.insert(0, rule)
        return rule

    def clear(self) -> None:
        """Remove every rule (what was injected stays counted)."""
        with self._lock:
            self.rules.clear()

    def match(self, method: str, path: str) -> FaultRule | None:
        """The rule that fires on this request, if any; counts it as injected."""
        with self._lock:
            for rule in self.rules:
                if rule.matches(method, path) and (rule.probability >= 1.0 or random.random() < rule.probability):
                    rule.fired += 1
                    self.injected.append(Injection(rule.kind, method, path))
                    return rule
        return None

    def note(self, kind: str, method: str, path: str) -> None:
        """Count a fault injected by one of the simulator's plain knobs (``down``, ``fail_rate``, ...) and log it,
        as the rules' faults are (``--help`` says every injected fault is logged)."""
        log.info("fault injected: %s on %s %s", kind, method, path)
        with self._lock:
            self.injected.append(Injection(kind, method, path))

    def count(self, kind: str | None = None) -> int:
        """How many faults were injected (of this kind)."""
        with self._lock:
            return sum(1 for i in self.injected if kind is None or i.kind == kind)


def parse_latency(text: str) -> Latency:
    """``"850"`` -> 850.0; ``"200-1200"`` -> (200.0, 1200.0). Raises ValueError with a one-line reason."""
    raw = text.strip()
    low_text, sep, high_text = raw.partition("-")
    try:
        if not sep:
            value = float(raw)
            if value < 0 or value != value:
                raise ValueError
            return value
        if not low_text:  # "-5": a negative number, not a range
            raise ValueError
        low, high = float(low_text), float(high_text)
    except ValueError:
        raise ValueError(f"must be milliseconds (850) or a range (200-1200), 0 or more; got {text!r}") from None
    if not 0 <= low <= high:
        raise ValueError(f"range must go from low to high; got {text!r}")
    return (low, high)


def draw_latency_s(latency: Latency) -> float:
    """Seconds to wait for one request."""
    if isinstance(latency, tuple):
        low, high = latency
        return random.uniform(low, high) / 1000
    return float(latency) / 1000


def describe_latency(latency: Latency) -> str:
    if isinstance(latency, tuple):
        return f"{latency[0]:g}-{latency[1]:g} ms"
    return f"{latency:g} ms"
